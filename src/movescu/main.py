"""``main(argv, environ) -> int``: the single error boundary of movescu.

Owns running the stages in order (command line -> output directory check ->
retrieve) and mapping every exception to DCMTK's output and exit code:
``UsageError`` like DCMTK's ``printError`` (silent under ``-q`` when found after
the logging options), other :class:`~movescu.errors.MovescuError` as ``F:`` log
lines, Ctrl-C as one line and rc 130, anything unexpected as one ``F: internal
error`` line and rc 1 (traceback only at debug level).  Nothing else calls
``sys.exit``.  Must stay cheap to import (``--help`` < 150 ms).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence

from movescu.errors import MovescuError, UsageError
from movescu.exit_codes import ExitCode

logger = logging.getLogger("movescu")


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
    from movescu.cli import TextOutput, check_output_directory, parse_command_line

    result = parse_command_line(argv, environ, program=_program_name(), stderr=sys.stderr)
    if isinstance(result, TextOutput):
        sys.stdout.write(result.text)
        sys.stdout.flush()
        return int(ExitCode.NO_ERROR)
    check_output_directory(result)
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
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if environ is None else environ
    try:
        return _run(args, env)
    except UsageError as error:
        if not (error.quiet_applies and _quiet()):
            from movescu.cli.helpformat import format_error

            sys.stdout.flush()
            sys.stderr.write(format_error(error.message))
            sys.stderr.flush()
        return int(error.exit_code)
    except MovescuError as error:
        _log_fatal(error.message, error.log_level)
        return int(error.exit_code)
    except KeyboardInterrupt:
        _log_fatal("interrupted")
        return int(ExitCode.INTERRUPTED)
    except Exception as error:  # the boundary: never a traceback for the user
        _log_fatal(f"internal error: {type(error).__name__}: {error}")
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("traceback", exc_info=True)
        return int(ExitCode.COMMANDLINE_SYNTAX_ERROR)


def console_main() -> None:
    """Entry point of the ``movescu`` console script and ``python -m movescu``."""
    sys.exit(main())
