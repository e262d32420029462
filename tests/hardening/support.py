"""Shared helpers of the hardening tests: objects, a small tmpfs, leftover checks,
watching a child's output.

Everything that mounts something unmounts it in its teardown; everything that
runs binds 127.0.0.1 only.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.objects import CT, EXPLICIT_LE, Enc
from tests.support.sender import RawObject

enc = Enc()

#: bound of every wait for a child's output (seconds)
WAIT = 30.0


def ct_object(instance: str, pixel_bytes: int = 0) -> RawObject:
    """A CT object whose data set matches the request (optionally with pixel data)."""
    uid = instance.encode()
    if len(uid) % 2:
        uid += b"\0"
    data = enc.el(0x00080016, "UI", CT.encode() + b"\0") + enc.el(0x00080018, "UI", uid)
    if pixel_bytes:
        data += enc.el(0x7FE00010, "OW", bytes(range(256)) * (pixel_bytes // 256))
    return RawObject(CT, instance, EXPLICIT_LE, data)


def all_files(root: Path) -> list[str]:
    """Every file below ``root`` (relative paths, hidden ones included)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def leftovers(directory: Path) -> list[str]:
    """Temporary or partial files of ours (``.movescu-*``) in ``directory``."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".movescu"))


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI") or os.environ.get("MOVESCU_REQUIRE_PEERS"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@contextmanager
def mounted_tmpfs(where: Path, *options: str) -> Iterator[Path]:
    """Mount a tmpfs at ``where`` (root only: skipped otherwise); always unmounted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    where.mkdir(parents=True, exist_ok=True)
    opts = ",".join(options) or "size=1m"
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if proc.returncode != 0:
        _fail_or_skip(f"cannot mount a tmpfs: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30, check=False)


class OutputWatcher:
    """Everything a child process writes to one pipe, read as it comes (in a thread).

    Tests wait on what the child printed (:meth:`wait_for`) instead of sleeping
    and hoping it got that far.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._data = b""
        self._grown = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while chunk := os.read(self._fd, 65536):
            with self._grown:
                self._data += chunk
                self._grown.notify_all()

    def wait_for(self, text: str, count: int = 1, timeout: float = WAIT) -> bool:
        """Block until ``text`` was written ``count`` times (True) or ``timeout`` passed."""
        needle = text.encode()
        with self._grown:
            return self._grown.wait_for(lambda: self._data.count(needle) >= count, timeout)

    def final(self, timeout: float = WAIT) -> str:
        """All output once the child closed the pipe."""
        self._thread.join(timeout)
        with self._grown:
            return self._data.decode(errors="replace")


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
