"""net.storerequest: a clean C-STORE-RQ becomes the primitive pynetdicom would build."""

from __future__ import annotations

from io import BytesIO

import pytest

from movescu.net.seams.accel.storerequest import store_request_primitive, store_request_values

FIELDS = (
    "AffectedSOPClassUID",
    "MessageID",
    "Priority",
    "AffectedSOPInstanceUID",
    "MoveOriginatorApplicationEntityTitle",
    "MoveOriginatorMessageID",
)


def _message(**fields: object) -> object:
    """A received C_STORE_RQ message as pynetdicom's decoder leaves it."""
    from pynetdicom.dimse_messages import C_STORE_RQ
    from pynetdicom.dimse_primitives import C_STORE
    from pynetdicom.dsutils import decode, encode

    request = C_STORE()
    request.MessageID = 7
    request.AffectedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    request.AffectedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    request.Priority = 0
    for name, value in fields.items():
        setattr(request, name, value)
    request.DataSet = BytesIO(b"")
    built = C_STORE_RQ()
    built.primitive_to_message(request)
    encoded = encode(built.command_set, True, True)
    received = C_STORE_RQ()
    received.encoded_command_set = BytesIO(encoded)
    received.command_set = decode(BytesIO(encoded), True, True)
    received.data_set = BytesIO(b"data")
    received.context_id = 3
    received._data_set_path = None
    received._data_set_file = None
    return received


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"MoveOriginatorApplicationEntityTitle": "ORTHANC", "MoveOriginatorMessageID": 3},
        {"MoveOriginatorApplicationEntityTitle": "A", "MoveOriginatorMessageID": 65535},
        {"AffectedSOPInstanceUID": "1.2.3.44", "Priority": 2, "MessageID": 65535},
    ],
)
def test_same_primitive_as_pynetdicom(fields: dict[str, object]) -> None:
    message = _message(**fields)
    ours = store_request_primitive(message)
    theirs = message.message_to_primitive()  # type: ignore[attr-defined]
    assert ours is not None
    for name in FIELDS:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.DataSet is theirs.DataSet
    assert ours._context_id == theirs._context_id == 3


def _element(element: int, value: bytes) -> bytes:
    return (
        (0).to_bytes(2, "little")
        + element.to_bytes(2, "little")
        + len(value).to_bytes(4, "little")
        + value
    )


CLEAN = _element(0x0002, b"1.2.840.10008.5.1.4.1.1.2\0") + _element(0x0110, b"\x07\x00")


@pytest.mark.parametrize(
    "command",
    [
        _element(0x0002, b"1.2 3\0"),  # a space in a UID
        _element(0x0002, b"1\\2\0"),  # two values
        _element(0x0002, b""),  # empty
        _element(0x0110, b"\x07"),  # US of length 1
        _element(0x0900, b"\x00\x00"),  # Status: not a request element
        _element(0x0110, b"\x07\x00") + _element(0x0002, b"1.2\0"),  # out of order
        CLEAN + _element(0x1030, b" LEADING"),
        CLEAN + _element(0x1030, b"A\\B "),
        CLEAN[:-1],  # truncated
        (1).to_bytes(2, "little") + CLEAN[2:],  # group 1
    ],
)
def test_unusual_commands_are_left_to_pynetdicom(command: bytes) -> None:
    assert store_request_values(command) is None


def test_clean_values() -> None:
    command = CLEAN + _element(0x1030, b"ORTHANC ")
    assert store_request_values(command) == [
        ("AffectedSOPClassUID", "1.2.840.10008.5.1.4.1.1.2"),
        ("MessageID", 7),
        ("MoveOriginatorApplicationEntityTitle", "ORTHANC"),
    ]
