"""Clean DIMSE command sets read without pydicom: the element walk (speed, issue 6).

Owns the rules both fast readers share (:mod:`movescu.net.seams.accel.storerequest` for
C-STORE-RQ, :mod:`movescu.net.seams.accel.movecommand` for C-MOVE-RSP): implicit VR little
endian, group 0000 only, each element one the caller knows, in ascending order
and only once, US and UL values of exactly 2 and 4 bytes, UIDs of digits and
dots (one trailing NUL), AE titles of printable characters without a backslash
(one trailing space).  Anything else gives None and pynetdicom decodes the
command set itself.  Must not build primitives nor decide what a command means.
"""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

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
