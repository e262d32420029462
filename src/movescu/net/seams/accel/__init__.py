"""The accelerator: pynetdicom's receive path made event-driven and pydicom-free where clean.

Every class in this package copies or overrides a method of pynetdicom 3.0.
This module owns the switch: :func:`decide` turns the accelerator on only when
the installed pynetdicom's methods match the recorded fingerprint
(:mod:`movescu.net.seams.fingerprint`) and the user did not say
``--no-accelerator``; :func:`request_handler_class` and
:func:`requestor_ae_class` give the Storage SCP and the C-MOVE SCU either our
classes or pynetdicom's own (stock mode).  Importing this module imports no
pynetdicom (``--version`` prints :func:`decide`'s text).  Must not change what
is sent, accepted, logged or stored: only how fast.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from movescu.logblock import block_aware_logger

if TYPE_CHECKING:
    from movescu.net.seams.fingerprint import Installation

logger = block_aware_logger(__name__)


@dataclass(frozen=True)
class AcceleratorState:
    """Whether a run uses the accelerator, and the line that says so and why."""

    on: bool
    #: ``accelerator: on (pynetdicom 3.0.4)`` or ``accelerator: off (<reason>)``
    text: str


#: the reason given for ``--no-accelerator`` (and for :func:`force` ``(False)``)
TURNED_OFF = "--no-accelerator"

_forced_off = False
_accelerated = 0
_count_lock = threading.Lock()


def decide(disabled: bool = False) -> AcceleratorState:
    """The accelerator's state for a run.

    Parameters
    ----------
    disabled : bool
        ``--no-accelerator`` was given.

    Returns
    -------
    AcceleratorState
        Off when disabled (or :func:`force` ``(False)`` is in effect), when
        pynetdicom cannot be found or when its code differs from the
        fingerprint; on otherwise.
    """
    if disabled or _forced_off:
        return AcceleratorState(False, f"accelerator: off ({TURNED_OFF})")
    return fingerprint_state()


@cache
def fingerprint_state() -> AcceleratorState:
    """What the installed pynetdicom allows (checked once per process)."""
    from movescu.net.seams import fingerprint

    return state_of(fingerprint.locate())


def state_of(installation: Installation | None) -> AcceleratorState:
    """The accelerator's state for a pynetdicom found by :func:`fingerprint.locate`.

    Parameters
    ----------
    installation : Installation or None
        The package directory and version; None when pynetdicom is not found.

    Returns
    -------
    AcceleratorState
        On when every recorded method matches; else off, naming the methods.
    """
    from movescu.net.seams import fingerprint

    if installation is None:
        return AcceleratorState(False, "accelerator: off (pynetdicom not found)")
    version = installation.version
    differing = fingerprint.differences(installation.directory)
    if differing:
        return AcceleratorState(
            False,
            f"accelerator: off (pynetdicom {version} differs from the fingerprint: "
            f"{', '.join(differing)})",
        )
    return AcceleratorState(True, f"accelerator: on (pynetdicom {version})")


def force(on: bool | None) -> bool | None:
    """Process-wide override for tests: ``False`` acts as ``--no-accelerator`` everywhere.

    Parameters
    ----------
    on : bool or None
        ``False`` turns the accelerator off for every later :func:`decide`;
        ``True`` or ``None`` leave the decision to the option and the fingerprint.

    Returns
    -------
    bool or None
        The previous override (``False`` or ``None``), to restore it.
    """
    global _forced_off
    previous = False if _forced_off else None
    _forced_off = on is False
    return previous


def accelerated_associations() -> int:
    """How many associations this process switched to the accelerator's classes."""
    return _accelerated


def count_accelerated() -> None:
    """Record one association switched to our classes (:func:`accelerated_associations`)."""
    global _accelerated
    with _count_lock:
        _accelerated += 1


def request_handler_class(state: AcceleratorState) -> type[Any]:
    """The Storage SCP's ``request_handler`` for ``AE.make_server``.

    Parameters
    ----------
    state : AcceleratorState
        From :func:`decide`.

    Returns
    -------
    type
        Our event-driven handler when on, pynetdicom's ``RequestHandler`` when off.
    """
    if state.on:
        from movescu.net.seams.accel.reactors import request_handler_class as fast_handler

        return fast_handler()
    from pynetdicom.transport import RequestHandler

    return RequestHandler


def requestor_ae_class(state: AcceleratorState) -> type[Any]:
    """The application entity the C-MOVE SCU requests its association with.

    Parameters
    ----------
    state : AcceleratorState
        From :func:`decide`.

    Returns
    -------
    type
        Our ``AE`` subclass when on, ``pynetdicom.AE`` when off.
    """
    if state.on:
        from movescu.net.seams.accel.requestor import requestor_ae_class as fast_ae

        return fast_ae()
    from pynetdicom import AE

    return AE
