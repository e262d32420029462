"""Hand-built DICOM upper-layer PDUs and a raw socket client (hardening tests only).

Everything is encoded here byte by byte (PS3.8 9.3, PS3.7 E) so a test can
send what no well-behaved library would: invalid UIDs in the command set,
PDUs larger than the negotiated maximum, truncated or garbage PDUs, and
associations that stop in the middle of an object.  :class:`RawClient`
connects to 127.0.0.1 only and every receive has a timeout.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
CT = "1.2.840.10008.5.1.4.1.1.2"
VERIFICATION = "1.2.840.10008.1.1"
APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"

A_RELEASE_RQ = b"\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00"
A_ABORT = b"\x07\x00\x00\x00\x00\x04\x00\x00\x00\x00"


def _item(item_type: int, value: bytes) -> bytes:
    return struct.pack(">BBH", item_type, 0, len(value)) + value


def _uid(value: str) -> bytes:
    raw = value.encode("latin-1")
    return raw + b"\0" if len(raw) % 2 else raw


def associate_rq(
    contexts: list[tuple[str, list[str]]],
    *,
    called: str = "MOVESCU",
    calling: str = "HOSTILE",
    max_pdu: int = 16384,
) -> bytes:
    """An A-ASSOCIATE-RQ PDU proposing ``contexts`` (ids 1, 3, 5, ...)."""
    body = struct.pack(">HH", 1, 0)
    body += called.encode().ljust(16)[:16] + calling.encode().ljust(16)[:16] + b"\0" * 32
    body += _item(0x10, APPLICATION_CONTEXT.encode())
    for n, (abstract, syntaxes) in enumerate(contexts):
        sub = _item(0x30, abstract.encode()) + b"".join(
            _item(0x40, ts.encode()) for ts in syntaxes
        )
        body += _item(0x20, struct.pack(">BBBB", 2 * n + 1, 0, 0, 0) + sub)
    user = _item(0x51, struct.pack(">L", max_pdu)) + _item(0x52, b"1.2.3.4.5")
    body += _item(0x50, user)
    return struct.pack(">BBL", 1, 0, len(body)) + body


def p_data(context_id: int, fragment: bytes, *, command: bool, last: bool = True) -> bytes:
    """One P-DATA-TF PDU carrying one PDV."""
    header = (1 if command else 0) | (2 if last else 0)
    pdv = struct.pack(">LBB", len(fragment) + 2, context_id, header) + fragment
    return struct.pack(">BBL", 4, 0, len(pdv)) + pdv


def _element(group: int, elem: int, value: bytes) -> bytes:
    return struct.pack("<HHL", group, elem, len(value)) + value


def c_store_rq_command(msg_id: int, sop_class: str, sop_instance: bytes) -> bytes:
    """An implicit VR LE C-STORE-RQ command set; the instance UID is sent as given."""
    if len(sop_instance) % 2:
        sop_instance += b"\0"
    body = _element(0x0000, 0x0002, _uid(sop_class))
    body += _element(0x0000, 0x0100, struct.pack("<H", 0x0001))
    body += _element(0x0000, 0x0110, struct.pack("<H", msg_id))
    body += _element(0x0000, 0x0700, struct.pack("<H", 0))
    body += _element(0x0000, 0x0800, struct.pack("<H", 0x0000))
    body += _element(0x0000, 0x1000, sop_instance)
    return _element(0x0000, 0x0000, struct.pack("<L", len(body))) + body


def c_echo_rq_command(msg_id: int) -> bytes:
    """An implicit VR LE C-ECHO-RQ command set."""
    body = _element(0x0000, 0x0002, _uid(VERIFICATION))
    body += _element(0x0000, 0x0100, struct.pack("<H", 0x0030))
    body += _element(0x0000, 0x0110, struct.pack("<H", msg_id))
    body += _element(0x0000, 0x0800, struct.pack("<H", 0x0101))
    return _element(0x0000, 0x0000, struct.pack("<L", len(body))) + body


def explicit_dataset(sop_class: str, sop_instance: bytes) -> bytes:
    """A minimal explicit VR LE data set (SOP Class/Instance UID, PatientName)."""
    if len(sop_instance) % 2:
        sop_instance += b"\0"
    cls = _uid(sop_class)
    out = struct.pack("<HH2sH", 0x0008, 0x0016, b"UI", len(cls)) + cls
    out += struct.pack("<HH2sH", 0x0008, 0x0018, b"UI", len(sop_instance)) + sop_instance
    out += struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", 8) + b"HOSTILE "
    return out


@dataclass
class Pdu:
    """A received PDU: type and body."""

    type: int
    body: bytes


class RawClient:
    """A TCP connection to a local SCP speaking raw PDUs; always use as a context manager."""

    def __init__(self, port: int, *, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes) -> bool:
        """Send bytes; False when the peer already closed the connection."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def _recv_exact(self, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            try:
                chunk = self.sock.recv(n - len(data))
            except (TimeoutError, OSError):
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def recv_pdu(self) -> Pdu | None:
        """The next PDU, or None on close/timeout."""
        header = self._recv_exact(6)
        if header is None:
            return None
        pdu_type, _, length = struct.unpack(">BBL", header)
        body = self._recv_exact(length)
        return None if body is None else Pdu(pdu_type, body)

    def wait_closed(self, timeout: float) -> bool:
        """Read and discard until the peer closes; False if still open after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return False
            except OSError:
                return True
            if not chunk:
                return True
        return False

    def associate(self, contexts: list[tuple[str, list[str]]], **kw: object) -> dict[int, str]:
        """Request an association; return {context id: transfer syntax} of accepted ones."""
        self.send(associate_rq(contexts, **kw))  # type: ignore[arg-type]
        pdu = self.recv_pdu()
        assert pdu is not None and pdu.type == 2, f"association not accepted: {pdu}"
        accepted: dict[int, str] = {}
        pos = 68
        while pos + 4 <= len(pdu.body):
            item_type, _, length = struct.unpack_from(">BBH", pdu.body, pos)
            value = pdu.body[pos + 4 : pos + 4 + length]
            if item_type == 0x21 and value[2] == 0:
                ts_len = struct.unpack_from(">H", value, 6)[0]
                accepted[value[0]] = value[8 : 8 + ts_len].decode().rstrip("\0")
            pos += 4 + length
        return accepted

    def store(
        self, context_id: int, sop_instance: bytes, dataset: bytes, *, msg_id: int = 1
    ) -> int | None:
        """Send one C-STORE (command + data in one PDU each); return the status or None."""
        self.send(p_data(context_id, c_store_rq_command(msg_id, CT, sop_instance), command=True))
        self.send(p_data(context_id, dataset, command=False))
        return self.read_status()

    def read_status(self) -> int | None:
        """Read P-DATA PDUs until a complete command set; return its Status (0000,0900)."""
        command = b""
        while True:
            pdu = self.recv_pdu()
            if pdu is None or pdu.type != 4:
                return None
            pos = 0
            done = False
            while pos + 6 <= len(pdu.body):
                length = struct.unpack_from(">L", pdu.body, pos)[0]
                header = pdu.body[pos + 5]
                if header & 1:
                    command += pdu.body[pos + 6 : pos + 4 + length]
                    done = done or bool(header & 2)
                pos += 4 + length
            if done:
                break
        pos = 0
        while pos + 8 <= len(command):
            group, elem, length = struct.unpack_from("<HHL", command, pos)
            if (group, elem) == (0x0000, 0x0900):
                return int(struct.unpack_from("<H", command, pos + 8)[0])
            pos += 8 + length
        return None

    def release(self) -> bool:
        """A-RELEASE-RQ; True when the A-RELEASE-RP came back."""
        self.send(A_RELEASE_RQ)
        pdu = self.recv_pdu()
        return pdu is not None and pdu.type == 6
