"""The Storage SCP's per-association monitor: one report when it gives up."""

from __future__ import annotations

import logging
import struct
import threading

import pytest

from movescu.net.scp.monitor import PduMonitor


def test_give_up_is_claimed_once_across_threads() -> None:
    """The idle timer, a guard and the end-of-move stop race: exactly one may report."""
    aborts: list[int] = []
    monitor = PduMonitor(lambda: aborts.append(1))
    start = threading.Barrier(8)
    claims: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        start.wait()
        result = monitor.give_up()
        with lock:
            claims.append(result)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claims) == [False] * 7 + [True]
    assert monitor.aborted
    assert not monitor.object_lost  # given up on: its object is not "lost"
    assert aborts == []  # claiming does not abort; the claimant does


#: a command set of one element: (0000,0100) Command Field = C-FIND-RQ
C_FIND_COMMAND = struct.pack("<HHIH", 0x0000, 0x0100, 2, 0x0020)


def test_a_wrong_command_is_reported_and_aborted_once(caplog: pytest.LogCaptureFixture) -> None:
    aborts: list[int] = []
    monitor = PduMonitor(lambda: aborts.append(1))
    monitor.acknowledged.set()
    with caplog.at_level(logging.ERROR):
        monitor.on_command(C_FIND_COMMAND, 1)
        monitor.on_command(C_FIND_COMMAND, 1)
    assert [r.getMessage() for r in caplog.records] == [
        "Expected C-ECHO or C-STORE request but received DIMSE command 0x0020",
        "DIMSE failure (aborting sub-association): 0006:0201 DIMSE Bad command type",
    ]
    assert aborts == [1]
    assert not monitor.give_up()  # the end of the move finds it given up on
