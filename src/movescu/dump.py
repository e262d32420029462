"""DCMTK's text dumps: data sets (dcmdump layout), DIMSE messages, status and UID names.

Owns pure text formatting; no logging, no I/O beyond reading the packaged UID
name table.  Callers log the returned text (``logger.info("Request
Identifiers:\\n%s", dataset_dump(ds, name))`` gives DCMTK's lines, each prefixed).
Layouts follow DCMTK 3.6.7 as printed by ``/usr/bin/dcmdump`` and ``movescu -v/-d``
(``dcmdata/libsrc/dcobject.cc`` printInfoLine, ``dcmnet/libsrc/dimdump.cc``).
pydicom is only needed for the data-set dump (imported lazily).
"""

from __future__ import annotations

import struct
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

    from movescu.dictionary import Dictionary

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

#: DCM_OptPrintLineLength: longer values are shortened with "..."
LINE_LENGTH = 70
_STRING_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT".split())
_TEXT_VRS = frozenset({"LT", "ST", "UT"})
_LONG_VRS = frozenset("OB OD OF OL OV OW SQ UC UN UR UT SV UV".split())
_NUMBER_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "AT": 4, "UV": 8, "SV": 8}
_BINARY = {"OB": ("B", 1), "UN": ("B", 1), "OW": ("H", 2), "OF": ("f", 4), "OD": ("d", 8),
           "OL": ("L", 4), "OV": ("Q", 8)}  # fmt: skip
_UNDEFINED = 0xFFFFFFFF


# --------------------------------------------------------------------------- names


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
    from pydicom._uid_dict import UID_dictionary

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
    0xA800: "Refused: SOPClassNotSupported",
    0xA801: "Refused: MoveDestinationUnknown",
    0xA900: "Error: DataSetDoesNotMatchSOPClass",
    0xFE00: "Cancel: SubOperationsTerminatedDueToCancelIndication",
    0xB000: "Warning: SubOperationsCompleteOneOrMoreFailures",
}

_DUMP_MOVE_STATUS = {
    0x0000: "Success: Sub-operations complete - No failures or warnings",
    0xFF00: "Pending: Sub-operations are continuing",
    0xA701: "Refused: Out of resources - Unable to calculate number of matches",
    0xA702: "Refused: Out of resources - Unable to perform sub-operations",
    0xA800: "Refused: SOP Class not supported",
    0xA801: "Refused: Move Destination unknown",
    0xA900: "Error: Data Set does not match SOP Class",
    0xFE00: "Cancel: Sub-operations terminated due to Cancel Indication",
    0xB000: "Warning: Sub-operations complete - One or more failures or warnings",
}

_DUMP_STORE_STATUS = {
    0x0000: "Success",
    0xB000: "Warning: Coercion of Data Elements",
    0xB007: "Warning: Data Set does not match SOP Class",
    0xB006: "Warning: Elements discarded",
}


def move_status_text(status: int) -> str:
    """DCMTK 3.6.7's ``DU_cmoveStatusString`` (``Received Final Move Response (<text>)``)."""
    if status in _MOVE_STATUS:
        return _MOVE_STATUS[status]
    if status & 0xF000 == 0xC000:
        return "Failed: UnableToProcess"
    return f"Unknown Status: 0x{status:x}"


def _is_warning(status: int) -> bool:
    return status & 0xF000 == 0xB000 or status == 0x0001 or status & 0xFF00 == 0x0100


def dimse_status_text(status: int, service: str = "move") -> str:
    """The ``DIMSE Status`` value of a DIMSE dump: ``0x`` + 4 hex digits + ``: `` + text.

    ``service`` is ``"move"`` (C-MOVE-RSP) or ``"store"`` (C-STORE-RSP).
    """
    if service == "store":
        text = _DUMP_STORE_STATUS.get(status)
        if text is None:
            high = status & 0xFF00
            if high == 0xA700:
                text = "Refused: Out of resources"
            elif high == 0xA800:
                text = "Refused: SOP Class not supported"
            elif high == 0xA900:
                text = "Error: Data Set does not match SOP Class"
            elif status & 0xF000 == 0xC000:
                text = "Error: Cannot understand"
    else:
        text = _DUMP_MOVE_STATUS.get(status)
        if text is None and status & 0xF000 == 0xC000:
            text = "Failed: Unable to process"
    if text is None:
        if _is_warning(status):
            text = "Warning"
        elif status in (0xFF00, 0xFF01):
            text = "Pending"
        else:
            text = "Unknown Status Code (non-standard)"
    return f"0x{status:04x}: {text}"


# --------------------------------------------------------------------------- DIMSE dump


def dimse_dump(message_type: str, fields: list[tuple[str, str]], outgoing: bool) -> str:
    """A DIMSE message dump framed as DCMTK does (``dimdump.cc``).

    ``fields`` are (name, value) pairs after ``Message Type``, e.g.
    ``("Message ID Being Responded To", "1")``; names are padded to 30 columns.
    """
    direction = "OUTGOING" if outgoing else "INCOMING"
    lines = [f"===================== {direction} DIMSE MESSAGE ===================="]
    lines.append(f"{'Message Type':<30}: {message_type}")
    lines.extend(f"{name:<30}: {value}" for name, value in fields)
    lines.append("======================= END DIMSE MESSAGE =======================")
    return "\n".join(lines)


