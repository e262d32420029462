"""DCMTK's names: transfer syntaxes, UIDs (``=CTImageStorage``) and DIMSE statuses.

Owns the name tables only (DCMTK 3.6.7 wording, see ``docs/differences.md``);
:mod:`movescu.dicom.dump` re-exports these helpers.  No logging, no pydicom import at
module import time.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

#: DCMTK's transfer syntax names (``dcmdata/libsrc/dcxfer.cc``, 3.6.7)
TRANSFER_SYNTAX_NAMES = {
    "1.2.840.10008.1.2": "Little Endian Implicit",
    "1.2.840.10008.1.2.1": "Little Endian Explicit",
    "1.2.840.10008.1.2.2": "Big Endian Explicit",
    "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
    "1.2.840.10008.1.2.4.50": "JPEG Baseline",
    "1.2.840.10008.1.2.4.51": "JPEG Extended, Process 2+4",
    "1.2.840.10008.1.2.4.52": "JPEG Extended, Process 3+5",
    "1.2.840.10008.1.2.4.53": "JPEG Spectral Selection, Non-hierarchical, Process 6+8",
    "1.2.840.10008.1.2.4.54": "JPEG Spectral Selection, Non-hierarchical, Process 7+9",
    "1.2.840.10008.1.2.4.55": "JPEG Full Progression, Non-hierarchical, Process 10+12",
    "1.2.840.10008.1.2.4.56": "JPEG Full Progression, Non-hierarchical, Process 11+13",
    "1.2.840.10008.1.2.4.57": "JPEG Lossless, Non-hierarchical, Process 14",
    "1.2.840.10008.1.2.4.58": "JPEG Lossless, Non-hierarchical, Process 15",
    "1.2.840.10008.1.2.4.59": "JPEG Extended, Hierarchical, Process 16+18",
    "1.2.840.10008.1.2.4.60": "JPEG Extended, Hierarchical, Process 17+19",
    "1.2.840.10008.1.2.4.61": "JPEG Spectral Selection, Hierarchical, Process 20+22",
    "1.2.840.10008.1.2.4.62": "JPEG Spectral Selection, Hierarchical, Process 21+23",
    "1.2.840.10008.1.2.4.63": "JPEG Full Progression, Hierarchical, Process 24+26",
    "1.2.840.10008.1.2.4.64": "JPEG Full Progression, Hierarchical, Process 25+27",
    "1.2.840.10008.1.2.4.65": "JPEG Lossless, Hierarchical, Process 28",
    "1.2.840.10008.1.2.4.66": "JPEG Lossless, Hierarchical, Process 29",
    "1.2.840.10008.1.2.4.70": "JPEG Lossless, Non-hierarchical, 1st Order Prediction",
    "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
    "1.2.840.10008.1.2.4.81": "JPEG-LS Lossy (Near-lossless)",
    "1.2.840.10008.1.2.4.90": "JPEG 2000 (Lossless only)",
    "1.2.840.10008.1.2.4.91": "JPEG 2000 (Lossless or Lossy)",
    "1.2.840.10008.1.2.4.92": "JPEG 2000 Part 2 Multicomponent Image Compression (Lossless only)",
    "1.2.840.10008.1.2.4.93": (
        "JPEG 2000 Part 2 Multicomponent Image Compression (Lossless or Lossy)"
    ),
    "1.2.840.10008.1.2.4.94": "JPIP Referenced",
    "1.2.840.10008.1.2.4.95": "JPIP Referenced Deflate",
    "1.2.840.10008.1.2.4.100": "MPEG2 Main Profile @ Main Level",
    "1.2.840.10008.1.2.4.101": "MPEG2 Main Profile @ High Level",
    "1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264 High Profile / Level 4.1",
    "1.2.840.10008.1.2.4.103": "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
    "1.2.840.10008.1.2.4.104": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
    "1.2.840.10008.1.2.4.105": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
    "1.2.840.10008.1.2.4.106": "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
    "1.2.840.10008.1.2.4.107": "HEVC/H.265 Main Profile / Level 5.1",
    "1.2.840.10008.1.2.4.108": "HEVC/H.265 Main 10 Profile / Level 5.1",
    "1.2.840.10008.1.2.5": "RLE Lossless",
}


def transfer_syntax_name(uid: str) -> str:
    """DCMTK's name of a transfer syntax (the UID itself if DCMTK has none)."""
    return TRANSFER_SYNTAX_NAMES.get(uid, uid)


@cache
def _dcmtk_uid_names() -> dict[str, str]:
    text = resources.files("movescu").joinpath("data/dcmtk_uid_names.tsv").read_text("utf-8")
    pairs = (line.split("\t", 1) for line in text.splitlines() if line and line[0] != "#")
    return {uid: name for uid, name in pairs}


