"""Many-studies benchmark: ``--key-list`` with ``--parallel 1, 2, 4`` against a DCMTK loop.

Owns generating S studies of N single-frame CT images (each of K kB), loading
them once into a real peer (Orthanc or DCMTK dcmqrscp, started as
``bench_retrieve.py`` starts them), and timing the retrieve of all S studies
into ``+P``: by DCMTK ``/usr/bin/movescu`` run once per study in a shell loop
(what users script today; with ``TCP_NODELAY=1``, DCMTK at its best) and by our
movescu in one process with a key list of the S StudyInstanceUIDs and
``--parallel`` 1, 2 and 4, alternating the order per run.  Each run is checked
(exit code, number of files).  Prints medians and the ratio to the DCMTK loop
as a Markdown table.  Peer start-up, child timing and the machine description
come from ``bench_retrieve.py``.

Usage::

    python benchmarks/bench_bulk.py --studies 20 --images 50 --size-kb 20 --runs 3 \\
        --peers orthanc,dcmqrscp --parallel 1,2,4
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_retrieve import (  # noqa: E402
    AE_DCMTK,
    AE_OURS,
    DCMTK_MOVESCU,
    Tools,
    _count_output,
    describe_machine,
    free_port,
    generate_images,
    running_peer,
    timed_child,
)


def dcmtk_loop(peer, port: int, uids: list[str], out: Path) -> list[str]:
    """``bash -c 'for uid in ...; do movescu ... ; done'`` (stops at the first failure)."""
    command = (
        f'for uid in "$@"; do {DCMTK_MOVESCU} -S -aet {AE_DCMTK} -aem {AE_DCMTK} '
        f"-aec {peer.ae_title} +P {port} -od {out} -k QueryRetrieveLevel=STUDY "
        f'-k StudyInstanceUID="$uid" {peer.host} {peer.port} || exit $?; done'
    )
    return ["bash", "-c", command, "loop", *uids]


def ours_command(tools: Tools, peer, port: int, keys: Path, out: Path, parallel: int) -> list[str]:
    return [
        *tools.ours,
        "-S", "-aet", AE_OURS, "-aem", AE_OURS, "-aec", peer.ae_title,
        "+P", str(port), "-od", str(out), "-k", "QueryRetrieveLevel=STUDY",
        "--key-list", str(keys), "--parallel", str(parallel), peer.host, str(peer.port),
    ]  # fmt: skip


def measure(args, peer_kind: str, scratch: Path, tools: Tools) -> dict[str, list[float]]:
    """All timed runs against one peer: label -> seconds."""
    studies = [
        generate_images(scratch / "data" / f"s{n:03d}", args.images, args.size_kb)
        for n in range(args.studies)
    ]
    uids = [study.study_uid for study in studies]
    expect = args.studies * args.images
    keys = scratch / "keys.csv"
    keys.write_text("StudyInstanceUID\n" + "".join(f"{u}\n" for u in uids), encoding="utf-8")
    ports = {AE_DCMTK: free_port(), AE_OURS: free_port()}
    files = [f for study in studies for f in study.files]
    times: dict[str, list[float]] = {}
    with running_peer(peer_kind, scratch / f"peer-{peer_kind}", files, ports) as peer:
        for run in range(args.runs):
            labels = ["dcmtk loop"] + [f"ours --parallel {p}" for p in args.parallel]
            if run % 2:
                labels.reverse()
            for label in labels:
                out = Path(tempfile.mkdtemp(prefix="out-", dir=scratch))
                if label == "dcmtk loop":
                    argv = dcmtk_loop(peer, ports[AE_DCMTK], uids, out)
                    env = tools.dcmtk_best_env
                else:
                    parallel = int(label.rsplit(" ", 1)[1])
                    argv = ours_command(tools, peer, ports[AE_OURS], keys, out, parallel)
                    env = tools.ours_env
                log = scratch / f"{peer_kind}-{label.replace(' ', '_')}.log"
                seconds, _, rc = timed_child(argv, env, scratch, log)
                count, _ = _count_output(out)
                shutil.rmtree(out, ignore_errors=True)
                ok = rc == 0 and count == expect
                print(f"# {peer_kind} {label}: {seconds:.2f} s, rc {rc}, {count}/{expect} files")
                if not ok:
                    print(log.read_text(errors="replace")[-2000:], file=sys.stderr)
                    raise SystemExit(f"{peer_kind} {label} failed")
                times.setdefault(label, []).append(seconds)
    return times


def table(results: dict[str, dict[str, list[float]]], args) -> str:
    lines = [
        f"{args.studies} studies x {args.images} images x {args.size_kb} kB, "
        f"median of {args.runs} runs",
        "",
        "| peer | run | seconds | studies/s | vs DCMTK loop |",
        "|---|---|---|---|---|",
    ]
    for peer, times in results.items():
        base = statistics.median(times["dcmtk loop"])
        for label, values in times.items():
            median = statistics.median(values)
            lines.append(
                f"| {peer} | {label} | {median:.2f} | {args.studies / median:.1f} "
                f"| {median / base:.2f} |"
            )
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--studies", type=int, default=20)
    p.add_argument("--images", type=int, default=50, help="images per study")
    p.add_argument("--size-kb", type=int, default=20, help="size of each image in kB")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--peers", default="orthanc,dcmqrscp")
    p.add_argument("--parallel", default="1,2,4", help="comma list of --parallel values")
    p.add_argument("--ours", help="command line of our movescu (default: python -m movescu)")
    args = p.parse_args(argv)
    args.parallel = [int(v) for v in args.parallel.split(",") if v.strip()]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tools = Tools(args.ours.split() if args.ours else None)
    started = time.perf_counter()
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="movescu-bench-bulk-") as name:
        for peer in [p.strip() for p in args.peers.split(",") if p.strip()]:
            results[peer] = measure(args, peer, Path(name) / peer, tools)
    print("## Machine\n")
    print("\n".join(f"- {k}: {v}" for k, v in describe_machine().items()) + "\n")
    print(table(results, args), end="")
    print(f"# total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
