"""DIMSE command sets read and written without pydicom: the one command-set codec.

pynetdicom decodes every command set into a pydicom data set and encodes every
response from one; on the hot paths (a C-STORE-RQ per object, a C-MOVE-RSP per
sub-operation, a C-STORE-RSP per object) that costs more than the rest of the
work (speed, issue 6).  This module owns the byte-level side of group 0000,
implicit VR little endian:

* the element walk the fast readers share (:func:`read_elements`): group 0000
  only, each element one the caller knows, in ascending order and only once,
  US and UL values of exactly 2 and 4 bytes, UIDs of digits and dots (one
  trailing NUL), AE titles of printable characters without a backslash (one
  trailing space); anything else gives None and pynetdicom decodes the
  command set itself;
* the clean C-STORE-RQ (:func:`store_request_fields`) and the clean C-MOVE-RSP
  without a data set (:func:`read_move_command`, :class:`MoveCommand`);
* the lenient read of the request fields the Storage SCP logs
  (:func:`request_log_fields`);
* the encoding of a plain C-STORE-RSP (:func:`encode_store_response`), the
  bytes pynetdicom would send.

Must not build pynetdicom primitives (``net/seams/accel/`` does) nor decide
what a command means; pynetdicom is imported only when a :class:`MoveCommand`
is asked for an element it did not read.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from movescu.dicom.dimse import (
    AFFECTED_SOP_CLASS,
    AFFECTED_SOP_INSTANCE,
    C_MOVE_RSP,
    C_STORE_RSP,
    COMMAND_FIELD,
    COMMAND_GROUP_LENGTH,
    DATA_SET_TYPE,
    MESSAGE_ID,
    MESSAGE_ID_BEING_RESPONDED_TO,
    MOVE_ORIGINATOR_AE,
    MOVE_ORIGINATOR_ID,
    NO_DATA_SET,
    NUMBER_OF_COMPLETED,
    NUMBER_OF_FAILED,
    NUMBER_OF_REMAINING,
    NUMBER_OF_WARNING,
    PRIORITY,
    STATUS,
)
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

US, UL, UI, AE = "US", "UL", "UI", "AE"
_CLEAN = {UI: re.compile(rb"[0-9.]+\0?"), AE: re.compile(rb"[!-\[\]-~]+ ?")}
_PADDING = {UI: b"\0", AE: b" "}
_NUMBERS = {US: (2, "<H"), UL: (4, "<L")}


def read_elements(command: bytes, vrs: Mapping[int, str]) -> dict[int, Any] | None:
    """Element number -> value of a clean command set (see the module docstring).

    Parameters
    ----------
    command : bytes
        The encoded command set.
    vrs : mapping
        Element number (group 0000) -> VR (``US``, ``UL``, ``UI`` or ``AE``) of
        every element the command may carry.

    Returns
    -------
    dict or None
        Values in tag order: ints for US/UL, ASCII strings without their
        padding for UI/AE; None when anything is unusual.
    """
    values: dict[int, Any] = {}
    pos, end, previous = 0, len(command), -1
    unpack = struct.unpack_from
    while pos < end:
        if pos + 8 > end:
            return None
        group, element, length = unpack("<HHL", command, pos)
        pos += 8
        vr = vrs.get(element)
        if group != 0 or vr is None or element <= previous or pos + length > end:
            return None
        previous = element
        number = _NUMBERS.get(vr)
        if number is not None:
            size, layout = number
            if length != size:
                return None
            values[element] = unpack(layout, command, pos)[0]
        else:
            raw = command[pos : pos + length]
            if not _CLEAN[vr].fullmatch(raw):
                return None
            values[element] = raw.rstrip(_PADDING[vr]).decode("ascii")
        pos += length
    return values


# --------------------------------------------------------------------------- C-STORE-RQ

#: command element -> (VR, primitive attribute or None for elements it has no field for)
_STORE_FIELDS: dict[int, tuple[str, str | None]] = {
    COMMAND_GROUP_LENGTH: (UL, None),
    AFFECTED_SOP_CLASS: (UI, "AffectedSOPClassUID"),
    COMMAND_FIELD: (US, None),
    MESSAGE_ID: (US, "MessageID"),
    PRIORITY: (US, "Priority"),
    DATA_SET_TYPE: (US, None),
    AFFECTED_SOP_INSTANCE: (UI, "AffectedSOPInstanceUID"),
    MOVE_ORIGINATOR_AE: (AE, "MoveOriginatorApplicationEntityTitle"),
    MOVE_ORIGINATOR_ID: (US, "MoveOriginatorMessageID"),
}
_STORE_VRS = {element: vr for element, (vr, _) in _STORE_FIELDS.items()}


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
    """The fields of a clean C-STORE-RQ command set.

    Parameters
    ----------
    command : bytes
        The encoded command set (implicit VR little endian).

    Returns
    -------
    StoreRequestFields or None
        None when any element is not one of a C-STORE-RQ's, repeats, is out of
        order or has an unusual value: then pynetdicom's conversion applies.
        The values are named as the ``C_STORE`` primitive's attributes, so a
        caller sets them through the primitive's own setters, in tag order,
        as pynetdicom does (same validation, same errors).
    """
    elements = read_elements(command, _STORE_VRS)
    if elements is None:
        return None
    values = [
        (name, value)
        for element, value in elements.items()
        if (name := _STORE_FIELDS[element][1]) is not None
    ]
    return StoreRequestFields(values, elements.get(COMMAND_FIELD), elements.get(DATA_SET_TYPE))


def store_request_values(command: bytes) -> list[tuple[str, Any]] | None:
    """(primitive attribute, value) pairs of a clean C-STORE-RQ command set, in tag order.

    The values of :func:`store_request_fields`; None when it gives None.
    """
    fields = store_request_fields(command)
    return None if fields is None else fields.values


# --------------------------------------------------------------------------- C-MOVE-RSP

#: element of group 0000 -> (keyword, VR)
_MOVE_ELEMENTS: dict[int, tuple[str, str]] = {
    COMMAND_GROUP_LENGTH: ("CommandGroupLength", UL),
    AFFECTED_SOP_CLASS: ("AffectedSOPClassUID", UI),
    COMMAND_FIELD: ("CommandField", US),
    MESSAGE_ID_BEING_RESPONDED_TO: ("MessageIDBeingRespondedTo", US),
    DATA_SET_TYPE: ("CommandDataSetType", US),
    STATUS: ("Status", US),
    NUMBER_OF_REMAINING: ("NumberOfRemainingSuboperations", US),
    NUMBER_OF_COMPLETED: ("NumberOfCompletedSuboperations", US),
    NUMBER_OF_FAILED: ("NumberOfFailedSuboperations", US),
    NUMBER_OF_WARNING: ("NumberOfWarningSuboperations", US),
}
_MOVE_VRS = {element: vr for element, (_, vr) in _MOVE_ELEMENTS.items()}
#: longest UID (PS3.5 9.1)
_MAX_UID = 64
_MOVE_REQUIRED = ("CommandGroupLength", "CommandField", "MessageIDBeingRespondedTo", "Status")


class MoveCommand:
    """A clean C-MOVE-RSP command set: the read-only subset of pydicom's ``Dataset`` we use.

    ``get(keyword)`` and ``keyword in command`` give what they give on the data
    set pynetdicom decodes (ints; the SOP Class UID as ``str``).  Anything else
    (``command[tag]``, ``get(tag)``) is answered by that data set, decoded on
    first use.

    Parameters
    ----------
    values : dict
        Keyword -> value of every element, in tag order.
    encoded : bytes
        The command set as received.
    """

    __slots__ = ("values", "encoded", "_dataset")

    def __init__(self, values: dict[str, Any], encoded: bytes) -> None:
        self.values = values
        self.encoded = encoded
        self._dataset: Any = None

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of element ``key`` (a keyword), ``default`` when absent."""
        if isinstance(key, str):
            return self.values.get(key, default)
        return self.dataset().get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return key in self.values
        if isinstance(key, int) and key >> 16 == 0:
            known = _MOVE_ELEMENTS.get(key)
            return known is not None and known[0] in self.values
        return key in self.dataset()

    def __getitem__(self, key: Any) -> Any:
        return self.dataset()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.dataset())

    def __len__(self) -> int:
        return len(self.values)

    def dataset(self) -> Any:
        """The pydicom data set pynetdicom decodes from the same bytes (cached)."""
        if self._dataset is None:
            from pynetdicom.dsutils import decode

            self._dataset = decode(BytesIO(self.encoded), True, True)
        return self._dataset


