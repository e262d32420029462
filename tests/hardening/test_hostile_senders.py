"""Hostile senders against the Storage SCP: nothing leaves -od, nothing crashes or hangs.

Each attack runs on its own association between two good objects; afterwards
the good objects are stored, every file is inside ``-od``, no temporary or
partial file is left, the SCP is idle and stops without leaking threads, and
no traceback reached stderr.
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from movescu.net.scp.server import StorageSCP
from tests.hardening.rawpdu import (
    A_ABORT,
    CT,
    EXPLICIT_LE,
    RawClient,
    associate_rq,
    c_store_rq_command,
    explicit_dataset,
    p_data,
)
from tests.hardening.support import all_files, ct_object, leftovers
from tests.integration.scp_support import make_config, running_scp
from tests.support.sender import send_raw

A900 = 0xA900
ABORT_LINE = "DIMSE failure (aborting sub-association): 0006:020d DIMSE Failed to receive message"


def store_good(scp: StorageSCP, instance: str) -> None:
    with RawClient(scp.port) as client:
        context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
        uid = instance.encode()
        assert client.store(context, uid, explicit_dataset(CT, uid)) == 0
        assert client.release()


@pytest.fixture
def threads_before() -> Iterator[set[int]]:
    before = {t.ident for t in threading.enumerate()}
    yield before


def assert_clean(tmp_path: Path, out: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert all(name.startswith("a/b/out/") for name in all_files(tmp_path)), all_files(tmp_path)
    assert leftovers(out) == []
    assert "Traceback" not in capfd.readouterr().err


def no_new_threads(before: set[int]) -> list[str]:
    alive = [t for t in threading.enumerate() if t.ident not in before]
    for thread in alive:
        thread.join(5)
    return [t.name for t in alive if t.is_alive()]


HOSTILE_UIDS = {
    "dotdot": b"../../x",
    "absolute": b"/etc/x",
    "empty": b"",
    "long": b"1." * 149 + b"1",
    "nul": b"1.2\x003",
    "backslash": b"1\\2",
    "dot": b".",
    "control": b"1.2\n\r\x1b3",
    "latin1": "1.2.\xe9\xff".encode("latin-1"),
}


@pytest.mark.parametrize("mode", [[], ["+B"]], ids=["normal", "bit-preserving"])
def test_hostile_instance_uids_stay_inside_the_output_directory(
    tmp_path: Path,
    mode: list[str],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    threads_before: set[int],
) -> None:
    out = tmp_path / "a" / "b" / "out"
    statuses: dict[str, int | None] = {}
    with running_scp(out, *mode) as scp:
        store_good(scp, "1.2.3.1")
        for name, uid in HOSTILE_UIDS.items():
            with RawClient(scp.port) as client:
                context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
                statuses[name] = client.store(context, uid, explicit_dataset(CT, uid))
                if statuses[name] is not None:
                    assert client.release()
                else:
                    assert client.wait_closed(10)
        store_good(scp, "1.2.3.2")
        assert scp.wait_until_idle(10)
    # pynetdicom cannot build a C-STORE without an Affected SOP Instance UID: A-ABORT
    assert statuses.pop("empty") is None
    assert caplog.messages.count(ABORT_LINE) == 1
    allowed = {0} if mode else {0, A900}  # A900: data set UID parsed differently
    assert set(statuses.values()) <= allowed, statuses
    names = {p.name for p in out.iterdir()}
    assert {"CT.1.2.3.1", "CT.1.2.3.2", "CT..._.._x", "CT._etc_x", "CT.1.2_3"} <= names
    assert all(len(n.encode()) <= 255 and "/" not in n and "\0" not in n for n in names)
    assert any(n.startswith("CT.1.1.1.") and len(n.encode()) == 255 for n in names)
    assert not any(n in (".", "..") for n in names)
    assert_clean(tmp_path, out, capfd)
    assert no_new_threads(threads_before) == []


def test_mismatched_uids_are_a900_and_the_file_is_kept(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b" / "out"
    with running_scp(out) as scp:
        with RawClient(scp.port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            assert client.store(context, b"1.2.3.10", explicit_dataset(CT, b"1.2.3.11")) == A900
            # the association goes on
            assert client.store(context, b"1.2.3.12", explicit_dataset(CT, b"1.2.3.12")) == 0
            assert client.release()
        assert scp.wait_until_idle(10)
    # DCMTK checks after writing and keeps the file
    assert sorted(p.name for p in out.iterdir()) == ["CT.1.2.3.10", "CT.1.2.3.12"]
    assert_clean(tmp_path, out, capfd)


def _abort_mid_dataset(client: RawClient, context: int) -> None:
    client.send(p_data(context, c_store_rq_command(1, CT, b"1.2.3.50"), command=True))
    client.send(p_data(context, explicit_dataset(CT, b"1.2.3.50")[:20], command=False, last=False))
    client.send(A_ABORT)


def _close_mid_pdu(client: RawClient, context: int) -> None:
    client.send(p_data(context, c_store_rq_command(1, CT, b"1.2.3.51"), command=True))
    whole = p_data(context, explicit_dataset(CT, b"1.2.3.51") + b"\0" * 4000, command=False)
    client.send(whole[:1000])  # the PDU announces 4000+ bytes: close after 1000


def _close_mid_command(client: RawClient, context: int) -> None:
    command = c_store_rq_command(1, CT, b"1.2.3.52")
    client.send(p_data(context, command[:30], command=True, last=False))


def _data_on_unknown_context(client: RawClient, context: int) -> None:
    client.send(p_data(99, c_store_rq_command(1, CT, b"1.2.3.53"), command=True))
    client.send(p_data(99, explicit_dataset(CT, b"1.2.3.53"), command=False))
    client.wait_closed(5)


def _unknown_command(client: RawClient, context: int) -> None:
    command = bytearray(c_store_rq_command(1, CT, b"1.2.3.54"))
    pos = command.index(struct.pack("<HHL", 0, 0x0100, 2))
    command[pos + 8 : pos + 10] = struct.pack("<H", 0x7777)
    client.send(p_data(context, bytes(command), command=True))
    client.wait_closed(5)


def _garbage_command(client: RawClient, context: int) -> None:
    client.send(p_data(context, b"\xff" * 37, command=True))
    client.wait_closed(5)


def _data_without_command(client: RawClient, context: int) -> None:
    client.send(p_data(context, explicit_dataset(CT, b"1.2.3.55"), command=False))
    client.wait_closed(2)


def _endless_command(client: RawClient, context: int) -> None:
    chunk = p_data(context, b"\0" * 16000, command=True, last=False)
    for _ in range(200):  # 3.2 MB of one command set: we give up after 64 KiB
        if not client.send(chunk):
            break
    assert client.wait_closed(5)  # aborted by us, not accepted for ever


INTERRUPTIONS: dict[str, Callable[[RawClient, int], None]] = {
    "abort-mid-dataset": _abort_mid_dataset,
    "close-mid-pdu": _close_mid_pdu,
    "close-mid-command": _close_mid_command,
    "unknown-context": _data_on_unknown_context,
    "unknown-command": _unknown_command,
    "garbage-command": _garbage_command,
    "data-without-command": _data_without_command,
    "endless-command": _endless_command,
}


@pytest.mark.parametrize("attack", list(INTERRUPTIONS), ids=list(INTERRUPTIONS))
def test_interrupted_and_broken_messages(
    tmp_path: Path, attack: str, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b" / "out"
    with running_scp(out) as scp:
        store_good(scp, "1.2.3.1")
        with RawClient(scp.port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            INTERRUPTIONS[attack](client, context)
        assert scp.wait_until_idle(10)
        store_good(scp, "1.2.3.2")
        assert scp.wait_until_idle(10)
    assert sorted(p.name for p in out.iterdir()) == ["CT.1.2.3.1", "CT.1.2.3.2"]
    assert_clean(tmp_path, out, capfd)


def test_never_releasing_sender_is_aborted_by_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b" / "out"
    scp = StorageSCP(make_config(out), bind_address="127.0.0.1")
    out.mkdir(parents=True)
    scp.start()
    idle = RawClient(scp.port)
    stuck = RawClient(scp.port)
    try:
        context = next(iter(idle.associate([(CT, [EXPLICIT_LE])])))
        assert idle.store(context, b"1.2.3.1", explicit_dataset(CT, b"1.2.3.1")) == 0
        stuck_cx = next(iter(stuck.associate([(CT, [EXPLICIT_LE])])))
        stuck.send(p_data(stuck_cx, c_store_rq_command(1, CT, b"1.2.3.2"), command=True))
        stuck.send(p_data(stuck_cx, b"\0" * 100, command=False)[:50])  # stuck mid-PDU
        assert not scp.wait_until_idle(0.3)  # bounded: returns False, does not hang
        stopper = threading.Thread(target=scp.stop)
        stopper.start()
        stopper.join(20)
        assert not stopper.is_alive()
        for client in (idle, stuck):
            pdu = client.recv_pdu()
            assert pdu is None or pdu.type == 7  # A-ABORT, then closed
            assert client.wait_closed(5)
    finally:
        idle.close()
        stuck.close()
    assert (
        caplog.messages.count(
            "DIMSE failure (aborting sub-association): "
            "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
        )
        == 2
    )
    assert sorted(p.name for p in out.iterdir()) == ["CT.1.2.3.1"]
    assert_clean(tmp_path, out, capfd)


GARBAGE: dict[str, bytes] = {
    "nothing": b"",
    "http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "random": bytes((i * 197 + 13) % 256 for i in range(3000)),
    "unknown-pdu-type": b"\xff\x00\x00\x00\x00\x04abcd",
    "truncated-associate-rq": associate_rq([(CT, [EXPLICIT_LE])])[:40],
    "huge-length": b"\x01\x00\xff\xff\xff\xff" + b"\0" * 64,
    "p-data-before-association": p_data(1, b"\0" * 10, command=True),
    "release-before-association": b"\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00",
    "short-header": b"\x01\x00\x00",
}


@pytest.mark.parametrize("keep_open", [False, True], ids=["closed", "kept-open"])
def test_garbage_on_the_listening_port(
    tmp_path: Path, keep_open: bool, capfd: pytest.CaptureFixture[str], threads_before: set[int]
) -> None:
    out = tmp_path / "a" / "b" / "out"
    with running_scp(out, "-ta", "2") as scp:
        store_good(scp, "1.2.3.1")
        clients = []
        for data in GARBAGE.values():
            client = RawClient(scp.port)
            client.send(data)
            clients.append(client)
            if not keep_open:
                client.close()
        store_good(scp, "1.2.3.2")  # served while the garbage connections are open
        if keep_open:  # the server ends each of them itself (ARTIM timer, -ta 2)
            assert all(client.wait_closed(15) for client in clients)
        for client in clients:
            client.close()
        assert scp.wait_until_idle(10)
    assert sorted(p.name for p in out.iterdir()) == ["CT.1.2.3.1", "CT.1.2.3.2"]
    assert_clean(tmp_path, out, capfd)
    assert no_new_threads(threads_before) == []


def test_pdu_larger_than_our_maximum_is_refused_like_dcmtk(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b" / "out"
    with running_scp(out, "-pdu", "16384") as scp, caplog.at_level(logging.ERROR, "movescu"):
        store_good(scp, "1.2.3.1")
        with RawClient(scp.port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            big = p_data(
                context, explicit_dataset(CT, b"1.2.3.9") + b"\0" * 200_000, command=False
            )
            client.send(p_data(context, c_store_rq_command(1, CT, b"1.2.3.9"), command=True))
            client.send(big)
            pdu = client.recv_pdu()
            assert pdu is not None and pdu.type == 7  # A-ABORT
            assert client.wait_closed(5)
        # any other PDU type: at most 1 MiB, never a 4 GiB buffer for a 6-byte header
        with RawClient(scp.port) as client:
            client.associate([(CT, [EXPLICIT_LE])])
            client.send(b"\x07\x00\xff\xff\xff\xff\x00\x00\x00\x00")
            pdu = client.recv_pdu()
            assert pdu is not None and pdu.type == 7
            assert client.wait_closed(5)
        # exactly our maximum is fine
        with RawClient(scp.port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            data = explicit_dataset(CT, b"1.2.3.2")
            pad = 16384 - 6 - len(data) - 12  # PDU header 6, PDV header 6, element header 12
            data += struct.pack("<HH2sHL", 0xFFFC, 0xFFFC, b"OB", 0, pad) + b"\0" * pad
            fragment = p_data(context, data, command=False)
            assert len(fragment) - 6 == 16384
            client.send(p_data(context, c_store_rq_command(1, CT, b"1.2.3.2"), command=True))
            client.send(fragment)
            assert client.read_status() == 0
            assert client.release()
        assert scp.wait_until_idle(10)
    illegal = f"0006:0308 DUL Illegal PDU Length {len(big) - 6}.  Max expected 16384"
    assert illegal in caplog.messages
    assert "0006:0308 DUL Illegal PDU Length 4294967295.  Max expected 1048576" in caplog.messages
    assert (
        "DIMSE failure (aborting sub-association): 0006:020c DIMSE Read PDV failed"
        in caplog.messages
    )
    assert sorted(p.name for p in out.iterdir()) == ["CT.1.2.3.1", "CT.1.2.3.2"]
    assert_clean(tmp_path, out, capfd)


def test_twenty_simultaneous_associations(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], threads_before: set[int]
) -> None:
    out = tmp_path / "a" / "b" / "out"
    results: dict[int, list[int | None]] = {}
    with running_scp(out) as scp:
        barrier = threading.Barrier(20, timeout=30)

        def send(n: int) -> None:
            objects = [ct_object(f"1.2.{n}.{i}", 2048) for i in range(3)]
            barrier.wait()
            results[n] = send_raw("127.0.0.1", scp.port, objects)

        senders = [threading.Thread(target=send, args=(n,)) for n in range(20)]
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join(60)
        assert scp.wait_until_idle(20)
    assert results == {n: [0, 0, 0] for n in range(20)}
    assert len(list(out.iterdir())) == 60 and scp.stats.stored == 60
    assert_clean(tmp_path, out, capfd)
    assert no_new_threads(threads_before) == []


def test_unexpected_command_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Found by fuzzing: PDUs already received when we abort were each reported again."""
    out = tmp_path / "a" / "b" / "out"
    with running_scp(out) as scp:
        with RawClient(scp.port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            command = bytearray(c_store_rq_command(1, CT, b"1.2.3.54"))
            pos = command.index(struct.pack("<HHL", 0, 0x0100, 2))
            command[pos + 8 : pos + 10] = struct.pack("<H", 0x0020)  # C-FIND-RQ
            client.send(p_data(context, bytes(command), command=True) * 20)
            assert client.wait_closed(10)
        assert scp.wait_until_idle(10)
    expected = "Expected C-ECHO or C-STORE request but received DIMSE command 0x0020"
    assert caplog.messages.count(expected) == 1
    assert_clean(tmp_path, out, capfd)


@pytest.mark.parametrize(
    "mode", [[], ["+B"], ["+tb"]], ids=["normal", "bit-preserving", "re-encoded"]
)
def test_symlink_in_the_output_directory_is_replaced_not_followed(
    tmp_path: Path, mode: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    """A planted ``CT.<uid>`` symlink to a file outside -od: that file stays untouched."""
    out = tmp_path / "a" / "b" / "out"
    out.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    (out / "CT.1.2.3.7").symlink_to(victim)
    with running_scp(out, *mode) as scp:
        store_good(scp, "1.2.3.7")
        assert scp.wait_until_idle(10)
    assert victim.read_bytes() == b"precious"
    assert not (out / "CT.1.2.3.7").is_symlink()
    assert (out / "CT.1.2.3.7").stat().st_size > 100
    assert leftovers(out) == []
    assert "Traceback" not in capfd.readouterr().err
