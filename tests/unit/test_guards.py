"""movescu.net.guards: one PDU-length limiter and one state-machine guard, two sides as data."""

from __future__ import annotations

import struct
from types import SimpleNamespace
from typing import Any

import pytest

from movescu.net import guards
from movescu.net.guards import ACCEPTOR, REQUESTOR, Fault, FaultKind


def header(pdu_type: int, length: int) -> bytes:
    return struct.pack(">BBL", pdu_type, 0, length)


class Peer:
    """Bytes a peer sent, read the way pynetdicom reads them; counts the reads."""

    def __init__(self, *chunks: bytes, fail: BaseException | None = None) -> None:
        self.chunks = list(chunks)
        self.fail = fail
        self.reads: list[int] = []

    def recv(self, nr_bytes: int) -> bytearray:
        self.reads.append(nr_bytes)
        if not self.chunks and self.fail is not None:
            raise self.fail
        return bytearray(self.chunks.pop(0) if self.chunks else b"")


def limited(peer: Peer, side: guards.Side, max_pdu: int) -> tuple[Any, list[Fault]]:
    faults: list[Fault] = []
    return guards.limit_pdu_reads(peer.recv, side, max_pdu, faults.append), faults


@pytest.mark.parametrize("side", [ACCEPTOR, REQUESTOR], ids=["acceptor", "requestor"])
def test_an_over_long_p_data_body_is_refused_unread(side: guards.Side) -> None:
    peer = Peer(header(0x04, 20000), b"x" * 20000)
    recv, faults = limited(peer, side, 16384)
    assert bytes(recv(6)) == header(0x04, 20000)
    assert recv(20000) == bytearray()
    assert peer.reads == [6]  # the body was never read
    assert faults == [Fault(FaultKind.TOO_LONG, 0x04, 20000, 16384)]
    assert faults[0].condition == "0006:0308 DUL Illegal PDU Length 20000.  Max expected 16384"


def test_other_pdus_are_limited_to_one_mebibyte_on_the_acceptor_only() -> None:
    length = (1 << 20) + 1
    for side, expected in (
        (ACCEPTOR, [Fault(FaultKind.TOO_LONG, 0x01, length, 1 << 20)]),
        (REQUESTOR, []),
    ):
        recv, faults = limited(Peer(header(0x01, length), b"x" * length), side, 16384)
        recv(6)
        recv(length)
        assert faults == expected


@pytest.mark.parametrize("side", [ACCEPTOR, REQUESTOR], ids=["acceptor", "requestor"])
def test_no_max_pdu_means_no_limit(side: guards.Side) -> None:
    recv, faults = limited(Peer(header(0x04, 1 << 24), b"body"), side, 0)
    recv(6)
    assert recv(1 << 24) == bytearray(b"body")
    expected = [Fault(FaultKind.CUT_SHORT)] if side.report_cut_short else []
    assert faults == expected


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        # the Storage SCP only notes it (garbage before a request: DCMTK logs nothing)
        (ACCEPTOR, [Fault(FaultKind.UNKNOWN_TYPE, pdu_type=0x09)]),
        (REQUESTOR, [Fault(FaultKind.UNKNOWN_TYPE, pdu_type=0x09)]),
    ],
    ids=["acceptor", "requestor"],
)
def test_unknown_pdu_types(side: guards.Side, expected: list[Fault]) -> None:
    recv, faults = limited(Peer(header(0x09, 4), b"abcd"), side, 16384)
    recv(6)
    assert recv(4) == bytearray(b"abcd")  # not tracked as a PDU body
    assert faults == expected
    if expected:
        assert expected[0].condition == "0006:0321 Unrecognized PDU type:  9"


