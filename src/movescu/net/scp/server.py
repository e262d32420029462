"""The co-hosted Storage SCP (``+P``): accepts the C-MOVE sub-associations (spec 5).

Owns our own pynetdicom AE for incoming associations: binding the port at
start-up, negotiation (DCMTK's newest storage SOP classes + Verification, each
with the ``+x…`` preference list), C-ECHO, C-STORE (via
:func:`movescu.output.store.store_object`), DCMTK's log lines and ``RECV:``
progress dots, thread-safe receive statistics, and a stop that never hangs
(A-ABORT written on the socket ourselves).  Must not write files itself (the
writer does) nor know about the C-MOVE association (retrieve does).
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import threading
import time
from typing import TYPE_CHECKING, Any

from movescu.config import Config, IPFamily
from movescu.dicom.sop_classes import STORAGE_SOP_CLASSES, VERIFICATION_SOP_CLASS
from movescu.errors import NetworkInitError, PrivilegeError
from movescu.net.access.rules import AccessTables, check_access, denial_message
from movescu.net.guards import install_guards
from movescu.net.scp.log import acknowledged_dump, requested_dump
from movescu.net.scp.monitor import PduMonitor
from movescu.net.scp.stats import ReceivedObject, ReceiveStats
from movescu.net.tls import setup as tls
from movescu.output.spoolmeta import install_spool_meta
from movescu.output.store import (
    STATUS_OUT_OF_RESOURCES,
    STATUS_SUCCESS,
    ReceivedDataSet,
    StoreResult,
    receive_failed,
    store_object,
)

if TYPE_CHECKING:
    from pynetdicom.association import Association
    from pynetdicom.events import Event
    from pynetdicom.transport import ThreadedAssociationServer

logger = logging.getLogger(__name__)

__all__ = ["ReceiveStats", "ReceivedObject", "StorageSCP"]

#: how often the end-of-move wait looks for open sub-associations (s)
IDLE_POLL = 0.005
#: A-ABORT PDU: type 7, length 4, source 0 (service user), reason 0.
A_ABORT_PDU = b"\x07\x00\x00\x00\x00\x04\x00\x00\x00\x00"


def _register_unknown_sop_classes() -> None:
    from pynetdicom import register_uid
    from pynetdicom.service_class import StorageServiceClass
    from pynetdicom.sop_class import uid_to_service_class

    for uid, name in STORAGE_SOP_CLASSES:
        if uid_to_service_class(uid) is not StorageServiceClass:
            keyword = "".join(c for c in name if c.isalnum() or c == "_")
            register_uid(uid, keyword, StorageServiceClass)


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
    """

    def __init__(
        self,
        config: Config,
        *,
        bind_address: str | None = None,
        access_tables: AccessTables | None = None,
    ) -> None:
        self.config = config
        self._access_tables = access_tables
        self.stats = ReceiveStats()
        self._bind_address = bind_address
        self._server: ThreadedAssociationServer | None = None
        self._monitors: dict[int, PduMonitor] = {}
        self._temp_files: dict[str, int] = {}
        self._lock = threading.Lock()
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
                f"cannot create network: 0006:031c TCP Initialization Error: {exc.strerror or exc}"
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
        ae._servers.append(server)  # pynetdicom's shutdown() removes it from this list
        return server

    def _make_ae(self) -> Any:
        from pynetdicom import AE, _config

        from movescu.dicom.contexts import accepted_transfer_syntaxes
        from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
        from movescu.logconfig import quiet_libraries

        _register_unknown_sop_classes()
        # before the server exists: it binds pynetdicom's standard DEBUG handlers
        # (per-PDU work even with its logger silenced) unless told not to
        quiet_libraries()
        _config.UNRESTRICTED_STORAGE_SERVICE = False
        _config.STORE_RECV_CHUNKED_DATASET = True
        # pynetdicom aborts a request whose UIDs exceed 64 characters; DCMTK reads
        # them and our file names cope with any value (output.naming), so accept.
        _config.VALIDATORS["UI"] = _accept_any_uid
        self._install_temp_file_hook()
        install_spool_meta(self.config.output)  # spool file = output file when identical
        ae = AE(ae_title=self.config.network.ae_title[:16] or "MOVESCU")
        ae.implementation_class_uid = IMPLEMENTATION_CLASS_UID
        ae.implementation_version_name = IMPLEMENTATION_VERSION_NAME
        ae.maximum_pdu_size = self.config.network.max_pdu
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

    def _install_temp_file_hook(self) -> None:
        """Make pynetdicom's chunked receive write its temporary files into ``-od``.

        pynetdicom has no per-AE setting for this, so the hook is process-wide:
        one run has one Storage SCP (several in one process share the last one's
        directory, which only costs a copy instead of a rename).
        """
        from pynetdicom import dimse_messages

        from movescu.output.receive import open_spool_file

        directory = str(self.config.output.directory)
        temp_files = self._temp_files
        lock = self._lock

        def named_temporary_file(**kwargs: Any) -> Any:
            handle = open_spool_file(directory, **kwargs)
            with lock:
                temp_files[handle.name] = threading.get_ident()
            return handle

        dimse_messages.NamedTemporaryFile = named_temporary_file  # type: ignore[attr-defined,assignment]

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
            # DCMTK reports a sub-association it has to give up like a -td expiry.
            logger.error(
                "DIMSE failure (aborting sub-association): "
                "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
            )
            self.abort_association(assoc)
        server, self._server = self._server, None
        if server is not None:
            _wake_serve_forever(server)
            server.shutdown()
        for assoc in list(server.active_associations if server else []):
            assoc.join(timeout=2)
        with self._lock:
            leftovers = list(self._temp_files)
            self._temp_files.clear()
        for path in leftovers:
            _remove(path)

    def abort_association(self, assoc: Association) -> None:
        """Write an A-ABORT PDU ourselves and shut the socket down (never blocks)."""
        sock = getattr(getattr(assoc.dul, "socket", None), "socket", None)
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
        sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
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
        if hasattr(
            assoc.dul, "store_stream"
        ):  # net/seams/accel/reactors.py: the C-STORE fast path
            from movescu.net.seams.accel.storestream import StoreStream

            assoc.dul.store_stream = StoreStream(assoc, monitor, self.config.network.max_pdu)
        install_guards(assoc, self.config.network.max_pdu, self._on_guard_failure)

    def _on_guard_failure(self, assoc: Association, condition: list[str]) -> None:
        """A guard (movescu.net.guards) gave up on ``assoc``: report, abort, clean up."""
        logger.error("DIMSE failure (aborting sub-association): %s", condition[0])
        for line in condition[1:]:
            logger.error("%s", line)
        self.abort_association(assoc)
        self._forget(assoc, threading.get_ident())

    def _on_requested(self, event: Event) -> None:
        logger.info("Sub-Association Received")
        if logger.isEnabledFor(logging.DEBUG):
            for line in requested_dump(event.assoc, self.config.network.max_pdu):
                logger.debug("%s", line)

    def _on_accepted(self, event: Event) -> None:
        # DCMTK: Max Send PDV = the peer's maximum PDU length - 12 (PDU + PDV headers)
        peer_max = event.assoc.requestor.maximum_length or 0
        logger.info("Sub-Association Acknowledged (Max Send PDV: %d)", max(peer_max - 12, 0))
        if logger.isEnabledFor(logging.DEBUG):
            for line in acknowledged_dump(event.assoc, self.config.network.max_pdu):
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
        if not (assoc.is_established or assoc.is_aborted or assoc.is_released):
            # Closed before an A-ASSOCIATE-RQ arrived (garbage, a port scan):
            # pynetdicom's acceptor would wait -ta seconds for one, holding one
            # of the 64 association slots; None is its "timed out" and ends it now.
            assoc.dul.to_user_queue.put(None)  # type: ignore[arg-type]
        self._forget(assoc, getattr(assoc.dul, "ident", None))

    def _forget(self, assoc: Association, dul_ident: int | None) -> None:
        """Drop an ended association's monitor and its leftover temporary files."""
        with self._lock:
            self._monitors.pop(id(assoc), None)
            stale = [p for p, ident in self._temp_files.items() if ident == dul_ident]
            for path in stale:  # an aborted transfer leaves pynetdicom's temporary file
                del self._temp_files[path]
                _remove(path)  # under the lock: _on_store() claims files under it too

    def _on_echo(self, event: Event) -> int:
        return STATUS_SUCCESS

    def _on_store(self, event: Event) -> int:
        request = event.request
        context = event.context
        path = getattr(request, "_dataset_path", None)
        if path is not None:
            with self._lock:  # claim the spool file: _forget() no longer removes it
                self._temp_files.pop(str(path), None)
                gone = not os.path.exists(path)
            if gone:  # the sub-association ended meanwhile; nobody gets an answer
                logger.debug("C-STORE of a closed sub-association dropped")
                return STATUS_OUT_OF_RESOURCES
        # a full disk while receiving (movescu.output.receive): answer 0xA700, write nothing
        spool_error = getattr(getattr(request, "_dataset_file", None), "error", None)
        received = _received_from(
            request, context.transfer_syntax, event, None if spool_error else path
        )
        try:
            if spool_error is not None:
                result = receive_failed(received, self.config.output, self.config.storage)
            else:
                result = store_object(received, self.config.output, self.config.storage)
        except Exception as exc:  # never let a bug become pynetdicom's 0xC211 + traceback
            logger.error("Store SCP Failed: %s", exc)
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


def _wake_serve_forever(server: Any) -> None:
    """End the server loop's wait now instead of at its next poll (``stop``).

    A listening socket shut down for reading selects as readable; the loop
    then finds its shutdown request at once (a failed accept is ignored).
    """
    try:
        server.socket.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _accept_any_uid(value: Any) -> tuple[bool, str]:
    """pynetdicom UI validator that accepts every value (see ``_make_ae``)."""
    return True, ""


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


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
