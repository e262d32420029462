"""movescu.net.seams.accel.storestream: the C-STORE fast path of the Storage SCP's DUL thread.

Each PDU layout is sent twice by a raw client, once with the fast path and once
with it switched off (pynetdicom's own path for every PDU); what the sender gets
back and what lands in ``-od`` must be the same.  Clean stores must not reach
pynetdicom's DIMSE decoder; layouts the fast path does not take (a command set
in two fragments, command and data in one PDU) and messages that stop being
clean half-way (handed over to pynetdicom) must still be received like
pynetdicom receives them.  No timing is asserted.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.hardening.rawpdu import (
    CT,
    EXPLICIT_LE,
    IMPLICIT_LE,
    VERIFICATION,
    RawClient,
    c_echo_rq_command,
    c_store_rq_command,
    explicit_dataset,
)
from tests.integration.scp_support import files_in, running_scp

from movescu.dicom.pdata import p_data_tf, pdv_items
from movescu.net.scp.handlers import SubAssociationHandlers
from movescu.net.scp.server import StorageSCP
from movescu.net.seams.accel.storedimse import fast_dimse_class
from movescu.net.seams.accel.storestream import StoreStream

#: tests of the accelerator itself: mode accel only (tests/conftest.py)
pytestmark = pytest.mark.accelerator

STORE = 1  # context ID of CT / explicit VR LE
ECHO = 3  # context ID of Verification
#: a PDU layout: called with the client once associated; returns the statuses read
Scenario = Callable[[RawClient], list[int | None]]


def _dataset(instance: bytes, pixels: int = 40000) -> bytes:
    data = explicit_dataset(CT, instance)
    value = bytes(range(256)) * (pixels // 256)
    return data + struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OB", 0, len(value)) + value


def _pdv(context_id: int, control: int, fragment: bytes) -> bytes:
    return struct.pack(">LBB", len(fragment) + 2, context_id, control) + fragment


def _pdu(*pdvs: bytes) -> bytes:
    body = b"".join(pdvs)
    return struct.pack(">BBL", 4, 0, len(body)) + body


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[n : n + size] for n in range(0, len(data), size)]


def _data_pdus(context_id: int, data: bytes, size: int = 16000) -> list[bytes]:
    pieces = _chunks(data, size)
    return [
        _pdu(_pdv(context_id, 0x02 if n == len(pieces) - 1 else 0x00, piece))
        for n, piece in enumerate(pieces)
    ]


def _command(msg_id: int, instance: bytes) -> bytes:
    return _pdu(_pdv(STORE, 0x03, c_store_rq_command(msg_id, CT, instance)))


def clean(client: RawClient) -> list[int | None]:
    statuses = []
    for n in (1, 2):
        instance = f"1.2.826.0.5.{n}".encode()
        client.send(_command(n, instance) + b"".join(_data_pdus(STORE, _dataset(instance))))
        statuses.append(client.read_status())
    return statuses


def several_pdvs_per_pdu(client: RawClient) -> list[int | None]:
    instance = b"1.2.826.0.5.3"
    pieces = _chunks(_dataset(instance), 5000)
    pdvs = [_pdv(STORE, 0x02 if n == len(pieces) - 1 else 0x00, p) for n, p in enumerate(pieces)]
    client.send(_command(1, instance))
    for n in range(0, len(pdvs), 3):
        client.send(_pdu(*pdvs[n : n + 3]))
    return [client.read_status()]


def command_in_two_fragments(client: RawClient) -> list[int | None]:
    instance = b"1.2.826.0.5.4"
    command = c_store_rq_command(1, CT, instance)
    client.send(_pdu(_pdv(STORE, 0x01, command[:30])))
    client.send(_pdu(_pdv(STORE, 0x03, command[30:])))
    client.send(b"".join(_data_pdus(STORE, _dataset(instance))))
    return [client.read_status()]


def command_and_data_in_one_pdu(client: RawClient) -> list[int | None]:
    instance = b"1.2.826.0.5.5"
    data = _dataset(instance)
    command = c_store_rq_command(1, CT, instance)
    client.send(_pdu(_pdv(STORE, 0x03, command), _pdv(STORE, 0x00, data[:1000])))
    client.send(b"".join(_data_pdus(STORE, data[1000:])))
    return [client.read_status()]


def data_on_another_context(client: RawClient) -> list[int | None]:
    # pynetdicom does not check a data fragment's context: the message is handed over
    instance = b"1.2.826.0.5.6"
    data = _dataset(instance)
    client.send(_command(1, instance))
    client.send(_pdu(_pdv(STORE, 0x00, data[:2000])))
    client.send(_pdu(_pdv(ECHO, 0x00, data[2000:4000])))
    client.send(b"".join(_data_pdus(STORE, data[4000:])))
    return [client.read_status()]


def more_pdvs_after_the_last_fragment(client: RawClient) -> list[int | None]:
    instance = b"1.2.826.0.5.7"
    data = _dataset(instance)
    client.send(_command(1, instance))
    for piece in _chunks(data[:-1000], 16000):
        client.send(_pdu(_pdv(STORE, 0x00, piece)))
    client.send(_pdu(_pdv(STORE, 0x02, data[-1000:]), _pdv(ECHO, 0x03, c_echo_rq_command(9))))
    statuses = [client.read_status()]
    client.sock.settimeout(3)  # the echo is not answered (either path): 3 s show it
    return [*statuses, client.read_status()]


def echo_between_stores(client: RawClient) -> list[int | None]:
    statuses = clean(client)
    client.send(_pdu(_pdv(ECHO, 0x03, c_echo_rq_command(7))))
    statuses.append(client.read_status())
    return statuses


def command_without_data_set(client: RawClient) -> list[int | None]:
    # Command Data Set Type 0x0101 on a C-STORE-RQ: not the fast path's
    command = bytearray(c_store_rq_command(1, CT, b"1.2.826.0.5.8"))
    at = command.index(struct.pack("<HHL", 0, 0x0800, 2))
    command[at + 8 : at + 10] = struct.pack("<H", 0x0101)
    client.send(_pdu(_pdv(STORE, 0x03, bytes(command))))
    return [client.read_status()]


SCENARIOS: list[Scenario] = [
    clean,
    several_pdvs_per_pdu,
    command_in_two_fragments,
    command_and_data_in_one_pdu,
    data_on_another_context,
    more_pdvs_after_the_last_fragment,
    echo_between_stores,
    command_without_data_set,
]


@contextmanager
def _client(scp: StorageSCP) -> Iterator[RawClient]:
    with RawClient(scp.port, timeout=10) as client:  # a loaded CI answers late
        accepted = client.associate([(CT, [EXPLICIT_LE]), (VERIFICATION, [IMPLICIT_LE])])
        assert accepted == {STORE: EXPLICIT_LE, ECHO: IMPLICIT_LE}
        # the A-ASSOCIATE-AC is out before pynetdicom's association thread marks the
        # association established; until then (a loaded machine) the fast path declines
        # the first PDUs and pynetdicom decodes them: the tests here are about after
        deadline = time.monotonic() + 10
        while not all(a.is_established for a in scp.active_associations()):
            assert time.monotonic() < deadline, "the association never became established"
            time.sleep(0.005)
        yield client


Outcome = tuple[list[int | None], bool, dict[str, bytes]]


def _run(tmp_path: Path, name: str, scenario: Scenario, *options: str) -> Outcome:
    out = tmp_path / name
    with running_scp(out, *options) as scp:
        with _client(scp) as client:
            statuses = scenario(client)
            released = client.release()
        assert scp.wait_until_idle(10)
    files = {n: (out / n).read_bytes() for n in files_in(out)}
    return statuses, released, files


@pytest.mark.parametrize("options", [(), ("+B",)], ids=["default", "+B"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_same_outcome_with_and_without_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: Scenario, options: tuple[str, ...]
) -> None:
    fast = _run(tmp_path, "fast", scenario, *options)
    monkeypatch.setattr(StoreStream, "consume", lambda self, pdu: False)
    slow = _run(tmp_path, "slow", scenario, *options)
    assert fast[:2] == slow[:2]
    statuses, released, files = fast
    assert sorted(files) == sorted(slow[2])
    for name, content in files.items():
        if b"2.25." not in content:  # an empty data set's file gets a new random UID
            assert content == slow[2][name], name
    assert released
    assert not [n for n in files if n.startswith(".")], "a spool file was left behind"


def test_clean_stores_bypass_pynetdicoms_decoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[object] = []
    dimse = fast_dimse_class()
    original = dimse.receive_primitive

    def counting(self: object, primitive: object) -> None:
        decoded.append(primitive)
        original(self, primitive)

    monkeypatch.setattr(dimse, "receive_primitive", counting)
    statuses, released, files = _run(tmp_path, "out", clean)
    assert statuses == [0, 0]
    assert released
    assert sorted(files) == ["CT.1.2.826.0.5.1", "CT.1.2.826.0.5.2"]
    assert files["CT.1.2.826.0.5.2"].endswith(_dataset(b"1.2.826.0.5.2"))
    assert decoded == []  # every P-DATA of both stores was ours


def test_handed_over_message_reaches_pynetdicom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[object] = []
    original = StoreStream._hand_over

    def counting(self: StoreStream) -> None:
        handed.append(self._message)
        original(self)

    monkeypatch.setattr(StoreStream, "_hand_over", counting)
    statuses, _, files = _run(tmp_path, "out", data_on_another_context)
    assert len(handed) == 1 and handed[0] is not None
    assert statuses == [0]
    assert list(files) == ["CT.1.2.826.0.5.6"]
    assert files["CT.1.2.826.0.5.6"].endswith(_dataset(b"1.2.826.0.5.6"))


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "pynetdicom"])
def test_handler_exception_is_answered_with_0xc211(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    def failing(self: SubAssociationHandlers, event: object) -> int:
        raise RuntimeError("handler bug")

    monkeypatch.setattr(SubAssociationHandlers, "on_store", failing)
    if not fast:
        monkeypatch.setattr(StoreStream, "consume", lambda self, pdu: False)
    statuses, released, _ = _run(tmp_path, "out", clean)
    assert statuses == [0xC211, 0xC211]
    assert released


@pytest.mark.parametrize("status", [0xB000, 0x0107, 0xA7FF])
def test_other_statuses_are_answered_as_pynetdicom_answers_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setattr(SubAssociationHandlers, "on_store", lambda self, event: status)
    fast = _run(tmp_path, "fast", clean)
    monkeypatch.setattr(StoreStream, "consume", lambda self, pdu: False)
    slow = _run(tmp_path, "slow", clean)
    assert fast == slow
    assert fast[0] == [status, status]


def test_bound_dimse_handler_turns_the_fast_path_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pynetdicom import evt

    seen: list[object] = []
    original = SubAssociationHandlers.on_accepted

    def bind_dimse_recv(self: SubAssociationHandlers, event: object) -> None:
        event.assoc.bind(evt.EVT_DIMSE_RECV, lambda e: seen.append(e.message))  # type: ignore[attr-defined]
        original(self, event)  # type: ignore[arg-type]

    monkeypatch.setattr(SubAssociationHandlers, "on_accepted", bind_dimse_recv)
    statuses, _, _ = _run(tmp_path, "out", clean)
    assert statuses == [0, 0]
    assert len(seen) == 2  # both C-STORE-RQs went through pynetdicom's decoder


def test_pdv_items_of_a_pdu() -> None:
    pdu = _pdu(_pdv(1, 0x03, b"abcd"), _pdv(3, 0x00, b""))
    assert pdv_items(pdu) == [(1, 0x03, 12, 16), (3, 0x00, 22, 22)]
    assert pdv_items(_pdu()) is None
    assert pdv_items(pdu[:-1]) is None
    truncated = bytearray(pdu)
    truncated[6:10] = struct.pack(">L", 1)  # an item shorter than its 2-byte header
    assert pdv_items(truncated) is None


def test_response_pdu_is_what_pynetdicom_encodes() -> None:
    from pynetdicom.pdu import P_DATA_TF
    from pynetdicom.pdu_primitives import P_DATA

    primitive = P_DATA()
    primitive.presentation_data_value_list.append((5, b"\x03" + b"command!"))
    pdu = P_DATA_TF()
    pdu.from_primitive(primitive)
    assert p_data_tf(5, 0x03, b"command!") == pdu.encode()


def test_failing_observer_does_not_stop_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from movescu.net.scp.monitor import PduMonitor

    def failing(self: PduMonitor, last: bool) -> None:
        raise RuntimeError("observer bug")

    monkeypatch.setattr(PduMonitor, "on_data_fragment", failing)
    statuses, _, files = _run(tmp_path, "out", clean)
    assert statuses == [0, 0]
    assert len(files) == 2


class _Buffered:
    """A receive buffer like FastSocket's."""

    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)
        self.start = 0

    def buffered_view(self) -> memoryview:
        return memoryview(self.data)[self.start :]

    def skip(self, count: int) -> None:
        self.start += count