def test_a_body_cut_short_and_a_read_timeout_are_reported_by_both_sides() -> None:
    # the Storage SCP too: DCMTK logs a lost object (issue 13 items 4, 5)
    for side in (ACCEPTOR, REQUESTOR):
        recv, faults = limited(Peer(header(0x04, 100), b"short"), side, 16384)
        recv(6)
        recv(100)
        assert faults == [Fault(FaultKind.CUT_SHORT)]
        recv, faults = limited(Peer(header(0x04, 100), fail=TimeoutError()), side, 16384)
        recv(6)
        with pytest.raises(TimeoutError):
            recv(100)
        assert faults == [Fault(FaultKind.TIMED_OUT)]


def test_a_reset_inside_a_body_is_reported_by_the_acceptor_only() -> None:
    for side, reports in ((ACCEPTOR, True), (REQUESTOR, False)):
        recv, faults = limited(Peer(header(0x04, 100), fail=ConnectionResetError()), side, 16384)
        recv(6)
        with pytest.raises(ConnectionResetError):
            recv(100)
        assert faults == ([Fault(FaultKind.RESET)] if reports else [])
        assert not reports or faults[0].condition == "0006:0310 DUL network closed"


@pytest.mark.parametrize("side", [ACCEPTOR, REQUESTOR], ids=["acceptor", "requestor"])
def test_the_state_machine_guard_reports_and_recovers(side: guards.Side) -> None:
    faults: list[Fault] = []
    recovered: list[bool] = []
    seen: list[str] = []

    def action(event: str) -> None:
        seen.append(event)
        if event == "Evt10":
            raise ValueError("empty Affected SOP Instance UID")

    do_action = guards.guard_state_machine(
        action, side, faults.append, lambda: recovered.append(True)
    )
    do_action("Evt19")
    assert do_action("Evt10") is None
    assert seen == ["Evt19", "Evt10"]
    invalid = [Fault(FaultKind.INVALID_PDU)] if side.report_invalid_pdu else []
    assert faults == [*invalid, Fault(FaultKind.DECODE_FAILED)]
    assert recovered == [True]


def test_the_idle_report() -> None:
    faults: list[Fault] = []
    answers = iter([False, True])
    expired = guards.report_idle_expiry(lambda: next(answers), faults.append)
    assert expired() is False
    assert expired() is True
    assert faults == [Fault(FaultKind.IDLE)]
    assert (
        faults[0].condition == "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
    )


def test_install_reaches_each_part_directly() -> None:
    """A pynetdicom without one of the wrapped parts fails loudly at install."""
    transport = SimpleNamespace(recv=lambda n: bytearray())
    machine = SimpleNamespace(do_action=lambda event: None)
    dul = SimpleNamespace(socket=transport, state_machine=machine)
    assoc: Any = SimpleNamespace(dul=dul)
    with pytest.raises(AttributeError, match="idle_timer_expired"):
        guards.install_guards(assoc, ACCEPTOR, 16384, lambda fault: None)
    guards.install_guards(assoc, REQUESTOR, 16384, lambda fault: None)  # no idle report
    del dul.state_machine
    with pytest.raises(AttributeError, match="state_machine"):
        guards.install_guards(assoc, REQUESTOR, 16384, lambda fault: None)


def test_the_idle_timer_waits_while_a_pdu_is_being_read() -> None:
    """Inside a PDU the socket timeout ends the peer (DCMTK's lines), not the idle timer."""
    progress = guards.PduProgress()
    faults: list[Fault] = []
    recv = guards.limit_pdu_reads(
        Peer(header(0x04, 100), fail=TimeoutError()).recv,
        ACCEPTOR,
        16384,
        faults.append,
        progress,
    )
    idle = guards.report_idle_expiry(lambda: True, faults.append, progress)
    recv(6)
    assert progress.inside_pdu
    assert idle() is False
    with pytest.raises(TimeoutError):
        recv(100)
    assert not progress.inside_pdu
    assert idle() is True
    assert faults == [Fault(FaultKind.TIMED_OUT), Fault(FaultKind.IDLE)]
