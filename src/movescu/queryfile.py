"""Reading one query file as DCMTK's ``DcmFileFormat::loadFile`` would.

Owns the decision "is this a readable DICOM data set?" and DCMTK's error texts
for files that are not (``End of stream`` for an empty file, ``I/O suspension or
premature end of stream`` for a truncated or non-DICOM one, ``Invalid stream``
for a truncation inside a sequence).  pydicom alone is too lenient (it reads an
empty or a text file as a data set), so the raw bytes are first walked element
by element; then pydicom parses them.  Accepts files with or without meta
header and raw implicit/explicit VR data sets (encoding auto-detected as DCMTK
does).  Values are held as DCMTK holds them after reading: text as read where
pydicom would strip it, odd-length values padded with a NUL byte (what the
``-v`` dump shows and :mod:`movescu.dicom.identifier` sends).  Must not merge
keys or talk to the network (see :mod:`movescu.query`).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from movescu.dicom.contexts import DEFLATED_LE, EXPLICIT_BE, IMPLICIT_LE
from movescu.dicom.names import transfer_syntax_name
from movescu.errors import InputFileError
from movescu.logblock import block_aware_logger

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

logger = block_aware_logger(__name__)

PREMATURE = "I/O suspension or premature end of stream"
INVALID = "Invalid stream"
END_OF_STREAM = "End of stream"
SEQUENCE_END = "Sequence Delimitation Item missing"
#: nesting deeper than this is refused (Python's recursion limit is ~1000; real
#: query files nest a few levels)
MAX_DEPTH = 100

_LONG_VRS = frozenset(b"OB OD OF OL OV OW SQ UC UN UR UT SV UV".split())
_VRS = _LONG_VRS | frozenset(
    b"AE AS AT CS DA DS DT FL FD IS LO LT PN SH SL SS ST TM UI UL US".split()
)
_UNDEFINED = 0xFFFFFFFF
#: bytes per value of the binary VRs (DCMTK warns when a length is not a multiple)
_VALUE_SIZES = {"US": 2, "SS": 2, "OW": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "AT": 4,
                "OL": 4, "FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8}  # fmt: skip
#: VRs whose values are text (kept as read, see _keep_text_as_read)
_TEXT_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT".split())
_DEFLATED = "1.2.840.10008.1.2.1.99"
_ENCODING_NAMES = {
    (True, True): "Little Endian Implicit",
    (False, True): "Little Endian Explicit",
    (False, False): "Big Endian Explicit",
    (True, False): "Little Endian Implicit",
}


class _Truncated(Exception):
    """The walk ran past the end of the data; ``args[0]`` is DCMTK's error text."""


def _name(tag: int) -> str:
    from pydicom.datadict import keyword_for_tag

    return keyword_for_tag(tag) or "Unknown Tag & Data"


def _dictionary_vr(tag: int) -> str:
    from pydicom.datadict import dictionary_VR

    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return "UN"


def _is_sequence(tag: int) -> bool:
    from pydicom.datadict import dictionary_VR

    try:
        return bool(dictionary_VR(tag) == "SQ")
    except KeyError:
        return False


