"""C-STORE requests received, stored and answered in the sub-association's DUL thread (issue 6).

pynetdicom's way with one C-STORE: its DUL thread decodes every P-DATA-TF PDU
and runs the state machine (DT-2); the DIMSE provider decodes the command set
with pydicom and appends the data fragments to a spool file; the complete
message goes through a queue to the association's reactor thread, which runs
the Storage service class and the ``EVT_C_STORE`` handler, then builds the
response with pydicom and queues it back to the DUL thread, which runs the
state machine again (DT-1) and sends it.  Thread hand-overs and pydicom's
per-element work put about a millisecond per object on the path between the
last byte in and the response out, while the sender waits.

This module owns doing the same for the common, clean case inside the DUL
thread, when a PDU arrives in state Sta6 (:class:`StoreStream`):

* a PDU holding exactly one PDV, the last (or only) fragment of a clean
  C-STORE-RQ command set (:func:`movescu.dicom.commandset.store_request_fields`)
  on an accepted context, for a Storage SOP class, with a data set: the
  request primitive is built and pynetdicom's spool file is opened the way
  its decoder opens it (the same hooks, the same header);
* PDUs holding data fragments of that message: appended to the spool file;
* the last fragment: the ``EVT_C_STORE`` handlers run here, with pynetdicom's
  rules for their exceptions (0xC211) and statuses, the spool file is closed
  and removed as pynetdicom does, and a plain C-STORE-RSP is written on the
  socket (:func:`movescu.dicom.commandset.encode_store_response`); any other status goes through
  pynetdicom's DIMSE provider;
* data fragments of a message pynetdicom decodes itself are appended to its
  spool file (all but the last fragment, which it handles).

Whole PDUs already in the socket's receive buffer are taken in place
(:meth:`StoreStream.drain`: no copy, no read call; :mod:`movescu.dicom.pdata`
takes them apart); the next spool file is opened right after each answer,
while the sender prepares its next object; ``-td``'s idle timer stands still
while the handler stores.

The observer (the Storage SCP's :class:`movescu.net.scp.monitor.PduMonitor`) is
told of the command set and of each data fragment in place of
``EVT_PDU_RECV``.  Anything else, or a message that stops being clean half-way
(a PDV on another context, a command fragment, a last fragment followed by
more PDVs), goes to pynetdicom: a message in progress is first handed over as
the decoder would have left it (:meth:`StoreStream._hand_over`).  No state
transition changes: P-DATA in Sta6 keeps Sta6.  The fast path is not used
while handlers it would bypass are bound (``EVT_DIMSE_RECV``,
``EVT_DIMSE_SENT``, ``EVT_PDU_SENT``, ``EVT_DATA_RECV``, ``EVT_DATA_SENT``).
The ``EVT_C_STORE`` handler runs in the DUL thread: it must not call the
association's ``send_*`` methods (the Storage SCP's never does).  Must not log
anything pynetdicom would not, nor decide statuses (the handler does).
"""

from __future__ import annotations

import os
import struct
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from movescu.dicom.commandset import encode_store_response, store_request_fields
from movescu.dicom.dimse import C_STORE_RQ, NO_DATA_SET, STATUS_HANDLER_EXCEPTION
from movescu.dicom.pdata import PduBytes, PdvItem, p_data_tf, pdv_items
from movescu.logblock import block_aware_logger
from movescu.net.seams.accel.spool import discard_spool_file, new_spool_file, start_spool_file

if TYPE_CHECKING:
    from pynetdicom.association import Association

logger = block_aware_logger(__name__)


class StoreObserver(Protocol):
    """Who is told what arrived (the Storage SCP's PDU monitor)."""

    def on_command(self, command: bytes, context_id: int) -> None:
        """A complete command set arrived on ``context_id`` (before anything is done)."""

    def on_data_fragment(self, last: bool) -> None:
        """One data fragment arrived (``last``: the data set's last)."""


