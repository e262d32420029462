"""What a many-moves run has to do: the list of moves, and what a resumed run skips.

Owns the expansion of the identifiers (query files or ``-k`` keys) over the rows
of ``--key-list`` into numbered :class:`Move` objects, the per-move part of the
report (``bulk`` in the ``--report`` JSON, see ``docs/bulk.md``) and reading it
back for ``--resume``: a move the earlier report lists as ``done`` is not sent
again; a ``failed`` move whose missing instances are known (IMAGE level with
SOP Instance UIDs) is sent for those instances only; every other move is sent
as it was, and the instances the earlier run stored (:func:`received_before`)
are answered without being written again.  Opens no connection and logs
nothing; :mod:`movescu.bulk` runs the moves.  pydicom is imported only to copy identifiers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movescu.config import Config
from movescu.errors import InputFileError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

__all__ = [
    "Move",
    "MoveState",
    "build_moves",
    "apply_resume",
    "narrow",
    "received_before",
    "state_document",
]

#: the move states of the report's ``bulk.moves`` list
DONE, FAILED, INTERRUPTED, NOT_STARTED = "done", "failed", "interrupted", "not-started"

_SOP_INSTANCE_UID = 0x00080018
_LEVEL = 0x00080052


@dataclass
class Move:
    """One C-MOVE of the run (sent again on retries), numbered from 1 in input order."""

    number: int
    source: str
    #: the ``--key-list`` row's keys as ``Name=value`` (empty without a key list)
    keys: tuple[str, ...]
    dataset: Dataset
    transfer_syntax_name: str
    #: set by --resume: the earlier run sent this move to completion
    done_before: bool = False


@dataclass
class MoveState:
    """How one move ended: what the report's ``bulk.moves`` entry says."""

    move: Move
    state: str = NOT_STARTED
    attempts: int = 0
    #: the exit code of the last attempt (as the whole run would have had it)
    exit_code: int = 0
    #: what the last attempt failed with: a condition or status text
    reason: str | None = None
    #: instances still missing, when the move can be narrowed to them; else None
    pending_sop_instance_uids: list[str] | None = None
    #: the instances asked for when the move was narrowed (retry or resume)
    requested: list[str] = field(default_factory=list)


def build_moves(config: Config, identifiers: Sequence[Any]) -> list[Move]:
    """The run's moves: each identifier once, or once per ``--key-list`` row (rows outer).

    The row's keys are merged over the identifier (query file plus ``-k``), so a
    row value replaces the same attribute given with ``-k`` or in the file.
    """
    from movescu.query import apply_keys

    rows = config.extras.key_rows
    moves: list[Move] = []
    if not rows:
        for identifier in identifiers:
            moves.append(
                Move(
                    len(moves) + 1,
                    str(identifier.source or ""),
                    (),
                    identifier.dataset,
                    identifier.transfer_syntax_name,
                )
            )
        return moves
    for row in rows:
        for identifier in identifiers:
            dataset = copy.deepcopy(identifier.dataset)
            apply_keys(dataset, row.keys)
            where = f"{config.extras.key_list}:{row.line}"
            source = f"{identifier.source} {where}" if identifier.source else where
            moves.append(
                Move(
                    len(moves) + 1,
                    source,
                    tuple(key.text for key in row.keys),
                    dataset,
                    identifier.transfer_syntax_name,
                )
            )
    return moves


def narrow(dataset: Dataset, uids: Sequence[str]) -> Dataset | None:
    """The identifier asking only for ``uids``, or None when the model does not allow it.

    Only an IMAGE-level identifier with a SOP Instance UID key can name single
    instances; a STUDY or SERIES identifier is sent again as it is.
    """
    level = dataset.get(_LEVEL)
    if not uids or level is None or str(level.value).strip().upper() != "IMAGE":
        return None
    if _SOP_INSTANCE_UID not in dataset:
        return None
    narrowed = copy.deepcopy(dataset)
    narrowed[_SOP_INSTANCE_UID].value = list(uids) if len(uids) > 1 else uids[0]
    return narrowed


def state_document(config: Config, states: Sequence[MoveState]) -> dict[str, Any]:
    """The report's ``bulk`` object."""
    extras = config.extras
    counts = {name: 0 for name in (DONE, FAILED, INTERRUPTED, NOT_STARTED)}
    for state in states:
        counts[state.state] += 1
    return {
        "key_list": None if extras.key_list is None else str(extras.key_list),
        "retry": extras.retry,
        "retry_wait": extras.retry_wait,
        "parallel": extras.parallel,
        "resumed_from": None if extras.resume is None else str(extras.resume),
        "counts": counts,
        "moves": [
            {
                "move": state.move.number,
                "source": state.move.source,
                "keys": list(state.move.keys),
                "state": state.state,
                "done_before": state.move.done_before,
                "attempts": state.attempts,
                "exit_code": state.exit_code,
                "reason": state.reason,
                "requested_sop_instance_uids": list(state.requested),
                "pending_sop_instance_uids": state.pending_sop_instance_uids,
            }
            for state in states
        ],
    }


def apply_resume(path: Path, moves: list[Move]) -> dict[int, list[str]]:
    """Mark the moves ``path`` (an earlier ``--report``) lists as done; return narrowings.

    Returns
    -------
    dict
        Move number -> the SOP Instance UIDs still missing, for failed moves
        that can be narrowed to them.

    Raises
    ------
    InputFileError
        The report cannot be read, has no ``bulk`` part (it was not written by a
        many-moves run) or lists other moves than this command line makes (rc 22).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["bulk"]["moves"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputFileError(f"bad resume report: {path}: {_describe(error)}") from None
    if len(entries) != len(moves):
        raise InputFileError(
            f"bad resume report: {path}: it lists {len(entries)} moves, "
            f"this command line makes {len(moves)}"
        )
    pending: dict[int, list[str]] = {}
    for entry, move in zip(entries, moves, strict=True):
        if entry.get("source") != move.source or list(entry.get("keys", [])) != list(move.keys):
            raise InputFileError(
                f"bad resume report: {path}: move {move.number} was "
                f"{entry.get('source')!r} {entry.get('keys')!r}, now {move.source!r} "
                f"{list(move.keys)!r}"
            )
        if entry.get("state") == DONE:
            move.done_before = True
        elif entry.get("pending_sop_instance_uids"):
            pending[move.number] = [str(uid) for uid in entry["pending_sop_instance_uids"]]
    return pending


def received_before(path: Path) -> dict[str, Path]:
    """The instances the run that wrote ``path`` (a ``--report``) stored, with their files.

    Only instances stored with success (0x0000) whose file is still there count:
    a resumed run answers a C-STORE of one of them with success without writing
    it again (:func:`movescu.output.store.store_object`).  A report that cannot
    be read gives none here; :func:`apply_resume` refuses it with its reason.

    Returns
    -------
    dict
        SOP Instance UID -> the file it was written to.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        instances = document["received"]["instances"]
        found: dict[str, Path] = {}
        for instance in instances:
            if instance.get("status") != "0x0000" or not instance.get("path"):
                continue
            written = Path(str(instance["path"]))
            if written.is_file():
                found[str(instance["sop_instance_uid"])] = written
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return found


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r} entry (not a report of a many-moves run)"
    if isinstance(error, OSError):  # the C library's text, not Python's
        return error.strerror or "cannot read"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(error, ValueError):  # json's texts name Python's parser
        return "not a JSON document"
    return "not a report of a many-moves run"  # TypeError: a part of the wrong type
