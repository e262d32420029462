"""The file a C-STORE data set is received into (the spool file), from creation to end.

Owns :class:`Receiver`, the sink the Storage SCP (stock or accelerated) hands
received data to: creating each spool file (inside ``-od``, hidden name,
falling back to the system temporary directory when ``-od`` refuses new
files), its file meta header (:mod:`movescu.output.spoolmeta`), surviving a
full or read-only disk (a write error is remembered and the rest of the data
set is drained, so the SCP can answer 0xA700 instead of pynetdicom's DUL
thread dying mid-message), the store stage claiming a file
(:mod:`movescu.output.store` then renames it into place or rewrites it) and
deleting the files of associations that ended or aborted mid-transfer.
pynetdicom reaches it through :mod:`movescu.net.seams.settings`.  Must not
decide statuses or log: :mod:`movescu.net.scp.server` reads
:attr:`SpoolFile.error`.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from movescu.config import OutputOptions
from movescu.output.spoolmeta import create_spool_meta, spool_meta_writer

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


class Receiver:
    """The spool files of one Storage SCP: opened, claimed by the store, or deleted.

    Parameters
    ----------
    output : OutputOptions
        The run's output options (``-od``, ``+B`` for the meta header).
    """

    def __init__(self, output: OutputOptions) -> None:
        self.output = output
        self.directory = str(output.directory)
        #: unclaimed spool file -> ident of the thread that receives into it
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def open(self, receiving_thread: int, **kwargs: Any) -> SpoolFile:
        """A new spool file received into by ``receiving_thread`` (see :func:`open_spool_file`)."""
        handle = open_spool_file(self.directory, **kwargs)
        with self._lock:
            self._open[handle.name] = receiving_thread
        return handle

    def claim(self, path: str) -> bool:
        """Take ``path`` over for the store stage: it is no longer deleted with its thread.

        Returns
        -------
        bool
            False when the file is gone (its association ended meanwhile).
        """
        with self._lock:
            self._open.pop(path, None)
            return os.path.exists(path)

    def discard_for(self, receiving_thread: int | None) -> None:
        """Delete the unclaimed spool files of an association that ended or aborted."""
        with self._lock:  # under the lock: claim() must not see a half-deleted file
            stale = [p for p, ident in self._open.items() if ident == receiving_thread]
            for path in stale:
                del self._open[path]
                _remove(path)

    def discard_all(self) -> None:
        """Delete every unclaimed spool file (the Storage SCP stops)."""
        with self._lock:
            leftovers = list(self._open)
            self._open.clear()
        for path in leftovers:
            _remove(path)

    # the meta header pynetdicom's chunked receive writes (output.spoolmeta)

    create_meta = staticmethod(create_spool_meta)

    def meta_writer(self, calling_ae: Callable[[], str | None]) -> Any:
        """pydicom's ``write_file_meta_info`` stand-in for this receiver's output options."""
        return spool_meta_writer(self.output, calling_ae)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
