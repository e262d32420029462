"""Logging set-up: ``-q/-v/-d/-ll`` and ``-lc`` turned into :mod:`logging` configuration.

Owns the ``movescu`` logger hierarchy's handlers and levels, the TRACE level
name, the check of a ``--log-config`` file (DCMTK's texts), keeping the
libraries' loggers out of our output, and undoing all of it
(:func:`snapshot_loggers`; :func:`configure` returns its undo) so a program
that embeds movescu gets its logging back as it was.  Only the command line
stage (:mod:`movescu.cli`) and tests call :func:`configure`; library modules
just log to ``logging.getLogger(__name__)``.  pynetdicom's own switches are
:mod:`movescu.net.seams.settings`'.  Must not import pydicom or pynetdicom.

With ``-lc`` the configuration sees DCMTK's logger names
(:mod:`movescu.loggernames`).  Without ``-lc`` the output is DCMTK's default:
``X: message`` on stderr, one prefix per line (``oflog.cc``: pattern
``%P: %m%n``).  The progress logger ``movescu.progress`` (DCMTK's
``dcmtk.apps.movescu.progress``) inherits the root level, so its effective level
is exactly INFO with ``-v`` and not with ``-d``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from movescu.config import LoggingOptions, LogLevel
from movescu.errors import UsageError
from movescu.log4cplus import DynamicStreamHandler, apply_properties, read_properties
from movescu.logpattern import LevelPrefixFormatter

TRACE = 5
ROOT = "movescu"
PROGRESS = "movescu.progress"
#: library loggers that must not print in their own format
LIBRARY_LOGGERS = ("pynetdicom", "pydicom")

logging.addLevelName(TRACE, "TRACE")

#: loggers whose handlers/levels the previous configure() call set
_configured: list[logging.Logger] = []


def _stderr() -> TextIO:
    return sys.stderr


def check_log_config(path: Path) -> None:
    """Validate a ``--log-config`` file as DCMTK's ``OFLog::configureFromCommandLine`` does.

    Parameters
    ----------
    path : Path
        The file named by ``-lc``.

    Raises
    ------
    UsageError
        With DCMTK's text when the file is missing, unreadable, empty, holds no
        ``log4cplus.`` key or does not set ``log4cplus.rootLogger``.
    """
    if not path.exists() or path.is_dir():  # OFStandard::fileExists: not for directories
        raise UsageError("Specified --log-config file does not exist", quiet_applies=False)
    try:
        props = read_properties(path)
    except OSError:
        raise UsageError(
            "Specified --log-config file cannot be read", quiet_applies=False
        ) from None
    if not props:
        raise UsageError(
            "Specified --log-config file does not contain any settings", quiet_applies=False
        )
    if not any(key.startswith("log4cplus.") for key in props):
        raise UsageError(
            "Specified --log-config file does not contain any valid settings",
            quiet_applies=False,
        )
    if "log4cplus.rootLogger" not in props:
        raise UsageError(
            "Specified --log-config file does not set up log4cplus.rootLogger",
            quiet_applies=False,
        )


@dataclass(frozen=True)
class _LoggerState:
    level: int
    propagate: bool
    disabled: bool
    handlers: tuple[logging.Handler, ...]

    @classmethod
    def of(cls, logger: logging.Logger) -> _LoggerState:
        return cls(logger.level, logger.propagate, logger.disabled, tuple(logger.handlers))


def _all_loggers() -> list[logging.Logger]:
    existing = logging.Logger.manager.loggerDict.values()
    return [logging.getLogger(), *(lg for lg in existing if isinstance(lg, logging.Logger))]


def snapshot_loggers() -> Callable[[], None]:
    """Record every logger's level, handlers, propagation; the result puts them back.

    Handlers added since are removed and closed (a ``-lc`` file appender is
    flushed); loggers created since get the standard library's defaults.

    Returns
    -------
    callable
        The undo: restores the recorded state.
    """
    saved = {id(lg): _LoggerState.of(lg) for lg in _all_loggers()}
    configured = list(_configured)
    fresh = _LoggerState(logging.NOTSET, True, False, ())

    def restore() -> None:
        for logger in _all_loggers():
            state = saved.get(id(logger), fresh)
            for handler in list(logger.handlers):
                if handler not in state.handlers:
                    logger.removeHandler(handler)
                    handler.close()
            for handler in state.handlers:
                if handler not in logger.handlers:
                    logger.addHandler(handler)
            logger.setLevel(state.level)
            logger.propagate = state.propagate
            logger.disabled = state.disabled
        _configured[:] = configured

    return restore


def _reset() -> None:
    """Undo the previous configure(): handlers removed, levels back to NOTSET."""
    for logger in _configured:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    _configured.clear()


def configure(
    options: LoggingOptions,
    *,
    program: str,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> Callable[[], None]:
    """Set up logging for a run; calling it again replaces the previous set-up.

    Parameters
    ----------
    options : LoggingOptions
        ``level`` (from ``-q/-v/-d/-ll``) or ``config_file`` (``-lc``, already
        checked by :func:`check_log_config`).
    program : str
        argv[0] as typed; its file name is ``${appname}`` in a log config.
    stderr : TextIO, optional
        Stream for the default handler; default ``sys.stderr`` looked up at
        each write (so pytest's capsys and redirections work).
    environ : Mapping, optional
        Environment for ``${VAR}`` expansion in a log config (default ``os.environ``).

    Returns
    -------
    callable
        Undoes this call: every logger as it was before (:func:`snapshot_loggers`).
    """
    undo = snapshot_loggers()
    _reset()
    root = logging.getLogger(ROOT)
    if options.config_file is not None:
        props = read_properties(options.config_file)
        default = DynamicStreamHandler((lambda: stderr) if stderr is not None else _stderr)
        default.setFormatter(LevelPrefixFormatter())
        touched = apply_properties(
            props,
            program=program,
            environ=os.environ if environ is None else environ,
            error=stderr,
            default_handler=default,
        )
        _configured.extend(touched)
    else:
        _install_default(root, options.level, stderr)
        _configured.append(root)
        # a previous -lc run may have set the progress logger's own level
        logging.getLogger(PROGRESS).setLevel(logging.NOTSET)
    _configure_libraries(options, root)
    return undo


def _install_default(root: logging.Logger, level: LogLevel, stderr: TextIO | None) -> None:
    """DCMTK's default: pattern ``%P: %m%n`` on stderr (``oflog.cc`` OFLog_init)."""
    handler = DynamicStreamHandler((lambda: stderr) if stderr is not None else _stderr)
    handler.setFormatter(LevelPrefixFormatter())
    root.addHandler(handler)
    root.setLevel(level.value)


def _configure_libraries(options: LoggingOptions, root: logging.Logger) -> None:
    """Keep pynetdicom/pydicom out of our output, except at TRACE where they join it."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.propagate = False
        if options.config_file is None and options.level is LogLevel.TRACE:
            logger.setLevel(TRACE)
            for handler in root.handlers:
                logger.addHandler(handler)
        else:
            logger.setLevel(logging.CRITICAL + 1)
        _configured.append(logger)


def progress_enabled() -> bool:
    """True when DCMTK would print ``RECV:`` dots: the progress level is exactly INFO."""
    return logging.getLogger(PROGRESS).getEffectiveLevel() == logging.INFO
