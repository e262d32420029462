"""The received data set: a small DICOM parser and the element model (spec 5.5, 9).

Owns parsing of a received data set (explicit/implicit VR, little/big endian,
sequences and items of defined or undefined length, encapsulated pixel data,
deflate) into :class:`Element` trees whose large values stay in the received
file (:class:`Value` regions, never loaded), plus dcmdata's parser warnings.
Pure: no file is written, no network; pydicom is used only for its data
dictionary (VRs of implicit VR data, keywords in warnings).
"""

from __future__ import annotations

import mmap
import struct
import zlib
from dataclasses import dataclass, field
from types import TracebackType

from movescu.dicom.contexts import DEFLATED_LE, EXPLICIT_BE, IMPLICIT_LE
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

TAG_SOP_CLASS_UID = 0x00080016
TAG_SOP_INSTANCE_UID = 0x00080018
TAG_PIXEL_DATA = 0x7FE00010
TAG_PADDING = 0xFFFCFFFC
ITEM = 0xFFFEE000
ITEM_END = 0xFFFEE00D
SEQUENCE_END = 0xFFFEE0DD
UNDEFINED_LENGTH = 0xFFFFFFFF


LONG_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
_WHITESPACE = b" \t\r\n\f\v"
#: values at least this long stay in the file and are copied, not loaded
_LARGE = 64 * 1024


class EncodingError(ValueError):
    """The received data set cannot be parsed or written with the requested options."""


