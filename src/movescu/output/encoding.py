"""The bytes of an output file, from a parsed data set and the output options (spec 9).

Owns the encoder that writes what DCMTK's ``DcmFileFormat::saveFile`` writes
in movescu's normal mode: ``+t…`` transfer syntax (with byte swapping of
OW/OF/OD/OL/OV/... values, which pydicom does not do), ``+td``/``+cl``,
``-u``, ``+g=/+g/-g`` group lengths (pydicom drops them), ``+e/-e``,
``-p``/``+p f i`` padding, UI whitespace stripping and odd-length padding, plus
the meta header built afresh as DCMTK 3.6.6+ does (and the ``+B`` one).

Pure: no file is created here (:mod:`movescu.output.writer` does that) and no
network.  Large values are never loaded: they are passed on as
:class:`~movescu.output.writer.FileRange` chunks (or byte-swapped block by
block while being written).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from movescu.config import GroupLength, LengthEncoding, OutputOptions, WriteTransferSyntax
from movescu.dicom.contexts import DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE
from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from movescu.logblock import block_aware_logger
from movescu.output.dataset import (
    ITEM,
    ITEM_END,
    LONG_VRS,
    SEQUENCE_END,
    TAG_PADDING,
    TAG_SOP_CLASS_UID,
    TAG_SOP_INSTANCE_UID,
    UNDEFINED_LENGTH,
    Element,
    EncodingError,
    Source,
    Syntax,
    Value,
    clean_uid,
    find_uid,
    keyword_of,
    parse_dataset,
    tag_text,
)
from movescu.output.writer import Chunk, FileRange

logger = block_aware_logger(__name__)

__all__ = [
    "BIT_PRESERVING_VERSION_NAME",
    "TAG_SOP_CLASS_UID",
    "TAG_SOP_INSTANCE_UID",
    "UNKNOWN_SOP_CLASS",
    "EncodingError",
    "Source",
    "encode_file",
    "encode_file_preamble_and_meta",
    "find_uid",
    "parse_dataset",
]

#: DCMTK's fallback Media Storage SOP Class UID for a data set without one.
UNKNOWN_SOP_CLASS = "1.2.276.0.7230010.3.1.0.1"
#: The ``+B`` meta header's version name, after DCMTK's ``OFFIS_DCMBP_367`` pattern.
BIT_PRESERVING_VERSION_NAME = IMPLEMENTATION_VERSION_NAME.replace("MOVESCU_", "MOVESCU_BP_")[:16]
_SWAP = {
    "US": 2, "SS": 2, "OW": 2, "AT": 2,
    "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4,
    "FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8,
}  # fmt: skip
#: VRs that ``-u`` turns into OB in explicit VR output (DCMTK 3.6.2+: all post-1993 VRs)
_NEW_VRS = {"UN", "UT", "OF", "OD", "OL", "UC", "OV", "SV", "UV", "UR"}
_STRING_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM"}
_STRING_VRS |= {"UC", "UR", "UT"}
_SWAP_BLOCK = 1 << 20


@dataclass(frozen=True)
class _Swapped:
    """A file region whose values are byte-swapped in ``width``-byte units while copied."""

    range: FileRange
    width: int


_Piece = bytes | FileRange | _Swapped


@dataclass(frozen=True)
class _Plan:
    source: Syntax
    target: Syntax
    enable_new_vr: bool
    #: None: group-length elements are left exactly as received (odd +p values)
    group_length: GroupLength | None
    undefined_lengths: bool
    #: None: existing padding kept (odd +p values)
    remove_padding: bool
    item_pad: int


def _element_header(tag: int, vr: str, length: int, target: Syntax) -> bytes:
    order = "<" if target.little else ">"
    head = struct.pack(order + "HH", tag >> 16, tag & 0xFFFF)
    if target.implicit or (tag >> 16) == 0xFFFE:
        return head + struct.pack(order + "L", length)
    if vr in LONG_VRS:
        return head + vr.encode("ascii") + b"\0\0" + struct.pack(order + "L", length)
    if length > 0xFFFF:
        raise EncodingError(f"value of ({tag >> 16:04x},{tag & 0xFFFF:04x}) too long for {vr}")
    return head + vr.encode("ascii") + struct.pack(order + "H", length)


def _padding_element(pad_to: int, length: int, target: Syntax) -> bytes:
    """DCMTK's (FFFC,FFFC) computation (spec 9.3): total becomes a multiple of ``pad_to``."""
    header = 8 if target.implicit else 12
    pad = pad_to - (length % pad_to)
    if pad == pad_to:
        return b""
    while header > pad:
        pad += pad_to
    return _element_header(TAG_PADDING, "OB", pad - header, target) + b"\0" * (pad - header)


