"""Query identifiers: ``-k`` override keys and query files -> identifier data sets.

Owns DCMTK's ``-k`` syntax (``movescu.cc`` ``addOverrideKey``): ``gggg,eeee=value``
read like ``sscanf("%x,%x=")``, else a dictionary name before the first ``=``;
the value is everything after the first ``=``; the element gets the dictionary
VR and the value must pass that VR's string parser.  Plus our addition, sequence
paths (``ReferencedStudySequence[0].ReferencedSOPInstanceUID=1.2`` or
``0008,1110[0].0008,1155=1.2``, the syntax of DCMTK's findscu), and merging the
keys into each query file's data set.

Imported lazily (only when ``-k`` or query files are used), so it may import
pydicom.  Must not open network connections or configure logging.
"""

from __future__ import annotations

import re
import struct
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from movescu.config import QueryKey, QueryOptions
from movescu.dicom.dictionary import DictEntry, Dictionary
from movescu.errors import UsageError

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

#: transfer syntax name of a key-only identifier (DCMTK 3.6.7 prints the
#: current encoding of a fresh data set: explicit VR little endian)
KEY_ONLY_TRANSFER_SYNTAX = "Little Endian Explicit"

_INT_BITS = {"US": (16, False), "SS": (16, True), "UL": (32, False), "SL": (32, True),
             "UV": (64, False), "SV": (64, True)}  # fmt: skip
_FLOAT_VRS = frozenset({"FL", "FD"})
#: string VRs a value with leading/trailing spaces is kept verbatim for (not PN:
#: pydicom keeps a person name as given)
_VERBATIM_VRS = frozenset("AE AS CS DA DS DT IS LO LT SH ST TM UC UR UT".split())
_BINARY_FORMATS = {"OF": "<f", "OD": "<d", "OL": "<I", "OV": "<Q"}
_FLOAT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|\s*[+-]?(?:inf|nan)", re.I)
_DECIMAL = re.compile(r"\s*([+-]?)(\d+)")
_HEX = re.compile(r"\s*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)")


@dataclass(frozen=True)
class Identifier:
    """One C-MOVE identifier: its source file ("" for key-only) and data set."""

    source: str
    dataset: Dataset
    #: DCMTK's name of the file's transfer syntax, for the dump header
    transfer_syntax_name: str


# --------------------------------------------------------------------------- scanning


def scan_hex(text: str, pos: int = 0) -> tuple[int, int] | None:
    """C ``sscanf("%x")`` at ``pos``: (value as unsigned int, end) or None.

    Leading whitespace, a sign and a ``0x`` prefix are accepted; the value wraps
    like glibc's conversion to ``unsigned int``.
    """
    match = _HEX.match(text, pos)
    if not match:
        return None
    value = min(int(match.group(2), 16), 2**64 - 1)
    if match.group(1) == "-":
        value = -value % 2**64
    return value & 0xFFFFFFFF, match.end()


def scan_tag(text: str) -> tuple[int, int] | None:
    """DCMTK's ``sscanf(s, "%x,%x=", &g, &e)`` when it returns 2, else None."""
    first = scan_hex(text)
    if first is None or not text.startswith(",", first[1]):
        return None
    second = scan_hex(text, first[1] + 1)
    if second is None:
        return None
    return first[0], second[0]


def _tag_text(group: int, element: int) -> str:
    return f"({group:04x},{element:04x})"


# --------------------------------------------------------------------------- values


def _integer(component: str, bits: int, signed: bool) -> int | None:
    """``sscanf("%hu")``-style: leading decimal number, wrapped to the VR's width."""
    match = _DECIMAL.match(component)
    if not match:
        return None
    value = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    value %= 1 << bits
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def _float(component: str) -> float | None:
    match = _FLOAT.match(component)
    return float(match.group(0)) if match else None


def _attribute_tag(component: str) -> int | None:
    """``sscanf("(%x,%x)")``."""
    if not component.startswith("("):
        return None
    found = scan_tag(component[1:])
    if found is None:
        return None
    return ((found[0] & 0xFFFF) << 16) | (found[1] & 0xFFFF)


