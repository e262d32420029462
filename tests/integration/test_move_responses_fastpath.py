"""net/seams/accel/movedimse.py on a real association: the fast path is taken and changes no line.

Each scenario runs twice against the same scripted Move SCP (tests/support/fake_qr.py)
at ``-d``: once as shipped, once with every command set left to pynetdicom.  The
lines, the exit code and the run's counters must be the same; the first run must
have read the clean responses itself.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydicom.dataset import Dataset
from tests.support.differential import drop_summary
from tests.support.fake_qr import MoveContext, fake_qr, succeed

from movescu.config import (
    Config,
    LoggingOptions,
    LogLevel,
    NetworkOptions,
    QueryModel,
    QueryOptions,
)
from movescu.logconfig import configure
from movescu.net.seams.accel import movedimse
from movescu.query import Identifier
from movescu.retrieve import retrieve

#: tests of the accelerator itself: mode accel only (tests/conftest.py)
pytestmark = pytest.mark.accelerator


@pytest.fixture
def debug_log() -> Iterator[Callable[[], list[str]]]:
    buffer = io.StringIO()
    configure(LoggingOptions(level=LogLevel.DEBUG), program="movescu", stderr=buffer)

    def lines() -> list[str]:
        taken = drop_summary(buffer.getvalue().splitlines())
        buffer.seek(0)
        buffer.truncate()
        return taken

    yield lines
    configure(LoggingOptions(), program="movescu")


def _identifier() -> Identifier:
    ds = Dataset()
    ds.QueryRetrieveLevel = "PATIENT"
    ds.PatientID = "PAT001"
    return Identifier("", ds, "Little Endian Explicit")


def _config(port: int) -> Config:
    return Config(
        network=NetworkOptions(peer="127.0.0.1", port=port),
        query=QueryOptions(model=QueryModel.PATIENT),
    )


def _mixed(ctx: MoveContext) -> None:
    """Clean and unusual responses in turn, then a Warning with a failed-UID list."""
    failed = Dataset()
    failed.FailedSOPInstanceUIDList = ["1.2.3.4", "1.2.3.5"]
    ctx.pending(4, 1)
    ctx.respond(0xFF00, remaining=3, completed=2, failed=0, warning=0, error_comment="detail")
    ctx.pending(2, 3)
    ctx.respond(0xFF00, remaining=1)  # counters left out
    ctx.pending(1, 4)
    ctx.respond(0xB000, completed=4, failed=2, warning=0, dataset=failed)


def _cancelled_after_two(ctx: MoveContext) -> None:
    ctx.pending(3, 1)
    ctx.pending(2, 2)
    # --cancel 2: the C-CANCEL follows the second pending response (bounded wait)
    deadline = time.monotonic() + 10
    while not ctx.cancelled and time.monotonic() < deadline:
        time.sleep(0.01)
    ctx.respond(0xFE00 if ctx.cancelled else 0xFF00, completed=2, failed=0, warning=0)


@pytest.mark.parametrize(
    ("script", "clean"),
    [(succeed(5), 6), (_mixed, 4), (_cancelled_after_two, 3)],
    ids=["success", "mixed", "cancel"],
)
def test_fast_path_changes_no_line(
    script: Callable[[MoveContext], None],
    clean: int,
    debug_log: Callable[[], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = movedimse.read_move_command
    accepted: list[Any] = []

    def counted(command: bytes) -> Any:
        result = read(command)
        if result is not None:
            accepted.append(result)
        return result

    runs = []
    with fake_qr(script) as fake:
        config = _config(fake.port)
        if script is _cancelled_after_two:
            config = Config(
                network=NetworkOptions(peer="127.0.0.1", port=fake.port, cancel=2),
                query=config.query,
            )
        for reader in (counted, lambda command: None):
            monkeypatch.setattr(movedimse, "read_move_command", reader)
            code = retrieve(config, [_identifier()])
            runs.append((code, debug_log()))
    (fast_code, fast_lines), (slow_code, slow_lines) = runs
    assert len(accepted) == clean
    assert fast_code == slow_code
    assert fast_lines == slow_lines
    assert any(line.startswith("I: Received Final Move Response") for line in fast_lines)
    if script is _cancelled_after_two:  # the C-CANCEL arrived and was answered
        statuses = [line for line in fast_lines if line.startswith("D: DIMSE Status")]
        assert ": 0xfe00: Cancel" in statuses[-1], statuses
