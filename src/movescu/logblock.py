"""Groups of log lines that come out whole, whichever thread logs them (issue 13 item 3).

Owns one lock: a thread logging a group of lines DCMTK prints together (a
DIMSE dump with the line that announces it, an association dump, a data set)
holds it across the group with :func:`together`; every logger made by
:func:`block_aware_logger` waits at each record until no *other* thread is
inside a group.  The main association's C-MOVE-RSP dump and a
sub-association's C-STORE-RQ dump, logged by two threads at the same moment,
thus come out one after the other instead of line by line.  A top-level module
so that every stage may use it (``net/`` for dumps and the TLS connection
details, ``output/`` for its log lines); it imports nothing of movescu.  Must
not format or route records (logconfig and logpattern do).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_GROUP = threading.RLock()


class _WaitForGroups(logging.Filter):
    """Lets a record through once no other thread is inside a group."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _GROUP:
            return True


_WAIT = _WaitForGroups()


def block_aware_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` whose records never land inside another thread's group."""
    logger = logging.getLogger(name)
    if _WAIT not in logger.filters:
        logger.addFilter(_WAIT)
    return logger


def waits_for_groups(logger: logging.Logger) -> bool:
    """True when ``logger`` was made by :func:`block_aware_logger`."""
    return _WAIT in logger.filters


@contextmanager
def together() -> Iterator[None]:
    """Log the lines of one group in this block: no other thread's record comes between."""
    with _GROUP:
        yield
