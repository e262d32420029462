"""The network stage of a run: identifiers in, C-MOVEs out, an exit code back.

Owns the order of a retrieve (DCMTK movescu's ``main`` after option parsing):
load the identifiers (a bad query file fails here, before any network
traffic), start the co-hosted Storage SCP when ``+P`` is given, request the
association, send one C-MOVE per identifier ``--repeat`` times each, wait for
open sub-associations after every final response (then the Storage SCP ends
the studies they brought: storescp's ``-xcs``/``-rns``), release or abort, and turn
the final statuses into DCMTK's exit codes (DECISIONS rule 3).  With our
many-moves options (``--key-list``, ``--retry``, ``--parallel``, ``--resume``)
:mod:`movescu.bulk` sends the moves instead, one association each.  It does not
parse options, configure logging or call ``sys.exit``: failures that end the
program are raised as :mod:`movescu.errors` exceptions for ``main`` to report.

This is also the library entry point: build a :class:`movescu.config.Config`
and call :func:`run`.  A run leaves the process as it found it: the Storage
SCP and the C-MOVE SCU install the pynetdicom/pydicom settings they need
(:mod:`movescu.net.seams.settings`) and undo them when they stop, whatever
ends the run; logging is the caller's (:func:`movescu.api.retrieve` restores
what the options set up).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from movescu.config import Config
from movescu.dicom import messages
from movescu.exit_codes import ExitCode
from movescu.logblock import block_aware_logger
from movescu.net.tls import setup as tls

if TYPE_CHECKING:
    from pathlib import Path

    from pydicom.dataset import Dataset

    from movescu.report import RunReport
    from movescu.summary import RunTracker

logger = block_aware_logger(__name__)

#: DECISIONS rule 6: without ``-td``, wait at most this long (seconds) after a final
#: response for sub-associations that are still open, then abort them.  A Move SCP
#: sends its final response after its last C-STORE completed, so open
#: sub-associations are normally only closing; 60 s matches pynetdicom's idle timer.
SUB_ASSOCIATION_WAIT = 60.0


class IdentifierLike(Protocol):
    """What :func:`movescu.query.load_identifiers` returns per request."""

    @property
    def source(self) -> object: ...

    @property
    def dataset(self) -> Dataset: ...

    @property
    def transfer_syntax_name(self) -> str: ...


def run(config: Config) -> ExitCode:
    """Run the retrieve described by ``config``.

    Parameters
    ----------
    config : Config
        The complete, validated configuration (see :mod:`movescu.config`).

    Returns
    -------
    ExitCode
        ``NO_ERROR``; ``CMOVE_WARNING`` (68) when a final status was 0xB000 and no
        error occurred; ``CMOVE_ERROR`` (69) when a final status was an error or a
        C-MOVE failed at DIMSE level (timeout, abort, lost association).

    Raises
    ------
    movescu.errors.MovescuError
        ``InputFileError`` (22) for a bad query file, ``PrivilegeError`` (2) or
        ``NetworkInitError`` (60) for the ``+P`` port, ``AssociationError`` (61),
        ``AssociationParametersError`` (65), ``NoPresentationContextError`` (66),
        ``CloseAssociationError`` (67).
    """
    from movescu.query import load_identifiers

    # DCMTK binds the +P port at start-up: its errors (rc 2, 60) come before a
    # bad query file's (rc 22), which is still found before the association
    return _execute(config, lambda: load_identifiers(config.query))


def retrieve(config: Config, identifiers: Sequence[IdentifierLike]) -> ExitCode:
    """Like :func:`run`, with the identifiers already loaded.

    Parameters
    ----------
    config : Config
        The run's configuration.
    identifiers : sequence
        Objects with ``source``, ``dataset`` and ``transfer_syntax_name``, one
        C-MOVE each (``--repeat`` times), in order.

    Returns
    -------
    ExitCode
        As :func:`run`.
    """
    return _execute(config, lambda: identifiers)


def _execute(config: Config, load: Callable[[], Sequence[IdentifierLike]]) -> ExitCode:
    """Start the SCP, load the identifiers, perform the moves; always clean up and report."""
    from movescu.net.seams import accel
    from movescu.report import RunReport
    from movescu.summary import RunTracker

    # ours, at -d: which receive path this run takes (the SCU and SCP decide alike)
    logger.debug("%s", accel.decide(config.extras.no_accelerator).text)

    report = RunReport()
    # progress display, timings and the -v summary (DECISIONS rule 7)
    tracker = RunTracker(config)
    scp: _StorageSCP | None = None
    try:
        # DCMTK 3.7.0 creates the TLS layer (key, password prompt, profile) before any
        # association; its errors end the run with rc 70
        tls.prepare(config.tls)
        scp = _start_storage_scp(config)
        tracker.watch_storage(scp)
        code = _perform(config, load(), scp, report, tracker)
        tls.write_random_seed(config.tls)
    except BaseException as error:
        default = ExitCode.INTERRUPTED if isinstance(error, KeyboardInterrupt) else 1
        # the report says why, with the C-MOVE in progress (issue 14)
        report.end_with(error, int(getattr(error, "exit_code", default)))
        raise
    else:
        report.exit_code = int(code)
        return code
    finally:
        if scp is not None:
            scp.stop()
        tracker.finish(report)
        if config.extras.report is not None:
            from movescu.report import write_report

            write_report(config.extras.report, config, report)


def _perform(
    config: Config,
    identifiers: Sequence[IdentifierLike],
    scp: _StorageSCP | None,
    report: RunReport,
    tracker: RunTracker,
) -> ExitCode:
    """Associate, send the C-MOVEs, end the association; the SCP is already running."""
    if config.extras.bulk:
        from movescu.bulk import perform_moves

        # our many-moves options: one association per move (docs/bulk.md)
        return perform_moves(
            config, identifiers, report, tracker, lambda: _wait_for_sub_associations(scp, config)
        )
    from movescu.net.scu.association import MoveAssociation
    from movescu.net.scu.log import report_dimse_failure
    from movescu.net.scu.outcome import Ending, combine_status
    from movescu.net.seams import hooks
    from movescu.report import FAILED, FINAL, MoveRecord

    session = MoveAssociation(config)
    try:
        session.open()
        tracker.watch_association(session.assoc, hooks.move_command_of)
        code = ExitCode.NO_ERROR
        ending = Ending.OPEN
        msg_id = 0
        for identifier in identifiers:
            for _ in range(max(config.network.repeat, 1)):
                msg_id += 1
                source = str(identifier.source or "")
                # the report lists this move even if the run ends while it is read
                record = report.current = MoveRecord(msg_id, source, None, None, 0)
                if config.extras.report is not None:
                    record.identifier = _as_json(identifier.dataset)
                outcome = session.move(
                    identifier.dataset, identifier.transfer_syntax_name, msg_id, source
                )
                report.current = None
                record.status = outcome.status
                if outcome.status is not None:
                    record.status_text = messages.move_status_short(outcome.status)
                record.pending_responses = outcome.pending_responses
                record.counters = outcome.counters
                record.error = outcome.condition
                record.outcome = FINAL if outcome.status is not None else FAILED
                report.moves.append(record)
                _wait_for_sub_associations(scp, config)
                if outcome.status is None:
                    ending = outcome.ending
                    report_dimse_failure(outcome.condition or "", outcome.ending)
                    code = ExitCode.CMOVE_ERROR
                    break
                code = combine_status(code, outcome.status)
            if ending is not Ending.OPEN:
                break
        session.close(ending, config.network.abort)
        return code
    finally:
        session.shutdown()


def _as_json(dataset: Dataset) -> dict[str, Any] | None:
    """The identifier in the DICOM JSON model (PS3.18 F.2), for the report.

    A value that does not fit its VR (``-k SliceThickness=x`` is sent as typed)
    is listed as the text that was sent; None only if the data set cannot be read.
    """
    document: dict[str, Any] = {}
    try:
        for tag in dataset.keys():
            try:
                document[f"{int(tag):08X}"] = dataset[tag].to_json_dict(None, 1024)
            except Exception:  # noqa: BLE001 - the JSON model has no form for the value
                raw = dataset.get_item(tag)
                value = raw.value
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                parts = [part.strip(" \0") for part in text.split("\\")]
                document[f"{int(tag):08X}"] = {"vr": str(raw.VR), "Value": parts}
    except Exception:  # noqa: BLE001 - the report lists no identifier then
        return None
    return document


def _start_storage_scp(config: Config) -> _StorageSCP | None:
    if config.storage.port is None:
        return None
    from movescu.net.scp.server import StorageSCP

    received: dict[str, Path] | None = None
    if config.extras.resume is not None:
        from movescu.bulkplan import received_before

        # --resume: what the earlier run stored is answered, not written again
        received = received_before(config.extras.resume)
    scp = StorageSCP(config, received_before=received)
    # DCMTK binds the +P port at start-up, before the association is requested
    scp.start()
    return scp


def _wait_for_sub_associations(scp: _StorageSCP | None, config: Config) -> None:
    if scp is None:
        return
    timeout = config.network.dimse_timeout
    limit = float(timeout) if timeout is not None else SUB_ASSOCIATION_WAIT
    # stop() aborts whatever is still open and reports it (DECISIONS rule 6)
    scp.wait_until_idle(limit)
    # the C-MOVE ended: so did its studies (-xcs/-rns, issue 15)
    scp.end_of_move()


class _StorageSCP(Protocol):
    def start(self) -> None: ...

    def wait_until_idle(self, timeout: float | None) -> bool: ...

    def end_of_move(self) -> None: ...

    def stop(self) -> None: ...
