"""Evaluating the scanned options in DCMTK's order into the frozen :class:`Config`.

Owns the order of the steps (DCMTK 3.6.7's, which decides which error is
reported first): the peer and port parameters, then logging (step 3, evaluated
and set up here because later errors must honour ``-q`` as in DCMTK, and
``--arguments``), ``-k``, the network options, TLS, the output options, our
additions, the query files and storescp's filing options.  Each group's checks
live in its module: :mod:`.query_options`, :mod:`.network_options`,
:mod:`.tls_options`, :mod:`.output_options`, :mod:`.extra_options`, with the
shared conflict, dependence and value checks in :mod:`.checks`.

It must not open network connections or read query files; the Namespace-like
occurrence list never leaves :mod:`movescu.cli`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from movescu.cli.checks import (
    blamed,
    block_members,
    check_conflict,
    last_choice,
)
from movescu.cli.extra_options import evaluate_extras
from movescu.cli.network_options import TIMEOUT_MAX, evaluate_network
from movescu.cli.output_options import evaluate_filing, evaluate_output
from movescu.cli.parser import Occurrence, Options
from movescu.cli.query_options import evaluate_keys, evaluate_query
from movescu.cli.tls_options import evaluate_tls
from movescu.cli.values import read_port_parameter
from movescu.config import Config, LoggingOptions, LogLevel
from movescu.errors import UsageError
from movescu.logblock import block_aware_logger

__all__ = [
    "TIMEOUT_MAX",
    "block_members",
    "build_config",
    "evaluate_extras",
    "evaluate_filing",
    "evaluate_keys",
    "evaluate_logging",
    "evaluate_network",
    "evaluate_output",
    "evaluate_query",
    "print_arguments",
]

logger = block_aware_logger(__name__)


#: ``-ll`` texts (log4cplus, case-insensitive)
_LOG_LEVELS = {
    "trace": LogLevel.TRACE,
    "all": LogLevel.TRACE,
    "debug": LogLevel.DEBUG,
    "info": LogLevel.INFO,
    "warn": LogLevel.WARN,
    "error": LogLevel.ERROR,
    "fatal": LogLevel.FATAL,
    "off": LogLevel.OFF,
}


# --------------------------------------------------------------------------- step 3


def evaluate_logging(options: Options) -> LoggingOptions:
    """Step 3: ``-ll``, ``-lc``, ``-q/-v/-d`` (``OFLog::configureFromCommandLine``)."""
    level = LogLevel.WARN
    verbosity = options.given("--verbose", "--debug", "--quiet")
    log_level = options.last("--log-level")
    if log_level is not None:
        check_conflict("--log-level", "--verbose, --debug or --quiet", verbosity)
        found = _LOG_LEVELS.get(log_level.values[0].lower())
        if found is None:
            with blamed(log_level):
                raise UsageError("Invalid log level for --log-level option")
        level = found
    config_file: Path | None = None
    log_config = options.last("--log-config")
    if log_config is not None:
        check_conflict("--log-config", "--log-level", log_level is not None)
        check_conflict("--log-config", "--verbose, --debug or --quiet", verbosity)
        from movescu.logconfig import check_log_config

        config_file = Path(log_config.values[0])
        with blamed(log_config):
            check_log_config(config_file)
    else:
        chosen = last_choice(options, "--quiet", "--verbose", "--debug", default=level)
        assert isinstance(chosen, LogLevel)
        level = chosen
    return LoggingOptions(
        level=level, config_file=config_file, print_arguments=options.given("--arguments")
    )


def print_arguments(program: str, arguments: Sequence[str]) -> None:
    """``--arguments``: DCMTK prints it whatever the log level, as one INFO message.

    The message ends with a newline, like DCMTK's, so the default layout shows a
    final ``I: `` line and a ``-lc`` SimpleLayout an empty line.
    """
    shown = "".join(f"'{arg}' " for arg in arguments if arg)
    text = f"calling '{program}' with {len(arguments)} arguments: {shown}\n"
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 0, text, (), None)
    logger.handle(record)  # handle() skips the level check, as DCMTK does here


def _set_up_logging(
    options: Options,
    arguments: Sequence[str],
    *,
    program: str,
    environ: Mapping[str, str],
    stderr: TextIO | None,
) -> LoggingOptions:
    """Step 3 evaluated (its errors are always printed), logging configured, ``--arguments``."""
    try:
        logging_options = evaluate_logging(options)
    except UsageError as error:
        error.quiet_applies = False
        raise
    from movescu.logconfig import configure

    configure(logging_options, program=program, stderr=stderr, environ=environ)
    if logging_options.print_arguments:
        print_arguments(program, arguments)
    return logging_options


# --------------------------------------------------------------------------- all steps


def build_config(
    occurrences: Sequence[Occurrence],
    parameters: Sequence[str],
    arguments: Sequence[str],
    *,
    program: str,
    environ: Mapping[str, str],
    stderr: TextIO | None = None,
) -> Config:
    """Evaluate a scanned command line in DCMTK's order (spec 2.5) into a Config.

    Parameters
    ----------
    occurrences : sequence of Occurrence
        All sources merged, lowest precedence first (see ``merge_sources``).
    parameters : sequence of str
        The command line's parameters: peer, port, query files.
    arguments : sequence of str
        The expanded command line in long-option form, for ``--arguments``.
    program : str
        argv[0] as typed.
    environ : mapping
        The environment (``DCMDICTPATH`` for ``-k``).
    stderr : text stream, optional
        Where log output goes (passed to :func:`movescu.logconfig.configure`).

    Raises
    ------
    UsageError
        The first problem in DCMTK's order.  Errors up to and including the
        logging options have ``quiet_applies`` False (always printed).
    """
    options = Options(occurrences)
    if not parameters:
        raise UsageError("Missing parameter peer", quiet_applies=False)
    if len(parameters) < 2:
        raise UsageError("Missing parameter port", quiet_applies=False)
    port = read_port_parameter(parameters[1])
    logging_options = _set_up_logging(
        options, arguments, program=program, environ=environ, stderr=stderr
    )
    keys = evaluate_keys(options, environ)
    network, storage, model = evaluate_network(options, parameters[0], port)
    tls = evaluate_tls(options)
    output = evaluate_output(options, storage, network.proposed_transfer_syntax)
    extras = evaluate_extras(options, environ)
    query = evaluate_query(parameters[2:], keys, model, key_list=extras.key_list is not None)
    return Config(
        network=network,
        logging=logging_options,
        query=query,
        storage=storage,
        output=output,
        extras=extras,
        tls=tls,
        filing=evaluate_filing(options, output.bit_preserving),
        program=program,
    )
