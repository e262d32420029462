"""Hand-encoded test data sets with the awkward features the writer must handle.

Each builder returns a :class:`tests.support.sender.RawObject` whose data-set
bytes are encoded here element by element (not by pydicom), so the tests
control every byte: group lengths, undefined-length sequences and items,
UT/UN, private tags, big endian, encapsulated (JPEG/RLE) pixel data, deflate,
trailing padding, odd lengths and space-padded UIDs.
"""

from __future__ import annotations

import struct
import zlib

from tests.support.sender import RawObject

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"
RLE = "1.2.840.10008.1.2.5"
CT = "1.2.840.10008.5.1.4.1.1.2"
SC = "1.2.840.10008.5.1.4.1.1.7"
_LONG = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
UNDEF = 0xFFFFFFFF


class Enc:
    """Element encoder for one transfer syntax."""

    def __init__(self, implicit: bool = False, little: bool = True) -> None:
        self.implicit = implicit
        self.o = "<" if little else ">"

    def tag(self, tag: int) -> bytes:
        return struct.pack(self.o + "HH", tag >> 16, tag & 0xFFFF)

    def el(self, tag: int, vr: str, value: bytes, length: int | None = None) -> bytes:
        n = len(value) if length is None else length
        if self.implicit:
            return self.tag(tag) + struct.pack(self.o + "L", n) + value
        if vr in _LONG:
            return self.tag(tag) + vr.encode() + b"\0\0" + struct.pack(self.o + "L", n) + value
        return self.tag(tag) + vr.encode() + struct.pack(self.o + "H", n) + value

    def us(self, tag: int, *values: int) -> bytes:
        return self.el(tag, "US", struct.pack(self.o + "H" * len(values), *values))

    def ul(self, tag: int, value: int) -> bytes:
        return self.el(tag, "UL", struct.pack(self.o + "L", value))

    def item(self, content: bytes, undefined: bool = False) -> bytes:
        if undefined:
            return self._raw(0xFFFEE000, UNDEF) + content + self._raw(0xFFFEE00D, 0)
        return self._raw(0xFFFEE000, len(content)) + content

    def seq(self, tag: int, items: list[bytes], undefined: bool = False) -> bytes:
        body = b"".join(items)
        if undefined:
            return self.el(tag, "SQ", body, UNDEF) + self._raw(0xFFFEE0DD, 0)
        return self.el(tag, "SQ", body)

    def _raw(self, tag: int, length: int) -> bytes:
        return self.tag(tag) + struct.pack(self.o + "L", length)

    def group(self, group: int, body: bytes) -> bytes:
        """``body`` preceded by a (correct) group length element."""
        return self.ul(group << 16, len(body)) + body


def _pixels(little: bool, count: int = 64) -> bytes:
    return struct.pack(("<" if little else ">") + "H" * count, *range(1000, 1000 + count))


def rich_dataset(enc: Enc, instance: str, *, pixels: bytes | None = None) -> bytes:
    """A CT-like data set with sequences, group lengths, UT/UN, private tags, padding."""
    inner = enc.el(0x00080100, "SH", b"T-1234") + enc.el(0x00080102, "SH", b"SRT ")
    nested = enc.seq(0x00400260, [enc.item(inner, undefined=True)], undefined=True)
    item1 = enc.el(0x00081150, "UI", CT.encode() + b"\0") + enc.el(0x00081155, "UI", b"1.2.3.4.5 ")
    g8 = (
        enc.el(0x00080005, "CS", b"ISO_IR 100")
        + enc.el(0x00080016, "UI", CT.encode() + b"\0")
        + enc.el(0x00080018, "UI", instance.encode() + (b" " if len(instance) % 2 else b""))
        + enc.el(0x00080060, "CS", b"CT")
        + enc.seq(0x00081140, [enc.item(item1), enc.item(nested, undefined=True)], undefined=True)
    )
    g9 = (
        enc.el(0x00090010, "LO", b"ACME 1.0")
        + enc.el(0x00091001, "UN", b"\x01\x02\x03\x04")
        + enc.el(0x00091002, "LO", b"private text")
    )
    g10 = enc.el(0x00100010, "PN", b"Doe^John") + enc.el(0x00100020, "LO", b"PID1")
    g20 = (
        enc.el(0x0020000D, "UI", b"1.2.840.99.1 ")
        + enc.el(0x0020000E, "UI", b"1.2.840.99.2\0")
        + enc.el(0x00204000, "LT", b"comment text")
    )
    g28 = (
        enc.us(0x00280002, 1)
        + enc.el(0x00280004, "CS", b"MONOCHROME2 ")
        + enc.us(0x00280010, 8)
        + enc.us(0x00280011, 8)
        + enc.us(0x00280100, 16)
        + enc.us(0x00280101, 12)
        + enc.us(0x00280102, 11)
        + enc.us(0x00280103, 0)
        + enc.el(0x00281050, "DS", b"40")
    )
    g32 = enc.el(0x00324000, "UT", b"unlimited text value")
    pixel = enc.el(0x7FE00010, "OW", pixels if pixels is not None else _pixels(enc.o == "<"))
    padding = enc.el(0xFFFCFFFC, "OB", b"\0" * 6)
    return (
        enc.group(0x0008, g8)
        + g9
        + enc.group(0x0010, g10)
        + g20
        + g28
        + g32
        + enc.group(0x7FE0, pixel)
        + padding
    )


