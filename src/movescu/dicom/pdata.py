"""P-DATA-TF PDUs taken apart and built by hand (the C-STORE fast path, issue 6).

Owns reading the PDV items of a whole received P-DATA-TF PDU (without copying
it: a bytearray or a view of the socket's receive buffer), encoding a PDU of
one PDV exactly as pynetdicom encodes it (PS3.8 9.3.5), and DCMTK's "Max Send
PDV" for a peer's maximum PDU length, with the largest fragment we send it.
Must not interpret the fragments (net/seams/accel/storestream.py does).
"""

from __future__ import annotations

import struct

from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

#: PDU type of a P-DATA-TF (PS3.8 9.3.1)
P_DATA_TF = 0x04
#: an A-ABORT PDU, source: service user, no reason (PS3.8 9.3.8), as DCMTK sends it
A_ABORT_PDU = b"\x07\x00\x00\x00\x00\x04\x00\x00\x00\x00"
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


#: DCMTK's maximum outgoing PDU size (dcmMaxOutgoingPDUSize, ASC_MAXIMUMPDUSIZE)
MAX_OUTGOING_PDU = 131072
#: DCMTK's fallback PDV length: its minimum PDU size (ASC_MINIMUMPDUSIZE 4096) - 12
_DEFAULT_PDV = 4096 - _PDV_OVERHEAD


def send_pdv(peer_max_pdu: int) -> tuple[int, list[str]]:
    """DCMTK's ``Max Send PDV`` for a peer's maximum PDU length, with its warnings.

    DCMTK caps the peer's maximum at its own maximum outgoing PDU size (a peer's
    0, "unlimited", counts as that maximum), makes it even, subtracts the 12
    bytes of PDU and PDV headers and falls back to 4084 when what is left is
    below 12 bytes.  Checked against DCMTK 3.6.7 (tests/interop).

    Parameters
    ----------
    peer_max_pdu : int
        The peer's maximum PDU length as negotiated (0: unlimited).

    Returns
    -------
    (int, list of str)
        The length of the PDVs DCMTK sends, and the ``W:`` lines it logs
        (``ASSOC: ...``) on the way, in order.
    """
    warnings: list[str] = []
    length = peer_max_pdu if 0 < peer_max_pdu <= MAX_OUTGOING_PDU else MAX_OUTGOING_PDU
    if length % 2:
        warnings.append(f"ASSOC: PDV send length {length} is odd (using {length - 1})")
        length -= 1
    length -= _PDV_OVERHEAD
    if length <= 0:
        warnings.append(f"ASSOC: PDV send length {length} (using default)")
        length = _DEFAULT_PDV
    elif length < _PDV_OVERHEAD:
        warnings.append("ASSOC: PDV send length too small, using DUL to split larger PDVs.")
        length = _DEFAULT_PDV
    return length, warnings


def receive_pdu(max_pdu: int) -> tuple[int, list[str]]:
    """The maximum PDU length DCMTK announces for our ``-pdu``, with its warning.

    DCMTK makes an odd value even (``W: ASSOC: PDV receive length 16383 is odd
    (using 16382)``, logged whenever it sets up association parameters: once
    for the C-MOVE association, once per sub-association).
    """
    if max_pdu % 2:
        return max_pdu - 1, [f"ASSOC: PDV receive length {max_pdu} is odd (using {max_pdu - 1})"]
    return max_pdu, []


def send_fragment(peer_max_pdu: int) -> int:
    """The largest fragment (PDV value) DCMTK sends to a peer with this maximum PDU length.

    That is the ``Max Send PDV`` of :func:`send_pdv`, except where DCMTK logs
    "too small, using DUL to split larger PDVs": its DUL then splits each PDV
    to fit the peer's PDU (a peer's 18 gets fragments of 6 bytes).  A maximum
    of 12 or less leaves no room for a fragment (DCMTK then fails to send); the
    4084 bytes DCMTK logs are used.
    """
    length = peer_max_pdu if 0 < peer_max_pdu <= MAX_OUTGOING_PDU else MAX_OUTGOING_PDU
    length = length - length % 2 - _PDV_OVERHEAD
    return length if length > 0 else _DEFAULT_PDV


def max_send_pdv(peer_max_pdu: int) -> int:
    """DCMTK's ``Max Send PDV`` for a peer's maximum PDU length (see :func:`send_pdv`)."""
    return send_pdv(peer_max_pdu)[0]