def _value_pieces(element: Element, plan: _Plan) -> tuple[list[_Piece], int]:
    value, vr = element.value, element.vr
    swap = _SWAP.get(vr, 0) if plan.source.little != plan.target.little else 0
    if value.data is None:
        assert value.path is not None
        region = FileRange(value.path, value.offset, value.length)
        pieces: list[_Piece] = [_Swapped(region, swap) if swap > 1 else region]
        if value.length % 2:
            pieces.append(b"\0")
        return pieces, value.length + value.length % 2
    data = value.data
    if vr == "UI":
        cleaned = clean_uid(data)
        if b" " in data.rstrip(b"\0") and cleaned != data.rstrip(b"\0"):
            logger.warning(
                "DcmUniqueIdentifier: Element %s %s contains one or more space characters, "
                "which were removed",
                keyword_of(element.tag),
                tag_text(element.tag),
            )
        data = cleaned
    if len(data) % 2:
        data += b" " if vr in _STRING_VRS else b"\0"
    if swap > 1 and len(data) % swap == 0:
        data = _swap_bytes(data, swap)
    return [data], len(data)


def _swap_bytes(data: bytes, width: int) -> bytes:
    import array

    code = {2: "H", 4: "I", 8: "Q"}[width]
    values = array.array(code)
    values.frombytes(data[: len(data) - len(data) % width])
    values.byteswap()
    return values.tobytes() + data[len(data) - len(data) % width :]


def _encode_element(element: Element, plan: _Plan) -> tuple[list[_Piece], int]:
    target = plan.target
    if element.items is not None:
        body: list[_Piece] = []
        size = 0
        for item in element.items:
            content, content_size = _encode_dataset(item, plan, plan.item_pad)
            if plan.undefined_lengths:
                body.append(_element_header(ITEM, "", UNDEFINED_LENGTH, target))
                body.extend(content)
                body.append(_element_header(ITEM_END, "", 0, target))
                size += content_size + 16
            else:
                body.append(_element_header(ITEM, "", content_size, target))
                body.extend(content)
                size += content_size + 8
        if plan.undefined_lengths:
            head = _element_header(element.tag, "SQ", UNDEFINED_LENGTH, target)
            trailer = _element_header(SEQUENCE_END, "", 0, target)
            return [head, *body, trailer], len(head) + size + len(trailer)
        head = _element_header(element.tag, "SQ", size, target)
        return [head, *body], len(head) + size
    vr = element.vr
    if not target.implicit and not plan.enable_new_vr and vr in _NEW_VRS:
        vr = "OB"  # DCMTK 3.6.2+ -u: every post-1993 VR ends up as OB
    if element.fragments is not None:
        if plan.source.little != target.little:
            raise EncodingError("encapsulated pixel data cannot change byte order")
        head = _element_header(element.tag, vr, UNDEFINED_LENGTH, target)
        pieces: list[_Piece] = [head]
        size = len(head)
        for fragment in element.fragments:
            fragment_pieces, fragment_size = _value_pieces(Element(ITEM, "OB", fragment), plan)
            pieces.append(_element_header(ITEM, "", fragment_size, target))
            pieces.extend(fragment_pieces)
            size += 8 + fragment_size
        pieces.append(_element_header(SEQUENCE_END, "", 0, target))
        return pieces, size + 8
    value_pieces, value_size = _value_pieces(element, plan)
    head = _element_header(element.tag, vr, value_size, target)
    return [head, *value_pieces], len(head) + value_size


