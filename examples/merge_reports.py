"""Merge the ``--report`` files of the workers of a sharded migration into one.

Usage: python merge_reports.py REPORT.json... > merged.json

Each worker (see docs/bulk.md) ran movescu with ``--key-list`` on its shard and
wrote its own report.  The merged document lists every move of every report
(with the report it came from), sums the counts, the sub-operation totals and
the objects received, and gives the worst exit code (an association or other
error over 69 over 68 over 0); ``not_done`` names every move still to do, so
the shard's report is what ``--resume`` takes to finish it.  The exit status is
0 when every move of every report is done, else 1.  Pure standard library.
"""

from __future__ import annotations

import json
import sys
from typing import Any

_STATES = ("done", "failed", "interrupted", "not-started")


def worst(codes: list[int]) -> int:
    """Any other error (61, 130 ...) first, then 69, 68, 0."""
    others = [code for code in codes if code not in (0, 68, 69)]
    if others:
        return others[0]
    return max(codes, default=0)


def merge(documents: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The merged report of ``(file name, report)`` pairs."""
    counts = dict.fromkeys(_STATES, 0)
    totals = {"moves": 0, "completed": 0, "failed": 0, "warning": 0}
    received = 0
    moves: list[dict[str, Any]] = []
    for name, document in documents:
        bulk = document.get("bulk") or {"moves": []}
        for state in _STATES:
            counts[state] += int(bulk.get("counts", {}).get(state, 0))
        for key in totals:
            totals[key] += int(document.get("totals", {}).get(key) or 0)
        received += int((document.get("received") or {}).get("objects") or 0)
        moves += [{"report": name, **move} for move in bulk["moves"]]
    return {
        "reports": [name for name, _ in documents],
        "exit_code": worst([int(document.get("exit_code", 1)) for _, document in documents]),
        "counts": counts,
        "totals": totals,
        "received_objects": received,
        "moves": moves,
        "not_done": [
            {"report": move["report"], "move": move["move"], "source": move["source"]}
            for move in moves
            if move["state"] != "done"
        ],
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    documents = []
    for name in argv[1:]:
        with open(name, encoding="utf-8") as stream:
            documents.append((name, json.load(stream)))
    merged = merge(documents)
    json.dump(merged, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if not merged["not_done"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
