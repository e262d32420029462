"""P-DATA-TF PDUs taken apart and built by hand (the C-STORE fast path, issue 6).

Owns reading the PDV items of a whole received P-DATA-TF PDU (without copying
it: a bytearray or a view of the socket's receive buffer), encoding a PDU of
one PDV exactly as pynetdicom encodes it (PS3.8 9.3.5), and DCMTK's "Max Send
PDV" for a peer's maximum PDU length.  Must not interpret the fragments
(net/seams/accel/storestream.py does).
"""

from __future__ import annotations

import logging
import struct

logger = logging.getLogger(__name__)

#: PDU type of a P-DATA-TF (PS3.8 9.3.1)
P_DATA_TF = 0x04
#: PDU header (6) + PDV item length (4) + context ID (1) + control header (1)
_PDV_OVERHEAD = 12

#: a received PDU: read by the DUL, or a view of the socket's receive buffer
PduBytes = bytearray | memoryview
#: PDV items of a P-DATA-TF PDU: (context ID, control header, start, stop) of the fragment
PdvItem = tuple[int, int, int, int]


def pdv_items(pdu: bytes | PduBytes) -> list[PdvItem] | None:
    """The PDV items of a whole P-DATA-TF PDU (header included); None if malformed.

    Parameters
    ----------
    pdu : bytes or bytearray
        The PDU, starting with its 6-byte header.

    Returns
    -------
    list of (context ID, control header, fragment start, fragment stop) or None
        None when an item is shorter than 2 bytes or overruns the PDU, or the
        PDU has no item (pynetdicom then decides).
    """
    items: list[PdvItem] = []
    pos, end = 6, len(pdu)
    while pos < end:
        if pos + 6 > end:
            return None
        (length,) = struct.unpack_from(">L", pdu, pos)
        if length < 2 or pos + 4 + length > end:
            return None
        items.append((pdu[pos + 4], pdu[pos + 5], pos + 6, pos + 4 + length))
        pos += 4 + length
    return items or None


def p_data_tf(context_id: int, control: int, fragment: bytes) -> bytes:
    """A P-DATA-TF PDU with one PDV, as pynetdicom encodes it.

    Parameters
    ----------
    context_id : int
        Presentation context ID.
    control : int
        Message control header (0x03: last command fragment).
    fragment : bytes
        The fragment.

    Returns
    -------
    bytes
        The whole PDU.
    """
    item = struct.pack(">LBB", len(fragment) + 2, context_id, control) + fragment
    return struct.pack(">BBL", P_DATA_TF, 0, len(item)) + item


def max_send_pdv(peer_max_pdu: int) -> int:
    """DCMTK's ``Max Send PDV`` (the peer's maximum PDU length - 12); 0 (unlimited) stays 0."""
    return max(peer_max_pdu - _PDV_OVERHEAD, 0)
