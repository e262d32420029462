"""What one C-MOVE ended with: its final status or how it failed.

Owns the small value types :mod:`movescu.net.scu.association` returns and
:mod:`movescu.retrieve` and :mod:`movescu.bulk` turn into report entries, and
the one rule that turns a final status into the run's exit code
(:func:`combine_status`).  Does not log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from movescu.dicom import messages
from movescu.exit_codes import ExitCode

__all__ = ["Ending", "MoveOutcome", "combine_status"]


class Ending(enum.Enum):
    """How a C-MOVE left the association."""

    #: final response received: the association may carry the next move
    OPEN = "open"
    #: a DIMSE failure: DCMTK aborts the association (``I: Aborting Association``)
    ABORT = "abort"
    #: the peer aborted (``I: Peer Aborted Association``)
    PEER_ABORTED = "peer-aborted"
    #: the peer requested release during the move (protocol error, we abort)
    PEER_RELEASED = "peer-released"


@dataclass(frozen=True)
class MoveOutcome:
    """The result of one C-MOVE request."""

    #: the final status, or None when the move failed at DIMSE level
    status: int | None
    ending: Ending = Ending.OPEN
    #: DCMTK condition text of a DIMSE failure (``0006:0207 ...``)
    condition: str | None = None
    pending_responses: int = 0
    #: sub-operation counters of the last response (remaining, completed, failed, warning)
    counters: tuple[int | None, ...] = ()


def combine_status(code: ExitCode, status: int) -> ExitCode:
    """The run's code after a final ``status``.

    DCMTK 3.6.2+: 68 for a warning while still 0; 69 for an error, never lowered.
    """
    if messages.is_success_or_cancel(status):
        return code
    if messages.is_warning(status):
        return ExitCode.CMOVE_WARNING if code is ExitCode.NO_ERROR else code
    return ExitCode.CMOVE_ERROR
