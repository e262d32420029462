"""Hostile sub-associations during a real run: ``python -m movescu`` against a scripted Move SCP.

The Move SCP's script sends, on separate sub-associations, a good object, an
object whose UID tries to leave ``-od``, one that pynetdicom cannot decode
(empty UID: aborted) and a good object on a sub-association it never
releases; then it gives its final response.  The run must store what was
complete, stay inside ``-od``, abort the open sub-association after the
bounded wait and say so, and exit with the code the final status
gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.rawpdu import CT, EXPLICIT_LE, RawClient, explicit_dataset
from tests.hardening.support import all_files, leftovers
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port

SRC = str(Path(__file__).resolve().parents[2] / "src")
DECODE_ABORT = (
    "E: DIMSE failure (aborting sub-association): 0006:020d DIMSE Failed to receive message"
)
RECEIVED = sorted(["CT.1.2.3.1", "CT.1.2.3.2", "CT..._.._x"])
WAIT_ABORT = (
    "E: DIMSE failure (aborting sub-association): "
    "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
)


def _store(port: int, uid: bytes, *, release: bool = True) -> tuple[RawClient, int | None]:
    client = RawClient(port)
    context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
    status = client.store(context, uid, explicit_dataset(CT, uid))
    if release and status is not None:
        client.release()
    return client, status


def run_movescu(
    port: int, fake_port: int, out: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """``movescu`` in a subprocess; the wait after the final response is 1 s (not 60 s)."""
    code = (
        "import sys, movescu.retrieve as r; r.SUB_ASSOCIATION_WAIT = 1.0; "
        "from movescu.main import main; sys.argv[0] = 'movescu'; sys.exit(main())"
    )
    argv = [sys.executable, "-c", code, "-aet", "MOVESCU", "+P", str(port), "-od", str(out)]
    argv += [*options, "127.0.0.1", str(fake_port)]
    argv += ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3"]
    return subprocess.run(
        argv,
        env=dict(os.environ, PYTHONPATH=SRC, TCP_NODELAY="1"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def hostile_run(
    tmp_path: Path, final: int, *options: str
) -> tuple[subprocess.CompletedProcess[str], list[int | None], bool, Path]:
    out = tmp_path / "a" / "out"
    out.mkdir(parents=True)
    port = free_port()
    statuses: list[int | None] = []
    held: list[RawClient] = []

    def script(ctx: MoveContext) -> None:
        for uid in (b"1.2.3.1", b"../../x", b""):
            client, status = _store(port, uid)
            client.close()
            statuses.append(status)
        holder, status = _store(port, b"1.2.3.2", release=False)  # never released
        held.append(holder)
        statuses.append(status)
        ctx.respond(final, completed=3, failed=int(final != 0), warning=0)

    closed = False
    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        try:
            proc = run_movescu(port, fake.port, out, *options)
        finally:
            for client in held:
                closed = client.wait_closed(5)
                client.close()
    return proc, statuses, closed, out


@pytest.mark.parametrize(
    ("final", "expected_rc"),
    [(0x0000, 0), (0xB000, 68), (0xA702, 69)],
    ids=["success", "warning", "failure"],
)
def test_hostile_sub_associations_in_a_run(tmp_path: Path, final: int, expected_rc: int) -> None:
    proc, statuses, closed, out = hostile_run(tmp_path, final)
    assert statuses == [0, 0, None, 0]
    assert closed  # our run aborted the sub-association it waited for
    assert proc.returncode == expected_rc, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines.count(WAIT_ABORT) == 1, lines
    assert lines.count(DECODE_ABORT) == 1, lines
    assert sorted(p.name for p in out.iterdir()) == RECEIVED
    assert all(name.startswith("a/out/") for name in all_files(tmp_path))
    assert leftovers(out) == []


def test_never_releasing_sub_association_with_dimse_timeout(tmp_path: Path) -> None:
    """With -td the wait is -td; the C-MOVE association must still release (e174129)."""
    proc, statuses, closed, out = hostile_run(tmp_path, 0x0000, "-td", "2")
    assert closed
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines().count(WAIT_ABORT) == 1
    assert sorted(p.name for p in out.iterdir()) == RECEIVED
