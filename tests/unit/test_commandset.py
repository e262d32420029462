"""movescu.dicom.commandset: the clean command-set walk both fast readers share."""

from __future__ import annotations

import struct

import pytest

from movescu.dicom.commandset import AE, UI, UL, US, read_elements

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