def _draining(taken: list[bytes], accept: bool = True) -> StoreStream:
    import queue
    from types import SimpleNamespace

    stream = StoreStream.__new__(StoreStream)
    stream.max_pdu = 100
    dul = SimpleNamespace(to_provider_queue=queue.Queue())
    stream.assoc = SimpleNamespace(dul=dul, is_established=True)  # type: ignore[assignment]

    def consume(pdu: memoryview) -> bool:
        if accept:
            taken.append(bytes(pdu))
        return accept

    stream.consume = consume  # type: ignore[method-assign]
    return stream


def test_drain_takes_whole_p_data_pdus_and_leaves_the_rest() -> None:
    first, second = _pdu(_pdv(1, 0, b"ab")), _pdu(_pdv(1, 2, b"cd"))
    release_rq = b"\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00"
    for rest in (release_rq, _pdu(_pdv(1, 0, b"x" * 200)), _pdu(_pdv(1, 0, b"ef"))[:-1], b""):
        taken: list[bytes] = []
        sock = _Buffered(first + second + rest)
        assert _draining(taken).drain(sock)
        assert taken == [first, second]
        assert bytes(sock.buffered_view()) == rest  # other type, over -pdu, incomplete


def test_drain_stops_at_a_pdu_the_stream_does_not_take() -> None:
    taken: list[bytes] = []
    data = _pdu(_pdv(1, 0, b"ab"))
    sock = _Buffered(data)
    assert not _draining(taken, accept=False).drain(sock)
    assert bytes(sock.buffered_view()) == data


