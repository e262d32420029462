"""movescu.net.seams.accel.reactors: the event-driven sub-association reactors.

Checks that the Storage SCP's associations use them, that they receive what
pynetdicom's own reactors receive (many objects, objects larger than the
receive buffer, echo), and that release, abort and stop still end an
association.  No timing is asserted (waits are bounded, never measured).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from tests.integration.scp_support import files_in, running_scp
from tests.support.objects import CT, EXPLICIT_LE, Enc, rich_dataset
from tests.support.sender import RawObject, send_raw

from movescu.net.scp.monitor import PduMonitor
from movescu.net.seams.accel import reactors as fastpath

#: tests of the accelerator itself: mode accel only (tests/conftest.py)
pytestmark = pytest.mark.accelerator

enc = Enc()


def _objects(count: int, pixels: int = 64) -> list[RawObject]:
    return [
        RawObject(
            CT,
            f"1.2.826.0.1.{n}",
            EXPLICIT_LE,
            rich_dataset(enc, f"1.2.826.0.1.{n}", pixels=bytes(range(256)) * (pixels // 256)),
        )
        for n in range(1, count + 1)
    ]


def _requestor(port: int) -> object:
    from pynetdicom import AE

    ae = AE(ae_title="FASTTEST")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    ae.add_requested_context("1.2.840.10008.1.1")
    ae.add_requested_context(CT, [EXPLICIT_LE])
    assoc = ae.associate("127.0.0.1", port, ae_title="MOVESCU")
    assert assoc.is_established
    return assoc


def test_scp_associations_use_the_fast_classes(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out") as scp:
        assoc = _requestor(scp.port)
        try:
            (ours,) = scp.active_associations()
            parts = (ours, ours.dul, ours.dul.socket, ours.dimse)
            names = {type(part).__name__ for part in parts}
            assert names == {"FastAssociation", "FastDUL", "FastSocket", "FastDIMSE"}
            status = assoc.send_c_echo()  # type: ignore[attr-defined]
            assert status.Status == 0
        finally:
            assoc.release()  # type: ignore[attr-defined]
        assert scp.wait_until_idle(10)
        assert not scp.active_associations()


def test_many_objects_and_objects_larger_than_the_buffer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = _objects(40)
    large = [
        RawObject(
            CT,
            "1.2.826.0.2.1",
            EXPLICIT_LE,
            rich_dataset(enc, "1.2.826.0.2.1", pixels=bytes(range(256)) * 3000),
        )
    ]
    with running_scp(out) as scp:
        assert send_raw("127.0.0.1", scp.port, small + large) == [0] * 41
        assert scp.wait_until_idle(10)
    names = files_in(out)
    assert len(names) == 41 and all(n.startswith("CT.1.2.826.0.") for n in names)


def test_largest_pdus(tmp_path: Path) -> None:
    out = tmp_path / "out"
    big = rich_dataset(enc, "1.2.826.0.3.1", pixels=bytes(range(256)) * 4096)
    with running_scp(out, "-pdu", "131072") as scp:
        statuses = send_raw(
            "127.0.0.1", scp.port, [RawObject(CT, "1.2.826.0.3.1", EXPLICIT_LE, big)]
        )
        assert statuses == [0]
        assert scp.wait_until_idle(10)
    assert files_in(out) == ["CT.1.2.826.0.3.1"]


def test_abort_by_the_peer_ends_the_association(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out") as scp:
        assoc = _requestor(scp.port)
        assoc.abort()  # type: ignore[attr-defined]
        assert scp.wait_until_idle(10)


def test_stop_ends_an_idle_association(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out") as scp:
        assoc = _requestor(scp.port)
        (ours,) = scp.active_associations()
    # stop() aborted it: the reactor threads have ended
    ours.join(timeout=10)
    ours.dul.join(timeout=10)
    assert not ours.is_alive() and not ours.dul.is_alive()
    assoc.abort()  # type: ignore[attr-defined]


def _socket_over(data: bytes, chunks: int) -> tuple[object, socket.socket]:
    """A FastSocket reading from a socketpair fed ``data`` in ``chunks`` pieces."""
    from pynetdicom.transport import AssociationSocket

    ours, theirs = socket.socketpair()

    def feed() -> None:
        step = max(1, len(data) // chunks)
        for start in range(0, len(data), step):
            theirs.sendall(data[start : start + step])
        theirs.shutdown(socket.SHUT_WR)

    threading.Thread(target=feed, daemon=True).start()
    transport = AssociationSocket.__new__(AssociationSocket)
    transport.socket = ours
    transport._is_connected = True
    transport.__class__ = fastpath._classes()["socket"]
    transport._init_buffer()  # type: ignore[attr-defined]
    return transport, theirs


def test_fast_socket_returns_exact_pieces_then_what_is_left() -> None:
    data = bytes(range(256)) * 4000  # 1 024 000 bytes: more than the buffer
    transport, theirs = _socket_over(data, chunks=37)
    try:
        got = bytearray()
        for size in (6, 10, 300_000, 6, 700_000):
            piece = transport.recv(size)  # type: ignore[attr-defined]
            assert len(piece) == size
            got += piece
        rest = transport.recv(100_000)  # type: ignore[attr-defined]
        assert len(rest) == len(data) - len(got)  # connection closed: a short read
        assert bytes(got + rest) == data
    finally:
        transport.socket.close()  # type: ignore[attr-defined]
        theirs.close()


def test_fast_socket_ready_without_asking_the_kernel_when_buffered() -> None:
    transport, theirs = _socket_over(b"\x04\x00\x00\x00\x00\x02ab" * 3, chunks=1)
    try:
        assert len(transport.recv(6)) == 6  # type: ignore[attr-defined]
        assert transport.buffered > 0  # type: ignore[attr-defined]
        assert transport.ready  # type: ignore[attr-defined]
    finally:
        transport.socket.close()  # type: ignore[attr-defined]
        theirs.close()


def test_wake_after_the_end_writes_nothing(tmp_path: Path) -> None:
    # the pipe's descriptor numbers are reused once closed: a late wake-up must not
    # write into whatever they belong to now (found by the PDU fuzzer)
    with running_scp(tmp_path / "out") as scp:
        assoc = _requestor(scp.port)
        (ours,) = scp.active_associations()
        assoc.release()  # type: ignore[attr-defined]
        assert scp.wait_until_idle(10)
    ours.dul.join(timeout=10)
    assert ours.dul._wake_w == -1 and ours.dul._wake_r == -1
    ours.dul._wake()  # no error, no write
    ours.dul.send_pdu(None)


def test_data_fragments_take_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    original = PduMonitor.on_data_fragment

    def counting(self: PduMonitor, last: bool) -> None:
        seen.append(last)
        original(self, last)

    monkeypatch.setattr(PduMonitor, "on_data_fragment", counting)
    out = tmp_path / "out"
    data = rich_dataset(enc, "1.2.826.0.4.1", pixels=bytes(range(256)) * 400)  # ~100 KiB
    with running_scp(out, "+B") as scp:  # +B: the file ends with the received bytes
        statuses = send_raw(
            "127.0.0.1", scp.port, [RawObject(CT, "1.2.826.0.4.1", EXPLICIT_LE, data)]
        )
        assert statuses == [0]
        assert scp.wait_until_idle(10)
    # 16 KiB PDUs: every data fragment bypasses pynetdicom's decoder (accel/storestream.py)
    assert len(seen) >= 5 and seen[-1] and not any(seen[:-1])
    assert (out / "CT.1.2.826.0.4.1").read_bytes().endswith(data)
