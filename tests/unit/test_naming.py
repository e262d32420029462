"""File names of received objects: DCMTK's prefixes plus our sanitising."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from movescu.dicom.sop_classes import MODALITY_PREFIXES, STORAGE_SOP_CLASSES, prefix_for
from movescu.output.naming import NAME_MAX, object_file_name, sanitize_file_name


def test_known_prefixes_newest_table() -> None:
    assert object_file_name("1.2.840.10008.5.1.4.1.1.2", "1.2.3") == "CT.1.2.3"
    assert prefix_for("1.2.840.10008.5.1.4.1.1.7.3") == "SCw"
    # draft classes renamed after 3.6.0 (RBd -> RB_d, SRz -> SR_t)
    assert prefix_for("1.2.840.10008.5.1.4.34.1") == "RB_d"
    assert prefix_for("1.2.840.10008.5.1.4.1.1.88.1") == "SR_t"
    assert prefix_for("1.2.840.10008.5.1.4.1.1.6.3") == "PA"  # Photoacoustic (3.7.0)


def test_unknown_class_gets_ot() -> None:
    assert object_file_name("1.2.3.4.5", "9.8") == "OT.9.8"


def test_table_sizes() -> None:
    assert len(STORAGE_SOP_CLASSES) == 202
    assert len({uid for uid, _ in STORAGE_SOP_CLASSES}) == 202
    assert len(MODALITY_PREFIXES) >= 200
    # the implant template classes have prefixes but are no longer accepted
    assert "1.2.840.10008.5.1.4.43.1" not in {uid for uid, _ in STORAGE_SOP_CLASSES}
    assert prefix_for("1.2.840.10008.5.1.4.43.1") == "IT"


def test_separators_and_control_characters_are_replaced() -> None:
    assert object_file_name("1.2.840.10008.5.1.4.1.1.2", "1/../../etc") == "CT.1_.._.._etc"
    assert sanitize_file_name("CT.a\\b\0c\nd") == "CT.a_b_c_d"


def test_empty_uid_still_names_a_file() -> None:
    assert object_file_name("1.2.840.10008.5.1.4.1.1.2", "") == "CT."


def test_long_names_are_cut_with_a_distinguishing_hash() -> None:
    first = sanitize_file_name("CT." + "1" * 300)
    second = sanitize_file_name("CT." + "1" * 299 + "2")
    assert len(first.encode()) <= NAME_MAX and len(second.encode()) <= NAME_MAX
    assert first != second and first.startswith("CT.111")


@given(st.text(max_size=400))
def test_any_uid_gives_one_safe_component(uid: str) -> None:
    name = object_file_name("1.2.840.10008.5.1.4.1.1.2", uid)
    assert "/" not in name and "\0" not in name and "\\" not in name
    assert name not in ("", ".", "..")
    assert len(name.encode("utf-8", errors="replace")) <= NAME_MAX
