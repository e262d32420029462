"""``main(argv, environ) -> int``: the single error boundary of movescu.

Owns running the stages in order (command line -> output directory and report
file checks -> retrieve) and mapping every exception to DCMTK's output and exit code:
``UsageError`` like DCMTK's ``printError`` (silent under ``-q`` when found after
the logging options), other :class:`~movescu.errors.MovescuError` as ``F:`` log
lines, Ctrl-C as one line and rc 130 (``F: interrupted``), SIGTERM as one line
and rc 143 (``F: terminated``), SIGHUP (the terminal went away) as one line and
rc 129 (``F: hangup``), anything unexpected as one ``F: internal error`` line and
rc 1 (traceback only at debug level).  A signal unwinds the
run like Ctrl-C: the stages' ``finally`` blocks abort the associations (main and
sub-associations) and remove partial files; complete files stay.  ``main()``
returns 130/143/129 then; only the console entry point, once everything is
flushed, dies by the signal (its default action) as DCMTK's movescu does, so a
parent sees death by signal (a shell shows 130/143/129; a ``for`` loop stops
at Ctrl-C).  Nothing else calls ``sys.exit``.  Must stay cheap to import
(``--help`` < 150 ms).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from movescu.errors import MovescuError, UsageError
from movescu.exit_codes import ExitCode
from movescu.logblock import block_aware_logger

logger = block_aware_logger("movescu")


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM; unwinds exactly like Ctrl-C."""

    exit_code = ExitCode.TERMINATED
    message = "terminated"
    signum = signal.SIGTERM


class HungUp(Terminated):
    """Raised in the main thread by SIGHUP (terminal closed); unwinds like SIGTERM."""

    exit_code = ExitCode.HANGUP
    message = "hangup"
    signum = signal.SIGHUP


#: the signals a run handles (each once): what they raise
_SIGNALS: dict[int, type[Terminated]] = {signal.SIGTERM: Terminated, signal.SIGHUP: HungUp}


def _ignore_further_interrupts() -> None:
    # a second Ctrl-C / SIGTERM / SIGHUP must not interrupt the clean-up the first started
    for sig in (signal.SIGINT, *_SIGNALS):
        signal.signal(sig, signal.SIG_IGN)


def _on_sigterm(signum: int, frame: object) -> None:
    _ignore_further_interrupts()
    raise _SIGNALS.get(signum, Terminated)()


def _on_sigint(signum: int, frame: object) -> None:
    _ignore_further_interrupts()
    raise KeyboardInterrupt()


def _install_signal_handlers() -> dict[int, Any] | None:
    """SIGTERM -> :class:`Terminated`, SIGHUP -> :class:`HungUp`, SIGINT -> KeyboardInterrupt.

    Returns the previous handlers (for :func:`_restore_signal_handlers`), or None
    when not in the main thread (library use: signals are the host's business)
    or when the host installed handlers of its own.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    previous: dict[int, Any] = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, *_SIGNALS)}
    for sig in _SIGNALS:
        if previous[sig] is signal.SIG_DFL:  # nohup's SIG_IGN stays
            signal.signal(sig, _on_sigterm)
    if previous[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
    return previous


def _restore_signal_handlers(previous: dict[int, Any] | None) -> None:
    if previous is not None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _program_name() -> str:
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "movescu"
    # ``python -m movescu`` leaves the path of __main__.py in argv[0].
    return "movescu" if argv0.endswith("__main__.py") else argv0


def _quiet() -> bool:
    """DCMTK's quiet mode: the configured level does not include ERROR."""
    return not logger.isEnabledFor(logging.ERROR)


def _log_fatal(message: str, level: int = logging.CRITICAL) -> None:
    """One log line per message line (``F:`` by default); plain stderr before logging is set up."""
    if logger.hasHandlers():
        for line in message.split("\n"):
            logger.log(level, line)
    else:
        letter = logging.getLevelName(level)[:1] if level != logging.CRITICAL else "F"
        for line in message.split("\n"):
            sys.stderr.write(f"{letter}: {line}\n")
        sys.stderr.flush()


