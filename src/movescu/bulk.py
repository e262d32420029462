"""Many C-MOVEs in one run: ``--key-list``, ``--retry``, ``--parallel``, ``--resume``.

Owns the order of a many-moves run (our addition, ``docs/bulk.md``): each move
of :func:`movescu.bulkplan.build_moves` gets an association of its own (a
failed association or a DIMSE failure then ends only that move), is sent
again up to ``--retry`` times when it failed (at association or DIMSE level, or
with failed sub-operations; narrowed to the Failed SOP Instance UID List where
:func:`movescu.bulkplan.narrow` allows), up to ``--parallel`` moves at a time, all
received by the run's one Storage SCP.  The report's records, the per-move
``-v`` lines and the summary stay in input order whatever order the moves end
in.  Ctrl-C (or SIGTERM) stops starting moves, aborts every open association and
unwinds like a single move.  It is only used when one of these options is
given: without them :mod:`movescu.retrieve` runs exactly as DCMTK's movescu.
It does not parse options or call ``sys.exit``.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from movescu.bulkplan import (
    DONE,
    FAILED,
    INTERRUPTED,
    Move,
    MoveState,
    apply_resume,
    build_moves,
    narrow,
    state_document,
)
from movescu.config import Config
from movescu.dicom import messages
from movescu.errors import MovescuError
from movescu.exit_codes import ExitCode
from movescu.logblock import block_aware_logger

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from movescu.net.scu.association import MoveAssociation
    from movescu.net.scu.outcome import MoveOutcome
    from movescu.report import MoveRecord, RunReport
    from movescu.summary import RunTracker

logger = block_aware_logger(__name__)

#: how often the waiting main thread wakes up (so Ctrl-C is seen at once)
_POLL = 0.2


class BulkRun:
    """One many-moves run; :meth:`perform` sends the moves.

    Parameters
    ----------
    config : Config
        The run's configuration.
    tracker : RunTracker
        Watches every association (timings, Failed SOP Instance UID Lists).
    wait_for_storage : callable
        Waits for the Storage SCP's open sub-associations (after a move).
    """

    def __init__(
        self, config: Config, tracker: RunTracker, wait_for_storage: Callable[[], None]
    ) -> None:
        self.config = config
        self.tracker = tracker
        self.wait_for_storage = wait_for_storage
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1)
        self._sessions: set[MoveAssociation] = set()
        #: association requests one at a time: the SCU reads pynetdicom's connect
        #: errors from its loggers for the duration of a request (net/scu/transport.py),
        #: which two requests at once would mix up; the C-MOVEs still overlap
        self._requesting = threading.Lock()
        self.states: list[MoveState] = []
        self.records: dict[int, list[MoveRecord]] = {}

    def perform(self, identifiers: Sequence[Any], report: RunReport) -> ExitCode:
        """Send every move; fill ``report`` (also when interrupted); return the exit code."""
        moves = build_moves(self.config, identifiers)
        pending: dict[int, list[str]] = {}
        if self.config.extras.resume is not None:
            pending = apply_resume(self.config.extras.resume, moves)
        self.states = [MoveState(move) for move in moves]
        try:
            todo = [state for state in self.states if not state.move.done_before]
            for state in self.states:
                if state.move.done_before:
                    state.state = DONE
            if self.config.extras.parallel > 1:
                self._run_parallel(todo, pending)
            else:
                for state in todo:
                    self._run_move(state, pending.get(state.move.number))
        finally:
            self._complete(report)
        return self._exit_code()

    # ------------------------------------------------------------------ scheduling

    def _run_parallel(self, todo: list[MoveState], pending: dict[int, list[str]]) -> None:
        pool = ThreadPoolExecutor(self.config.extras.parallel, thread_name_prefix="move")
        futures: list[Future[None]] = []
        try:
            futures = [
                pool.submit(self._run_move, state, pending.get(state.move.number))
                for state in todo
            ]
            remaining = set(futures)
            while remaining:
                done, remaining = wait(remaining, timeout=_POLL, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()
        except BaseException:
            self.stopping.set()
            self._abort_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        # sub-associations of the moves that ended last
        self.wait_for_storage()

    def _abort_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        from movescu.net.seams import hooks

        for session in sessions:
            session.shutdown()
            if session.assoc is not None:
                # the worker waits for the next response without a timeout (no -td)
                hooks.wake_response_loop(session.assoc)

    # ------------------------------------------------------------------ one move

    def _run_move(self, state: MoveState, only: list[str] | None) -> None:
        """All attempts of one move (in a worker thread with ``--parallel``)."""
        extras = self.config.extras
        dataset = state.move.dataset
        if only:
            dataset = self._narrowed(state, dataset, only)
        for attempt in range(1, extras.retry + 2):
            if self.stopping.is_set():
                return  # not started, or interrupted between attempts
            if attempt > 1:
                logger.warning(
                    "Retrying move %d (%s), attempt %d of %d: %s",
                    state.move.number,
                    _label(state.move),
                    attempt,
                    extras.retry + 1,
                    state.reason,
                )
                if self.stopping.wait(extras.retry_wait):
                    return
            state.state = INTERRUPTED
            state.attempts = attempt
            failed_uids = self._attempt(state, dataset, attempt)
            if state.state == DONE:
                return
            if failed_uids:
                dataset = self._narrowed(state, dataset, failed_uids)
        if not self.stopping.is_set():
            state.state = FAILED

    def _narrowed(self, state: MoveState, dataset: Dataset, uids: list[str]) -> Dataset:
        smaller = narrow(dataset, uids)
        state.pending_sop_instance_uids = list(uids) if smaller is not None else None
        if smaller is None:
            return dataset
        state.requested = list(uids)
        return smaller

    def _attempt(self, state: MoveState, dataset: Dataset, attempt: int) -> list[str]:
        """One association with one C-MOVE; returns the Failed SOP Instance UID List."""
        from movescu.net.scu.association import MoveAssociation
        from movescu.net.seams import hooks

        session = MoveAssociation(self.config)
        with self._lock:
            self._sessions.add(session)
        msg_id = 0
        try:
            try:
                with self._requesting:
                    if self.stopping.is_set():
                        return []
                    session.open()
            except MovescuError as error:
                self._failed_association(state, attempt, error)
                return []
            self.tracker.watch_association(session.assoc, hooks.move_command_of)
            with self._lock:
                msg_id = next(self._message_ids) % 0x10000 or 1
            outcome = session.move(
                dataset, state.move.transfer_syntax_name, msg_id, state.move.source
            )
            if self.config.extras.parallel == 1:
                self.wait_for_storage()
            self._end_association(session, outcome, state)
            self._record(state, attempt, msg_id, outcome)
        finally:
            session.shutdown()
            with self._lock:
                self._sessions.discard(session)
        return list(self.tracker.failed_uids.get(msg_id, []))

    def _end_association(
        self, session: MoveAssociation, outcome: MoveOutcome, state: MoveState
    ) -> None:
        from movescu.net.scu.log import report_dimse_failure

        if outcome.status is None and not self.stopping.is_set():
            report_dimse_failure(outcome.condition or "", outcome.ending)
        try:
            session.close(outcome.ending, self.config.network.abort)
        except MovescuError as error:
            for line in error.message.splitlines():
                logger.error("%s", line)

    def _failed_association(self, state: MoveState, attempt: int, error: MovescuError) -> None:
        from movescu.report import FAILED, MoveRecord

        for line in error.message.splitlines():
            logger.error("%s", line)
        state.exit_code = int(error.exit_code)
        state.reason = " ".join(error.message.split())
        # no C-MOVE was sent (message ID 0): the association failed
        record = MoveRecord(0, state.move.source, None, None, 0, (), state.reason, FAILED)
        record.move, record.attempt = state.move.number, attempt
        with self._lock:
            self.records.setdefault(state.move.number, []).append(record)

    def _record(self, state: MoveState, attempt: int, msg_id: int, outcome: MoveOutcome) -> None:
        from movescu.net.scu.outcome import combine_status
        from movescu.report import FAILED, FINAL, MoveRecord

        status = outcome.status
        text = None if status is None else messages.move_status_short(status)
        record = MoveRecord(
            msg_id,
            state.move.source,
            status,
            text,
            outcome.pending_responses,
            outcome.counters,
            outcome.condition,
            FINAL if status is not None else FAILED,
        )
        record.move, record.attempt = state.move.number, attempt
        record.requested_sop_instance_uids = list(state.requested)
        with self._lock:
            self.records.setdefault(state.move.number, []).append(record)
        failed = outcome.counters[2] if len(outcome.counters) > 2 else None
        if status is None:
            state.exit_code, state.reason = int(ExitCode.CMOVE_ERROR), outcome.condition
            return
        state.exit_code = int(combine_status(ExitCode.NO_ERROR, status))
        if state.exit_code == ExitCode.CMOVE_ERROR or failed:
            state.reason = f"{text} (0x{status:04X}), {failed or 0} failed"
            return
        state.state, state.reason, state.pending_sop_instance_uids = DONE, None, None

    # ------------------------------------------------------------------ the end

    def _complete(self, report: RunReport) -> None:
        """Records in input order, the ``bulk`` part of the report, the ``-v`` lines."""
        for state in self.states:
            report.moves.extend(self.records.get(state.move.number, []))
            if state.state == DONE and not state.move.done_before:
                state.pending_sop_instance_uids = None
        report.bulk = state_document(self.config, self.states)
        for state in self.states:
            logger.info(
                "Move %d of %d (%s): %s%s",
                state.move.number,
                len(self.states),
                _label(state.move),
                "done in an earlier run" if state.move.done_before else state.state,
                _attempts(state),
            )
        counts = report.bulk["counts"]
        retried = sum(1 for state in self.states if state.attempts > 1)
        logger.info(
            "Moves: %d done, %d failed, %d interrupted, %d not started; %d retried",
            counts[DONE],
            counts[FAILED],
            counts["interrupted"],
            counts["not-started"],
            retried,
        )

    def _exit_code(self) -> ExitCode:
        """Association errors (61, 66 ...) first, then 69 over 68 over 0; last attempts only."""
        codes = [state.exit_code for state in self.states if not state.move.done_before]
        for code in codes:
            if code not in (ExitCode.NO_ERROR, ExitCode.CMOVE_WARNING, ExitCode.CMOVE_ERROR):
                return ExitCode(code)
        if ExitCode.CMOVE_ERROR in codes:
            return ExitCode.CMOVE_ERROR
        return ExitCode.CMOVE_WARNING if ExitCode.CMOVE_WARNING in codes else ExitCode.NO_ERROR


def _label(move: Move) -> str:
    return move.source or ", ".join(move.keys) or "keys"


def _attempts(state: MoveState) -> str:
    text = f" after {state.attempts} attempts" if state.attempts > 1 else ""
    if state.reason and state.state != DONE:
        text += f": {state.reason}"
    return text


def perform_moves(
    config: Config,
    identifiers: Sequence[Any],
    report: RunReport,
    tracker: RunTracker,
    wait_for_storage: Callable[[], None],
) -> ExitCode:
    """Run the moves of a many-moves run (see the module docstring)."""
    started = time.monotonic()
    try:
        return BulkRun(config, tracker, wait_for_storage).perform(identifiers, report)
    finally:
        logger.debug("many-moves run took %.2f s", time.monotonic() - started)
