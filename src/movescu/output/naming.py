"""File names of received objects (spec section 5.5, DCMTK 3.6.8+ plus our hardening).

Owns the mapping (Affected SOP Class UID, Affected SOP Instance UID of the
C-STORE request) -> file name ``<prefix>.<uid>``, and the sanitising that keeps
every generated name inside the output directory.  Pure: no I/O, no pydicom.

Rules (documented in docs/differences.md):

* prefix: DCMTK's newest modality table; unknown classes get ``OT`` (DCMTK's
  log text; 3.6.0 wrote ``(null)``);
* every ``/`` becomes ``_`` (DCMTK 3.6.8+); ours in addition: backslash, NUL
  and every other control character become ``_``;
* a name longer than 255 bytes (NAME_MAX) is cut and ends in ``~`` + 16 hex
  digits of the SHA-256 of the full name, so distinct UIDs stay distinct.

The name always starts with a non-empty prefix and a dot, so it can never be
empty, ``.`` or ``..``, and after sanitising it contains no path separator.

storescp 3.6.7's options (our additions, issue 15): study subdirectory names
(``-ss``/``-su``/``-sp``), ``+uf``/``-tn``/``-fe`` names, ``-rns`` names and the
expansion of ``-xcr``/``-xcs`` placeholders with every value quoted for the shell.
Every name built from peer data goes through :func:`sanitize_file_name`.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import unicodedata
from collections.abc import Mapping
from datetime import datetime

from movescu.config import StudySorting
from movescu.dicom.sop_classes import prefix_for

#: Linux/most filesystems: maximum bytes of one path component.
NAME_MAX = 255

_REPLACED = {"/", "\\", "\0"}


def sanitize_file_name(name: str) -> str:
    """Make ``name`` a single, safe path component.

    Parameters
    ----------
    name : str
        A generated ``<prefix>.<uid>`` name.

    Returns
    -------
    str
        ``name`` with separators and control characters replaced by ``_``,
        shortened (with a hash suffix) when longer than :data:`NAME_MAX` bytes.
    """
    cleaned = "".join("_" if (c in _REPLACED or ord(c) < 0x20 or c == "\x7f") else c for c in name)
    if cleaned in ("", ".", ".."):
        cleaned = cleaned.replace(".", "_") or "_"
    encoded = cleaned.encode("utf-8", errors="replace")
    if len(encoded) <= NAME_MAX:
        return cleaned
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    head = encoded[: NAME_MAX - 17].decode("utf-8", errors="ignore")
    return f"{head}~{digest}"


def object_file_name(sop_class_uid: str, sop_instance_uid: str) -> str:
    """The file name DCMTK's movescu gives a received object.

    Parameters
    ----------
    sop_class_uid : str
        Affected SOP Class UID of the C-STORE request (selects the prefix).
    sop_instance_uid : str
        Affected SOP Instance UID of the C-STORE request.

    Returns
    -------
    str
        ``<prefix>.<uid>``, sanitised by :func:`sanitize_file_name`.
    """
    return sanitize_file_name(f"{prefix_for(sop_class_uid)}.{sop_instance_uid}")


# ----------------------------------------------------------------- storescp's options
# (issue 15: -ss/-su/-sp, -uf/+uf, -tn, -fe, -rns and the command placeholders)

#: the placeholders of storescp's -xcr/-xcs command lines
PLACEHOLDERS = ("#p", "#f", "#a", "#c", "#r")
_PLACEHOLDER = re.compile("#[pfacr]")


def study_timestamp(now: datetime) -> str:
    """``YYYYMMDD_HHMMSSPPP`` (storescp's study subdirectory time stamp)."""
    return f"{now:%Y%m%d_%H%M%S}{now.microsecond // 1000:03d}"


def ascii_patient_name(raw: str) -> str:
    """The Patient's Name as storescp's ``-sp`` uses it: ASCII only, ``ANONYMOUS`` if empty.

    Accented letters lose their accent (``é`` -> ``e``); the component separator
    ``^`` becomes ``_`` as in storescp, and so does every character other than
    ASCII letters, digits, ``.`` and ``-`` (storescp maps Latin-1 by its own
    table; ours keeps shell and path syntax out of the name).
    """
    name = raw.strip(" \0")
    if not name:
        return "ANONYMOUS"
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if (c.isascii() and (c.isalnum() or c in ".-")) else "_" for c in stripped)