class BufferedSocket(Protocol):
    """The receive-buffer access of ``FastSocket`` (accel/fastsocket.py)."""

    def buffered_view(self) -> memoryview:
        """The received bytes not yet handed out."""
        ...

    def skip(self, count: int) -> None:
        """Hand out ``count`` buffered bytes without copying them."""


class _Message:
    """A C-STORE-RQ being received by the fast path."""

    __slots__ = ("command", "context", "context_id", "request", "spool")

    def __init__(
        self, context_id: int, context: Any, command: bytes, request: Any, spool: Any
    ) -> None:
        self.context_id = context_id
        self.context = context
        self.command = command
        self.request = request
        self.spool = spool


class StoreStream:
    """The C-STORE fast path of one sub-association (see the module docstring).

    Parameters
    ----------
    assoc : Association
        The acceptor association (its DUL thread calls :meth:`consume`).
    observer : StoreObserver
        Told of each command set and data fragment the fast path consumes.
    """

    #: events whose handlers the fast path would not trigger: bound ones turn it off
    BYPASSED_EVENTS = (
        "EVT_DIMSE_RECV",
        "EVT_DIMSE_SENT",
        "EVT_PDU_SENT",
        "EVT_DATA_RECV",
        "EVT_DATA_SENT",
    )

    def __init__(self, assoc: Association, observer: StoreObserver, max_pdu: int = 0) -> None:
        self.assoc = assoc
        self.observer = observer
        #: our maximum PDU receive length (``-pdu``; 0: none): longer PDUs are the guard's
        self.max_pdu = max_pdu
        self._message: _Message | None = None
        #: a spool file opened ahead, while the peer prepares its next request
        self._spare: Any | None = None

    def close(self) -> None:
        """The association ended: close and remove the spool file opened ahead, if any."""
        spare, self._spare = self._spare, None
        if spare is not None:
            discard_spool_file(spare)

    def drain(self, sock: BufferedSocket) -> bool:
        """Take the whole P-DATA-TF PDUs waiting in ``sock``'s receive buffer, in place.

        Each is given to :meth:`consume` straight from the buffer (no copy, no
        read call); the first that is incomplete, of another type, longer
        than ``-pdu`` (net/guards.py reports it) or not taken stays buffered for
        the DUL's normal read.

        Parameters
        ----------
        sock : BufferedSocket
            The association's ``FastSocket`` (state Sta6).

        Returns
        -------
        bool
            True when at least one PDU was taken.
        """
        taken = False
        limit = self.max_pdu
        assoc = self.assoc
        while True:
            if taken and (assoc.dul.to_provider_queue.queue or not assoc.is_established):
                return True  # something to send (an A-ABORT?) first: the DUL's turn
            view = sock.buffered_view()
            try:
                if len(view) < 6 or view[0] != 0x04:
                    return taken
                (length,) = struct.unpack_from(">L", view, 2)
                if (limit and length > limit) or len(view) < 6 + length:
                    return taken
                if not self.consume(view[: 6 + length]):
                    return taken
            finally:
                view.release()
            sock.skip(6 + length)
            taken = True

    # ------------------------------------------------------------------ receiving

    def consume(self, pdu: PduBytes) -> bool:
        """Handle one received P-DATA-TF PDU in state Sta6, or leave it to pynetdicom.

        Parameters
        ----------
        pdu : bytearray or memoryview
            The whole PDU, header included (only valid during the call).

        Returns
        -------
        bool
            True when the PDU was handled; False: pynetdicom decodes it (any
            message of ours in progress was handed over first).
        """
        items = pdv_items(pdu)
        message = self._message
        if message is not None:
            if items is not None and self._data_only(items, message.context_id):
                self._append(pdu, items, message)
                return True
            self._hand_over()
            return False
        if items is None:
            return False
        if self.assoc.dimse.message is not None:
            return self._append_to_pynetdicom(pdu, items)
        if len(items) == 1 and items[0][1] & 0x03 == 0x03:
            context_id, _, start, stop = items[0]
            return self._start(context_id, bytes(pdu[start:stop]))
        return False

    @staticmethod
    def _data_only(items: list[PdvItem], context_id: int) -> bool:
        """Only data fragments on ``context_id``; a last one only at the end."""
        final = len(items) - 1
        for index, (item_context, control, _, _) in enumerate(items):
            if item_context != context_id or control & 0x01:
                return False
            if control & 0x02 and index != final:
                return False
        return True

    def _append(self, pdu: PduBytes, items: list[PdvItem], message: _Message) -> None:
        view = memoryview(pdu)
        write = message.spool.write
        observer = self.observer
        last = False
        for _, control, start, stop in items:
            write(view[start:stop])
            last = bool(control & 0x02)
            _notify(observer.on_data_fragment, last)
        del view
        if last:
            self._message = None
            self._complete(message)

    def _append_to_pynetdicom(self, pdu: PduBytes, items: list[PdvItem]) -> bool:
        """Non-last data fragments of the C-STORE data set pynetdicom is spooling."""
        message: Any = self.assoc.dimse.message
        spool = getattr(message, "_data_set_file", None)
        if spool is None:
            return False
        context_id = message.context_id
        for item_context, control, _, _ in items:
            if item_context != context_id or control & 0x03:
                return False  # another context, a command or the last fragment
        view = memoryview(pdu)
        for _, _, start, stop in items:
            spool.write(view[start:stop])
            _notify(self.observer.on_data_fragment, False)
        return True

    def _start(self, context_id: int, command: bytes) -> bool:
        """Take a complete C-STORE-RQ command set, or return False for pynetdicom."""
        from pynetdicom import _config, evt
        from pynetdicom.dimse_primitives import C_STORE
        from pynetdicom.service_class import StorageServiceClass
        from pynetdicom.sop_class import uid_to_service_class

        fields = store_request_fields(command)
        if fields is None or fields.command_field != C_STORE_RQ:
            return False
        if fields.data_set_type is None or fields.data_set_type == NO_DATA_SET:
            return False
        assoc = self.assoc
        context = assoc._accepted_cx.get(context_id)
        if context is None or not assoc.is_established or assoc._sent_release:
            return False
        if _config.UNRESTRICTED_STORAGE_SERVICE or assoc.acceptor.accepted_common_extended:
            return False
        if any(assoc.get_handlers(getattr(evt, name)) for name in self.BYPASSED_EVENTS):
            return False
        request = C_STORE()
        try:
            for name, value in fields.values:
                setattr(request, name, value)
        except (TypeError, ValueError):
            return False  # pynetdicom's conversion reports it
        request.DataSet = BytesIO()
        request._context_id = context_id
        if not request.is_valid_request:
            return False
        if uid_to_service_class(str(request.AffectedSOPClassUID)) is not StorageServiceClass:
            return False
        spare, self._spare = self._spare, None
        spool = start_spool_file(request, context, spare)
        if spool is None:
            return False
        request._dataset_path = Path(spool.name)
        request._dataset_file = spool
        self._message = _Message(context_id, context, command, request, spool)
        _notify(lambda data: self.observer.on_command(data, context_id), command)
        return True

    def _hand_over(self) -> None:
        """Give the message in progress to pynetdicom, as its decoder would have left it."""
        from pynetdicom.dimse_messages import C_STORE_RQ
        from pynetdicom.dsutils import decode

        message, self._message = self._message, None
        if message is None:
            return
        pending = C_STORE_RQ()
        pending.encoded_command_set = BytesIO()
        pending.encoded_command_set.write(message.command)
        pending.command_set = decode(pending.encoded_command_set, True, True)
        pending.context_id = message.context_id
        pending._data_set_file = message.spool
        pending._data_set_path = Path(message.spool.name)
        self.assoc.dimse.message = pending

    # ------------------------------------------------------------------ answering

    def _complete(self, message: _Message) -> None:
        """The data set is in: run the handlers and answer, as pynetdicom's service would."""
        from pynetdicom import evt
        from pynetdicom.association import LOGGER as ASSOC_LOGGER
        from pynetdicom.service_class import LOGGER as SERVICE_LOGGER

        spool = message.spool
        spool.flush()
        request = message.request
        assoc = self.assoc
        if assoc._sent_release:
            ASSOC_LOGGER.warning("C-STORE message received during association release, ignoring")
            return
        assoc.dimse.cancel_req = {}
        status: Any = None
        failed = False
        # -td limits waiting for the peer, not storing (DCMTK reads nothing meanwhile):
        # the idle timer stands still while the handler runs (the reactor thread
        # checks it all the time), and runs again once we answered
        idle_timer = getattr(assoc.dul, "_idle_timer", None)
        if idle_timer is not None:
            idle_timer.restart()
            idle_timer.stop()
        # as pynetdicom's service classes: a handler's abort() must not wait for us
        assoc.abort = assoc._abort_nonblocking  # type: ignore[method-assign]
        try:
            status = evt.trigger(
                assoc,
                evt.EVT_C_STORE,
                {"request": request, "context": message.context.as_tuple},
            )
        except Exception as exc:  # pynetdicom's attempt(): logged, answered with 0xC211
            SERVICE_LOGGER.error("Exception in handler bound to 'evt.EVT_C_STORE'")
            SERVICE_LOGGER.exception(exc)
            failed = True
        finally:
            assoc.abort = assoc._abort_blocking  # type: ignore[method-assign]
            spool.close()
            try:
                os.unlink(spool.name)  # pynetdicom removes its spool file (if still there)
            except OSError:
                pass
        try:
            if failed:
                self._respond(message, STATUS_HANDLER_EXCEPTION)
                return
            if not assoc.is_established:
                return  # the handler aborted or released: no answer
            if type(status) is int and self._known_status(status):
                self._respond(message, status)
            else:
                self._respond_through_pynetdicom(message, status)
        finally:
            if idle_timer is not None:
                idle_timer.restart()
        # creating a file costs this machine ~0.4 ms: open the next spool file
        # now, while the sender reads our answer and prepares its next object
        self._spare = new_spool_file()

    @staticmethod
    def _known_status(status: int) -> bool:
        from pynetdicom.service_class import StorageServiceClass

        return 0 <= status <= 0xFFFF and status in StorageServiceClass.statuses

    def _respond(self, message: _Message, status: int) -> None:
        """Write a plain C-STORE-RSP on the socket (pynetdicom's DT-1 in Sta6)."""
        request = message.request
        dimse = self.assoc.dimse
        dul = self.assoc.dul
        command = encode_store_response(
            int(request.MessageID),
            str(request.AffectedSOPClassUID),
            str(request.AffectedSOPInstanceUID),
            status,
        )
        pdu = p_data_tf(message.context_id, 0x03, command)
        max_pdu = dimse.maximum_pdu_size or 0
        sock = dul.socket
        if (max_pdu and len(pdu) > max_pdu) or sock is None:
            self._respond_through_pynetdicom(message, status)
            return
        if dul.state_machine.current_state != "Sta6":
            self._respond_through_pynetdicom(message, status)
            return
        sock.send(pdu)

    def _respond_through_pynetdicom(self, message: _Message, status: Any) -> None:
        """Any other status (or a response that does not fit one PDU): pynetdicom's way."""
        from pynetdicom.dimse_primitives import C_STORE
        from pynetdicom.service_class import StorageServiceClass

        request = message.request
        response = C_STORE()
        response.MessageID = request.MessageID
        response.MessageIDBeingRespondedTo = request.MessageID
        response.AffectedSOPInstanceUID = request.AffectedSOPInstanceUID
        response.AffectedSOPClassUID = request.AffectedSOPClassUID
        response = StorageServiceClass(self.assoc).validate_status(status, response)
        self.assoc.dimse.send_msg(response, message.context_id)


def _notify(callback: Any, argument: Any) -> None:
    """Call an observer method; a failing observer is logged, as a failing event handler."""
    try:
        callback(argument)
    except Exception:  # as pynetdicom treats a failing EVT_PDU_RECV handler
        logger.debug("store observer failed")
