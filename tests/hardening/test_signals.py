"""Ctrl-C, SIGTERM and SIGHUP during a real retrieve.

``python -m movescu +P`` retrieves from a scripted Move SCP that stores two
complete objects on sub-associations, starts a third and stalls in the middle
of its data set, and never sends a final response.  A signal then must: abort
the main association (the Move SCP sees an A-ABORT) and the stalled
sub-association (its connection closes), keep the complete files, leave no
partial or temporary file, print one ``F:`` line, and end within a bound; the
process then dies by the signal (as DCMTK's movescu, which has no handler):
``waitpid`` shows WIFSIGNALED, a shell shows 130 (SIGINT), 143 (SIGTERM) or 129
(SIGHUP), and a shell loop stops at Ctrl-C as it does with DCMTK (issue 13
item 7).  The report still names 130/143/129.  Without ``-td`` a pending move
never ends by itself, so the signal is also the only way out of it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.hardening.rawpdu import CT, EXPLICIT_LE, RawClient, c_store_rq_command, explicit_dataset
from tests.hardening.rawpdu import p_data as raw_p_data
from tests.hardening.support import OutputWatcher, all_files, leftovers, wait_for
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port
from tests.support.tools import dcmtk_tool

SRC = str(Path(__file__).resolve().parents[2] / "src")
BOUND = 30.0


def _wait_for(predicate: Callable[[], object], timeout: float) -> bool:
    return wait_for(predicate, timeout, interval=0.05)


def _complete_store(port: int, uid: bytes) -> int | None:
    with RawClient(port) as client:
        context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
        status = client.store(context, uid, explicit_dataset(CT, uid))
        client.release()
    return status


def _start_object(client: RawClient, uid: bytes, sent: int) -> None:
    """Associate and send a C-STORE's command and only the first ``sent`` data bytes."""
    context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
    client.send(raw_p_data(context, c_store_rq_command(1, CT, uid), command=True))
    data = explicit_dataset(CT, uid) + b"\x00" * 4096
    client.send(raw_p_data(context, data[:sent], command=False, last=False))


class _Movescu:
    """``python -m movescu`` in a subprocess whose stdout and stderr are watched."""

    def __init__(self, argv_tail: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "movescu", *argv_tail],
            env=dict(os.environ, PYTHONPATH=SRC, TCP_NODELAY="1"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # as from a terminal, even when the test run itself is under nohup
            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stdout = OutputWatcher(self.proc.stdout.fileno())
        self.stderr = OutputWatcher(self.proc.stderr.fileno())

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode


@contextmanager
def _running(argv_tail: list[str]) -> Iterator[_Movescu]:
    """``python -m movescu`` in a subprocess, killed at the end if still running."""
    run = _Movescu(argv_tail)
    try:
        yield run
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
        run.proc.wait()
        run.stdout.final()
        run.stderr.final()
        assert run.proc.stdout is not None and run.proc.stderr is not None
        run.proc.stdout.close()
        run.proc.stderr.close()


def _interrupt(run: _Movescu, signum: int = signal.SIGTERM) -> str:
    """Send ``signum`` and wait (bounded) for the process to end; its stderr."""
    run.proc.send_signal(signum)
    run.proc.wait(timeout=BOUND)
    return run.stderr.final()


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGTERM, 143, "F: terminated"),
        (signal.SIGINT, 130, "F: interrupted"),
        (signal.SIGHUP, 129, "F: hangup"),
    ],
    ids=["SIGTERM", "SIGINT", "SIGHUP"],
)
def test_signal_mid_object_keeps_complete_files_and_removes_partial_ones(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    port = free_port()
    stalled = threading.Event()
    closed: list[bool] = []
    statuses: list[int | None] = []

    def script(ctx: MoveContext) -> None:
        for n, uid in enumerate((b"1.2.3.1", b"1.2.3.2"), 1):
            statuses.append(_complete_store(port, uid))
            ctx.pending(3 - n, n)
        with RawClient(port) as client:
            _start_object(client, b"1.2.3.3", 2000)
            stalled.set()
            # mid-object: nothing more is sent; our side must close it
            closed.append(client.wait_closed(BOUND))

    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        report = tmp_path / "report.json"
        with _running(
            ["-aet", "MOVESCU", "+P", str(port), "-od", str(out), "127.0.0.1", str(fake.port)]
            + ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "-S"]
            + ["--report", str(report), "-v"]
        ) as proc:
            assert stalled.wait(BOUND), "the Move SCP never reached the stalled object"
            # -v: "RECV: " and a dot when an object's first data fragment was read
            assert proc.stdout.wait_for("RECV: .", count=3), "the partial PDV was not read"
            stderr = _interrupt(proc, signum)
        assert fake.done.wait(BOUND)
        assert _wait_for(lambda: "A_ABORT_RQ" in fake.closing_pdus, 5), fake.closing_pdus

    assert statuses == [0x0000, 0x0000]
    assert proc.returncode == -signum  # died by the signal (WIFSIGNALED)
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1:] == [line]
    assert closed == [True]  # the stalled sub-association was aborted
    assert all_files(out) == ["CT.1.2.3.1", "CT.1.2.3.2"]
    assert leftovers(out) == []
    # nothing written outside -od but the report, which names the signal's exit code
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "report.json"]
    document = json.loads(report.read_text())
    assert document["exit_code"] == code
    assert document["exit_name"] == {143: "TERMINATED", 130: "INTERRUPTED", 129: "HANGUP"}[code]