def convert_value(vr: str, text: str) -> Any:
    """Convert a ``-k`` value string for ``vr`` as DCMTK's ``putString`` would.

    Returns the pydicom value; raises ValueError when DCMTK rejects the value.
    String VRs are stored as given (``\\`` separates values).
    """
    components = text.split("\\")
    result: list[Any]
    if vr in _INT_BITS:
        bits, signed = _INT_BITS[vr]
        result = [_integer(c, bits, signed) for c in components]
    elif vr in _FLOAT_VRS:
        result = [_float(c) for c in components]
    elif vr == "AT":
        result = [_attribute_tag(c) for c in components]
    elif vr in ("OB", "UN", "OW"):
        mask = 0xFFFF if vr == "OW" else 0xFF
        values = [scan_hex(c) for c in components]
        if any(v is None for v in values):
            raise ValueError(text)
        words = [v[0] & mask for v in values if v is not None]
        if vr == "OW":
            return struct.pack(f"<{len(words)}H", *words)
        data = bytes(words)
        return data + b"\0" if len(data) % 2 else data
    elif vr in _BINARY_FORMATS:
        fmt = _BINARY_FORMATS[vr]
        parse = _float if vr in ("OF", "OD") else (lambda c: _integer(c, 64, False))
        numbers = [parse(c) for c in components]
        if any(n is None for n in numbers):
            raise ValueError(text)
        return b"".join(struct.pack(fmt, n) for n in numbers)
    elif vr == "SQ":
        raise ValueError(text)
    else:
        return text
    if any(v is None for v in result):
        raise ValueError(text)
    return result[0] if len(result) == 1 else result


# --------------------------------------------------------------------------- -k keys

_PATH_STEP = re.compile(r"\[(\d+)\]\.")


def _resolve(
    part: str, dictionary: Dictionary, *, whole: str, allow_junk: bool
) -> tuple[int, int, DictEntry | None]:
    """A key's tag part -> (group, element) as scanned (32-bit), with its entry."""
    tag = scan_tag(part) if allow_junk else _strict_tag(part)
    if tag is None:
        entry = dictionary.lookup_name(part)
        if entry is None:
            raise UsageError(f"bad key format or dictionary name not found in dictionary: {whole}")
        return entry.tag >> 16, entry.tag & 0xFFFF, entry
    group, element = tag
    entry = dictionary.lookup_tag(((group & 0xFFFF) << 16) | (element & 0xFFFF))
    return group, element, entry


