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
handler (of its :class:`movescu.net.scu.responses.ResponseWatcher`)
in pynetdicom's reactor thread the moment they arrive, like DCMTK's
move callback; the caller's thread consumes ``send_c_move``'s generator and
decides the outcome.  A-ABORT / A-RELEASE-RQ PDUs from the peer are noticed by
an ``EVT_PDU_RECV`` handler.  A broken Move SCP (garbage, truncated, unknown or
oversized PDUs, responses without Status or on a wrong context, invalid
A-ASSOCIATE-RJ fields) is reported with DCMTK's condition through
:mod:`movescu.net.guards` (:data:`~movescu.net.guards.REQUESTOR`) and these
handlers, which wake the response loop: never a traceback, never a wait without
end when ``-td`` is given.  The process-wide pynetdicom settings it needs
(:mod:`movescu.net.seams.settings`) are installed by :meth:`MoveAssociation.open`
and undone by :meth:`MoveAssociation.shutdown`.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from movescu.config import Config, PendingDatasetHandling
from movescu.dicom import conditions, contexts, messages
from movescu.dicom.dimse import STATUS_PENDING, has_data_set, suboperation_counters
from movescu.dicom.pdata import receive_pdu, send_fragment, send_pdv
from movescu.errors import (
    AssociationError,
    AssociationParametersError,
    CloseAssociationError,
    NoPresentationContextError,
)
from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from movescu.logblock import block_aware_logger, together
from movescu.net import guards
from movescu.net.scu import log as movelog
from movescu.net.scu import transport
from movescu.net.scu.outcome import Ending, MoveOutcome
from movescu.net.scu.responses import ResponseWatcher
from movescu.net.seams import hooks, settings
from movescu.net.seams.identifier import identifier_encoded_as_dcmtk
from movescu.net.tls import setup as tls

if TYPE_CHECKING:
    from pydicom.dataset import Dataset
    from pynetdicom.association import Association

logger = block_aware_logger(__name__)

#: DICOM priority MEDIUM, what DCMTK's movescu sends (pynetdicom's default is LOW).
PRIORITY_MEDIUM = 0


