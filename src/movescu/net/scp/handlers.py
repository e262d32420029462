"""The Storage SCP's event handlers: what happens on each sub-association.

Owns the pynetdicom event handlers :class:`movescu.net.scp.server.StorageSCP`
registers (connection open and close, A-ASSOCIATE-RQ/AC, each PDU, C-ECHO,
C-STORE), one :class:`movescu.net.scp.monitor.PduMonitor` per open
sub-association and the one claim of giving up on it, the guards' faults in
DCMTK's words, the hand-off of a received data set to
:mod:`movescu.output` (the spool file its :class:`movescu.output.receive.Receiver`
holds, :func:`movescu.output.store.store_object`, storescp's filing), and the
receive statistics.  Logs as ``movescu.net.scp.server``, DCMTK's log lines in
DCMTK's order.  Must not bind, serve or stop (the server does: it hands in
how to abort an association), create or delete files itself (output/ does),
know about the C-MOVE association (retrieve does), or reach into pynetdicom's
internals (:mod:`movescu.net.seams` does).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from movescu.config import Config, FilingOptions
from movescu.dicom import conditions, messages
from movescu.dicom.dimse import STATUS_OUT_OF_RESOURCES, STATUS_SUCCESS
from movescu.dicom.pdata import send_fragment, send_pdv
from movescu.logblock import block_aware_logger, together
from movescu.net import guards
from movescu.net.scp.log import acknowledged_dump, requested_dump
from movescu.net.scp.monitor import PduMonitor
from movescu.net.scp.stats import ReceivedObject, ReceiveStats
from movescu.net.seams import hooks
from movescu.output.events import Peer, Placement, StudyFiling
from movescu.output.receive import Receiver, SpoolFile
from movescu.output.store import (
    ReceivedDataSet,
    StoreResult,
    receive_failed,
    store_object,
)

if TYPE_CHECKING:
    from pathlib import Path

    from pynetdicom.association import Association
    from pynetdicom.events import Event

# the server's logger: its lines are the Storage SCP's, wherever they are written
logger = block_aware_logger("movescu.net.scp.server")

__all__ = ["SubAssociationHandlers"]

#: a PDU that never arrived whole (connection closed, reset or stalled inside it)
_BROKEN_PDU = (guards.FaultKind.CUT_SHORT, guards.FaultKind.RESET, guards.FaultKind.TIMED_OUT)


def _broken_pdu_report(fault: guards.Fault, in_store: bool) -> list[str]:
    """What DCMTK 3.6.7 logs (E:) when a sub-association's PDU never arrives whole.

    Inside an object: its storeSCP() fails, then its subOpSCP(); elsewhere only
    subOpSCP(), whose command could not be read.  When the peer closed the
    connection (FIN), movescu's loop sees the socket readable once more and
    tries the dead sub-association a second time.
    """
    broken = f"{conditions.READ_PDV_FAILED}\n{conditions.NETWORK_CLOSED}"
    if in_store:
        lines = [messages.STORE_SCP_FAILED % broken, messages.SUB_ASSOCIATION_FAILURE % broken]
    else:
        lines = [messages.SUB_ASSOCIATION_FAILURE % f"{conditions.RECEIVE_FAILED}\n{broken}"]
    if fault.kind is guards.FaultKind.CUT_SHORT:
        second = [conditions.RECEIVE_FAILED, conditions.READ_PDV_FAILED, conditions.NORMAL]
        lines.append(messages.SUB_ASSOCIATION_FAILURE % "\n".join(second))
    return lines


def _guard_condition(fault: guards.Fault) -> list[str]:
    """DCMTK's condition lines for a fault of :data:`movescu.net.guards.ACCEPTOR`."""
    if fault.kind is guards.FaultKind.DECODE_FAILED:
        return [conditions.RECEIVE_FAILED]
    if fault.kind is guards.FaultKind.TOO_LONG:
        return [conditions.READ_PDV_FAILED, fault.condition or ""]
    return [fault.condition or ""]  # the idle timer