def _strict_tag(part: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*\(?\s*([0-9a-fA-F]{1,4})\s*,\s*([0-9a-fA-F]{1,4})\s*\)?\s*", part)
    return (int(match.group(1), 16), int(match.group(2), 16)) if match else None


def _entry_for(group: int, element: int, entry: DictEntry | None) -> DictEntry:
    if entry is None:
        raise UsageError(f"unknown tag: {_tag_text(group, element)}")
    if entry.vr == "na":
        raise UsageError(f"cannot create element for tag: {_tag_text(group, element)}")
    return entry


def parse_key(text: str, dictionary: Dictionary) -> QueryKey:
    """Parse one ``-k`` argument exactly as DCMTK's movescu does.

    Parameters
    ----------
    text : str
        ``gggg,eeee[=value]`` or ``Name[=value]``; our addition: a sequence path
        ``Seq[i].Seq2[j].Name=value`` (tags or names; items are created as needed).
    dictionary : Dictionary
        Names and VRs.

    Returns
    -------
    QueryKey
        ``value`` None for a zero-length element.

    Raises
    ------
    UsageError
        With DCMTK's texts: ``bad key format or dictionary name not found in
        dictionary: <name>``, ``unknown tag: (gggg,eeee)``, ``cannot create element
        for tag: (gggg,eeee)``, ``cannot put tag value: (gggg,eeee)="<value>"``.
    """
    key_part, has_value, value = text.partition("=")
    path: list[tuple[int, int]] = []
    steps = _PATH_STEP.split(key_part)
    if len(steps) > 1 and (scan_tag(key_part) is None or _strict_tag(steps[0]) is not None):
        # our sequence path extension: name_or_tag[i].name_or_tag[j]....leaf
        for index in range(0, len(steps) - 1, 2):
            group, element, entry = _resolve(
                steps[index], dictionary, whole=steps[index], allow_junk=False
            )
            entry = _entry_for(group, element, entry)
            if entry.vr != "SQ":
                raise UsageError(f"not a sequence: {_tag_text(group, element)}")
            path.append((entry.tag, int(steps[index + 1])))
        leaf = steps[-1]
        group, element, entry = _resolve(leaf, dictionary, whole=leaf, allow_junk=False)
    else:
        name = key_part if has_value else text
        group, element, entry = _resolve(name, dictionary, whole=name, allow_junk=True)
    entry = _entry_for(group, element, entry)
    tag = ((group & 0xFFFF) << 16) | (element & 0xFFFF)
    if value:
        try:
            convert_value(entry.vr, value)
        except ValueError:
            raise UsageError(
                f'cannot put tag value: {_tag_text(group, element)}="{value}"'
            ) from None
    return QueryKey(tag=tag, vr=entry.vr, value=value or None, path=tuple(path), text=text)


# --------------------------------------------------------------------------- merging


def apply_keys(dataset: Dataset, keys: tuple[QueryKey, ...]) -> None:
    """Merge override keys into ``dataset`` (replace if present, insert otherwise)."""
    from pydicom import Dataset as PydicomDataset
    from pydicom.dataelem import DataElement
    from pydicom.sequence import Sequence

    for key in keys:
        target = dataset
        for seq_tag, index in key.path:
            element = target.get(seq_tag)
            if element is None or element.VR != "SQ":
                target[seq_tag] = DataElement(seq_tag, "SQ", Sequence())
                element = target[seq_tag]
            items = element.value
            while len(items) <= index:
                items.append(PydicomDataset())
            target = items[index]
        if key.vr == "SQ":
            target[key.tag] = DataElement(key.tag, "SQ", Sequence())
            continue
        value: Any = None if key.value is None else convert_value(key.vr, key.value)
        target[key.tag] = _element(key.tag, key.vr, value)


def _element(tag: int, vr: str, value: Any) -> DataElement:
    """A pydicom element holding ``value`` as DCMTK would store it.

    DCMTK stores any string in DS/IS (``-k 0018,0050=abc``) and keeps a string
    as given (``-k "PatientWeight= 2\\3 "``: the dump shows ``[ 2\\3]``, length
    6), where pydicom would strip spaces: such values are kept as text.
    """
    from pydicom.dataelem import DataElement

    if isinstance(value, str) and vr in _VERBATIM_VRS and value != value.strip():
        element = DataElement(tag, "UT", value)
        element.VR = vr
        return element
    try:
        return DataElement(tag, vr, value)
    except (ValueError, TypeError, OverflowError):
        element = DataElement(tag, "UT", value)
        element.VR = vr
        return element


def load_identifiers(options: QueryOptions) -> list[Identifier]:
    """Build the identifiers of a run: one per query file (in order), or one key-only.

    Parameters
    ----------
    options : QueryOptions
        Query files and ``-k`` keys.

    Returns
    -------
    list of Identifier
        Each with the keys merged in; the meta header is discarded.

    Raises
    ------
    InputFileError
        ``bad DICOM file: <name>: <error text>`` for a file that is not a
        readable DICOM data set (DCMTK's texts, e.g. ``End of stream``).
    """
    from pydicom import Dataset as PydicomDataset

    from movescu.queryfile import read_query_file

    identifiers: list[Identifier] = []
    # pydicom warns about values DCMTK stores silently (e.g. DA "abc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not options.files:
            dataset = PydicomDataset()
            apply_keys(dataset, options.keys)
            return [Identifier("", dataset, KEY_ONLY_TRANSFER_SYNTAX)]
        for path in options.files:
            dataset, ts_name = read_query_file(path)
            apply_keys(dataset, options.keys)
            identifiers.append(Identifier(str(path), dataset, ts_name))
    return identifiers
