"""The ``--report`` of a run ended by Ctrl-C, SIGTERM or SIGHUP during a C-MOVE.

``python -m movescu -v --progress +P --report`` retrieves from a scripted Move
SCP that stores two objects on sub-associations, sends a pending response after
each (1 remaining, 2 completed) and then stays silent.  Once movescu has logged
the second pending response, its progress display shows ``2/3`` (the display
and the report read the same :class:`movescu.summary.RunTracker`, whose handler
runs after the logging one) and both files are in ``-od``, the test signals it.
The report must then list the C-MOVE that was in progress (its identifier, the
counters of its last pending response, outcome ``interrupted``), the files
received so far, why the run ended, and be valid against the published schema.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from movescu.progress import CLEAR
from tests.hardening.support import all_files, wait_for
from tests.support.datasets import write_collection
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port
from tests.support.reports import read_report

SRC = str(Path(__file__).resolve().parents[2] / "src")
BOUND = 30.0


def complete_files(out: Path) -> list[str]:
    """The received files under their final names (not ``.movescu-*`` spool files)."""
    return [name for name in all_files(out) if not name.startswith(".")]


@pytest.mark.parametrize(
    ("signum", "code", "name", "reason"),
    [
        (signal.SIGINT, 130, "INTERRUPTED", "interrupted"),
        (signal.SIGTERM, 143, "TERMINATED", "terminated"),
        (signal.SIGHUP, 129, "HANGUP", "hangup"),
    ],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_report_of_an_interrupted_run_lists_the_move_in_progress(
    tmp_path: Path, signum: int, code: int, name: str, reason: str
) -> None:
    objects = write_collection(
        tmp_path / "objects", patients=1, studies_per_patient=1, series_per_study=1
    )
    paths = [instance.path for instance in objects.instances][:2]
    assert len(paths) == 2
    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    port = free_port()

    def script(ctx: MoveContext) -> None:
        for n, path in enumerate(paths, 1):
            ctx.store([path])
            ctx.pending(3 - n, n)
        ctx.wait(BOUND)  # the third object never comes

    second_pending = threading.Event()
    received: list[str] = []

    def read_stderr(fd: int) -> None:
        while chunk := os.read(fd, 65536):
            received.append(chunk.decode("utf-8", "replace"))
            text = "".join(received)
            if "I: Received Move Response 2 (Pending)" in text and f"{CLEAR}movescu: 2/3 " in text:
                second_pending.set()

    def log_lines() -> list[str]:
        """stderr without the progress display (redrawn after ``\\r\\x1b[K``)."""
        raw = "".join(received).split("\n")
        return [line.rsplit(CLEAR, 1)[-1] for line in raw if line.rsplit(CLEAR, 1)[-1]]

    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        argv = [sys.executable, "-m", "movescu", "-v", "--progress", "-S", "-aet", "MOVESCU"]
        argv += ["+P", str(port), "-od", str(out), "--report", str(report)]
        argv += ["127.0.0.1", str(fake.port), "-k", "QueryRetrieveLevel=STUDY"]
        argv += ["-k", f"StudyInstanceUID={objects.instances[0].study_uid}"]
        proc = subprocess.Popen(
            argv,
            env=dict(os.environ, PYTHONPATH=SRC),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
        )
        assert proc.stderr is not None
        reader = threading.Thread(target=read_stderr, args=(proc.stderr.fileno(),), daemon=True)
        reader.start()
        try:
            assert second_pending.wait(BOUND), received
            assert wait_for(lambda: len(complete_files(out)) == 2, BOUND), all_files(out)
            proc.send_signal(signum)
            # the process dies by the signal after its clean-up (a shell shows the code)
            assert proc.wait(BOUND) == -signum
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(BOUND)

    lines = log_lines()
    assert lines[-1] == f"F: {reason}", lines
    document = read_report(report)  # valid against docs/report.schema.json
    assert (document["exit_code"], document["exit_name"]) == (code, name)
    assert document["error"] == reason
    [move] = document["moves"]
    assert (move["message_id"], move["outcome"], move["error"]) == (1, "interrupted", reason)
    assert (move["status"], move["status_text"], move["seconds"]) == (None, None, None)
    assert move["pending_responses"] == 2
    counters = {key: move[key] for key in ("remaining", "completed", "failed", "warning")}
    assert counters == {"remaining": 1, "completed": 2, "failed": 0, "warning": 0}
    assert move["identifier"] == {
        "00080052": {"vr": "CS", "Value": ["STUDY"]},
        "0020000D": {"vr": "UI", "Value": [objects.instances[0].study_uid]},
    }
    assert document["totals"] == {"moves": 1, "completed": 0, "failed": 0, "warning": 0}
    received = document["received"]
    assert (received["objects"], received["stored"], received["failed"]) == (2, 2, 0)
    assert sorted(Path(f).name for f in received["files"]) == all_files(out)
    assert {entry["sop_instance_uid"] for entry in received["instances"]} == {
        instance.sop_instance_uid for instance in objects.instances[:2]
    }
    # no summary line for a run interrupted during its only C-MOVE
    assert not any(line.startswith("I: Summary:") for line in lines)
