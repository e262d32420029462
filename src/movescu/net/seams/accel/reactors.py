"""Event-driven reactors for the Storage SCP's sub-associations (speed, issue 6).

pynetdicom runs two polling loops per association: the DUL reactor sleeps 1 ms
whenever there is nothing to do, and the association reactor sleeps 1 ms
before every look at the DIMSE message queue.  A C-STORE therefore waits up
to a few milliseconds between "last PDU in" and "response out", and four
threads wake a thousand times a second each.  This module owns small
subclasses that keep pynetdicom's logic and state machine but *wait for work*
instead of polling:

* ``FastSocket`` (:mod:`movescu.net.seams.accel.fastsocket`): reads a PDU with
  ``recv_into`` straight into one buffer (pynetdicom reads 4 KiB at a time and
  concatenates);
* ``FastDUL``: when idle, ``select()`` on the socket and a wake-up pipe that
  :meth:`send_pdu` / :meth:`kill_dul` write to (at most ``IDLE_WAIT`` between
  timer checks);
* ``FastAssociation``: waits on the DIMSE message queue's condition instead
  of sleeping 1 ms per turn;
* ``FastDIMSE`` (:mod:`movescu.net.seams.accel.storedimse`): C-STORE commands decoded and
  encoded without pydicom;
* the C-STORE fast path (opt-in, ``FastDUL.store_stream``): in state Sta6 a
  P-DATA-TF PDU goes to :class:`movescu.net.seams.accel.storestream.StoreStream` first,
  which receives, stores and answers clean C-STORE requests in this thread
  and leaves every other PDU to pynetdicom's own path.

Each is a mixin defined here (free of pynetdicom) and built into its
pynetdicom class on first use (:func:`_classes`).  They are installed through
pynetdicom's documented seam
``AE.make_server(..., request_handler=...)``: :func:`request_handler_class`
returns a ``RequestHandler`` whose new associations are switched to these
classes before they start.  Must not change what is sent or received, nor
any state transition: only when the loops look for work.
"""

from __future__ import annotations

import os
import queue
import select
import struct
import threading
import time
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from movescu.logblock import block_aware_logger
from movescu.net.seams.accel import count_accelerated
from movescu.net.seams.accel.fastsocket import FastSocketMixin
from movescu.net.seams.accel.storedimse import fast_dimse_class

if TYPE_CHECKING:
    from pynetdicom.association import Association
    from pynetdicom.dul import DULServiceProvider
    from pynetdicom.transport import AssociationSocket, RequestHandler

    from movescu.net.seams.accel.storestream import StoreStream

    _DULBase = DULServiceProvider
    _AssociationBase = Association
    _HandlerBase = RequestHandler
else:  # the mixins stay free of pynetdicom until the classes are built
    _DULBase = _AssociationBase = _HandlerBase = object

logger = block_aware_logger(__name__)

#: longest wait of an idle reactor before it re-checks its timers and kill flags
IDLE_WAIT = 0.02


def make_fast(assoc: Association) -> None:
    """Switch a new, not yet started acceptor association to the event-driven classes.

    Parameters
    ----------
    assoc : Association
        Created by pynetdicom's request handler, socket set, thread not started.
    """
    classes = _classes()
    count_accelerated()
    assoc.__class__ = classes["association"]
    assoc.dimse.__class__ = fast_dimse_class()
    # the reactor waits on the DIMSE queue: a send_* that pauses it must wake it
    assoc._reactor_checkpoint = _Checkpoint(assoc.dimse.msg_queue)
    dul = assoc.dul
    dul.__class__ = classes["dul"]
    dul._wake_r, dul._wake_w = os.pipe()  # type: ignore[attr-defined]
    os.set_blocking(dul._wake_w, False)  # type: ignore[attr-defined]
    dul._wake_lock = threading.Lock()  # type: ignore[attr-defined]
    if dul.socket is not None:
        make_fast_socket(dul.socket)


def make_fast_socket(sock: AssociationSocket) -> None:
    """Switch a pynetdicom ``AssociationSocket`` to the buffered ``FastSocket``.

    Parameters
    ----------
    sock : AssociationSocket
        Not yet read from (the requestor's may not be connected yet).
    """
    sock.__class__ = _classes()["socket"]
    sock._init_buffer()  # type: ignore[attr-defined]


class _Checkpoint(threading.Event):
    """pynetdicom's reactor checkpoint; ``clear`` (pause) wakes a reactor waiting on ``queue``."""

    def __init__(self, messages: queue.Queue[Any]) -> None:
        super().__init__()
        self._messages = messages
        self.set()

    def clear(self) -> None:
        super().clear()
        with self._messages.not_empty:
            self._messages.not_empty.notify_all()


def request_handler_class() -> type[Any]:
    """pynetdicom's ``RequestHandler`` with :func:`make_fast` applied to each association.

    Returns
    -------
    type
        Pass as ``request_handler=`` to ``AE.make_server``.
    """
    return _classes()["handler"]