def _run(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    from movescu.cli import (
        TextOutput,
        check_output_directory,
        check_report_file,
        parse_command_line,
    )

    result = parse_command_line(argv, environ, program=_program_name(), stderr=sys.stderr)
    if isinstance(result, TextOutput):
        sys.stdout.write(result.text)
        sys.stdout.flush()
        return int(ExitCode.NO_ERROR)
    check_output_directory(result)
    check_report_file(result)
    from movescu.retrieve import run

    return int(run(result))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run movescu and return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments without the program name (default ``sys.argv[1:]``).
    environ : mapping, optional
        The environment (default ``os.environ``); never read below this function.

    Returns
    -------
    int
        DCMTK's exit code (see :class:`movescu.exit_codes.ExitCode`).
    """
    return _main_with_signal(argv, environ)[0]


def _main_with_signal(
    argv: Sequence[str] | None, environ: Mapping[str, str] | None
) -> tuple[int, int | None]:
    """:func:`main`, plus the signal that ended the run (None when none did)."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if environ is None else environ
    previous = _install_signal_handlers()
    try:
        return _main(args, env)
    finally:
        _restore_signal_handlers(previous)


def _main(args: Sequence[str], env: Mapping[str, str]) -> tuple[int, int | None]:
    try:
        return _run(args, env), None
    except UsageError as error:
        if not (error.quiet_applies and _quiet()):
            from movescu.cli.helpformat import format_error

            sys.stdout.flush()
            sys.stderr.write(format_error(error.message))
            sys.stderr.flush()
        return int(error.exit_code), None
    except MovescuError as error:
        _log_fatal(error.message, error.log_level)
        return int(error.exit_code), None
    except Terminated as signalled:
        _log_fatal(signalled.message)
        return int(signalled.exit_code), signalled.signum
    except KeyboardInterrupt:
        _log_fatal("interrupted")
        return int(ExitCode.INTERRUPTED), signal.SIGINT
    except Exception as error:  # the boundary: never a traceback for the user
        _log_fatal(f"internal error: {type(error).__name__}: {error}")
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("traceback", exc_info=True)
        return int(ExitCode.COMMANDLINE_SYNTAX_ERROR), None


#: optional libraries pydicom imports when present, which the command never uses
#: (numpy for pixel data, requests for downloading test files): ~0.1 s of start-up
UNUSED_OPTIONAL_LIBRARIES = ("numpy", "requests")


def _skip_unused_optional_libraries() -> None:
    """Make pydicom see numpy and requests as absent in the command's own process.

    pydicom imports both at start-up when installed and works without them
    (they are optional); movescu never decodes pixel data nor downloads. A
    ``None`` entry in ``sys.modules`` makes ``import numpy`` raise ImportError.
    Only the console entry point does this: the Python API leaves the
    importing program's modules alone.
    """
    for name in UNUSED_OPTIONAL_LIBRARIES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def console_main() -> None:
    """Entry point of the ``movescu`` console script and ``python -m movescu``."""
    _skip_unused_optional_libraries()
    # Arguments that are not UTF-8 (file names, command-file words) arrive
    # surrogate-escaped; print their original bytes as DCMTK does, not "\udc80".
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="surrogateescape")
    _exit_now(*_main_with_signal(None, None))


def _exit_now(code: int, signum: int | None = None) -> None:
    """End the command process with ``code`` (or by ``signum``) once its output is flushed.

    Skips the interpreter's teardown (about 30 ms with pydicom and pynetdicom
    loaded; DCMTK's movescu exits at once): by now every association is
    closed, every file written and renamed.  Log handlers (``-lc`` files) are
    flushed and closed first, as ``logging.shutdown`` does at exit.  A run a
    signal ended dies by that signal's default action, as DCMTK's movescu
    (which installs no handler) does: a shell loop then stops at Ctrl-C (bash
    goes on when its child exits 130 instead).
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more to say
            pass
    if signum is not None:
        signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
        signal.raise_signal(signum)
    os._exit(code)  # also when the signal did not end the process
