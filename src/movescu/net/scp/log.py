"""The Storage SCP's ``-d`` dumps: a sub-association's A-ASSOCIATE-RQ/AC and its requests.

Owns turning what pynetdicom knows of an incoming association, and the fields
of a received C-STORE-RQ or C-ECHO-RQ command set, into the blocks DCMTK's
movescu prints at debug level (``ASC_dumpParameters`` after ``Sub-Association
Received`` and ``Sub-Association Acknowledged``, ``DIMSE_dumpMessage`` after
``Received Store Request`` / ``Received Echo Request``), through the layouts of
:mod:`movescu.dicom.messages`.  As an acceptor DCMTK prints the Responding
Application Name empty.  Must not log (the Storage SCP and its PDU monitor
do) nor look at sockets.
"""

from __future__ import annotations

from typing import Any

from movescu.dicom import messages
from movescu.dicom.dimse import (
    AFFECTED_SOP_CLASS,
    AFFECTED_SOP_INSTANCE,
    C_ECHO_RQ,
    COMMAND_FIELD,
    DATA_SET_TYPE,
    MESSAGE_ID,
    MOVE_ORIGINATOR_AE,
    MOVE_ORIGINATOR_ID,
    NO_DATA_SET,
    PRIORITY,
)
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)


def _summary(assoc: Any, our_max_pdu: int, contexts: list[messages.ContextSummary]) -> Any:
    primitive = assoc.requestor.primitive
    return messages.association_summary(
        str(getattr(primitive, "calling_ae_title", "") or ""),
        str(getattr(primitive, "called_ae_title", "") or ""),
        our_max_pdu,
        contexts,
        assoc.requestor,
        responding="",
    )


def requested_dump(assoc: Any, our_max_pdu: int) -> list[str]:
    """``Parameters:`` and the A-ASSOCIATE-RQ block of a sub-association just requested.

    Parameters
    ----------
    assoc : pynetdicom.association.Association
        The acceptor association (at ``EVT_REQUESTED``).
    our_max_pdu : int
        Our maximum PDU receive length (``-pdu``).

    Returns
    -------
    list of str
        The lines, without the ``D: `` prefix.
    """
    contexts = [
        messages.ContextSummary(cx.context_id, str(cx.abstract_syntax), list(cx.transfer_syntax))
        for cx in sorted(assoc.requestor.requested_contexts, key=lambda cx: cx.context_id)
    ]
    summary = _summary(assoc, our_max_pdu, contexts)
    return ["Parameters:", *messages.association_dump("RQ", summary)]


def acknowledged_dump(assoc: Any, our_max_pdu: int) -> list[str]:
    """The A-ASSOCIATE-AC block: every proposed context with our answer.

    Parameters
    ----------
    assoc : pynetdicom.association.Association
        The acceptor association (at ``EVT_ACCEPTED``).
    our_max_pdu : int
        Our maximum PDU receive length (``-pdu``).

    Returns
    -------
    list of str
        The lines, without the ``D: `` prefix.
    """
    proposed = [
        (cx.context_id, str(cx.abstract_syntax))
        for cx in sorted(assoc.requestor.requested_contexts, key=lambda cx: cx.context_id)
    ]
    answers = [*assoc.accepted_contexts, *assoc.rejected_contexts]
    contexts = messages.answered_contexts(proposed, answers)
    return messages.association_dump("AC", _summary(assoc, our_max_pdu, contexts))


def request_dump(fields: dict[int, Any], context_id: int) -> list[str]:
    """``DIMSE_dumpMessage`` of a received C-STORE-RQ or C-ECHO-RQ command set.

    Parameters
    ----------
    fields : dict
        Command element tag -> value (:func:`movescu.dicom.commandset.decode_command`).
    context_id : int
        The presentation context the command arrived on.

    Returns
    -------
    list of str
        The lines, without the ``D: `` prefix.
    """
    msg_id = fields.get(MESSAGE_ID, 0)
    data_set = fields.get(DATA_SET_TYPE, NO_DATA_SET) != NO_DATA_SET
    if fields.get(COMMAND_FIELD) == C_ECHO_RQ:
        return messages.echo_request_dump(context_id, msg_id, data_set)
    return messages.store_request_dump(
        context_id,
        msg_id,
        str(fields.get(AFFECTED_SOP_CLASS, "")),
        str(fields.get(AFFECTED_SOP_INSTANCE, "")),
        data_set,
        fields.get(PRIORITY, 0),
        (fields.get(MOVE_ORIGINATOR_AE), fields.get(MOVE_ORIGINATOR_ID)),
    )
