"""Locating the external peers the tests run (DCMTK, Orthanc).

pynetdicom installs console scripts named ``movescu``, ``storescp`` and ``storescu``
that shadow DCMTK's on PATH, so DCMTK tools are always taken from their Debian
location (``/usr/bin``), never looked up on PATH.

A test that needs a missing peer is skipped on a developer machine (with a reason
that says what to install) and *fails* in CI (``CI`` or ``MOVESCU_REQUIRE_PEERS``
set), so a CI machine without the peer can never look green.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

DCMTK_BIN = Path(os.environ.get("MOVESCU_DCMTK_BIN", "/usr/bin"))


def peers_required() -> bool:
    """True in CI: missing peers are failures, not skips."""
    return bool(os.environ.get("MOVESCU_REQUIRE_PEERS") or os.environ.get("CI"))


def _missing(what: str, hint: str) -> None:
    message = f"{what} is not installed ({hint})"
    if peers_required():
        pytest.fail(message + "; CI requires it", pytrace=False)
    pytest.skip(message)


def dcmtk_tool(name: str) -> str:
    """Absolute path of a DCMTK 3.6.x tool such as ``movescu`` or ``dcmqrscp``."""
    path = DCMTK_BIN / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        _missing(f"DCMTK {name}", "apt-get install dcmtk")
    return str(path)


def orthanc_binary() -> str:
    """Absolute path of the Orthanc server binary."""
    found = shutil.which("Orthanc")
    if not found and Path("/usr/sbin/Orthanc").exists():
        found = "/usr/sbin/Orthanc"
    if not found:
        _missing("Orthanc", "apt-get install orthanc")
    return str(found)
