"""Host access control (``+ac``) on a real listening pynetdicom server on 127.0.0.1.

A denied peer must be closed at TCP level before any association negotiation
(DCMTK closes the socket in DUL_ReceiveAssociationRQ; no A-ASSOCIATE-RJ is sent),
an allowed one must be served normally, and the tables are re-read for every
connection.  The first tests run the Storage SCP's access-controlled server class
on a bare pynetdicom AE (see docs/access-control.md); the last one checks
:class:`movescu.net.scp.server.StorageSCP` itself.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from movescu.net.access.rules import AccessTables

VERIFICATION = "1.2.840.10008.1.1"
logger = logging.getLogger("movescu.net.scp.server")


def make_server_class() -> type[Any]:
    """The Storage SCP's own access-controlled server class (not a copy of it)."""
    from movescu.net.scp.server import _access_controlled_server_class

    return _access_controlled_server_class()


class Server:
    def __init__(self, tables: AccessTables, host_lookup: bool) -> None:
        from pynetdicom import AE, evt

        self.opened: list[str] = []
        ae = AE(ae_title="MOVESCU")
        ae.add_supported_context(VERIFICATION)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
        handlers = [(evt.EVT_CONN_OPEN, lambda event: self.opened.append(event.address[0]))]
        self.server = ae.make_server(
            ("127.0.0.1", 0),
            evt_handlers=handlers,
            server_class=make_server_class(),
            tables=tables,
            host_lookup=host_lookup,
        )
        ae._servers.append(self.server)  # as AE.start_server does; shutdown() removes it
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()  # also closes the listening socket
        self.thread.join(timeout=10)


@pytest.fixture
def tables(tmp_path: Path) -> AccessTables:
    return AccessTables(allow=tmp_path / "hosts.allow", deny=tmp_path / "hosts.deny")


@pytest.fixture
def server(tables: AccessTables) -> Iterator[Server]:
    running = Server(tables, host_lookup=False)
    try:
        yield running
    finally:
        running.close()


def raw_reply(port: int) -> bytes:
    """Connect, send an (unanswerable) PDU start and read what comes back; bounded."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(b"\x01\x00\x00\x00\x00\x44")  # an A-ASSOCIATE-RQ header
            return sock.recv(1024)
        except (ConnectionResetError, BrokenPipeError):
            return b""


def echo(port: int) -> int | None:
    """C-ECHO over a new association; None if the association failed."""
    from pynetdicom import AE

    ae = AE(ae_title="PEER")
    ae.add_requested_context(VERIFICATION)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    assoc = ae.associate("127.0.0.1", port, ae_title="MOVESCU")
    if not assoc.is_established:
        return None
    try:
        status = assoc.send_c_echo()
        return int(status.Status) if "Status" in status else None
    finally:
        assoc.release()


def test_denied_peer_is_closed_before_negotiation(
    server: Server, tables: AccessTables, caplog: pytest.LogCaptureFixture
) -> None:
    tables.deny.write_text("movescu: 127.0.0.1\n")
    caplog.set_level(logging.ERROR, logger="movescu.net.scp.server")
    assert raw_reply(server.port) == b""  # no A-ASSOCIATE-AC/RJ, just closed
    assert echo(server.port) is None
    assert server.opened == []  # pynetdicom never saw the connection
    expected = "0006:0324 TCP wrapper: denied connection from unknown (127.0.0.1)"
    assert [r.getMessage() for r in caplog.records].count(expected) == 2


def test_allowed_peer_is_served(server: Server, tables: AccessTables) -> None:
    tables.allow.write_text("movescu: 127.0.0.1\n")
    tables.deny.write_text("ALL: ALL\n")
    assert echo(server.port) == 0x0000
    assert server.opened == ["127.0.0.1"]


def test_edited_tables_apply_to_the_next_connection(server: Server, tables: AccessTables) -> None:
    assert echo(server.port) == 0x0000  # no tables: everyone is allowed
    tables.deny.write_text("movescu: UNKNOWN\n")  # -dhl: the client name is unknown
    assert echo(server.port) is None
    tables.allow.write_text("movescu: 127.0.0.0/8\n")
    assert echo(server.port) == 0x0000
    assert server.opened == ["127.0.0.1", "127.0.0.1"]


def test_storage_scp_enforces_access_control(tmp_path: Path, tables: AccessTables) -> None:
    from movescu.config import Config, NetworkOptions, OutputOptions, StorageOptions
    from movescu.net.scp.server import StorageSCP

    config = Config(
        network=NetworkOptions(peer="127.0.0.1", port=104, host_lookup=False),
        storage=StorageOptions(port=0, access_control=True),
        output=OutputOptions(directory=tmp_path),
    )
    scp = StorageSCP(config, bind_address="127.0.0.1", access_tables=tables)
    scp.start()
    try:
        tables.deny.write_text("movescu: 127.0.0.1\n")
        assert raw_reply(scp.port) == b""
        assert echo(scp.port) is None
        tables.deny.unlink()
        assert echo(scp.port) == 0x0000
    finally:
        scp.stop()
