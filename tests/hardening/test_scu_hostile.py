"""Hostile or broken Move SCPs on the SCU side (issue 5 item 3), DCMTK 3.6.7 as the oracle.

A raw-socket Move SCP (:class:`RawMovePeer`) sends what no library would: an
A-ASSOCIATE-RJ with any result/source/reason, C-MOVE-RSPs that are garbage,
lack a status, carry the wrong command field, stop in the middle of a PDU or
use an unknown PDU type, and connections closed without an A-ABORT.  For each,
``python -m movescu`` must print DCMTK's lines, exit with DCMTK's code (or 69
for a C-MOVE that failed at DIMSE level, DECISIONS rule 3), never print a
traceback and never hang.  Where DCMTK is installed its ``movescu`` runs against
the same peer and its lines are the expected ones.

Already covered elsewhere (not repeated here): peer A-ABORT after a pending
response, A-RELEASE-RQ during a move, wrong message ID, ``-td`` expiry, a
connection closed mid-move, ``-pi`` misreading a data set
(``tests/interop/test_scu_vs_dcmtk.py`` against DCMTK, ``tests/integration/
test_scu_fake.py`` in-process), rejection by Called AE title (one reason).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hardening.rawpdu import associate_rq
from tests.support.tools import dcmtk_tool

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]
PATIENT_MOVE = "1.2.840.10008.5.1.4.1.2.1.2"
#: every run of ours or DCMTK's must end within this (the held-out check's bound)
BOUND = 60.0


# --------------------------------------------------------------------------- PDU encoding


def _item(item_type: int, value: bytes) -> bytes:
    return struct.pack(">BBH", item_type, 0, len(value)) + value


def _pdu(pdu_type: int, body: bytes) -> bytes:
    return struct.pack(">BBL", pdu_type, 0, len(body)) + body


def associate_rj(result: int, source: int, reason: int) -> bytes:
    """An A-ASSOCIATE-RJ PDU with arbitrary field values (PS3.8 9.3.4)."""
    return _pdu(0x03, struct.pack(">BBBB", 0, result, source, reason))


def a_abort(source: int = 0, reason: int = 0) -> bytes:
    return _pdu(0x07, struct.pack(">BBBB", 0, 0, source, reason))


def _element(group: int, elem: int, value: bytes) -> bytes:
    return struct.pack("<HHL", group, elem, len(value)) + value


def _us(value: int) -> bytes:
    return struct.pack("<H", value)


def command_set(elements: list[tuple[int, bytes]]) -> bytes:
    """An implicit VR LE command set with its group length; ``elements`` are (0000,eeee)."""
    body = b"".join(_element(0, elem, value) for elem, value in sorted(elements))
    return _element(0, 0, struct.pack("<L", len(body))) + body


def move_rsp(
    msg_id: int,
    status: int | None,
    *,
    command_field: int = 0x8021,
    remaining: int | None = None,
    completed: int = 0,
) -> bytes:
    """A C-MOVE-RSP command set (``status=None`` leaves (0000,0900) out)."""
    uid = PATIENT_MOVE.encode() + b"\0"
    elements = [
        (0x0002, uid),
        (0x0100, _us(command_field)),
        (0x0120, _us(msg_id)),
        (0x0800, _us(0x0101)),
    ]
    if status is not None:
        elements.append((0x0900, _us(status)))
    if remaining is not None:
        elements.append((0x1020, _us(remaining)))
    elements += [(0x1021, _us(completed)), (0x1022, _us(0)), (0x1023, _us(0))]
    return command_set(elements)


def p_data(context_id: int, fragment: bytes, *, command: bool = True, last: bool = True) -> bytes:
    header = (1 if command else 0) | (2 if last else 0)
    return _pdu(0x04, struct.pack(">LBB", len(fragment) + 2, context_id, header) + fragment)


# --------------------------------------------------------------------------- the raw peer


@dataclass
class RawConnection:
    """One accepted connection of the raw peer, as its script sees it."""

    sock: socket.socket
    #: accepted presentation contexts {id: abstract syntax}
    contexts: dict[int, str] = field(default_factory=dict)

    def recv_exact(self, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            try:
                chunk = self.sock.recv(n - len(data))
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def recv_pdu(self) -> tuple[int, bytes] | None:
        header = self.recv_exact(6)
        if header is None:
            return None
        pdu_type, _, length = struct.unpack(">BBL", header)
        body = self.recv_exact(length)
        return None if body is None else (pdu_type, body)

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def accept(self) -> bool:
        """Read the A-ASSOCIATE-RQ and accept every context with its first transfer syntax."""
        pdu = self.recv_pdu()
        if pdu is None or pdu[0] != 0x01:
            return False
        body = pdu[1]
        called, calling = body[4:20], body[20:36]
        items = b""
        pos = 68
        while pos + 4 <= len(body):
            item_type, _, length = struct.unpack_from(">BBH", body, pos)
            value = body[pos + 4 : pos + 4 + length]
            if item_type == 0x20:
                context_id = value[0]
                sub = 4
                abstract, syntax = "", b""
                while sub + 4 <= len(value):
                    sub_type, _, sub_len = struct.unpack_from(">BBH", value, sub)
                    sub_value = value[sub + 4 : sub + 4 + sub_len]
                    if sub_type == 0x30:
                        abstract = sub_value.rstrip(b"\0").decode()
                    elif sub_type == 0x40 and not syntax:
                        syntax = sub_value
                    sub += 4 + sub_len
                self.contexts[context_id] = abstract
                items += _item(
                    0x21, struct.pack(">BBBB", context_id, 0, 0, 0) + _item(0x40, syntax)
                )
            pos += 4 + length
        user = _item(0x51, struct.pack(">L", 16384)) + _item(0x52, b"1.2.3.4.5.6")
        ac = struct.pack(">HH", 1, 0) + called + calling + b"\0" * 32
        ac += _item(0x10, b"1.2.840.10008.3.1.1.1") + items + _item(0x50, user)
        self.send(_pdu(0x02, ac))
        return True

    def read_request(self) -> tuple[int, int] | None:
        """Read a whole C-MOVE-RQ (command and data set); return (context id, message id)."""
        command = b""
        context_id = 0
        data_done = False
        while not data_done:
            pdu = self.recv_pdu()
            if pdu is None or pdu[0] != 0x04:
                return None
            body = pdu[1]
            pos = 0
            while pos + 6 <= len(body):
                length = struct.unpack_from(">L", body, pos)[0]
                context_id, header = body[pos + 4], body[pos + 5]
                if header & 1:
                    command += body[pos + 6 : pos + 4 + length]
                elif header & 2:
                    data_done = True
                pos += 4 + length
        pos = 0
        while pos + 8 <= len(command):
            group, elem, length = struct.unpack_from("<HHL", command, pos)
            if (group, elem) == (0, 0x0110):
                return context_id, struct.unpack_from("<H", command, pos + 8)[0]
            pos += 8 + length
        return context_id, 0

    def hold(self, seconds: float, *, close_on_abort: bool = True) -> bool:
        """Read and discard until the other side closes or aborts, or ``seconds`` pass.

        Like a real peer, the connection is closed after an A-ABORT (DCMTK 3.6.7
        would otherwise wait 30 s for the close after its own A-ABORT).  Returns
        True when the other side closed the connection.
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                if close_on_abort and chunk[:1] == b"\x07":
                    return False
            except TimeoutError:
                return False
            except OSError:
                return True
        return False