class _Walker:
    """Walks the elements of a data set to find truncations (no values are decoded)."""

    def __init__(self, data: bytes, implicit: bool, little: bool) -> None:
        self.data = data
        self.implicit = implicit
        self.order = "<" if little else ">"
        #: whether the last walk() ended on an item or sequence delimiter
        self.delimited = False

    def _unpack(self, fmt: str, pos: int) -> tuple[int, ...]:
        size = struct.calcsize(self.order + fmt)
        if pos + size > len(self.data):
            raise _Truncated(PREMATURE)
        return struct.unpack_from(self.order + fmt, self.data, pos)

    def walk(self, pos: int, end: int, depth: int) -> int:
        """Walk elements in [pos, end) (end None-like = len); return the position reached."""
        if depth > MAX_DEPTH:
            raise _Truncated(INVALID)
        while pos < end:
            group, element = self._unpack("HH", pos)
            tag = (group << 16) | element
            if group == 0xFFFE:
                (length,) = self._unpack("L", pos + 4)
                pos += 8
                if element in (0xE00D, 0xE0DD):
                    self.delimited = True
                    return pos  # delimiter of an undefined-length item / sequence
                pos = self._item(pos, length, depth)
                continue
            vr = b""
            if self.implicit:
                (length,) = self._unpack("L", pos + 4)
                pos += 8
            else:
                vr = self.data[pos + 4 : pos + 6]
                if vr in _LONG_VRS:
                    (length,) = self._unpack("L", pos + 8)
                    pos += 12
                else:
                    (length,) = self._unpack("H", pos + 6)
                    pos += 8
            if length == _UNDEFINED:
                if tag == 0x7FE00010 or vr in (b"OB", b"OW"):
                    pos = self._fragments(pos)  # encapsulated pixel data
                else:
                    pos = self.walk(pos, len(self.data), depth + 1)
                    if not self.delimited:  # DCMTK 3.6.7 run: EOF inside the sequence
                        logger.warning(
                            "DcmSequenceOfItems: Reached end of stream before the end of "
                            "sequence %s (%04x,%04x)",
                            _name(tag),
                            group,
                            element,
                        )
                        raise _Truncated(SEQUENCE_END)
                continue
            value_vr = vr.decode("ascii", "replace") if vr else _dictionary_vr(tag)
            size = _VALUE_SIZES.get(value_vr, 1)
            if length % 2 and size > 1:  # (an even length that is not a multiple: no warning)
                logger.warning(
                    "DcmItem: Length of element (%04x,%04x) is not a multiple of %d (VR=%s)",
                    group,
                    element,
                    size,
                    value_vr,
                )
            if length % 2:
                logger.warning("DcmItem: Length of element (%04x,%04x) is odd", group, element)
            remaining = len(self.data) - pos
            if vr == b"SQ" or (self.implicit and _is_sequence(tag)):
                # DCMTK reads the items first: a truncation inside is found there
                self.walk(pos, min(pos + length, len(self.data)), depth + 1)
            if length > remaining:
                self._too_large(tag, length, remaining, depth)
            pos += length
        self.delimited = False
        return pos

    def _fragments(self, pos: int) -> int:
        """Skip the items of encapsulated pixel data up to its sequence delimiter."""
        while True:
            group, element = self._unpack("HH", pos)
            (length,) = self._unpack("L", pos + 4)
            pos += 8
            if (group, element) == (0xFFFE, 0xE0DD):
                return pos
            if group != 0xFFFE or pos + length > len(self.data):
                raise _Truncated(INVALID)
            pos += length

    def _item(self, pos: int, length: int, depth: int) -> int:
        if length == _UNDEFINED:
            return self.walk(pos, len(self.data), depth + 1)
        self.walk(pos, min(pos + length, len(self.data)), depth + 1)
        if pos + length > len(self.data):
            raise _Truncated(INVALID)
        return pos + length

    def _too_large(self, tag: int, length: int, remaining: int, depth: int) -> None:
        text = f"DcmElement: {_name(tag)} ({tag >> 16:04x},{tag & 0xFFFF:04x}) larger ({length})"
        if depth == 0:
            logger.error("%s than remaining bytes in file", text)
            raise _Truncated(PREMATURE)
        logger.error(
            "%s than remaining bytes (%d) in file, premature end of stream", text, remaining
        )
        raise _Truncated(INVALID)


def _meta_end(data: bytes, pos: int) -> tuple[int, str | None]:
    """Walk the (explicit VR little endian) group 0002; return its end and the TS UID."""
    walker = _Walker(data, implicit=False, little=True)
    ts_uid: str | None = None
    start = pos
    while pos + 2 <= len(data) and struct.unpack_from("<H", data, pos)[0] == 0x0002:
        end = walker.walk(pos, pos + 1, 0)  # one element
        (element,) = struct.unpack_from("<H", data, pos + 2)
        if element == 0x0010:
            header = 12 if data[pos + 4 : pos + 6] in _LONG_VRS else 8
            ts_uid = data[pos + header : end].decode("ascii", "replace").strip("\0 ")
        pos = end
    if pos == start and pos >= len(data):
        raise _Truncated(PREMATURE)
    return pos, ts_uid


def _detect(data: bytes, pos: int) -> tuple[bool, bool]:
    """DCMTK's guess for a data set without meta header: (implicit, little endian)."""
    if len(data) - pos < 8:
        raise _Truncated(PREMATURE)
    explicit = data[pos + 4 : pos + 6] in _VRS
    group_le = struct.unpack_from("<H", data, pos)[0]
    group_be = struct.unpack_from(">H", data, pos)[0]
    return not explicit, not (explicit and group_le > group_be)


