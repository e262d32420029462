"""movescu.dicom.commandset: the element walk, the C-STORE-RQ readers and the C-STORE-RSP encoder.

The C-MOVE-RSP reader is tested with the primitive built from it in test_movecommand.py.
"""

from __future__ import annotations

import struct

import pytest

from movescu.dicom.commandset import (
    AE,
    UI,
    UL,
    US,
    decode_command,
    encode_store_response,
    read_elements,
    store_request_fields,
    store_request_values,
)

VRS = {0x0000: UL, 0x0002: UI, 0x0100: US, 0x1030: AE}


def element(number: int, value: bytes, group: int = 0) -> bytes:
    return struct.pack("<HHL", group, number, len(value)) + value


def test_values_in_tag_order_without_padding() -> None:
    command = (
        element(0x0000, struct.pack("<L", 42))
        + element(0x0002, b"1.2.3\0")
        + element(0x0100, struct.pack("<H", 1))
        + element(0x1030, b"ORTHANC ")
    )
    expected = {0x0000: 42, 0x0002: "1.2.3", 0x0100: 1, 0x1030: "ORTHANC"}
    assert read_elements(command, VRS) == expected
    assert read_elements(b"", VRS) == {}


@pytest.mark.parametrize(
    "command",
    [
        element(0x0100, struct.pack("<H", 1)) + element(0x0002, b"1.2"),  # out of order
        element(0x0002, b"1.2") + element(0x0002, b"1.2"),  # repeated
        element(0x0003, b"1.2"),  # not one the caller knows
        element(0x0002, b"1.2", group=2),  # another group
        element(0x0100, struct.pack("<L", 1)),  # US of 4 bytes
        element(0x0000, struct.pack("<H", 1)),  # UL of 2 bytes
        element(0x0002, b"1.2 "),  # a space in a UID
        element(0x0002, b""),  # an empty UID
        element(0x1030, b"A\\B "),  # a backslash in an AE title
        element(0x1030, b"A  "),  # two trailing spaces
        element(0x0002, b"1.2")[:-1],  # value cut short
        element(0x0002, b"1.2") + b"\0\0\0",  # a header cut short
    ],
)
def test_anything_unusual_is_none(command: bytes) -> None:
    assert read_elements(command, VRS) is None


# ---------------------------------------------------------------------- C-STORE-RQ

CLEAN = element(0x0002, b"1.2.840.10008.5.1.4.1.1.2\0") + element(0x0110, b"\x07\x00")


@pytest.mark.parametrize(
    "command",
    [
        element(0x0002, b"1.2 3\0"),  # a space in a UID
        element(0x0002, b"1\\2\0"),  # two values
        element(0x0002, b""),  # empty
        element(0x0110, b"\x07"),  # US of length 1
        element(0x0900, b"\x00\x00"),  # Status: not a request element
        element(0x0110, b"\x07\x00") + element(0x0002, b"1.2\0"),  # out of order
        CLEAN + element(0x1030, b" LEADING"),
        CLEAN + element(0x1030, b"A\\B "),
        CLEAN[:-1],  # truncated
        (1).to_bytes(2, "little") + CLEAN[2:],  # group 1
    ],
)
def test_unusual_store_requests_are_left_to_pynetdicom(command: bytes) -> None:
    assert store_request_values(command) is None
    assert store_request_fields(command) is None


def test_clean_store_request_values() -> None:
    command = CLEAN + element(0x1030, b"ORTHANC ")
    assert store_request_values(command) == [
        ("AffectedSOPClassUID", "1.2.840.10008.5.1.4.1.1.2"),
        ("MessageID", 7),
        ("MoveOriginatorApplicationEntityTitle", "ORTHANC"),
    ]


def test_store_request_fields_name_command_field_and_data_set_type() -> None:
    command = (
        element(0x0002, b"1.2\0")
        + element(0x0100, struct.pack("<H", 0x0001))
        + element(0x0110, struct.pack("<H", 7))
        + element(0x0800, struct.pack("<H", 0x0001))
    )
    fields = store_request_fields(command)
    assert fields is not None
    assert (fields.command_field, fields.data_set_type) == (0x0001, 0x0001)
    assert fields.values == [("AffectedSOPClassUID", "1.2"), ("MessageID", 7)]
    bare = store_request_fields(element(0x0110, struct.pack("<H", 7)))
    assert bare is not None
    assert (bare.command_field, bare.data_set_type) == (None, None)


# ---------------------------------------------------------------------- request log fields


def test_decode_command_reads_what_the_scp_logs_and_skips_the_rest() -> None:
    command = (
        element(0x0000, struct.pack("<L", 99))  # not logged
        + element(0x0002, b"1.2.3\0")
        + element(0x0100, struct.pack("<H", 0x0001))
        + element(0x0110, struct.pack("<H", 7))
        + element(0x0700, struct.pack("<L", 2))  # US of 4 bytes: left out
        + element(0x1030, b"ORTHANC ")
        + element(0x1031, struct.pack("<H", 3))
    )
    assert decode_command(command) == {
        0x00000002: "1.2.3",
        0x00000100: 0x0001,
        0x00000110: 7,
        0x00001030: "ORTHANC",
        0x00001031: 3,
    }
    assert decode_command(command[:-3]) == decode_command(command[:-10])  # a cut-off element


def test_move_command_of_prefers_the_read_move_command() -> None:
    from movescu.net.seams.hooks import move_command_of

    class Message:
        command_set = "pydicom's"

    message = Message()
    assert move_command_of(message) == "pydicom's"
    message.move_command = "ours"  # type: ignore[attr-defined]
    assert move_command_of(message) == "ours"


# ---------------------------------------------------------------------- C-STORE-RSP


def _pynetdicom_store_response(**fields: object) -> bytes:
    from pynetdicom.dimse_messages import C_STORE_RSP
    from pynetdicom.dimse_primitives import C_STORE

    rsp = C_STORE()
    for name, value in fields.items():
        setattr(rsp, name, value)
    message = C_STORE_RSP()
    message.primitive_to_message(rsp)
    items = [item for p in message.encode_msg(1, 16384) for item in p.presentation_data_value_list]
    assert len(items) == 1 and items[0][1][:1] == b"\x03"
    return bytes(items[0][1][1:])


@pytest.mark.parametrize(
    ("message_id", "sop_class", "sop_instance", "status"),
    [
        (7, "1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.8.498.1", 0x0000),
        (7, "1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.8.498.1", 0xA700),
        (65535, "1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.8.498.1", 0xA900),
        (1, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.44", 0x0000),  # even length: no padding
        (1, "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4", 0xB000),  # odd lengths: padded
    ],
)
def test_store_response_same_bytes_as_pynetdicom(
    message_id: int, sop_class: str, sop_instance: str, status: int
) -> None:
    ours = encode_store_response(message_id, sop_class, sop_instance, status)
    assert ours == _pynetdicom_store_response(
        MessageIDBeingRespondedTo=message_id,
        AffectedSOPClassUID=sop_class,
        AffectedSOPInstanceUID=sop_instance,
        Status=status,
    )


def test_store_response_refuses_what_it_cannot_encode() -> None:
    with pytest.raises(UnicodeEncodeError):
        encode_store_response(1, "1.2.\u00e9", "1.2", 0)
    with pytest.raises(struct.error):
        encode_store_response(65536, "1.2", "1.2", 0)
