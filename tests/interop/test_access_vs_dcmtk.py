"""Differential tests: ``+ac`` against DCMTK 3.6.7's movescu (linked with libwrap).

DCMTK reads only /etc/hosts.allow and /etc/hosts.deny; it runs here in a
private mount namespace (``unshare -rm``) where test tables are bind-mounted
over them (skipped where that is not possible).  Ours reads the same tables
through ``MOVESCU_HOSTS_ALLOW`` / ``MOVESCU_HOSTS_DENY``.  A client connects to
the ``+P`` port from 127.0.0.2 (no reverse name) or 127.0.0.1 (``localhost``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import LOOPBACK, free_port, peer_environment
from tests.support.tools import dcmtk_tool

pytestmark = pytest.mark.dcmtk

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=X"]
Runner = Callable[[list[str]], tuple[int, list[str]]]


def _namespace_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount --bind /dev/null /etc/hosts.deny"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _connect_and_wait(source: str, port: int) -> None:
    """A client that connects and waits (at most 2 s) for the SCP to close."""
    with socket.socket() as sock:
        sock.bind((source, 0))
        sock.settimeout(2)
        sock.connect((LOOPBACK, port))
        try:
            sock.recv(100)
        except OSError:
            pass


def _run(runner: Runner, source: str, options: list[str]) -> list[str]:
    port = free_port()

    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        _connect_and_wait(source, port)
        ctx.respond(0x0000, completed=0, failed=0, warning=0)

    with fake_qr(script) as fake:
        argv = [*options, "+ac", "+P", str(port), LOOPBACK, str(fake.port), *KEYS]
        _, lines = runner(argv)
    return [line for line in lines if "TCP wrapper" in line]


@pytest.mark.parametrize(
    ("deny", "source", "options"),
    [
        ("movescu: ALL", "127.0.0.2", []),
        ("movescu: KNOWN", "127.0.0.2", []),
        ("movescu: UNKNOWN", "127.0.0.2", []),
        ("movescu: 127.0.0.2", "127.0.0.2", []),
        ("movescu: ALL", "127.0.0.1", []),
        ("movescu: ALL", "127.0.0.2", ["-dhl"]),
        ("movescu: UNKNOWN", "127.0.0.2", ["-dhl"]),
    ],
)
def test_client_name_matches_dcmtk(
    run_main: Runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    deny: str,
    source: str,
    options: list[str],
) -> None:
    if not _namespace_works():
        pytest.skip("no private mount namespace (unshare -rm): DCMTK reads only /etc")
    allow_file, deny_file = tmp_path / "allow", tmp_path / "deny"
    allow_file.write_text("")
    deny_file.write_text(deny + "\n")
    mounts = (
        f"mount --bind {allow_file} /etc/hosts.allow && mount --bind {deny_file} /etc/hosts.deny"
    )

    def dcmtk(argv: list[str]) -> tuple[int, list[str]]:
        command = [dcmtk_tool("movescu"), *argv]
        proc = subprocess.run(
            ["unshare", "-rm", "sh", "-c", f'{mounts} && exec "$@"', "sh", *command],
            capture_output=True,
            text=True,
            timeout=60,
            env=peer_environment(),
            check=False,
        )
        return proc.returncode, proc.stderr.splitlines()

    monkeypatch.setenv("MOVESCU_HOSTS_ALLOW", str(allow_file))
    monkeypatch.setenv("MOVESCU_HOSTS_DENY", str(deny_file))
    theirs = _run(dcmtk, source, options)
    ours = _run(run_main, source, options)
    assert ours == theirs
    if deny == "movescu: ALL":
        assert len(theirs) == 1
