"""The ``--report FILE`` JSON report of a run (our addition, DECISIONS rule 7).

Owns the report's shape (documented field by field in ``docs/report.md``, as
a JSON Schema in ``docs/report.schema.json``; bump :data:`REPORT_VERSION` when a
field changes meaning or goes away) and the check that the report can be written
(made before any network activity, :func:`unwritable_reason`); the file is
written by :func:`movescu.output.writer.write_object` (atomically, like every
file this program creates).  It only runs
when ``--report`` is given and never changes what the run prints or returns: a
report that can no longer be written at the end is one ``E:`` line.  The data is
collected by :mod:`movescu.retrieve` and :class:`movescu.summary.RunTracker`.
No pydicom/pynetdicom import.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movescu import DCMTK_VERSION, __version__
from movescu.config import Config
from movescu.exit_codes import ExitCode
from movescu.logblock import block_aware_logger

if TYPE_CHECKING:
    from movescu.net.scp.stats import ReceivedObject

logger = block_aware_logger(__name__)

#: the layout's version: 2 added request, timings, totals and received objects;
#: 3 added ``error``, ``moves[].outcome`` and ``moves[].identifier`` and made the
#: counters of a move without a final response those of its last pending response
REPORT_VERSION = 3

#: ``moves[].outcome``: a final response was received
FINAL = "final"
#: ``moves[].outcome``: the C-MOVE failed at DIMSE level (``error`` says how)
FAILED = "failed"
#: ``moves[].outcome``: the run was interrupted (signal, fatal error) during the C-MOVE
INTERRUPTED = "interrupted"

_COUNTER_NAMES = ("remaining", "completed", "failed", "warning")


@dataclass
class MoveRecord:
    """One C-MOVE as the report lists it."""

    message_id: int
    source: str
    status: int | None
    status_text: str | None
    pending_responses: int
    #: remaining, completed, failed, warning of the last response (final or pending)
    counters: tuple[int | None, ...] = ()
    #: DCMTK condition text when the move failed at DIMSE level, or why it was interrupted
    error: str | None = None
    #: :data:`FINAL`, :data:`FAILED` or :data:`INTERRUPTED`
    outcome: str = FINAL
    #: the identifier sent, in the DICOM JSON model (PS3.18 F.2); None if not encodable
    identifier: dict[str, Any] | None = None
    #: request sent -> final response (None when there was no final response)
    seconds: float | None = None
    #: (0008,0058) of the final response's identifier
    failed_sop_instance_uids: list[str] = field(default_factory=list)
    #: many-moves runs only (:mod:`movescu.bulk`): the move's number, from 1
    move: int | None = None
    #: ... the attempt (1 = first, 2 = first retry ...)
    attempt: int = 1
    #: ... the instances the attempt was narrowed to (empty: the whole identifier)
    requested_sop_instance_uids: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "message_id": self.message_id,
            "source": self.source,
            "identifier": self.identifier,
            "outcome": self.outcome,
            "status": None if self.status is None else f"0x{self.status:04X}",
            "status_text": self.status_text,
            "pending_responses": self.pending_responses,
            "error": self.error,
        }
        entry.update(zip(_COUNTER_NAMES, self.counters or (None,) * 4, strict=True))
        entry["seconds"] = self.seconds
        entry["failed_sop_instance_uids"] = list(self.failed_sop_instance_uids)
        if self.move is not None:
            entry["move"] = self.move
            entry["attempt"] = self.attempt
            entry["requested_sop_instance_uids"] = list(self.requested_sop_instance_uids)
        return entry


@dataclass
class RunReport:
    """Collected while the run goes; written by :func:`write_report`."""

    moves: list[MoveRecord] = field(default_factory=list)
    #: the C-MOVE whose responses are being read (moved to ``moves`` when it ends)
    current: MoveRecord | None = None
    exit_code: int = 0
    #: what ended the run when it did not end through its moves (the ``F:`` lines)
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    seconds: float | None = None
    #: ``+P`` statistics: (objects received, stored, failed); None without +P
    received_counts: tuple[int, int, int] | None = None
    received_bytes: int = 0
    received_objects: list[ReceivedObject] = field(default_factory=list)
    #: many-moves runs only: the state of every move (:func:`movescu.bulkplan.state_document`)
    bulk: dict[str, Any] | None = None

    def totals(self) -> tuple[int, int, int]:
        """Completed, failed and warning sub-operations summed over the final responses."""
        sums = [0, 0, 0]
        for move in self.moves:
            if move.outcome != FINAL:
                continue
            for index, value in enumerate(move.counters[1:4]):
                sums[index] += value or 0
        return sums[0], sums[1], sums[2]

    def end_with(self, error: BaseException, exit_code: int) -> None:
        """The run ends with ``error``: record why, and the C-MOVE it interrupted."""
        self.exit_code = exit_code
        self.error = describe(error)
        move, self.current = self.current, None
        if move is not None:
            move.outcome = INTERRUPTED
            move.error = self.error
            self.moves.append(move)


def describe(error: BaseException) -> str:
    """The text :func:`movescu.main.main` logs for ``error`` (one line per log line)."""
    message = getattr(error, "message", None)
    if isinstance(message, str):
        return message
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"internal error: {type(error).__name__}: {error}"


def build_document(config: Config, report: RunReport) -> dict[str, Any]:
    """The report as a JSON-ready dict (the layout ``docs/report.md`` documents).

    Parameters
    ----------
    config : Config
        The run's configuration (the request part).
    report : RunReport
        What the run collected.

    Returns
    -------
    dict
        Keys ``report_version``, ``program``, ``version``, ``dcmtk_version``,
        ``request``, ``peer``, ``calling_ae_title``, ``move_destination``,
        ``exit_code``, ``exit_name``, ``error``, ``timings``, ``totals``, ``moves``,
        ``received``, ``failed_sop_instance_uids``; ``bulk`` in a many-moves run.
    """
    net = config.network
    try:
        exit_name: str | None = ExitCode(report.exit_code).name
    except ValueError:
        exit_name = None
    completed, failed, warning = report.totals()
    # what the Move SCP listed as failed, then what our Storage SCP refused
    failed_uids: list[str] = []
    refused = [obj.sop_instance_uid for obj in report.received_objects if obj.status != 0]
    for uids in [move.failed_sop_instance_uids for move in report.moves] + [refused]:
        failed_uids += [uid for uid in uids if uid not in failed_uids]
    return {
        "report_version": REPORT_VERSION,
        "program": "movescu",
        "version": __version__,
        "dcmtk_version": DCMTK_VERSION,
        "request": _request(config),
        "peer": {"host": net.peer, "port": net.port, "called_ae_title": net.called_ae_title},
        "calling_ae_title": net.ae_title,
        "move_destination": net.effective_move_destination,
        "exit_code": report.exit_code,
        "exit_name": exit_name,
        "error": report.error,
        "timings": {
            "started_at": report.started_at,
            "finished_at": report.finished_at,
            "seconds": report.seconds,
        },
        "totals": {
            "moves": len(report.moves),
            "completed": completed,
            "failed": failed,
            "warning": warning,
        },
        "moves": [move.as_json() for move in report.moves],
        "received": _received(report),
        "failed_sop_instance_uids": failed_uids,
    } | ({} if report.bulk is None else {"bulk": report.bulk})


def _request(config: Config) -> dict[str, Any]:
    storage = config.storage
    return {
        "query_model": config.query.model.value,
        "query_files": [str(path) for path in config.query.files],
        "keys": [key.text for key in config.query.keys],
        "repeat": config.network.repeat,
        "storage_port": storage.port,
        "output_directory": str(config.output.directory) if storage.port is not None else None,
        "ignore": storage.ignore,
    }


def _received(report: RunReport) -> dict[str, Any] | None:
    if report.received_counts is None:
        return None
    objects, stored, failed = report.received_counts
    seconds = report.seconds or 0.0
    return {
        "objects": objects,
        "stored": stored,
        "failed": failed,
        "bytes": report.received_bytes,
        "bytes_per_second": round(report.received_bytes / seconds) if seconds > 0 else None,
        "files": [obj.path for obj in report.received_objects if obj.path],
        "instances": [
            {
                "path": obj.path,
                "sop_class_uid": obj.sop_class_uid,
                "sop_instance_uid": obj.sop_instance_uid,
                "transfer_syntax": obj.transfer_syntax,
                "status": f"0x{obj.status:04X}",
            }
            for obj in report.received_objects
        ],
        "failed_sop_instance_uids": [
            obj.sop_instance_uid for obj in report.received_objects if obj.status != 0
        ],
    }


def unwritable_reason(path: Path) -> str | None:
    """Why the report could not be written to ``path``, or None when it can.

    Tries what :func:`write_report` will do: create a file in the directory
    (removed at once) and replace ``path``, which must not be a directory.

    Parameters
    ----------
    path : Path
        The ``--report`` file.

    Returns
    -------
    str or None
        The system's text for the problem (``No such file or directory``,
        ``Permission denied``, ``Is a directory``, ...).
    """
    if path.is_dir():
        return os.strerror(errno.EISDIR)
    from movescu.output.writer import creation_refused

    return creation_refused(path.parent if str(path.parent) else Path("."))


def write_report(path: Path, config: Config, report: RunReport) -> None:
    """Write ``report`` as JSON to ``path`` (atomically); a failure is only logged.

    Parameters
    ----------
    path : Path
        The ``--report`` file.
    config : Config
        The run's configuration (the request is recorded).
    report : RunReport
        What the run collected.
    """
    from movescu.output.writer import WriteError, write_object

    text = json.dumps(build_document(config, report), indent=2) + "\n"
    try:
        # output/ creates every file: atomically, with DCMTK's mode 0666 & ~umask
        write_object(path, [text.encode("utf-8")], warn_existing=False)
    except WriteError as error:
        logger.error("cannot write report file: %s: %s", path, error.reason)