def test_next_spool_file_is_opened_ahead_and_removed_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from movescu.net.seams.accel import spool, storestream

    opened: list[str] = []
    original = storestream.new_spool_file

    def recording() -> object:
        spool = original()
        opened.append(spool.name)
        return spool

    monkeypatch.setattr(storestream, "new_spool_file", recording)
    monkeypatch.setattr(spool, "new_spool_file", recording)
    statuses, released, files = _run(tmp_path, "out", clean)
    assert statuses == [0, 0] and released
    # the first store opens its own; each store then opens the next one ahead
    assert len(opened) == 3
    assert sorted(files) == ["CT.1.2.826.0.5.1", "CT.1.2.826.0.5.2"]  # the spare is gone


def test_a_store_longer_than_td_is_still_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # -td limits the wait for the peer, not the time we take to store (DCMTK reads
    # nothing while it writes a file): a slow store must not abort the sub-association
    original = SubAssociationHandlers.on_store

    def slow(self: SubAssociationHandlers, event: object) -> int:
        time.sleep(1.5)
        return original(self, event)  # type: ignore[arg-type]

    monkeypatch.setattr(SubAssociationHandlers, "on_store", slow)
    statuses, released, files = _run(tmp_path, "out", clean, "-td", "1")
    assert statuses == [0, 0]
    assert released
    assert sorted(files) == ["CT.1.2.826.0.5.1", "CT.1.2.826.0.5.2"]


def test_drain_lets_the_dul_send_first_when_something_waits() -> None:
    # e.g. an A-ABORT queued by a handler: no more PDUs are taken before it is sent
    taken: list[bytes] = []
    first, second = _pdu(_pdv(1, 0, b"ab")), _pdu(_pdv(1, 2, b"cd"))
    stream = _draining(taken)
    stream.assoc.dul.to_provider_queue.put("A-ABORT")  # type: ignore[attr-defined]
    sock = _Buffered(first + second)
    assert stream.drain(sock)
    assert taken == [first]
    assert bytes(sock.buffered_view()) == second