class SubAssociationHandlers:
    """The event handlers of one Storage SCP; see the module docstring.

    Its ``on_*`` methods, bound, are the handlers the server registers with
    pynetdicom; they run on each sub-association's own thread.

    Parameters
    ----------
    config : Config
        The run's configuration (``-ta``, ``-td``, ``-up``, ``--ignore`` and the
        output and filing options).
    our_max_pdu : int
        The maximum PDU length the server announces (``-pdu``, made even).
    pdu_warnings : list of str
        DCMTK's warnings about ``-pdu``, logged before ``Sub-Association Received``.
    abort : callable
        The server's way to abort an association (an A-ABORT written on its socket).
    received_before : mapping, optional
        ``--resume``: SOP Instance UID -> file of the instances the resumed run
        stored; answered with success without being written again.
    """

    def __init__(
        self,
        config: Config,
        *,
        our_max_pdu: int,
        pdu_warnings: list[str],
        abort: Callable[[Association], None],
        received_before: Mapping[str, Path] | None = None,
    ) -> None:
        self.config = config
        self.our_max_pdu = our_max_pdu
        self._pdu_warnings = pdu_warnings
        self._abort = abort
        #: ``--resume``: the instances the resumed run stored (not written again)
        self._received_before = received_before
        self.stats = ReceiveStats()
        self._monitors: dict[int, PduMonitor] = {}
        self._lock = threading.Lock()
        #: the spool files of the data sets received (output/ owns them)
        self.receiver = Receiver(config.output)
        #: storescp's sorting/naming/event options (issue 15), None when unused
        self.filing = (
            StudyFiling(config.filing, config.output.directory)
            if config.filing != FilingOptions()
            else None
        )

    def monitor_of(self, assoc: Association) -> PduMonitor | None:
        """The PDU monitor of ``assoc`` (None once it ended, or before it opened)."""
        return self._monitors.get(id(assoc))

    def give_up(self, assoc: Association) -> bool:
        """Claim the one report of giving up on ``assoc`` (False: ended or claimed)."""
        monitor = self._monitors.get(id(assoc))
        return monitor is not None and monitor.give_up()

    # ------------------------------------------------------------------ events

    def on_conn_open(self, event: Event) -> None:
        sock = hooks.connection_socket(event.assoc)
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                # pynetdicom only reads when data is waiting, but then blocks until the
                # whole PDU is in: a peer that stops mid-PDU would hold the thread for
                # ever (the ARTIM timer is not checked meanwhile).  Give up after -td/-ta.
                network = self.config.network
                sock.settimeout(float(network.dimse_timeout or network.acse_timeout or 30))
            except OSError:
                pass
        with self._lock:
            assoc = event.assoc
            monitor = PduMonitor(lambda: self._abort(assoc))
            self._monitors[id(assoc)] = monitor
        max_pdu = self.our_max_pdu
        hooks.attach_store_stream(assoc, monitor, max_pdu)  # the accelerator's C-STORE path
        guards.install_guards(
            assoc, guards.ACCEPTOR, max_pdu, lambda fault: self._on_guard_fault(assoc, fault)
        )

    def _on_guard_fault(self, assoc: Association, fault: guards.Fault) -> None:
        """A guard (movescu.net.guards) gave up on ``assoc``: report, abort, clean up."""
        monitor = self._monitors.get(id(assoc))
        if fault.kind is guards.FaultKind.UNKNOWN_TYPE:
            # pynetdicom ends the association itself (Evt19); DCMTK 3.6.7 names the
            # PDU type of garbage sent instead of an A-ASSOCIATE-RQ
            if monitor is not None and not (monitor.requested or monitor.garbled):
                monitor.garbled = True  # once: pynetdicom may read on before it closes
                logger.error("%s", fault.condition)
            return
        in_store = monitor is not None and monitor.object_lost
        if not self.give_up(assoc):
            pass  # given up on already (the end of the move, the monitor): reported once
        elif fault.kind in _BROKEN_PDU and monitor is not None and not monitor.requested:
            # an A-ASSOCIATE-RQ that never arrived whole: DCMTK logs the DUL's condition
            logger.error("%s", fault.condition)
        elif fault.kind in _BROKEN_PDU:
            with together():
                for text in _broken_pdu_report(fault, in_store):
                    for line in text.split("\n"):
                        logger.error("%s", line)
        else:
            condition = _guard_condition(fault)
            with together():
                logger.error(messages.SUB_ASSOCIATION_FAILURE, condition[0])
                for line in condition[1:]:
                    logger.error("%s", line)
        # an A-ABORT first, whatever state the reader is in (DCMTK: ASC_abortAssociation)
        self._abort(assoc)
        self._forget(assoc, threading.get_ident())

    def on_requested(self, event: Event) -> None:
        monitor = self._monitors.get(id(event.assoc))
        if monitor is not None:
            monitor.requested = True
        with together():
            for warning in self._pdu_warnings:
                logger.warning("%s", warning)
            logger.info("Sub-Association Received")
            if logger.isEnabledFor(logging.DEBUG):
                for line in requested_dump(event.assoc, self.our_max_pdu):
                    logger.debug("%s", line)

    def on_accepted(self, event: Event) -> None:
        their_max = event.assoc.requestor.maximum_length or 0
        pdv, warnings = send_pdv(their_max)
        # the PDVs DCMTK sends, not pynetdicom's
        hooks.limit_send_fragments(event.assoc, send_fragment(their_max))
        with together():
            for warning in warnings:
                logger.warning("%s", warning)
            logger.info("Sub-Association Acknowledged (Max Send PDV: %d)", pdv)
            if logger.isEnabledFor(logging.DEBUG):
                for line in acknowledged_dump(event.assoc, self.our_max_pdu):
                    logger.debug("%s", line)
            if not event.assoc.accepted_contexts:
                logger.info("    (but no valid presentation contexts)")
        monitor = self._monitors.get(id(event.assoc))
        if monitor is not None:
            monitor.acknowledged.set()

    def on_pdu_recv(self, event: Event) -> None:
        monitor = self._monitors.get(id(event.assoc))
        if monitor is not None and hasattr(event, "pdu"):
            monitor.on_pdu(event.pdu)

    def on_conn_close(self, event: Event) -> None:
        assoc = event.assoc
        monitor = self._monitors.get(id(assoc))
        if monitor is not None and monitor.object_lost:
            # DCMTK's storeSCP(): the peer closed, reset or aborted inside an object
            logger.error(messages.STORE_SCP_FAILED, conditions.PEER_ABORTED)
        if not (assoc.is_established or assoc.is_aborted or assoc.is_released):
            if (
                monitor is not None
                and not (monitor.requested or monitor.garbled)
                and not assoc.is_rejected
            ):
                self._log_unrequested()
            # Closed before an A-ASSOCIATE-RQ arrived (garbage, a port scan):
            # pynetdicom's acceptor would wait -ta seconds for one, holding one
            # of the 64 association slots; None is its "timed out" and ends it now.
            hooks.end_unnegotiated(assoc)
        self._forget(assoc, hooks.reactor_ident(assoc))

    def _log_unrequested(self) -> None:
        """DCMTK 3.6.7 on a connection that closed before its A-ASSOCIATE-RQ.

        It goes on as if an empty request had arrived: ``Sub-Association
        Received``, an empty A-ASSOCIATE-RQ dump at ``-d``, then the error of
        accepting contexts from it.
        """
        with together():
            for warning in self._pdu_warnings:
                logger.warning("%s", warning)
            logger.info("Sub-Association Received")
            if logger.isEnabledFor(logging.DEBUG):
                empty = messages.association_summary("", "", self.our_max_pdu, [], responding="")
                empty = dataclasses.replace(empty, application_context="")
                for line in ["Parameters:", *messages.association_dump("RQ", empty)]:
                    logger.debug("%s", line)
            logger.error("%s", conditions.NO_CONTEXT_PROPOSED)

    def _forget(self, assoc: Association, dul_ident: int | None) -> None:
        """Drop an ended association's monitor; the receiver deletes its partial files."""
        with self._lock:
            self._monitors.pop(id(assoc), None)
        self.receiver.discard_for(dul_ident)

    def on_echo(self, event: Event) -> int:
        return STATUS_SUCCESS

    def on_store(self, event: Event) -> int:
        request = event.request
        context = event.context
        path, spool = hooks.request_spool(request)
        # claim the spool file: _forget() no longer removes it
        if path is not None and not self.receiver.claim(path):
            # the sub-association ended meanwhile; nobody gets an answer
            logger.debug("C-STORE of a closed sub-association dropped")
            return STATUS_OUT_OF_RESOURCES
        # a full disk while receiving (movescu.output.receive): answer 0xA700, write nothing
        spool_error = spool.error if isinstance(spool, SpoolFile) else None
        received = _received_from(
            request, context.transfer_syntax, event, None if spool_error else path
        )
        try:
            placement = self._placement(event, received)
            if spool_error is not None:
                result = receive_failed(received, self.config.output, self.config.storage)
            else:
                result = store_object(
                    received,
                    self.config.output,
                    self.config.storage,
                    placement,
                    self._received_before,
                )
            # storescp's -xcr/-xcs/-rns (issue 15): not for a file of the run --resume read
            if placement is not None and not result.received_before:
                placement.stored(result.path, self.config.storage.ignore)
        except Exception:  # never let a bug become pynetdicom's 0xC211 + traceback
            # a text of ours, not Python's (no DCMTK condition fits a bug)
            logger.error(messages.STORE_SCP_FAILED, messages.STORE_INTERNAL_ERROR)
            result = StoreResult(STATUS_OUT_OF_RESOURCES)
        size = received.length if received.data is None else len(received.data)
        self.stats.record(
            ReceivedObject(
                str(result.path) if result.path else None,
                received.sop_class_uid,
                received.sop_instance_uid,
                received.transfer_syntax,
                result.status,
            ),
            size,
        )
        return result.status

    def _placement(self, event: Event, received: ReceivedDataSet) -> Placement | None:
        if self.filing is None:
            return None
        assoc = event.assoc
        primitive = assoc.requestor.primitive
        host = str(assoc.requestor.address)
        peer = Peer(
            str(getattr(primitive, "calling_ae_title", "") or "").strip(),
            str(getattr(primitive, "called_ae_title", "") or "").strip(),
            _host_name(host) if self.config.network.host_lookup else host,
        )
        return Placement(
            self.filing, received.sop_class_uid, received.sop_instance_uid, assoc, peer
        )


@functools.lru_cache(maxsize=64)
def _host_name(address: str) -> str:
    """``#r``: the peer's host name as storescp shows it (the address if unknown)."""
    try:
        return socket.gethostbyaddr(address)[0]
    except OSError:
        return address


def _received_from(request: Any, transfer_syntax: str, event: Event, path: Any) -> ReceivedDataSet:
    sop_class = str(request.AffectedSOPClassUID or "")
    sop_instance = str(request.AffectedSOPInstanceUID or "")
    calling = event.assoc.requestor.ae_title
    if path is None:
        data = request.DataSet.getvalue() if request.DataSet is not None else b""
        return ReceivedDataSet(sop_class, sop_instance, transfer_syntax, calling, data=data)
    with open(path, "rb") as fh:
        head = fh.read(144)
        meta_length = struct.unpack("<L", head[140:144])[0]
        offset = 144 + meta_length
        total = os.fstat(fh.fileno()).st_size
    return ReceivedDataSet(
        sop_class,
        sop_instance,
        transfer_syntax,
        calling,
        path=str(path),
        offset=offset,
        length=total - offset,
    )
