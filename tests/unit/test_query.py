"""``-k`` parsing and identifier building, with DCMTK 3.6.7's observed results.

Expected texts and values were taken from ``/usr/bin/movescu -v -k ...`` runs
(the ``Request Identifiers`` dump or the ``error:`` line).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from movescu.config import QueryKey, QueryOptions
from movescu.dicom.dictionary import Dictionary, load_dictionary, set_active_dictionary
from movescu.errors import InputFileError, UsageError
from movescu.exit_codes import ExitCode
from movescu.query import (
    KEY_ONLY_TRANSFER_SYNTAX,
    apply_keys,
    convert_value,
    load_identifiers,
    parse_key,
    scan_tag,
)


@pytest.fixture(autouse=True)
def _reset_active_dictionary() -> Iterator[None]:
    yield
    set_active_dictionary(None)


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    return load_dictionary({})


# --------------------------------------------------------------------------- syntax


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0010,0020=X", (0x10, 0x20)),
        ("10,20", (0x10, 0x20)),
        ("0x10,0X20=hex", (0x10, 0x20)),
        ("0010, 0020=Y", (0x10, 0x20)),  # %x skips whitespace
        (" 0010,0020", (0x10, 0x20)),
        ("0010,0020x=ABC", (0x10, 0x20)),  # trailing junk ignored
        ("0010 ,0020=Y", None),  # the comma must follow directly
        ("(0010,0020)=X", None),
        ("PatientID", None),
        ("-1,0010", (0xFFFFFFFF, 0x10)),
    ],
)
def test_scan_tag_is_sscanf(text: str, expected: tuple[int, int] | None) -> None:
    assert scan_tag(text) == expected


@pytest.mark.parametrize(
    ("text", "tag", "vr", "value"),
    [
        ("0010,0020=X", 0x00100020, "LO", "X"),
        ("0010,0020x=ABC", 0x00100020, "LO", "ABC"),
        ("10,20=short", 0x00100020, "LO", "short"),
        ("PatientName", 0x00100010, "PN", None),
        ("PatientName=", 0x00100010, "PN", None),
        ("0010,0030=a=b", 0x00100030, "DA", "a=b"),  # value after the first "="
        ("QueryRetrieveLevel=STUDY", 0x00080052, "CS", "STUDY"),
        ("0009,0010=CREATOR", 0x00090010, "LO", "CREATOR"),
        ("0020,0013=1.5", 0x00200013, "IS", "1.5"),  # string VRs are not validated
        ("0008,0020=abc", 0x00080020, "DA", "abc"),
        ("0010,0000", 0x00100000, "UL", None),
        ("0011,0000=5", 0x00110000, "UL", "5"),
        ("6002,3000=0102", 0x60023000, "OW", "0102"),
        ("0008,1110", 0x00081110, "SQ", None),
        ("0028,0106=5", 0x00280106, "US", "5"),
        ("-1,0010=x", 0xFFFF0010, "LO", "x"),  # DCMTK: (ffff,0010) PrivateCreator
        ("RETIRED_StudyComments=x", 0x00324000, "LT", "x"),
    ],
)
def test_parse_key_accepts(
    dictionary: Dictionary, text: str, tag: int, vr: str, value: str | None
) -> None:
    key = parse_key(text, dictionary)
    assert (key.tag, key.vr, key.value, key.path, key.text) == (tag, vr, value, (), text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PatientID =X", "bad key format or dictionary name not found in dictionary: PatientID "),
        (
            "(0010,0020)=X",
            "bad key format or dictionary name not found in dictionary: (0010,0020)",
        ),
        ("Foo=1", "bad key format or dictionary name not found in dictionary: Foo"),
        ("Foo", "bad key format or dictionary name not found in dictionary: Foo"),
        ("0010 ,0020=Y", "bad key format or dictionary name not found in dictionary: 0010 ,0020"),
        ("0011,1001=x", "unknown tag: (0011,1001)"),
        ("0009,1010=x", "unknown tag: (0009,1010)"),
        ("fffe,e000", "cannot create element for tag: (fffe,e000)"),
        ("0028,0010=abc", 'cannot put tag value: (0028,0010)="abc"'),
        ("0008,9459=abc", 'cannot put tag value: (0008,9459)="abc"'),
        ("0000,0901=0010\\0010", 'cannot put tag value: (0000,0901)="0010\\0010"'),
        ("0028,1201=zz", 'cannot put tag value: (0028,1201)="zz"'),
        ("0042,0011=zz", 'cannot put tag value: (0042,0011)="zz"'),
        ("0008,1110=x", 'cannot put tag value: (0008,1110)="x"'),
        ("0008,0000=x", 'cannot put tag value: (0008,0000)="x"'),
        ("-1,1010=x", "unknown tag: (ffffffff,1010)"),
    ],
)
def test_parse_key_errors_match_dcmtk(dictionary: Dictionary, text: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_key(text, dictionary)
    assert info.value.message == message
    assert info.value.exit_code == ExitCode.COMMANDLINE_SYNTAX_ERROR


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("vr", "text", "value"),
    [
        ("US", "-1", 65535),
        ("US", "70000", 4464),
        ("US", " 12", 12),
        ("US", "12abc", 12),
        ("US", "0x10", 0),
        ("US", "1\\2", [1, 2]),
        ("SS", "40000", -25536),
        ("SL", "-5", -5),
        ("UL", "-1", 4294967295),
        ("FL", "1.5", 1.5),
        ("FL", "1e3", 1000.0),
        ("AT", "(0010,0010)", 0x00100010),
        ("AT", "(0010,0010)\\(0010,0020)", [0x00100010, 0x00100020]),
        ("OW", "0102\\0304", b"\x02\x01\x04\x03"),
        ("OB", "01\\02", b"\x01\x02"),
        ("UN", "ab", b"\xab\x00"),
        ("LO", "a\\b", "a\\b"),
        ("FL", "1.5abc", 1.5),
        ("FL", ".5", 0.5),
        ("FD", "inf", float("inf")),
        ("US", "+5", 5),
        ("AT", "( 10,10)", 0x00100010),
        ("AT", "(0010,0010", 0x00100010),
        ("OB", "1", b"\x01\x00"),
        ("OB", "0x1f", b"\x1f\x00"),
        ("OW", "12345", b"\x45\x23"),
        ("OF", "1.5", b"\x00\x00\xc0\x3f"),
        ("OL", "5", b"\x05\x00\x00\x00"),
        ("DS", "abc", "abc"),
    ],
)
def test_convert_value_like_dcmtk_put_string(vr: str, text: str, value: object) -> None:
    assert convert_value(vr, text) == value


@pytest.mark.parametrize(
    ("vr", "text"),
    [
        ("US", "abc"),
        ("US", "1\\"),
        ("US", "\\1"),
        ("FD", "x"),
        ("FL", "-"),
        ("AT", "0010,0010"),
        ("OB", "zz"),
        ("OB", "x1"),
        ("OF", "abc"),
        ("SQ", "x"),
    ],
)
def test_convert_value_rejects(vr: str, text: str) -> None:
    with pytest.raises(ValueError):
        convert_value(vr, text)


# --------------------------------------------------------------------------- sequence paths


def test_sequence_path_with_names(dictionary: Dictionary) -> None:
    key = parse_key("ReferencedStudySequence[0].ReferencedSOPInstanceUID=1.2", dictionary)
    assert key.path == ((0x00081110, 0),)
    assert (key.tag, key.vr, key.value) == (0x00081155, "UI", "1.2")


def test_sequence_path_with_tags_and_nesting(dictionary: Dictionary) -> None:
    key = parse_key("0008,1110[1].0040,a043[0].0008,0100=X", dictionary)
    assert key.path == ((0x00081110, 1), (0x0040A043, 0))
    assert (key.tag, key.value) == (0x00080100, "X")


def test_sequence_path_errors(dictionary: Dictionary) -> None:
    with pytest.raises(UsageError) as info:
        parse_key("PatientID[0].PatientName=x", dictionary)
    assert info.value.message == "not a sequence: (0010,0020)"
    with pytest.raises(UsageError) as info:
        parse_key("NoSuchSequence[0].PatientName=x", dictionary)
    assert info.value.message == (
        "bad key format or dictionary name not found in dictionary: NoSuchSequence"
    )


def test_apply_keys_creates_items_and_replaces(dictionary: Dictionary) -> None:
    ds = Dataset()
    ds.PatientID = "OLD"
    keys = tuple(
        parse_key(text, dictionary)
        for text in (
            "0010,0020=NEW",
            "ReferencedStudySequence[1].ReferencedSOPInstanceUID=1.2",
            "0028,0010=512",
            "PatientName",
        )
    )
    apply_keys(ds, keys)
    assert ds.PatientID == "NEW"
    assert ds.Rows == 512
    assert ds["PatientName"].value in (None, "")
    items = ds.ReferencedStudySequence
    assert len(items) == 2 and len(items[0]) == 0
    assert items[1].ReferencedSOPInstanceUID == "1.2"
    assert [e.tag for e in ds] == sorted(e.tag for e in ds)


def test_apply_keys_keeps_invalid_number_strings(dictionary: Dictionary) -> None:
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    ds = Dataset()
    apply_keys(ds, (parse_key("0018,0050=1.5\\x", dictionary),))
    assert ds["SliceThickness"].VR == "DS"
    out = DicomBytesIO()
    out.is_little_endian, out.is_implicit_VR = True, False
    write_dataset(out, ds)
    assert out.getvalue() == b"\x18\x00\x50\x00DS\x06\x001.5\\x "


def test_apply_keys_into_existing_sequence_item(dictionary: Dictionary) -> None:
    ds = Dataset()
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.3"
    ds.ReferencedStudySequence = Sequence([item])
    apply_keys(ds, (parse_key("0008,1110[0].0008,1155=9.8", dictionary),))
    assert ds.ReferencedStudySequence[0].ReferencedSOPClassUID == "1.2.3"
    assert ds.ReferencedStudySequence[0].ReferencedSOPInstanceUID == "9.8"


# --------------------------------------------------------------------------- identifiers


def _dataset() -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "PATIENT"
    ds.PatientID = "X"
    return ds


def _write(path: Path, ts: str, *, meta: bool) -> Path:
    ds = _dataset()
    if meta:
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = "1.2.3"
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = UID(ts)
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.save_as(path, enforce_file_format=True)
    else:
        ds.save_as(path, implicit_vr=ts == ImplicitVRLittleEndian, little_endian=True)
    return path


def test_key_only_identifier(dictionary: Dictionary) -> None:
    keys = (parse_key("0010,0020=ABC", dictionary), parse_key("0008,0052=PATIENT", dictionary))
    [identifier] = load_identifiers(QueryOptions(keys=keys))
    assert identifier.source == ""
    # DCMTK 3.6.7 prints a fresh data set as explicit VR little endian
    assert identifier.transfer_syntax_name == KEY_ONLY_TRANSFER_SYNTAX == "Little Endian Explicit"
    assert [e.tag for e in identifier.dataset] == [0x00080052, 0x00100020]


@pytest.mark.parametrize(
    ("ts", "meta", "name"),
    [
        (ImplicitVRLittleEndian, False, "Little Endian Implicit"),
        (ExplicitVRLittleEndian, False, "Little Endian Explicit"),
        (ImplicitVRLittleEndian, True, "Little Endian Implicit"),
        (ExplicitVRLittleEndian, True, "Little Endian Explicit"),
        (ExplicitVRBigEndian, True, "Big Endian Explicit"),
        (DeflatedExplicitVRLittleEndian, True, "Deflated Explicit VR Little Endian"),
    ],
)
def test_query_files_any_encoding(
    tmp_path: Path, dictionary: Dictionary, ts: str, meta: bool, name: str
) -> None:
    path = _write(tmp_path / "q.dcm", ts, meta=meta)
    keys = (parse_key("PatientID=NEW", dictionary), parse_key("PatientName=A^B", dictionary))
    [identifier] = load_identifiers(QueryOptions(files=(path,), keys=keys))
    assert identifier.source == str(path)
    assert identifier.transfer_syntax_name == name
    ds = identifier.dataset
    assert (ds.PatientID, str(ds.PatientName), ds.QueryRetrieveLevel) == ("NEW", "A^B", "PATIENT")
    assert not hasattr(ds, "file_meta") or not ds.file_meta  # meta header discarded
    assert 0x00020010 not in ds


def test_one_identifier_per_file_in_order(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.dcm", ExplicitVRLittleEndian, meta=False)
    second = _write(tmp_path / "b.dcm", ImplicitVRLittleEndian, meta=True)
    identifiers = load_identifiers(QueryOptions(files=(first, second)))
    assert [i.source for i in identifiers] == [str(first), str(second)]


def _bad_file_message(path: Path) -> str:
    with pytest.raises(InputFileError) as info:
        load_identifiers(QueryOptions(files=(path,)))
    assert info.value.exit_code == ExitCode.INVALID_INPUT_FILE
    return info.value.message


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "End of stream"),
        (b"x", "I/O suspension or premature end of stream"),
        (b"hello world this is text\n", "I/O suspension or premature end of stream"),
        (b"\x10\x00\x20\x00\x04\x00\x00\x00AB", "I/O suspension or premature end of stream"),
        (b"\0" * 128 + b"DICM", "I/O suspension or premature end of stream"),
    ],
)
def test_bad_query_files_use_dcmtk_texts(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "bad.dcm"
    path.write_bytes(content)
    assert _bad_file_message(path) == f"bad DICOM file: {path}: {error}"


def test_truncated_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    full = _write(tmp_path / "full.dcm", ExplicitVRLittleEndian, meta=False)
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(full.read_bytes()[:-1])
    caplog.set_level(logging.ERROR, logger="movescu.queryfile")
    assert _bad_file_message(cut).endswith(": I/O suspension or premature end of stream")
    assert caplog.records[-1].getMessage() == (
        "DcmElement: PatientID (0010,0020) larger (2) than remaining bytes in file"
    )


def test_truncation_inside_a_sequence_is_invalid_stream(tmp_path: Path) -> None:
    ds = _dataset()
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3.4.5.6.7.8"
    ds.ReferencedStudySequence = Sequence([item])
    path = tmp_path / "seq.dcm"
    ds.save_as(path, implicit_vr=False, little_endian=True)
    data = path.read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[: data.index(b"1.2.3.4") + 4])
    assert _bad_file_message(cut).endswith(": Invalid stream")


def test_query_key_dataclass_contract() -> None:
    key = QueryKey(tag=0x00100020, vr="LO", value="X")
    ds = Dataset()
    apply_keys(ds, (key,))
    assert ds.PatientID == "X"