Script = Callable[[RawConnection], None]


@contextmanager
def raw_peer(script: Script) -> Iterator[int]:
    """Serve ``script`` on a free 127.0.0.1 port, one thread per connection; always closed."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    stop = threading.Event()
    open_sockets: list[socket.socket] = []

    def serve_one(sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(BOUND)
        try:
            script(RawConnection(sock))
        finally:
            sock.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                sock, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            open_sockets.append(sock)
            threading.Thread(target=serve_one, args=(sock,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        server.close()
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Run:
    code: int
    lines: list[str]
    stderr: str


def _environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=SRC, TCP_NODELAY="1")


def run_ours(port: int, *options: str) -> Run:
    argv = [sys.executable, "-m", "movescu", *options, "127.0.0.1", str(port), *KEYS]
    proc = subprocess.run(
        argv, env=_environment(), capture_output=True, text=True, timeout=BOUND, check=False
    )
    return Run(proc.returncode, proc.stderr.splitlines(), proc.stderr)


def run_dcmtk(port: int, *options: str) -> Run:
    argv = [dcmtk_tool("movescu"), *options, "127.0.0.1", str(port), *KEYS]
    proc = subprocess.run(
        argv, env=_environment(), capture_output=True, text=True, timeout=BOUND, check=False
    )
    return Run(proc.returncode, proc.stderr.splitlines(), proc.stderr)


def both(script: Script, *options: str) -> tuple[Run, Run]:
    """DCMTK's run, then ours, each against a fresh raw peer running ``script``."""
    with raw_peer(script) as port:
        theirs = run_dcmtk(port, *options)
    with raw_peer(script) as port:
        ours = run_ours(port, *options)
    assert "Traceback" not in ours.stderr
    return theirs, ours