def study_directory_name(
    sorting: StudySorting, prefix: str, study_uid: str, patient_name: str, now: datetime
) -> str:
    """The subdirectory of a study (storescp 3.6.7's patterns), as one safe path component.

    Parameters
    ----------
    sorting : StudySorting
        ``-ss``, ``-su`` or ``-sp``.
    prefix : str
        The ``-ss``/``-su`` prefix (``""``: the first ``_`` is left out).
    study_uid : str
        Study Instance UID of the data set.
    patient_name : str
        Patient's Name of the data set (``-sp`` only; see :func:`ascii_patient_name`).
    now : datetime
        Reception time of the study's first object.

    Returns
    -------
    str
        ``[prefix_]YYYYMMDD_HHMMSSPPP``, ``[prefix_]UID`` or ``Name_YYYYMMDD_HHMMSSPPP``.
    """
    lead = f"{prefix}_" if prefix else ""
    if sorting is StudySorting.STUDY_UID:
        name = lead + study_uid
    elif sorting is StudySorting.PATIENT_NAME:
        name = f"{ascii_patient_name(patient_name)}_{study_timestamp(now)}"
    else:
        name = lead + study_timestamp(now)
    return sanitize_file_name(name)


def unique_file_name(sop_class_uid: str, new_uid: str, extension: str = "") -> str:
    """``+uf``: ``<prefix>.X.<new UID><extension>`` (storescp's ``.X.`` infix)."""
    return sanitize_file_name(f"{prefix_for(sop_class_uid)}.X.{new_uid}{extension}")


def time_file_name(
    sop_class_uid: str, now: datetime, serial: int | None, extension: str = ""
) -> str:
    """``-tn``: ``YYYYMMDDHHMMSSPPP[_NNNN].<prefix><extension>``.

    ``serial`` is None for the first file of a millisecond, then 0, 1, ...
    """
    stamp = f"{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}"
    if serial is not None:
        stamp += f"_{serial:04d}"
    return sanitize_file_name(f"{stamp}.{prefix_for(sop_class_uid)}{extension}")


def renamed_file_name(old_name: str, counter: int, time_names: bool) -> str:
    """``-rns``: the modality prefix of ``old_name`` + a 6-digit counter (storescp's rule).

    With ``-tn`` the prefix follows the time stamp (and serial number).
    """
    if time_names:
        serial = old_name.find("_")
        modality = old_name[serial + 6 : serial + 8] if serial >= 0 else old_name[18:20]
    else:
        modality = old_name[:2]
    return sanitize_file_name(f"{modality}{counter:06d}")


def expand_command(template: str, values: Mapping[str, str]) -> str:
    """Replace storescp's placeholders in ``template``, each value quoted for ``/bin/sh``.

    Parameters
    ----------
    template : str
        The ``-xcr``/``-xcs`` command line.
    values : mapping
        Placeholder (``"#p"`` ...) -> value; placeholders not in it stay as typed
        (storescp leaves ``#p``/``#f`` alone with ``--ignore``, ``#f`` with ``-xcs``).

    Returns
    -------
    str
        The command line.  Values come from the peer (AE titles, host names, UIDs,
        patient names), so every value is one shell word (:func:`shlex.quote`:
        unchanged when it holds only letters, digits and ``@%+=:,./-``); one pass,
        so a value holding ``#f`` is never expanded again.
    """

    def substitute(match: re.Match[str]) -> str:
        key = match.group(0)
        return shlex.quote(values[key]) if key in values else key

    return _PLACEHOLDER.sub(substitute, template)