def test_sigterm_ends_a_move_that_stays_pending_forever(tmp_path: Path) -> None:
    """No ``-td``: DCMTK would wait forever; SIGTERM aborts the association."""

    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        ctx.wait(BOUND)

    with fake_qr(script) as fake:
        with _running(["-v", "127.0.0.1", str(fake.port), "-k", "PatientID=X"]) as proc:
            assert proc.stderr.wait_for("I: Received Move Response 1 (Pending)\n")
            stderr = _interrupt(proc)
        assert _wait_for(lambda: "A_ABORT_RQ" in fake.closing_pdus, 5), (fake.closing_pdus, stderr)
    assert proc.returncode == -signal.SIGTERM
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert "I: Received Move Response 1 (Pending)" in lines
    assert lines[-1] == "F: terminated"


def test_sigterm_while_the_association_request_is_unanswered() -> None:
    """The peer accepts the TCP connection and never answers the A-ASSOCIATE-RQ."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(BOUND)
        port = server.getsockname()[1]
        with _running(["-v", "127.0.0.1", str(port), "-k", "PatientID=X"]) as proc:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(BOUND)
                assert conn.recv(1) == b"\x01"  # the A-ASSOCIATE-RQ arrived
                stderr = _interrupt(proc)
                conn.settimeout(5)
                rest = b""
                while chunk := conn.recv(65536):
                    rest += chunk
    assert proc.returncode == -signal.SIGTERM
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-2:] == ["I: Requesting Association", "F: terminated"]


def test_sigterm_while_waiting_for_a_stalled_sub_association_after_the_final_response(
    tmp_path: Path,
) -> None:
    """Final response given, one sub-association stalls mid-object: we wait (60 s
    without ``-td``) and SIGTERM cuts that wait short."""
    out = tmp_path / "out"
    out.mkdir()
    port = free_port()
    finished = threading.Event()
    closed: list[bool] = []

    def script(ctx: MoveContext) -> None:
        assert _complete_store(port, b"1.2.3.1") == 0x0000
        with RawClient(port) as client:
            _start_object(client, b"1.2.3.2", 1500)
            ctx.respond(0x0000, completed=2, failed=0, warning=0)
            finished.set()
            closed.append(client.wait_closed(BOUND))

    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        with _running(
            ["-v", "-aet", "MOVESCU", "+P", str(port), "-od", str(out)]
            + ["127.0.0.1", str(fake.port), "-k", "QueryRetrieveLevel=STUDY"]
            + ["-k", "StudyInstanceUID=1.2.3", "-S"]
        ) as proc:
            assert finished.wait(BOUND)
            # the final response is read: the wait for the open sub-association begins
            assert proc.stderr.wait_for("I: Received Final Move Response (Success)\n")
            stderr = _interrupt(proc)
        assert fake.done.wait(BOUND)
        assert _wait_for(lambda: "A_ABORT_RQ" in fake.closing_pdus, 5), fake.closing_pdus
    assert proc.returncode == -signal.SIGTERM
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert "I: Received Final Move Response (Success)" in lines
    assert lines[-1] == "F: terminated"
    assert closed == [True]
    assert all_files(out) == ["CT.1.2.3.1"]
    assert leftovers(out) == []


def _loop_output(movescu: str, signum: int) -> tuple[int, str]:
    """A bash ``for`` loop running ``movescu`` three times, ``signum`` sent to its
    process group (as a terminal's Ctrl-C does) during the first move; the
    loop's wait status and what it printed.

    bash, not dash: dash dies by SIGINT itself, whatever its child does; bash
    waits for its child and stops the loop only when the child died by SIGINT.
    """

    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        ctx.wait(BOUND)

    with fake_qr(script) as fake:
        command = (
            f"for q in 1 2 3; do {movescu} 127.0.0.1 {fake.port} -k PatientID=X; "
            'echo "next $?"; done; echo end'
        )
        proc = subprocess.Popen(
            ["bash", "-c", command],
            env=dict(os.environ, PYTHONPATH=SRC),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            assert _wait_for(lambda: fake.requests, BOUND)
            time.sleep(0.5)
            os.killpg(proc.pid, signum)
            stdout, _ = proc.communicate(timeout=BOUND)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    return proc.returncode, stdout


def test_a_shell_loop_stops_at_ctrl_c_as_with_dcmtk() -> None:
    # (SIGTERM to the group ends bash itself, whatever the child does: no test there)
    dcmtk_movescu = dcmtk_tool("movescu")  # missing: skipped here, failed in CI
    ours = _loop_output(f"{sys.executable} -m movescu", signal.SIGINT)
    dcmtk = _loop_output(dcmtk_movescu, signal.SIGINT)
    assert ours == dcmtk
    assert dcmtk[1] == ""  # the loop went no further: no "next", no "end"
