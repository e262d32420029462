"""The identifier as DCMTK writes it, without DCMTK (the differential test is
tests/interop/test_identifier_vs_dcmtk.py): explicit lengths, group lengths
recalculated, padding dropped, text values kept as read."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.sequence import Sequence

from movescu.dicom.dump import dataset_dump
from movescu.dicom.identifier import encode_identifier
from movescu.queryfile import read_query_file


def _explicit(group: int, number: int, vr: bytes, value: bytes) -> bytes:
    tag = struct.pack("<HH", group, number)
    if vr in (b"SQ", b"UT", b"OB"):
        return tag + vr + b"\0\0" + struct.pack("<L", len(value)) + value
    return tag + vr + struct.pack("<H", len(value)) + value


def _item(body: bytes) -> bytes:
    return struct.pack("<HHL", 0xFFFE, 0xE000, len(body)) + body


def test_sequences_and_items_get_explicit_lengths() -> None:
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2"
    ds = Dataset()
    ds.ReferencedStudySequence = Sequence([item])
    ds.ReferencedStudySequence.is_undefined_length = True
    item.is_undefined_length_sequence_item = True
    inner = _explicit(0x0008, 0x1155, b"UI", b"1.2\0")
    assert encode_identifier(ds, False, True) == _explicit(0x0008, 0x1110, b"SQ", _item(inner))


def test_group_lengths_are_kept_and_recalculated_and_padding_is_dropped() -> None:
    ds = Dataset()
    ds.add(DataElement(0x00100000, "UL", 999))
    ds.PatientID = "ABC"
    ds.PatientName = "A^B"
    ds.add(DataElement(0xFFFCFFFC, "OB", b"\0" * 8))
    body = _explicit(0x0010, 0x0010, b"PN", b"A^B ") + _explicit(0x0010, 0x0020, b"LO", b"ABC ")
    explicit = encode_identifier(ds, False, True)
    assert explicit == _explicit(0x0010, 0x0000, b"UL", struct.pack("<L", len(body))) + body
    implicit = encode_identifier(ds, True, True)
    assert implicit[:12] == struct.pack("<HHLL", 0x0010, 0x0000, 4, len(body))  # 2 x (8 + 4)
    big = encode_identifier(ds, False, False)
    assert big[:12] == struct.pack(">HH", 0x0010, 0) + b"UL" + struct.pack(">HL", 4, len(body))


def test_group_lengths_inside_items_count_their_own_item() -> None:
    item = Dataset()
    item.add(DataElement(0x00080000, "UL", 0))
    item.ReferencedSOPInstanceUID = "1.2"
    ds = Dataset()
    ds.ReferencedStudySequence = Sequence([item])
    encoded = encode_identifier(ds, False, True)
    assert struct.pack("<HH", 0x0008, 0) + b"UL" + struct.pack("<HL", 4, 12) in encoded
    assert 0x00080000 not in ds  # none is created at the top level


def test_a_file_value_is_held_as_read_and_sent_as_dcmtk_writes_it(tmp_path: Path) -> None:
    """Leading/trailing spaces pydicom strips, and odd lengths (padded with a NUL):
    the dump shows the value as read (its length), the identifier DCMTK's bytes."""
    path = tmp_path / "q.dcm"
    path.write_bytes(
        _explicit(0x0008, 0x0052, b"CS", b"STUDY")  # odd: DCMTK reads STUDY\0
        + _explicit(0x0008, 0x0061, b"CS", b"CT \\MR  ")
        + _explicit(0x0010, 0x1030, b"DS", b" 2\\3.0  ")
        + _explicit(0x0020, 0x000D, b"UI", b"1.2.3")
        + _explicit(0x0020, 0x0010, b"SH", b"ab  ")
    )
    dataset, name = read_query_file(path)
    # sent as DCMTK writes them: trailing spaces removed, padded to even
    assert encode_identifier(dataset, False, True) == (
        _explicit(0x0008, 0x0052, b"CS", b"STUDY\0")
        + _explicit(0x0008, 0x0061, b"CS", b"CT \\MR")
        + _explicit(0x0010, 0x1030, b"DS", b" 2\\3.0")
        + _explicit(0x0020, 0x000D, b"UI", b"1.2.3\0")
        + _explicit(0x0020, 0x0010, b"SH", b"ab")
    )
    lines = dataset_dump(dataset, name).splitlines()[3:]
    assert [(line[:12], line[15:55].rstrip(), line[58:]) for line in lines] == [
        ("(0008,0052) ", "[STUDY\0]", "  6, 1 QueryRetrieveLevel"),
        ("(0008,0061) ", "[CT \\MR]", "  8, 2 ModalitiesInStudy"),
        ("(0010,1030) ", "[ 2\\3.0]", "  8, 2 PatientWeight"),
        ("(0020,000d) ", "[1.2.3]", "  6, 1 StudyInstanceUID"),
        ("(0020,0010) ", "[ab]", "  4, 1 StudyID"),
    ]


@pytest.mark.parametrize("vr", ["OB", "OW", "UN"])
def test_an_empty_binary_value_has_vm_1_in_the_dump(vr: str) -> None:
    ds = Dataset()
    ds.add(DataElement(0xFFFCFFFC if vr == "OB" else 0x00091001, vr, b""))
    assert (
        dataset_dump(ds, "Little Endian Explicit")
        .splitlines()[-1]
        .endswith("#   0, 1 " + ("DataSetTrailingPadding" if vr == "OB" else "Unknown Tag & Data"))
    )
