"""The file meta header at the top of the receive spool file: ours.

With chunked receive pynetdicom writes each C-STORE data set into a spool
file behind a preamble and a file meta group it builds with pydicom
(``create_file_meta`` + ``write_file_meta_info``).  This module owns the
stand-ins for those two (:class:`movescu.output.receive.Receiver` hands them
out; :mod:`movescu.net.seams.settings` installs them), so the spool starts
with exactly the header our output file would have
(:func:`movescu.output.encoding.encode_file_preamble_and_meta`, the ``+B`` one
in bit-preserving mode).  When the rest of the output equals the
received bytes, :mod:`movescu.output.store` then turns the spool file into the
output file with a rename instead of writing every byte a second time; when
it does not, nothing is lost (the header is only compared, never trusted).
It also spares pydicom's per-object work.  Must not decide anything about the
output: the header is a guess the store stage checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from movescu.config import OutputOptions
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)


@dataclass(frozen=True)
class SpoolMeta:
    """What pynetdicom's ``create_file_meta`` is given: the request's UIDs and the context's TS."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str


def create_spool_meta(
    *, sop_class_uid: Any, sop_instance_uid: Any, transfer_syntax: Any, **_: Any
) -> SpoolMeta:
    """Stand-in for ``pynetdicom.dsutils.create_file_meta`` (no pydicom data set).

    Parameters
    ----------
    sop_class_uid, sop_instance_uid, transfer_syntax : str
        From the C-STORE request and its presentation context.

    Returns
    -------
    SpoolMeta
        Handed by pynetdicom to the writer :func:`spool_meta_writer` returns.
    """
    values = (
        "" if v is None else str(v) for v in (sop_class_uid, sop_instance_uid, transfer_syntax)
    )
    return SpoolMeta(*values)


def spool_meta_bytes(meta: SpoolMeta, output: OutputOptions, calling_ae: str | None) -> bytes:
    """Preamble, ``DICM`` and meta group the output file of ``meta`` would start with.

    Parameters
    ----------
    meta : SpoolMeta
        Request UIDs and transfer syntax.
    output : OutputOptions
        ``+B`` selects DCMTK's bit-preserving header (with the Source AE title).
    calling_ae : str or None
        The sub-association's calling AE title (``+B`` only).

    Returns
    -------
    bytes
        The 132 + meta-group bytes.
    """
    from movescu.output.encoding import encode_file_preamble_and_meta

    if output.bit_preserving:
        return encode_file_preamble_and_meta(
            meta.sop_class_uid,
            meta.sop_instance_uid,
            meta.transfer_syntax,
            source_ae_title=calling_ae or "",
            bit_preserving=True,
        )
    return encode_file_preamble_and_meta(
        meta.sop_class_uid, meta.sop_instance_uid, meta.transfer_syntax
    )


def spool_meta_writer(output: OutputOptions, calling_ae: Callable[[], str | None]) -> Any:
    """Stand-in for pydicom's ``write_file_meta_info`` as pynetdicom calls it.

    Parameters
    ----------
    output : OutputOptions
        The run's output options.
    calling_ae : callable
        The calling AE title of the sub-association being received (``+B``).

    Returns
    -------
    callable
        ``write(fp, meta)``: writes our meta group (pynetdicom already wrote
        the preamble and ``DICM``).
    """

    def write(fp: Any, meta: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(meta, SpoolMeta):  # someone else's meta: pydicom's writer
            from pydicom.filewriter import write_file_meta_info

            write_file_meta_info(fp, meta, *args, **kwargs)
            return
        # pydicom refuses empty Type 1 meta elements; pynetdicom's guard then aborts the
        # sub-association (movescu.net.guards): keep that behaviour
        empty = [
            name
            for name, value in (
                ("(0002,0002) Media Storage SOP Class UID", meta.sop_class_uid),
                ("(0002,0003) Media Storage SOP Instance UID", meta.sop_instance_uid),
                ("(0002,0010) Transfer Syntax UID", meta.transfer_syntax),
            )
            if not value
        ]
        if empty:
            raise AttributeError(
                "Required File Meta Information elements are either missing "
                f"or have an empty value: {', '.join(empty)}"
            )
        fp.write(spool_meta_bytes(meta, output, calling_ae())[132:])

    return write