def comparable(lines: list[str]) -> list[str]:
    """Drop what is documented to differ: DCMTK's dcmdata parser line, our summary line."""
    return [line for line in lines if not line.startswith(("E: DcmElement: ", "I: Summary: "))]


# --------------------------------------------------------------------------- A-ASSOCIATE-RJ


def rejecting(result: int, source: int, reason: int) -> Script:
    def script(conn: RawConnection) -> None:
        if conn.recv_pdu() is not None:
            conn.send(associate_rj(result, source, reason))
            conn.hold(5)

    return script


#: every standard (result, source, reason) and values outside the standard
REJECTIONS = [
    (result, source, reason)
    for result in (1, 2)
    for source, reason in ((1, 1), (1, 2), (1, 3), (1, 7), (2, 1), (2, 2), (3, 1), (3, 2))
] + [(1, 1, 0), (1, 1, 4), (2, 2, 3), (1, 3, 0), (2, 3, 7), (0, 0, 0), (3, 3, 1), (255, 4, 9)]


@pytest.mark.parametrize(
    ("result", "source", "reason"), REJECTIONS, ids=[f"{r}-{s}-{d}" for r, s, d in REJECTIONS]
)
def test_rejection_lines_and_exit_code_match_dcmtk(result: int, source: int, reason: int) -> None:
    theirs, ours = both(rejecting(result, source, reason))
    assert (theirs.code, ours.code) == (61, 61)
    assert ours.lines == theirs.lines
    assert ours.lines[-3] == "F: Association Rejected:"


def test_rejection_invalid_fields_are_named_once_each() -> None:
    with raw_peer(rejecting(0, 0, 0)) as port:
        ours = run_ours(port, "-q")
    # -q: DCMTK's E lines about the invalid fields are not shown, the F lines are
    assert ours.lines == [
        "F: Association Rejected:",
        "F: Result: Rejected Permanent, Source: Service User",
        "F: Reason: No Reason",
    ]
    assert ours.code == 61


# --------------------------------------------------------------------------- broken responses


def after_request(action: Callable[[RawConnection, int, int], None], hold: float = 2.0) -> Script:
    """Accept, read the C-MOVE-RQ, run ``action(conn, context id, message id)``, hold."""

    def script(conn: RawConnection) -> None:
        if not conn.accept():
            return
        request = conn.read_request()
        if request is None:
            return
        action(conn, *request)
        conn.hold(hold)

    return script


def pendings(conn: RawConnection, context: int, msg_id: int, count: int = 2) -> None:
    for k in range(count):
        conn.send(p_data(context, move_rsp(msg_id, 0xFF00, remaining=count - k, completed=k)))


def _send(data: Callable[[int, int], bytes]) -> Callable[[RawConnection, int, int], None]:
    return lambda conn, context, msg_id: conn.send(data(context, msg_id))


def _oversized(context: int, msg_id: int, *, claimed: int | None = None) -> bytes:
    """A P-DATA-TF PDU longer than our default -pdu (16384), or claiming to be."""
    fragment = move_rsp(msg_id, 0)
    pdv = struct.pack(">LBB", len(fragment) + 2, context, 3) + fragment
    pad = struct.pack(">LBB", 40002, context, 2) + b"\0" * 40000
    body = pdv + pad
    if claimed is not None:
        return struct.pack(">BBL", 4, 0, claimed) + pdv
    return struct.pack(">BBL", 4, 0, len(body)) + body


