"""The command line: ``argv`` (+ config file + environment) -> frozen :class:`Config`.

Data flow: ``@file`` expansion (:mod:`.cmdfile`) -> DCMTK scanner (:mod:`.parser`)
-> help/version/no arguments -> lower sources (config file, ``MOVESCU_*``) merged
by precedence -> evaluation in DCMTK's order (:mod:`.to_config`) -> a warning for
each ``MOVESCU_*`` variable nothing reads.  Nothing of the
parsing state leaves this package: callers get a :class:`Config` or a
:class:`TextOutput` to print.  Importing this package must not import pydicom or
pynetdicom.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from movescu.cli.cmdfile import expand_command_files
from movescu.cli.helpformat import format_error, format_usage, format_version, header_line
from movescu.cli.parser import (
    merge_sources,
    read_lower_sources,
    scan_arguments,
    unknown_variables,
)
from movescu.cli.to_config import build_config
from movescu.config import Config
from movescu.errors import OutputDirectoryError, ReportFileError
from movescu.exit_codes import ExitCode
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

__all__ = [
    "TextOutput",
    "check_output_directory",
    "check_report_file",
    "format_error",
    "parse_command_line",
]


@dataclass(frozen=True)
class TextOutput:
    """``--help``, ``--version`` or no arguments: print ``text`` on stdout, exit 0."""

    text: str


def parse_command_line(
    args: Sequence[str],
    environ: Mapping[str, str],
    *,
    program: str = "movescu",
    stderr: TextIO | None = None,
) -> Config | TextOutput:
    """Turn the arguments (without argv[0]) into a Config, as DCMTK 3.6.7 would.

    Parameters
    ----------
    args : sequence of str
        The arguments after the program name; ``@file`` arguments are expanded.
    environ : mapping
        The environment: ``MOVESCU_*`` settings, ``DCMDICTPATH``.
    program : str
        argv[0] as typed (shown by ``--arguments``).
    stderr : text stream, optional
        Where log output goes once logging is configured.

    Returns
    -------
    Config or TextOutput
        TextOutput for ``--help``/``-h``, ``--version``, ``+cc``/``+ph`` or an empty
        command line.

    Raises
    ------
    UsageError
        The first command-line problem in DCMTK's order.
    """
    expanded = expand_command_files(args)
    if not expanded:
        return TextOutput(format_usage())
    scan = scan_arguments(expanded)
    if scan.has("--help"):
        return TextOutput(format_usage())
    if scan.has("--version"):
        return TextOutput(format_version(no_accelerator=scan.has("--no-accelerator")))
    # DCMTK 3.7.0: --list-ciphers and --list-profiles are exclusive options, like --version
    if scan.has("--list-ciphers") or scan.has("--list-profiles"):
        from movescu.cli.helpformat import format_header
        from movescu.net.tls import suites as tlssuites

        if scan.has("--list-ciphers"):
            return TextOutput(tlssuites.format_cipher_list(format_header()))
        return TextOutput(tlssuites.format_profile_list(format_header()))
    from_config, from_env = read_lower_sources(scan, environ)
    occurrences = merge_sources(from_config, from_env, scan.occurrences)
    config = build_config(
        occurrences,
        scan.parameters,
        scan.arguments,
        program=program,
        environ=environ,
        stderr=stderr,
    )
    # a typo (MOVESCU_STUDDY) would otherwise be silently ignored; logged once logging is set
    for name in unknown_variables(environ):
        logger.warning("unknown environment variable %s (ignored)", name)
    # DCMTK logs its rcsid line and an empty line at DEBUG once the command line is done.
    logger.debug(header_line())
    logger.debug("")
    return config


def check_output_directory(config: Config) -> None:
    """``-od`` checks, made only with ``+P`` and after the whole command line (as 3.6.7).

    Raises
    ------
    OutputDirectoryError
        ``specified output directory does not exist`` (rc 45) when it is not a
        directory, ``specified output directory is not writeable`` (rc 40).
    """
    if config.storage.port is None:
        return
    directory = config.output.directory
    if not directory.is_dir():
        raise OutputDirectoryError("specified output directory does not exist")
    if not os.access(directory, os.W_OK):
        raise OutputDirectoryError(
            "specified output directory is not writeable", ExitCode.CANNOT_WRITE_OUTPUT_FILE
        )


def check_report_file(config: Config) -> None:
    """``--report FILE`` must be writable: checked after ``-od``, before any network activity.

    Raises
    ------
    ReportFileError
        ``cannot write report file: <path>: <reason>`` (rc 40, DCMTK's
        ``EXITCODE_CANNOT_WRITE_OUTPUT_FILE``): the directory is missing or not
        writable, or the path is a directory.
    """
    path = config.extras.report
    if path is None:
        return
    from movescu.report import unwritable_reason

    reason = unwritable_reason(path)
    if reason is not None:
        raise ReportFileError(f"cannot write report file: {path}: {reason}")
