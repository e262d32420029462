"""DCMTK dump layouts: data sets (against real dcmdump), DIMSE messages, statuses, UIDs."""

from __future__ import annotations

import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import Dataset
from pydicom.sequence import Sequence
from tests.support.tools import dcmtk_tool

from movescu.config import QueryOptions
from movescu.dicom.dictionary import load_dictionary, set_active_dictionary
from movescu.dicom.dump import (
    dataset_dump,
    dimse_dump,
    dimse_status_text,
    element_name,
    format_number,
    move_status_text,
    transfer_syntax_name,
    uid_name,
)
from movescu.query import load_identifiers, parse_key
from movescu.queryfile import read_query_file

# What DCMTK 3.6.7's "movescu -v" printed after "I: Request Identifiers:" for
# -k 0010,0020x=ABC -k 0009,0010=CREATOR -k 0020,0013=1.5 -k PatientName -k 0008,0018=
# -k QueryRetrieveLevel=PATIENT -k 0028,0011=1\2 -k 0008,0020=abc
# -k 0008,0016=1.2.840.10008.5.1.4.1.1.2 -k "0008,0005=ISO_IR 100" -k 0010,0030=a=b
# -k 0018,0050=1.25\2.5  (the "I: " prefixes removed)
DCMTK_KEY_ONLY_DUMP = r"""
# Dicom-Data-Set
# Used TransferSyntax: Little Endian Explicit
(0008,0005) CS [ISO_IR 100]                             #  10, 1 SpecificCharacterSet
(0008,0016) UI =CTImageStorage                          #  26, 1 SOPClassUID
(0008,0018) UI (no value available)                     #   0, 0 SOPInstanceUID
(0008,0020) DA [abc]                                    #   4, 1 StudyDate
(0008,0052) CS [PATIENT]                                #   8, 1 QueryRetrieveLevel
(0009,0010) LO [CREATOR]                                #   8, 1 PrivateCreator
(0010,0010) PN (no value available)                     #   0, 0 PatientName
(0010,0020) LO [ABC]                                    #   4, 1 PatientID
(0010,0030) DA [a=b]                                    #   4, 1 PatientBirthDate
(0018,0050) DS [1.25\2.5]                               #   8, 2 SliceThickness
(0020,0013) IS [1.5]                                    #   4, 1 InstanceNumber
(0028,0011) US 1\2                                      #   4, 2 Columns
"""

KEYS = [
    "0010,0020x=ABC",
    "0009,0010=CREATOR",
    "0020,0013=1.5",
    "PatientName",
    "0008,0018=",
    "QueryRetrieveLevel=PATIENT",
    "0028,0011=1\\2",
    "0008,0020=abc",
    "0008,0016=1.2.840.10008.5.1.4.1.1.2",
    "0008,0005=ISO_IR 100",
    "0010,0030=a=b",
    "0018,0050=1.25\\2.5",
]


@pytest.fixture(autouse=True)
def _reset_active_dictionary() -> Iterator[None]:
    yield
    set_active_dictionary(None)


def test_key_only_identifier_dump_matches_dcmtk_movescu() -> None:
    dictionary = load_dictionary({})
    keys = tuple(sorted((parse_key(k, dictionary) for k in KEYS), key=lambda k: k.tag))
    [identifier] = load_identifiers(QueryOptions(keys=keys))
    text = dataset_dump(identifier.dataset, identifier.transfer_syntax_name)
    assert text == DCMTK_KEY_ONLY_DUMP


def test_dump_logged_gives_dcmtk_lines() -> None:
    ds = Dataset()
    ds.PatientID = "X"
    lines = f"Request Identifiers:\n{dataset_dump(ds, 'Little Endian Explicit')}".split("\n")
    assert ["I: " + line for line in lines] == [
        "I: Request Identifiers:",
        "I: ",
        "I: # Dicom-Data-Set",
        "I: # Used TransferSyntax: Little Endian Explicit",
        "I: (0010,0020) LO [X]                                      #   2, 1 PatientID",
        "I: ",
    ]


# --------------------------------------------------------------------------- vs dcmdump


