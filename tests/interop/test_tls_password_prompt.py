"""``+ps`` (the default): the key password is prompted for on a terminal and never echoed.

``python -m movescu`` runs in a pseudo-terminal with an encrypted key; the test
answers the prompt and checks that the password does not appear in what the
terminal shows, and that the run went on to the network stage (the key loaded).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.support.certs import KEY_PASSWORD, PKI, make_pki
from tests.support.peers import free_port

SRC = Path(__file__).parents[2] / "src"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _read_until(fd: int, needle: bytes, deadline: float) -> bytes:
    seen = b""
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _run_in_pty(args: list[str], answer: str) -> tuple[int, bytes]:
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(SRC), "TCP_NODELAY": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "movescu", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        close_fds=True,
    )
    os.close(terminal)
    try:
        deadline = time.monotonic() + 30
        shown = _read_until(controller, b"Enter PEM pass phrase:", deadline)
        os.write(controller, answer.encode() + b"\n")
        shown += _read_until(controller, b"\x00never", deadline)
        rc = proc.wait(timeout=30)
        return rc, shown
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        os.close(controller)


def test_prompt_does_not_echo_and_the_key_loads(pki: PKI) -> None:
    closed_port = free_port()  # nothing listens: the run ends at the association (rc 61)
    args = ["+tls", str(pki.encrypted_key), str(pki.server.cert), "+cf", str(pki.ca_cert)]
    rc, shown = _run_in_pty([*args, "127.0.0.1", str(closed_port), "-k", "0008,0052=STUDY"],
                            KEY_PASSWORD)  # fmt: skip
    assert b"Enter PEM pass phrase:" in shown
    assert KEY_PASSWORD.encode() not in shown
    assert rc == 61, shown.decode(errors="replace")
    assert b"Association Request Failed" in shown


def test_wrong_prompted_password_is_rc_70(pki: PKI) -> None:
    args = ["+tls", str(pki.encrypted_key), str(pki.server.cert), "+ps"]
    rc, shown = _run_in_pty([*args, "127.0.0.1", "104", "-k", "0008,0052=STUDY"], "wrong")
    assert rc == 70
    assert b"wrong" not in shown
    text = shown.decode(errors="replace")
    assert f"F: 000b:0004 Unable to load private TLS key from '{pki.encrypted_key}'" in text