def read_move_command(command: bytes) -> MoveCommand | None:
    """A clean C-MOVE-RSP command set without a data set, or None.

    Clean means: only the elements a C-MOVE-RSP without status detail carries,
    each once with its exact length (:func:`read_elements`), the group length
    right, a UID of 1 to 64 digits and dots, Command Field C-MOVE-RSP, no data
    set.

    Parameters
    ----------
    command : bytes
        The encoded command set (implicit VR little endian).

    Returns
    -------
    MoveCommand or None
        None for anything unusual: pynetdicom's decoding applies then.
    """
    elements = read_elements(command, _MOVE_VRS)
    if elements is None:
        return None
    values = {_MOVE_ELEMENTS[element][0]: value for element, value in elements.items()}
    if len(values.get("AffectedSOPClassUID", "")) > _MAX_UID:
        return None
    if any(keyword not in values for keyword in _MOVE_REQUIRED):
        return None
    if (
        values["CommandGroupLength"] != len(command) - 12
        or values["CommandField"] != C_MOVE_RSP
        or values.get("CommandDataSetType") != NO_DATA_SET
    ):
        return None
    return MoveCommand(values, bytes(command))


# --------------------------------------------------------------------------- request log fields

#: US elements of a request command set the Storage SCP logs
_LOGGED_NUMBERS = (COMMAND_FIELD, MESSAGE_ID, PRIORITY, DATA_SET_TYPE, MOVE_ORIGINATOR_ID)
#: string elements (UIDs, the Move Originator AE Title)
_LOGGED_STRINGS = (AFFECTED_SOP_CLASS, AFFECTED_SOP_INSTANCE, MOVE_ORIGINATOR_AE)


