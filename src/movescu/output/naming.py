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
"""

from __future__ import annotations

import hashlib

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