class FastDULMixin(_DULBase):
    """pynetdicom's DUL reactor, waiting on the socket instead of sleeping 1 ms."""

    _wake_r: int
    _wake_w: int
    _wake_lock: threading.Lock

    def _wake(self) -> None:
        # under the lock: once closed, the descriptor number may belong to
        # another connection's socket (a stray byte there would corrupt it)
        with self._wake_lock:
            if self._wake_w < 0:
                return
            try:
                os.write(self._wake_w, b"\0")
            except OSError:  # pipe full: already woken
                pass

    def _close_wake(self) -> None:
        with self._wake_lock:
            for fd in (self._wake_r, self._wake_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._wake_r = self._wake_w = -1

    def send_pdu(self, primitive: Any) -> None:
        super().send_pdu(primitive)
        self._wake()

    def kill_dul(self) -> None:
        super().kill_dul()
        self._wake()

    def stop_dul(self) -> bool:
        if self.state_machine.current_state != "Sta1":
            return False
        self._kill_thread = True
        self._wake()
        while self.is_alive():
            time.sleep(0.001)
        return True

    #: the C-STORE fast path (accel/storestream.py), set by the Storage SCP; None: off
    store_stream: StoreStream | None = None

    def _read_pdu_data(self) -> None:
        """pynetdicom's ``_read_pdu_data`` with the data fast path before decoding."""
        from pynetdicom.dul import LOGGER

        sock = cast("AssociationSocket", self.socket)
        stream = self.store_stream
        if (
            stream is not None
            and isinstance(sock, FastSocketMixin)
            and sock.buffered
            and self.state_machine.current_state == "Sta6"
            and stream.drain(sock)
        ):
            return  # whole PDUs in the receive buffer were taken without copying
        bytestream = self._receive_pdu(sock)
        if bytestream is None:
            return
        if (
            bytestream[0] == 0x04
            and stream is not None
            and self.state_machine.current_state == "Sta6"
            and stream.consume(bytestream)
        ):
            return
        try:
            pdu, event = self._decode_pdu(bytestream)
            self.event_queue.put(event)
        except Exception as exc:
            LOGGER.error("Unable to decode the received PDU data")
            LOGGER.exception(exc)
            self.event_queue.put("Evt19")
            return
        self._recv_pdu.put(pdu)

    def _receive_pdu(self, sock: AssociationSocket) -> bytearray | None:
        """pynetdicom's reading of one PDU; None when it queued Evt17/Evt19 instead."""
        from pynetdicom.dul import LOGGER

        try:
            bytestream = sock.recv(6)
        except (OSError, TimeoutError) as exc:
            LOGGER.error("Connection closed before the entire PDU was received")
            LOGGER.exception(exc)
            self.event_queue.put("Evt17")
            return None
        try:
            pdu_type, _, pdu_length = struct.unpack(">BBL", bytestream)
        except struct.error:
            self.event_queue.put("Evt17")
            return None
        if pdu_type not in (0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07):
            LOGGER.error(f"Unknown PDU type received '0x{pdu_type:02X}'")
            self.event_queue.put("Evt19")
            return None
        try:
            bytestream += sock.recv(pdu_length)
        except (OSError, TimeoutError) as exc:
            LOGGER.error("Connection closed before the entire PDU was received")
            LOGGER.exception(exc)
            self.event_queue.put("Evt17")
            return None
        if len(bytestream) != 6 + pdu_length:
            LOGGER.error(
                f"The received PDU is shorter than expected ({len(bytestream)} of "
                f"{6 + pdu_length} bytes received)"
            )
            self.event_queue.put("Evt17")
            return None
        return bytestream

    def _wait_for_work(self) -> None:
        if getattr(self.socket, "buffered", 0):
            return  # PDUs already received: no need to ask the kernel
        sock = getattr(self.socket, "socket", None)
        waitables: list[Any] = [self._wake_r]
        if sock is not None and sock.fileno() >= 0:
            waitables.append(sock)
        try:
            ready, _, _ = select.select(waitables, [], [], IDLE_WAIT)
        except (OSError, ValueError):  # socket closed under us: let the loop see it
            time.sleep(0.001)
            return
        if self._wake_r in ready:
            try:
                os.read(self._wake_r, 4096)
            except OSError:
                pass

    def run(self) -> None:
        from pynetdicom.utils import make_target

        # pynetdicom's Thread target is the base class's bound run_reactor
        make_target(self.run_reactor)()

    def run_reactor(self) -> None:
        """pynetdicom's ``run_reactor`` with the idle sleep replaced by a wait."""
        try:
            self._run_reactor_loop()
        finally:
            self._close_wake()
            if self.store_stream is not None:
                self.store_stream.close()

    def _run_reactor_loop(self) -> None:
        self._idle_timer.start()
        idle = False
        while True:
            if not self.assoc._dul_ready.is_set():
                self.assoc._dul_ready.set()
            if idle:
                self._wait_for_work()
            if self._kill_thread:
                break
            if self.artim_timer.expired:
                self.event_queue.put("Evt18")
            try:
                if self._process_recv_primitive():
                    pass
                elif self._is_transport_event():
                    self._idle_timer.restart()
            except Exception as exc:
                self._abort_after(exc)
                return
            try:
                event = self.event_queue.get(block=False)
            except queue.Empty:
                idle = True
                continue
            self.state_machine.do_action(event)
            idle = False

    def _abort_after(self, exc: Exception) -> None:
        """As pynetdicom: bypass the state machine, send an A-ABORT, stop."""
        from pynetdicom.dul import LOGGER
        from pynetdicom.pdu import A_ABORT_RQ

        LOGGER.error("Exception in DUL.run(), aborting association")
        LOGGER.exception(exc)
        abort_pdu = A_ABORT_RQ()
        abort_pdu.source = 0x02
        abort_pdu.reason_diagnostic = 0x00
        if self.socket is not None:
            self.socket.send(abort_pdu.encode())
        self.assoc.is_aborted = True
        self.assoc.is_established = False
        self.assoc._kill = True
        self._kill_thread = True


class FastAssociationMixin(_AssociationBase):
    """pynetdicom's acceptor reactor, waiting on the DIMSE queue instead of sleeping."""

    def _wait_for_message(self) -> None:
        messages = self.dimse.msg_queue
        with messages.not_empty:
            # a cleared checkpoint (send_*, release) notifies under this lock
            if not messages._qsize() and self._reactor_checkpoint.is_set():
                messages.not_empty.wait(IDLE_WAIT)

    def _pass_checkpoint(self) -> None:
        """Stop while a ``send_*`` method owns the DIMSE queue (pynetdicom's pause).

        pynetdicom's sender clears the checkpoint and goes on once
        ``_is_paused`` is true; right after a checkpoint was set again that
        flag is still true from the last pause, so a reactor that was woken
        re-checks the checkpoint before it touches the queue.
        """
        while True:
            self._is_paused = True
            self._reactor_checkpoint.wait()
            self._is_paused = False
            if self._reactor_checkpoint.is_set():
                return

    def _run_reactor(self) -> None:
        """pynetdicom's ``_run_reactor`` with the 1 ms sleep replaced by a wait."""
        self._is_paused = False
        while not self._kill:
            self._wait_for_message()
            # pynetdicom lets the acceptor pause its reactor (send_* from a handler)
            self._pass_checkpoint()
            context_id, msg = self.dimse.get_msg(block=False)
            if msg and context_id is not None:
                self._serve_request(msg, context_id)
            if self._has_ended():
                return

    def _has_ended(self) -> bool:
        """The checks after each turn of pynetdicom's reactor; True: it was killed."""
        from pynetdicom import evt
        from pynetdicom.association import LOGGER

        # abort() sets _sent_abort before it restarts the reactor: an
        # A-RELEASE-RP after our A-ABORT would be an invalid event (Sta13)
        if self.is_established and not self._sent_abort and self.acse.is_release_requested():
            self.acse.send_release(is_response=True)
            LOGGER.info("Association Released")
            self.is_released = True
            self.is_established = False
            evt.trigger(self, evt.EVT_RELEASED, {})
        elif self.acse.is_aborted():
            LOGGER.info(
                "Association Aborted"
                + (" (A-P-ABORT)" if self.acse.is_aborted("a-p-abort") else "")
            )
            self.dul.receive_pdu(wait=False)  # EVT_ACSE_RECV for subscribers
            self.is_aborted = True
            self.is_established = False
            evt.trigger(self, evt.EVT_ABORTED, {})
        elif not self.dul.is_alive():
            pass
        elif self.dul.idle_timer_expired():
            LOGGER.error("Network timeout reached")
            if self.network_timeout_response == "A-RELEASE":
                self._is_paused = True
                self._reactor_checkpoint.wait()
                self.release()
                self._is_paused = False
            else:
                self.abort()
        else:
            return False
        self.kill()
        return True


class FastRequestHandlerMixin(_HandlerBase):
    """Creates associations that use the classes above."""

    def _create_association(self) -> Association:
        assoc = super()._create_association()
        make_fast(assoc)
        return assoc


@cache
def _classes() -> dict[str, type[Any]]:
    """The mixins built into pynetdicom's classes (imported on first use, by the network stage)."""
    from pynetdicom.association import Association
    from pynetdicom.dul import DULServiceProvider
    from pynetdicom.transport import AssociationSocket, RequestHandler

    return {
        "socket": type("FastSocket", (FastSocketMixin, AssociationSocket), {}),
        "dul": type("FastDUL", (FastDULMixin, DULServiceProvider), {}),
        "association": type("FastAssociation", (FastAssociationMixin, Association), {}),
        "handler": type("FastRequestHandler", (FastRequestHandlerMixin, RequestHandler), {}),
    }