def _arrange(elements: list[Element], plan: _Plan) -> list[Element]:
    """Padding removal, group-length removal/creation and tag order of one level."""
    kept = [e for e in elements if not (plan.remove_padding and e.tag == TAG_PADDING)]
    mode = plan.group_length
    if mode is GroupLength.REMOVE or mode is GroupLength.CREATE:
        kept = [e for e in kept if e.tag & 0xFFFF != 0]
    if mode is GroupLength.CREATE:
        groups = {e.tag >> 16 for e in kept if (e.tag >> 16) != 0xFFFC}
        kept.extend(Element(group << 16, "UL", Value(data=b"")) for group in groups)
    return sorted(kept, key=lambda e: e.tag)


def _encode_dataset(elements: list[Element], plan: _Plan, pad_to: int) -> tuple[list[_Piece], int]:
    arranged = _arrange(elements, plan)
    encoded = [_encode_element(e, plan) if e.tag & 0xFFFF or plan.group_length is None
               else ([], 0) for e in arranged]  # fmt: skip
    pieces: list[_Piece] = []
    total = 0
    order = "<" if plan.target.little else ">"
    for index, element in enumerate(arranged):
        chunk, size = encoded[index]
        if element.tag & 0xFFFF == 0 and plan.group_length is not None:
            group = element.tag >> 16
            group_size = sum(
                encoded[j][1]
                for j in range(index + 1, len(arranged))
                if arranged[j].tag >> 16 == group
            )
            value = struct.pack(order + "L", group_size & 0xFFFFFFFF)
            header = _element_header(element.tag, "UL", 4, plan.target)
            chunk, size = [header, value], len(header) + 4
        pieces.extend(chunk)
        total += size
    if pad_to and plan.remove_padding:
        padding = _padding_element(pad_to, total, plan.target)
        pieces.append(padding)
        total += len(padding)
    return pieces, total


