"""C-STORE requests turned into pynetdicom primitives without pydicom (speed, issue 6).

pynetdicom converts a received command set into its primitive by iterating a
pydicom data set (about 0.15-0.2 ms per C-STORE on the benchmark machine).
This module owns doing the same from the raw command bytes for the common,
clean case: only the elements a C-STORE-RQ carries, each with its exact
length, UIDs of digits and dots, an AE title of printable characters.  The
values are set through the primitive's own setters in tag order, as
pynetdicom does, so validation and errors are unchanged.  Anything unusual
returns None and pynetdicom converts the message itself.  Must not receive or
answer anything: ``net.fastpath`` calls it.
"""

from __future__ import annotations

import logging
import re
import struct
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

_UL, _US, _UI, _AE = "UL", "US", "UI", "AE"
#: command element -> (VR, primitive attribute or None for elements it has no field for)
_FIELDS: dict[int, tuple[str, str | None]] = {
    0x0000: (_UL, None),
    0x0002: (_UI, "AffectedSOPClassUID"),
    0x0100: (_US, None),
    0x0110: (_US, "MessageID"),
    0x0700: (_US, "Priority"),
    0x0800: (_US, None),
    0x1000: (_UI, "AffectedSOPInstanceUID"),
    0x1030: (_AE, "MoveOriginatorApplicationEntityTitle"),
    0x1031: (_US, "MoveOriginatorMessageID"),
}
_CLEAN_UID = re.compile(rb"[0-9.]+\0?")
_CLEAN_AE = re.compile(rb"[!-\[\]-~]+ ?")


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
    values: list[tuple[str, Any]] = []
    numbers: dict[int, int] = {}
    pos, end, previous = 0, len(command), -1
    while pos < end:
        if pos + 8 > end:
            return None
        group, element, length = struct.unpack_from("<HHL", command, pos)
        pos += 8
        field = _FIELDS.get(element)
        if group != 0 or field is None or element <= previous or pos + length > end:
            return None
        previous = element
        raw = command[pos : pos + length]
        pos += length
        vr, name = field
        if vr == _US:
            if length != 2:
                return None
            value: Any = struct.unpack("<H", raw)[0]
            numbers[element] = value
        elif vr == _UL:
            if length != 4:
                return None
            continue
        elif vr == _UI:
            if not _CLEAN_UID.fullmatch(raw):
                return None
            value = raw.rstrip(b"\0").decode("ascii")
        else:
            if not _CLEAN_AE.fullmatch(raw):
                return None
            value = raw.rstrip(b" ").decode("ascii")
        if name is not None:
            values.append((name, value))
    return StoreRequestFields(values, numbers.get(0x0100), numbers.get(0x0800))


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
