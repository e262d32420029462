"""DCMTK's named exit codes (``ofstd/include/dcmtk/ofstd/ofexit.h`` and movescu.cc).

Owns the numbers only.  Which code a situation gets is decided where the
situation is detected, by raising an exception from :mod:`movescu.errors`.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses, named as in DCMTK."""

    NO_ERROR = 0
    COMMANDLINE_SYNTAX_ERROR = 1
    INSUFFICIENT_PRIVILEGES = 2
    SETUID_FAILED = 3
    INVALID_INPUT_FILE = 22  # ours (DECISIONS rule 3): unreadable query file
    CANNOT_WRITE_OUTPUT_FILE = 40
    INVALID_OUTPUT_DIRECTORY = 45
    CANNOT_INITIALIZE_NETWORK = 60
    CANNOT_NEGOTIATE_ASSOCIATION = 61
    CANNOT_CREATE_ASSOC_PARAMETERS = 65
    NO_PRESENTATION_CONTEXT = 66
    CANNOT_CLOSE_ASSOCIATION = 67
    CMOVE_WARNING = 68
    CMOVE_ERROR = 69
    CANNOT_CREATE_TLS_LAYER = 70
    HANGUP = 129  # ours: SIGHUP during a run (128 + SIGHUP)
    INTERRUPTED = 130  # ours: SIGINT (Ctrl-C) during a run (128 + SIGINT)
    TERMINATED = 143  # ours: SIGTERM during a run (128 + SIGTERM)
