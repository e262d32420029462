"""The encoder: each section 9 rule on hand-encoded data sets (no network, no files)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace

import pytest
from tests.support.differential import split_file
from tests.support.objects import (
    CT,
    EXPLICIT_BE,
    EXPLICIT_LE,
    IMPLICIT_LE,
    JPEG_LOSSLESS,
    Enc,
    encapsulated_dataset,
    rich_dataset,
)

from movescu.config import GroupLength, LengthEncoding, OutputOptions, Padding, WriteTransferSyntax
from movescu.output.encoding import (
    EncodingError,
    Source,
    encode_file,
    encode_file_preamble_and_meta,
    find_uid,
    parse_dataset,
)
from movescu.output.writer import FileRange

LE = Enc()
PLAIN = LE.el(0x00080016, "UI", CT.encode() + b"\0") + LE.el(0x00080018, "UI", b"1.2.3\0")


def encode(data: bytes, ts: str = EXPLICIT_LE, **options: object) -> bytes:
    output = replace(OutputOptions(), **options)  # type: ignore[arg-type]
    elements = parse_dataset(Source.from_bytes(data), ts)
    chunks = list(encode_file(elements, ts, output))
    assert not any(isinstance(c, FileRange) for c in chunks)
    return b"".join(bytes(c) for c in chunks)  # type: ignore[arg-type]


def body(data: bytes, ts: str = EXPLICIT_LE, **options: object) -> bytes:
    return encode(data, ts, write_file=False, **options)


def test_elements_are_written_in_ascending_tag_order() -> None:
    data = LE.el(0x00100010, "PN", b"AB") + LE.el(0x00080060, "CS", b"CT")
    assert body(data) == LE.el(0x00080060, "CS", b"CT") + LE.el(0x00100010, "PN", b"AB")


def test_plain_data_set_is_unchanged_and_meta_is_built() -> None:
    out = encode(PLAIN)
    meta, dataset = split_file(out)
    assert dataset == PLAIN
    assert sorted(meta) == [0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010,
                            0x00020012, 0x00020013]  # fmt: skip
    assert meta[0x00020003].endswith(b"1.2.3\0")
    assert out[:128] == b"\0" * 128 and out[128:132] == b"DICM"


def test_uid_whitespace_is_removed_and_odd_values_padded() -> None:
    data = LE.el(0x00080018, "UI", b" 1.2. 3 ") + LE.el(0x00100010, "PN", b"ABC")
    assert body(data) == LE.el(0x00080018, "UI", b"1.2.3\0") + LE.el(0x00100010, "PN", b"ABC ")


def test_group_lengths_recalculated_created_removed() -> None:
    g10 = LE.el(0x00100010, "PN", b"AB")
    wrong = LE.ul(0x00100000, 999) + g10
    assert body(wrong) == LE.ul(0x00100000, len(g10)) + g10
    assert body(g10, group_length=GroupLength.CREATE) == LE.ul(0x00100000, len(g10)) + g10
    assert body(wrong, group_length=GroupLength.REMOVE) == g10


def test_group_lengths_created_inside_items() -> None:
    inner = LE.el(0x00081150, "UI", b"1.2\0")
    data = LE.seq(0x00081140, [LE.item(inner)])
    expected_item = LE.item(LE.ul(0x00080000, len(inner)) + inner)
    expected = LE.seq(0x00081140, [expected_item])
    created = body(data, group_length=GroupLength.CREATE)
    assert created == LE.ul(0x00080000, len(expected)) + expected


def test_sequence_lengths_explicit_and_undefined() -> None:
    inner = LE.el(0x00081150, "UI", b"1.2\0")
    undefined = LE.seq(0x00081140, [LE.item(inner, undefined=True)], undefined=True)
    explicit = LE.seq(0x00081140, [LE.item(inner)])
    assert body(undefined) == explicit
    assert body(explicit, length_encoding=LengthEncoding.UNDEFINED) == undefined


def test_padding_removed_by_default_and_created_exactly() -> None:
    padded = PLAIN + LE.el(0xFFFCFFFC, "OB", b"\0" * 6)
    assert body(padded) == PLAIN
    out = encode(PLAIN, padding=Padding(256, 16))
    assert len(out) % 256 == 0
    # an item of 50 content bytes gets a 2-byte padding element (12 + 2 -> 64)
    content = LE.el(0x00100010, "PN", b"X" * 42)
    assert len(content) == 50
    data = LE.seq(0x00081140, [LE.item(content)])
    item_out = body(data, padding=Padding(0, 16))
    assert item_out == LE.seq(0x00081140, [LE.item(content + LE.el(0xFFFCFFFC, "OB", b"\0\0"))])


def test_odd_padding_values_keep_padding_and_group_lengths() -> None:
    data = LE.ul(0x00100000, 999) + LE.el(0x00100010, "PN", b"AB")
    data += LE.el(0xFFFCFFFC, "OB", b"\0" * 6)
    assert body(data, padding=Padding(3, 4)) == data


def test_big_endian_conversion_swaps_words() -> None:
    data = LE.us(0x00280010, 0x0102) + LE.el(0x7FE00010, "OW", b"\x01\x02\x03\x04")
    be = Enc(little=False)
    expected = be.us(0x00280010, 0x0102) + be.el(0x7FE00010, "OW", b"\x02\x01\x04\x03")
    assert body(data, transfer_syntax=WriteTransferSyntax.BIG) == expected
    assert body(expected, EXPLICIT_BE, transfer_syntax=WriteTransferSyntax.LITTLE) == data


def test_implicit_conversion_uses_the_dictionary() -> None:
    imp = Enc(implicit=True)
    data = imp.el(0x00091001, "UN", b"\1\2") + imp.el(0x00100010, "PN", b"AB")
    expected = LE.el(0x00091001, "UN", b"\1\2") + LE.el(0x00100010, "PN", b"AB")
    assert body(data, IMPLICIT_LE, transfer_syntax=WriteTransferSyntax.LITTLE) == expected
    assert body(expected, transfer_syntax=WriteTransferSyntax.IMPLICIT) == data


def test_disable_new_vrs_writes_ob() -> None:
    data = LE.el(0x00091001, "UN", b"\1\2") + LE.el(0x00324000, "UT", b"text")
    expected = LE.el(0x00091001, "OB", b"\1\2") + LE.el(0x00324000, "OB", b"text")
    assert body(data, enable_new_vr=False) == expected


@pytest.mark.parametrize("level", [1, 6, 9])
def test_deflate_uses_the_compression_level(level: int) -> None:
    data = rich_dataset(LE, "1.2.3.4")
    out = body(data, transfer_syntax=WriteTransferSyntax.DEFLATED, compression_level=level)
    plain = body(data)
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 8)
    assert out == compressor.compress(plain) + compressor.flush()


def test_encapsulated_data_kept_and_not_converted() -> None:
    data = encapsulated_dataset("1.2.3.4", [b"\xff\xd8\0\0\xff\xd9"])
    assert body(data, JPEG_LOSSLESS) == data
    with pytest.raises(EncodingError):
        body(data, JPEG_LOSSLESS, transfer_syntax=WriteTransferSyntax.LITTLE)


def test_find_uid_searches_items_depth_first() -> None:
    inner = LE.el(0x00080016, "UI", b"1.2.840 \0")
    elements = parse_dataset(Source.from_bytes(LE.seq(0x00081140, [LE.item(inner)])), EXPLICIT_LE)
    assert find_uid(elements, 0x00080016) == "1.2.840"
    assert find_uid(elements, 0x00080018) is None


def test_truncated_data_set_is_an_error() -> None:
    with pytest.raises(EncodingError):
        parse_dataset(Source.from_bytes(PLAIN[:-3]), EXPLICIT_LE)


def test_bit_preserving_meta_has_source_ae_and_group_length() -> None:
    head = encode_file_preamble_and_meta(CT, "1.2.3", EXPLICIT_LE, source_ae_title="PEER",
                                         bit_preserving=True)  # fmt: skip
    meta, rest = split_file(head)
    assert rest == b""
    assert meta[0x00020016] == b"\x02\x00\x16\x00AE\x04\x00PEER"
    length = struct.unpack("<L", meta[0x00020000][8:12])[0]
    assert length == sum(len(v) for k, v in meta.items() if k != 0x00020000)
