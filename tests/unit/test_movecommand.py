"""dicom.commandset's C-MOVE-RSP reader and net.seams.accel.movecommand's primitive.

A clean C-MOVE-RSP reads as pydicom/pynetdicom read it and becomes the same
primitive; the rest falls back.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movescu.dicom.commandset import MoveCommand, read_move_command
from movescu.net.seams.accel.movecommand import PRIMITIVE_FIELDS, move_primitive

MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
COUNTERS = (
    "NumberOfRemainingSuboperations",
    "NumberOfCompletedSuboperations",
    "NumberOfFailedSuboperations",
    "NumberOfWarningSuboperations",
)
#: what our handlers ask a command set, and a few elements a clean one never has
KEYWORDS = (
    "CommandGroupLength",
    "AffectedSOPClassUID",
    "CommandField",
    "MessageIDBeingRespondedTo",
    "CommandDataSetType",
    "Status",
    *COUNTERS,
    "ErrorComment",
    "OffendingElement",
    "ErrorID",
    "MessageID",
)
TAGS = (0x00000000, 0x00000002, 0x00000900, 0x00000901, 0x00000902, 0x00000903, 0x00001020)
#: every parameter of the C_MOVE primitive
PRIMITIVE_ATTRIBUTES = (
    *PRIMITIVE_FIELDS,
    "MessageID",
    "Priority",
    "MoveDestination",
    "OffendingElement",
    "ErrorComment",
    "_context_id",
    "_dataset_path",
    "_dataset_file",
)


@pytest.fixture(autouse=True)
def _as_movescu_runs() -> Iterator[None]:
    """pydicom ignores invalid values on read and write, as in a run (logconfig)."""
    import pydicom.config

    settings = pydicom.config.settings
    saved = settings.reading_validation_mode, settings.writing_validation_mode
    settings.reading_validation_mode = settings.writing_validation_mode = pydicom.config.IGNORE
    try:
        yield
    finally:
        settings.reading_validation_mode, settings.writing_validation_mode = saved


def encoded_response(**fields: Any) -> bytes:
    """A C-MOVE-RSP command set as pynetdicom encodes it (implicit VR little endian)."""
    from pynetdicom.dimse_messages import C_MOVE_RSP
    from pynetdicom.dimse_primitives import C_MOVE
    from pynetdicom.dsutils import encode

    primitive = C_MOVE()
    primitive.MessageIDBeingRespondedTo = 1
    primitive.Status = 0xFF00
    for name, value in fields.items():
        setattr(primitive, name, value)
    message = C_MOVE_RSP()
    message.primitive_to_message(primitive)
    encoded = encode(message.command_set, True, True)
    assert encoded is not None
    return bytes(encoded)


def pynetdicom_reading(encoded: bytes) -> tuple[Any, Any]:
    """(command set, C_MOVE primitive) as pynetdicom decodes a received message."""
    from pynetdicom.dimse_messages import DIMSEMessage
    from pynetdicom.pdu_primitives import P_DATA

    data = P_DATA()
    data.presentation_data_value_list.append([3, b"\x03" + encoded])
    message = DIMSEMessage()
    assert message.decode_msg(data)
    return message.command_set, message.message_to_primitive()


def assert_same_as_pynetdicom(encoded: bytes, ours: MoveCommand) -> None:
    dataset, theirs = pynetdicom_reading(encoded)
    for keyword in KEYWORDS:
        assert (keyword in ours) == (keyword in dataset), keyword
        assert ours.get(keyword, "absent") == dataset.get(keyword, "absent"), keyword
    for tag in TAGS:
        assert (tag in ours) == (tag in dataset), hex(tag)
    primitive = move_primitive(ours, 3, BytesIO())
    for name in PRIMITIVE_ATTRIBUTES:
        mine, pynetdicoms = getattr(primitive, name), getattr(theirs, name)
        assert mine == pynetdicoms, name
        assert type(mine) is type(pynetdicoms), name
    assert primitive.is_valid_response == theirs.is_valid_response
    assert primitive.Identifier.getvalue() == theirs.Identifier.getvalue() == b""


def element(number: int, value: bytes, group: int = 0) -> bytes:
    return struct.pack("<HHL", group, number, len(value)) + value


def with_group_length(body: bytes) -> bytes:
    return element(0x0000, struct.pack("<L", len(body))) + body


def us(value: int) -> bytes:
    return struct.pack("<H", value)


#: a clean Pending response, element by element (group length added by with_group_length)
CLEAN = [
    element(0x0002, MOVE.encode() + b"\0"),
    element(0x0100, us(0x8021)),
    element(0x0120, us(1)),
    element(0x0800, us(0x0101)),
    element(0x0900, us(0xFF00)),
    element(0x1020, us(9)),
    element(0x1021, us(1)),
    element(0x1022, us(0)),
    element(0x1023, us(0)),
]


def clean(*replace: tuple[int, bytes | None], extra: bytes = b"") -> bytes:
    """CLEAN with element i replaced (None: dropped), ``extra`` appended."""
    parts: list[bytes | None] = list(CLEAN)
    for index, value in replace:
        parts[index] = value
    return with_group_length(b"".join(part for part in parts if part is not None) + extra)


# ---------------------------------------------------------------------- clean cases


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"AffectedSOPClassUID": MOVE},
        {"AffectedSOPClassUID": MOVE, "NumberOfRemainingSuboperations": 999},
        {
            "AffectedSOPClassUID": "1.2.840.10008.5.1.4.1.2.1.2",
            "Status": 0,
            "NumberOfCompletedSuboperations": 1000,
            "NumberOfFailedSuboperations": 0,
            "NumberOfWarningSuboperations": 0,
        },
        {"Status": 0xB000, "MessageIDBeingRespondedTo": 65535, **dict.fromkeys(COUNTERS, 65535)},
        {"AffectedSOPClassUID": "1" * 64, "Status": 0xA701},  # 64 characters, the limit
        {"AffectedSOPClassUID": "1.2", "Status": 0xFE00},  # odd length: padded with NUL
    ],
)
def test_pynetdicom_encoded_responses_read_the_same(fields: dict[str, Any]) -> None:
    encoded = encoded_response(**fields)
    ours = read_move_command(encoded)
    assert ours is not None
    assert ours.encoded == encoded
    assert_same_as_pynetdicom(encoded, ours)


def test_hand_built_clean_response() -> None:
    encoded = clean()
    ours = read_move_command(encoded)
    assert ours is not None
    assert ours.values == {
        "CommandGroupLength": len(encoded) - 12,
        "AffectedSOPClassUID": MOVE,
        "CommandField": 0x8021,
        "MessageIDBeingRespondedTo": 1,
        "CommandDataSetType": 0x0101,
        "Status": 0xFF00,
        "NumberOfRemainingSuboperations": 9,
        "NumberOfCompletedSuboperations": 1,
        "NumberOfFailedSuboperations": 0,
        "NumberOfWarningSuboperations": 0,
    }
    assert_same_as_pynetdicom(encoded, ours)


def test_uid_without_padding_and_optional_elements_left_out() -> None:
    encoded = clean((0, element(0x0002, b"1.2.3")), (5, None), (8, None))
    ours = read_move_command(encoded)
    assert ours is not None
    assert ours.get("AffectedSOPClassUID") == "1.2.3"
    assert "NumberOfRemainingSuboperations" not in ours
    assert_same_as_pynetdicom(encoded, ours)


def test_anything_else_is_answered_by_pydicoms_data_set() -> None:
    encoded = clean()
    ours = read_move_command(encoded)
    assert ours is not None
    dataset, _ = pynetdicom_reading(encoded)
    assert ours[0x00000900].value == dataset[0x00000900].value == 0xFF00
    assert ours.get(0x00000120).value == 1
    assert [elem.tag for elem in ours] == [elem.tag for elem in dataset]
    assert len(ours) == len(dataset) == 10
    assert ours.dataset() is ours.dataset()


# ---------------------------------------------------------------------- unusual cases


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(clean(extra=element(0x0902, b"OOPS")), id="error comment"),
        pytest.param(clean(extra=element(0x0901, struct.pack("<L", 0x00100010))), id="offending"),
        pytest.param(clean(extra=element(0x0903, us(1))), id="error id"),
        pytest.param(clean((3, element(0x0800, us(0x0000)))), id="with a data set"),
        pytest.param(clean((3, element(0x0800, us(0xFEFE)))), id="data set type FEFE"),
        pytest.param(clean((3, None)), id="no data set type"),
        pytest.param(clean((1, element(0x0100, us(0x8020)))), id="C-FIND-RSP"),
        pytest.param(clean((1, None)), id="no command field"),
        pytest.param(clean((2, None)), id="no message id being responded to"),
        pytest.param(clean((4, None)), id="no status"),
        pytest.param(clean((4, element(0x0900, b"\x00\xff\x00\x00"))), id="status of 4 bytes"),
        pytest.param(clean((4, element(0x0900, b""))), id="empty status"),
        pytest.param(clean((5, element(0x1020, b"\x01"))), id="counter of 1 byte"),
        pytest.param(clean((0, element(0x0002, b""))), id="empty UID"),
        pytest.param(clean((0, element(0x0002, b"1.2 3\0"))), id="space in UID"),
        pytest.param(clean((0, element(0x0002, b"1.2 "))), id="space-padded UID"),
        pytest.param(clean((0, element(0x0002, b"1\\2\0"))), id="two UIDs"),
        pytest.param(clean((0, element(0x0002, b"1" * 65 + b"\0"))), id="UID of 65"),
        pytest.param(clean((0, element(0x0002, b"1.2\0\0"))), id="two NULs"),
        pytest.param(clean((5, CLEAN[6]), (6, CLEAN[5])), id="out of order"),
        pytest.param(clean(extra=CLEAN[8]), id="repeated element"),
        pytest.param(clean(extra=element(0x0700, us(0))), id="priority"),
        pytest.param(clean(extra=element(0x0010, us(0), group=8)), id="another group"),
        pytest.param(with_group_length(b"".join(CLEAN))[:-1], id="truncated value"),
        pytest.param(with_group_length(b"".join(CLEAN)) + b"\0\0\0", id="trailing bytes"),
        pytest.param(b"".join(CLEAN), id="no group length"),
        pytest.param(element(0x0000, struct.pack("<L", 1)) + b"".join(CLEAN), id="bad length"),
        pytest.param(element(0x0000, us(4)) + b"".join(CLEAN), id="group length as US"),
        pytest.param(b"", id="empty"),
    ],
)
def test_unusual_command_sets_are_left_to_pynetdicom(encoded: bytes) -> None:
    assert read_move_command(encoded) is None


def test_pynetdicom_responses_with_status_detail_are_left_to_it() -> None:
    assert read_move_command(encoded_response(Status=0xA801, ErrorComment="unknown")) is None
    assert (
        read_move_command(encoded_response(Status=0xA900, OffendingElement=[0x00100010])) is None
    )


# ---------------------------------------------------------------------- generated


_us = st.integers(0, 0xFFFF)
_uid = st.from_regex(r"[0-9](\.?[0-9]){0,30}", fullmatch=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    message_id=_us,
    status=_us,
    uid=st.one_of(st.none(), _uid),
    counters=st.lists(st.one_of(st.none(), _us), min_size=4, max_size=4),
)
def test_generated_responses_read_as_pynetdicom_reads_them(
    message_id: int, status: int, uid: str | None, counters: list[int | None]
) -> None:
    fields: dict[str, Any] = {"MessageIDBeingRespondedTo": message_id, "Status": status}
    if uid is not None:
        fields["AffectedSOPClassUID"] = uid
    for keyword, value in zip(COUNTERS, counters, strict=True):
        if value is not None:
            fields[keyword] = value
    encoded = encoded_response(**fields)
    ours = read_move_command(encoded)
    assert ours is not None
    assert_same_as_pynetdicom(encoded, ours)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(0, len(clean()) - 1),
    value=st.integers(0, 255),
    cut=st.integers(0, 8),
)
def test_damaged_responses_are_refused_or_read_exactly(
    position: int, value: int, cut: int
) -> None:
    """Whatever a damaged command set is, we read it as pydicom does or not at all."""
    damaged = bytearray(clean())
    damaged[position] = value
    encoded = bytes(damaged[: len(damaged) - cut])
    ours = read_move_command(encoded)
    if ours is None:
        return
    assert_same_as_pynetdicom(encoded, ours)
