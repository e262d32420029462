"""C-STORE requests turned into pynetdicom primitives without pydicom (speed, issue 6).

pynetdicom converts a received command set into its primitive by iterating a
pydicom data set (about 0.15-0.2 ms per C-STORE on the benchmark machine).
This module owns doing the same from the raw command bytes for the common,
clean case: only the elements a C-STORE-RQ carries, each with its exact
length, UIDs of digits and dots, an AE title of printable characters.  The
values are set through the primitive's own setters in tag order, as
pynetdicom does, so validation and errors are unchanged.  Anything unusual
returns None and pynetdicom converts the message itself.  Must not receive or
answer anything: accel/storestream.py and accel/storedimse.py call it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from movescu.dicom.commandset import AE, UI, UL, US, read_elements

logger = logging.getLogger(__name__)

#: command element -> (VR, primitive attribute or None for elements it has no field for)
_FIELDS: dict[int, tuple[str, str | None]] = {
    0x0000: (UL, None),
    0x0002: (UI, "AffectedSOPClassUID"),
    0x0100: (US, None),
    0x0110: (US, "MessageID"),
    0x0700: (US, "Priority"),
    0x0800: (US, None),
    0x1000: (UI, "AffectedSOPInstanceUID"),
    0x1030: (AE, "MoveOriginatorApplicationEntityTitle"),
    0x1031: (US, "MoveOriginatorMessageID"),
}
_VRS = {element: vr for element, (vr, _) in _FIELDS.items()}


@dataclass(frozen=True)
class StoreRequestFields:
    """A clean C-STORE-RQ command set, read without pydicom."""

    #: (primitive attribute, value) pairs in tag order
    values: list[tuple[str, Any]]
    #: (0000,0100) Command Field; None when absent
    command_field: int | None
    #: (0000,0800) Command Data Set Type; None when absent
    data_set_type: int | None


def store_request_fields(command: bytes) -> StoreRequestFields | None:
    """The fields of a clean C-STORE-RQ command set (see :func:`store_request_values`).

    Parameters
    ----------
    command : bytes
        The encoded command set (implicit VR little endian).

    Returns
    -------
    StoreRequestFields or None
        None when any element is not one of a C-STORE-RQ's, repeats, is out of
        order or has an unusual value.
    """
    elements = read_elements(command, _VRS)
    if elements is None:
        return None
    values = [
        (name, value)
        for element, value in elements.items()
        if (name := _FIELDS[element][1]) is not None
    ]
    return StoreRequestFields(values, elements.get(0x0100), elements.get(0x0800))


def store_request_values(command: bytes) -> list[tuple[str, Any]] | None:
    """(primitive attribute, value) pairs of a clean C-STORE-RQ command set, in tag order.

    Parameters
    ----------
    command : bytes
        The encoded command set (implicit VR little endian).

    Returns
    -------
    list or None
        None when any element is not one of a C-STORE-RQ's, repeats, is out of
        order or has an unusual value: then pynetdicom's conversion applies.
    """
    fields = store_request_fields(command)
    return None if fields is None else fields.values


def store_request_primitive(message: Any) -> Any | None:
    """The ``C_STORE`` primitive of a received C-STORE-RQ message, or None.

    Parameters
    ----------
    message : pynetdicom.dimse_messages.C_STORE_RQ
        A completely received message (command set and data set or spool file).

    Returns
    -------
    pynetdicom.dimse_primitives.C_STORE or None
        What ``message.message_to_primitive()`` returns, or None to call it.
    """
    from pynetdicom.dimse_primitives import C_STORE

    encoded = getattr(message, "encoded_command_set", None)
    if encoded is None:
        return None
    values = store_request_values(encoded.getvalue())
    if values is None:
        return None
    primitive = C_STORE()
    for name, value in values:
        setattr(primitive, name, value)
    primitive.DataSet = message.data_set
    primitive._context_id = message.context_id
    primitive._dataset_path = message._data_set_path
    primitive._dataset_file = message._data_set_file
    return primitive
