"""The ``--report FILE`` JSON report of a run (our addition, DECISIONS rule 7).

Owns the report's shape and writing it atomically (temporary name in the same
directory, then rename).  It only runs when ``--report`` is given and never
changes what the run prints or returns.  No pydicom/pynetdicom import.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from movescu import __version__
from movescu.config import Config

logger = logging.getLogger(__name__)

_COUNTER_NAMES = ("remaining", "completed", "failed", "warning")


@dataclass
class MoveRecord:
    """One C-MOVE as the report lists it."""

    message_id: int
    source: str
    status: int | None
    status_text: str | None
    pending_responses: int
    counters: tuple[int | None, ...] = ()
    #: DCMTK condition text when the move failed at DIMSE level
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "message_id": self.message_id,
            "source": self.source,
            "status": None if self.status is None else f"0x{self.status:04X}",
            "status_text": self.status_text,
            "pending_responses": self.pending_responses,
            "error": self.error,
        }
        entry.update(zip(_COUNTER_NAMES, self.counters or (None,) * 4, strict=True))
        return entry


@dataclass
class RunReport:
    """Collected while the run goes; written by :func:`write_report`."""

    moves: list[MoveRecord] = field(default_factory=list)
    exit_code: int = 0
    #: ``+P`` statistics (objects received/stored/failed, bytes, files); None without +P
    received: dict[str, Any] | None = None


def write_report(path: Path, config: Config, report: RunReport) -> None:
    """Write ``report`` as JSON to ``path`` (atomically); a failure is only logged.

    Parameters
    ----------
    path : Path
        The ``--report`` file.
    config : Config
        The run's configuration (the peer and AE titles are recorded).
    report : RunReport
        What the run collected.
    """
    net = config.network
    document = {
        "program": "movescu",
        "version": __version__,
        "peer": {"host": net.peer, "port": net.port, "called_ae_title": net.called_ae_title},
        "calling_ae_title": net.ae_title,
        "move_destination": net.effective_move_destination,
        "exit_code": report.exit_code,
        "moves": [move.as_json() for move in report.moves],
        "received": report.received,
    }
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".report-", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2)
            stream.write("\n")
        os.replace(temporary, path)
    except OSError as error:
        logger.error("cannot write report file: %s: %s", path, error.strerror or error)