BROKEN: dict[str, Script] = {
    "pdu-above-our-maximum": after_request(_send(_oversized)),
    "pdu-claiming-2-gb": after_request(_send(lambda cx, m: _oversized(cx, m, claimed=0x7FFFFFF0))),
    "garbage-command": after_request(_send(lambda cx, _m: p_data(cx, b"\xde\xad\xbe\xef" * 8))),
    "find-rsp-instead": after_request(
        _send(lambda cx, m: p_data(cx, move_rsp(m, 0, command_field=0x8020)))
    ),
    "no-status": after_request(_send(lambda cx, m: p_data(cx, move_rsp(m, None)))),
    "truncated-pdu-then-close": after_request(
        _send(lambda cx, m: p_data(cx, move_rsp(m, 0))[:20]), hold=0
    ),
    "truncated-pdu-then-silence": after_request(
        _send(lambda cx, m: p_data(cx, move_rsp(m, 0))[:20])
    ),
    "unknown-pdu-type": after_request(_send(lambda _c, _m: _pdu(0x09, b"\0" * 4))),
    "data-pdv-first": after_request(
        _send(lambda cx, _m: p_data(cx, b"\x10\x00\x20\x00\x02\x00\x00\x00AB", command=False))
    ),
    "wrong-context": after_request(_send(lambda cx, m: p_data(cx + 2, move_rsp(m, 0)))),
    "command-never-ends": after_request(
        _send(lambda cx, m: p_data(cx, move_rsp(m, 0), last=False)), hold=0
    ),
    "close-before-any-response": after_request(lambda *_: None, hold=0),
    "close-after-pendings": after_request(pendings, hold=0),
    "abort-before-any-response": after_request(_send(lambda _c, _m: a_abort())),
    "abort-after-pendings": after_request(
        lambda conn, cx, m: (pendings(conn, cx, m), conn.send(a_abort()))
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_move_scp_lines_match_dcmtk_and_exit_69(name: str) -> None:
    theirs, ours = both(BROKEN[name], "-v")
    assert comparable(ours.lines) == comparable(theirs.lines)
    # DIMSE-level failure: DCMTK 0, ours 69 (DECISIONS rule 3)
    assert (theirs.code, ours.code) == (0, 69)
    assert any(line.startswith("E: Move Request Failed: ") for line in ours.lines)


def test_pending_forever_with_dimse_timeout_matches_dcmtk() -> None:
    def forever(conn: RawConnection, context: int, msg_id: int) -> None:
        pendings(conn, context, msg_id, 1)

    theirs, ours = both(after_request(forever, hold=BOUND), "-v", "-td", "2")
    assert comparable(ours.lines) == comparable(theirs.lines)
    timeout = "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
    assert comparable(ours.lines)[-3:] == [
        f"E: Move Request Failed: {timeout}",
        f"E: Move SCU Failed: {timeout}",
        "I: Aborting Association",
    ]
    assert (theirs.code, ours.code) == (0, 69)


def test_garbage_instead_of_association_response_matches_dcmtk() -> None:
    def http(conn: RawConnection) -> None:
        if conn.recv_pdu() is not None:
            conn.send(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.hold(5)

    theirs, ours = both(http)
    assert (
        ours.lines
        == theirs.lines
        == [
            "F: Association Request Failed:",
            "F: 0006:0321 Unrecognized PDU type: 48",
        ]
    )
    assert (theirs.code, ours.code) == (61, 61)


# --------------------------------------------------------------------------- abort while storing


def test_peer_abort_while_a_sub_association_is_storing(tmp_path: Path) -> None:
    """The Move SCP aborts mid-move while one of its sub-associations stalls mid-object."""
    from tests.hardening.rawpdu import (
        CT,
        EXPLICIT_LE,
        RawClient,
        c_store_rq_command,
        explicit_dataset,
    )
    from tests.hardening.rawpdu import p_data as raw_p_data
    from tests.hardening.support import OutputWatcher, all_files, leftovers
    from tests.support.fake_qr import MoveContext, fake_qr
    from tests.support.peers import free_port

    out = tmp_path / "out"
    out.mkdir()
    port = free_port()
    closed: list[bool] = []
    ours_stdout: list[OutputWatcher] = []  # set before the Move SCP's script runs

    def script(ctx: MoveContext) -> None:
        with RawClient(port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            assert client.store(context, b"1.2.3.1", explicit_dataset(CT, b"1.2.3.1")) == 0
            client.release()
        ctx.pending(1, 1)
        with RawClient(port) as client:
            context = next(iter(client.associate([(CT, [EXPLICIT_LE])])))
            client.send(raw_p_data(context, c_store_rq_command(1, CT, b"1.2.3.2"), command=True))
            data = explicit_dataset(CT, b"1.2.3.2") + b"\0" * 4096
            client.send(raw_p_data(context, data[:1000], command=False, last=False))
            # -v: "RECV: ." once we read the first data fragment of the second object
            assert ours_stdout[0].wait_for("RECV: .", count=2), "the partial PDV was not read"
            ctx.abort()
            closed.append(client.wait_closed(BOUND))

    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        argv = [sys.executable, "-m", "movescu", "-v", "-aet", "MOVESCU", "+P", str(port)]
        argv += ["-od", str(out), "-td", "2", "127.0.0.1", str(fake.port), *KEYS]
        proc = subprocess.Popen(
            argv, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stderr is not None
        with proc.stdout, proc.stderr:
            ours_stdout.append(OutputWatcher(proc.stdout.fileno()))
            stderr_watcher = OutputWatcher(proc.stderr.fileno())
            try:
                proc.wait(timeout=BOUND)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            ours_stdout[0].final()
            stderr = stderr_watcher.final()
        ours = Run(proc.returncode, stderr.splitlines(), stderr)
    assert "Traceback" not in ours.stderr
    assert ours.code == 69
    # the stalled sub-association is aborted after -td, like DCMTK's; its -td timer
    # and our -td wait after the abort run alike, so its line may come before or after
    stalled = (
        "E: DIMSE failure (aborting sub-association): "
        "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
    )
    assert ours.lines.count(stalled) == 1
    assert [line for line in comparable(ours.lines) if line != stalled][-2:] == [
        "E: Move Request Failed: 0006:0317 Peer aborted Association (or never connected)",
        "I: Peer Aborted Association",
    ]
    assert closed == [True]
    assert all_files(out) == ["CT.1.2.3.1"]
    assert leftovers(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_we_close_the_connection_after_our_abort_even_if_the_peer_does_not() -> None:
    """A peer that ignores our A-ABORT still sees the connection closed (as with DCMTK)."""
    closed: list[bool] = []

    def ignoring_abort(conn: RawConnection) -> None:
        request = conn.read_request() if conn.accept() else None
        if request is not None:
            conn.send(p_data(request[0], b"\xde\xad\xbe\xef" * 8))
            # well before -ta (40 s), which bounds pynetdicom's wait for the peer's close
            closed.append(conn.hold(20, close_on_abort=False))

    with raw_peer(ignoring_abort) as port:
        ours = run_ours(port, "-ta", "40")
    assert ours.code == 69
    assert "Traceback" not in ours.stderr
    assert closed == [True]


# ------------------------------------------------------------------ answers to our request


def answering(data: bytes) -> Script:
    def script(conn: RawConnection) -> None:
        if conn.recv_pdu() is not None:
            conn.send(data)
            conn.hold(5)

    return script


def closing_at_once(conn: RawConnection) -> None:
    conn.recv_pdu()


def accepting_an_unproposed_context(conn: RawConnection) -> None:
    """An A-ASSOCIATE-AC whose only accepted context was never proposed (ID 99)."""
    received = conn.recv_pdu()
    if received is None:
        return
    titles = received[1][4:36]
    context = _item(0x21, struct.pack(">BBBB", 99, 0, 0, 0) + _item(0x40, b"1.2.3.4"))
    user = _item(0x51, struct.pack(">L", 16384)) + _item(0x52, b"1.2.3.4.5.6")
    body = struct.pack(">HH", 1, 0) + titles + b"\0" * 32
    body += _item(0x10, b"1.2.840.10008.3.1.1.1") + context + _item(0x50, user)
    conn.send(_pdu(0x02, body))
    conn.hold(5)


#: name -> (script, DCMTK's exit code, ours)
ANSWERS: dict[str, tuple[Script, int, int]] = {
    "a-abort": (answering(a_abort(2, 0)), 61, 61),
    "close": (closing_at_once, 61, 61),
    # DCMTK 3.6.7 takes any other known PDU for an association without contexts
    "p-data": (answering(p_data(1, b"\0" * 10)), 66, 66),
    "a-release-rq": (answering(_pdu(0x05, b"\0" * 4)), 66, 66),
    "a-release-rp": (answering(_pdu(0x06, b"\0" * 4)), 66, 66),
    "a-associate-rq": (answering(associate_rq([(PATIENT_MOVE, ["1.2.840.10008.1.2"])])), 66, 66),
    # accepted, then the C-MOVE finds no context: a DIMSE-level failure (rule 3)
    "unproposed-context": (accepting_an_unproposed_context, 0, 69),
}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_odd_answers_to_the_association_request_match_dcmtk(name: str) -> None:
    script, their_code, our_code = ANSWERS[name]
    theirs, ours = both(script, "-v")
    assert comparable(ours.lines) == comparable(theirs.lines)
    assert (theirs.code, ours.code) == (their_code, our_code)


def test_a_peer_stalling_inside_a_pdu_is_bounded_by_the_dimse_timeout() -> None:
    """DCMTK 3.6.7 waits for the rest of the PDU for ever; with ``-td`` we do not."""

    def stall(conn: RawConnection, context: int, msg_id: int) -> None:
        pendings(conn, context, msg_id, 1)
        conn.send(p_data(context, move_rsp(msg_id, 0))[:20])  # then nothing, connection open

    with raw_peer(after_request(stall, hold=BOUND)) as port:
        ours = run_ours(port, "-v", "-td", "2")
    timeout = "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
    assert comparable(ours.lines)[-4:] == [
        "I: Received Move Response 1 (Pending)",
        f"E: Move Request Failed: {timeout}",
        f"E: Move SCU Failed: {timeout}",
        "I: Aborting Association",
    ]
    assert ours.code == 69
