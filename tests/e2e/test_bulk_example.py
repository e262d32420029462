"""examples/bulk-shards.sh really works: a sharded migration on one machine.

Run as a user would from the repository (``MOVESCU="<python> -m movescu"``,
``PYTHONPATH=src``); the script starts dcmqrscp and storescp on free ports and
stops them on exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.tools import dcmtk_tool

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.dcmtk
def test_bulk_shards_script(tmp_path: Path) -> None:
    dcmtk_bin = str(Path(dcmtk_tool("dcmqrscp")).parent)
    dcmtk_tool("storescp")
    env = {
        **os.environ,
        "MOVESCU": f"{sys.executable} -m movescu",
        "PYTHON": sys.executable,
        "PYTHONPATH": str(REPO / "src"),
        "TMPDIR": str(tmp_path),
        "DCMTK_BIN": dcmtk_bin,
        "IMAGES": "5",
        "SHARDS": "2",
        "PARALLEL": "2",
    }
    result = subprocess.run(
        ["bash", str(REPO / "examples" / "bulk-shards.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "== merged: moves {'done': 5, 'failed': 0" in result.stdout
    assert "ARCHIVE received 5 of 5 images" in result.stdout
    assert list(tmp_path.iterdir()) == []
