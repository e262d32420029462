"""The co-hosted Storage SCP (``+P``): accepts the C-MOVE sub-associations (spec 5).

Owns the Storage SCP's life cycle: our own pynetdicom AE for incoming
associations (DCMTK's newest storage SOP classes + Verification, each with the
``+x…`` preference list, ``-pdu``, the timeouts), binding the port at start-up
(``+ac`` and TLS server classes, pynetdicom's settings installed through
:mod:`movescu.net.seams` and undone at the end), waiting for the open
sub-associations, the end of a move, and a stop that never hangs (A-ABORT
written on the socket ourselves, reported once).  What happens on each
sub-association (negotiation lines, C-ECHO, C-STORE, ``RECV:`` dots, receive
statistics, the spool files of :class:`movescu.output.receive.Receiver`) is
:class:`movescu.net.scp.handlers.SubAssociationHandlers`, whose handlers it
registers.  Must not handle an event itself, create or delete files (output/
does) nor know about the C-MOVE association (retrieve does).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from movescu.config import Config, IPFamily
from movescu.dicom import conditions, messages
from movescu.dicom.pdata import A_ABORT_PDU, receive_pdu
from movescu.dicom.sop_classes import STORAGE_SOP_CLASSES, VERIFICATION_SOP_CLASS
from movescu.errors import NetworkInitError, PrivilegeError
from movescu.logblock import block_aware_logger
from movescu.net.access.rules import AccessTables, check_access, denial_message
from movescu.net.scp.handlers import SubAssociationHandlers
from movescu.net.scp.stats import ReceivedObject, ReceiveStats
from movescu.net.seams import hooks, settings
from movescu.net.tls import setup as tls

if TYPE_CHECKING:
    from pathlib import Path

    from pynetdicom.association import Association
    from pynetdicom.transport import ThreadedAssociationServer

    from movescu.output.events import StudyFiling
    from movescu.output.receive import Receiver

logger = block_aware_logger(__name__)

__all__ = ["ReceiveStats", "ReceivedObject", "StorageSCP"]

#: how often the end-of-move wait looks for open sub-associations (s)
IDLE_POLL = 0.005


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
        #: the maximum PDU length we announce: ``-pdu``, made even as DCMTK does
        self.our_max_pdu, pdu_warnings = receive_pdu(config.network.max_pdu)
        self._access_tables = access_tables
        self._bind_address = bind_address
        self._server: ThreadedAssociationServer | None = None
        #: what happens on each sub-association: its monitor, C-STORE, statistics
        self.handlers = SubAssociationHandlers(
            config,
            our_max_pdu=self.our_max_pdu,
            pdu_warnings=pdu_warnings,
            abort=self.abort_association,
            received_before=received_before,
        )
        self._undo_settings: Callable[[], None] | None = None
        self.port: int = config.storage.port or 0

    @property
    def stats(self) -> ReceiveStats:
        """The receive statistics (the tracker and the report read them)."""
        return self.handlers.stats

    @property
    def receiver(self) -> Receiver:
        """The spool files of the data sets received (output/ owns them)."""
        return self.handlers.receiver

    @property
    def filing(self) -> StudyFiling | None:
        """storescp's sorting/naming/event options (issue 15), None when unused."""
        return self.handlers.filing

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

        events = self.handlers
        handlers = [
            (evt.EVT_C_STORE, events.on_store),
            (evt.EVT_C_ECHO, events.on_echo),
            (evt.EVT_CONN_OPEN, events.on_conn_open),
            (evt.EVT_PDU_RECV, events.on_pdu_recv),
            (evt.EVT_CONN_CLOSE, events.on_conn_close),
            (evt.EVT_REQUESTED, events.on_requested),
            (evt.EVT_ACCEPTED, events.on_accepted),
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
            if not self.handlers.give_up(assoc):
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

    def abort_association(self, assoc: Association) -> None:
        """Write an A-ABORT PDU ourselves and shut the socket down (never blocks)."""
        monitor = self.handlers.monitor_of(assoc)
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

    def end_of_move(self) -> None:
        """A C-MOVE ended: its studies end (storescp's ``-xcs``/``-rns``, issue 15)."""
        if self.filing is not None:
            self.filing.end_of_move()


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
