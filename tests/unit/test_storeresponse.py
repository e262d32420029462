"""net.storeresponse: a plain C-STORE-RSP encoded exactly as pynetdicom encodes it."""

from __future__ import annotations

import pytest

from movescu.net.seams.accel.storeresponse import plain_store_response


def _response(**fields: object) -> object:
    from pynetdicom.dimse_primitives import C_STORE

    rsp = C_STORE()
    rsp.MessageIDBeingRespondedTo = 7
    rsp.AffectedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    rsp.AffectedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    rsp.Status = 0
    for name, value in fields.items():
        setattr(rsp, name, value)
    return rsp


def _pynetdicom_bytes(rsp: object, max_pdu: int = 16384) -> list[tuple[int, bytes]]:
    from pynetdicom.dimse_messages import C_STORE_RSP

    message = C_STORE_RSP()
    message.primitive_to_message(rsp)  # type: ignore[arg-type]
    return [
        item for p in message.encode_msg(1, max_pdu) for item in p.presentation_data_value_list
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"Status": 0xA700},
        {"Status": 0xA900, "MessageIDBeingRespondedTo": 65535},
        {"AffectedSOPInstanceUID": "1.2.3.44"},  # even length: no padding
        {"AffectedSOPClassUID": "1.2.840.10008.5.1.4.1.1.7"},  # odd length
        {"Status": 0xB000},
    ],
)
def test_same_bytes_as_pynetdicom(fields: dict[str, object]) -> None:
    rsp = _response(**fields)
    command = plain_store_response(rsp, 16384)
    assert command is not None
    assert [(1, b"\x03" + command)] == _pynetdicom_bytes(rsp)


@pytest.mark.parametrize(
    "fields",
    [{"ErrorComment": "disk full"}, {"OffendingElement": [0x00080018]}],
)
def test_optional_elements_are_left_to_pynetdicom(fields: dict[str, object]) -> None:
    assert plain_store_response(_response(**fields), 16384) is None


def test_other_primitives_and_tiny_pdus_are_left_to_pynetdicom() -> None:
    from pynetdicom.dimse_primitives import C_ECHO

    echo = C_ECHO()
    echo.MessageIDBeingRespondedTo = 1
    echo.Status = 0
    assert plain_store_response(echo, 16384) is None
    assert plain_store_response(_response(), 100) is None  # would be fragmented
    assert plain_store_response(_response(), 0) is not None  # 0: no limit
