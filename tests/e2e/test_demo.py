"""The README's first command: ``./examples/demo.sh`` retrieves the demo study.

It builds its own venv from this checkout (pip needs the package index), starts
pynetdicom's qrscp on loopback, loads five generated CT images and retrieves them
with our ``movescu``.  Slow (a venv and an install), so it carries the ``slow``
marker; CI runs it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_script_retrieves_the_study(tmp_path: Path) -> None:
    env = dict(os.environ, DEMO_DIR=str(tmp_path / "demo"))
    done = subprocess.run(
        ["bash", str(REPO / "examples" / "demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    received = sorted(p.name for p in (tmp_path / "demo" / "received").iterdir())
    assert len(received) == 5
    assert all(name.startswith("CT.") for name in received)
    assert "Traceback" not in done.stderr
    assert "I: Received Final Move Response (Success)" in done.stderr
