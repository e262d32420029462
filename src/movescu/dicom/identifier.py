"""The bytes of a C-MOVE identifier as DCMTK 3.6.7's movescu writes them.

DCMTK reads a query file into memory and writes the identifier afresh in the
presentation context's transfer syntax (``DIMSE_sendMessageUsingMemoryData``:
explicit lengths, group lengths recalculated where present, no padding).
Found by recording what ``/usr/bin/movescu`` sends for query files written by
``dump2dcm``/``dcmconv`` in every encoding (tests/interop/test_identifier_vs_dcmtk.py):

* sequences and items are sent with explicit lengths, without delimiters,
  whatever lengths the file used;
* group length elements ``(gggg,0000)`` present in a data set or item are
  kept, with their value recalculated for the encoding on the wire (pydicom
  leaves every one above group 6 out); none are created;
* data set trailing padding ``(FFFC,FFFC)`` is dropped, at the top level and
  inside items;
* elements are written in tag order; a string value without its trailing
  spaces (kept in memory: the ``-v`` dump shows their length), padded to even
  length with a space (values read from a file with an odd length were already
  padded with a NUL byte when read, as DCMTK pads them: :mod:`movescu.queryfile`).

Pure encoding: no logging, no network.  pydicom encodes each element that is
not a sequence or a group length.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydicom import Dataset

#: Data Set Trailing Padding
PADDING = 0xFFFCFFFC
_ITEM = 0xFFFEE000
_LONG_VRS = frozenset("OB OD OF OL OV OW SQ UC UN UR UT SV UV".split())
_STRING_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UR UT".split())


def encode_identifier(
    dataset: Dataset, implicit: bool, little: bool, deflated: bool = False
) -> bytes:
    """Encode ``dataset`` as DCMTK's movescu sends it as a C-MOVE identifier.

    Parameters
    ----------
    dataset : pydicom.dataset.Dataset
        The identifier (query file with ``-k`` keys merged in).
    implicit, little : bool
        The transfer syntax of the presentation context.
    deflated : bool
        Deflated Explicit VR Little Endian: the encoding is compressed (raw
        deflate, padded to even length, as pynetdicom does).

    Returns
    -------
    bytes
        The encoded data set.
    """
    from pydicom.charset import default_encoding
    from pydicom.filewriter import correct_ambiguous_vr

    correct_ambiguous_vr(dataset, little)
    data = _encode_dataset(dataset, implicit, little, default_encoding)
    if deflated:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        data = compressor.compress(data) + compressor.flush()
        data += b"\0" if len(data) % 2 else b""
    return data


def _header(tag: int, vr: str, length: int, implicit: bool, little: bool) -> bytes:
    order = "<" if little else ">"
    tag_bytes = struct.pack(f"{order}HH", tag >> 16, tag & 0xFFFF)
    if implicit:
        return tag_bytes + struct.pack(f"{order}L", length)
    if vr in _LONG_VRS:
        return tag_bytes + vr.encode("ascii") + b"\0\0" + struct.pack(f"{order}L", length)
    return tag_bytes + vr.encode("ascii") + struct.pack(f"{order}H", length)


def _encode_dataset(
    dataset: Dataset, implicit: bool, little: bool, parent_encoding: str | list[str]
) -> bytes:
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_data_element

    charset = dataset.get("SpecificCharacterSet")
    encodings = parent_encoding if charset is None or not charset.value else charset.value
    encoded: list[tuple[int, bytes | None]] = []  # None: a group length, filled in below
    for tag in sorted(dataset.keys()):
        if tag == PADDING:
            continue
        if tag & 0xFFFF == 0:
            encoded.append((int(tag), None))
            continue
        element = dataset[tag]
        if element.VR == "SQ":
            body = b"".join(
                _header(_ITEM, "", len(item_bytes), True, little) + item_bytes
                for item_bytes in (
                    _encode_dataset(item, implicit, little, encodings) for item in element.value
                )
            )
            encoded.append((int(tag), _header(int(tag), "SQ", len(body), implicit, little) + body))
            continue
        fp = DicomBytesIO()
        fp.is_implicit_VR = implicit
        fp.is_little_endian = little
        write_data_element(fp, element, encodings)
        data = fp.getvalue()
        if element.VR in _STRING_VRS:
            # DCMTK writes a string without its trailing spaces, padded to even
            header = 8 if implicit or element.VR not in _LONG_VRS else 12
            value = data[header:].rstrip(b" ")
            value += b" " if len(value) % 2 else b""
            data = _header(int(tag), element.VR, len(value), implicit, little) + value
        encoded.append((int(tag), data))
    order = "<" if little else ">"
    parts: list[bytes] = []
    for number, part in encoded:
        if part is None:
            group = number >> 16
            length = sum(
                len(other) for t, other in encoded if other is not None and t >> 16 == group
            )
            part = _header(number, "UL", 4, implicit, little) + struct.pack(f"{order}L", length)
        parts.append(part)
    return b"".join(parts)
