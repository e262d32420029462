"""Tests that need the package index (``network`` marker) skip offline, fail in CI.

Whether the index answers is asked once per session (per xdist worker) with
``pip index versions pip``, through whatever index pip is configured for; a
machine without it skips those tests with the reason, a CI machine (``CI`` or
``MOVESCU_REQUIRE_PEERS`` set) fails them, so CI can never look green offline.
"""

from __future__ import annotations

import functools
import subprocess
import sys

import pytest
from tests.support.tools import peers_required


@functools.cache
def _index_unreachable() -> str | None:
    """None when pip can read the package index, else what pip said."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "index", "versions", "pip"]
            + ["--timeout", "15", "--retries", "1", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if proc.returncode == 0:
        return None
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return lines[-1] if lines else f"pip exited with {proc.returncode}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("network") is None:
        return
    problem = _index_unreachable()
    if problem is None:
        return
    message = f"the package index is not reachable ({problem})"
    if peers_required():
        pytest.fail(message + "; CI requires it", pytrace=False)
    pytest.skip(message)
