"""The checks every option group runs, with DCMTK 3.6.7's messages.

Owns what the evaluation modules (:mod:`.to_config`, :mod:`.network_options`,
:mod:`.output_options`, :mod:`.query_options`, :mod:`.extra_options`,
:mod:`.tls_options`) share: the members of an exclusive sub-group in DCMTK's
order, the rightmost member's choice, ``checkConflict`` / ``checkDependence``
with their wording, and numeric option values read through
:mod:`.values` with a note on the source (config file or ``MOVESCU_*``) of a bad
one.  Must not know about particular options (callers pass the names and the
limits) nor decide in which order checks run: that order is the callers'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from movescu.cli.options import OPTIONS
from movescu.cli.parser import Occurrence, Options
from movescu.cli.values import read_option_value
from movescu.errors import UsageError

__all__ = [
    "blamed",
    "block_members",
    "check_conflict",
    "check_dependence",
    "last_choice",
    "read_signed",
    "read_unsigned",
]


def block_members(block: str) -> tuple[str, ...]:
    """The long names of an exclusive sub-group, in help (= DCMTK source) order."""
    return tuple(o.long for o in OPTIONS if o.block == block)


def check_conflict(option: str, other: str, condition: bool) -> None:
    """``<option> not allowed with <other>`` when ``condition`` holds."""
    if condition:
        raise UsageError(f"{option} not allowed with {other}")


def check_dependence(option: str, other: str, condition: bool) -> None:
    """``<option> only allowed with <other>`` unless ``condition`` holds."""
    if not condition:
        raise UsageError(f"{option} only allowed with {other}")


def last_choice(options: Options, *longs: str, default: object) -> object:
    """The choice of the option block ``longs``' winner, or ``default`` when none is given."""
    found = options.block(*longs)
    return found[-1].option.choice if found else default


@contextmanager
def blamed(occurrence: Occurrence) -> Iterator[None]:
    """A bad value from a config file or ``MOVESCU_*`` says where it came from.

    DCMTK's message stays first; ``, from environment variable MOVESCU_PORT`` or
    ``, from config file 'x' line 3`` follows.  Command-line values are unchanged.
    """
    try:
        yield
    except UsageError as error:
        if not occurrence.origin:
            raise
        raise UsageError(
            f"{error.message}, from {occurrence.origin}", quiet_applies=error.quiet_applies
        ) from None


def read_unsigned(
    occurrence: Occurrence, low: int, high: int | None = None, index: int = 0
) -> int:
    """The ``index``-th value of ``occurrence`` read as ``%lu`` and checked against low..high."""
    with blamed(occurrence):
        return read_option_value(
            occurrence.option.long, occurrence.values[index], signed=False, low=low, high=high
        )


def read_signed(occurrence: Occurrence, low: int) -> int:
    """The value of ``occurrence`` read as ``%li`` and checked against ``low``."""
    with blamed(occurrence):
        return read_option_value(
            occurrence.option.long, occurrence.values[0], signed=True, low=low
        )
