"""The progress display, the summary line and the tracker, without a network."""

from __future__ import annotations

import io
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from movescu.config import Config, ExtraOptions, LoggingOptions, LogLevel, NetworkOptions
from movescu.logconfig import configure
from movescu.net.scp.stats import ReceivedObject, ReceiveStats
from movescu.progress import (
    CLEAR,
    ProgressDisplay,
    Snapshot,
    format_line,
    format_size,
    should_display,
)
from movescu.report import MoveRecord, RunReport
from movescu.summary import RunTracker, format_summary


def config(level: LogLevel = LogLevel.WARN, progress: bool | None = None) -> Config:
    return Config(
        network=NetworkOptions(peer="127.0.0.1", port=104),
        logging=LoggingOptions(level=level),
        extras=ExtraOptions(progress=progress),
    )


class Terminal(io.StringIO):
    def __init__(self, tty: bool = True) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("nbytes", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (10_500_000, "10.5 MB"), (2.5e9, "2.5 GB")],
)
def test_format_size_uses_decimal_units(nbytes, text):
    assert format_size(nbytes) == text


def test_line_with_counters_bar_and_bytes():
    snap = Snapshot(40, 3, 2, 155, True, 45, 10_500_000, 5.0)
    assert format_line(snap, 200) == (
        "movescu:  45/200 [######------------------------]  22% | "
        "40 completed, 3 failed, 2 warning | 10.5 MB received, 2.1 MB/s"
    )


def test_narrow_terminals_drop_counters_then_bytes_then_the_bar():
    snap = Snapshot(40, 3, 2, 155, True, 45, 10_500_000, 5.0)
    assert format_line(snap, 80).endswith("]  22% | 10.5 MB received, 2.1 MB/s")
    assert format_line(snap, 60) == "movescu:  45/200 [######------------------------]  22%"
    assert format_line(snap, 22) == "movescu:  45/200  22%"


def test_without_remaining_or_counters():
    assert format_line(Snapshot(4, 0, 0, None, True), 80) == (
        "movescu: 4 done | 4 completed, 0 failed, 0 warning"
    )
    # a Move SCP that sends no counters: what arrived is all there is to show
    assert format_line(Snapshot(objects=3, bytes=1500, elapsed=1.0), 80) == (
        "movescu: 3 objects, 1.5 kB received, 1.5 kB/s"
    )
    assert Snapshot().empty and not Snapshot(objects=1).empty


@given(
    done=st.integers(0, 5000),
    extra=st.integers(0, 5000),
    width=st.integers(1, 300),
    nbytes=st.integers(0, 10**12),
)
def test_line_never_reaches_the_last_column(done, extra, width, nbytes):
    line = format_line(Snapshot(done, 0, 0, extra, True, done, nbytes, 1.0), width)
    assert len(line) <= max(width - 1, 1)
    assert "\n" not in line and "\r" not in line


def test_bar_size_does_not_change_while_the_numbers_grow():
    sizes = set()
    for done in range(0, 201, 7):
        line = format_line(Snapshot(done, 0, 0, 200 - done, True, done, done * 5000, 2.0), 130)
        sizes.add(line.index("]") - line.index("["))
    assert len(sizes) == 1


# --------------------------------------------------------------------------- when


@pytest.mark.parametrize(
    ("level", "progress", "tty", "shown"),
    [
        (LogLevel.WARN, None, True, True),
        (LogLevel.INFO, None, True, True),
        (LogLevel.WARN, None, False, False),
        (LogLevel.WARN, False, True, False),
        (LogLevel.WARN, True, False, True),
        (LogLevel.FATAL, None, True, False),
        (LogLevel.FATAL, True, True, False),
    ],
)
def test_should_display(level, progress, tty, shown):
    assert should_display(config(level, progress), Terminal(tty)) is shown


def test_a_stream_without_isatty_is_not_a_terminal():
    assert should_display(config(), object()) is False  # type: ignore[arg-type]


# --------------------------------------------------------------------------- drawing


@dataclass
class Source:
    snap: Snapshot = field(default_factory=Snapshot)

    def snapshot(self) -> Snapshot:
        return self.snap


def test_draw_clear_and_no_redraw_when_unchanged():
    stream = Terminal()
    source = Source()
    display = ProgressDisplay(stream, source, width=lambda: 80)
    display.draw()
    assert stream.getvalue() == ""  # nothing to show yet
    source.snap = Snapshot(1, 0, 0, 1, True)
    display.draw()
    display.draw()
    display.clear()
    display.clear()
    line = format_line(source.snap, 80)
    assert stream.getvalue() == CLEAR + line + CLEAR


@pytest.fixture
def log_stream():
    buffer = Terminal()
    configure(LoggingOptions(level=LogLevel.INFO), program="movescu", stderr=buffer)
    yield buffer
    configure(LoggingOptions(), program="movescu")


def test_log_lines_clear_the_line_first_and_hooks_are_removed(log_stream):
    source = Source(Snapshot(1, 0, 0, 1, True))
    display = ProgressDisplay(log_stream, source, width=lambda: 80)
    display.start()
    try:
        display.draw()
        logging.getLogger("movescu.net.scu.association").info("Releasing Association")
        display.draw()
    finally:
        display.stop()
    line = format_line(source.snap, 80)
    assert log_stream.getvalue() == (
        CLEAR + line + CLEAR + "I: Releasing Association\n" + CLEAR + line + CLEAR
    )
    handler = logging.getLogger("movescu").handlers[0]
    assert "emit" not in handler.__dict__
    logging.getLogger("movescu").info("after")
    assert log_stream.getvalue().endswith(CLEAR + "I: after\n")


