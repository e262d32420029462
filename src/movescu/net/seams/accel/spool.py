"""The accelerator's spool files: where a C-STORE's data set goes as it arrives.

Owns opening a spool file the way pynetdicom's decoder opens it (through
``pynetdicom.dimse_messages``' own names, so that the hooks of
:mod:`movescu.net.seams.settings` apply: the file is the Storage SCP's
receiver's), writing its preamble and meta group, and removing one that is not
needed.  Used by :mod:`movescu.net.seams.accel.storestream` only; must not
decide what a failure means (the stream does).
"""

from __future__ import annotations

import os
from typing import Any


def new_spool_file() -> Any | None:
    """A new spool file, as pynetdicom's decoder creates it (None: it cannot be created).

    Through ``pynetdicom.dimse_messages.NamedTemporaryFile``, which
    :mod:`movescu.net.seams.settings` points at the Storage SCP's receiver.
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
    ``pynetdicom.dimse_messages``), so the settings' hooks apply.  None
    (nothing left behind) when that fails: pynetdicom then fails the same way
    on its own path.
    """
    from pynetdicom import dimse_messages as _messages

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
