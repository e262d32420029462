"""DCMTK's text dumps: data sets (dcmdump layout) and DIMSE messages.

Owns pure text formatting; no logging, no I/O.  The name tables (UIDs, transfer
syntaxes, status texts) live in :mod:`movescu.dicom.names` and are re-exported here.
Callers log the returned text (``logger.info("Request Identifiers:\\n%s",
dataset_dump(ds, name))`` gives DCMTK's lines, each prefixed).  Layouts follow
DCMTK 3.6.7 as printed by ``/usr/bin/dcmdump`` and ``movescu -v/-d``
(``dcmdata/libsrc/dcobject.cc`` printInfoLine, ``dcmnet/libsrc/dimdump.cc``).
pydicom is only needed for the data-set dump (imported lazily).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from movescu.dicom.names import (
    TRANSFER_SYNTAX_NAMES,
    dimse_status_text,
    find_uid_name,
    move_status_text,
    transfer_syntax_name,
    uid_name,
)

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

    from movescu.dicom.dictionary import Dictionary

__all__ = [
    "TRANSFER_SYNTAX_NAMES",
    "dataset_dump",
    "dimse_dump",
    "dimse_status_text",
    "element_name",
    "find_uid_name",
    "format_number",
    "format_value",
    "move_status_text",
    "transfer_syntax_name",
    "uid_name",
]

#: DCM_OptPrintLineLength: longer values are shortened with "..."
LINE_LENGTH = 70
_STRING_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT".split())
_TEXT_VRS = frozenset({"LT", "ST", "UT"})
_LONG_VRS = frozenset("OB OD OF OL OV OW SQ UC UN UR UT SV UV".split())
_NUMBER_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "AT": 4, "UV": 8, "SV": 8}
_BINARY = {"OB": ("B", 1), "UN": ("B", 1), "OW": ("H", 2), "OF": ("f", 4), "OD": ("d", 8),
           "OL": ("L", 4), "OV": ("Q", 8)}  # fmt: skip
_UNDEFINED = 0xFFFFFFFF


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
        if elem.VR in ("OB", "OW") and getattr(elem, "is_undefined_length", False):
            _dump_pixel_sequence(lines, elem, depth, name, shorten)
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


def _dump_pixel_sequence(
    lines: list[str], elem: DataElement, depth: int, name: str, shorten: bool
) -> None:
    """Encapsulated pixel data: one ``pi`` line per item, as dcmdump prints it."""
    data = bytes(elem.value or b"")
    items: list[bytes] = []
    pos = 0
    while pos + 8 <= len(data):
        group, element, length = struct.unpack_from("<HHL", data, pos)
        pos += 8
        if (group, element) != (0xFFFE, 0xE000):
            break
        items.append(data[pos : pos + length])
        pos += length
    text = f"(PixelSequence #={len(items)})"
    lines.append(_line(depth, elem.tag, elem.VR, text, "u/l", 1, name))
    for item in items:
        value = "(no value available)"
        if item:
            shown = item if not shorten or len(item) * 3 - 1 <= LINE_LENGTH else item[:22]
            value = "\\".join(f"{b:02x}" for b in shown) + ("" if shown is item else "...")
        lines.append(_line(depth + 1, 0xFFFEE000, "pi", value, str(len(item)), 1, "Item"))
    end = "(SequenceDelimitationItem)"
    lines.append(_line(depth, 0xFFFEE0DD, "na", end, "0", 0, "SequenceDelimitationItem"))


def element_name(tag: int, dictionary: Dictionary | None = None) -> str:
    """The dictionary name DCMTK prints (``RETIRED_`` prefix, private/group-length names).

    Without ``dictionary`` the run's active dictionary is used (the one ``-k``
    loaded with ``DCMDICTPATH``), else pydicom's names.
    """
    if dictionary is None:
        from movescu.dicom.dictionary import active_dictionary

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
            return "(no value available)", 1  # DCMTK: the VM of OB/OW/OF/... is always 1
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
        if len(texts) == 1 and vr not in _TEXT_VRS:
            texts = texts[0].split("\\")  # a raw multi-valued string (invalid DS/IS)
        if vr == "UI":
            texts = [t.rstrip("\0") for t in texts]
            name = find_uid_name(texts[0]) if len(texts) == 1 else None
            if name:
                return "=" + name, 1
        joined = "\\".join(texts)
        # DCMTK: the trailing spaces of the whole value go, spaces between values stay
        printed = "[" + joined.rstrip(" ") + "]"
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
