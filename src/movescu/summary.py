"""What a run did, watched while it goes: progress counters, timings, the ``-v`` summary.

Owns :class:`RunTracker`, which :mod:`movescu.retrieve` creates for every run:
it watches the main association's C-MOVE requests and responses (pynetdicom's
``EVT_DIMSE_SENT`` / ``EVT_DIMSE_RECV``, bound next to the SCU's own handlers:
sub-operation counters, per-move timings, the Failed SOP Instance UID List of
final responses) and the Storage SCP's receive statistics, feeds the
:class:`movescu.progress.ProgressDisplay` when one is shown, and at the end
logs our summary line (``I: Summary: ...``, DECISIONS rule 7; DCMTK has no such
line, so the differential tests drop exactly this one) and completes the
:class:`movescu.report.RunReport` (durations, Failed SOP Instance UID Lists, and
for a C-MOVE without a final response the counters of its last pending one).
It decides nothing about the run and sends nothing.  The DIMSE constants and
command-set readers it needs come from :mod:`movescu.dicom`; it imports nothing
of :mod:`movescu.net`.  pydicom/pynetdicom are imported only when an
association is watched.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from movescu.config import Config
from movescu.dicom.dimse import (
    C_MOVE_RQ,
    C_MOVE_RSP,
    FAILED_SOP_INSTANCE_UID_LIST,
    STATUS_PENDING,
    decode_identifier,
    suboperation_counters,
)
from movescu.logblock import block_aware_logger
from movescu.progress import ProgressDisplay, Snapshot, format_size, should_display

if TYPE_CHECKING:
    from movescu.report import RunReport

logger = block_aware_logger(__name__)


class ReceiveCounts(Protocol):
    """What the tracker reads of the Storage SCP's statistics (``scp.stats``)."""

    received: int
    stored: int
    failed: int
    bytes: int
    #: the received objects as the report lists them
    objects: list[Any]


def format_summary(counts: tuple[int, int, int], nbytes: int | None, seconds: float) -> str:
    """Our ``-v`` summary line (without the ``I: `` prefix).

    Parameters
    ----------
    counts : tuple of int
        Completed, failed and warning sub-operations (sum over the final responses).
    nbytes : int or None
        Bytes our Storage SCP received; None without ``+P``.
    seconds : float
        Duration of the run.

    Returns
    -------
    str
        ``Summary: 20 objects completed, 0 failed, 0 warning; 10.5 MB received
        in 1.23 s (8.5 MB/s)``; without ``+P``: ``... 0 warning in 1.23 s``.
    """
    completed, failed, warning = counts
    head = f"Summary: {completed} objects completed, {failed} failed, {warning} warning"
    if nbytes is None:
        return f"{head} in {seconds:.2f} s"
    rate = nbytes / seconds if seconds > 0 else 0.0
    return f"{head}; {format_size(nbytes)} received in {seconds:.2f} s ({format_size(rate)}/s)"


