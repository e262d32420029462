"""A pynetdicom whose copied methods differ from the fingerprint: the program runs in stock mode.

``python -m movescu`` runs on an edited copy of the installed pynetdicom (one
log text of ``DULServiceProvider._read_pdu_data`` changed, version 3.0.5):
``--version`` and ``-d`` name the method, and a whole retrieve with ``+P``
still stores every object.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.datasets import make_image
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port
from tests.unit.test_fingerprint import edited_pynetdicom

#: about the accelerator's switch itself: once (the run is in stock mode anyway)
pytestmark = pytest.mark.accelerator

SRC = str(Path(__file__).resolve().parents[2] / "src")
CT = "1.2.840.10008.5.1.4.1.1.2"
OFF = (
    "accelerator: off (pynetdicom 3.0.5 differs from the fingerprint: "
    "dul.py DULServiceProvider._read_pdu_data)"
)


def _movescu(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return _python(root, "-m", "movescu", *argv)


def _python(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=f"{root}{os.pathsep}{SRC}", TCP_NODELAY="1"),
        check=False,
    )


def test_edited_pynetdicom_runs_in_stock_mode(tmp_path: Path) -> None:
    root = edited_pynetdicom(tmp_path / "site")
    loaded = _python(root, "-c", "import pynetdicom; print(pynetdicom.__file__)")
    assert loaded.stdout.strip() == str(root / "pynetdicom" / "__init__.py")
    version = _movescu(root, "--version")
    assert version.returncode == 0
    assert OFF in version.stdout.splitlines()

    images = [make_image(CT, "FP", "1.2.3.7", "1.2.3.7.1", n) for n in (1, 2)]
    statuses: list[int] = []
    port = free_port()

    def script(ctx: MoveContext) -> None:
        statuses.extend(ctx.store(images))
        ctx.respond(0x0000, remaining=0, completed=2, failed=0, warning=0)

    out = tmp_path / "out"
    out.mkdir()
    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        proc = _movescu(
            root,
            *["-d", "-aet", "MOVESCU", "+P", str(port), "-od", str(out), "-S"],
            *["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3.7"],
            *["127.0.0.1", str(fake.port)],
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert lines.count(f"D: {OFF}") == 1
    assert statuses == [0, 0]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"CT.{image.SOPInstanceUID}" for image in images
    )
    assert "I: Received Final Move Response" in lines
