"""Write one shard of a ``--key-list`` CSV: the header, then every COUNT-th row.

Usage: python shard_key_list.py KEYS.csv INDEX COUNT > shard.csv

Shard INDEX (0 .. COUNT-1) holds data rows INDEX, INDEX+COUNT, INDEX+2*COUNT ...
(round robin, so large and small studies spread evenly); the COUNT shards
together hold every row exactly once.  Each worker of a migration (a machine,
a GNU parallel job, a Kubernetes indexed Job pod) takes the shard of its index:
see docs/bulk.md.  Pure standard library; blank lines are dropped.
"""

from __future__ import annotations

import csv
import sys


def shard(lines: list[list[str]], index: int, count: int) -> list[list[str]]:
    """The header and the rows of shard ``index`` of ``count``."""
    if not 0 <= index < count:
        raise ValueError(f"index {index} not in 0..{count - 1}")
    rows = [row for row in lines if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError("no header row")
    return [rows[0], *rows[1:][index::count]]


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 1
    with open(argv[1], encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    try:
        part = shard(lines, int(argv[2]), int(argv[3]))
    except ValueError as error:
        print(f"shard_key_list: {error}", file=sys.stderr)
        return 1
    csv.writer(sys.stdout, lineterminator="\n").writerows(part)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
