"""C-STORE requests turned into pynetdicom primitives without pydicom (speed, issue 6).

pynetdicom converts a received command set into its primitive by iterating a
pydicom data set (about 0.15-0.2 ms per C-STORE on the benchmark machine).
This module owns doing the same from the raw command bytes for the common,
clean case (read by :func:`movescu.dicom.commandset.store_request_fields`).  The
values are set through the primitive's own setters in tag order, as
pynetdicom does, so validation and errors are unchanged.  Anything unusual
returns None and pynetdicom converts the message itself.  Must not receive or
answer anything: accel/storestream.py and accel/storedimse.py call it.
"""

from __future__ import annotations

from typing import Any

from movescu.dicom.commandset import store_request_values
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)


def store_request_primitive(message: Any) -> Any | None:
    """The ``C_STORE`` primitive of a received C-STORE-RQ message, or None.

    Parameters
    ----------
    message : pynetdicom.dimse_messages.C_STORE_RQ
        A completely received message (command set and data set or spool file).

    Returns
    -------
    pynetdicom.dimse_primitives.C_STORE or None
        What ``message.message_to_primitive()`` returns, or None to call it.
    """
    from pynetdicom.dimse_primitives import C_STORE

    encoded = getattr(message, "encoded_command_set", None)
    if encoded is None:
        return None
    values = store_request_values(encoded.getvalue())
    if values is None:
        return None
    primitive = C_STORE()
    for name, value in values:
        setattr(primitive, name, value)
    primitive.DataSet = message.data_set
    primitive._context_id = message.context_id
    primitive._dataset_path = message._data_set_path
    primitive._dataset_file = message._data_set_file
    return primitive