def find_uid_name(uid: str) -> str | None:
    """DCMTK's name of a UID (``dcmFindNameOfUID``), or None if unknown.

    The packaged table holds the names DCMTK 3.6.7 uses where they differ from
    pydicom's UID keywords; other UIDs known to pydicom use its keyword.
    """
    name = _dcmtk_uid_names().get(uid)
    if name is not None:
        return name
    from pydicom.uid import UID_dictionary  # type: ignore[attr-defined]

    entry = UID_dictionary.get(uid)
    return entry[4] if entry and entry[4] else None


def uid_name(uid: str) -> str:
    """DCMTK's name of a UID, or the UID itself if it has none (as in DIMSE dumps)."""
    return find_uid_name(uid) or uid


# --------------------------------------------------------------------------- statuses

_MOVE_STATUS = {
    0x0000: "Success",
    0xFF00: "Pending",
    0xA701: "Refused: OutOfResourcesNumberOfMatches",
    0xA702: "Refused: OutOfResourcesSubOperations",
    0xA801: "Refused: MoveDestinationUnknown",
    0xA900: "Error: DataSetDoesNotMatchSOPClass",
    0xFE00: "Cancel: SubOperationsTerminatedDueToCancelIndication",
    0xB000: "Warning: SubOperationsCompleteOneOrMoreFailures",
    0x0122: "Refused: SOPClassNotSupported",
}

#: statuses every DIMSE_print*StatusString names, whatever the service
_DUMP_GENERAL_STATUS = {
    0x0122: "Refused: SOP Class not supported",
    0x0124: "Refused: Not authorized",
    0x0210: "Duplicate invocation",
    0x0211: "Unrecognized operation",
    0x0212: "Mistyped argument",
}

#: DIMSE_printCMoveStatusString
_DUMP_MOVE_STATUS = {
    0x0000: "Success: Sub-operations complete - No failures or warnings",
    0xA701: "Refused: Out of resources - Unable to calculate number of matches",
    0xA702: "Refused: Out of resources - Unable to perform sub-operations",
    0xA801: "Refused: Move Destination unknown",
    0xA900: "Error: Data Set does not match SOP Class",
    0xAA00: "Failed: None of the frames requested were found in SOP Instance",
    0xAA01: "Failed: Unable to create new object for this SOP Class",
    0xAA02: "Failed: Unable to extract frames",
    0xAA03: "Failed: Time-based request for non-time-based SOP Instance",
    0xAA04: "Failed: Invalid request",
    0xFE00: "Cancel: Sub-operations terminated due to Cancel Indication",
    0xB000: "Warning: Sub-operations complete - One or more failures or warnings",
    0xFF00: "Pending: Sub-operations are continuing",
}

#: DIMSE_printCStoreStatusString: single statuses, then ranges by their high byte
_DUMP_STORE_STATUS = {
    0x0000: "Success",
    0xB000: "Warning: Coercion of Data Elements",
    0xB007: "Warning: Data Set does not match SOP Class",
    0xB006: "Warning: Elements discarded",
}
_DUMP_STORE_RANGES = {
    0xA700: "Refused: Out of resources",
    0xA900: "Error: Data Set does not match SOP Class",
}


def move_status_text(status: int) -> str:
    """DCMTK 3.6.7's ``DU_cmoveStatusString`` (``Received Final Move Response (<text>)``)."""
    if status in _MOVE_STATUS:
        return _MOVE_STATUS[status]
    if status & 0xF000 == 0xC000:
        return "Failed: UnableToProcess"
    return f"Unknown Status: 0x{status:x}"


def _class(status: int) -> str:
    """DIMSE_printStatusClassString: what a status outside the tables prints."""
    if status == 0x0000:
        return "Success"
    if status & 0xF000 == 0xB000 or status in (0x0001, 0x0107, 0x0116):
        return "Warning"
    if status in (0xFF00, 0xFF01):
        return "Pending"
    if status == 0xFE00:
        return "Cancel"
    if status & 0xF000 in (0xA000, 0xC000) or status & 0xFF00 in (0x0100, 0x0200):
        return "Failure"
    return "Unknown Status Code (non-standard)"


def dimse_status_text(status: int, service: str = "move") -> str:
    """The ``DIMSE Status`` value of a DIMSE dump: ``0x`` + 4 hex digits + ``: `` + text.

    ``service`` is ``"move"`` (C-MOVE-RSP) or ``"store"`` (C-STORE-RSP).  The
    texts are DCMTK 3.6.7's (``movescu -d``/``storescu -d`` against peers
    answering each status, see tests/unit/test_dump.py).
    """
    text = _DUMP_GENERAL_STATUS.get(status)
    if text is None and service == "store":
        text = _DUMP_STORE_STATUS.get(status) or _DUMP_STORE_RANGES.get(status & 0xFF00)
        if text is None and status & 0xF000 == 0xC000:
            text = "Error: Cannot understand"
    elif text is None:
        text = _DUMP_MOVE_STATUS.get(status)
        if text is None and status & 0xF000 == 0xC000:
            text = "Failed: Unable to process"
    return f"0x{status:04x}: {text or _class(status)}"