def _meta_element(tag: int, vr: str, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\0" if vr in ("UI", "OB") else b" "
    return _element_header(tag, vr, len(value), Syntax(False, True)) + value


def encode_file_preamble_and_meta(
    sop_class_uid: str,
    sop_instance_uid: str,
    transfer_syntax: str,
    *,
    source_ae_title: str | None = None,
    bit_preserving: bool = False,
) -> bytes:
    """Preamble, ``DICM`` and the file meta group, as DCMTK 3.6.6+ builds them.

    Parameters
    ----------
    sop_class_uid, sop_instance_uid : str
        Media Storage SOP Class/Instance UID.
    transfer_syntax : str
        Transfer syntax of the data set that follows.
    source_ae_title : str, optional
        (0002,0016) Source Application Entity Title (``+B`` only, as DCMTK).
    bit_preserving : bool
        Use our ``+B`` version name (DCMTK: ``OFFIS_DCMBP_…``).

    Returns
    -------
    bytes
        132 + meta-group bytes; (0002,0000) included, elements in tag order.
    """
    version = BIT_PRESERVING_VERSION_NAME if bit_preserving else IMPLEMENTATION_VERSION_NAME
    body = b"".join(
        [
            _meta_element(0x00020001, "OB", b"\0\1"),
            _meta_element(0x00020002, "UI", sop_class_uid.encode("latin-1", "replace")),
            _meta_element(0x00020003, "UI", sop_instance_uid.encode("latin-1", "replace")),
            _meta_element(0x00020010, "UI", transfer_syntax.encode("ascii")),
            _meta_element(0x00020012, "UI", IMPLEMENTATION_CLASS_UID.encode("ascii")),
            _meta_element(0x00020013, "SH", version.encode("ascii")),
        ]
    )
    if source_ae_title is not None:
        body += _meta_element(0x00020016, "AE", source_ae_title.encode("ascii", "replace"))
    group_length = _meta_element(0x00020000, "UL", struct.pack("<L", len(body)))
    return b"\0" * 128 + b"DICM" + group_length + body


_WRITE_SYNTAX = {
    WriteTransferSyntax.LITTLE: EXPLICIT_LE,
    WriteTransferSyntax.BIG: EXPLICIT_BE,
    WriteTransferSyntax.IMPLICIT: IMPLICIT_LE,
    WriteTransferSyntax.DEFLATED: DEFLATED_LE,
}
_UNCOMPRESSED = {IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE}


def _top_level_uid(elements: list[Element], tag: int) -> str | None:
    for element in elements:
        if element.tag == tag and element.value.data is not None:
            return clean_uid(element.value.data).decode("ascii", "replace")
    return None


def encode_file(
    elements: list[Element], received_syntax: str, output: OutputOptions
) -> Iterator[Chunk]:
    """The output file of a received data set in normal mode (spec section 9).

    Parameters
    ----------
    elements : list of Element
        The parsed data set (:func:`parse_dataset`).
    received_syntax : str
        Transfer syntax UID it arrived in (``+t=`` keeps it).
    output : OutputOptions
        The output options.

    Returns
    -------
    iterator of bytes or FileRange
        The file content; large values are file regions, never loaded.

    Raises
    ------
    EncodingError
        Compressed data to be written in another transfer syntax (DCMTK has no
        codecs in movescu either) or a value that cannot be encoded.
    """
    target_uid = _WRITE_SYNTAX.get(output.transfer_syntax, received_syntax)
    if target_uid != received_syntax and received_syntax not in _UNCOMPRESSED:
        raise EncodingError("cannot convert compressed data to another transfer syntax")
    target = Syntax.of(target_uid)
    padding = output.padding
    odd_padding = padding is not None and (padding.file_pad % 2 or padding.item_pad % 2)
    plan = _Plan(
        source=Syntax.of(received_syntax),
        target=target,
        enable_new_vr=output.enable_new_vr,
        group_length=None if odd_padding else output.group_length,
        undefined_lengths=output.length_encoding is LengthEncoding.UNDEFINED,
        remove_padding=not odd_padding,
        item_pad=padding.item_pad if padding is not None and not odd_padding else 0,
    )
    pieces, size = _encode_dataset(elements, plan, 0)
    head = b""
    if output.write_file:
        sop_class = _top_level_uid(elements, TAG_SOP_CLASS_UID) or UNKNOWN_SOP_CLASS
        sop_instance = _top_level_uid(elements, TAG_SOP_INSTANCE_UID) or _new_uid()
        head = encode_file_preamble_and_meta(sop_class, sop_instance, target_uid)
    if padding is not None and padding.file_pad and not odd_padding:
        trailer = _padding_element(padding.file_pad, len(head) + size, target)
        pieces.append(trailer)
    return _emit(head, pieces, target.deflated, output.compression_level)


def _new_uid() -> str:
    import uuid

    return f"2.25.{uuid.uuid4().int}"


def _expand(pieces: list[_Piece]) -> Iterator[Chunk]:
    for piece in pieces:
        if isinstance(piece, _Swapped):
            block = _SWAP_BLOCK - _SWAP_BLOCK % piece.width
            for data in _blocks(piece.range, block):
                yield _swap_bytes(data, piece.width)
        else:
            yield piece


def _blocks(region: FileRange, size: int) -> Iterator[bytes]:
    try:
        yield from region.blocks(size)
    except OSError as error:
        raise EncodingError("received data vanished") from error


def _read_all(pieces: list[_Piece]) -> Iterator[bytes]:
    for chunk in _expand(pieces):
        if isinstance(chunk, FileRange):
            yield from _blocks(chunk, _SWAP_BLOCK)
        else:
            yield bytes(chunk)


def _emit(head: bytes, pieces: list[_Piece], deflated: bool, level: int) -> Iterator[Chunk]:
    if head:
        yield head
    if not deflated:
        yield from _expand(pieces)
        return
    # +td/+cl: raw deflate (window bits -15, memLevel 8) like DCMTK's zlib stream
    # (no even-length padding of the stream: DCMTK 3.6.7 writes it as zlib ends it)
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, 8)
    for data in _read_all(pieces):
        out = compressor.compress(data)
        if out:
            yield out
    yield compressor.flush()
