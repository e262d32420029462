"""Evaluating what becomes of a received object: steps 11-16 and storescp's filing.

Owns ``-od``, ``+B/-B``, ``+F/-F``, the ``+t…`` write transfer syntax (with its
conflicts with ``--prefer-*`` compressed and ``--accept-all``), ``+u``, ``+g…``,
``+e``, ``+p``, ``+cl`` (:class:`OutputOptions`, DCMTK 3.6.7's order and
wording) and storescp 3.6.7's sorting, file-name and event options
(:class:`FilingOptions`, storescp's order and wording).  Must not touch the file
system: whether ``-od`` exists and is writable is checked after the whole
command line (:func:`movescu.cli.check_output_directory`).
"""

from __future__ import annotations

from pathlib import Path

from movescu.cli.checks import (
    block_members,
    check_conflict,
    check_dependence,
    last_choice,
    read_signed,
    read_unsigned,
)
from movescu.cli.parser import Occurrence, Options
from movescu.config import (
    FilingOptions,
    GroupLength,
    LengthEncoding,
    OutputOptions,
    Padding,
    PreferredTransferSyntax,
    ProposedTransferSyntax,
    StorageOptions,
    StudySorting,
    WriteTransferSyntax,
)

__all__ = ["evaluate_filing", "evaluate_output"]

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


def _check_write_xfer(
    occurrence: Occurrence, prefer: PreferredTransferSyntax, bit_preserving: bool
) -> None:
    """The checks each of ``+te +tb +ti +td`` runs when found (DCMTK order)."""
    name = occurrence.option.long
    check_conflict(name, "--accept-all", prefer is _PT.ACCEPT_ALL)
    check_conflict(name, "--bit-preserving", bit_preserving)
    if prefer in _COMPRESSED:
        check_conflict(name, _COMPRESSED[prefer], True)


def _encoding_choice(
    options: Options, block: str, default: object, bit_preserving: bool
) -> object:
    """``+u/-u``, ``+g…``, ``+e/-e``: every member found conflicts with ``+B``."""
    chosen = default
    for occurrence in options.block(*block_members(block)):
        check_conflict(occurrence.option.long, "--bit-preserving", bit_preserving)
        chosen = occurrence.option.choice
    return chosen


def evaluate_output(
    options: Options, storage: StorageOptions, propose: ProposedTransferSyntax
) -> OutputOptions:
    """Steps 11-16: ``-od``, ``+B``, ``+F``, ``+t…``, ``+u``, ``+g``, ``+e``, ``+p``, ``+cl``."""
    directory = options.last("--output-directory")
    if directory is not None:
        # DCMTK 3.6.4+: checkDependence with the retrieve port.
        check_dependence("--output-directory", "--port", storage.port is not None)
    bit_preserving = bool(last_choice(options, *block_members("bit_preserving"), default=False))
    write_file = bool(last_choice(options, *block_members("write_file"), default=True))
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
            check_conflict("--padding-create", "--write-dataset", not write_file)
            check_conflict("--padding-create", "--bit-preserving", bit_preserving)
            padding = Padding(read_unsigned(occurrence, 0), read_unsigned(occurrence, 0, index=1))
    level = options.last("--compression-level")
    compression_level = 6
    if level is not None:
        check_dependence(
            "--compression-level",
            "--propose-deflated, --write-xfer-deflated or --write-xfer-same",
            propose is ProposedTransferSyntax.DEFLATED
            or transfer_syntax in (WriteTransferSyntax.DEFLATED, WriteTransferSyntax.SAME),
        )
        compression_level = read_unsigned(level, 0, 9)
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


def evaluate_filing(options: Options, bit_preserving: bool) -> FilingOptions:
    """storescp 3.6.7's sorting, file-name and event options, in storescp's order and wording."""
    sorting = StudySorting.NONE
    prefix = ""
    for occurrence in options.block(*block_members("sorting")):
        check_conflict(occurrence.option.long, "--bit-preserving", bit_preserving)
        sorting = occurrence.option.choice  # type: ignore[assignment]
        prefix = occurrence.values[0] if occurrence.values else ""
    unique = bool(last_choice(options, *block_members("unique_names"), default=False))
    time_names = options.last("--timenames") is not None
    extension = options.last("--filename-extension")
    if time_names:
        check_conflict("--timenames", "--unique-filenames", unique)
    reception = options.last("--exec-on-reception")
    sorted_ = sorting is not StudySorting.NONE
    sort_options = "--sort-conc-studies, --sort-on-study-uid or --sort-on-patientname"
    eostudy = options.last("--exec-on-eostudy")
    if eostudy is not None:
        check_dependence("--exec-on-eostudy", sort_options, sorted_)
    rename = options.last("--rename-on-eostudy") is not None
    if rename:
        check_dependence("--rename-on-eostudy", sort_options, sorted_)
    timeout = options.last("--eostudy-timeout")
    seconds: int | None = None
    if timeout is not None:
        check_dependence(
            "--eostudy-timeout",
            "--sort-conc-studies, --sort-on-study-uid, --sort-on-patientname, "
            "--exec-on-eostudy or --rename-on-eostudy",
            sorted_ or eostudy is not None or rename,
        )
        seconds = read_signed(timeout, 0)
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
