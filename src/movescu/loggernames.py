"""Which DCMTK logger emits each of our log lines: one table, data only.

DCMTK 3.6.7's movescu logs most lines under ``dcmtk.apps.movescu``; the dcmdata
parser's warnings under ``dcmtk.dcmdata``, dcmnet's ``DIMSE Warning`` lines under
``dcmtk.dcmnet``, the TLS layer's lines under ``dcmtk.dcmtls`` and the ``RECV:``
progress under ``dcmtk.apps.movescu.progress`` (found by running DCMTK with a
``-lc`` pattern ``%c|%p|%m``; tests/interop/test_lognames_vs_dcmtk.py compares).
A ``-lc`` configuration (its per-logger thresholds, appenders and additivity)
and the ``%c`` conversion see these names (:mod:`movescu.log4cplus`,
:mod:`movescu.logpattern`).  Modules keep logging to ``getLogger(__name__)``:
a module that moves only needs its row here moved.  Must not configure logging.
"""

from __future__ import annotations

#: (our logger name or prefix, message prefix, DCMTK logger name): the rule with
#: the longest matching message prefix wins, then the longest logger prefix
DCMTK_LOGGERS: tuple[tuple[str, str, str], ...] = (
    ("movescu", "", "dcmtk.apps.movescu"),
    ("movescu", "DIMSE Warning: ", "dcmtk.dcmnet"),
    ("movescu.progress", "", "dcmtk.apps.movescu.progress"),
    ("movescu.queryfile", "", "dcmtk.dcmdata"),
    ("movescu.dicom.dictionary", "", "dcmtk.dcmdata"),
    # the application checks the dictionary and warns (movescu.cc), not dcmdata
    ("movescu.dicom.dictionary", "no data dictionary loaded", "dcmtk.apps.movescu"),
    ("movescu.output.dataset", "", "dcmtk.dcmdata"),
    ("movescu.output.encoding", "", "dcmtk.dcmdata"),
    ("movescu.net.tls", "", "dcmtk.dcmtls"),
)

#: every DCMTK logger name our lines use
DCMTK_NAMES = tuple(sorted({name for _, _, name in DCMTK_LOGGERS}))


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def dcmtk_logger_name(name: str, message: str = "") -> str:
    """The DCMTK logger name of a line ``message`` logged to our logger ``name``.

    Names outside our hierarchy (``pynetdicom``, ``pydicom`` at TRACE) are returned
    as they are.
    """
    best: tuple[int, int] | None = None
    found = name
    for prefix, start, dcmtk in DCMTK_LOGGERS:
        if _within(name, prefix) and message.startswith(start):
            key = (len(start), len(prefix))
            if best is None or key > best:
                best, found = key, dcmtk
    return found


def our_loggers() -> tuple[str, ...]:
    """Our logger names that have a row in the table (each gets its own level)."""
    return tuple(sorted({prefix for prefix, _, _ in DCMTK_LOGGERS}))
