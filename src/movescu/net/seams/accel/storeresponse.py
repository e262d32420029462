"""C-STORE responses encoded with ``struct`` instead of pydicom (speed, issue 6).

pynetdicom turns every response primitive into a pydicom command data set and
encodes it (about 0.2-0.3 ms per C-STORE on the benchmark machine).  A plain
C-STORE-RSP has six fixed elements, so this module owns encoding exactly the
bytes pynetdicom would send for one: implicit VR little endian, elements in
tag order, UIDs padded with NUL, the group length first.  Anything else (an
Error Comment, an Offending Element, empty UIDs, a fragmenting PDU size) is
left to pynetdicom.  Must not send anything itself: accel/storestream.py and
accel/storedimse.py do.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

logger = logging.getLogger(__name__)

C_STORE_RSP = 0x8001
NO_DATA_SET = 0x0101
#: PDU header (6) + PDV header (4 + 1 control byte): what a one-PDV P-DATA-TF adds
_PDU_OVERHEAD = 11


def _element(tag: int, value: bytes) -> bytes:
    return struct.pack("<HHL", 0, tag, len(value)) + value


def _uid(value: str) -> bytes:
    data = value.encode("ascii")
    return data + b"\0" if len(data) % 2 else data


def encode_store_response(
    message_id: int, sop_class: str, sop_instance: str, status: int
) -> bytes:
    """The command set of a C-STORE-RSP without optional elements.

    Parameters
    ----------
    message_id : int
        Message ID Being Responded To.
    sop_class, sop_instance : str
        Affected SOP Class/Instance UID (ASCII).
    status : int
        The DIMSE status.

    Returns
    -------
    bytes
        (0000,0000) to (0000,1000), implicit VR little endian.
    """
    body = b"".join(
        [
            _element(0x0002, _uid(sop_class)),
            _element(0x0100, struct.pack("<H", C_STORE_RSP)),
            _element(0x0120, struct.pack("<H", message_id)),
            _element(0x0800, struct.pack("<H", NO_DATA_SET)),
            _element(0x0900, struct.pack("<H", status)),
            _element(0x1000, _uid(sop_instance)),
        ]
    )
    return _element(0x0000, struct.pack("<L", len(body))) + body


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
