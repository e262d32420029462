"""Property-based fuzzing of the Storage SCP's listening port (hypothesis).

Random bytes, mutated A-ASSOCIATE-RQ PDUs, mutated P-DATA-TF PDUs after a
valid association and valid C-STOREs whose data-set bytes are mutated are sent
to one listening :class:`~movescu.net.scp.server.StorageSCP`.  Invariants: every
connection is closed by the server within a bound once we stop sending; no
handler fails with an internal error; afterwards the server still accepts a
valid association and stores a valid object; no file outside ``-od``; no
temporary or partial file; no thread left after stop.
"""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.rawpdu import (
    CT,
    EXPLICIT_LE,
    IMPLICIT_LE,
    RawClient,
    associate_rq,
    c_store_rq_command,
    explicit_dataset,
    p_data,
)
from tests.hardening.support import all_files, leftovers
from tests.integration.scp_support import running_scp
from tests.support.objects import Enc, rich_dataset

CLOSE_BOUND = 10.0  # seconds a connection may stay open after we stopped sending
CONTEXTS = [(CT, [EXPLICIT_LE, IMPLICIT_LE])]
ASSOCIATE_RQ = associate_rq(CONTEXTS)
GOOD_DATASET = rich_dataset(Enc(), "1.2.3.4.5")


def _mutate(data: bytes, draw: st.DrawFn) -> bytes:
    """Flip, insert, delete bytes; maybe truncate."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 8))):
        if not buf:
            break
        op = draw(st.sampled_from(["set", "insert", "delete"]))
        pos = draw(st.integers(0, len(buf) - 1))
        if op == "set":
            buf[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        else:
            del buf[pos : pos + draw(st.integers(1, 8))]
    if draw(st.booleans()) and buf:
        buf = buf[: draw(st.integers(0, len(buf)))]
    return bytes(buf)


@st.composite
def attacks(draw: st.DrawFn) -> tuple[str, bytes, bytes]:
    """(kind, bytes sent before associating or instead, bytes sent after association)."""
    kind = draw(st.sampled_from(["random", "associate", "p-data", "dataset", "fragments"]))
    if kind == "random":
        return kind, draw(st.binary(max_size=2048)), b""
    if kind == "associate":
        return kind, _mutate(ASSOCIATE_RQ, draw), b""
    uid = b"1.2.3.4.5"
    command = p_data(1, c_store_rq_command(1, CT, uid), command=True)
    if kind == "p-data":
        dataset = p_data(1, explicit_dataset(CT, uid), command=False)
        return kind, b"", _mutate(command + dataset, draw)
    if kind == "fragments":
        return kind, b"", _fragments(draw, c_store_rq_command(1, CT, uid), GOOD_DATASET)
    return kind, b"", command + p_data(1, _mutate(GOOD_DATASET, draw), command=False)


def _fragments(draw: st.DrawFn, command: bytes, dataset: bytes) -> bytes:
    """A valid message cut into random PDVs, some with wrong control bits or context IDs."""
    out = b""
    for message, is_command in ((command, True), (dataset, False)):
        pos = 0
        while pos < len(message):
            size = draw(st.integers(1, max(1, len(message) - pos)))
            last = pos + size >= len(message)
            context = 1 if draw(st.integers(0, 9)) else draw(st.integers(0, 255))
            header_command = is_command if draw(st.integers(0, 9)) else not is_command
            header_last = last if draw(st.integers(0, 9)) else not last
            fragment = message[pos : pos + size]
            out += p_data(context, fragment, command=header_command, last=header_last)
            pos += size
    return out


def _finish(client: RawClient) -> bool:
    """Stop sending and wait for the server to close (True when it did in time)."""
    try:
        client.sock.shutdown(socket.SHUT_WR)
    except OSError:
        return True  # already closed by the server
    return client.wait_closed(CLOSE_BOUND)


def _attack(port: int, kind: str, before: bytes, after: bytes) -> None:
    with RawClient(port, timeout=CLOSE_BOUND) as client:
        if before or kind in ("random", "associate"):
            client.send(before)
        else:
            accepted = client.associate(CONTEXTS)
            assert 1 in accepted
            client.send(after)
            if kind == "dataset":
                status = client.read_status()  # any status, or an abort (None)
                if status is not None:
                    assert client.release()
        assert _finish(client), f"connection still open {CLOSE_BOUND} s after {kind}"


def _store_valid(port: int, uid: bytes) -> None:
    with RawClient(port) as client:
        context = client.associate([(CT, [EXPLICIT_LE])])
        assert client.store(next(iter(context)), uid, explicit_dataset(CT, uid)) == 0
        assert client.release()


@pytest.mark.parametrize("mode", [[], ["+B"]], ids=["normal", "bit-preserving"])
def test_fuzzed_pdus_never_break_the_scp(
    tmp_path: Path,
    mode: list[str],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "a" / "out"
    before = {t.ident for t in threading.enumerate()}
    with running_scp(out, "-ta", "5", *mode) as scp, caplog.at_level(logging.ERROR, "movescu"):

        @settings(
            max_examples=200 if not mode else 100,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(attacks())
        def attack(case: tuple[str, bytes, bytes]) -> None:
            _attack(scp.port, *case)

        attack()
        assert scp.wait_until_idle(CLOSE_BOUND)
        _store_valid(scp.port, b"1.2.3.99")  # still serving
        assert scp.wait_until_idle(CLOSE_BOUND)
    internal = [m for m in caplog.messages if m.startswith("Store SCP Failed") and ":" in m[18:]]
    # no unexpected exception: only DCMTK's conditions (a file that cannot be
    # created; an object lost in a PDU cut short or in a closed connection)
    expected = ("0006:020a", "0006:020c DIMSE Read PDV failed", "0006:0317")
    assert [m for m in internal if not any(code in m for code in expected)] == []
    assert "CT.1.2.3.99" in {p.name for p in out.iterdir()}
    assert all(name.startswith("a/out/") for name in all_files(tmp_path))
    assert leftovers(out) == []
    assert "Traceback" not in capfd.readouterr().err
    stray = [t for t in threading.enumerate() if t.ident not in before]
    for thread in stray:
        thread.join(5)
    assert [t.name for t in stray if t.is_alive()] == []
