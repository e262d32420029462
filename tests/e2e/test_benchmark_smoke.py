"""Smoke test of ``benchmarks/bench_retrieve.py``: it still runs end to end.

Runs the benchmark once at a small size (50 images, one small multi-frame
object, one run, both output modes and ours in stock mode) against Orthanc and
dcmqrscp, as CI does, and checks that every retrieve succeeded and the report
prints ratios.  No timing is
asserted: the numbers depend on the machine (docs/performance.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.tools import dcmtk_tool, orthanc_binary

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("peer", ["orthanc", "dcmqrscp"])
def test_benchmark_runs_and_reports_ratios(tmp_path: Path, peer: str) -> None:
    dcmtk_tool("movescu")
    dcmtk_tool("dcmqrscp")
    if peer == "orthanc":
        orthanc_binary()
    argv = [sys.executable, str(REPO / "benchmarks" / "bench_retrieve.py")]
    argv += ["--images", "50", "--size-kb", "20", "--runs", "1", "--bigobject-mb", "2"]
    argv += ["--modes", "default,+B,stock", "--dcmtk-stock-runs", "0", "--startup-runs", "1"]
    argv += ["--peer", peer, "--workdir", str(tmp_path / "work")]
    argv += ["--json", str(tmp_path / "result.json")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("| 50 x 20 kB")]
    ours = [line for line in table if "| ours |" in line]
    dcmtk = [line for line in table if "DCMTK TCP_NODELAY=1" in line]
    assert len(ours) == 3 and len(dcmtk) == 2, done.stdout
    assert len([line for line in ours if "| stock | ours |" in line]) == 1, done.stdout
    # the last column of our rows is the ratio to DCMTK's best: a positive number
    for line in ours:
        assert float(line.rstrip(" |").split("|")[-1]) > 0
    assert "| movescu --version (ours) |" in done.stdout
    assert (tmp_path / "result.json").is_file()
