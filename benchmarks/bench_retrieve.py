"""Side-by-side retrieve benchmark: our movescu against DCMTK's, same peer, same run.

Owns generating the benchmark data (N single-frame CT images of K kB in one
study, and optionally one multi-frame object of M MiB in a second study),
loading it once into a real peer (Orthanc via REST, or DCMTK dcmqrscp), and
timing ``C-MOVE`` retrieves by DCMTK ``/usr/bin/movescu`` and by ours
(``python -m movescu`` with ``PYTHONPATH=src`` unless ``--ours`` says otherwise),
alternating which goes first in each run.  Modes: ``default`` and ``+B`` (the
output modes), ``stock`` and ``stock+B`` (the same with ours on stock
pynetdicom, ``--no-accelerator``: only ours runs, its ratio is to DCMTK's run
of the same output mode).  Per child process it measures wall
time and peak RSS (GNU ``/usr/bin/time``), and checks the exit code and the number of
files written.  It prints medians, ours/DCMTK ratios, images/s, MB/s and peak
RSS as Markdown tables.  Must not be imported by the test suite except through
its command line (the smoke test runs it as a subprocess).

DCMTK is measured at its best, with ``TCP_NODELAY=1`` in its environment (DCMTK
leaves Nagle's algorithm on otherwise and every C-STORE response then waits for
a delayed ACK), and once stock (``--dcmtk-stock-runs``, default 1).  The peer
always runs with ``TCP_NODELAY=1``.  Ours runs without it (it sets TCP_NODELAY
on its own sockets).

Usage::

    python benchmarks/bench_retrieve.py --images 1000 --size-kb 525 --runs 5 \\
        --peer orthanc --bigobject-mb 200 --modes default,+B,stock
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.peers import QRPeer, dcmqrscp, free_port, orthanc  # noqa: E402

DCMTK_MOVESCU = "/usr/bin/movescu"
GNU_TIME = "/usr/bin/time"
HAVE_GNU_TIME = os.access(GNU_TIME, os.X_OK)
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2.1"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
UID_PREFIX = "1.2.826.0.1.3680043.8.498."
AE_DCMTK = "BENCH_DCMTK"
AE_OURS = "BENCH_OURS"
RUN_TIMEOUT = 900.0


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Study:
    """One generated study: its UID, files and total size."""

    label: str
    study_uid: str
    files: tuple[Path, ...]
    nbytes: int


def _base_dataset(study_uid: str, series_uid: str, sop_class: str) -> object:
    from pydicom.dataset import Dataset, FileMetaDataset

    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.StudyDate, ds.StudyTime = "20240102", "101500"
    ds.AccessionNumber = "BENCH"
    ds.Modality = "CT"
    ds.PatientName, ds.PatientID = "Bench^Mark", "BENCH001"
    ds.PatientBirthDate, ds.PatientSex = "19700101", "O"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.StudyID, ds.SeriesNumber = "1", 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.TransferSyntaxUID = EXPLICIT_LE
    return ds


def generate_images(directory: Path, count: int, size_kb: int) -> Study:
    """``count`` CT images of about ``size_kb`` kB (1000 bytes) in one study and series."""
    from pydicom.uid import generate_uid

    directory.mkdir(parents=True, exist_ok=True)
    study_uid = generate_uid(prefix=UID_PREFIX)
    series_uid = generate_uid(prefix=UID_PREFIX)
    rows = 512
    columns = max(8, (size_kb * 1000 - 1200) // (2 * rows))
    pixels = (os.urandom(2 * columns) * rows)[: 2 * rows * columns]
    files = []
    total = 0
    for n in range(count):
        ds = _base_dataset(study_uid, series_uid, CT_IMAGE)
        ds.SOPInstanceUID = generate_uid(prefix=UID_PREFIX)  # type: ignore[attr-defined]
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID  # type: ignore[attr-defined]
        ds.InstanceNumber = n + 1  # type: ignore[attr-defined]
        ds.Rows, ds.Columns = rows, columns  # type: ignore[attr-defined]
        ds.PixelData = pixels  # type: ignore[attr-defined]
        path = directory / f"img{n:05d}.dcm"
        ds.save_as(path, enforce_file_format=True)  # type: ignore[attr-defined]
        files.append(path)
        total += path.stat().st_size
    return Study(f"{count} x {size_kb} kB", study_uid, tuple(files), total)


def generate_big_object(directory: Path, size_mib: int) -> Study:
    """One multi-frame Enhanced CT object of about ``size_mib`` MiB in its own study."""
    from pydicom.uid import generate_uid

    directory.mkdir(parents=True, exist_ok=True)
    study_uid = generate_uid(prefix=UID_PREFIX)
    ds = _base_dataset(study_uid, generate_uid(prefix=UID_PREFIX), ENHANCED_CT_IMAGE)
    frame = 512 * 512 * 2
    frames = max(1, size_mib * (1 << 20) // frame)
    ds.SOPInstanceUID = generate_uid(prefix=UID_PREFIX)  # type: ignore[attr-defined]
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID  # type: ignore[attr-defined]
    ds.InstanceNumber = 1  # type: ignore[attr-defined]
    ds.Rows, ds.Columns, ds.NumberOfFrames = 512, 512, frames  # type: ignore[attr-defined]
    ds.PixelData = os.urandom(frame) * frames  # type: ignore[attr-defined]
    path = directory / "big.dcm"
    ds.save_as(path, enforce_file_format=True)  # type: ignore[attr-defined]
    del ds
    return Study(f"1 x {size_mib} MiB multi-frame", study_uid, (path,), path.stat().st_size)


# --------------------------------------------------------------------------- runs


@dataclass
class Sample:
    """One timed retrieve."""

    tool: str
    mode: str
    study: str
    seconds: float
    max_rss_kib: int
    returncode: int
    files: int
    nbytes: int


@dataclass
class Result:
    """Everything one benchmark invocation measured."""

    machine: dict[str, str]
    settings: dict[str, object]
    samples: list[Sample] = field(default_factory=list)
    startup: dict[str, list[float]] = field(default_factory=dict)


def _count_output(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return len(files), sum(p.stat().st_size for p in files)


def timed_child(
    argv: Sequence[str], env: dict[str, str], cwd: Path, log: Path
) -> tuple[float, int, int]:
    """Run ``argv``; return (wall seconds, peak RSS in KiB, exit status).

    The peak RSS comes from GNU time: ``ru_maxrss`` of a child forked directly
    from this (large) process would include this process's own memory.  Without
    GNU time it is that ``ru_maxrss`` (``os.wait4``): an upper bound.
    """
    rss_file = log.with_suffix(".rss")
    timed = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv] if HAVE_GNU_TIME else list(argv)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(timed, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        proc.returncode = returncode = os.waitstatus_to_exitcode(status)
    rss = int(usage.ru_maxrss)
    if HAVE_GNU_TIME:
        try:
            rss = int(rss_file.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = 0
    return seconds, rss, returncode


class Tools:
    """How to invoke each tool under test."""

    def __init__(self, ours: Sequence[str] | None) -> None:
        base = {k: v for k, v in os.environ.items() if k != "TCP_NODELAY"}
        self.ours = list(ours) if ours else [sys.executable, "-m", "movescu"]
        self.ours_env = dict(base)
        if not ours:
            paths = [str(REPO / "src"), base.get("PYTHONPATH", "")]
            self.ours_env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        self.dcmtk_best_env = dict(base, TCP_NODELAY="1")
        self.dcmtk_stock_env = dict(base)

    def command(self, tool: str) -> tuple[list[str], dict[str, str], str]:
        """argv prefix, environment and AE title of ``tool`` (ours, dcmtk, dcmtk-stock)."""
        if tool == "ours":
            return self.ours, self.ours_env, AE_OURS
        if tool == "dcmtk":
            return [DCMTK_MOVESCU], self.dcmtk_best_env, AE_DCMTK
        return [DCMTK_MOVESCU], self.dcmtk_stock_env, AE_DCMTK


#: mode -> (output mode, accelerator on)
MODES = {
    "default": ("default", True),
    "+B": ("+B", True),
    "stock": ("default", False),
    "stock+B": ("+B", False),
}


def retrieve(
    tools: Tools,
    tool: str,
    mode: str,
    peer: QRPeer,
    study: Study,
    ports: dict[str, int],
    scratch: Path,
    expect: int,
) -> Sample:
    """Retrieve ``study`` from ``peer`` with ``tool`` into a fresh directory, then delete it."""
    prefix, env, aet = tools.command(tool)
    out = Path(tempfile.mkdtemp(prefix=f"{tool}-", dir=scratch))
    argv = [*prefix, "-S", "-aet", aet, "-aem", aet, "-aec", peer.ae_title]
    argv += ["+P", str(ports[aet]), "-od", str(out)]
    output, accelerated = MODES[mode]
    if output == "+B":
        argv.append("+B")
    if tool == "ours" and not accelerated:
        argv.append("--no-accelerator")
    argv += ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study.study_uid}"]
    argv += [peer.host, str(peer.port)]
    log = scratch / f"{tool}-{mode}.log"
    # DCMTK 3.6.7 writes +B files into the current directory: run both in ``out``.
    seconds, rss, rc = timed_child(argv, env, out, log)
    files, nbytes = _count_output(out)
    shutil.rmtree(out, ignore_errors=True)
    if rc != 0 or files != expect:
        tail = log.read_text(errors="replace")[-2000:]
        print(f"!! {tool} {mode}: rc={rc}, {files}/{expect} files\n{tail}", file=sys.stderr)
    return Sample(tool, mode, study.label, seconds, rss, rc, files, nbytes)


def time_startup(tools: Tools, repeats: int) -> dict[str, list[float]]:
    """Wall time of ``--version`` and ``--help`` for both tools."""
    timings: dict[str, list[float]] = {}
    for option in ("--version", "--help"):
        for tool in ("dcmtk", "ours"):
            prefix, env, _ = tools.command(tool)
            key = f"{tool} {option}"
            for _ in range(repeats):
                start = time.perf_counter()
                subprocess.run([*prefix, option], env=env, capture_output=True, check=False)
                timings.setdefault(key, []).append(time.perf_counter() - start)
    return timings


@contextmanager
def running_peer(
    kind: str, workdir: Path, files: list[Path], ports: dict[str, int]
) -> Iterator[QRPeer]:
    """Start the peer with ``files`` loaded and both tools known as move destinations."""
    if kind == "orthanc":
        with orthanc(workdir / "orthanc", files, ports) as peer:
            yield peer
    else:
        with dcmqrscp(workdir / "dcmqrscp", files, ports) as peer:
            yield peer


# --------------------------------------------------------------------------- report


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(result: Result, studies: dict[str, Study]) -> str:
    """Markdown tables of medians and ratios."""
    lines = ["## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in result.machine.items()]
    lines += ["", "## Settings", ""]
    lines += [f"- {k}: {v}" for k, v in result.settings.items()]
    lines += ["", "## Retrieves (medians)", ""]
    lines.append(
        "| data | mode | tool | runs | wall s | images/s | MB/s | peak RSS MiB "
        "| ratio to DCMTK best |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, str, str], list[Sample]] = {}
    for s in result.samples:
        groups.setdefault((s.study, s.mode, s.tool), []).append(s)
    for (label, mode, tool), samples in groups.items():
        study = studies[label]
        wall = _median([s.seconds for s in samples])
        rss = _median([s.max_rss_kib / 1024 for s in samples])
        ok = all(s.returncode == 0 and s.files == len(study.files) for s in samples)
        best = groups.get((label, MODES[mode][0], "dcmtk"))
        ratio = ""
        if best and tool != "dcmtk":
            ratio = f"{wall / _median([s.seconds for s in best]):.2f}"
        name = {"ours": "ours", "dcmtk": "DCMTK TCP_NODELAY=1", "dcmtk-stock": "DCMTK stock"}[tool]
        lines.append(
            f"| {label} | {mode} | {name}{'' if ok else ' (FAILED)'} | {len(samples)} "
            f"| {wall:.2f} | {len(study.files) / wall:.0f} | {study.nbytes / 1e6 / wall:.0f} "
            f"| {rss:.0f} | {ratio} |"
        )
    if result.startup:
        lines += ["", "## Start-up (medians)", "", "| command | ms |", "|---|---|"]
        for key, values in result.startup.items():
            lines.append(
                f"| movescu {key.split()[1]} ({key.split()[0]}) | {_median(values) * 1e3:.0f} |"
            )
    return "\n".join(lines) + "\n"


def describe_machine() -> dict[str, str]:
    """CPU, memory, OS and versions, for docs/performance.md."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / (1 << 20):.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def version(argv: list[str]) -> str:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
        except OSError:
            return "missing"
        return next((ln.strip() for ln in out.splitlines() if ln.strip()), "unknown")

    import pydicom
    import pynetdicom

    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pydicom / pynetdicom": f"{pydicom.__version__} / {pynetdicom.__version__}",
        "dcmtk": version([DCMTK_MOVESCU, "--version"]),
        "orthanc": version(["/usr/sbin/Orthanc", "--version"]),
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=1000, help="images in the study (0: none)")
    p.add_argument("--size-kb", type=int, default=525, help="size of each image in kB")
    p.add_argument("--runs", type=int, default=5, help="timed runs per tool and mode")
    p.add_argument("--peer", choices=("orthanc", "dcmqrscp"), default="orthanc")
    p.add_argument("--bigobject-mb", type=int, default=200, help="multi-frame object (0: none)")
    p.add_argument(
        "--modes", default="default,+B", help="comma list of default, +B, stock, stock+B"
    )
    p.add_argument("--dcmtk-stock-runs", type=int, default=1, help="runs of Nagle-on DCMTK")
    p.add_argument("--startup-runs", type=int, default=10, help="--version/--help timings")
    p.add_argument("--ours", help="command line of our movescu (default: python -m movescu)")
    p.add_argument("--workdir", type=Path, help="scratch directory (default: a temporary one)")
    p.add_argument("--json", type=Path, help="also write all samples as JSON here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every retrieve succeeded."""
    args = parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if any(m not in MODES for m in modes):
        raise SystemExit(f"unknown mode in {args.modes!r}")
    tools = Tools(args.ours.split() if args.ours else None)
    scratch_owner = None
    if args.workdir is None:
        scratch_owner = tempfile.TemporaryDirectory(prefix="movescu-bench-")
        scratch = Path(scratch_owner.name)
    else:
        scratch = args.workdir
        scratch.mkdir(parents=True, exist_ok=True)
    try:
        return _benchmark(args, modes, tools, scratch)
    finally:
        if scratch_owner is not None:
            scratch_owner.cleanup()


def _benchmark(args: argparse.Namespace, modes: list[str], tools: Tools, scratch: Path) -> int:
    t0 = time.perf_counter()
    studies: dict[str, Study] = {}
    if args.images > 0:
        s = generate_images(scratch / "data" / "images", args.images, args.size_kb)
        studies[s.label] = s
    if args.bigobject_mb > 0:
        s = generate_big_object(scratch / "data" / "big", args.bigobject_mb)
        studies[s.label] = s
    print(f"# generated {len(studies)} studies in {time.perf_counter() - t0:.1f} s", flush=True)
    result = Result(
        describe_machine(),
        {
            "peer": f"{args.peer} (started with TCP_NODELAY=1)",
            "runs": args.runs,
            "modes": ", ".join(modes),
            "DCMTK best": "TCP_NODELAY=1 in its environment",
            "DCMTK stock runs": args.dcmtk_stock_runs,
            "ours": " ".join(tools.ours),
            "peak RSS": "GNU time %M"
            if HAVE_GNU_TIME
            else "os.wait4 ru_maxrss (upper bound: includes the benchmark's own memory)",
        },
    )
    ports = {AE_DCMTK: free_port(), AE_OURS: free_port()}
    files = [f for s in studies.values() for f in s.files]
    t0 = time.perf_counter()
    with running_peer(args.peer, scratch / "peer", files, ports) as peer:
        print(f"# peer {args.peer} loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        for data in list(studies):  # the generated files are no longer needed on disk
            for f in studies[data].files:
                f.unlink(missing_ok=True)
        for study in studies.values():
            expect = len(study.files)
            for run in range(args.runs):
                for mode in modes:
                    order = ["dcmtk", "ours"] if run % 2 == 0 else ["ours", "dcmtk"]
                    if not MODES[mode][1]:  # stock: only ours (DCMTK has no such mode)
                        order = ["ours"]
                    for tool in order:
                        sample = retrieve(tools, tool, mode, peer, study, ports, scratch, expect)
                        result.samples.append(sample)
                        print(
                            f"# {study.label} {mode} {tool}: {sample.seconds:.2f} s, "
                            f"{sample.max_rss_kib / 1024:.0f} MiB, rc {sample.returncode}, "
                            f"{sample.files} files",
                            flush=True,
                        )
            if "default" in modes and expect > 1:
                for _ in range(args.dcmtk_stock_runs):
                    sample = retrieve(
                        tools, "dcmtk-stock", "default", peer, study, ports, scratch, expect
                    )
                    result.samples.append(sample)
                    print(f"# {study.label} DCMTK stock: {sample.seconds:.2f} s", flush=True)
    if args.startup_runs > 0:
        result.startup = time_startup(tools, args.startup_runs)
    print(report(result, studies), end="")
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=1))
    failed = [
        s for s in result.samples if s.returncode != 0 or s.files != len(studies[s.study].files)
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
