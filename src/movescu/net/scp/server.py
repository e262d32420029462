"""The co-hosted Storage SCP (``+P``): accepts the C-MOVE sub-associations (spec 5).

Owns our own pynetdicom AE for incoming associations: binding the port at
start-up, negotiation (DCMTK's newest storage SOP classes + Verification, each
with the ``+x…`` preference list), C-ECHO, C-STORE (via
:func:`movescu.output.store.store_object`, with storescp's sorting and events
of :mod:`movescu.output.events` when asked for), DCMTK's log lines and ``RECV:``
progress dots, thread-safe receive statistics, and a stop that never hangs
(A-ABORT written on the socket ourselves).  Received data sets go to its
:class:`movescu.output.receive.Receiver` (the spool files), pynetdicom's
settings and internals are reached through :mod:`movescu.net.seams`.  Must not
create or delete files itself (output/ does) nor know about the C-MOVE
association (retrieve does).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from movescu.config import Config, FilingOptions, IPFamily
from movescu.dicom import conditions, messages
from movescu.dicom.dimse import STATUS_OUT_OF_RESOURCES, STATUS_SUCCESS
from movescu.dicom.pdata import A_ABORT_PDU, receive_pdu, send_fragment, send_pdv
from movescu.dicom.sop_classes import STORAGE_SOP_CLASSES, VERIFICATION_SOP_CLASS
from movescu.errors import NetworkInitError, PrivilegeError
from movescu.logblock import block_aware_logger, together
from movescu.net import guards
from movescu.net.access.rules import AccessTables, check_access, denial_message
from movescu.net.scp.log import acknowledged_dump, requested_dump
from movescu.net.scp.monitor import PduMonitor
from movescu.net.scp.stats import ReceivedObject, ReceiveStats
from movescu.net.seams import hooks, settings
from movescu.net.tls import setup as tls
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
    from pynetdicom.transport import ThreadedAssociationServer

logger = block_aware_logger(__name__)

__all__ = ["ReceiveStats", "ReceivedObject", "StorageSCP"]

#: how often the end-of-move wait looks for open sub-associations (s)
IDLE_POLL = 0.005
#: A-ABORT PDU: type 7, length 4, source 0 (service user), reason 0.


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


class StorageSCP:
    """The Storage SCP of one run; see the module docstring.

    Parameters
    ----------
    config : Config
        The run's configuration (``+P``, ``+x…``, ``-pdu``, ``-ta``, ``-td``,
        ``-i4/-i6/-i0``, ``--ignore``, ``-up`` and the output options).
    bind_address : str, optional
        Address to bind (tests: ``127.0.0.1``); default all addresses of the family.
    access_tables : AccessTables, optional
        hosts.allow/hosts.deny used with ``+ac`` (default: ``MOVESCU_HOSTS_*`` or /etc).
    received_before : mapping, optional
        ``--resume``: SOP Instance UID -> file of the instances the resumed run
        stored; answered with success without being written again.
    """

    def __init__(
        self,
        config: Config,
        *,
        bind_address: str | None = None,
        access_tables: AccessTables | None = None,
        received_before: Mapping[str, Path] | None = None,
    ) -> None:
        self.config = config
        #: ``--resume``: the instances the resumed run stored (not written again)
        self._received_before = received_before
        #: the maximum PDU length we announce: ``-pdu``, made even as DCMTK does
        self.our_max_pdu, self._pdu_warnings = receive_pdu(config.network.max_pdu)
        self._access_tables = access_tables
        self.stats = ReceiveStats()
        self._bind_address = bind_address
        self._server: ThreadedAssociationServer | None = None
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
        self._undo_settings: Callable[[], None] | None = None
        self.port: int = config.storage.port or 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind the port and serve incoming associations in background threads.

        Raises
        ------
        PrivilegeError
            Port below 1024 without root (rc 2).
        NetworkInitError
            The port cannot be bound (rc 60).
        """
        port = self.config.storage.port or 0
        if 0 < port < 1024 and hasattr(os, "geteuid") and os.geteuid() != 0:
            raise PrivilegeError(f"cannot listen on port {port}, insufficient privileges")
        # before the server exists: it binds pynetdicom's standard DEBUG handlers
        # (per-PDU work even with its logger silenced) unless told not to
        self._undo_settings = settings.install(self.config, self.receiver)
        try:
            self._serve()
        except BaseException:
            self._restore_settings()
            raise

    def _serve(self) -> None:
        """Make the AE and serve on the ``+P`` port (settings already installed)."""
        port = self.config.storage.port or 0
        ae = self._make_ae()
        family = self.config.network.ip_family
        address = self._bind_address or ("0.0.0.0" if family is IPFamily.IPV4 else "::")
        from pynetdicom import evt

        handlers = [
            (evt.EVT_C_STORE, self._on_store),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_CONN_OPEN, self._on_conn_open),
            (evt.EVT_PDU_RECV, self._on_pdu_recv),
            (evt.EVT_CONN_CLOSE, self._on_conn_close),
            (evt.EVT_REQUESTED, self._on_requested),
            (evt.EVT_ACCEPTED, self._on_accepted),
        ]
        try:
            try:
                self._server = self._start_server(ae, (address, port), handlers)
            except OSError:
                # -i0 on a host without IPv6: fall back to IPv4 as "auto" implies
                if self._bind_address or family is not IPFamily.AUTO:
                    raise
                self._server = self._start_server(ae, ("0.0.0.0", port), handlers)
        except OSError as exc:
            raise NetworkInitError(
                f"cannot create network: {conditions.tcp_error(str(exc.strerror or exc))}"
            ) from exc
        self.port = int(self._server.server_address[1])

    def _start_server(self, ae: Any, address: tuple[str, int], handlers: list[Any]) -> Any:
        """Serve in a thread: event-driven reactors, DCMTK's ``+ac`` check when asked for.

        ``ae.make_server`` with :func:`movescu.net.seams.accel.request_handler_class`'s
        request handler (accelerator on: event-driven reactors; pynetdicom's own poll
        every millisecond) and a short ``serve_forever`` poll, so :meth:`stop` does not
        wait 0.5 s for it.
        """
        from pynetdicom.transport import ThreadedAssociationServer

        from movescu.net.seams import accel

        accelerator = accel.decide(self.config.extras.no_accelerator)
        kwargs: dict[str, Any] = {"request_handler": accel.request_handler_class(accelerator)}
        server_class: type[Any] = ThreadedAssociationServer
        if self.config.storage.access_control:
            server_class = _access_controlled_server_class()
            kwargs["tables"] = self._access_tables or AccessTables.from_environ(os.environ)
            kwargs["host_lookup"] = self.config.network.host_lookup
        ssl_context = tls.server_context(self.config.tls)
        if ssl_context is not None:  # DCMTK 3.7.0 +tls: handshake in the connection's thread
            server_class = tls.tls_server_class(server_class)
            kwargs["ssl_context"] = ssl_context
        server = ae.make_server(
            address, evt_handlers=handlers, server_class=server_class, **kwargs
        )
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="StorageSCP"
        )
        thread.daemon = True
        thread.start()
        hooks.register_server(ae, server)
        return server

    def _make_ae(self) -> Any:
        from pynetdicom import AE

        from movescu.dicom.contexts import accepted_transfer_syntaxes
        from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME

        ae = AE(ae_title=self.config.network.ae_title[:16] or "MOVESCU")
        ae.implementation_class_uid = IMPLEMENTATION_CLASS_UID
        ae.implementation_version_name = IMPLEMENTATION_VERSION_NAME
        ae.maximum_pdu_size = self.our_max_pdu
        ae.acse_timeout = self.config.network.acse_timeout
        ae.dimse_timeout = self.config.network.dimse_timeout
        ae.network_timeout = self.config.network.dimse_timeout
        ae.maximum_associations = 64
        ae.require_called_aet = False
        ae.require_calling_aet = []
        syntaxes = accepted_transfer_syntaxes(self.config.storage.preferred_transfer_syntax)
        for uid in [VERIFICATION_SOP_CLASS] + [uid for uid, _ in STORAGE_SOP_CLASSES]:
            ae.add_supported_context(uid, syntaxes)
        return ae

    def wait_until_idle(self, timeout: float | None) -> bool:
        """Wait until no sub-association is open.

        Parameters
        ----------
        timeout : float or None
            Seconds to wait at most; None waits as long as it takes.

        Returns
        -------
        bool
            True when idle, False when the timeout expired first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.active_associations():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(IDLE_POLL)
        return True

    def active_associations(self) -> list[Association]:
        """Sub-associations currently open."""
        if self._server is None:
            return []
        return [a for a in self._server.active_associations if a.is_alive()]

    def stop(self) -> None:
        """Abort open sub-associations, close the listening socket, remove leftovers."""
        for assoc in self.active_associations():
            if assoc.is_released or assoc.is_aborted:
                continue  # already ending: its thread is only winding down
            if not self._give_up(assoc):
                continue  # already given up on (its idle timer, a guard): reported once
            # DCMTK reports a sub-association it has to give up like a -td expiry.
            logger.error(messages.SUB_ASSOCIATION_FAILURE, conditions.DIMSE_TIMEOUT)
            self.abort_association(assoc)
        server, self._server = self._server, None
        if server is not None:
            _wake_serve_forever(server)
            server.shutdown()
        for assoc in list(server.active_associations if server else []):
            assoc.join(timeout=2)
        self.receiver.discard_all()
        if self.filing is not None:
            self.filing.close()
        self._restore_settings()

    def _restore_settings(self) -> None:
        undo, self._undo_settings = self._undo_settings, None
        if undo is not None:
            undo()

    def _give_up(self, assoc: Association) -> bool:
        """Claim the one report of giving up on ``assoc`` (False: ended or claimed)."""
        monitor = self._monitors.get(id(assoc))
        return monitor is not None and monitor.give_up()

    def abort_association(self, assoc: Association) -> None:
        """Write an A-ABORT PDU ourselves and shut the socket down (never blocks)."""
        monitor = self._monitors.get(id(assoc))
        if monitor is not None:
            monitor.aborted = True  # given up on by us: its object is not "lost"
        sock = hooks.connection_socket(assoc)
        if sock is None:
            return
        try:
            sock.sendall(A_ABORT_PDU)
        except OSError:
            pass
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ------------------------------------------------------------------ events

    def _on_conn_open(self, event: Event) -> None:
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
            monitor = PduMonitor(lambda: self.abort_association(assoc))
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
        if not self._give_up(assoc):
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
        self.abort_association(assoc)
        self._forget(assoc, threading.get_ident())

    def _on_requested(self, event: Event) -> None:
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

    def _on_accepted(self, event: Event) -> None:
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

    def _on_pdu_recv(self, event: Event) -> None:
        monitor = self._monitors.get(id(event.assoc))
        if monitor is not None and hasattr(event, "pdu"):
            monitor.on_pdu(event.pdu)

    def _on_conn_close(self, event: Event) -> None:
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

    def _on_echo(self, event: Event) -> int:
        return STATUS_SUCCESS

    def _on_store(self, event: Event) -> int:
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

    def end_of_move(self) -> None:
        """A C-MOVE ended: its studies end (storescp's ``-xcs``/``-rns``, issue 15)."""
        if self.filing is not None:
            self.filing.end_of_move()


@functools.lru_cache(maxsize=64)
def _host_name(address: str) -> str:
    """``#r``: the peer's host name as storescp shows it (the address if unknown)."""
    try:
        return socket.gethostbyaddr(address)[0]
    except OSError:
        return address


def _wake_serve_forever(server: Any) -> None:
    """End the server loop's wait now instead of at its next poll (``stop``).

    A listening socket shut down for reading selects as readable; the loop
    then finds its shutdown request at once (a failed accept is ignored).
    """
    try:
        server.socket.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _access_controlled_server_class() -> type[Any]:
    """A pynetdicom server that applies hosts.allow/hosts.deny before negotiation."""
    from pynetdicom.transport import ThreadedAssociationServer

    class AccessControlledServer(ThreadedAssociationServer):
        def __init__(self, *args: Any, tables: AccessTables, host_lookup: bool, **kw: Any):
            self.tables = tables
            self.host_lookup = host_lookup
            super().__init__(*args, **kw)

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            decision = check_access(
                client_address[0], tables=self.tables, host_lookup=self.host_lookup
            )
            if not decision.allowed:
                # DCMTK closes the socket before negotiation (no A-ASSOCIATE-RJ)
                logger.error(denial_message(decision))
                self.shutdown_request(request)
                return
            super().process_request_thread(request, client_address)

    return AccessControlledServer


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