class Source:
    """Read-only access to data-set bytes held in memory or in a file region."""

    def __init__(self, buffer: bytes | mmap.mmap, base: int, length: int, path: str | None):
        self._buffer = buffer
        self.base = base
        self.length = length
        self.path = path

    @classmethod
    def from_bytes(cls, data: bytes) -> Source:
        """A source over ``data``."""
        return cls(data, 0, len(data), None)

    @classmethod
    def from_file(cls, path: str, offset: int, length: int) -> Source:
        """A source over ``length`` bytes of ``path`` from ``offset`` (memory-mapped)."""
        if length == 0:
            return cls(b"", 0, 0, None)
        with open(path, "rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(mapped, offset, length, path)

    def read(self, pos: int, size: int) -> bytes:
        """``size`` bytes at data-set offset ``pos``."""
        if pos < 0 or pos + size > self.length:
            raise EncodingError("data set ends unexpectedly")
        start = self.base + pos
        return bytes(self._buffer[start : start + size])

    def close(self) -> None:
        """Release the mapping (values already handed out stay valid)."""
        if isinstance(self._buffer, mmap.mmap):
            self._buffer.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass
class Value:
    """Element value bytes in the source byte order: inline or a region of the source file."""

    data: bytes | None = None
    path: str | None = None
    offset: int = 0
    length: int = 0

    def size(self) -> int:
        return len(self.data) if self.data is not None else self.length


@dataclass
class Element:
    """One parsed data element; ``items`` for SQ, ``fragments`` for encapsulated data."""

    tag: int
    vr: str
    value: Value = field(default_factory=Value)
    items: list[list[Element]] | None = None
    fragments: list[Value] | None = None


@dataclass(frozen=True)
class Syntax:
    """How a transfer syntax encodes the data set."""

    implicit: bool
    little: bool
    deflated: bool = False

    @classmethod
    def of(cls, uid: str) -> Syntax:
        if uid == IMPLICIT_LE:
            return cls(True, True)
        if uid == EXPLICIT_BE:
            return cls(False, False)
        return cls(False, True, uid == DEFLATED_LE)


# ----------------------------------------------------------------------------- parsing


def _dictionary_vr(tag: int, context: dict[int, int]) -> str:
    group, elem = tag >> 16, tag & 0xFFFF
    if elem == 0:
        return "UL"
    if group & 1:
        return "LO" if 0x10 <= elem <= 0xFF else "UN"
    from pydicom.datadict import dictionary_VR

    try:
        vr = dictionary_VR(tag)
    except KeyError:
        return "UN"
    if vr == "US or SS":
        return "SS" if context.get(0x00280103) == 1 else "US"
    if vr in ("OB or OW", "US or OW", "US or SS or OW"):
        return "OW"  # DCMTK 3.6.7: also 8-bit pixel data read in implicit VR
    return vr.split(" ")[0]


class _Parser:
    def __init__(self, source: Source, syntax: Syntax) -> None:
        self.src = source
        self.implicit = syntax.implicit
        self.order = "<" if syntax.little else ">"
        self.context: dict[int, int] = {}

    def u16(self, pos: int) -> int:
        return int(struct.unpack(self.order + "H", self.src.read(pos, 2))[0])

    def u32(self, pos: int) -> int:
        return int(struct.unpack(self.order + "L", self.src.read(pos, 4))[0])

    def tag(self, pos: int) -> int:
        return (self.u16(pos) << 16) | self.u16(pos + 2)

    def value(self, pos: int, length: int) -> Value:
        if length >= _LARGE and self.src.path is not None:
            return Value(path=self.src.path, offset=self.src.base + pos, length=length)
        return Value(data=self.src.read(pos, length))

    def dataset(self, pos: int, end: int, in_item: bool) -> tuple[list[Element], int]:
        elements: list[Element] = []
        previous = -1
        while pos < end:
            tag = self.tag(pos)
            if tag == ITEM_END and in_item:
                return elements, pos + 8
            if tag < previous:
                logger.warning(
                    "DcmItem: Dataset not in ascending tag order, at element %s", tag_text(tag)
                )
            previous = tag
            element, pos = self.element(pos, tag)
            elements.append(element)
        if in_item and end != self.src.length:
            return elements, pos
        if in_item:
            raise EncodingError("missing item delimitation")
        return elements, pos

    def element(self, pos: int, tag: int) -> tuple[Element, int]:
        if self.implicit or (tag >> 16) == 0xFFFE:
            vr = _dictionary_vr(tag, self.context)
            length, pos = self.u32(pos + 4), pos + 8
        else:
            vr = self.src.read(pos + 4, 2).decode("ascii", errors="replace")
            if vr in LONG_VRS:
                length, pos = self.u32(pos + 8), pos + 12
            elif vr.isalpha() and vr.isupper():
                length, pos = self.u16(pos + 6), pos + 8
            else:
                raise EncodingError(f"bad VR in element ({tag >> 16:04x},{tag & 0xFFFF:04x})")
        if vr == "SQ":
            items, pos = self.sequence(pos, length)
            return Element(tag, vr, items=items), pos
        if length == UNDEFINED_LENGTH:
            if tag == TAG_PIXEL_DATA:
                fragments, pos = self.fragments(pos)
                return Element(tag, vr, fragments=fragments), pos
            if vr == "UN":  # undefined-length UN: an implicit VR LE sequence (PS3.5 6.2.2)
                saved = (self.implicit, self.order)
                self.implicit, self.order = True, "<"
                items, pos = self.sequence(pos, length)
                self.implicit, self.order = saved
                return Element(tag, "SQ", items=items), pos
            raise EncodingError("undefined length in a non-sequence element")
        if length % 2:
            # dcmdata's parser warning, in its wording
            logger.warning("DcmItem: Length of element %s is odd", tag_text(tag))
        element = Element(tag, vr, self.value(pos, length))
        if tag in (0x00280100, 0x00280103) and length == 2 and element.value.data:
            self.context[tag] = struct.unpack(self.order + "H", element.value.data)[0]
        return element, pos + length

    def sequence(self, pos: int, length: int) -> tuple[list[list[Element]], int]:
        items: list[list[Element]] = []
        end = pos + length if length != UNDEFINED_LENGTH else self.src.length
        while pos < end:
            tag, item_length = self.tag(pos), self.u32(pos + 4)
            pos += 8
            if tag == SEQUENCE_END:
                return items, pos
            if tag != ITEM:
                raise EncodingError("expected an item in a sequence")
            if item_length == UNDEFINED_LENGTH:
                item, pos = self.dataset(pos, self.src.length, True)
            else:
                item, _ = self.dataset(pos, pos + item_length, False)
                pos += item_length
            items.append(item)
        if length == UNDEFINED_LENGTH:
            raise EncodingError("missing sequence delimitation")
        return items, pos

    def fragments(self, pos: int) -> tuple[list[Value], int]:
        fragments: list[Value] = []
        while True:
            tag, length = self.tag(pos), self.u32(pos + 4)
            pos += 8
            if tag == SEQUENCE_END:
                return fragments, pos
            if tag != ITEM or length == UNDEFINED_LENGTH:
                raise EncodingError("bad item in encapsulated pixel data")
            fragments.append(self.value(pos, length))
            pos += length


def parse_dataset(source: Source, transfer_syntax: str) -> list[Element]:
    """Parse a received data set.

    Parameters
    ----------
    source : Source
        The data-set bytes.
    transfer_syntax : str
        Transfer syntax UID of the presentation context it arrived on
        (deflated data is inflated in memory first).

    Returns
    -------
    list of Element
        Top-level elements in stream order.

    Raises
    ------
    EncodingError
        The bytes are not a well-formed data set.
    """
    syntax = Syntax.of(transfer_syntax)
    if syntax.deflated:
        try:
            raw = zlib.decompress(source.read(0, source.length), -zlib.MAX_WBITS)
        except zlib.error as exc:
            raise EncodingError("cannot inflate data set") from exc
        source = Source.from_bytes(raw)
    elements, _ = _Parser(source, syntax).dataset(0, source.length, False)
    return elements


def find_uid(elements: list[Element], tag: int) -> str | None:
    """The whitespace-stripped value of UI element ``tag``, searching items depth-first.

    Parameters
    ----------
    elements : list of Element
        A parsed data set.
    tag : int
        The tag searched (DCMTK ``findAndGetString`` with ``searchIntoSub``).

    Returns
    -------
    str or None
        The value ("" for an empty element), None when absent.
    """
    for element in elements:
        if element.tag == tag and element.value.data is not None:
            return clean_uid(element.value.data).rstrip(b"\0").decode("ascii", "replace")
        for item in element.items or []:
            found = find_uid(item, tag)
            if found is not None:
                return found
    return None


def tag_text(tag: int) -> str:
    """``(gggg,eeee)`` in lowercase hex, as DCMTK prints tags."""
    return f"({tag >> 16:04x},{tag & 0xFFFF:04x})"


def keyword_of(tag: int) -> str:
    """The dictionary keyword of ``tag`` (DCMTK's "Unknown Tag & Data" if none)."""
    from pydicom.datadict import keyword_for_tag

    return keyword_for_tag(tag) or "Unknown Tag & Data"


def clean_uid(data: bytes) -> bytes:
    """A UI value without trailing NULs and without any whitespace."""
    # DCMTK's automatic input correction removes all whitespace from UI values.
    return data.rstrip(b"\0").translate(None, _WHITESPACE)
