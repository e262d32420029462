"""What happens to one received data set (spec 5.5): name it, encode it, write it, check it.

Owns the decision flow of DCMTK's ``storeSCPCallback`` for a single C-STORE
and maps failures to named DIMSE statuses: ``--ignore`` (receive, discard,
0x0000), ``+B`` (exact received bytes + a meta header from the request, no
checks) and normal mode (re-encoded per the output options, then the data
set's SOP Class/Instance UIDs are compared with the request).  Under
``--resume``, an instance the resumed run already stored (its file still there)
is answered with success and not written again.  Must not touch
the network: :mod:`movescu.net.scp.server` hands it the received bytes and sends the
status it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from movescu.config import OutputOptions, StorageOptions
from movescu.dicom.conditions import CANNOT_CREATE_FILE
from movescu.dicom.dimse import (
    STATUS_CANNOT_UNDERSTAND,
    STATUS_DATASET_MISMATCH,
    STATUS_OUT_OF_RESOURCES,
    STATUS_SUCCESS,
)
from movescu.logblock import block_aware_logger, together
from movescu.output import encoding
from movescu.output.dataset import Element
from movescu.output.events import StudyError
from movescu.output.naming import object_file_name
from movescu.output.writer import (
    Chunk,
    FileRange,
    WriteError,
    adopt_file,
    file_matches,
    output_path,
    write_object,
)

logger = block_aware_logger(__name__)


@dataclass(frozen=True)
class ReceivedDataSet:
    """One received C-STORE data set and the request fields that describe it.

    The data set bytes are either ``data`` (in memory) or ``length`` bytes of
    the file ``path`` from ``offset`` (pynetdicom's chunked receive).
    """

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str
    calling_ae_title: str
    data: bytes | None = None
    path: str | None = None
    offset: int = 0
    length: int = 0

    def source(self) -> encoding.Source:
        """The data set bytes as an :class:`encoding.Source`."""
        if self.data is not None:
            return encoding.Source.from_bytes(self.data)
        assert self.path is not None
        return encoding.Source.from_file(self.path, self.offset, self.length)

    def raw_chunks(self) -> list[bytes | FileRange]:
        """The exact received bytes, without loading a file-backed data set."""
        if self.data is not None:
            return [self.data]
        assert self.path is not None
        return [FileRange(self.path, self.offset, self.length)]


@dataclass(frozen=True)
class StoreResult:
    """The outcome of :func:`store_object`."""

    status: int
    path: Path | None = None
    nbytes: int = 0
    #: the resumed run had stored it already at ``path`` (nothing written now)
    received_before: bool = False


#: chooses the output path from the parsed data set (None in ``+B`` mode); raises
#: :class:`movescu.output.events.StudyError` when the object cannot be placed
Namer = Callable[[list[Element] | None], Path]


def store_object(
    received: ReceivedDataSet,
    output: OutputOptions,
    storage: StorageOptions,
    namer: Namer | None = None,
    received_before: Mapping[str, Path] | None = None,
) -> StoreResult:
    """Store (or discard) one received data set and return the C-STORE status.

    Parameters
    ----------
    received : ReceivedDataSet
        The data set and its request fields.
    output : OutputOptions
        ``-od``, ``+B``, ``+F/-F``, ``+t…``, ``+u/-u``, ``+g…``, ``+e/-e``, ``+p``, ``+cl``.
    storage : StorageOptions
        ``--ignore`` and ``-up``.
    namer : callable, optional
        storescp's sorting/naming options (:mod:`movescu.output.events`); default
        DCMTK movescu's ``<prefix>.<uid>`` in ``-od``.
    received_before : mapping, optional
        ``--resume``: SOP Instance UID -> file of the instances the resumed run
        stored (:func:`movescu.bulkplan.received_before`); these are not written again.

    Returns
    -------
    StoreResult
        The status to send and, when a file was written (or was there already),
        its path and size.
    """
    if storage.ignore:
        return StoreResult(STATUS_SUCCESS)
    existing = (received_before or {}).get(received.sop_instance_uid)
    if existing is not None and existing.is_file():
        logger.info("Already received by the resumed run: %s", existing)
        return StoreResult(STATUS_SUCCESS, existing, received_before=True)
    name = object_file_name(received.sop_class_uid, received.sop_instance_uid)
    target = output_path(output.directory, name)
    if output.bit_preserving:
        return _store_bit_preserving(received, output, namer(None) if namer else target)
    return _store_normal(received, output, storage, target, namer)


def receive_failed(
    received: ReceivedDataSet, output: OutputOptions, storage: StorageOptions
) -> StoreResult:
    """The data set could not be received to disk (e.g. a full disk): 0xA700, no file.

    Parameters
    ----------
    received : ReceivedDataSet
        The request fields (its data is incomplete and never written).
    output : OutputOptions
        ``-od`` and ``+B`` (they choose the path and DCMTK's wording of the error).
    storage : StorageOptions
        ``--ignore`` (which discards the data anyway: still success).

    Returns
    -------
    StoreResult
        0xA700 (0x0000 with ``--ignore``).
    """
    if storage.ignore:
        return StoreResult(STATUS_SUCCESS)
    target = output_path(
        output.directory, object_file_name(received.sop_class_uid, received.sop_instance_uid)
    )
    if output.bit_preserving:
        logger.error("Store SCP Failed: %s: %s", CANNOT_CREATE_FILE, target)
    else:
        logger.error("cannot write DICOM file: %s", target)
    return StoreResult(STATUS_OUT_OF_RESOURCES)


def _store_bit_preserving(
    received: ReceivedDataSet, output: OutputOptions, target: Path
) -> StoreResult:
    chunks: list[bytes | FileRange] = []
    if output.write_file:
        chunks.append(
            encoding.encode_file_preamble_and_meta(
                received.sop_class_uid,
                received.sop_instance_uid,
                received.transfer_syntax,
                source_ae_title=received.calling_ae_title,
                bit_preserving=True,
            )
        )
    chunks.extend(received.raw_chunks())
    try:
        # DCMTK's +B mode never warns about an existing file (also 3.7.0).
        nbytes = None
        if _spool_is_output(received, chunks):
            assert received.path is not None
            nbytes = adopt_file(received.path, target, warn_existing=False)
        if nbytes is None:
            nbytes = write_object(target, chunks, warn_existing=False)
    except WriteError:
        # DCMTK: "Store SCP Failed: " + the condition
        logger.error("Store SCP Failed: %s: %s", CANNOT_CREATE_FILE, target)
        return StoreResult(STATUS_OUT_OF_RESOURCES)
    return StoreResult(STATUS_SUCCESS, target, nbytes)


def _spool_is_output(received: ReceivedDataSet, chunks: Iterable[Chunk]) -> bool:
    """True when the receive spool file already is the output file ``chunks`` describe.

    pynetdicom's spool file starts with the header our output would have
    (:mod:`movescu.output.spoolmeta`); then a rename replaces writing every byte again.
    """
    return received.path is not None and file_matches(received.path, chunks)


def _store_normal(
    received: ReceivedDataSet,
    output: OutputOptions,
    storage: StorageOptions,
    target: Path,
    namer: Namer | None = None,
) -> StoreResult:
    try:
        with received.source() as source:
            dataset = encoding.parse_dataset(source, received.transfer_syntax)
            if namer is not None:
                try:
                    target = namer(dataset)
                except StudyError:
                    # storescp's callback: 0xC000, nothing written
                    return StoreResult(STATUS_CANNOT_UNDERSTAND)
            chunks = encoding.encode_file(dataset, received.transfer_syntax, output)
            adopt = _spool_is_output(received, chunks)
            nbytes = adopt_file(received.path, target) if adopt and received.path else None
            if nbytes is None:
                chunks = encoding.encode_file(dataset, received.transfer_syntax, output)
                nbytes = write_object(target, chunks, warn_existing=not adopt)
    except (WriteError, encoding.EncodingError) as exc:
        with together():
            logger.debug("write failed: %s", exc)
            logger.error("cannot write DICOM file: %s", target)
        return StoreResult(STATUS_OUT_OF_RESOURCES)
    # DCMTK checks the data set only after the file was written, and keeps the file.
    sop_class = encoding.find_uid(dataset, encoding.TAG_SOP_CLASS_UID)
    sop_instance = encoding.find_uid(dataset, encoding.TAG_SOP_INSTANCE_UID)
    if sop_class is None or sop_instance is None:
        # DCMTK passes a null file name here: nothing follows "bad DICOM file: ".
        logger.critical("bad DICOM file: ")
        return StoreResult(STATUS_CANNOT_UNDERSTAND, target, nbytes)
    if storage.uid_padding:
        # -up: drop one trailing space (no visible effect: whitespace is already stripped)
        sop_class = sop_class[:-1] if sop_class.endswith(" ") else sop_class
        sop_instance = sop_instance[:-1] if sop_instance.endswith(" ") else sop_instance
    if sop_class != received.sop_class_uid or sop_instance != received.sop_instance_uid:
        return StoreResult(STATUS_DATASET_MISMATCH, target, nbytes)
    return StoreResult(STATUS_SUCCESS, target, nbytes)
