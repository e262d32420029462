"""Smoke test of ``benchmarks/bench_bulk.py``: it still runs end to end.

Two studies of two small images, one run, ``--parallel 1,2``, against both
peers: every retrieve must succeed (the script exits non-zero otherwise) and the
table must have a row per peer and run with a positive ratio.  No timing is
asserted (docs/performance.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.tools import dcmtk_tool, orthanc_binary

REPO = Path(__file__).resolve().parents[2]


def test_bench_bulk_runs_and_reports_ratios() -> None:
    dcmtk_tool("movescu")
    dcmtk_tool("dcmqrscp")
    orthanc_binary()
    argv = [sys.executable, str(REPO / "benchmarks" / "bench_bulk.py")]
    argv += ["--studies", "2", "--images", "2", "--size-kb", "5", "--runs", "1"]
    argv += ["--parallel", "1,2", "--peers", "orthanc,dcmqrscp"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| orthanc |")]
    rows += [line for line in done.stdout.splitlines() if line.startswith("| dcmqrscp |")]
    assert len(rows) == 6, done.stdout
    for line in rows:
        assert float(line.rstrip(" |").split("|")[-1]) > 0
