"""Numbers read like glibc's sscanf and checked like DCMTK (movescu.cli.values)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from movescu.cli.values import read_option_value, read_port_parameter, scan_integer
from movescu.errors import UsageError

_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform.startswith("linux") else None

_NUMBERISH = st.text(alphabet=" \t+-0123456789xXabcfgz8", max_size=12) | st.sampled_from(
    ["0x", "0x10", "-0x10", "010", "08", "99999999999999999999", "-18446744073709551615"]
)


def _sscanf(text: str, signed: bool) -> int | None:
    assert _LIBC is not None
    value = ctypes.c_long() if signed else ctypes.c_ulong()
    fmt = b"%li" if signed else b"%lu"
    count = _LIBC.sscanf(text.encode(), fmt, ctypes.byref(value))
    return value.value if count == 1 else None


@pytest.mark.skipif(_LIBC is None, reason="compares with glibc's sscanf (Linux only)")
@given(_NUMBERISH, st.booleans())
def test_scan_integer_matches_glibc_sscanf(text: str, signed: bool) -> None:
    assert scan_integer(text, signed=signed) == _sscanf(text, signed)


@pytest.mark.parametrize(
    ("text", "signed", "expected"),
    [
        ("104x", False, 104),
        (" 12", False, 12),
        ("+12", False, 12),
        ("0x10", False, 0),
        ("0x10", True, 16),
        ("010", True, 8),
        ("-5", False, 2**64 - 5),
        ("abc", False, None),
        ("", True, None),
        ("-", True, None),
    ],
)
def test_scan_integer_examples(text: str, signed: bool, expected: int | None) -> None:
    assert scan_integer(text, signed=signed) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "Invalid value for option --max-pdu (-5)"),
        (" -5", "Invalid value for option --max-pdu ( -5)"),
        ("\t-5", "Invalid value for option --max-pdu (overflow: \t-5)"),
        ("-0", "Invalid value for option --max-pdu (-0)"),
        ("", "Invalid value for option --max-pdu"),
        (" ", "Invalid value for option --max-pdu ( )"),
        ("+5", "Invalid value for option --max-pdu (underflow: +5)"),
        ("0x1000", "Invalid value for option --max-pdu (underflow: 0x1000)"),
        ("4294967296", "Invalid value for option --max-pdu (overflow: 4294967296)"),
    ],
)
def test_unsigned_option_messages_as_dcmtk_3_6_7(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        read_option_value("--max-pdu", text, signed=False, low=4096, high=131072)
    assert caught.value.message == message


def test_unsigned_option_accepts_trailing_junk() -> None:
    assert read_option_value("--max-pdu", "4096-", signed=False, low=4096, high=131072) == 4096


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0x10", 16), ("010", 8), (" 5", 5), ("99999999999999999999", 2**63 - 1)],
)
def test_signed_option_reads_like_percent_li(text: str, expected: int) -> None:
    assert read_option_value("--timeout", text, signed=True, low=1) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "Invalid value for option --timeout (underflow: 0)"),
        ("-0x10", "Invalid value for option --timeout (underflow: -0x10)"),
        ("-", "Invalid value for option --timeout (-)"),
        ("", "Invalid value for option --timeout"),
    ],
)
def test_signed_option_messages(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        read_option_value("--timeout", text, signed=True, low=1)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "Invalid parameter value 0 (underflow)"),
        ("0x10", "Invalid parameter value 0x10 (underflow)"),
        ("65536", "Invalid parameter value 65536 (overflow)"),
        ("-5", "Invalid parameter value -5 (overflow)"),
        ("abc", "Invalid parameter value abc"),
        ("", "Invalid parameter value "),
    ],
)
def test_port_parameter_messages(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        read_port_parameter(text)
    assert caught.value.message == message
    assert caught.value.quiet_applies is False


@pytest.mark.parametrize(("text", "port"), [("104x", 104), (" 12", 12), ("+12", 12), ("1e2", 1)])
def test_port_parameter_like_percent_lu(text: str, port: int) -> None:
    assert read_port_parameter(text) == port
