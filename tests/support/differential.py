"""Run DCMTK's movescu and ours against the same fake Move SCP and compare the files.

Test support for tests/interop/test_writer_vs_dcmtk.py: ``receive_with`` runs one
movescu (DCMTK's binary or ``python -m movescu``) with given options against a
:class:`~tests.support.sender.FakeMoveSCP` and returns the files it wrote;
``split_file``/``compare_files`` compare two files except the meta elements that
name the implementation ((0002,0000), (0002,0012), (0002,0013), (0002,0016)).
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.support.peers import free_port
from tests.support.sender import FakeMoveSCP, RawObject, write_query_file

IGNORED_META = {0x00020000, 0x00020012, 0x00020013, 0x00020016}
#: our ``-v`` summary line (DECISIONS rule 7, docs/differences.md): DCMTK has none
SUMMARY_PREFIX = "I: Summary: "
_SRC = str(Path(__file__).resolve().parents[2] / "src")


def receive_with(
    tool: Sequence[str],
    options: Sequence[str],
    objects: Sequence[RawObject],
    work: Path,
    *,
    cwd_output: bool = False,
    timeout: float = 60,
) -> tuple[dict[str, bytes], subprocess.CompletedProcess[str]]:
    """Run ``tool`` (argv prefix) as the move SCU + Storage SCP; return written files."""
    out = work / "out"
    out.mkdir(parents=True)
    query = write_query_file(work / "query.dcm")
    port = free_port()
    env = dict(os.environ, TCP_NODELAY="1", PYTHONPATH=_SRC)
    with FakeMoveSCP(objects, {"MOVESCU": ("127.0.0.1", port)}) as fake:
        argv = [*tool, "-S", "-aet", "MOVESCU", "+P", str(port)]
        if not cwd_output:
            argv += ["-od", str(out)]
        argv += [*options, "127.0.0.1", str(fake.port), str(query)]
        proc = subprocess.run(
            argv,
            cwd=out if cwd_output else work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    return files, proc


OURS = [sys.executable, "-m", "movescu"]


def drop_summary(lines: list[str]) -> list[str]:
    """Our log lines without our own ``I: Summary: ...`` line, for line-by-line diffs."""
    return [line for line in lines if not line.startswith(SUMMARY_PREFIX)]


def split_file(data: bytes) -> tuple[dict[int, bytes], bytes]:
    """(meta elements tag -> raw element bytes, data-set bytes) of a DICOM file."""
    if len(data) < 132 or data[128:132] != b"DICM":
        return {}, data
    pos = 132
    meta: dict[int, bytes] = {}
    group_end = None
    while pos < len(data):
        group, elem = struct.unpack_from("<HH", data, pos)
        if group != 2 or (group_end is not None and pos >= group_end):
            break
        vr = data[pos + 4 : pos + 6]
        if vr in (b"OB", b"OW", b"UN", b"UT", b"SQ"):
            length = struct.unpack_from("<L", data, pos + 8)[0]
            head = 12
        else:
            length = struct.unpack_from("<H", data, pos + 6)[0]
            head = 8
        tag = (group << 16) | elem
        meta[tag] = data[pos : pos + head + length]
        if tag == 0x00020000:
            group_end = pos + head + length + struct.unpack_from("<L", data, pos + 8)[0]
        pos += head + length
    return meta, data[pos:]


def strip_trailing_padding(dataset: bytes, explicit: bool = True, little: bool = True) -> bytes:
    """The data set without a final (FFFC,FFFC) element (its size depends on the meta)."""
    tag = b"\xfc\xff\xfc\xff" if little else b"\xff\xfc\xff\xfc"
    index = dataset.rfind(tag)
    if index < 0:
        return dataset
    order = "<" if little else ">"
    if explicit:
        length = struct.unpack_from(order + "L", dataset, index + 8)[0]
        end = index + 12 + length
    else:
        length = struct.unpack_from(order + "L", dataset, index + 4)[0]
        end = index + 8 + length
    return dataset[:index] if end == len(dataset) else dataset


def compare_files(
    ours: bytes, theirs: bytes, *, ignore_trailing_padding: bool = False
) -> list[str]:
    """Differences between two files, ignoring implementation-specific meta elements."""
    problems: list[str] = []
    meta_a, body_a = split_file(ours)
    meta_b, body_b = split_file(theirs)
    keys = (set(meta_a) | set(meta_b)) - IGNORED_META
    for key in sorted(keys):
        if meta_a.get(key) != meta_b.get(key):
            problems.append(
                f"meta ({key >> 16:04x},{key & 0xFFFF:04x}): "
                f"{meta_a.get(key)!r} != {meta_b.get(key)!r}"
            )
    if ignore_trailing_padding:
        ts = meta_b.get(0x00020010, b"")
        explicit = b"1.2.840.10008.1.2\0" not in ts
        little = b"1.2.840.10008.1.2.2" not in ts
        body_a = strip_trailing_padding(body_a, explicit, little)
        body_b = strip_trailing_padding(body_b, explicit, little)
    if body_a != body_b:
        at = next(
            (i for i, (x, y) in enumerate(zip(body_a, body_b, strict=False)) if x != y),
            min(len(body_a), len(body_b)),
        )
        problems.append(
            f"data set differs at byte {at} (sizes {len(body_a)} vs {len(body_b)}): "
            f"ours {body_a[max(0, at - 16) : at + 24]!r} "
            f"dcmtk {body_b[max(0, at - 16) : at + 24]!r}"
        )
    return problems


def receive_in_process(
    options: Sequence[str], objects: Sequence[RawObject], work: Path
) -> tuple[dict[str, bytes], list[int | None]]:
    """Our Storage SCP alone (no C-MOVE): parse the options, receive ``objects``, stop."""
    from movescu.cli import parse_command_line
    from movescu.config import Config
    from movescu.net.scp.server import StorageSCP
    from tests.support.sender import send_raw

    out = work / "out"
    out.mkdir(parents=True)
    port = free_port()
    args = [
        "-S",
        "-aet",
        "MOVESCU",
        "+P",
        str(port),
        "-od",
        str(out),
        *options,
        "-k",
        "0008,0052=STUDY",
        "127.0.0.1",
        "104",
    ]
    config = parse_command_line(args, {})
    assert isinstance(config, Config)
    scp = StorageSCP(config, bind_address="127.0.0.1")
    scp.start()
    try:
        statuses = send_raw("127.0.0.1", scp.port, objects)
        scp.wait_until_idle(30)
    finally:
        scp.stop()
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    return files, statuses


def run_dcmtk_movescu(args: list[str]) -> tuple[int, list[str]]:
    """DCMTK's movescu with ``args``: (exit code, its stderr lines), peers' environment."""
    from tests.support.peers import peer_environment
    from tests.support.tools import dcmtk_tool

    proc = subprocess.run(
        [dcmtk_tool("movescu"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=peer_environment(),
        check=False,
    )
    return proc.returncode, proc.stderr.splitlines()


def our_log() -> list[str]:
    """The lines this process wrote so far to its stderr (captured by ``run_main``'s capsys).

    DCMTK logs from one thread; ours logs the main association and the Storage
    SCP from two.  A scripted peer that must see one line out before it goes
    on waits for it here instead of sleeping a guess.
    """
    getvalue = getattr(sys.stderr, "getvalue", None)
    return str(getvalue()).splitlines() if getvalue is not None else []


def wait_for_our_line(prefix: str, limit: float = 15.0) -> None:
    """Wait until a line starting with ``prefix`` is in :func:`our_log` (at most ``limit`` s)."""
    deadline = time.monotonic() + limit
    while not any(line.startswith(prefix) for line in our_log()):
        if time.monotonic() >= deadline:
            raise AssertionError(f"no line {prefix!r} after {limit} s: {our_log()}")
        time.sleep(0.01)


def wait_for_our_quiet(quiet: float = 0.3, limit: float = 15.0) -> None:
    """Wait until :func:`our_log` has not grown for ``quiet`` s (at most ``limit`` s)."""
    deadline = time.monotonic() + limit
    seen, since = len(our_log()), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = len(our_log())
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
