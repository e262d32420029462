"""The data dictionary: pydicom base, DCMDICTPATH files in DCMTK's dicom.dic format."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from movescu.dicom.dictionary import (
    DictEntry,
    Dictionary,
    load_dictionary,
    load_file,
    set_active_dictionary,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "dictionary"
DCMTK_DICOM_DIC = Path("/usr/share/libdcmtk17/dicom.dic")


@pytest.fixture(autouse=True)
def _reset_active_dictionary() -> Iterator[None]:
    yield
    set_active_dictionary(None)


@pytest.fixture(scope="module")
def base() -> Dictionary:
    return load_dictionary({})


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname[0]}: {r.getMessage()}" for r in caplog.records]


def test_pydicom_keywords_and_tags(base: Dictionary) -> None:
    entry = base.lookup_name("PatientID")
    assert entry == DictEntry(0x00100020, "LO", "PatientID", "1")
    assert base.lookup_tag(0x00100020) == entry
    assert base.loaded


def test_name_lookup_is_exact_and_case_sensitive(base: Dictionary) -> None:
    assert base.lookup_name("patientid") is None
    assert base.lookup_name("PatientID ") is None
    assert base.lookup_name("") is None


def test_retired_names_have_dcmtk_prefix_and_keyword_alias(base: Dictionary) -> None:
    entry = base.lookup_tag(0x00324000)
    assert entry is not None and entry.name == "RETIRED_StudyComments"
    assert base.lookup_name("RETIRED_StudyComments") == entry
    assert base.lookup_name("StudyComments") == entry


def test_multi_vr_entries_get_dcmtk_creation_vr(base: Dictionary) -> None:
    smallest = base.lookup_tag(0x00280106)  # "US or SS" (DCMTK: xs)
    pixel = base.lookup_tag(0x7FE00010)  # "OB or OW" (DCMTK: px, created as OW)
    item = base.lookup_tag(0xFFFEE000)
    assert (smallest and smallest.vr, pixel and pixel.vr, item and item.vr) == ("US", "OW", "na")


def test_repeating_groups(base: Dictionary) -> None:
    overlay = base.lookup_tag(0x60023000)
    assert overlay is not None and (overlay.name, overlay.vr) == ("OverlayData", "OW")
    assert base.lookup_tag(0x60013000) is None  # odd groups are not overlays


@pytest.mark.parametrize(
    ("tag", "name", "vr"),
    [
        (0x00100000, "GenericGroupLength", "UL"),
        (0x00110000, "PrivateGroupLength", "UL"),
        (0x00030000, "IllegalGroupLength", "UL"),
        (0x00090010, "PrivateCreator", "LO"),
        (0x600100FF, "PrivateCreator", "LO"),
        (0x00020000, "FileMetaInformationGroupLength", "UL"),
    ],
)
def test_dcmtk_implicit_entries(base: Dictionary, tag: int, name: str, vr: str) -> None:
    entry = base.lookup_tag(tag)
    assert entry is not None and (entry.name, entry.vr) == (name, vr)


@pytest.mark.parametrize("tag", [0x00111001, 0x00050010, 0x00090100])
def test_private_data_without_dictionary_entry_is_unknown(base: Dictionary, tag: int) -> None:
    assert base.lookup_tag(tag) is None


def test_dcmdictpath_extends_and_overrides(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="movescu.dicom.dictionary")
    d = load_dictionary({"DCMDICTPATH": str(DATA / "good.dic")})
    assert d.loaded
    assert d.lookup_name("MyPatientID") == DictEntry(0x00100020, "LO", "MyPatientID", "1")
    renamed = d.lookup_name("PatientID")  # pydicom keywords keep working (ours)
    assert renamed is not None and renamed.name == "MyPatientID"
    study_date = d.lookup_tag(0x00080020)
    assert study_date is not None and study_date.vr == "LO"  # VR overridden
    assert d.lookup_name("SpacedName") is not None  # whitespace inside fields is removed
    assert d.lookup_name("Spaced Name") is None
    assert _errors(caplog) == [f"D: DcmDataDictionary: Loading file: {DATA / 'good.dic'}"]


def test_dcmdictpath_ranges_and_private_entries() -> None:
    d = load_dictionary({"DCMDICTPATH": str(DATA / "good.dic")})
    assert [d.lookup_tag(t) is not None for t in (0x00111000, 0x00121000, 0x00131000)] == [
        True,
        False,
        True,
    ]
    even = d.lookup_tag(0x61020010)
    odd = d.lookup_tag(0x61010010)
    assert even is not None and even.name == "EvenRange"
    assert odd is not None and odd.name == "PrivateCreator"  # not in the even-only range
    assert d.lookup_tag(0x00211012) is None  # private entries need their creator
    acme = d.lookup_tag(0x00211012, "ACME")
    assert acme is not None and (acme.name, acme.vr) == ("AcmeValue", "US")
    assert d.lookup_tag(0x00211512, "ACME") == acme  # any block xx
    assert d.lookup_tag(0x00211012, "OTHER") is None


def test_bad_dictionary_messages_match_dcmtk(caplog: pytest.LogCaptureFixture) -> None:
    """The texts DCMTK 3.6.7 logged for the same file (DCMDICTPATH=bad.dic)."""
    caplog.set_level(logging.INFO, logger="movescu.dicom.dictionary")
    name = str(DATA / "bad.dic")
    d = load_dictionary({"DCMDICTPATH": name})
    assert _errors(caplog) == [
        f"E: DcmDataDictionary: {name}: too few fields (line 1)",
        f"E: DcmDataDictionary: {name}: too many fields (line 2): ",
        f"E: DcmDataDictionary: {name}: bad VM field (line 3): x",
        f"E: DcmDataDictionary: {name}: bad Tag field (line 4): (zz10,0020)",
        f"E: DcmDataDictionary: {name}: bad VR field (line 5): QQ",
        f"E: DcmDataDictionary: {name}: too few fields (line 7)",
        "W: no data dictionary loaded, check environment variable: DCMDICTPATH",
    ]
    assert not d.loaded
    assert d.lookup_name("StillLoaded") is not None  # good lines are kept, as in DCMTK
    assert d.lookup_name("PatientID") is not None  # ours: pydicom's base stays


def test_missing_file(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="movescu.dicom.dictionary")
    d = load_dictionary({"DCMDICTPATH": "/nonexistent/x.dic"})
    assert _errors(caplog) == [
        "E: DcmDataDictionary: Cannot open file: /nonexistent/x.dic",
        "W: no data dictionary loaded, check environment variable: DCMDICTPATH",
    ]
    assert not d.loaded


@pytest.mark.parametrize(
    ("files", "loaded"),
    [
        (["good.dic", "bad.dic"], False),  # the last file read decides (dcdict.cc)
        (["bad.dic", "good.dic"], True),
        (["good.dic", "", "missing.dic"], True),  # a missing file changes nothing
    ],
)
def test_loaded_state_follows_dcmtk(files: list[str], loaded: bool) -> None:
    path = ":".join(str(DATA / f) if f else "" for f in files)
    assert load_dictionary({"DCMDICTPATH": path}).loaded is loaded


def test_later_files_override_earlier(tmp_path: Path) -> None:
    first = tmp_path / "a.dic"
    second = tmp_path / "b.dic"
    first.write_text("(0009,1001)\tLO\tFirst\t1\n")
    second.write_text("(0009,1001)\tSH\tSecond\t1\n")
    d = load_dictionary({"DCMDICTPATH": f"{first}:{second}"})
    assert d.lookup_tag(0x00091001) == DictEntry(0x00091001, "SH", "Second", "1")
    assert d.lookup_name("First") is None


@pytest.mark.parametrize("vm", ["1", "1-n", "2-2n", "1-3", "3", "n", "2n", "1-99", "16"])
def test_vm_syntaxes(tmp_path: Path, vm: str) -> None:
    dic = tmp_path / "vm.dic"
    dic.write_text(f"(0009,1001)\tLO\tX\t{vm}\n")
    assert load_file(Dictionary(), str(dic)) is True


def test_dcmtk_dicom_dic_loads_cleanly() -> None:
    if not DCMTK_DICOM_DIC.exists():
        pytest.skip("DCMTK's dicom.dic is not installed (apt-get install libdcmtk17)")
    d = Dictionary()
    assert load_file(d, str(DCMTK_DICOM_DIC)) is True
    entry = d.lookup_name("PatientName")
    assert entry is not None and entry.tag == 0x00100010
    assert d.lookup_name("RETIRED_SourceImageIDs") is not None
