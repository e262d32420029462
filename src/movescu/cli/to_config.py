"""Evaluating the scanned options in DCMTK's order into the frozen :class:`Config`.

Owns every cross-option rule: the order in which DCMTK 3.6.7 evaluates options
(which decides which error is reported first), exclusive sub-groups ("option
blocks": the rightmost member wins, but every member found on the way runs its
checks), value ranges, conflicts and dependences with DCMTK's exact messages,
``-k`` processed right to left, and the query-file checks.  Logging is set up
here (step 3) because later errors must honour ``-q`` as in DCMTK.

It must not open network connections or read query files; the Namespace-like
occurrence list never leaves :mod:`movescu.cli`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from movescu.cli.options import OPTIONS
from movescu.cli.parser import Occurrence, Options
from movescu.cli.values import read_option_value, read_port_parameter
from movescu.config import (
    Config,
    ExtraOptions,
    FilingOptions,
    GroupLength,
    IPFamily,
    LengthEncoding,
    LoggingOptions,
    LogLevel,
    NetworkOptions,
    OutputOptions,
    Padding,
    PendingDatasetHandling,
    PreferredTransferSyntax,
    ProposedTransferSyntax,
    QueryKey,
    QueryModel,
    QueryOptions,
    StorageOptions,
    StudySorting,
    WriteTransferSyntax,
)
from movescu.errors import UsageError
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

_AE_TITLE_LENGTH = 16

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

_PT = PreferredTransferSyntax
#: prefer options that mean compressed transmission: each conflicts with +te/+tb/+ti/+td
_COMPRESSED = {
    _PT.LOSSLESS: "--prefer-lossless",
    _PT.JPEG8: "--prefer-jpeg8",
    _PT.JPEG12: "--prefer-jpeg12",
    _PT.J2K_LOSSLESS: "--prefer-j2k-lossless",
    _PT.J2K_LOSSY: "--prefer-j2k-lossy",
    _PT.JLS_LOSSLESS: "--prefer-jls-lossless",
    _PT.JLS_LOSSY: "--prefer-jls-lossy",
    _PT.MPEG2: "--prefer-mpeg2",
    _PT.MPEG2_HIGH: "--prefer-mpeg2-high",
    _PT.MPEG4: "--prefer-mpeg4",
    _PT.MPEG4_BD: "--prefer-mpeg4-bd",
    _PT.MPEG4_2_2D: "--prefer-mpeg4-2-2d",
    _PT.MPEG4_2_3D: "--prefer-mpeg4-2-3d",
    _PT.MPEG4_2_ST: "--prefer-mpeg4-2-st",
    _PT.HEVC: "--prefer-hevc",
    _PT.HEVC10: "--prefer-hevc10",
    _PT.RLE: "--prefer-rle",
}


def block_members(block: str) -> tuple[str, ...]:
    """The long names of an exclusive sub-group, in help (= DCMTK source) order."""
    return tuple(o.long for o in OPTIONS if o.block == block)


def _conflict(option: str, other: str, condition: bool) -> None:
    if condition:
        raise UsageError(f"{option} not allowed with {other}")


def _dependence(option: str, other: str, condition: bool) -> None:
    if not condition:
        raise UsageError(f"{option} only allowed with {other}")


def _choice(options: Options, *longs: str, default: object) -> object:
    found = options.block(*longs)
    return found[-1].option.choice if found else default


@contextmanager
def _blamed(occurrence: Occurrence) -> Iterator[None]:
    """A bad value from a config file or ``MOVESCU_*`` says where it came from.

    DCMTK's message stays first; ``, from environment variable MOVESCU_PORT`` or
    ``, from config file 'x' line 3`` follows.  Command-line values are unchanged.
    """
    try:
        yield
    except UsageError as error:
        if not occurrence.origin:
            raise
        raise UsageError(
            f"{error.message}, from {occurrence.origin}", quiet_applies=error.quiet_applies
        ) from None


def _unsigned(occurrence: Occurrence, low: int, high: int | None = None, index: int = 0) -> int:
    with _blamed(occurrence):
        return read_option_value(
            occurrence.option.long, occurrence.values[index], signed=False, low=low, high=high
        )


def _signed(occurrence: Occurrence, low: int) -> int:
    with _blamed(occurrence):
        return read_option_value(
            occurrence.option.long, occurrence.values[0], signed=True, low=low
        )


# --------------------------------------------------------------------------- step 3


def evaluate_logging(options: Options) -> LoggingOptions:
    """Step 3: ``-ll``, ``-lc``, ``-q/-v/-d`` (``OFLog::configureFromCommandLine``)."""
    level = LogLevel.WARN
    verbosity = options.given("--verbose", "--debug", "--quiet")
    log_level = options.last("--log-level")
    if log_level is not None:
        _conflict("--log-level", "--verbose, --debug or --quiet", verbosity)
        found = _LOG_LEVELS.get(log_level.values[0].lower())
        if found is None:
            with _blamed(log_level):
                raise UsageError("Invalid log level for --log-level option")
        level = found
    config_file: Path | None = None
    log_config = options.last("--log-config")
    if log_config is not None:
        _conflict("--log-config", "--log-level", log_level is not None)
        _conflict("--log-config", "--verbose, --debug or --quiet", verbosity)
        from movescu.logconfig import check_log_config

        config_file = Path(log_config.values[0])
        with _blamed(log_config):
            check_log_config(config_file)
    else:
        chosen = _choice(options, "--quiet", "--verbose", "--debug", default=level)
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


# --------------------------------------------------------------------------- step 4


def evaluate_keys(options: Options, environ: Mapping[str, str]) -> tuple[QueryKey, ...]:
    """Step 4: ``-k`` right to left with replace semantics: the leftmost wins.

    The merged list holds the command line's keys first, then ``MOVESCU_KEY``'s,
    then the config file's (:func:`movescu.cli.parser.merge_sources`): per
    attribute the highest source wins.
    """
    occurrences = options.all("--key")
    if not occurrences:
        return ()
    from movescu.dicom.dictionary import load_dictionary
    from movescu.query import parse_key

    dictionary = load_dictionary(environ)
    keys: dict[tuple[tuple[tuple[int, int], ...], int], QueryKey] = {}
    for occurrence in reversed(occurrences):
        with _blamed(occurrence):
            key = parse_key(occurrence.values[0], dictionary)
        keys[(key.path, key.tag)] = key
    return tuple(keys[k] for k in sorted(keys))


# --------------------------------------------------------------------------- steps 5-10


def _title(options: Options, long: str, default: str | None) -> str | None:
    occurrence = options.last(long)
    # ASC_setAPTitles copies into 17-byte fields: longer titles are truncated.
    return occurrence.values[0][:_AE_TITLE_LENGTH] if occurrence else default


#: DCMTK keeps -to/-ta/-td in an ``int`` (movescu.cc: ``OFstatic_cast(int, opt_timeout)``);
#: larger values mean "for ever" to a user, and Python's sockets refuse them (OverflowError)
TIMEOUT_MAX = 2**31 - 1


def _timeout(seconds: int | None) -> int | None:
    return None if seconds is None else min(seconds, TIMEOUT_MAX)


def _optional_signed(options: Options, long: str, low: int, default: int | None) -> int | None:
    occurrence = options.last(long)
    return _signed(occurrence, low) if occurrence else default


def evaluate_network(
    options: Options, peer: str, port: int
) -> tuple[NetworkOptions, StorageOptions, QueryModel]:
    """Steps 5-10: query model, AE titles, transfer syntaxes, timeouts, port, others."""
    model = _choice(options, "--patient", "--study", "--psonly", default=QueryModel.PATIENT)
    ip_family = _choice(options, "--ipv4", "--ipv6", "--ip-auto", default=IPFamily.IPV4)
    ae_title = _title(options, "--aetitle", "MOVESCU")
    called = _title(options, "--call", "ANY-SCP")
    move_destination = _title(options, "--move", None)
    prefer = _choice(options, *block_members("prefer"), default=_PT.UNCOMPRESSED)
    propose = _choice(
        options, *block_members("propose"), default=ProposedTransferSyntax.UNCOMPRESSED
    )
    access = _choice(options, "--access-full", "--access-control", default=False)
    connection_timeout = _timeout(_optional_signed(options, "--timeout", 1, None))
    acse_timeout = _timeout(_optional_signed(options, "--acse-timeout", 1, 30))
    dimse_timeout = _timeout(_optional_signed(options, "--dimse-timeout", 1, None))
    storage_port: int | None = None
    # DCMTK evaluates --port before --no-port in this block (3.6.7 run: "+P 0 --no-port" fails).
    for occurrence in options.block("--port", "--no-port"):
        storage_port = _unsigned(occurrence, 1, 65535) if occurrence.values else None
    pending = _choice(
        options, "--pending-ignore", "--pending-read", default=PendingDatasetHandling.IGNORE
    )
    pdu = options.last("--max-pdu")
    max_pdu = _unsigned(pdu, 4096, 131072) if pdu else 16384
    repeat = options.last("--repeat")
    repeat_count = _unsigned(repeat, 1) if repeat else 1
    cancel = _optional_signed(options, "--cancel", 0, None)
    network = NetworkOptions(
        peer=peer,
        port=port,
        ae_title=str(ae_title),
        called_ae_title=str(called),
        move_destination=move_destination,
        proposed_transfer_syntax=propose,  # type: ignore[arg-type]
        ip_family=ip_family,  # type: ignore[arg-type]
        connection_timeout=connection_timeout,
        acse_timeout=int(acse_timeout or 30),
        dimse_timeout=dimse_timeout,
        max_pdu=max_pdu,
        host_lookup=not options.given("--disable-host-lookup"),
        repeat=repeat_count,
        abort=options.given("--abort"),
        cancel=cancel,
        pending_handling=pending,  # type: ignore[arg-type]
    )
    storage = StorageOptions(
        port=storage_port,
        preferred_transfer_syntax=prefer,  # type: ignore[arg-type]
        access_control=bool(access),
        ignore=options.given("--ignore"),
        uid_padding=options.given("--uid-padding"),
    )
    return network, storage, model  # type: ignore[return-value]


# --------------------------------------------------------------------------- steps 11-16


def _check_write_xfer(
    occurrence: Occurrence, prefer: PreferredTransferSyntax, bit_preserving: bool
) -> None:
    """The checks each of ``+te +tb +ti +td`` runs when found (DCMTK order)."""
    name = occurrence.option.long
    _conflict(name, "--accept-all", prefer is _PT.ACCEPT_ALL)
    _conflict(name, "--bit-preserving", bit_preserving)
    if prefer in _COMPRESSED:
        _conflict(name, _COMPRESSED[prefer], True)


def _encoding_choice(
    options: Options, block: str, default: object, bit_preserving: bool
) -> object:
    """``+u/-u``, ``+g…``, ``+e/-e``: every member found conflicts with ``+B``."""
    chosen = default
    for occurrence in options.block(*block_members(block)):
        _conflict(occurrence.option.long, "--bit-preserving", bit_preserving)
        chosen = occurrence.option.choice
    return chosen


def evaluate_output(
    options: Options, storage: StorageOptions, propose: ProposedTransferSyntax
) -> OutputOptions:
    """Steps 11-16: ``-od``, ``+B``, ``+F``, ``+t…``, ``+u``, ``+g``, ``+e``, ``+p``, ``+cl``."""
    directory = options.last("--output-directory")
    if directory is not None:
        # DCMTK 3.6.4+: checkDependence with the retrieve port.
        _dependence("--output-directory", "--port", storage.port is not None)
    bit_preserving = bool(_choice(options, *block_members("bit_preserving"), default=False))
    write_file = bool(_choice(options, *block_members("write_file"), default=True))
    prefer = storage.preferred_transfer_syntax
    transfer_syntax: object = WriteTransferSyntax.SAME
    for occurrence in options.block(*block_members("write_xfer")):
        if occurrence.option.choice is not WriteTransferSyntax.SAME:
            _check_write_xfer(occurrence, prefer, bit_preserving)
        transfer_syntax = occurrence.option.choice
    new_vr = _encoding_choice(options, "new_vr", True, bit_preserving)
    group_length = _encoding_choice(options, "group_length", GroupLength.RECALC, bit_preserving)
    length = _encoding_choice(options, "length_encoding", LengthEncoding.EXPLICIT, bit_preserving)
    padding: Padding | None = None
    for occurrence in options.block("--padding-off", "--padding-create"):
        padding = None
        if occurrence.values:
            _conflict("--padding-create", "--write-dataset", not write_file)
            _conflict("--padding-create", "--bit-preserving", bit_preserving)
            padding = Padding(_unsigned(occurrence, 0), _unsigned(occurrence, 0, index=1))
    level = options.last("--compression-level")
    compression_level = 6
    if level is not None:
        _dependence(
            "--compression-level",
            "--propose-deflated, --write-xfer-deflated or --write-xfer-same",
            propose is ProposedTransferSyntax.DEFLATED
            or transfer_syntax in (WriteTransferSyntax.DEFLATED, WriteTransferSyntax.SAME),
        )
        compression_level = _unsigned(level, 0, 9)
    return OutputOptions(
        directory=Path(directory.values[0]) if directory else Path("."),
        bit_preserving=bit_preserving,
        write_file=write_file,
        transfer_syntax=transfer_syntax,  # type: ignore[arg-type]
        enable_new_vr=bool(new_vr),
        group_length=group_length,  # type: ignore[arg-type]
        length_encoding=length,  # type: ignore[arg-type]
        padding=padding,
        compression_level=compression_level,
    )


# --------------------------------------------------------------------------- steps 17-18


def evaluate_query(
    files: Sequence[str], keys: tuple[QueryKey, ...], model: QueryModel, *, key_list: bool = False
) -> QueryOptions:
    """Steps 17-18: every query file readable, then "file or key" required."""
    for name in files:
        if not os.access(name, os.R_OK):
            raise UsageError(f"cannot access file: {name}")
    if not files and not keys and not key_list:
        raise UsageError("either query file or override keys (or both) must be specified")
    return QueryOptions(files=tuple(Path(name) for name in files), keys=keys, model=model)


def evaluate_extras(options: Options, environ: Mapping[str, str] | None = None) -> ExtraOptions:
    """Our additions: progress, ``--report``, ``--no-accelerator`` and the many-moves ones."""
    progress = _choice(options, *block_members("progress"), default=None)
    report = options.last("--report")
    retry = options.last("--retry")
    parallel = options.last("--parallel")
    extras = ExtraOptions(
        progress=progress if isinstance(progress, bool) else None,
        report=Path(report.values[0]) if report else None,
        no_accelerator=options.given("--no-accelerator"),
        retry=_unsigned(retry, 0, 1000) if retry else 0,
        retry_wait=_seconds(options.last("--retry-wait")),
        key_list=_path(options.last("--key-list")),
        parallel=_unsigned(parallel, 1, 64) if parallel else 1,
        resume=_path(options.last("--resume")),
    )
    repeat = options.last("--repeat")
    # one request per row/attempt: --repeat's n copies would make "what completed" ambiguous
    _conflict(
        "--repeat",
        "--key-list, --parallel, --retry or --resume",
        bool(extras.bulk and repeat and _unsigned(repeat, 1) > 1),
    )
    for path in (extras.key_list, extras.resume):
        if path is not None and not os.access(path, os.R_OK):
            raise UsageError(f"cannot access file: {path}")
    if extras.key_list is not None:
        from movescu.dicom.dictionary import load_dictionary
        from movescu.keylist import read_key_list

        rows = read_key_list(extras.key_list, load_dictionary(environ or {}))
        extras = dataclasses.replace(extras, key_rows=rows)
    return extras


def _path(occurrence: Occurrence | None) -> Path | None:
    return Path(occurrence.values[0]) if occurrence else None


def _seconds(occurrence: Occurrence | None) -> float:
    if occurrence is None:
        return 0.0
    text = occurrence.values[0]
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"Invalid value for option {occurrence.option.long} ({text})") from None
    if not 0 <= value <= 86400:
        raise UsageError(f"Invalid value for option {occurrence.option.long} ({text})")
    return value


def evaluate_filing(options: Options, bit_preserving: bool) -> FilingOptions:
    """storescp 3.6.7's sorting, file-name and event options, in storescp's order and wording."""
    sorting = StudySorting.NONE
    prefix = ""
    for occurrence in options.block(*block_members("sorting")):
        _conflict(occurrence.option.long, "--bit-preserving", bit_preserving)
        sorting = occurrence.option.choice  # type: ignore[assignment]
        prefix = occurrence.values[0] if occurrence.values else ""
    unique = bool(_choice(options, *block_members("unique_names"), default=False))
    time_names = options.last("--timenames") is not None
    extension = options.last("--filename-extension")
    if time_names:
        _conflict("--timenames", "--unique-filenames", unique)
    reception = options.last("--exec-on-reception")
    sorted_ = sorting is not StudySorting.NONE
    sort_options = "--sort-conc-studies, --sort-on-study-uid or --sort-on-patientname"
    eostudy = options.last("--exec-on-eostudy")
    if eostudy is not None:
        _dependence("--exec-on-eostudy", sort_options, sorted_)
    rename = options.last("--rename-on-eostudy") is not None
    if rename:
        _dependence("--rename-on-eostudy", sort_options, sorted_)
    timeout = options.last("--eostudy-timeout")
    seconds: int | None = None
    if timeout is not None:
        _dependence(
            "--eostudy-timeout",
            "--sort-conc-studies, --sort-on-study-uid, --sort-on-patientname, "
            "--exec-on-eostudy or --rename-on-eostudy",
            sorted_ or eostudy is not None or rename,
        )
        seconds = _signed(timeout, 0)
    return FilingOptions(
        sorting=sorting,
        sort_prefix=prefix,
        unique_names=unique,
        time_names=time_names,
        extension=extension.values[0] if extension else "",
        exec_on_reception=reception.values[0] if reception else None,
        exec_on_eostudy=eostudy.values[0] if eostudy else None,
        rename_on_eostudy=rename,
        eostudy_timeout=seconds,
        exec_sync=options.last("--exec-sync") is not None,
    )


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
    try:
        logging_options = evaluate_logging(options)
    except UsageError as error:
        error.quiet_applies = False
        raise
    from movescu.logconfig import configure

    configure(logging_options, program=program, stderr=stderr, environ=environ)
    if logging_options.print_arguments:
        print_arguments(program, arguments)
    keys = evaluate_keys(options, environ)
    network, storage, model = evaluate_network(options, parameters[0], port)
    from movescu.cli.tls_options import evaluate_tls  # needs this module's helpers

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