def decode_command(command: bytes) -> dict[int, Any]:
    """The fields the Storage SCP logs of any implicit VR LE command set (tag -> int or str).

    Lenient, unlike the readers above: what it cannot read is left out.
    """
    fields: dict[int, Any] = {}
    pos = 0
    while pos + 8 <= len(command):
        group, elem, length = struct.unpack_from("<HHL", command, pos)
        value = command[pos + 8 : pos + 8 + length]
        tag = (group << 16) | elem
        if tag in _LOGGED_NUMBERS and length == 2:
            fields[tag] = struct.unpack("<H", value)[0]
        elif tag in _LOGGED_STRINGS:
            fields[tag] = value.rstrip(b"\0 ").decode("ascii", "replace")
        pos += 8 + length
    return fields


# --------------------------------------------------------------------------- C-STORE-RSP


def _element(tag: int, value: bytes) -> bytes:
    return struct.pack("<HHL", 0, tag, len(value)) + value


def _uid(value: str) -> bytes:
    data = value.encode("ascii")
    return data + b"\0" if len(data) % 2 else data


def encode_store_response(
    message_id: int, sop_class: str, sop_instance: str, status: int
) -> bytes:
    """The command set of a C-STORE-RSP without optional elements, as pynetdicom encodes it.

    Implicit VR little endian, elements in tag order, UIDs padded with NUL, the
    group length first.  An Error Comment, an Offending Element or empty UIDs
    are left to pynetdicom.

    Parameters
    ----------
    message_id : int
        Message ID Being Responded To.
    sop_class, sop_instance : str
        Affected SOP Class/Instance UID (ASCII).
    status : int
        The DIMSE status.

    Returns
    -------
    bytes
        (0000,0000) to (0000,1000).

    Raises
    ------
    UnicodeEncodeError, struct.error
        For a UID that is not ASCII or a number out of range.
    """
    body = b"".join(
        [
            _element(AFFECTED_SOP_CLASS, _uid(sop_class)),
            _element(COMMAND_FIELD, struct.pack("<H", C_STORE_RSP)),
            _element(MESSAGE_ID_BEING_RESPONDED_TO, struct.pack("<H", message_id)),
            _element(DATA_SET_TYPE, struct.pack("<H", NO_DATA_SET)),
            _element(STATUS, struct.pack("<H", status)),
            _element(AFFECTED_SOP_INSTANCE, _uid(sop_instance)),
        ]
    )
    return _element(COMMAND_GROUP_LENGTH, struct.pack("<L", len(body))) + body
