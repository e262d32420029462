"""examples/shard_key_list.py and examples/merge_reports.py (the sharded migration's tools).

Run as scripts, as docs/bulk.md shows them; the shards must hold every row
exactly once and be valid key lists, and the merge must sum and list what is
not done.  ``bulk-shards.sh`` is run for real by ``tests/e2e/test_bulk_example.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from movescu.dicom.dictionary import load_dictionary
from movescu.keylist import read_key_list

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("count", [1, 3, 7])
def test_shards_hold_every_row_once(tmp_path: Path, count: int) -> None:
    rows = [f"1.2.3.{n}" for n in range(10)]
    keys = tmp_path / "keys.csv"
    keys.write_text("StudyInstanceUID\n" + "\n".join(rows) + "\n\n", encoding="utf-8")
    seen: list[str] = []
    dictionary = load_dictionary({})
    for index in range(count):
        result = run("shard_key_list.py", str(keys), str(index), str(count))
        assert result.returncode == 0, result.stderr
        shard = tmp_path / f"shard-{index}.csv"
        shard.write_text(result.stdout, encoding="utf-8")
        assert result.stdout.splitlines()[0] == "StudyInstanceUID"
        if len(result.stdout.splitlines()) > 1:
            seen += [row.keys[0].value or "" for row in read_key_list(shard, dictionary)]
    assert sorted(seen) == sorted(rows)


def test_shard_index_out_of_range(tmp_path: Path) -> None:
    keys = tmp_path / "keys.csv"
    keys.write_text("PatientID\nA\n", encoding="utf-8")
    result = run("shard_key_list.py", str(keys), "2", "2")
    assert result.returncode == 1
    assert "index 2 not in 0..1" in result.stderr


def report(exit_code: int, states: list[str], completed: int) -> dict[str, object]:
    return {
        "exit_code": exit_code,
        "totals": {"moves": len(states), "completed": completed, "failed": 0, "warning": 0},
        "received": None,
        "bulk": {
            "counts": {
                s: states.count(s) for s in ("done", "failed", "interrupted", "not-started")
            },
            "moves": [
                {"move": n, "source": f"shard.csv:{n + 1}", "state": state}
                for n, state in enumerate(states, 1)
            ],
        },
    }


def test_merge_sums_and_lists_what_is_not_done(tmp_path: Path) -> None:
    first, second = tmp_path / "r0.json", tmp_path / "r1.json"
    first.write_text(json.dumps(report(0, ["done", "done"], 4)), encoding="utf-8")
    second.write_text(json.dumps(report(69, ["done", "failed"], 2)), encoding="utf-8")
    result = run("merge_reports.py", str(first), str(second))
    assert result.returncode == 1, result.stderr
    merged = json.loads(result.stdout)
    assert merged["exit_code"] == 69
    assert merged["counts"] == {"done": 3, "failed": 1, "interrupted": 0, "not-started": 0}
    assert merged["totals"]["completed"] == 6
    assert merged["not_done"] == [{"report": str(second), "move": 2, "source": "shard.csv:3"}]
    assert len(merged["moves"]) == 4


def test_merge_of_complete_reports_exits_0_and_keeps_other_errors_first(tmp_path: Path) -> None:
    paths = []
    for n, code in enumerate([68, 61, 0]):
        path = tmp_path / f"r{n}.json"
        path.write_text(json.dumps(report(code, ["done"], 1)), encoding="utf-8")
        paths.append(str(path))
    result = run("merge_reports.py", *paths)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["exit_code"] == 61
