"""C-STORE responses encoded with ``struct`` instead of pydicom (speed, issue 6).

pynetdicom turns every response primitive into a pydicom command data set and
encodes it (about 0.2-0.3 ms per C-STORE on the benchmark machine).  A plain
C-STORE-RSP has six fixed elements, so this module owns deciding which
response primitive is such a plain one, whose bytes
:func:`movescu.dicom.commandset.encode_store_response` writes as pynetdicom
would.  Anything else (an
Error Comment, an Offending Element, empty UIDs, a fragmenting PDU size) is
left to pynetdicom.  Must not send anything itself: accel/storestream.py and
accel/storedimse.py do.
"""

from __future__ import annotations

import struct
from typing import Any

from movescu.dicom.commandset import encode_store_response
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

#: PDU header (6) + PDV header (4 + 1 control byte): what a one-PDV P-DATA-TF adds
_PDU_OVERHEAD = 11


def plain_store_response(primitive: Any, max_pdu: int) -> bytes | None:
    """The encoded command set when ``primitive`` is a plain C-STORE response, else None.

    Parameters
    ----------
    primitive : pynetdicom.dimse_primitives.C_STORE
        A response primitive (or anything else: then None).
    max_pdu : int
        The peer's maximum PDU length (0: unlimited); the command must fit one PDU.

    Returns
    -------
    bytes or None
        What pynetdicom would encode, or None to let pynetdicom do it.
    """
    from pynetdicom.dimse_primitives import C_STORE

    if type(primitive) is not C_STORE:
        return None
    message_id = primitive.MessageIDBeingRespondedTo
    status = primitive.Status
    sop_class = primitive.AffectedSOPClassUID
    sop_instance = primitive.AffectedSOPInstanceUID
    if message_id is None or status is None or not sop_class or not sop_instance:
        return None
    if primitive.ErrorComment is not None or primitive.OffendingElement is not None:
        return None
    try:
        command = encode_store_response(int(message_id), sop_class, sop_instance, int(status))
    except (UnicodeEncodeError, struct.error):
        return None
    if max_pdu and len(command) + _PDU_OVERHEAD > max_pdu:
        return None
    return command