# --------------------------------------------------------------------------- data set dump


def dataset_dump(
    ds: Dataset,
    transfer_syntax_name: str,
    *,
    dictionary: Dictionary | None = None,
    shorten: bool = False,
) -> str:
    """A data set in dcmdump's layout, as movescu prints it (``Request Identifiers:``).

    The text starts with an empty line and ends with a newline, so logging
    ``"Request Identifiers:\\n" + text`` gives DCMTK's exact sequence of lines.
    Lengths are those of the encoding named by ``transfer_syntax_name``.
    movescu prints values in full; ``shorten=True`` cuts values longer than 70
    characters with ``...`` as dcmdump does by default.
    """
    implicit = transfer_syntax_name == "Little Endian Implicit"
    lines = ["", "# Dicom-Data-Set", f"# Used TransferSyntax: {transfer_syntax_name}"]
    _dump_items(lines, ds, 0, implicit, dictionary, shorten)
    return "\n".join(lines) + "\n"


def _line(depth: int, tag: int, vr: str, value: str, length: str, vm: int, name: str) -> str:
    head = f"{'  ' * depth}({tag >> 16:04x},{tag & 0xFFFF:04x}) {vr} "
    return f"{head}{value:<40} # {length:>3},{vm:>2} {name}"


def _dump_items(
    lines: list[str],
    ds: Dataset,
    depth: int,
    implicit: bool,
    dictionary: Dictionary | None,
    shorten: bool,
) -> None:
    for elem in ds:
        name = element_name(elem.tag, dictionary)
        if elem.VR == "SQ":
            _dump_sequence(lines, elem, depth, implicit, dictionary, name, shorten)
            continue
        value, vm = format_value(elem, shorten=shorten)
        length = str(value_length(elem, ds))
        vr = elem.VR
        if implicit and vr == "UN" and name == "Unknown Tag & Data":
            vr = "??"  # DCMTK: VR of an unknown tag read in implicit VR
        lines.append(_line(depth, elem.tag, vr, value, length, vm, name))


def _dump_sequence(
    lines: list[str],
    elem: DataElement,
    depth: int,
    implicit: bool,
    dictionary: Dictionary | None,
    name: str,
    shorten: bool,
) -> None:
    undefined = bool(getattr(elem, "is_undefined_length", False))
    kind = "undefined" if undefined else "explicit"
    items = list(elem.value)
    length = "u/l" if undefined else str(sequence_length(elem, implicit))
    text = f"(Sequence with {kind} length #={len(items)})"
    lines.append(_line(depth, elem.tag, "SQ", text, length, 1, name))
    for item in items:
        item_undefined = bool(getattr(item, "is_undefined_length_sequence_item", False))
        item_kind = "undefined" if item_undefined else "explicit"
        item_length = "u/l" if item_undefined else str(item_length_of(item, implicit))
        text = f"(Item with {item_kind} length #={len(item)})"
        lines.append(_line(depth + 1, 0xFFFEE000, "na", text, item_length, 1, "Item"))
        _dump_items(lines, item, depth + 2, implicit, dictionary, shorten)
        text = (
            "(ItemDelimitationItem)"
            if item_undefined
            else ("(ItemDelimitationItem for re-encoding)")
        )
        lines.append(_line(depth + 1, 0xFFFEE00D, "na", text, "0", 0, "ItemDelimitationItem"))
    text = (
        "(SequenceDelimitationItem)" if undefined else ("(SequenceDelimitationItem for re-encod.)")
    )
    lines.append(_line(depth, 0xFFFEE0DD, "na", text, "0", 0, "SequenceDelimitationItem"))


def element_name(tag: int, dictionary: Dictionary | None = None) -> str:
    """The dictionary name DCMTK prints (``RETIRED_`` prefix, private/group-length names).

    Without ``dictionary`` the run's active dictionary is used (the one ``-k``
    loaded with ``DCMDICTPATH``), else pydicom's names.
    """
    if dictionary is None:
        from movescu.dictionary import active_dictionary

        dictionary = active_dictionary()
    if dictionary is not None:
        entry = dictionary.lookup_tag(tag)
        return entry.name if entry is not None else "Unknown Tag & Data"
    group, element = tag >> 16, tag & 0xFFFF
    if group % 2 == 0:
        from pydicom.datadict import dictionary_is_retired, keyword_for_tag

        keyword = keyword_for_tag(tag)
        if keyword:
            return f"RETIRED_{keyword}" if dictionary_is_retired(tag) else keyword
    if element == 0:
        if group % 2:
            return "PrivateGroupLength" if group >= 0x0009 else "IllegalGroupLength"
        return "GenericGroupLength"
    if group % 2 and group >= 0x0009 and 0x10 <= element <= 0xFF:
        return "PrivateCreator"
    return "Unknown Tag & Data"


