"""The progress display of ``python -m movescu`` with stderr on a pseudo-terminal.

A scripted Move SCP (tests/support/fake_qr.py) sends a few objects to our
``+P`` port and holds its final response until the test has seen the display
(bounded), so the display is certain to have been drawn.  The bytes written to
the terminal are replayed through a minimal terminal model (``\\r``, ``\\n``
and ``ESC [ K``): the display must appear while the move runs, be gone from
the screen at the end, and never leave a fragment in a log line.  Without a
terminal, with ``-q`` and with ``--no-progress`` nothing of it is written;
``--progress`` forces it.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.datasets import Collection, write_collection
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]
MARK = b"movescu: "
#: the display once every pending response arrived: the fake holds its final response for it
ALL_PENDING = MARK + b"3/3 ["
CLEAR = b"\r\x1b[K"
#: bound for the fake's wait for the display (never reached when it works)
HOLD = 20.0
#: how long the fake holds when no display is expected: a display would be drawn in it
QUIET_HOLD = 0.6


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return write_collection(
        tmp_path_factory.mktemp("objects"),
        patients=1,
        studies_per_patient=1,
        series_per_study=1,
        images_per_series=3,
    )


@dataclass
class Output:
    code: int
    data: bytes


class Reader(threading.Thread):
    """Collects everything written to ``fd``; sets ``shown`` once the display appears."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.data = bytearray()
        self.shown = threading.Event()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: the pty's slave side is closed
                break
            if not chunk:
                break
            self.data += chunk
            if ALL_PENDING in self.data:
                self.shown.set()


def run_movescu(
    objects: Collection,
    out: Path,
    options: list[str],
    *,
    tty: bool,
    expect_display: bool,
    stdout_too: bool = False,
) -> Output:
    paths = [i.path for i in objects.instances]
    port = free_port()
    if tty:
        reading, writing = os.openpty()
        # a fixed size: the display adapts its layout to the terminal's width
        fcntl.ioctl(writing, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    else:
        reading, writing = os.pipe()
    reader = Reader(reading)
    reader.start()

    def script(ctx: MoveContext) -> None:
        for k, path in enumerate(paths, 1):
            ctx.store([path])
            ctx.pending(len(paths) - k, k)
        reader.shown.wait(HOLD if expect_display else QUIET_HOLD)
        ctx.respond(0x0000, completed=len(paths), failed=0, warning=0)

    env = dict(os.environ, PYTHONPATH=SRC, TCP_NODELAY="1")
    try:
        with fake_qr(script, destinations={"MOVESCU": port}) as fake:
            argv = [sys.executable, "-m", "movescu", "+P", str(port), "-od", str(out), *options]
            proc = subprocess.run(
                [*argv, "127.0.0.1", str(fake.port), *KEYS],
                stdin=subprocess.DEVNULL,
                stdout=writing if stdout_too else subprocess.DEVNULL,
                stderr=writing,
                env=env,
                timeout=60,
                check=False,
            )
    finally:
        os.close(writing)
        reader.join(10)
        os.close(reading)
    return Output(proc.returncode, bytes(reader.data))


def screen(data: bytes) -> tuple[list[str], str]:
    """Replay terminal output: (finished lines, what the cursor line shows at the end)."""
    lines: list[str] = []
    line = ""
    cursor = 0
    text = data.decode("utf-8", "replace")
    i = 0
    while i < len(text):
        if text.startswith("\x1b[K", i):
            line = line[:cursor]
            i += 3
            continue
        char = text[i]
        if char == "\r":
            cursor = 0
        elif char == "\n":
            lines.append(line)
            line, cursor = "", 0
        else:
            line = line[:cursor] + char + line[cursor + 1 :]
            cursor += 1
        i += 1
    return lines, line


@pytest.fixture
def out(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "out"
    directory.mkdir()
    yield directory


def test_display_on_a_terminal_is_drawn_and_cleared(objects, out):
    result = run_movescu(objects, out, [], tty=True, expect_display=True)
    assert result.code == 0, result.data
    assert MARK in result.data
    # what it showed last: the counters of the pending responses and the bytes received
    last = [part for part in result.data.split(CLEAR) if part.startswith(MARK)][-1].decode()
    assert last.startswith("movescu: 3/3 [") and "100% | " in last, last
    assert "| 3 completed, 0 failed, 0 warning | " in last and " received, " in last, last
    assert len(last) < 100
    lines, cursor_line = screen(result.data)
    assert (lines, cursor_line) == ([], "")
    assert result.data.endswith(CLEAR)
    assert len(list(out.iterdir())) == len(objects.instances)


@pytest.mark.parametrize("stdout_too", [False, True], ids=["stderr", "stderr+stdout"])
def test_verbose_lines_are_never_mixed_with_the_display(objects, out, stdout_too):
    """Log lines (and -v's ``RECV:`` dots on stdout) are written with the line cleared."""
    result = run_movescu(
        objects, out, ["-v"], tty=True, expect_display=True, stdout_too=stdout_too
    )
    assert result.code == 0, result.data
    assert MARK in result.data
    lines, cursor_line = screen(result.data)
    assert cursor_line == ""
    assert lines[0] == "I: Requesting Association"
    assert lines[-2] == "I: Releasing Association"
    assert lines[-1].startswith("I: Summary: 3 objects completed, 0 failed, 0 warning; ")
    allowed = ("I: ", "W: ", "RECV: ") if stdout_too else ("I: ", "W: ")
    assert all(line.startswith(allowed) for line in lines), lines
    assert sum(line == "RECV: ." for line in lines) == (3 if stdout_too else 0)


@pytest.mark.parametrize(
    ("options", "tty"),
    [([], False), (["-q"], True), (["--no-progress"], True), (["-q", "--progress"], True)],
    ids=["no-terminal", "quiet", "no-progress", "quiet-wins-over-progress"],
)
def test_no_display(objects, out, options, tty):
    result = run_movescu(objects, out, options, tty=tty, expect_display=False)
    assert result.code == 0, result.data
    assert result.data == b""


def test_progress_forces_the_display_without_a_terminal(objects, out):
    result = run_movescu(objects, out, ["--progress"], tty=False, expect_display=True)
    assert result.code == 0, result.data
    assert MARK in result.data
    assert result.data.endswith(CLEAR)
    assert screen(result.data) == ([], "")
