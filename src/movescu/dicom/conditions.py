"""DCMTK 3.6.7's condition texts (module 0006 = dcmnet), each written once.

Owns the ``OFCondition`` lines DCMTK prints for network and DIMSE failures,
as ``DimseCondition::dump`` and the DUL print them (``dcmnet/libsrc/cond.cc``,
``dimse.cc``, ``dul.cc``, ``dulfsm.cc``), so the SCU, the Storage SCP, the
guards and the output stage word a failure alike.  Constants for fixed texts,
functions for texts with a value.  Pure strings: no logging, no network.
"""

from __future__ import annotations

# -------------------------------------------------------------------- DIMSE (0006:02xx)

BAD_COMMAND_TYPE = "0006:0201 DIMSE Bad command type"
INAPPROPRIATE_DATA = "0006:0202 DIMSE Inappropriate data for message"
#: -td/--dimse-timeout expired while waiting for the next message
DIMSE_TIMEOUT = "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
NO_VALID_CONTEXT = "0006:0208 DIMSE No valid Presentation Context ID"
#: the Storage SCP could not create the output file (``Store SCP Failed: ...: <path>``)
CANNOT_CREATE_FILE = "0006:020a DIMSE_storeProvider: Cannot create file"
MISSING_STATUS = "0006:020b DIMSE: Command Parse Failed: Element: (0000,0900) Status"
READ_PDV_FAILED = "0006:020c DIMSE Read PDV failed"
#: a message that cannot be decoded
RECEIVE_FAILED = "0006:020d DIMSE Failed to receive message"
#: what DCMTK 3.6.7 reports when -pi misreads a pending response's data set as a command
COMMAND_READ_FAILED = (
    "0006:020d DIMSE: receiveCommand: cmdSet->read() Failed\n0001:0004 Invalid stream"
)
COMMAND_PDV_EXPECTED = "0006:020f DIMSE: Command PDV Expected"


def unexpected_msg_id(got: int, expected: int) -> str:
    return f"0006:0211 DIMSE: Unexpected Response MsgId: {got} (expected: {expected})"


def unexpected_command(command_field: int) -> str:
    return f"0006:0211 DIMSE: Unexpected Response Command Field: 0x{command_field:x}"


# -------------------------------------------------------------- ASC and DUL (0006:01xx, 03xx)

#: EC_Normal, as DimseCondition::dump prints it (DCMTK's second pass over a
#: sub-association whose peer closed inside a PDU ends with it)
NORMAL = "0000:0000 Normal"
BAD_CONTEXT = "0006:0101 ASC Bad presentation context ID"
#: DCMTK 3.6.7 movescu, for a +P connection that closed before its A-ASSOCIATE-RQ
NO_CONTEXT_PROPOSED = "0006:0110 No presentation context proposed"
#: the connection ended inside a PDU
NETWORK_CLOSED = "0006:0310 DUL network closed"
PEER_ABORTED = "0006:0317 Peer aborted Association (or never connected)"
PEER_RELEASED = "0006:0319 DUL Peer Requested Release"
READ_TIMEOUT = "0006:031a DUL network read timeout"


def illegal_service_parameter(text: str) -> str:
    """``ASC_requestAssociation`` refusing a parameter before connecting."""
    return f"0006:030c {text}"


def illegal_pdu_length(length: int, max_pdu: int) -> str:
    """A PDU longer than we accept (P-DATA-TF: our ``-pdu``)."""
    return f"0006:0308 DUL Illegal PDU Length {length}.  Max expected {max_pdu}"


def tcp_error(text: str) -> str:
    return f"0006:031c TCP Initialization Error: {text}"


def unknown_host(host: str) -> str:
    return f"0006:0320 Attempt to connect to unknown host: {host}"


def unrecognized_pdu(pdu_type: int) -> str:
    """A PDU type DCMTK does not know (printed ``%2x``)."""
    return f"0006:0321 Unrecognized PDU type: {pdu_type:2x}"


def tcp_wrapper_denied(client_name: str, client_address: str) -> str:
    """``DULC_TCPWRAPPER``: host access control denied a connection."""
    return f"0006:0324 TCP wrapper: denied connection from {client_name} ({client_address})"
