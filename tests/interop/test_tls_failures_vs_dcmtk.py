"""Differential test: a TLS handshake that fails is told in DCMTK's words (issue 13 item 9).

DCMTK 3.6.7's movescu has no TLS; its ``echoscu`` requests an association
through the same dcmnet/dcmtls code, so it is the reference for the condition
texts.  A scripted peer accepts the TCP connection and then closes it, resets
it, answers with bytes that are not TLS, or says nothing until ``-to`` ends the
handshake (DCMTK ignores ``-to`` there and waits for its 60 s receive timeout,
we end it after ``-to``: that case takes a minute).  Both print ``Association
Request Failed`` with the same condition (``000b:0926 TLS error: unexpected
eof while reading``, ``000b:0017 OpenSSL I/O error (SSL_ERROR_SYSCALL)``,
``000b:090b TLS error: wrong version number``, ``000b:000b TLS read operation
did not complete (SSL_ERROR_WANT_READ)``): never
Python's texts (``_ssl.c:989: The handshake operation timed out``, ``EOF
occurred in violation of protocol``, ``Connection reset by peer``).  echoscu
prints the condition on the ``F:`` line itself, movescu (ours and DCMTK's) on
the next one.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.support.certs import PKI, make_pki
from tests.support.peers import peer_environment
from tests.support.tools import dcmtk_tool

pytestmark = pytest.mark.dcmtk

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _condition(tool: list[str], pki: PKI, mode: str) -> str:
    """Run ``tool`` against a peer that fails the handshake as ``mode`` says."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        release = threading.Event()

        def serve() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(30)
                conn.recv(4096)  # the ClientHello: the failure comes while reading the answer
                if mode == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                elif mode == "not-tls":
                    conn.sendall(b"\x02\x00\x00\x00\x00\x10" + b"x" * 16)
                    time.sleep(0.5)
                elif mode == "silent":
                    release.wait(75)  # DCMTK gives up after its 60 s receive timeout

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        client = pki.client
        argv = [*tool, "-to", "2", "+tls", str(client.key), str(client.cert), "-ic"]
        argv += ["127.0.0.1", str(port)]
        env = dict(peer_environment(), PYTHONPATH=SRC)
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=90, env=env)
        release.set()
        thread.join(5)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("F: ")]
    # "F: Association Request Failed: <condition>" (echoscu) or on the next line
    return " ".join(line[3:] for line in lines).removeprefix("Association Request Failed: ")


@pytest.mark.parametrize("mode", ["close", "reset", "not-tls", "silent"])
def test_handshake_failures_as_dcmtk(pki: PKI, mode: str) -> None:
    theirs = _condition([dcmtk_tool("echoscu")], pki, mode)
    ours = _condition([sys.executable, "-m", "movescu", "-k", "PatientID=X"], pki, mode)
    assert theirs.startswith("000b:"), theirs
    assert ours == theirs
