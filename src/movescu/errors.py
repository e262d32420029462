"""Exceptions that carry their exit code.

Nothing below :func:`movescu.main.main` calls ``sys.exit``: code raises one of
these, and ``main`` (the single error boundary) logs it and returns its code.

Hierarchy::

    MovescuError                      exit_code, message; logged as "F: message"
    ├── UsageError                    rc 1; printed as DCMTK's printError:
    │                                 header lines + "error: <message>" on stderr
    ├── InputFileError                rc 22; unreadable/non-DICOM query file ("E:")
    ├── OutputDirectoryError          rc 45 (missing) / 40 (not writeable)
    ├── ReportFileError               rc 40; the --report file cannot be written
    ├── PrivilegeError                rc 2; +P < 1024 without root
    ├── NetworkInitError              rc 60; cannot bind the +P port
    ├── AssociationError              rc 61; rejected or request failed
    ├── AssociationParametersError    rc 65
    ├── NoPresentationContextError    rc 66
    ├── CloseAssociationError         rc 67; release/abort failed
    └── TLSError                      rc 70

A message may have several lines; each is logged with the level prefix.
"""

from __future__ import annotations

import logging

from movescu.exit_codes import ExitCode


class MovescuError(Exception):
    """Base class: a failure that ends the program with ``exit_code``."""

    exit_code: ExitCode = ExitCode.COMMANDLINE_SYNTAX_ERROR
    #: the level main() logs the message at (DCMTK: most are F, some E)
    log_level: int = logging.CRITICAL

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(MovescuError):
    """A command-line error, reported like DCMTK's ``OFConsoleApplication::printError``.

    ``quiet_applies`` is True for errors detected after the logging options were
    evaluated: those are silent under ``-q`` / ``-ll fatal`` (DCMTK section 2.3).
    """

    exit_code = ExitCode.COMMANDLINE_SYNTAX_ERROR

    def __init__(self, message: str, *, quiet_applies: bool = True) -> None:
        super().__init__(message)
        self.quiet_applies = quiet_applies


class InputFileError(MovescuError):
    exit_code = ExitCode.INVALID_INPUT_FILE
    #: DCMTK logs ``E: bad DICOM file: <name>: <error text>``
    log_level = logging.ERROR


class OutputDirectoryError(MovescuError):
    exit_code = ExitCode.INVALID_OUTPUT_DIRECTORY


class ReportFileError(MovescuError):
    exit_code = ExitCode.CANNOT_WRITE_OUTPUT_FILE


class PrivilegeError(MovescuError):
    exit_code = ExitCode.INSUFFICIENT_PRIVILEGES


class NetworkInitError(MovescuError):
    exit_code = ExitCode.CANNOT_INITIALIZE_NETWORK


class AssociationError(MovescuError):
    exit_code = ExitCode.CANNOT_NEGOTIATE_ASSOCIATION


class AssociationParametersError(MovescuError):
    exit_code = ExitCode.CANNOT_CREATE_ASSOC_PARAMETERS


class NoPresentationContextError(MovescuError):
    exit_code = ExitCode.NO_PRESENTATION_CONTEXT


class CloseAssociationError(MovescuError):
    exit_code = ExitCode.CANNOT_CLOSE_ASSOCIATION


class TLSError(MovescuError):
    exit_code = ExitCode.CANNOT_CREATE_TLS_LAYER
