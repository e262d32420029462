"""The C-MOVE SCU: one association, C-MOVE requests on it, and its teardown.

Owns the main association as DCMTK's movescu requests it (spec 7.1: contexts 1
= FIND and 3 = MOVE with the ``-x…`` list, our identity, ``-pdu``, the three
timeouts, TCP_NODELAY), the response loop of each C-MOVE (spec 7.3: pending
responses, ``--cancel``, ``-pi``/``-pr``, message-ID checks, DIMSE failures) and
when the lines of :mod:`movescu.net.scu.log` are logged.  It does not decide
exit codes (the caller does, from :class:`MoveOutcome`), does not read query
files and does not store anything.  pynetdicom is used through
``AE.associate`` (of :mod:`movescu.net.seams.accel.requestor`'s AE), ``send_c_move``,
``send_c_cancel`` and event handlers.

Threads: responses are logged (and ``--cancel`` sent) by the ``EVT_DIMSE_RECV``
handler (of :class:`movescu.net.scu.responses.ResponseWatcher`, the base class)
in pynetdicom's reactor thread the moment they arrive, like DCMTK's
move callback; the caller's thread consumes ``send_c_move``'s generator and
decides the outcome.  A-ABORT / A-RELEASE-RQ PDUs from the peer are noticed by
an ``EVT_PDU_RECV`` handler.  A broken Move SCP (garbage, truncated, unknown or
oversized PDUs, responses without Status or on a wrong context, invalid
A-ASSOCIATE-RJ fields) is reported with DCMTK's condition through
:func:`movescu.net.scu.transport.guard_association` and these handlers, which wake
the response loop: never a traceback, never a wait without end when ``-td`` is
given.
"""

from __future__ import annotations

import logging
import queue
import socket
from typing import TYPE_CHECKING, Any

from movescu.config import Config, PendingDatasetHandling
from movescu.dicom import contexts, messages
from movescu.errors import (
    AssociationError,
    AssociationParametersError,
    CloseAssociationError,
    NoPresentationContextError,
)
from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from movescu.net.scu import log as movelog
from movescu.net.scu import transport
from movescu.net.scu.outcome import Ending, MoveOutcome
from movescu.net.scu.responses import MoveState, ResponseWatcher
from movescu.net.tls import setup as tls

if TYPE_CHECKING:
    from pydicom.dataset import Dataset
    from pynetdicom.association import Association

logger = logging.getLogger(__name__)

#: DICOM priority MEDIUM, what DCMTK's movescu sends (pynetdicom's default is LOW).
PRIORITY_MEDIUM = 0