def check_structure(data: bytes) -> tuple[bytes, str]:
    """Validate the raw file; return the data set bytes to parse and DCMTK's TS name.

    Raises ``_Truncated`` with DCMTK's error text.
    """
    if not data:
        raise _Truncated(END_OF_STREAM)
    pos, ts_uid = 0, None
    if len(data) >= 132 and data[128:132] == b"DICM":
        pos, ts_uid = _meta_end(data, 132)
    elif len(data) >= 2 and struct.unpack_from("<H", data, 0)[0] == 0x0002:
        pos, ts_uid = _meta_end(data, 0)
    body = data[pos:]
    if ts_uid == DEFLATED_LE:
        try:
            body = zlib.decompress(body, -15)
        except zlib.error:
            raise _Truncated(INVALID) from None
    if ts_uid is not None:
        implicit, little = ts_uid == IMPLICIT_LE, ts_uid != EXPLICIT_BE
        name = transfer_syntax_name(ts_uid)
    elif body:
        implicit, little = _detect(body, 0)
        name = _ENCODING_NAMES[(implicit, little)]
    else:
        return body, _ENCODING_NAMES[(False, True)]
    _Walker(body, implicit, little).walk(0, len(body), 0)
    return body, name


def _keep_text_as_read(dataset: Dataset) -> None:
    """Keep text values exactly as read (in items too), as DCMTK does.

    pydicom strips spaces (leading ones of DS/IS, trailing ones of every value)
    where DCMTK keeps the value as read; where pydicom would write back other
    bytes than those read, the value read is kept: its ``-v`` dump shows it (trailing
    spaces of the whole value removed, ``[CT \\MR]``, ``[ 7]``) and the
    identifier sends it.  A value read with an odd length is padded with a NUL
    byte, as DCMTK pads it when reading (``[STUDY\\0]``, 6 bytes), where pydicom
    would pad with a space when writing.  Values that are not ASCII keep
    pydicom's conversion (their NUL pad included).
    """
    from pydicom.dataelem import DataElement, RawDataElement

    for tag in list(dataset.keys()):
        raw = dataset.get_item(tag)
        if (
            isinstance(raw, RawDataElement)
            and raw.value
            and len(raw.value) % 2
            and (raw.VR or _dictionary_vr(tag)) in _VALUE_SIZES
        ):
            # DCMTK pads a binary value read with an odd length with a zero byte
            # (``US`` 01 02 03 -> 513\3) where pydicom refuses it
            raw = raw._replace(value=bytes(raw.value) + b"\0", length=len(raw.value) + 1)
            dataset[tag] = raw
        element = dataset[tag]
        if element.VR == "SQ":
            for item in element.value:
                _keep_text_as_read(item)
            continue
        if not (isinstance(raw, RawDataElement) and raw.value and element.VR in _TEXT_VRS):
            continue
        data = bytes(raw.value) + (b"\0" if len(raw.value) % 2 else b"")
        if _written_value(element) == data:
            continue  # pydicom writes it back as read (its value is the stripped one)
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            if len(raw.value) % 2 and element.VR != "UI":
                _append_nul(element)
            continue
        if element.VR == "PN":  # pydicom keeps a person name as given
            values = text.split("\\")
            element.value = values[0] if len(values) == 1 else values
        elif element.VR != "UI":  # pydicom pads UIDs with a NUL, and strips nothing else
            kept = DataElement(tag, "UT", text)  # a string pydicom writes verbatim
            kept.VR = element.VR
            dataset[tag] = kept


def _written_value(element: DataElement) -> bytes | None:
    """The value bytes pydicom would write for ``element`` (explicit VR little endian)."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_data_element

    fp = DicomBytesIO()
    fp.is_implicit_VR = False
    fp.is_little_endian = True
    try:
        write_data_element(fp, element)
    except Exception:  # a value pydicom cannot write: keep the one read
        return None
    header = 12 if element.VR.encode() in _LONG_VRS else 8
    return bytes(fp.getvalue()[header:])


def _append_nul(element: DataElement) -> None:
    value = element.value
    if isinstance(value, str) or type(value).__name__ == "PersonName":
        element.value = f"{value}\0"
    elif len(value):  # MultiValue: the NUL follows the last value
        value[-1] = f"{value[-1]}\0"


def read_query_file(path: Path) -> tuple[Dataset, str]:
    """Read a query file's data set (meta header discarded) and its TS name.

    Raises
    ------
    InputFileError
        ``bad DICOM file: <name>: <error text>``.
    """
    from pydicom import Dataset, dcmread

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"bad DICOM file: {path}: {exc.strerror or exc}") from None
    try:
        _body, name = check_structure(data)
    except _Truncated as exc:
        raise InputFileError(f"bad DICOM file: {path}: {exc.args[0]}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = dcmread(io.BytesIO(data), force=True)
            _keep_text_as_read(parsed)
            dataset = Dataset()
            for element in parsed:  # converts raw elements while the encoding is known
                dataset.add(element)
            for _ in dataset.iterall():
                pass
    except Exception:  # pydicom raises many types for malformed data: DCMTK's text only
        raise InputFileError(f"bad DICOM file: {path}: {INVALID}") from None
    return dataset, name
