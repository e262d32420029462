"""Numeric values of options and parameters, read exactly as DCMTK reads them.

Owns the emulation of ``sscanf("%lu")`` / ``sscanf("%li")`` (glibc) and DCMTK's
range checks with their messages (``OFConsoleApplication::checkValue`` and
``checkParam``).  Must not know about particular options: callers pass the long
option name and the limits.
"""

from __future__ import annotations

from movescu.errors import UsageError

_WHITESPACE = " \t\n\v\f\r"
_DECIMAL = "0123456789"
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"
_ULONG_MAX = 2**64 - 1
_LONG_MAX = 2**63 - 1
_LONG_MIN = -(2**63)


def _digits(text: str, start: int, alphabet: str) -> int:
    """Index after the run of ``alphabet`` characters starting at ``start``."""
    end = start
    while end < len(text) and text[end] in alphabet:
        end += 1
    return end


def scan_integer(text: str, *, signed: bool) -> int | None:
    """Read a leading integer like glibc's ``sscanf`` with ``%li`` or ``%lu``.

    Parameters
    ----------
    text : str
        The argument as typed; leading whitespace and trailing junk are allowed.
    signed : bool
        ``%li`` (decimal, ``0x`` hex, ``0`` octal; saturates at the ``long`` range)
        when True, else ``%lu`` (decimal only; a minus sign wraps around modulo
        2**64, too large values saturate at ``ULONG_MAX``).

    Returns
    -------
    int or None
        The value, or None when ``sscanf`` would convert nothing.
    """
    pos = 0
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    negative = False
    if pos < len(text) and text[pos] in "+-":
        negative = text[pos] == "-"
        pos += 1
    if signed and text[pos : pos + 2] in ("0x", "0X"):
        end = _digits(text, pos + 2, _HEX)
        magnitude = int(text[pos + 2 : end], 16) if end > pos + 2 else 0
    elif signed and text[pos : pos + 1] == "0":
        end = _digits(text, pos, _OCTAL)
        magnitude = int(text[pos:end], 8)
    else:
        end = _digits(text, pos, _DECIMAL)
        if end == pos:
            return None
        magnitude = int(text[pos:end])
    if signed:
        value = -magnitude if negative else magnitude
        return max(_LONG_MIN, min(_LONG_MAX, value))
    if magnitude > _ULONG_MAX:
        return _ULONG_MAX
    return (-magnitude) % 2**64 if negative else magnitude


def _invalid(option: str, text: str, what: str = "") -> UsageError:
    # DCMTK omits the parenthesis when the argument is empty (3.6.7 run).
    if what:
        return UsageError(f"Invalid value for option {option} ({what}: {text})")
    if text:
        return UsageError(f"Invalid value for option {option} ({text})")
    return UsageError(f"Invalid value for option {option}")


def read_option_value(
    option: str, text: str, *, signed: bool, low: int, high: int | None = None
) -> int:
    """Convert an option's value and check it against ``low``..``high`` like DCMTK.

    Unsigned values reject a leading minus sign (after spaces) as invalid, as
    DCMTK 3.6.2+ does; signed values accept hex and octal like ``%li``.

    Raises
    ------
    UsageError
        ``Invalid value for option <option> (<text>)`` or with ``underflow: ``
        / ``overflow: `` before the text.
    """
    if not signed and text.lstrip(" ").startswith("-"):
        raise _invalid(option, text)
    value = scan_integer(text, signed=signed)
    if value is None:
        raise _invalid(option, text)
    if value < low:
        raise _invalid(option, text, "underflow")
    if high is not None and value > high:
        raise _invalid(option, text, "overflow")
    return value


def read_port_parameter(text: str) -> int:
    """Read the ``port`` parameter like DCMTK (``%lu``, 1..65535, no minus check).

    Raises
    ------
    UsageError
        ``Invalid parameter value <text>`` [`` (underflow)`` | `` (overflow)``].
    """
    value = scan_integer(text, signed=False)
    if value is None:
        raise UsageError(f"Invalid parameter value {text}", quiet_applies=False)
    if value < 1:
        raise UsageError(f"Invalid parameter value {text} (underflow)", quiet_applies=False)
    if value > 65535:
        raise UsageError(f"Invalid parameter value {text} (overflow)", quiet_applies=False)
    return value
