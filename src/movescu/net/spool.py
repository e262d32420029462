"""The temporary file pynetdicom receives a C-STORE data set into (chunked receive).

Owns creating that file (inside ``-od``, hidden name, falling back to the
system temporary directory when ``-od`` refuses new files) and making it
survive a full disk: a write error is remembered and the rest of the data set
is drained, so the Storage SCP can answer the C-STORE with 0xA700 instead of
pynetdicom's DUL thread dying mid-message.  Must not decide statuses or log:
:mod:`movescu.net.scp` reads :attr:`SpoolFile.error`.
"""

from __future__ import annotations

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
                self._handle.write(data)
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
