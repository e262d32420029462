"""``--key-list FILE``: a CSV of C-MOVE keys, one move per row (our addition).

Owns the file's format: the first non-empty row is the header, each cell an
attribute as ``-k`` names it (keyword such as ``StudyInstanceUID``, tag
``0020,000D`` or ``(0020,000D)`` -- quoted in the CSV since it holds a comma --
or a sequence path); every further non-empty row gives one value per column
(an empty cell is a zero-length element, as ``-k Name=``).  Each row is checked
like a ``-k`` argument (:func:`movescu.query.parse_key`) when the command line
is evaluated, so a bad row is a usage error (exit 1, like a bad ``-k``) with its
line number before the Storage SCP binds its port or any association is
requested.  Pure: reads one text file, opens no connection, logs nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from movescu.config import KeyRow
from movescu.errors import UsageError

if TYPE_CHECKING:
    from movescu.dicom.dictionary import Dictionary

__all__ = ["read_key_list"]

_PARENTHESISED_TAG = re.compile(r"\(\s*([0-9a-fA-F]{4})\s*,\s*([0-9a-fA-F]{4})\s*\)")


def read_key_list(path: Path, dictionary: Dictionary) -> tuple[KeyRow, ...]:
    """Read and check a key list.

    Parameters
    ----------
    path : Path
        The CSV file (UTF-8, a leading byte-order mark is ignored; ``,`` separates).
    dictionary : Dictionary
        Names and VRs, as for ``-k``.

    Returns
    -------
    tuple of KeyRow
        One per data row, in file order, with its line number.

    Raises
    ------
    UsageError
        ``bad key list: <file>, line <n>: <reason>`` -- an unknown attribute in
        the header, a row with the wrong number of values, a value the
        attribute's VR rejects (the ``-k`` texts) -- or a file without rows.
    """
    from movescu.query import parse_key

    def fail(line: int, reason: str) -> UsageError:
        return UsageError(f"bad key list: {path}, line {line}: {reason}")

    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            lines = [(n, row) for n, row in _numbered_rows(stream) if any(c.strip() for c in row)]
    except OSError as error:  # the C library's text, as DCMTK's messages use it
        raise UsageError(f"bad key list: {path}: {error.strerror or 'cannot read'}") from None
    except UnicodeDecodeError:
        raise UsageError(f"bad key list: {path}: not UTF-8 text") from None
    except csv.Error:  # never Python's text
        raise UsageError(f"bad key list: {path}: not a CSV file") from None
    if not lines:
        raise UsageError(f"bad key list: {path}: no header row")
    header_line, header = lines[0]
    names = [_unparenthesised(cell.strip()) for cell in header]
    for name in names:
        if not name or "=" in name:
            raise fail(header_line, f"bad attribute name: '{name}'")
        try:
            parse_key(name, dictionary)
        except UsageError as error:
            raise fail(header_line, error.message) from None
    if len(set(names)) != len(names):
        raise fail(header_line, "an attribute is named twice")
    rows: list[KeyRow] = []
    for number, cells in lines[1:]:
        if len(cells) != len(names):
            raise fail(number, f"{len(cells)} values for {len(names)} columns")
        keys = []
        for name, cell in zip(names, cells, strict=True):
            try:
                keys.append(parse_key(f"{name}={cell.strip()}", dictionary))
            except UsageError as error:
                raise fail(number, error.message) from None
        rows.append(KeyRow(number, tuple(keys)))
    if not rows:
        raise UsageError(f"bad key list: {path}: no rows after the header")
    return tuple(rows)


def _unparenthesised(name: str) -> str:
    """``(0020,000D)`` -> ``0020,000D`` (the form ``-k`` reads); anything else as is."""
    match = _PARENTHESISED_TAG.fullmatch(name)
    return f"{match.group(1)},{match.group(2)}" if match else name


def _numbered_rows(stream: Iterable[str]) -> list[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted value may span lines)."""
    reader = csv.reader(stream)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for row in reader:
        rows.append((start, row))
        start = reader.line_num + 1
    return rows
