"""The progress display on stderr (our addition, DECISIONS rule 7).

Owns the one-line display of a retrieve in progress: what it shows (the
sub-operation counters of the latest C-MOVE responses, the objects and bytes the
Storage SCP received, the rate), when it is shown (:func:`should_display`:
stderr is a terminal and not ``-q``, or ``--progress``; never ``--no-progress``)
and keeping it out of the way of everything else written to the terminal: the
line is cleared before a log line (a wrapper around the log handlers' ``emit``)
or a ``RECV:`` dot (a guard around ``sys.stdout`` while stdout is a terminal)
is written, redrawn by the next tick, and cleared for good at the end.

It never writes when it is not enabled, never logs, and does not decide
anything about the run.  The counters come from a
:class:`movescu.summary.MoveWatcher`; no pydicom/pynetdicom import.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from movescu.config import Config
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

#: seconds between two redraws
INTERVAL = 0.1
#: width used when the terminal's cannot be found
DEFAULT_WIDTH = 80
#: carriage return + "erase to end of line" (ECMA-48 EL): clears the display line
CLEAR = "\r\x1b[K"
_BAR_MAX = 30
_BAR_MIN = 10


@dataclass(frozen=True)
class Snapshot:
    """What the display shows at one moment."""

    #: sub-operations done as the Move SCP reported them (all moves so far)
    completed: int = 0
    failed: int = 0
    warning: int = 0
    #: remaining sub-operations of the move in progress; None when not reported
    remaining: int | None = None
    #: True once any C-MOVE response carried counters
    counted: bool = False
    #: objects and bytes our Storage SCP received (``+P``)
    objects: int = 0
    bytes: int = 0
    elapsed: float = 0.0

    @property
    def done(self) -> int:
        return self.completed + self.failed + self.warning

    @property
    def empty(self) -> bool:
        """Nothing to show yet (no counters, nothing received)."""
        return not self.counted and self.objects == 0


class SnapshotSource(Protocol):
    def snapshot(self) -> Snapshot: ...


def format_size(nbytes: float) -> str:
    """A byte count in decimal units: ``512 B``, ``10.5 MB``.

    Parameters
    ----------
    nbytes : float
        Bytes (or bytes per second).

    Returns
    -------
    str
        One decimal from kB upwards.
    """
    value = float(nbytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def format_line(snap: Snapshot, width: int) -> str:
    """The display line for ``snap``, at most ``width - 1`` characters.

    The last column is left free: writing into it makes some terminals wrap.

    Parameters
    ----------
    snap : Snapshot
        The state to show.
    width : int
        The terminal's width in columns.

    Returns
    -------
    str
        ``movescu: 45/200 [#####-----]  22% | 40 completed, 3 failed, 2 warning |
        10.5 MB received, 2.1 MB/s``.  On a narrow terminal the bar goes first,
        then the counters; the rest is cut.
    """
    head = ""
    fraction: float | None = None
    counters = ""
    if snap.counted:
        if snap.remaining is not None:
            total = snap.done + snap.remaining
            head = f"{snap.done:>{len(str(total))}}/{total}"  # the bar stays in place
            fraction = snap.done / total if total else 1.0
        else:
            head = f"{snap.done} done"
        counters = f"{snap.completed} completed, {snap.failed} failed, {snap.warning} warning"
    received = ""
    if snap.objects or snap.bytes:
        rate = snap.bytes / snap.elapsed if snap.elapsed > 0 else 0.0
        # with counters, "done" already counts objects; without, say how many arrived
        count = "" if snap.counted else f"{snap.objects} objects, "
        received = f"{count}{format_size(snap.bytes)} received, {format_size(rate)}/s"
    limit = max(width - 1, 1)
    candidates = [[counters, received], [received], [counters], []]
    line = ""
    for with_bar in (True, False):
        for parts in candidates:
            bar = min(_BAR_MAX, limit - _widest(snap, parts) - 3) if with_bar else 0
            if with_bar and bar < _BAR_MIN:
                continue
            line = _compose(head, fraction, bar, [part for part in parts if part])
            if len(line) <= limit:
                return line
    return line[:limit]


def _widest(snap: Snapshot, parts: list[str]) -> int:
    """Length of the line without the bar when every number has the total's digits.

    The bar is sized from this, so it does not jump while the numbers grow.
    """
    digits = len(str(snap.done + (snap.remaining or 0)))
    number = "9" * digits
    wide = []
    for part in parts:
        if part.endswith(" warning"):
            wide.append(f"{number} completed, {number} failed, {number} warning")
        elif part:
            wide.append("x" * max(len(part), 29))  # "999.9 MB received, 999.9 MB/s"
    return len(_compose(f"{number}/{number}", 1.0, 0, wide))


def _compose(head: str, fraction: float | None, bar: int, parts: list[str]) -> str:
    words = ["movescu:"]
    if head:
        words.append(head)
    if fraction is not None:
        filled = min(bar, int(fraction * bar))
        if bar >= _BAR_MIN:
            words.append(f"[{'#' * filled}{'-' * (bar - filled)}]")
        words.append(f"{int(fraction * 100):3d}%")
    text = " ".join(words)
    if parts:
        text += (" | " if head else " ") + " | ".join(parts)
    return text


def should_display(config: Config, stream: TextIO) -> bool:
    """Whether a run with ``config`` shows the display on ``stream`` (stderr).

    ``-q`` always wins; then ``--progress`` / ``--no-progress``; by default only
    when ``stream`` is a terminal.
    """
    if config.logging.quiet:
        return False
    if config.extras.progress is not None:
        return config.extras.progress
    return _isatty(stream)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class ProgressDisplay:
    """The display line on ``stream``, redrawn every :data:`INTERVAL` by a thread.

    Parameters
    ----------
    stream : TextIO
        Where the line is drawn (stderr).
    source : SnapshotSource
        Gives the state to show at each tick.
    width : callable, optional
        Returns the terminal width (default: the size of ``stream``'s terminal).
    """

    def __init__(
        self,
        stream: TextIO,
        source: SnapshotSource,
        width: Callable[[], int] | None = None,
    ) -> None:
        self.stream = stream
        self.source = source
        self._width = width or self._terminal_width
        self._lock = threading.RLock()
        #: held while the screen changes (the stdout guard writes under it too)
        self.lock = self._lock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: the text currently on the screen ("" = nothing drawn)
        self._shown = ""
        #: a stdout line without its newline is open: drawing now would break it
        self._partial = False
        self._hooked: list[tuple[logging.Handler, Any]] = []
        self._stdout_guard: _StdoutGuard | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Hook the log handlers (and stdout on a terminal) and start redrawing."""
        self._hook_handlers()
        if _isatty(sys.stdout):
            self._stdout_guard = _StdoutGuard(sys.stdout, self)
            sys.stdout = self._stdout_guard
        self._thread = threading.Thread(target=self._run, name="movescu-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop redrawing, clear the line and undo the hooks (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            self.clear()
            guard = self._stdout_guard
            if guard is not None and sys.stdout is guard:
                sys.stdout = guard.inner
            self._stdout_guard = None
            for handler, saved in self._hooked:
                if saved is None:
                    handler.__dict__.pop("emit", None)
                else:
                    handler.__dict__["emit"] = saved
            self._hooked.clear()

    # ------------------------------------------------------------------ drawing

    def draw(self) -> None:
        """Redraw the line now if it changed (nothing while a stdout line is open)."""
        with self._lock:
            if self._partial:
                return
            snap = self.source.snapshot()
            if snap.empty:
                return
            text = format_line(snap, self._width())
            if text == self._shown:
                return
            self._write(CLEAR + text)
            self._shown = text

    def clear(self) -> None:
        """Remove the line from the screen (the next :meth:`draw` puts it back)."""
        with self._lock:
            if self._shown:
                self._write(CLEAR)
                self._shown = ""

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self._stop.set()  # the terminal went away: stop drawing, never fail the run

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            self.draw()

    def _terminal_width(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or DEFAULT_WIDTH
        except (AttributeError, ValueError, OSError):
            return DEFAULT_WIDTH

    # ------------------------------------------------------------------ other output

    def _hook_handlers(self) -> None:
        """Clear the line before every log record is written and redraw it after."""
        for handler in _movescu_handlers():
            if not _writes_to(handler, self.stream):
                continue  # a log file (-lc) or another device: nothing to clear there
            saved = handler.__dict__.get("emit")
            original = handler.emit

            def emit(record: logging.LogRecord, _original: Any = original) -> None:
                with self._lock:
                    self.clear()
                    _original(record)
                    if not self._stop.is_set():
                        self.draw()  # back below the new line at once: no flicker

            handler.__dict__["emit"] = emit
            self._hooked.append((handler, saved))

    def stdout_written(self, text: str) -> None:
        """Called by the stdout guard after a write: is a line left open?"""
        if text:
            self._partial = not text.endswith("\n")


class _StdoutGuard:
    """``sys.stdout`` while the display runs: clears the line before each write."""

    def __init__(self, inner: TextIO, display: ProgressDisplay) -> None:
        self.inner = inner
        self._display = display

    def write(self, text: str) -> int:
        with self._display.lock:
            self._display.clear()
            written = self.inner.write(text)
            self._display.stdout_written(text)
            return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _writes_to(handler: logging.Handler, stream: TextIO) -> bool:
    """Does ``handler`` write where the display is drawn (the same stream or terminal)?"""
    target = getattr(handler, "stream", None)
    if target is None:
        return False
    if target is stream:
        return True
    try:
        return os.path.samestat(os.fstat(target.fileno()), os.fstat(stream.fileno()))
    except (AttributeError, OSError, ValueError):
        return False


def _movescu_handlers() -> list[logging.Handler]:
    """Every handler our loggers (and the libraries' at TRACE) write through."""
    names = ["movescu", "pynetdicom", "pydicom"]
    names += [name for name in logging.Logger.manager.loggerDict if name.startswith("movescu.")]
    handlers: list[logging.Handler] = []
    for name in names:
        for handler in logging.getLogger(name).handlers:
            # -lc: the appenders behind movescu.log4cplus.HierarchyHandler
            for inner in [handler, *getattr(handler, "inner_handlers", [])]:
                if inner not in handlers:
                    handlers.append(inner)
    return handlers