def _rich_dataset() -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.2.1.2"
    ds.add_new(0x00080017, "UI", "1.2.840.10008.1.2.1.99")
    ds.SOPInstanceUID = "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26"
    ds.add_new(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.2\\1.2.3")
    ds.add_new(0x00080020, "DA", "20200101")
    ds.add_new(0x00080030, "TM", "")
    ds.add_new(0x00080054, "AE", "")
    ds.add_new(0x00081030, "LO", "a\\b\\c")
    ds.add_new(0x0008103E, "LO", "x" * 64)
    ds.add_new(0x00081048, "PN", "D" * 68)
    ds.add_new(0x00090010, "LO", "CREATOR")
    ds.add_new(0x00091010, "LO", "priv")
    ds.PatientName = "Doe^John"
    ds.PatientID = "ODD"
    ds.add_new(0x00180050, "DS", ["1.5", "2"])
    ds.add_new(0x00181638, "OF", b"\x00\x00\x80\x3f" * 2)
    ds.add_new(0x00186020, "SL", -70000)
    ds.add_new(0x00189087, "FD", [0.1, 2.0, 3e20, 1e-05, 100000000.0, 1 / 3])
    ds.add_new(0x00189219, "SS", -5)
    ds.add_new(0x00089459, "FL", 0.1)
    ds.add_new(0x00200013, "IS", "12")
    ds.add_new(0x00209165, "AT", [0x00100010, 0x00100020])
    ds.Rows = 512
    ds.add_new(0x00280011, "US", list(range(12)))
    ds.add_new(0x00281201, "OW", bytes(range(8)))
    ds.add_new(0x00420011, "OB", bytes(range(40)))
    ds.add_new(0x00420012, "LO", "a\\" * 20 + "a")
    ds.add_new(0x0072006D, "UN", b"\x01\x02\x03\x04")
    first = Dataset()
    first.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    first.ReferencedSOPInstanceUID = "1.2.3"
    second = Dataset()
    second.ReferencedSOPInstanceUID = "1.2.4"
    code = Dataset()
    code.CodeValue = "X"
    second.ConceptNameCodeSequence = Sequence([code])
    ds.ReferencedStudySequence = Sequence([first, second])
    ds.ReferencedSeriesSequence = Sequence([])
    undefined_item = Dataset()
    undefined_item.ReferencedSOPInstanceUID = "1.2.5"
    undefined_item.is_undefined_length_sequence_item = True
    ds.ReferencedPatientSequence = Sequence([undefined_item])
    ds["ReferencedPatientSequence"].is_undefined_length = True
    return ds


def _dcmdump(path: Path, *options: str) -> list[str]:
    run = subprocess.run(
        [dcmtk_tool("dcmdump"), *options, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = run.stdout.split("\n")
    return [""] + lines[lines.index("# Dicom-Data-Set") :]


@pytest.mark.dcmtk
@pytest.mark.parametrize(
    ("implicit", "name"),
    [(False, "Little Endian Explicit"), (True, "Little Endian Implicit")],
)
@pytest.mark.parametrize("shorten", [True, False])
def test_dataset_dump_matches_dcmdump(
    tmp_path: Path, implicit: bool, name: str, shorten: bool
) -> None:
    ds = _rich_dataset()
    path = tmp_path / "rich.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(path, implicit_vr=implicit, little_endian=True)
    expected = _dcmdump(path, *([] if shorten else ["+L"]))
    # a query file is dumped as read back (movescu's flow): unknown private data
    # read in implicit VR is UN for pydicom and "??" in DCMTK's dump
    reread, reread_name = read_query_file(path)
    assert reread_name == name
    assert dataset_dump(reread, name, shorten=shorten).split("\n") == expected
    if not implicit:  # the in-memory data set gives the same text
        assert dataset_dump(ds, name, shorten=shorten).split("\n") == expected


# --------------------------------------------------------------------------- pieces


def test_dimse_dump_layout_matches_dcmtk() -> None:
    text = dimse_dump(
        "C-MOVE RSP",
        [
            ("Message ID Being Responded To", "1"),
            ("Affected SOP Class UID", uid_name("1.2.840.10008.5.1.4.1.2.1.2")),
            ("Remaining Suboperations", "none"),
            ("Completed Suboperations", "none"),
            ("Failed Suboperations", "none"),
            ("Warning Suboperations", "none"),
            ("Data Set", "none"),
            ("DIMSE Status", dimse_status_text(0xC515)),
        ],
        outgoing=False,
    )
    # DCMTK 3.6.7 movescu -d, final response of a failed move
    assert text.split("\n") == [
        "===================== INCOMING DIMSE MESSAGE ====================",
        "Message Type                  : C-MOVE RSP",
        "Message ID Being Responded To : 1",
        "Affected SOP Class UID        : MOVEPatientRootQueryRetrieveInformationModel",
        "Remaining Suboperations       : none",
        "Completed Suboperations       : none",
        "Failed Suboperations          : none",
        "Warning Suboperations         : none",
        "Data Set                      : none",
        "DIMSE Status                  : 0xc515: Failed: Unable to process",
        "======================= END DIMSE MESSAGE =======================",
    ]
    outgoing = dimse_dump("C-MOVE RQ", [("Presentation Context ID", "3")], outgoing=True)
    assert outgoing.startswith(
        "===================== OUTGOING DIMSE MESSAGE ====================\n"
    )


# Observed: DCMTK 3.6.7 movescu -d against a fake Move SCP sending each final status
@pytest.mark.parametrize(
    ("status", "text"),
    [
        (0x0000, "Success"),
        (0xFF00, "Pending"),
        (0xA701, "Refused: OutOfResourcesNumberOfMatches"),
        (0xA702, "Refused: OutOfResourcesSubOperations"),
        (0xA800, "Unknown Status: 0xa800"),
        (0x0001, "Unknown Status: 0x1"),
        (0xA801, "Refused: MoveDestinationUnknown"),
        (0xA900, "Error: DataSetDoesNotMatchSOPClass"),
        (0xFE00, "Cancel: SubOperationsTerminatedDueToCancelIndication"),
        (0xB000, "Warning: SubOperationsCompleteOneOrMoreFailures"),
        (0xC000, "Failed: UnableToProcess"),
        (0xC515, "Failed: UnableToProcess"),
        (0x1234, "Unknown Status: 0x1234"),
        (0xB001, "Unknown Status: 0xb001"),
    ],
)
def test_move_status_text(status: int, text: str) -> None:
    assert move_status_text(status) == text


@pytest.mark.parametrize(
    ("status", "service", "text"),
    [
        (0x0000, "move", "0x0000: Success: Sub-operations complete - No failures or warnings"),
        (0xFF00, "move", "0xff00: Pending: Sub-operations are continuing"),
        (0xC515, "move", "0xc515: Failed: Unable to process"),
        (0xA801, "move", "0xa801: Refused: Move Destination unknown"),
        (
            0xB000,
            "move",
            "0xb000: Warning: Sub-operations complete - One or more failures or warnings",
        ),
        (0xA800, "move", "0xa800: Failure"),
        (0xA7FF, "move", "0xa7ff: Failure"),
        (0xB001, "move", "0xb001: Warning"),
        (0x0107, "move", "0x0107: Warning"),
        (0xFF01, "move", "0xff01: Pending"),
        (0x1234, "move", "0x1234: Unknown Status Code (non-standard)"),
        (0xFE01, "move", "0xfe01: Unknown Status Code (non-standard)"),
        (0x0122, "move", "0x0122: Refused: SOP Class not supported"),
        (0x0210, "move", "0x0210: Duplicate invocation"),
        (0x0105, "move", "0x0105: Failure"),
        (0x0200, "move", "0x0200: Failure"),
        (
            0xAA00,
            "move",
            "0xaa00: Failed: None of the frames requested were found in SOP Instance",
        ),
        (0x0000, "store", "0x0000: Success"),
        (0xA700, "store", "0xa700: Refused: Out of resources"),
        (0xA7FF, "store", "0xa7ff: Refused: Out of resources"),
        (0xA9FF, "store", "0xa9ff: Error: Data Set does not match SOP Class"),
        (0xC001, "store", "0xc001: Error: Cannot understand"),
        (0xB007, "store", "0xb007: Warning: Data Set does not match SOP Class"),
        # observed: DCMTK 3.6.7 storescu -d against a Storage SCP answering each status
        (0xA800, "store", "0xa800: Failure"),
        (0xA801, "store", "0xa801: Failure"),
        (0x0124, "store", "0x0124: Refused: Not authorized"),
        (0x0211, "store", "0x0211: Unrecognized operation"),
        (0x0110, "store", "0x0110: Failure"),
        (0xB001, "store", "0xb001: Warning"),
        (0xFE00, "store", "0xfe00: Cancel"),
        (0xFF01, "store", "0xff01: Pending"),
        (0x1234, "store", "0x1234: Unknown Status Code (non-standard)"),
    ],
)
def test_dimse_status_text(status: int, service: str, text: str) -> None:
    assert dimse_status_text(status, service) == text


@pytest.mark.parametrize(
    ("uid", "name"),
    [
        ("1.2.840.10008.5.1.4.1.1.2", "CTImageStorage"),
        ("1.2.840.10008.1.1", "VerificationSOPClass"),
        ("1.2.840.10008.1.2.1", "LittleEndianExplicit"),
        ("1.2.840.10008.5.1.4.1.2.1.1", "FINDPatientRootQueryRetrieveInformationModel"),
        ("1.2.840.10008.5.1.4.1.2.2.2", "MOVEStudyRootQueryRetrieveInformationModel"),
        ("1.2.3.4", "1.2.3.4"),
    ],
)
def test_uid_names_are_dcmtk_names(uid: str, name: str) -> None:
    assert uid_name(uid) == name


def test_transfer_syntax_names() -> None:
    assert transfer_syntax_name("1.2.840.10008.1.2") == "Little Endian Implicit"
    assert transfer_syntax_name("1.2.840.10008.1.2.2") == "Big Endian Explicit"
    assert transfer_syntax_name("1.2.840.10008.1.2.4.70") == (
        "JPEG Lossless, Non-hierarchical, 1st Order Prediction"
    )


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        (0x00100020, "PatientID"),
        (0x00324000, "RETIRED_StudyComments"),
        (0x00020000, "FileMetaInformationGroupLength"),
        (0x00100000, "GenericGroupLength"),
        (0x00110000, "PrivateGroupLength"),
        (0x00090010, "PrivateCreator"),
        (0x00091010, "Unknown Tag & Data"),
    ],
)
def test_element_names(tag: int, name: str) -> None:
    assert element_name(tag) == name


@pytest.mark.parametrize(
    ("value", "vr", "text"),
    [
        (1.5, "FL", "1.5"),
        (0.1, "FL", "0.100000001"),
        (0.1, "FD", "0.1"),
        (1 / 3, "FD", "0.3333333333333333"),
        (3e20, "FD", "3e+20"),
        (1e-05, "FD", "1e-05"),
        (100000000.0, "FD", "100000000"),
        (1234567.0, "FD", "1234567"),
        (0.0, "FD", "0"),
    ],
)
def test_number_formatting(value: float, vr: str, text: str) -> None:
    stored = value
    if vr == "FL":
        import struct

        stored = struct.unpack("<f", struct.pack("<f", value))[0]
    assert format_number(stored, vr) == text


@pytest.mark.dcmtk
@pytest.mark.parametrize(
    "status",
    [
        0x0000,
        0xA702,
        0xA800,
        0xA801,
        0xB000,
        0xB001,
        0xC123,
        0x0122,
        0x0105,
        0xAA00,
        0xFE01,
        0x1234,
    ],
)
def test_status_texts_match_dcmtk_movescu(status: int) -> None:
    """DCMTK 3.6.7 ``movescu -d`` against a fake Move SCP sending ``status``."""
    from tests.support.fake_qr import fake_qr, final_status

    movescu = dcmtk_tool("movescu")
    with fake_qr(final_status(status)) as fake:
        run = subprocess.run(
            [movescu, "-d", "-k", "0010,0020=X", "127.0.0.1", str(fake.port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"TCP_NODELAY": "1"},
        )
    lines = run.stderr.splitlines()
    assert f"D: DIMSE Status                  : {dimse_status_text(status)}" in lines
    if status not in (0x0000, 0xFE00):
        kind = "warning" if status == 0xB000 else "error"
        expected = f"W: Move response with {kind} status ({move_status_text(status)})"
        assert expected in lines


@pytest.mark.dcmtk
def test_encapsulated_pixel_data_matches_dcmdump(tmp_path: Path) -> None:
    from pydicom.dataset import FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    ds = Dataset()
    ds.PatientID = "X"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.3"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PixelData = encapsulate([b"\xff\xd8abc\x00\x01\xff\xd9", b"\x10\x00\x20\x00" * 3])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    path = tmp_path / "jpeg.dcm"
    ds.save_as(path, enforce_file_format=True)
    reread, name = read_query_file(path)
    assert name == "JPEG Baseline"
    assert dataset_dump(reread, name).split("\n") == _dcmdump(path, "+L")


# --------------------------------------------------------------------------- vs movescu

DIFFERENTIAL_KEYS = [
    ["0010,0020=X", "QueryRetrieveLevel=PATIENT"],
    ["0028,0010=-1", "0028,0011=70000", "0018,6020=-5", "0008,9459=1.5", "0028,0030=1\\2"],
    ["0000,0901=(0010,0010)", "0028,1201=0102\\0304", "0042,0011=01\\02", "0072,006D=ab"],
    ["0008,1110", "0010,0000", "0011,0000=5", "6001,0010=CR", "6002,3000=0102"],
    ["0018,0050=abc", "0020,0013=1\\2\\x", "0008,9459=1.5abc", "0042,0011=1"],
    ["RETIRED_StudyComments=x", "PatientName", "0008,0018=", "0010,0030=a=b"],
]


def _movescu_identifiers(options: list[str], files: list[str]) -> list[str]:
    """The lines DCMTK 3.6.7's movescu -v logs after ``Request Identifiers:``."""
    from tests.support.fake_qr import fake_qr, final_status

    movescu = dcmtk_tool("movescu")
    with fake_qr(final_status(0x0000)) as fake:
        run = subprocess.run(
            [movescu, "-v", *options, "127.0.0.1", str(fake.port), *files],
            capture_output=True,
            text=True,
            timeout=60,
            env={"TCP_NODELAY": "1"},
        )
    lines = run.stderr.splitlines()
    start = lines.index("I: Request Identifiers:") + 1
    end = lines.index("I: ", start + 1) + 1
    return [line[3:] for line in lines[start:end]]


@pytest.mark.dcmtk
@pytest.mark.parametrize("keys", DIFFERENTIAL_KEYS, ids=lambda keys: keys[0])
def test_key_identifiers_match_dcmtk_movescu(keys: list[str]) -> None:
    dictionary = load_dictionary({})
    parsed = tuple(sorted((parse_key(k, dictionary) for k in keys), key=lambda k: k.tag))
    [identifier] = load_identifiers(QueryOptions(keys=parsed))
    ours = dataset_dump(identifier.dataset, identifier.transfer_syntax_name).split("\n")
    args = [a for k in keys for a in ("-k", k)]
    assert ours == _movescu_identifiers(args, [])


@pytest.mark.dcmtk
@pytest.mark.parametrize("implicit", [False, True])
def test_query_file_identifier_matches_dcmtk_movescu(tmp_path: Path, implicit: bool) -> None:
    ds = _rich_dataset()
    path = tmp_path / "query.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(path, implicit_vr=implicit, little_endian=True)
    dictionary = load_dictionary({})
    keys = (parse_key("0010,0020=OVERRIDE", dictionary), parse_key("0008,0052=STUDY", dictionary))
    [identifier] = load_identifiers(QueryOptions(files=(path,), keys=keys))
    ours = dataset_dump(identifier.dataset, identifier.transfer_syntax_name).split("\n")
    theirs = _movescu_identifiers(
        ["-k", "0010,0020=OVERRIDE", "-k", "0008,0052=STUDY"], [str(path)]
    )
    assert ours == theirs
