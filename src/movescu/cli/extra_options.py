"""Evaluating our additions (DECISIONS rule 7) into :class:`ExtraOptions`.

Owns the progress display switch, ``--report``, ``--no-accelerator`` and the
many-moves options (``--retry``, ``--retry-wait``, ``--key-list``,
``--parallel``, ``--resume``): their ranges, their conflict with
``--repeat``, the readability of the files they name, and the ``--key-list``
rows read and checked while the command line is evaluated.  Must not write
the report nor read the ``--resume`` report (the run does: :mod:`movescu.report`,
:mod:`movescu.bulk`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from movescu.cli.checks import block_members, check_conflict, last_choice, read_unsigned
from movescu.cli.parser import Occurrence, Options
from movescu.config import ExtraOptions
from movescu.errors import UsageError

__all__ = ["evaluate_extras"]


def _path(occurrence: Occurrence | None) -> Path | None:
    return Path(occurrence.values[0]) if occurrence else None


def _seconds(occurrence: Occurrence | None) -> float:
    if occurrence is None:
        return 0.0
    text = occurrence.values[0]
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"Invalid value for option {occurrence.option.long} ({text})") from None
    if not 0 <= value <= 86400:
        raise UsageError(f"Invalid value for option {occurrence.option.long} ({text})")
    return value


def evaluate_extras(options: Options, environ: Mapping[str, str] | None = None) -> ExtraOptions:
    """Our additions: progress, ``--report``, ``--no-accelerator`` and the many-moves ones."""
    progress = last_choice(options, *block_members("progress"), default=None)
    report = options.last("--report")
    retry = options.last("--retry")
    parallel = options.last("--parallel")
    extras = ExtraOptions(
        progress=progress if isinstance(progress, bool) else None,
        report=Path(report.values[0]) if report else None,
        no_accelerator=options.given("--no-accelerator"),
        retry=read_unsigned(retry, 0, 1000) if retry else 0,
        retry_wait=_seconds(options.last("--retry-wait")),
        key_list=_path(options.last("--key-list")),
        parallel=read_unsigned(parallel, 1, 64) if parallel else 1,
        resume=_path(options.last("--resume")),
    )
    repeat = options.last("--repeat")
    # one request per row/attempt: --repeat's n copies would make "what completed" ambiguous
    check_conflict(
        "--repeat",
        "--key-list, --parallel, --retry or --resume",
        bool(extras.bulk and repeat and read_unsigned(repeat, 1) > 1),
    )
    for path in (extras.key_list, extras.resume):
        if path is not None and not os.access(path, os.R_OK):
            raise UsageError(f"cannot access file: {path}")
    if extras.key_list is not None:
        from movescu.dicom.dictionary import load_dictionary
        from movescu.keylist import read_key_list

        rows = read_key_list(extras.key_list, load_dictionary(environ or {}))
        extras = dataclasses.replace(extras, key_rows=rows)
    return extras