class MoveAssociation(ResponseWatcher):
    """The main association of a run and the C-MOVEs sent on it.

    Parameters
    ----------
    config : Config
        The run's configuration (network options and query model are used).
    """

    def __init__(self, config: Config) -> None:
        net = config.network
        self.calling = net.ae_title[:16]
        self.called = net.called_ae_title[:16]
        #: dcmnet's "(<calling>,<called>)" in DIMSE warnings
        super().__init__(config, f"({self.calling},{self.called})")
        self.find_uid, self.move_uid = contexts.MODEL_SOP_CLASSES[config.query.model]
        self.transfer_syntaxes = contexts.proposed_transfer_syntaxes(net.proposed_transfer_syntax)
        #: the association being requested (known from EVT_CONN_OPEN, before
        #: ``associate`` returns): a signal during the request must end it
        self._opening: Association | None = None

    # ------------------------------------------------------------------ association

    def open(self) -> None:
        """Request the association; return once it is established.

        Raises
        ------
        AssociationParametersError
            The request could not be built (rc 65).
        AssociationError
            Rejected or failed (rc 61); the message holds DCMTK's F lines.
        NoPresentationContextError
            No proposed context was accepted (rc 66).
        """
        from pynetdicom import evt

        from movescu.net.seams import accel

        transport.silence_pynetdicom()
        transport.relax_ae_title_validation()
        net = self.config.network
        for title, which in ((self.calling, "Calling"), (self.called, "Called")):
            if not title:
                # DCMTK's ASC_requestAssociation refuses empty titles before connecting
                logger.info("Requesting Association")
                text = f"Illegal service parameter: {which} AP Title"
                logger.error(text)
                raise AssociationError(f"Association Request Failed:\n0006:030c {text}")
        try:
            # pynetdicom's AE (accelerator on: with net/seams/accel's event-driven reactors)
            accelerator = accel.decide(self.config.extras.no_accelerator)
            ae = accel.requestor_ae_class(accelerator)(ae_title=self.calling)
            ae.implementation_class_uid = IMPLEMENTATION_CLASS_UID
            ae.implementation_version_name = IMPLEMENTATION_VERSION_NAME
            ae.maximum_pdu_size = net.max_pdu
            ae.acse_timeout = net.acse_timeout
            ae.connection_timeout = net.connection_timeout
            # DCMTK: -td unlimited by default; pynetdicom's 30 s / 60 s must not leak
            ae.dimse_timeout = net.dimse_timeout
            # pynetdicom's idle timer is not DCMTK's -td (which only bounds the wait
            # for a message): idle while sub-associations deliver must not abort us
            ae.network_timeout = None
            # pynetdicom numbers contexts 1, 3, ... in order: FIND = 1, MOVE = 3 (spec 7.1)
            ae.add_requested_context(self.find_uid, self.transfer_syntaxes)
            ae.add_requested_context(self.move_uid, self.transfer_syntaxes)
        except (ValueError, TypeError) as exc:
            raise AssociationParametersError(str(exc)) from None
        self._ae = ae

        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Request Parameters:")
            movelog.log_lines(logging.DEBUG, messages.association_dump("RQ", self._summary(None)))
        address = transport.resolve_address(net.peer, net.port, net.ip_family)
        logger.info("Requesting Association")
        handlers = [
            (evt.EVT_CONN_OPEN, self._on_connection_open),
            (evt.EVT_PDU_RECV, self._on_pdu_received),
            (evt.EVT_DIMSE_RECV, self._on_dimse_received),
        ]
        with transport.connect_errors() as capture:
            try:
                assoc = ae.associate(
                    address,
                    net.port,
                    ae_title=self.called,
                    max_pdu=net.max_pdu,
                    evt_handlers=handlers,
                    tls_args=tls.client_tls_args(self.config.tls),
                )
            except (ValueError, TypeError, OSError) as exc:
                raise AssociationParametersError(str(exc)) from None
        self.assoc = assoc

        # our own record of the A-ASSOCIATE-RJ decides: pynetdicom's flag is racy
        if assoc.is_rejected or (self._rejection is not None and not assoc.is_established):
            result, source, code = self._rejection or (1, 1, 0x0101)
            # ASC_printRejectParameters: the reason text comes from the whole code
            lines = messages.rejection_lines(result, source, 1)[:1]
            lines += messages.rejection_lines(result, code >> 8, code & 0xFF)[1:]
            raise AssociationError("\n".join(["Association Rejected:", *lines]))
        if not assoc.is_established and not self._ac_received and self._unexpected_answer:
            # DCMTK 3.6.7 takes any other known PDU for an association without
            # contexts (rc 66)
            raise NoPresentationContextError("No Acceptable Presentation Contexts")
        if not assoc.is_established and not self._ac_received:
            if self._early_cause is not None and self._early_cause.startswith("0006:"):
                condition = self._early_cause
            elif capture.text is not None:
                # a failed TLS handshake is dcmtls' "000b:08xx TLS error: ..." condition
                condition = tls.handshake_failure(capture.text) or messages.tcp_error(capture.text)
            elif capture.acse_timeout:
                condition = messages.READ_TIMEOUT
            else:
                condition = messages.PEER_ABORTED
            raise AssociationError("Association Request Failed:\n" + condition)

        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Association Parameters Negotiated:")
            movelog.log_lines(logging.DEBUG, messages.association_dump("AC", self._summary(assoc)))
        # DCMTK counts an accepted context pynetdicom dropped (an ID or transfer
        # syntax never proposed): the association goes on and the C-MOVE then
        # fails with 0006:0208 (pynetdicom has ended it already)
        if not assoc.accepted_contexts and not self._ac_accepts_any:
            # DCMTK exits without releasing: the socket is just closed (spec 7.1);
            # pynetdicom has already sent an A-ABORT itself
            if assoc.is_established:
                assoc.abort()
            raise NoPresentationContextError("No Acceptable Presentation Contexts")
        their_max = assoc.acceptor.maximum_length or 0
        # DCMTK: Max Send PDV = peer's max PDU - 12 (PDV header), unlimited (0) stays 0
        logger.info("Association Accepted (Max Send PDV: %d)", max(their_max - 12, 0))

    def _summary(self, assoc: Association | None) -> messages.AssociationSummary:
        return movelog.association_summary(
            assoc,
            self.calling,
            self.called,
            self.config.network.max_pdu,
            [(1, self.find_uid), (3, self.move_uid)],
            self.transfer_syntaxes,
        )

    # ------------------------------------------------------------------ event handlers

    def _on_connection_open(self, event: Any) -> None:
        # Nagle would add ~40 ms per exchange with DCMTK-style peers (peers.md)
        try:
            sock = event.assoc.dul.socket.socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            timeout = self.config.network.dimse_timeout
            if timeout is not None:
                # a peer that stops inside a PDU would otherwise hold us for ever
                # (DCMTK 3.6.7 does wait): -td bounds it, as on the Storage SCP side
                sock.settimeout(float(timeout))
        except (AttributeError, OSError):
            pass
        self._opening = event.assoc
        transport.guard_association(event.assoc, self._on_guard, self.config.network.max_pdu)

    # ------------------------------------------------------------------ C-MOVE

    def move(
        self, identifier: Dataset, ts_name: str, msg_id: int, source: str = ""
    ) -> MoveOutcome:
        """Send one C-MOVE request and read its responses up to the final one.

        Parameters
        ----------
        identifier : pydicom.dataset.Dataset
            The request identifier, sent as built.
        ts_name : str
            DCMTK's name of the identifier's transfer syntax, for the ``-v`` dump.
        msg_id : int
            The Message ID (1, 2, 3 ... per association).
        source : str
            The query file (for messages), empty for a key-only identifier.

        Returns
        -------
        MoveOutcome
            The final status, or the DIMSE failure and how the association ends.
        """
        assert self.assoc is not None
        assoc = self.assoc
        move_context = next(
            (cx for cx in assoc.accepted_contexts if cx.abstract_syntax == self.move_uid), None
        )
        if move_context is None:
            return MoveOutcome(None, Ending.ABORT, messages.NO_VALID_CONTEXT)
        destination = self.config.network.effective_move_destination
        self._move_ts = str(move_context.transfer_syntax[0])
        movelog.log_request(
            move_context.context_id or 0,
            msg_id,
            self.move_uid,
            PRIORITY_MEDIUM,
            destination,
            identifier,
            ts_name,
        )
        self._drain_received()
        self._failure = None
        self._state = MoveState(msg_id, move_context.context_id or 0)
        try:
            responses = assoc.send_c_move(
                identifier, destination, self.move_uid, msg_id=msg_id, priority=PRIORITY_MEDIUM
            )
        except (ValueError, RuntimeError):
            return MoveOutcome(
                None, Ending.ABORT, "0006:0202 DIMSE Inappropriate data for message"
            )
        try:
            return self._read_responses(responses, msg_id)
        finally:
            self._state = None

    def _drain_received(self) -> None:
        while True:
            try:
                self._received.get_nowait()
            except queue.Empty:
                return

    def _read_responses(self, responses: Any, msg_id: int) -> MoveOutcome:
        # the lines and --cancel were handled by _report when each response arrived
        ignore = self.config.network.pending_handling is PendingDatasetHandling.IGNORE
        pending = 0
        for status_ds, _identifier in responses:
            raw = self._next_raw() if "Status" in status_ds else None
            if raw is None:
                responses.close()
                return self._dimse_failure(pending)
            command = raw.command_set
            got_id = int(command.get("MessageIDBeingRespondedTo", msg_id))
            if got_id != msg_id:
                responses.close()
                return MoveOutcome(
                    None, Ending.ABORT, messages.unexpected_msg_id(got_id, msg_id), pending
                )
            status = int(status_ds.Status)
            if status == 0xFF00:
                pending += 1
                if ignore and movelog.has_data_set(command):
                    # DCMTK -pi: the data PDVs are then misread as the next command
                    responses.close()
                    return MoveOutcome(None, Ending.ABORT, messages.COMMAND_READ_FAILED, pending)
                continue
            return MoveOutcome(status, Ending.OPEN, None, pending, movelog.counters(command))
        return self._dimse_failure(pending)

    def _next_raw(self) -> Any:
        # EVT_DIMSE_RECV runs before pynetdicom queues the response: it is already here
        try:
            return self._received.get(timeout=1)
        except queue.Empty:
            return None

    def _dimse_failure(self, pending: int) -> MoveOutcome:
        if self._failure is not None:
            return MoveOutcome(None, Ending.ABORT, self._failure, pending)
        if self._peer_released:
            return MoveOutcome(None, Ending.PEER_RELEASED, messages.PEER_RELEASED, pending)
        if self._peer_aborted:
            return MoveOutcome(None, Ending.PEER_ABORTED, messages.PEER_ABORTED, pending)
        if self.config.network.dimse_timeout is not None and not self._connection_closed():
            return MoveOutcome(None, Ending.ABORT, messages.DIMSE_TIMEOUT, pending)
        return MoveOutcome(None, Ending.PEER_ABORTED, messages.PEER_ABORTED, pending)

    def _connection_closed(self) -> bool:
        assoc = self.assoc
        return assoc is not None and assoc.acse.is_aborted("a-p-abort")

    def _send_cancel(self, msg_id: int, context_id: int) -> None:
        assert self.assoc is not None
        logger.info("Sending Cancel Request (MsgID %d, PresID %d)", msg_id, context_id)
        try:
            self.assoc.send_c_cancel(msg_id, context_id=context_id)
        except (ValueError, RuntimeError) as exc:
            logger.error("Cancel Request Failed: %s", exc)

    # ------------------------------------------------------------------ teardown

    def release(self) -> None:
        """A-RELEASE (``I: Releasing Association``); raises CloseAssociationError (rc 67)."""
        assert self.assoc is not None
        logger.info("Releasing Association")
        if not self.assoc.is_established:
            raise CloseAssociationError("Association Release Failed:\n" + messages.PEER_ABORTED)
        self.assoc.release()
        if not self.assoc.is_released:
            # no A-RELEASE-RP within -ta (pynetdicom then aborts), unless the peer aborted
            reason = messages.PEER_ABORTED if self._peer_aborted else messages.READ_TIMEOUT
            raise CloseAssociationError("Association Release Failed:\n" + reason)

    def abort(self) -> None:
        """A-ABORT (``I: Aborting Association``)."""
        assert self.assoc is not None
        logger.info("Aborting Association")
        if self.assoc.is_established:
            self.assoc.abort()

    def close(self, ending: Ending, abort_requested: bool) -> None:
        """End the association the way DCMTK does after the last C-MOVE (spec 7.5)."""
        if self.assoc is None:
            return
        if ending is Ending.OPEN:
            if abort_requested:
                self.abort()
            else:
                self.release()
        elif ending is Ending.PEER_RELEASED:
            logger.error("Protocol Error: Peer requested release (Aborting)")
            self.abort()
        elif ending is Ending.PEER_ABORTED:
            logger.info("Peer Aborted Association")
        else:
            self.abort()

    def shutdown(self) -> None:
        """Make sure no association thread outlives the run (idempotent)."""
        if self.assoc is not None and self.assoc.is_established:
            self.assoc.abort()
        opening = self._opening
        if self.assoc is None and opening is not None and opening.dul.is_alive():
            # interrupted while requesting (Ctrl-C, SIGTERM): pynetdicom's DUL thread
            # is not a daemon and would keep the process alive
            opening.abort()
        ae = getattr(self, "_ae", None)
        if ae is not None:
            ae.shutdown()