class RunTracker:
    """Watches one run; see the module docstring.

    Parameters
    ----------
    config : Config
        The run's configuration (``-q``, ``--progress``/``--no-progress``).
    stream : TextIO, optional
        Where a progress display goes (default ``sys.stderr``).
    """

    def __init__(self, config: Config, stream: TextIO | None = None) -> None:
        self.config = config
        self.started = time.monotonic()
        self.started_at = datetime.now(timezone.utc)
        self.stats: ReceiveCounts | None = None
        self._lock = threading.Lock()
        #: completed, failed, warning of the final responses so far
        self._finals = [0, 0, 0]
        #: remaining, completed, failed, warning of the move in progress
        self._current: tuple[int | None, ...] = ()
        self._counted = False
        self._move_started: dict[int, float] = {}
        self.move_seconds: dict[int, float] = {}
        self.failed_uids: dict[int, list[str]] = {}
        self._read_command: Callable[[Any], Any] = _command_set
        #: per Message ID: counters of the last response and number of pending ones
        self.last_counters: dict[int, tuple[int | None, ...]] = {}
        self.pending_responses: dict[int, int] = {}
        out = sys.stderr if stream is None else stream
        self.display: ProgressDisplay | None = None
        if should_display(config, out):
            self.display = ProgressDisplay(out, self)
            self.display.start()

    # ------------------------------------------------------------------ sources

    def watch_storage(self, scp: object) -> None:
        """Read the received objects and bytes from ``scp.stats`` (the ``+P`` SCP)."""
        self.stats = getattr(scp, "stats", None)

    def watch_association(
        self, assoc: Any, read_command: Callable[[Any], Any] | None = None
    ) -> None:
        """Bind our handlers to the main association (after it was established).

        ``read_command(message)`` gives a received message's command set (the
        network stage's reader, which knows the accelerator's cheap one); default
        pydicom's ``message.command_set``.
        """
        if assoc is None:
            return
        if read_command is not None:
            self._read_command = read_command
        from pynetdicom import evt

        assoc.bind(evt.EVT_DIMSE_SENT, self._on_sent)
        assoc.bind(evt.EVT_DIMSE_RECV, self._on_received)

    def _on_sent(self, event: Any) -> None:
        command = event.message.command_set
        if int(command.get("CommandField", 0)) == C_MOVE_RQ:
            with self._lock:
                self._move_started[int(command.get("MessageID", 0))] = time.monotonic()

    def _on_received(self, event: Any) -> None:
        message = event.message
        command = self._read_command(message)
        if int(command.get("CommandField", 0)) != C_MOVE_RSP:
            return
        msg_id = int(command.get("MessageIDBeingRespondedTo", 0))
        status = int(command.get("Status", 0))
        values = suboperation_counters(command)
        with self._lock:
            if any(value is not None for value in values):
                self._counted = True
            self.last_counters[msg_id] = values
            if status == STATUS_PENDING:
                self._current = values
                self.pending_responses[msg_id] = self.pending_responses.get(msg_id, 0) + 1
                return
            for index, value in enumerate(values[1:]):
                self._finals[index] += value or 0
            self._current = ()
            started = self._move_started.pop(msg_id, None)
            if started is not None:
                self.move_seconds[msg_id] = time.monotonic() - started
        if message.data_set is not None:
            uids = _failed_uids(message, event.assoc)
            if uids:
                with self._lock:
                    self.failed_uids[msg_id] = uids

    def snapshot(self) -> Snapshot:
        """The state for the progress display."""
        with self._lock:
            current = self._current
            completed, failed, warning = self._finals
            # after a final response the move is complete: 100 % until the next one starts
            remaining = 0 if self._counted else None
            if current:
                completed += current[1] or 0
                failed += current[2] or 0
                warning += current[3] or 0
                remaining = current[0]
            counted = self._counted
        stats = self.stats
        return Snapshot(
            completed,
            failed,
            warning,
            remaining,
            counted,
            stats.received if stats is not None else 0,
            stats.bytes if stats is not None else 0,
            time.monotonic() - self.started,
        )

    # ------------------------------------------------------------------ the end

    def finish(self, report: RunReport) -> None:
        """Clear the display, complete ``report`` and log the summary (at ``-v``).

        Call once, after the association ended and the Storage SCP stopped.
        """
        if self.display is not None:
            self.display.stop()
            self.display = None
        seconds = time.monotonic() - self.started
        report.started_at = self.started_at.isoformat(timespec="milliseconds")
        report.finished_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        report.seconds = round(seconds, 3)
        from movescu.report import FINAL, INTERRUPTED

        for move in report.moves:
            elapsed = self.move_seconds.get(move.message_id)
            final = move.outcome == FINAL  # a failed move's stray final response: no time
            move.seconds = round(elapsed, 3) if final and elapsed is not None else None
            move.failed_sop_instance_uids = self.failed_uids.get(move.message_id, [])
            if not move.counters:  # no final response: the last pending one's
                move.counters = self.last_counters.get(move.message_id, ())
            if move.status is None and not move.pending_responses:
                move.pending_responses = self.pending_responses.get(move.message_id, 0)
        if self.stats is not None:
            report.received_objects = list(self.stats.objects)
            report.received_bytes = self.stats.bytes
            report.received_counts = (self.stats.received, self.stats.stored, self.stats.failed)
        # a run interrupted during its first C-MOVE has nothing to sum up
        if any(move.outcome != INTERRUPTED for move in report.moves):
            nbytes = self.stats.bytes if self.stats is not None else None
            logger.info(format_summary(report.totals(), nbytes, seconds))


def _failed_uids(message: Any, assoc: Any) -> list[str]:
    """The Failed SOP Instance UID List of a final response's identifier, if any."""
    context_id = message.context_id
    syntax = next(
        (
            str(cx.transfer_syntax[0])
            for cx in assoc.accepted_contexts
            if cx.context_id == context_id and cx.transfer_syntax
        ),
        None,
    )
    if syntax is None:
        return []
    try:
        data = message.data_set.getvalue()
    except (AttributeError, ValueError):
        return []
    identifier = decode_identifier(data, syntax) if data else None
    if identifier is None:
        return []
    try:
        element = identifier.get(FAILED_SOP_INSTANCE_UID_LIST)
        value = None if element is None else element.value
    except Exception:  # noqa: BLE001 - a malformed list is only not reported
        return []
    if not value:
        return []
    if isinstance(value, str):
        return [uid for uid in value.split("\\") if uid]
    return [str(uid) for uid in value if uid]


def _command_set(message: Any) -> Any:
    """pydicom's command set of a received message."""
    return message.command_set
