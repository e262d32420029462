"""Differential tests: a sub-association that breaks inside an object (issue 13 items 4, 5).

A scripted Move SCP stores back to the ``+P`` port with raw PDUs: the command
set and a first data fragment of an object, then the connection ends (FIN,
RST, A-ABORT), between PDUs or inside one.  DCMTK 3.6.7's movescu and ours run
on the same script at ``-v``: the log lines must be the same, and no file may
be left behind.  A peer that stalls inside a PDU is ended by us after ``-ta``
(DCMTK after 60 s, and then it hangs on the main association): that case
compares with the lines DCMTK logged when its 60 s were over (recorded once,
too slow to run each time) and checks the A-ABORT we send first.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.hardening.rawpdu import (
    A_ABORT,
    CT,
    EXPLICIT_LE,
    Pdu,
    RawClient,
    c_store_rq_command,
    explicit_dataset,
    p_data,
)
from tests.support.differential import (
    drop_summary,
    our_log,
    run_dcmtk_movescu,
    wait_for_our_line,
    wait_for_our_quiet,
)
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import LOOPBACK, free_port

pytestmark = pytest.mark.dcmtk

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=X"]
Runner = Callable[[list[str]], tuple[int, list[str]]]
#: a P-DATA-TF header announcing 1000 bytes, and only 10 of them
CUT_PDU = struct.pack(">BBL", 4, 0, 1000) + b"\0" * 10


dcmtk_run = run_dcmtk_movescu
PENDING = "I: Received Move Response 1"  # "(Pending)" at -v; a dump follows at -d
FINAL = "I: Received Final Move Response"


class _Pace:
    """When the scripted Move SCP goes on: after the lines the movescu under test logs.

    DCMTK logs from one thread, in the order things arrive; ours logs the main
    association and the Storage SCP from two.  For ours the script waits for
    its lines (DCMTK's, when known); for DCMTK a short pause does.
    """

    def __init__(
        self,
        runner: Runner,
        expected: list[str] | None = None,
        compared: Callable[[list[str]], list[str]] = drop_summary,
        dcmtk_pause: float = 0.5,
    ) -> None:
        self.ours = runner is not dcmtk_run
        #: DCMTK's lines, as ``compared`` leaves them
        self.expected = expected
        self.compared = compared
        self.dcmtk_pause = dcmtk_pause

    def after_pending(self) -> None:
        """The pending response's line before the sub-association starts."""
        if self.ours:
            wait_for_our_line(PENDING)
            wait_for_our_quiet(0.1)  # and its dump at -d
        else:
            time.sleep(0.2)

    def before_final(self) -> None:
        """The Storage SCP's lines before the final response."""
        if not self.ours:
            time.sleep(self.dcmtk_pause)
            return
        finals = [n for n, line in enumerate(self.expected or []) if line.startswith(FINAL)]
        if not finals:
            wait_for_our_quiet(0.5)
            return
        deadline = time.monotonic() + 15
        while len(self.compared(our_log())) < finals[0] and time.monotonic() < deadline:
            time.sleep(0.01)
        wait_for_our_quiet(0.1)  # and nothing more on its way


def _reset(client: RawClient) -> None:
    client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()


def _end(how: str, client: RawClient) -> None:
    time.sleep(0.3)
    if how in ("fin", "fin-inside-pdu", "fin-inside-command"):
        client.sock.shutdown(socket.SHUT_RDWR)
        client.close()
    elif how in ("rst", "rst-inside-pdu"):
        _reset(client)
    elif how == "abort":
        client.send(A_ABORT)
        time.sleep(0.3)
        client.close()


def _breaking_store(port: int, how: str, seen: list[Pdu | None], stall: float = 0) -> None:
    client = RawClient(port, timeout=30)
    context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
    if how != "fin-inside-command":
        client.send(p_data(context, c_store_rq_command(1, CT, b"1.2.3.4"), command=True))
        dataset = explicit_dataset(CT, b"1.2.3.4")
        client.send(p_data(context, dataset, command=False, last=False))
    if how.endswith(("inside-pdu", "inside-command", "stall")):
        client.send(CUT_PDU)
    if how == "stall":
        client.sock.settimeout(stall)
        seen.append(client.recv_pdu())
        client.close()
    else:
        _end(how, client)


def _run(
    runner: Runner,
    tmp_path: Path,
    how: str,
    options: list[str],
    expected: list[str] | None = None,
) -> tuple[list[str], list]:
    port = free_port()
    seen: list[Pdu | None] = []
    pace = _Pace(runner, expected)

    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        pace.after_pending()
        _breaking_store(port, how, seen, stall=10)
        pace.before_final()
        ctx.respond(0x0000, completed=0, failed=1, warning=0)

    out = tmp_path / "out"
    out.mkdir(parents=True, exist_ok=True)
    with fake_qr(script) as fake:
        argv = ["-v", *options, "+P", str(port), "-od", str(out), LOOPBACK, str(fake.port)]
        _, lines = runner([*argv, *KEYS])
    assert list(out.iterdir()) == []  # the partial object is deleted
    return drop_summary(lines), seen


@pytest.mark.parametrize(
    "how",
    ["fin", "rst", "abort", "fin-inside-pdu", "rst-inside-pdu", "fin-inside-command"],
)
def test_lost_object_is_reported_as_dcmtk_does(run_main: Runner, tmp_path: Path, how: str) -> None:
    theirs, _ = _run(dcmtk_run, tmp_path / "dcmtk", how, [])
    ours, _ = _run(run_main, tmp_path / "ours", how, [], theirs)
    assert ours == theirs
    assert any(line.startswith("E: ") for line in theirs)


#: DCMTK 3.6.7 movescu -v, 60 s after a peer stopped inside a data PDU (recorded)
DCMTK_STALLED = [
    "E: Store SCP Failed: 0006:020c DIMSE Read PDV failed",
    "E: 0006:0310 DUL network closed",
    "E: DIMSE failure (aborting sub-association): 0006:020c DIMSE Read PDV failed",
    "E: 0006:0310 DUL network closed",
]


@pytest.mark.parametrize("timer", [["-ta", "2"], ["-td", "2"]], ids=["acse", "dimse"])
def test_stalled_sub_association_ends_with_a_abort_and_dcmtks_lines(
    run_main: Runner, tmp_path: Path, timer: list[str]
) -> None:
    lines, seen = _run(run_main, tmp_path, "stall", timer)
    assert seen and seen[0] is not None and seen[0].type == 0x07  # an A-ABORT came first
    start = lines.index("I: Received Store Request (MsgID 1, CT)") + 1
    assert lines[start : start + len(DCMTK_STALLED)] == DCMTK_STALLED


def test_main_association_stalled_inside_a_pdu_gets_an_a_abort(run_main: Runner) -> None:
    """``-td`` ends a Move SCP that stops inside a PDU: an A-ABORT goes out first.

    (DCMTK 3.6.7 does not apply -td inside a PDU and waits for ever there;
    docs/differences.md.)
    """

    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        time.sleep(0.3)
        sock = ctx.assoc.dul.socket.socket
        sock.sendall(CUT_PDU)
        ctx.wait(8)

    with fake_qr(script) as fake:
        code, lines = run_main(["-v", "-td", "2", LOOPBACK, str(fake.port), *KEYS])
        deadline = time.monotonic() + 5
        while not fake.closing_pdus and time.monotonic() < deadline:
            time.sleep(0.05)
    assert code == 69
    assert "I: Aborting Association" in lines
    assert fake.closing_pdus == ["A_ABORT_RQ"]


#: DCMTK-internal debug lines (DUL tracing) and our own identity (DECISIONS rule 5)
_NOT_COMPARED = (
    "D: DUL:",
    "D: setting network",
    "D: Association Received",
    "D: DcmDataset",
    "D: DcmDataDictionary",
    "D: Our Implementation",
    "D: PDU Type",
    "D: Constructing",
    "D: Parsing",
    "D: DULFSM",
    "D: $",
    # ours, not DCMTK's: which receive path the run takes (test_accelerator_modes.py)
    "D: accelerator: ",
)


def _compared(lines: list[str]) -> list[str]:
    return [
        line
        for line in drop_summary(lines)
        if not line.startswith(_NOT_COMPARED) and not line.startswith("D:   ")
    ]


#: what a +P connection sends before it closes, without a whole A-ASSOCIATE-RQ
_BEFORE_REQUEST = {
    "nothing": b"",
    "half-a-header": b"\x01\x00",
    "a-abort": A_ABORT,
    "garbage": b"GARBAGEGARBAGE",
    "request-cut-short": bytes.fromhex("01000000001000000000"),
}


@pytest.mark.parametrize(
    ("level", "sent"),
    [("-v", name) for name in _BEFORE_REQUEST] + [("-d", "nothing")],
)
def test_connection_closed_before_its_request_is_reported_as_dcmtk_does(
    run_main: Runner, level: str, sent: str
) -> None:
    """A +P connection that closes without a whole A-ASSOCIATE-RQ."""
    results: list[list[str]] = []
    for runner in (dcmtk_run, run_main):
        port = free_port()
        # both SCPs log the closed connection at once; DCMTK's margin is for a loaded CI
        pace = _Pace(runner, results[0] if results else None, _compared, dcmtk_pause=1.0)

        def script(ctx: MoveContext, port: int = port, pace: _Pace = pace) -> None:
            ctx.pending(1, 0)
            pace.after_pending()
            with socket.create_connection((LOOPBACK, port)) as sock:
                sock.sendall(_BEFORE_REQUEST[sent])
                if sent == "garbage":  # until the SCP has read it and closes
                    sock.settimeout(2)
                    try:
                        sock.recv(100)
                    except OSError:
                        pass
                else:
                    time.sleep(0.3)
            pace.before_final()
            ctx.respond(0x0000, completed=0, failed=0, warning=0)

        with fake_qr(script) as fake:
            _, lines = runner([level, "+P", str(port), LOOPBACK, str(fake.port), *KEYS])
        results.append(_compared(lines))
    theirs, ours = results
    assert ours == theirs
