"""A whole retrieve over IPv6 loopback (``-i6``): the C-MOVE and the sub-associations.

``python -m movescu -i6`` connects to a scripted Move SCP listening on ``::1``,
which stores two objects back to our ``+P`` port over ``::1``.  Skipped (with
the reason) only on a machine without an IPv6 loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.datasets import make_image
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port

SRC = str(Path(__file__).resolve().parents[2] / "src")
CT = "1.2.840.10008.5.1.4.1.1.2"


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback (::1)")


def test_retrieve_over_ipv6(tmp_path: Path) -> None:
    images = [make_image(CT, "V6", "1.2.3.6", "1.2.3.6.1", n) for n in (1, 2)]
    statuses: list[int] = []
    port = free_port()

    def script(ctx: MoveContext) -> None:
        statuses.extend(ctx.store(images))
        ctx.respond(0x0000, remaining=0, completed=2, failed=0, warning=0)

    out = tmp_path / "out"
    out.mkdir()
    with fake_qr(script, destinations={"MOVESCU": port}, host="::1") as fake:
        proc = subprocess.run(
            [sys.executable, "-m", "movescu", "-v", "-i6", "-aet", "MOVESCU", "+P", str(port)]
            + ["-od", str(out), "-S", "-k", "QueryRetrieveLevel=STUDY"]
            + ["-k", "StudyInstanceUID=1.2.3.6", "::1", str(fake.port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, PYTHONPATH=SRC),
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert statuses == [0, 0]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"CT.{image.SOPInstanceUID}" for image in images
    )
    assert [record.calling_ae for record in fake.associations][:1] == ["MOVESCU"]
    assert "I: Received Final Move Response (Success)" in proc.stderr.splitlines()