def encapsulated_dataset(instance: str, fragments: list[bytes]) -> bytes:
    """Explicit VR LE data set with encapsulated pixel data made of ``fragments``."""
    enc = Enc()
    body = (
        enc.el(0x00080016, "UI", SC.encode() + b"\0")
        + enc.el(0x00080018, "UI", instance.encode() + (b"\0" if len(instance) % 2 else b""))
        + enc.el(0x00100010, "PN", b"Enc^Test")
        + enc.us(0x00280002, 1)
        + enc.us(0x00280010, 8)
        + enc.us(0x00280011, 8)
        + enc.us(0x00280100, 8)
    )
    items = enc.item(b"") + b"".join(enc.item(f) for f in fragments)
    body += enc.el(0x7FE00010, "OB", items, UNDEF) + enc._raw(0xFFFEE0DD, 0)
    return body


def implicit_vr_dataset(instance: str, bits: int, representation: int) -> bytes:
    """Implicit VR LE: ambiguous VRs (US/SS, OB/OW, LUT data), private data, pixels."""
    imp = Enc(implicit=True)
    return (
        imp.el(0x00080016, "UI", CT.encode() + b"\0")
        + imp.el(0x00080018, "UI", instance.encode() + b"\0" * (len(instance) % 2))
        + imp.el(0x00191010, "UN", b"abcd")
        + imp.us(0x00280100, bits)
        + imp.us(0x00280103, representation)
        + imp.el(0x00280106, "US", b"\xff\xff")
        + imp.el(0x00281201, "OW", b"\0\1" * 4)
        + imp.el(0x00283006, "OW", b"\0\1" * 2)
        + imp.el(0x60003000, "OW", b"\0\1" * 4)
        + imp.el(0x7FE00010, "OW", b"\1\2" * 8)
    )


def standard_objects() -> list[RawObject]:
    """The uncompressed set every option set is run on (LE, implicit, BE)."""
    return [
        RawObject(CT, "1.2.826.0.1.1", EXPLICIT_LE, rich_dataset(Enc(), "1.2.826.0.1.1")),
        RawObject(
            CT, "1.2.826.0.1.2", IMPLICIT_LE, rich_dataset(Enc(implicit=True), "1.2.826.0.1.2")
        ),
        RawObject(
            CT, "1.2.826.0.1.3", EXPLICIT_BE, rich_dataset(Enc(little=False), "1.2.826.0.1.3")
        ),
        RawObject(CT, "1.2.826.0.1.7", IMPLICIT_LE, implicit_vr_dataset("1.2.826.0.1.7", 8, 0)),
        RawObject(CT, "1.2.826.0.1.8", IMPLICIT_LE, implicit_vr_dataset("1.2.826.0.1.8", 16, 1)),
    ]


def compressed_objects() -> list[RawObject]:
    """JPEG lossless and RLE (fabricated fragments), deflated."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    plain = rich_dataset(Enc(), "1.2.826.0.1.6")
    deflated = deflater.compress(plain) + deflater.flush()
    deflated += b"\0" * (len(deflated) % 2)  # PDVs must be even (DCMTK rejects odd ones)
    return [
        RawObject(
            SC,
            "1.2.826.0.1.4",
            JPEG_LOSSLESS,
            encapsulated_dataset("1.2.826.0.1.4", [b"\xff\xd8" + b"\x11" * 30 + b"\xff\xd9"]),
        ),
        RawObject(
            SC,
            "1.2.826.0.1.5",
            RLE,
            encapsulated_dataset("1.2.826.0.1.5", [b"\0" * 64, b"\1" * 8]),
        ),
        RawObject(CT, "1.2.826.0.1.6", DEFLATED, deflated),
    ]
