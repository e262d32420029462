"""``-d`` dumps come out whole while the Storage SCP and the SCU log at once (issue 13 item 3).

A retrieve to ourselves (``+P``) from dcmqrscp at ``-d``: the main association's
C-MOVE-RSP dumps and the sub-association's C-STORE-RQ dumps are logged by two
threads at the same moments.  Each dump, with the ``I:`` line that announces it,
must be contiguous, as DCMTK (one thread) prints it.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.certs import make_pki
from tests.support.peers import QRPeer

import movescu
from movescu.config import TLSOptions
from movescu.logblock import block_aware_logger, together, waits_for_groups
from movescu.net.tls import setup as tls

pytestmark = pytest.mark.dcmtk

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]
_BEGIN = ("D: ===================== INCOMING DIMSE MESSAGE", "D: ===================== OUTGOING")
_END = "D: ======================= END DIMSE MESSAGE"
_ANNOUNCE = (
    "I: Received Move Response",
    "I: Received Final Move Response",
    "I: Received Store Request",
    "I: Sending Move Request",
)


def dump_blocks(lines: list[str]) -> list[list[str]]:
    """Each DIMSE dump with the line before it; fails on a dump that is interrupted."""
    blocks = []
    for n, line in enumerate(lines):
        if not line.startswith(_BEGIN):
            continue
        assert lines[n - 1].startswith(_ANNOUNCE), lines[n - 1 : n + 2]
        end = next(k for k in range(n + 1, len(lines)) if lines[k].startswith(_END))
        block = lines[n - 1 : end + 1]
        # a dump is D: lines only; another dump's start, an I:/W:/E: line means interleaving
        inside = block[2:-1]
        assert all(row.startswith("D: ") for row in inside), block
        assert not any(row.startswith((*_BEGIN, _END)) for row in inside), block
        blocks.append(block)
    return blocks


def test_retrieve_to_ourselves_at_debug_keeps_dumps_whole(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    qr_peer: QRPeer,
    our_port: int,
    tmp_path: Path,
) -> None:
    argv = ["-d", "-aec", qr_peer.ae_title, "+P", str(our_port), "-od", str(tmp_path)]
    for _ in range(3):  # a race: several runs
        code, lines = run_main([*argv, "127.0.0.1", str(qr_peer.port), *KEYS])
        assert code == 0
        blocks = dump_blocks(lines)
        stores = [b for b in blocks if b[0].startswith("I: Received Store Request")]
        responses = [b for b in blocks if "Move Response" in b[0]]
        assert len(stores) == 8
        assert len(responses) >= 2


def test_a_group_is_not_split_by_another_thread(caplog: pytest.LogCaptureFixture) -> None:
    """The mechanism itself: a group held open while another thread logs."""
    logger = block_aware_logger("movescu.net.test_log_blocks")
    inside = threading.Event()
    started = threading.Event()

    def other() -> None:
        inside.wait(5)
        started.set()
        logger.info("other thread")

    worker = threading.Thread(target=other)
    worker.start()
    with caplog.at_level(logging.INFO, logger="movescu"):
        with together():
            logger.info("first")
            inside.set()
            started.wait(5)
            worker.join(0.2)  # the other thread is now waiting for the group to end
            logger.info("second")
        worker.join(5)
    messages = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert messages == ["first", "second", "other thread"]


def test_every_module_logger_waits_for_groups() -> None:
    """Every stage's lines (``output/``, TLS, access, ...) may be logged by an SCP thread."""
    loose = []
    for info in pkgutil.walk_packages(movescu.__path__, "movescu."):
        module = importlib.import_module(info.name)
        logger = getattr(module, "logger", None)
        if isinstance(logger, logging.Logger) and not waits_for_groups(logger):
            loose.append(info.name)
    assert loose == []


def test_tls_connection_details_are_one_group(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another thread's line waits while a handshake's details block is being logged."""
    pki = make_pki(tmp_path)
    options = TLSOptions(
        enabled=True,
        private_key=pki.server.key,
        certificate=pki.server.cert,
        cert_files=(pki.ca_cert,),
    )
    contexts = tls.prepare(options)
    assert contexts is not None
    other_logger = block_aware_logger("movescu.net.test_log_blocks")
    begun, logged = threading.Event(), threading.Event()

    class HoldAtBegin(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "BEGIN TLS CONNECTION DETAILS" in record.getMessage() and not begun.is_set():
                begun.set()
                logged.wait(0.5)  # an ungrouped line of the other thread lands now

    def other() -> None:
        begun.wait(10)
        other_logger.info("other thread")
        logged.set()

    left, right = socket.socketpair()
    server = contexts.server.wrap_socket(left, server_side=True, do_handshake_on_connect=False)
    client = contexts.client.wrap_socket(right, do_handshake_on_connect=False)
    hold = HoldAtBegin()
    threads = [threading.Thread(target=other), threading.Thread(target=server.do_handshake)]
    with caplog.at_level(logging.DEBUG, logger="movescu"):
        logging.getLogger().addHandler(hold)
        try:
            for thread in threads:
                thread.start()
            client.do_handshake()
            for thread in threads:
                thread.join(10)
        finally:
            logging.getLogger().removeHandler(hold)
            server.close()
            client.close()
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("movescu")]
    assert "other thread" in messages
    begins = [n for n, m in enumerate(messages) if "BEGIN TLS CONNECTION DETAILS" in m]
    assert len(begins) == 2  # client and server
    for begin in begins:
        end = next(n for n in range(begin, len(messages)) if "END TLS CONNECTION" in messages[n])
        assert "other thread" not in messages[begin:end], messages
