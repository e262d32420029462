"""The buffered transport of an accelerated association (speed, issue 6).

Owns ``FastSocket`` behaviour (:class:`FastSocketMixin`, mixed into pynetdicom's
``AssociationSocket`` by :mod:`movescu.net.seams.accel.reactors`): pynetdicom
asks for a PDU as ``recv(6)`` then ``recv(length)`` and checks ``ready`` (a
``select``) before each PDU, reading 4 KiB at a time.  Here both are served
from one buffer that a single ``recv_into`` refills only when it is empty, and
``ready`` is true without a system call while buffered bytes remain; the
C-STORE fast path (:mod:`movescu.net.seams.accel.storestream`) takes whole PDUs
from the buffer in place.  Must not change the bytes handed out nor when the
connection counts as closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from movescu.logblock import block_aware_logger

if TYPE_CHECKING:
    from pynetdicom.transport import AssociationSocket

    _SocketBase = AssociationSocket
else:  # the mixin stays free of pynetdicom until the class is built
    _SocketBase = object

logger = block_aware_logger(__name__)

#: receive buffer of an accelerated association's socket
RECV_BUFFER = 256 * 1024


class FastSocketMixin(_SocketBase):
    """Buffered reads: one ``recv_into`` fetches as many PDUs as have arrived."""

    _buffer: bytearray
    _start: int
    _end: int

    def _init_buffer(self) -> None:
        self._buffer = bytearray(RECV_BUFFER)
        self._start = self._end = 0

    @property
    def buffered(self) -> int:
        """Bytes received from the peer and not yet handed to pynetdicom."""
        return self._end - self._start

    def buffered_view(self) -> memoryview:
        """The received bytes not yet handed out (valid until the next read)."""
        return memoryview(self._buffer)[self._start : self._end]

    def skip(self, count: int) -> None:
        """Hand out ``count`` buffered bytes without copying them."""
        self._start += count

    @property
    def ready(self) -> bool:
        if self._end > self._start and self._is_connected:
            return True
        return bool(super().ready)

    def recv(self, nr_bytes: int) -> bytearray:
        sock = self.socket
        out = bytearray(nr_bytes)
        view = memoryview(out)
        done = min(nr_bytes, self._end - self._start)
        if done:
            view[:done] = self._buffer[self._start : self._start + done]
            self._start += done
        while done < nr_bytes and sock is not None:
            remaining = nr_bytes - done
            if remaining >= RECV_BUFFER:  # large PDU: straight into the result
                count = sock.recv_into(view[done:], remaining)
                if not count:
                    break
                done += count
                continue
            count = sock.recv_into(self._buffer, RECV_BUFFER)
            if not count:
                break
            take = min(count, remaining)
            view[done : done + take] = memoryview(self._buffer)[:take]
            self._start, self._end = take, count
            done += take
        del view
        if done < nr_bytes:  # connection closed: what we have, as pynetdicom
            return out[:done]
        return out