def _values(elem: DataElement) -> list[Any]:
    value = elem.value
    if value is None or value == "" or value == b"":
        return []
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [v for v in value]
    return [value]


def _shorten(text: str, shorten: bool) -> str:
    if not shorten or len(text) <= LINE_LENGTH:
        return text
    return text[: LINE_LENGTH - 3] + "..."


def format_number(value: float, vr: str) -> str:
    """FL/OF as ``%.9g``; FD/OD with the shortest round-tripping digits in ``%.17g`` style.

    DCMTK formats doubles with its own ``OFStandard::ftoa``; this matches it for
    most values (e.g. ``0.1``, ``3e+20``, ``100000000``) but not all.
    """
    if vr in ("FL", "OF"):
        # the value as encoded: a float32 (pydicom may hold a wider Python float)
        (single,) = struct.unpack("<f", struct.pack("<f", value))
        return f"{single:.9g}"
    if value != value or value in (float("inf"), float("-inf")) or value == 0:
        return f"{value:g}"
    precision = 17
    for digits in range(1, 18):
        if float(f"{value:.{digits}g}") == value:
            precision = digits
            break
    exponent = int(f"{value:.{precision - 1}e}".split("e")[1])
    if -4 <= exponent < 17:
        return f"{value:.{max(precision - 1 - exponent, 0)}f}"
    return f"{value:.{precision - 1}e}"


def format_value(elem: DataElement, *, shorten: bool = False) -> tuple[str, int]:
    """The printed value and the VM of an element (``(no value available)``, 0 when empty).

    With ``shorten`` (dcmdump's default), values longer than 70 characters are cut.
    """
    vr = elem.VR
    if vr in _BINARY:
        data = bytes(elem.value or b"")
        fmt, size = _BINARY[vr]
        if not data:
            return "(no value available)", 0
        if len(data) % 2:
            data += b"\0"  # DCMTK pads odd-length values to even
        count = len(data) // size
        numbers = struct.unpack(f"<{count}{fmt}", data[: count * size])
        if vr in ("OB", "UN", "OW"):
            width = 2 * size
            expected = count * (width + 1) - 1
            shown = (
                count
                if not shorten or expected <= LINE_LENGTH
                else (LINE_LENGTH - 2) // (width + 1)
            )
            text = "\\".join(f"{n:0{width}x}" for n in numbers[:shown])
            return (text if shown == count else text + "..."), 1
        parts = [format_number(n, vr) if fmt in "fd" else str(n) for n in numbers]
        return _shorten("\\".join(parts), shorten), 1
    values = _values(elem)
    if not values:
        return "(no value available)", 0
    if vr in _STRING_VRS:
        texts = [str(v) for v in values]
        if vr not in _TEXT_VRS:
            texts = [t.rstrip(" ") for t in texts]
        if vr == "UI":
            texts = [t.rstrip("\0") for t in texts]
            name = find_uid_name(texts[0]) if len(texts) == 1 else None
            if name:
                return "=" + name, 1
        printed = "[" + "\\".join(texts) + "]"
        vm = 1 if vr in _TEXT_VRS else len(texts)
        if shorten and len(printed) > LINE_LENGTH:
            printed = printed[: LINE_LENGTH - 3] + "..."
        return printed, vm
    if vr == "AT":
        parts = [f"({int(v) >> 16:04x},{int(v) & 0xFFFF:04x})" for v in values]
    elif vr in ("FL", "FD"):
        parts = [format_number(float(v), vr) for v in values]
    else:
        parts = [str(int(v)) for v in values]
    return _shorten("\\".join(parts), shorten), len(parts)


def value_length(elem: DataElement, parent: Dataset | None = None) -> int:
    """The encoded (even-padded) value length of a non-sequence element."""
    vr = elem.VR
    if vr in _BINARY:
        size = len(bytes(elem.value or b""))
        return size + size % 2
    values = _values(elem)
    if vr in _NUMBER_SIZES:
        return _NUMBER_SIZES[vr] * len(values)
    if not values:
        return 0
    text = "\\".join(str(v) for v in values)
    encoding = _python_encoding(parent)
    size = len(text.encode(encoding, errors="replace"))
    return size + size % 2


def _python_encoding(ds: Dataset | None) -> str:
    if ds is None:
        return "latin-1"
    charset = ds.get(0x00080005)
    if charset is not None and "192" in str(charset.value):
        return "utf-8"
    return "latin-1"


def _element_length(elem: DataElement, implicit: bool, parent: Dataset) -> int:
    header = 8 if implicit or elem.VR not in _LONG_VRS else 12
    if elem.VR == "SQ":
        return header + sequence_length(elem, implicit)
    return header + value_length(elem, parent)


def item_length_of(item: Dataset, implicit: bool) -> int:
    """The explicit length of an item: the sum of its encoded elements."""
    return sum(_element_length(elem, implicit, item) for elem in item)


def sequence_length(elem: DataElement, implicit: bool) -> int:
    """The explicit length of a sequence: item headers plus item contents."""
    return sum(8 + item_length_of(item, implicit) for item in elem.value)
