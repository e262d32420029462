"""Evaluating the network options (DCMTK 3.6.7 steps 5-10) into :class:`NetworkOptions`.

Owns the query model, AE titles, the SCU's proposed and the Storage SCP's
preferred transfer syntaxes, host access, timeouts, ``+P``/``-P``, the
pending-data-set handling, ``-pdu``, ``--repeat``, ``--abort`` and ``--cancel``,
checked in DCMTK's order (which decides the error reported first).  The TLS
options are :mod:`.tls_options`'.  Must not open sockets or resolve host names:
the values are only read and checked here.
"""

from __future__ import annotations

from movescu.cli.checks import block_members, last_choice, read_signed, read_unsigned
from movescu.cli.parser import Options
from movescu.config import (
    IPFamily,
    NetworkOptions,
    PendingDatasetHandling,
    PreferredTransferSyntax,
    ProposedTransferSyntax,
    QueryModel,
    StorageOptions,
)

__all__ = ["TIMEOUT_MAX", "evaluate_network"]

_AE_TITLE_LENGTH = 16

#: DCMTK keeps -to/-ta/-td in an ``int`` (movescu.cc: ``OFstatic_cast(int, opt_timeout)``);
#: larger values mean "for ever" to a user, and Python's sockets refuse them (OverflowError)
TIMEOUT_MAX = 2**31 - 1

_Timeouts = tuple[int | None, int | None, int | None]


def _title(options: Options, long: str, default: str | None) -> str | None:
    occurrence = options.last(long)
    # ASC_setAPTitles copies into 17-byte fields: longer titles are truncated.
    return occurrence.values[0][:_AE_TITLE_LENGTH] if occurrence else default


def _timeout(seconds: int | None) -> int | None:
    return None if seconds is None else min(seconds, TIMEOUT_MAX)


def _optional_signed(options: Options, long: str, low: int, default: int | None) -> int | None:
    occurrence = options.last(long)
    return read_signed(occurrence, low) if occurrence else default


def _read_timeouts(options: Options) -> _Timeouts:
    """``-to``, ``-ta``, ``-td`` in this order: connection, ACSE, DIMSE."""
    return (
        _timeout(_optional_signed(options, "--timeout", 1, None)),
        _timeout(_optional_signed(options, "--acse-timeout", 1, 30)),
        _timeout(_optional_signed(options, "--dimse-timeout", 1, None)),
    )


def _evaluate_storage(options: Options) -> StorageOptions:
    """The Storage SCP's options; only ``+P`` can fail."""
    prefer = last_choice(
        options, *block_members("prefer"), default=PreferredTransferSyntax.UNCOMPRESSED
    )
    access = last_choice(options, "--access-full", "--access-control", default=False)
    port: int | None = None
    # DCMTK evaluates --port before --no-port in this block (3.6.7 run: "+P 0 --no-port" fails).
    for occurrence in options.block("--port", "--no-port"):
        port = read_unsigned(occurrence, 1, 65535) if occurrence.values else None
    return StorageOptions(
        port=port,
        preferred_transfer_syntax=prefer,  # type: ignore[arg-type]
        access_control=bool(access),
        ignore=options.given("--ignore"),
        uid_padding=options.given("--uid-padding"),
    )


def _evaluate_association(
    options: Options, peer: str, port: int, timeouts: _Timeouts
) -> NetworkOptions:
    """The C-MOVE association's options; ``-pdu``, ``--repeat``, ``--cancel`` checked in order."""
    ip_family = last_choice(options, "--ipv4", "--ipv6", "--ip-auto", default=IPFamily.IPV4)
    propose = last_choice(
        options, *block_members("propose"), default=ProposedTransferSyntax.UNCOMPRESSED
    )
    pending = last_choice(
        options, "--pending-ignore", "--pending-read", default=PendingDatasetHandling.IGNORE
    )
    pdu = options.last("--max-pdu")
    max_pdu = read_unsigned(pdu, 4096, 131072) if pdu else 16384
    repeat = options.last("--repeat")
    repeat_count = read_unsigned(repeat, 1) if repeat else 1
    cancel = _optional_signed(options, "--cancel", 0, None)
    connection_timeout, acse_timeout, dimse_timeout = timeouts
    return NetworkOptions(
        peer=peer,
        port=port,
        ae_title=str(_title(options, "--aetitle", "MOVESCU")),
        called_ae_title=str(_title(options, "--call", "ANY-SCP")),
        move_destination=_title(options, "--move", None),
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


def evaluate_network(
    options: Options, peer: str, port: int
) -> tuple[NetworkOptions, StorageOptions, QueryModel]:
    """Steps 5-10: query model, AE titles, transfer syntaxes, timeouts, port, others.

    The values that can be wrong are checked in DCMTK's order: ``-to``, ``-ta``,
    ``-td``, ``+P``, ``-pdu``, ``--repeat``, ``--cancel``.
    """
    model = last_choice(options, "--patient", "--study", "--psonly", default=QueryModel.PATIENT)
    timeouts = _read_timeouts(options)
    storage = _evaluate_storage(options)
    network = _evaluate_association(options, peer, port, timeouts)
    return network, storage, model  # type: ignore[return-value]