def test_an_open_stdout_line_is_not_drawn_over(monkeypatch):
    stdout = Terminal()
    monkeypatch.setattr(sys, "stdout", stdout)
    stream = Terminal()
    source = Source(Snapshot(1, 0, 0, 1, True))
    display = ProgressDisplay(stream, source, width=lambda: 80)
    display.start()
    try:
        assert sys.stdout is not stdout
        display.draw()
        sys.stdout.write("RECV: ")
        sys.stdout.write(".")
        source.snap = Snapshot(2, 0, 0, 0, True)
        display.draw()  # a RECV: line is open: no drawing
        drawn_while_open = stream.getvalue()
        sys.stdout.write("\n")
        display.draw()
    finally:
        display.stop()
    assert sys.stdout is stdout
    assert stdout.getvalue() == "RECV: .\n"
    first = format_line(Snapshot(1, 0, 0, 1, True), 80)
    assert drawn_while_open == CLEAR + first + CLEAR
    assert stream.getvalue() == drawn_while_open + CLEAR + format_line(source.snap, 80) + CLEAR


# --------------------------------------------------------------------------- summary


def test_summary_wording():
    assert format_summary((20, 0, 0), 10_500_000, 1.234) == (
        "Summary: 20 objects completed, 0 failed, 0 warning; 10.5 MB received in 1.23 s (8.5 MB/s)"
    )
    assert format_summary((3, 1, 2), None, 0.5) == (
        "Summary: 3 objects completed, 1 failed, 2 warning in 0.50 s"
    )
    assert format_summary((0, 0, 0), 0, 0.0).endswith("0 B received in 0.00 s (0 B/s)")


@dataclass
class Message:
    command_set: dict[str, Any]
    data_set: Any = None
    context_id: int = 3


@dataclass
class Event:
    message: Message
    assoc: Any = None


def response(msg_id: int, status: int, *counters: int | None) -> Event:
    keys = (
        "NumberOfRemainingSuboperations",
        "NumberOfCompletedSuboperations",
        "NumberOfFailedSuboperations",
        "NumberOfWarningSuboperations",
    )
    command: dict[str, Any] = {
        "CommandField": 0x8021,
        "MessageIDBeingRespondedTo": msg_id,
        "Status": status,
    }
    command.update({k: v for k, v in zip(keys, counters, strict=False) if v is not None})
    return Event(Message(command))


def request(msg_id: int) -> Event:
    return Event(Message({"CommandField": 0x0021, "MessageID": msg_id}))


def test_tracker_counts_over_moves_and_completes_the_report(caplog):
    tracker = RunTracker(config(), stream=Terminal(tty=False))
    assert tracker.display is None
    stats = ReceiveStats()
    tracker.watch_storage(type("SCP", (), {"stats": stats})())
    assert tracker.snapshot().empty
    tracker._on_sent(request(1))
    tracker._on_received(response(1, 0xFF00, 1, 1, 0, 0))
    stats.record(
        ReceivedObject("out/CT.1", "1.2.840.10008.5.1.4.1.1.2", "1.1", "1.2.840.10008.1.2.1", 0),
        500,
    )
    snap = tracker.snapshot()
    assert (snap.completed, snap.remaining, snap.objects, snap.bytes) == (1, 1, 1, 500)
    tracker._on_received(response(1, 0xB000, None, 1, 1, 0))
    tracker._on_sent(request(2))
    tracker._on_received(response(2, 0xFF00, 2, 0, 0, 0))
    snap = tracker.snapshot()
    assert (snap.completed, snap.failed, snap.remaining) == (1, 1, 2)
    tracker._on_received(response(2, 0x0000, None, 2, 0, 1))
    assert tracker.snapshot().done == 5

    report = RunReport(
        moves=[
            MoveRecord(1, "", 0xB000, None, 1, (None, 1, 1, 0)),
            MoveRecord(2, "", 0x0000, None, 1, (None, 2, 0, 1)),
        ]
    )
    with caplog.at_level(logging.INFO, logger="movescu.summary"):
        tracker.finish(report)
    assert [m.seconds is not None for m in report.moves] == [True, True]
    assert report.received_counts == (1, 1, 0) and report.received_bytes == 500
    assert report.started_at and report.finished_at and report.seconds is not None
    [record] = [r for r in caplog.records if r.name == "movescu.summary"]
    assert record.getMessage().startswith(
        "Summary: 3 objects completed, 1 failed, 1 warning; 500 B received in "
    )


def test_tracker_logs_no_summary_without_moves(caplog):
    tracker = RunTracker(config(), stream=Terminal(tty=False))
    with caplog.at_level(logging.INFO, logger="movescu.summary"):
        tracker.finish(RunReport())
    assert not [r for r in caplog.records if r.name == "movescu.summary"]


def test_tracker_on_a_terminal_starts_and_stops_the_display():
    stream = Terminal()
    tracker = RunTracker(config(), stream=stream)
    assert tracker.display is not None
    tracker._on_received(response(1, 0xFF00, 3, 1, 0, 0))
    tracker.display.draw()
    tracker.finish(RunReport())
    assert tracker.display is None
    assert stream.getvalue().startswith(CLEAR + "movescu: 1/4 [")
    assert stream.getvalue().endswith(CLEAR)
