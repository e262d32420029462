"""The end-to-end example scripts really work: Orthanc CI smoke test, third-party move.

Each script is run as a user would run it from the repository, with
``MOVESCU="<python> -m movescu"`` and ``PYTHONPATH=src``.  The scripts start
their own peers on 127.0.0.1 (free ports), bound every wait and stop their peers
on exit; the subprocess timeout here is the last safety net.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.tools import dcmtk_tool, orthanc_binary

REPO = Path(__file__).resolve().parents[2]


def run_script(name: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MOVESCU": f"{sys.executable} -m movescu",
        "PYTHON": sys.executable,
        "PYTHONPATH": str(REPO / "src"),
        "TMPDIR": str(tmp_path),
        **extra,
    }
    return subprocess.run(
        ["bash", str(REPO / "examples" / name)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


@pytest.mark.orthanc
def test_ci_smoke_script_retrieves_from_orthanc(tmp_path: Path) -> None:
    result = run_script("ci-smoke-orthanc.sh", tmp_path, ORTHANC=orthanc_binary(), IMAGES="4")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS: received files (4)" in result.stdout
    assert "PASS: exit code for an unknown study (69)" in result.stdout
    # the work directory (Orthanc storage, received files) is removed
    assert list(tmp_path.iterdir()) == []


@pytest.mark.dcmtk
def test_third_party_move_script(tmp_path: Path) -> None:
    dcmtk_bin = str(Path(dcmtk_tool("dcmqrscp")).parent)
    dcmtk_tool("storescp")
    result = run_script("third-party-move.sh", tmp_path, DCMTK_BIN=dcmtk_bin, IMAGES="2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VIEWER received 2 of 2 images" in result.stdout
    assert "-aem VIEWER" in result.stderr
    assert list(tmp_path.iterdir()) == []
