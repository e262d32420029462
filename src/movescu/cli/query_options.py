"""Evaluating what is asked for: ``-k`` (step 4) and the query-file parameters (17-18).

Owns ``-k`` processed right to left with replace semantics (the leftmost key
per attribute wins, the command line over ``MOVESCU_KEY`` over the config
file), the check that every query file is readable, and DCMTK 3.6.7's "file or
key" requirement, with DCMTK's messages.  The data dictionary (``DCMDICTPATH``)
and :mod:`movescu.query` are imported only when ``-k`` is given.  Must not read
the query files (that is :mod:`movescu.query` when the run starts) nor build the
identifier.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from movescu.cli.checks import blamed
from movescu.cli.parser import Options
from movescu.config import QueryKey, QueryModel, QueryOptions
from movescu.errors import UsageError

__all__ = ["evaluate_keys", "evaluate_query"]


def evaluate_keys(options: Options, environ: Mapping[str, str]) -> tuple[QueryKey, ...]:
    """Step 4: ``-k`` right to left with replace semantics: the leftmost wins.

    The merged list holds the command line's keys first, then ``MOVESCU_KEY``'s,
    then the config file's (:func:`movescu.cli.parser.merge_sources`): per
    attribute the highest source wins.
    """
    occurrences = options.all("--key")
    if not occurrences:
        return ()
    from movescu.dicom.dictionary import load_dictionary
    from movescu.query import parse_key

    dictionary = load_dictionary(environ)
    keys: dict[tuple[tuple[tuple[int, int], ...], int], QueryKey] = {}
    for occurrence in reversed(occurrences):
        with blamed(occurrence):
            key = parse_key(occurrence.values[0], dictionary)
        keys[(key.path, key.tag)] = key
    return tuple(keys[k] for k in sorted(keys))


def evaluate_query(
    files: Sequence[str], keys: tuple[QueryKey, ...], model: QueryModel, *, key_list: bool = False
) -> QueryOptions:
    """Steps 17-18: every query file readable, then "file or key" required."""
    for name in files:
        if not os.access(name, os.R_OK):
            raise UsageError(f"cannot access file: {name}")
    if not files and not keys and not key_list:
        raise UsageError("either query file or override keys (or both) must be specified")
    return QueryOptions(files=tuple(Path(name) for name in files), keys=keys, model=model)
