"""net.storerequest: a clean C-STORE-RQ becomes the primitive pynetdicom would build."""

from __future__ import annotations

from io import BytesIO

import pytest

from movescu.net.seams.accel.storerequest import store_request_primitive

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