class MoveAssociation:
    """The main association of a run and the C-MOVEs sent on it.

    Parameters
    ----------
    config : Config
        The run's configuration (network options and query model are used).
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        net = config.network
        self.calling = net.ae_title[:16]
        self.called = net.called_ae_title[:16]
        #: what arrives on the association, seen in pynetdicom's reactor thread;
        #: dcmnet's "(<calling>,<called>)" in DIMSE warnings
        self.responses = ResponseWatcher(
            config, f"({self.calling},{self.called})", self._send_cancel
        )
        self.find_uid, self.move_uid = contexts.MODEL_SOP_CLASSES[config.query.model]
        self.transfer_syntaxes = contexts.proposed_transfer_syntaxes(net.proposed_transfer_syntax)
        #: the maximum PDU length we announce: ``-pdu``, made even as DCMTK does
        self.our_max_pdu = receive_pdu(net.max_pdu)[0]
        self.assoc: Association | None = None
        #: the association being requested (known from EVT_CONN_OPEN, before
        #: ``associate`` returns): a signal during the request must end it
        self._opening: Association | None = None
        self._ae: Any = None
        self._undo_settings: Callable[[], None] | None = None

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
        if self._undo_settings is None:
            self._undo_settings = settings.install(self.config)
        self._check_titles()
        self._ae = self._make_ae()
        assoc, capture = self._request(self._ae)
        self.assoc = self.responses.assoc = assoc
        self._check_answer(assoc, capture)
        self._check_negotiated(assoc)

    def _check_titles(self) -> None:
        """DCMTK's ASC_requestAssociation refuses empty titles before connecting.

        pynetdicom cannot send a title of spaces only or with non-ASCII
        characters either (DCMTK sends them as they are): refused the same way,
        in DCMTK's words, not pynetdicom's.
        """
        for title, which in ((self.calling, "Calling"), (self.called, "Called")):
            if not title.strip() or not title.isascii():
                logger.info("Requesting Association")
                text = f"Illegal service parameter: {which} AP Title"
                logger.error(text)
                raise AssociationError(
                    "Association Request Failed:\n" + conditions.illegal_service_parameter(text)
                )

    def _make_ae(self) -> Any:
        """Our requestor AE: identity, ``-pdu``, timeouts, the FIND and MOVE contexts."""
        from movescu.net.seams import accel

        net = self.config.network
        try:
            # pynetdicom's AE (accelerator on: with net/seams/accel's event-driven reactors)
            accelerator = accel.decide(self.config.extras.no_accelerator)
            ae = accel.requestor_ae_class(accelerator)(ae_title=self.calling)
            ae.implementation_class_uid = IMPLEMENTATION_CLASS_UID
            ae.implementation_version_name = IMPLEMENTATION_VERSION_NAME
            ae.maximum_pdu_size = self.our_max_pdu
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
        except (ValueError, TypeError):
            # not reachable from the command line (its checks come first); no Python text
            raise AssociationParametersError(
                conditions.illegal_service_parameter("Illegal service parameter")
            ) from None
        return ae

    def _request(self, ae: Any) -> tuple[Association, transport.TransportErrors]:
        """Send the A-ASSOCIATE-RQ; pynetdicom's connect errors are captured, not raised."""
        from pynetdicom import evt

        net = self.config.network
        for warning in receive_pdu(net.max_pdu)[1]:
            logger.warning("%s", warning)
        if logger.isEnabledFor(logging.DEBUG):
            with together():
                logger.debug("Request Parameters:")
                rq_dump = messages.association_dump("RQ", self._summary(None))
                movelog.log_lines(logging.DEBUG, rq_dump)
        address = transport.resolve_address(net.peer, net.port, net.ip_family)
        logger.info("Requesting Association")
        handlers = [
            (evt.EVT_CONN_OPEN, self._on_connection_open),
            (evt.EVT_PDU_RECV, self.responses.on_pdu_received),
            (evt.EVT_DIMSE_RECV, self.responses.on_dimse_received),
        ]
        with transport.connect_errors() as capture:
            try:
                assoc = ae.associate(
                    address,
                    net.port,
                    ae_title=self.called,
                    max_pdu=self.our_max_pdu,
                    evt_handlers=handlers,
                    tls_args=tls.client_tls_args(self.config.tls),
                )
            except (ValueError, TypeError, OSError):
                # titles are checked before (_check_titles); no Python text
                raise AssociationParametersError(
                    conditions.illegal_service_parameter("Illegal service parameter")
                ) from None
        return assoc, capture

    def _check_answer(self, assoc: Association, capture: transport.TransportErrors) -> None:
        """Raise DCMTK's error when the request was rejected, answered oddly or failed."""
        seen = self.responses
        # our own record of the A-ASSOCIATE-RJ decides: pynetdicom's flag is racy
        if assoc.is_rejected or (seen.rejection is not None and not assoc.is_established):
            result, source, code = seen.rejection or (1, 1, 0x0101)
            # ASC_printRejectParameters: the reason text comes from the whole code
            lines = messages.rejection_lines(result, source, 1)[:1]
            lines += messages.rejection_lines(result, code >> 8, code & 0xFF)[1:]
            raise AssociationError("\n".join(["Association Rejected:", *lines]))
        if assoc.is_established or seen.ac_received:
            return
        if seen.unexpected_answer:
            # DCMTK 3.6.7 takes any other known PDU for an association without
            # contexts (rc 66)
            raise NoPresentationContextError("No Acceptable Presentation Contexts")
        early = seen.early_fault
        if early is not None and early.condition is not None:
            condition = early.condition
        elif capture.text is not None:
            # a failed TLS handshake is dcmtls' "000b:08xx TLS error: ..." condition
            condition = tls.handshake_failure(
                capture.text, tls_in_use=self.config.tls.enabled
            ) or conditions.tcp_error(capture.text)
        elif capture.acse_timeout:
            condition = conditions.READ_TIMEOUT
        else:
            condition = conditions.PEER_ABORTED
        raise AssociationError("Association Request Failed:\n" + condition)

    def _check_negotiated(self, assoc: Association) -> None:
        """Log the negotiated parameters; raise when no context was accepted."""
        their_max = assoc.acceptor.maximum_length or 0
        pdv, warnings = send_pdv(their_max)
        for warning in warnings:
            logger.warning("%s", warning)
        # the PDVs DCMTK sends, not pynetdicom's
        hooks.limit_send_fragments(assoc, send_fragment(their_max))
        if logger.isEnabledFor(logging.DEBUG):
            with together():
                logger.debug("Association Parameters Negotiated:")
                ac_dump = messages.association_dump("AC", self._summary(assoc))
                movelog.log_lines(logging.DEBUG, ac_dump)
        # DCMTK counts an accepted context pynetdicom dropped (an ID or transfer
        # syntax never proposed): the association goes on and the C-MOVE then
        # fails with 0006:0208 (pynetdicom has ended it already)
        if not assoc.accepted_contexts and not self.responses.ac_accepts_any:
            # DCMTK exits without releasing: the socket is just closed (spec 7.1);
            # pynetdicom has already sent an A-ABORT itself
            if assoc.is_established:
                hooks.abort_and_wait(assoc)
            raise NoPresentationContextError("No Acceptable Presentation Contexts")
        logger.info("Association Accepted (Max Send PDV: %d)", pdv)

    def _summary(self, assoc: Association | None) -> messages.AssociationSummary:
        return movelog.association_summary(
            assoc,
            self.calling,
            self.called,
            self.our_max_pdu,
            [(1, self.find_uid), (3, self.move_uid)],
            self.transfer_syntaxes,
        )

    # ------------------------------------------------------------------ event handlers

    def _on_connection_open(self, event: Any) -> None:
        # Nagle would add ~40 ms per exchange with DCMTK-style peers (peers.md)
        sock = hooks.connection_socket(event.assoc)
        try:
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                timeout = self.config.network.dimse_timeout
                if timeout is not None:
                    # a peer that stops inside a PDU would otherwise hold us for ever
                    # (DCMTK 3.6.7 does wait): -td bounds it, as on the Storage SCP side
                    sock.settimeout(float(timeout))
        except OSError:
            pass
        self._opening = event.assoc
        guards.install_guards(
            event.assoc, guards.REQUESTOR, self.our_max_pdu, self.responses.on_guard
        )

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
            return MoveOutcome(None, Ending.ABORT, conditions.NO_VALID_CONTEXT)
        destination = self.config.network.effective_move_destination
        movelog.log_request(
            move_context.context_id or 0,
            msg_id,
            self.move_uid,
            PRIORITY_MEDIUM,
            destination,
            identifier,
            ts_name,
        )
        self.responses.begin_move(
            msg_id, move_context.context_id or 0, str(move_context.transfer_syntax[0])
        )
        if not destination.strip() or not destination.isascii():
            # pynetdicom cannot send it (DCMTK sends it as it is): not in pynetdicom's words
            return MoveOutcome(None, Ending.ABORT, conditions.INAPPROPRIATE_DATA)
        try:
            with identifier_encoded_as_dcmtk(identifier):  # DCMTK's lengths and group lengths
                responses = assoc.send_c_move(
                    identifier, destination, self.move_uid, msg_id=msg_id, priority=PRIORITY_MEDIUM
                )
        except (ValueError, RuntimeError):
            return MoveOutcome(None, Ending.ABORT, conditions.INAPPROPRIATE_DATA)
        try:
            return self._read_responses(responses, msg_id)
        finally:
            self.responses.end_move()

    def _read_responses(self, responses: Any, msg_id: int) -> MoveOutcome:
        # the lines and --cancel were handled by _report when each response arrived
        ignore = self.config.network.pending_handling is PendingDatasetHandling.IGNORE
        pending = 0
        for status_ds, _identifier in responses:
            raw = self.responses.next_received() if "Status" in status_ds else None
            if raw is None:
                responses.close()
                return self._dimse_failure(pending)
            command = raw.command_set
            got_id = int(command.get("MessageIDBeingRespondedTo", msg_id))
            if got_id != msg_id:
                responses.close()
                return MoveOutcome(
                    None, Ending.ABORT, conditions.unexpected_msg_id(got_id, msg_id), pending
                )
            status = int(status_ds.Status)
            if status == STATUS_PENDING:
                pending += 1
                if ignore and has_data_set(command):
                    # DCMTK -pi: the data PDVs are then misread as the next command
                    responses.close()
                    return MoveOutcome(None, Ending.ABORT, conditions.COMMAND_READ_FAILED, pending)
                continue
            return MoveOutcome(status, Ending.OPEN, None, pending, suboperation_counters(command))
        return self._dimse_failure(pending)

    def _dimse_failure(self, pending: int) -> MoveOutcome:
        seen = self.responses
        if seen.failure is not None:
            return MoveOutcome(None, Ending.ABORT, seen.failure, pending)
        if seen.peer_released:
            return MoveOutcome(None, Ending.PEER_RELEASED, conditions.PEER_RELEASED, pending)
        if seen.peer_aborted:
            return MoveOutcome(None, Ending.PEER_ABORTED, conditions.PEER_ABORTED, pending)
        if self.config.network.dimse_timeout is not None and not self._connection_closed():
            return MoveOutcome(None, Ending.ABORT, conditions.DIMSE_TIMEOUT, pending)
        return MoveOutcome(None, Ending.PEER_ABORTED, conditions.PEER_ABORTED, pending)

    def _connection_closed(self) -> bool:
        assoc = self.assoc
        return assoc is not None and hooks.transport_aborted(assoc)

    def _send_cancel(self, msg_id: int, context_id: int) -> None:
        assert self.assoc is not None
        logger.info("Sending Cancel Request (MsgID %d, PresID %d)", msg_id, context_id)
        try:
            self.assoc.send_c_cancel(msg_id, context_id=context_id)
        except (ValueError, RuntimeError):
            # pynetdicom refuses a C-CANCEL once the association is gone: told as
            # DCMTK's DUL condition for that, not in pynetdicom's words
            logger.error("Cancel Request Failed: %s", conditions.NETWORK_CLOSED)

    # ------------------------------------------------------------------ teardown

    def release(self) -> None:
        """A-RELEASE (``I: Releasing Association``); raises CloseAssociationError (rc 67)."""
        assert self.assoc is not None
        logger.info("Releasing Association")
        if not self.assoc.is_established:
            raise CloseAssociationError("Association Release Failed:\n" + conditions.PEER_ABORTED)
        self.assoc.release()
        if not self.assoc.is_released:
            # no A-RELEASE-RP within -ta (pynetdicom then aborts), unless the peer aborted
            reason = (
                conditions.PEER_ABORTED if self.responses.peer_aborted else conditions.READ_TIMEOUT
            )
            raise CloseAssociationError("Association Release Failed:\n" + reason)

    def abort(self) -> None:
        """A-ABORT (``I: Aborting Association``)."""
        assert self.assoc is not None
        logger.info("Aborting Association")
        if self.assoc.is_established:
            hooks.abort_and_wait(self.assoc)

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
            hooks.abort_and_wait(self.assoc)
        opening = self._opening
        if self.assoc is None and opening is not None and hooks.reactor_alive(opening):
            # interrupted while requesting (Ctrl-C, SIGTERM): pynetdicom's DUL thread
            # is not a daemon and would keep the process alive
            opening.abort()
        if self._ae is not None:
            self._ae.shutdown()
        undo, self._undo_settings = self._undo_settings, None
        if undo is not None:
            undo()
