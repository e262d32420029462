"""DIMSE constants with names: command fields, the data-set type, statuses, command elements.

Owns the numbers of PS3.7 that more than one stage compares against: the
Command Field of each message we send or receive (E.2), the Command Data Set
Type that means "no data set", the DIMSE statuses we send or act on (C-STORE
PS3.4 B.2.3, C-MOVE C.4.2.1.5, and pynetdicom's 0xC211 for a handler that
raised), the group 0000 elements we read by tag, and the two readers every
side needs of a decoded command set (:func:`has_data_set`,
:func:`suboperation_counters`) and of a response identifier
(:func:`decode_identifier`).  Their *wording* lives in
:mod:`movescu.dicom.names` and :mod:`movescu.dicom.messages`.  pynetdicom is
imported only inside :func:`decode_identifier`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from movescu.logblock import block_aware_logger

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

logger = block_aware_logger(__name__)

# --------------------------------------------------------------------------- (0000,0100)

C_STORE_RQ = 0x0001
C_STORE_RSP = 0x8001
C_MOVE_RQ = 0x0021
C_MOVE_RSP = 0x8021
C_ECHO_RQ = 0x0030
C_ECHO_RSP = 0x8030
C_CANCEL_RQ = 0x0FFF

#: (0000,0800) Command Data Set Type: no data set follows the command
NO_DATA_SET = 0x0101

# --------------------------------------------------------------------------- (0000,0900)

STATUS_SUCCESS = 0x0000
#: C-MOVE: sub-operations are continuing
STATUS_PENDING = 0xFF00
#: C-MOVE: sub-operations terminated due to a C-CANCEL
STATUS_CANCEL = 0xFE00
#: C-MOVE: sub-operations complete, one or more failures or warnings
STATUS_WARNING = 0xB000
#: C-STORE: refused, out of resources (DCMTK's answer when a file cannot be written)
STATUS_OUT_OF_RESOURCES = 0xA700
#: C-STORE: data set does not match SOP class
STATUS_DATASET_MISMATCH = 0xA900
#: C-STORE: cannot understand
STATUS_CANNOT_UNDERSTAND = 0xC000
#: pynetdicom's answer when an EVT_C_STORE handler raises
STATUS_HANDLER_EXCEPTION = 0xC211

# --------------------------------------------------------------------------- group 0000 tags

COMMAND_GROUP_LENGTH = 0x00000000
AFFECTED_SOP_CLASS = 0x00000002
COMMAND_FIELD = 0x00000100
MESSAGE_ID = 0x00000110
MESSAGE_ID_BEING_RESPONDED_TO = 0x00000120
PRIORITY = 0x00000700
DATA_SET_TYPE = 0x00000800
STATUS = 0x00000900
AFFECTED_SOP_INSTANCE = 0x00001000
MOVE_ORIGINATOR_AE = 0x00001030
MOVE_ORIGINATOR_ID = 0x00001031
#: Offending Element, Error Comment, Error ID: a response's status detail (DCMTK's statusDetail)
STATUS_DETAIL_TAGS = (0x00000901, 0x00000902, 0x00000903)
NUMBER_OF_REMAINING = 0x00001020
NUMBER_OF_COMPLETED = 0x00001021
NUMBER_OF_FAILED = 0x00001022
NUMBER_OF_WARNING = 0x00001023
#: keywords of a C-MOVE-RSP's remaining, completed, failed and warning sub-operations
SUBOPERATION_KEYWORDS = (
    "NumberOfRemainingSuboperations",
    "NumberOfCompletedSuboperations",
    "NumberOfFailedSuboperations",
    "NumberOfWarningSuboperations",
)

#: (0008,0058) Failed SOP Instance UID List of a C-MOVE-RSP identifier
FAILED_SOP_INSTANCE_UID_LIST = 0x00080058


def has_data_set(command: Any) -> bool:
    """True when a decoded command set announces a data set (Command Data Set Type != 0x0101).

    ``command`` answers ``get(keyword, default)``: pydicom's data set or a
    :class:`movescu.dicom.commandset.MoveCommand`.
    """
    return int(command.get("CommandDataSetType", NO_DATA_SET)) != NO_DATA_SET


def suboperation_counters(command: Any) -> tuple[int | None, ...]:
    """Remaining, completed, failed, warning sub-operations of a C-MOVE-RSP (None: absent)."""
    values = [command.get(keyword) for keyword in SUBOPERATION_KEYWORDS]
    return tuple(None if value is None else int(value) for value in values)


def decode_identifier(data: bytes, transfer_syntax: str) -> Dataset | None:
    """A response identifier decoded as pynetdicom decodes it; None when it cannot be.

    Parameters
    ----------
    data : bytes
        The encoded data set.
    transfer_syntax : str
        The UID of the presentation context's transfer syntax.
    """
    from io import BytesIO

    from pydicom.uid import UID
    from pynetdicom.dsutils import decode

    ts = UID(transfer_syntax)
    try:
        return decode(BytesIO(data), ts.is_implicit_VR, ts.is_little_endian, ts.is_deflated)
    except Exception:  # noqa: BLE001 - a bad response identifier is only not shown
        return None
