"""The temporary file pynetdicom receives a C-STORE data set into (chunked receive).

Owns creating that file (inside ``-od``, hidden name, falling back to the
system temporary directory when ``-od`` refuses new files) and making it
survive a full disk: a write error is remembered and the rest of the data set
is drained, so the Storage SCP can answer the C-STORE with 0xA700 instead of
pynetdicom's DUL thread dying mid-message.  Also opens, starts (preamble and
meta group) and discards spool files for the C-STORE fast path
(:mod:`movescu.net.seams.accel.storestream`) the way pynetdicom's decoder does, through the
same hooked names.  Must not decide statuses or log:
:mod:`movescu.net.scp.server` reads :attr:`SpoolFile.error`.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

#: prefix of the receive spool files inside the output directory
SPOOL_PREFIX = ".movescu-recv-"


class SpoolFile:
    """A ``NamedTemporaryFile`` stand-in whose writes never raise.

    pynetdicom's ``decode_msg`` calls ``write``, ``file.flush()``; its storage
    service calls ``close()`` and unlinks ``name``.
    """

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        # the file object itself: tempfile's wrapper looks every attribute up again
        self._write = getattr(handle, "file", handle).write
        self.name: str = handle.name
        #: the first write error (ENOSPC, EIO, ...); None while all went well
        self.error: OSError | None = None

    @property
    def file(self) -> SpoolFile:
        """pynetdicom flushes ``<file>.file``: that is us."""
        return self

    def write(self, data: bytes) -> int:
        """Write ``data``; after a failure, discard it (the sender is still drained)."""
        if self.error is None:
            try:
                self._write(data)
            except OSError as exc:
                self.error = exc
        return len(data)

    def flush(self) -> None:
        """Flush to the file system, remembering a failure."""
        if self.error is None:
            try:
                self._handle.flush()
            except OSError as exc:
                self.error = exc

    def close(self) -> None:
        """Close the file (a failing final flush is remembered, not raised)."""
        try:
            self._handle.close()
        except OSError as exc:
            if self.error is None:
                self.error = exc


def open_spool_file(directory: str, **kwargs: Any) -> SpoolFile:
    """Create a spool file in ``directory`` (or the system temporary directory).

    Parameters
    ----------
    directory : str
        The ``-od`` directory (same file system as the final files: a cheap copy).
    **kwargs
        pynetdicom's ``NamedTemporaryFile`` arguments (``delete``, ``mode``, ``suffix``).

    Returns
    -------
    SpoolFile
        The open file.

    Raises
    ------
    OSError
        Neither directory accepts a new file.
    """
    kwargs.setdefault("prefix", SPOOL_PREFIX)
    try:
        handle = tempfile.NamedTemporaryFile(dir=directory, **kwargs)  # noqa: SIM115
    except OSError:
        # -od went read-only or vanished: receive anyway, the write then fails (0xA700)
        handle = tempfile.NamedTemporaryFile(**kwargs)  # noqa: SIM115
    return SpoolFile(handle)


# ----------------------------------------------------- the C-STORE fast path's spool files


def new_spool_file() -> Any | None:
    """A new spool file, as pynetdicom's decoder creates it (None: it cannot be created).

    Through ``pynetdicom.dimse_messages.NamedTemporaryFile``, which the Storage
    SCP replaces (net/scp/server.py: inside ``-od``, remembered for the clean-up).
    """
    from pynetdicom import dimse_messages as _messages

    dimse_messages: Any = _messages
    try:
        return dimse_messages.NamedTemporaryFile(delete=False, mode="wb", suffix=".dcm")
    except OSError:
        return None


def discard_spool_file(spool: Any) -> None:
    """Close and remove a spool file (errors ignored: it is a temporary file)."""
    try:
        spool.close()
    except OSError:
        pass
    try:
        os.unlink(spool.name)
    except OSError:
        pass


def start_spool_file(request: Any, context: Any, spare: Any | None = None) -> Any | None:
    """pynetdicom's spool file for ``request``, opened the way its decoder opens it.

    ``spare`` (a file opened ahead by :func:`new_spool_file`) is used when
    given.  The preamble and the meta group go through the same module names
    as pynetdicom's (``create_file_meta``, ``write_file_meta_info`` of
    ``pynetdicom.dimse_messages``), so the Storage SCP's hooks apply.  None
    (nothing left behind) when that fails: pynetdicom then fails the same way
    on its own path.
    """
    from pynetdicom import dimse_messages as _messages

    # the Storage SCP replaces these module names (net/scp/server.py, output/spoolmeta.py)
    dimse_messages: Any = _messages
    spool = spare if spare is not None else new_spool_file()
    if spool is None:
        return None
    try:
        spool.write(b"\x00" * 128)
        spool.write(b"DICM")
        dimse_messages.write_file_meta_info(
            spool,
            dimse_messages.create_file_meta(
                sop_class_uid=request.AffectedSOPClassUID,
                sop_instance_uid=request.AffectedSOPInstanceUID,
                transfer_syntax=context.transfer_syntax[0],
            ),
        )
    except Exception:  # noqa: BLE001 - pynetdicom's own path reports it
        discard_spool_file(spool)
        return None
    return spool
