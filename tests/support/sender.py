"""A byte-for-byte C-STORE sender and a fake Move SCP built on it (test support only).

``send_raw`` opens a storage association and sends pre-encoded data-set bytes
unchanged on the transfer syntax given for each object (pynetdicom's
documented ``STORE_SEND_CHUNKED_DATASET`` + file-path mode streams the file's
data set bytes as they are).  The request's Affected SOP Class/Instance UIDs
come from the object, so they may differ from the data set on purpose.

``FakeMoveSCP`` answers C-MOVE by sending its objects with ``send_raw`` to the
destination registered for the Move Destination AE title, then returns a final
Success: the differential tests drive DCMTK's movescu and ours through it.
Everything binds 127.0.0.1 on a free port and is stopped by its context manager.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.dataset import FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import UID

PATIENT_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.1.2"
STUDY_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"
STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"


@dataclass(frozen=True)
class RawObject:
    """A data set to send exactly as encoded, with the request's UIDs and TS."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str
    dataset: bytes


def _write_temp_file(obj: RawObject, directory: str) -> str:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(obj.sop_class_uid)
    meta.MediaStorageSOPInstanceUID = UID(obj.sop_instance_uid)
    meta.TransferSyntaxUID = UID(obj.transfer_syntax)
    meta.ImplementationClassUID = UID("1.2.3.4")
    handle = tempfile.NamedTemporaryFile(dir=directory, suffix=".dcm", delete=False)  # noqa: SIM115
    with handle:
        handle.write(b"\0" * 128 + b"DICM")
        write_file_meta_info(handle, meta, enforce_standard=True)
        handle.write(obj.dataset)
    return handle.name


def send_raw(
    host: str,
    port: int,
    objects: Sequence[RawObject],
    *,
    calling_ae: str = "FAKESCP",
    called_ae: str = "ANY-SCP",
    max_pdu: int = 16384,
) -> list[int | None]:
    """Send ``objects`` on one association; return each C-STORE status (None = no response).

    Parameters
    ----------
    host, port : str, int
        The Storage SCP.
    objects : sequence of RawObject
        What to send, in order.
    calling_ae, called_ae : str
        AE titles of the association.
    max_pdu : int
        Our maximum receive PDU.

    Returns
    -------
    list of int or None
        One status per object.
    """
    from pynetdicom import AE, _config

    _config.STORE_SEND_CHUNKED_DATASET = True
    ae = AE(ae_title=calling_ae)
    ae.maximum_pdu_size = max_pdu
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        key = (obj.sop_class_uid, obj.transfer_syntax)
        if key not in seen:
            seen.add(key)
            ae.add_requested_context(obj.sop_class_uid, [obj.transfer_syntax])
    statuses: list[int | None] = []
    with tempfile.TemporaryDirectory() as directory:
        paths = [_write_temp_file(obj, directory) for obj in objects]
        assoc = ae.associate(host, port, ae_title=called_ae)
        if not assoc.is_established:
            return [None] * len(objects)
        try:
            for path in paths:
                try:
                    status = assoc.send_c_store(path)
                    statuses.append(int(status.Status) if "Status" in status else None)
                except (ValueError, RuntimeError):
                    statuses.append(None)
        finally:
            if assoc.is_established:
                assoc.release()
    return statuses


class FakeMoveSCP:
    """A Q/R Move SCP on 127.0.0.1 that sends fixed raw objects to the destination.

    Parameters
    ----------
    objects : sequence of RawObject
        Sent on every C-MOVE.
    destinations : dict
        Move Destination AE title -> (host, port).
    ae_title : str
        Our AE title (also the calling AE title of the store association).
    """

    def __init__(
        self,
        objects: Sequence[RawObject],
        destinations: dict[str, tuple[str, int]],
        *,
        ae_title: str = "FAKESCP",
    ) -> None:
        self.objects = list(objects)
        self.destinations = dict(destinations)
        self.ae_title = ae_title
        self.statuses: list[list[int | None]] = []
        self.port = 0
        self._server: Any = None
        self._lock = threading.Lock()

    def _on_move(self, event: Any) -> Iterator[Any]:
        destination = self.destinations.get(str(event.move_destination).strip())
        if destination is None:
            yield None, None
            return
        yield destination
        statuses = send_raw(destination[0], destination[1], self.objects, calling_ae=self.ae_title)
        with self._lock:
            self.statuses.append(statuses)
        yield 0

    def __enter__(self) -> FakeMoveSCP:
        from pynetdicom import AE, evt

        ae = AE(ae_title=self.ae_title)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
        syntaxes = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2"]
        for uid in (PATIENT_ROOT_FIND, PATIENT_ROOT_MOVE, STUDY_ROOT_FIND, STUDY_ROOT_MOVE):
            ae.add_supported_context(uid, syntaxes)
        self._server = ae.start_server(
            ("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_MOVE, self._on_move)]
        )
        self.port = int(self._server.server_address[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None


def write_query_file(path: Path, level: str = "STUDY") -> Path:
    """Write a minimal C-MOVE query file (QueryRetrieveLevel only) for movescu."""
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.QueryRetrieveLevel = level
    ds.StudyInstanceUID = "1.2.3"
    ds.save_as(path, implicit_vr=True, little_endian=True, enforce_file_format=False)
    return path
