"""What one C-MOVE ended with: its final status or how it failed.

Owns the small value types :mod:`movescu.net.scu.association` returns and
:mod:`movescu.retrieve` turns into exit codes and report entries.  No logic.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Ending", "MoveOutcome"]


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
