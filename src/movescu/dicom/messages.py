"""DCMTK 3.6.7's wording of what the SCU and the Storage SCP log: statuses, UIDs, dumps.

Owns the *text* both sides log (``dcmnet/libsrc/diutil.cc``, ``dimdump.cc``,
``assoc.cc`` layouts as printed by DCMTK 3.6.7 ``movescu -v/-d``): status
texts, UID names, rejection lines, the A-ASSOCIATE and DIMSE dumps, and the
one builder of an association summary both sides fill from what was
negotiated (:func:`association_summary`, :func:`answered_contexts`).  Pure
functions returning strings or lists of lines; no logging, no network, no
pynetdicom import.  DCMTK's condition texts are :mod:`movescu.dicom.conditions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from movescu.dicom import contexts
from movescu.dicom.dimse import STATUS_CANCEL, STATUS_SUCCESS, STATUS_WARNING
from movescu.dicom.names import (
    TRANSFER_SYNTAX_NAMES,
    dimse_status_text,
    find_uid_name,
    move_status_text,
)
from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME

#: DCMTK's names (``dcmFindNameOfUID``) for the UIDs the SCU mentions.
UID_NAMES: dict[str, str] = {
    "1.2.840.10008.3.1.1.1": "",
    "1.2.840.10008.5.1.4.1.2.1.1": "FINDPatientRootQueryRetrieveInformationModel",
    "1.2.840.10008.5.1.4.1.2.1.2": "MOVEPatientRootQueryRetrieveInformationModel",
    "1.2.840.10008.5.1.4.1.2.2.1": "FINDStudyRootQueryRetrieveInformationModel",
    "1.2.840.10008.5.1.4.1.2.2.2": "MOVEStudyRootQueryRetrieveInformationModel",
    "1.2.840.10008.5.1.4.1.2.3.1": "RETIRED_FINDPatientStudyOnlyQueryRetrieveInformationModel",
    "1.2.840.10008.5.1.4.1.2.3.2": "RETIRED_MOVEPatientStudyOnlyQueryRetrieveInformationModel",
    contexts.IMPLICIT_LE: "LittleEndianImplicit",
    contexts.EXPLICIT_LE: "LittleEndianExplicit",
    contexts.EXPLICIT_BE: "BigEndianExplicit",
    contexts.DEFLATED_LE: "DeflatedLittleEndianExplicit",
}


def ts_dump_name(uid: str) -> str:
    """The name dcmdump prints for a transfer syntax (``Unknown Transfer Syntax`` else)."""
    return TRANSFER_SYNTAX_NAMES.get(uid, "Unknown Transfer Syntax")


def uid_name(uid: str) -> str:
    """``=Name`` for a known UID (as DCMTK's association dump prints it), else the UID."""
    name = UID_NAMES.get(uid)
    if name is None:  # a sub-association's storage classes and transfer syntaxes
        name = find_uid_name(uid)
    return f"={name}" if name else uid


# --------------------------------------------------------------------------- statuses


def move_status_short(status: int) -> str:
    """``DU_cmoveStatusString``: the text in ``Received Final Move Response (...)``."""
    return move_status_text(status)


def move_status_long(status: int) -> str:
    """``DIMSE_printCMoveStatusString``: the ``DIMSE Status`` line of a dump."""
    return dimse_status_text(status, "move")


def is_warning(status: int) -> bool:
    """DCMTK 3.6.7 movescu: only 0xB000 counts as a warning (exit 68)."""
    return status == STATUS_WARNING


def is_success_or_cancel(status: int) -> bool:
    """0x0000 and 0xFE00 leave the exit status alone (spec 7.4)."""
    return status in (STATUS_SUCCESS, STATUS_CANCEL)


#: what movescu logs (E:) before it aborts a sub-association, with DCMTK's condition
SUB_ASSOCIATION_FAILURE = "DIMSE failure (aborting sub-association): %s"
#: DCMTK's storeSCP() when receiving a C-STORE failed (``%s``: the condition)
STORE_SCP_FAILED = "Store SCP Failed: %s"
# ours: an unexpected failure (a bug) while storing; never Python's exception text
STORE_INTERNAL_ERROR = "internal error: object not stored"


# --------------------------------------------------------------------------- rejections

_RESULTS = {1: "Rejected Permanent", 2: "Rejected Transient"}
_SOURCES = {
    1: "Service User",
    2: "Service Provider (ACSE Related)",
    3: "Service Provider (Presentation Related)",
}
_REASONS = {
    (1, 1): "No Reason",
    (1, 2): "App Context Name Not Supported",
    (1, 3): "Calling AE Title Not Recognized",
    (1, 7): "Called AE Title Not Recognized",
    (2, 1): "No Reason",
    (2, 2): "Protocol Version Not Supported",
    (3, 1): "Temporary Congestion",
    (3, 2): "Local Limit Exceeded",
}

#: A-ASSOCIATE-RJ reasons DCMTK knows, as (source << 8) | reason (ASC_REASON_*)
KNOWN_REJECT_REASONS = frozenset((source << 8) | reason for source, reason in _REASONS)
#: what DCMTK reads an invalid A-ASSOCIATE-RJ as: Rejected Permanent, Service User, No Reason
DEFAULT_REJECTION = (1, 1, 0x0101)


def rejection_lines(result: int, source: int, reason: int) -> list[str]:
    """``ASC_printRejectParameters``: the two lines after ``Association Rejected:``."""
    return [
        f"Result: {_RESULTS.get(result, 'UNKNOWN')}, Source: {_SOURCES.get(source, 'UNKNOWN')}",
        f"Reason: {_REASONS.get((source, reason), 'UNKNOWN')}",
    ]


# --------------------------------------------------------------------------- association dumps


@dataclass(frozen=True)
class ContextSummary:
    """One presentation context for an A-ASSOCIATE dump."""

    context_id: int
    abstract_syntax: str
    transfer_syntaxes: Sequence[str]
    #: None for a proposal (RQ); the A-ASSOCIATE-AC result (0 = accepted) otherwise
    result: int | None = None


#: the DICOM application context name (PS3.7 A.2.1)
APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"


@dataclass(frozen=True)
class AssociationSummary:
    """What DCMTK prints between ``BEGIN A-ASSOCIATE-RQ/AC`` and ``END``."""

    our_uid: str
    our_version: str
    calling: str
    called: str
    our_max_pdu: int
    contexts: Sequence[ContextSummary]
    their_uid: str = ""
    their_version: str = ""
    their_max_pdu: int = 0
    #: "Responding Application Name": None prints the called AE title (DCMTK's
    #: requestor sets it so); an acceptor's dumps print it empty
    responding: str | None = None
    #: empty for a connection that closed before its A-ASSOCIATE-RQ
    application_context: str = APPLICATION_CONTEXT


def association_summary(
    calling: str,
    called: str,
    our_max_pdu: int,
    contexts: Sequence[ContextSummary],
    peer: Any = None,
    responding: str | None = None,
) -> AssociationSummary:
    """The one builder of an :class:`AssociationSummary`, for the SCU and the Storage SCP.

    Parameters
    ----------
    calling, called : str
        The AE titles of the A-ASSOCIATE-RQ.
    our_max_pdu : int
        Our maximum PDU receive length.
    contexts : sequence of ContextSummary
        The contexts to show (:func:`answered_contexts` for an AC).
    peer : object, optional
        What the other side announced (pynetdicom's ``ServiceUser``:
        ``implementation_class_uid``, ``implementation_version_name``,
        ``maximum_length``); None while nothing was received.
    responding : str or None
        See :attr:`AssociationSummary.responding`.
    """
    their_uid, their_version, their_max_pdu = "", "", 0
    if peer is not None:
        their_uid = str(peer.implementation_class_uid or "")
        their_version = str(peer.implementation_version_name or "")
        their_max_pdu = peer.maximum_length or 0
    return AssociationSummary(
        our_uid=IMPLEMENTATION_CLASS_UID,
        our_version=IMPLEMENTATION_VERSION_NAME,
        calling=calling,
        called=called,
        our_max_pdu=our_max_pdu,
        contexts=contexts,
        their_uid=their_uid,
        their_version=their_version,
        their_max_pdu=their_max_pdu,
        responding=responding,
    )


def answered_contexts(
    proposed: Iterable[tuple[int, str]], answers: Iterable[Any]
) -> list[ContextSummary]:
    """Each proposed context (ID, abstract syntax) with the acceptor's answer, for an AC dump.

    ``answers`` are the negotiated contexts (pynetdicom's accepted and rejected
    ``PresentationContext``: ``context_id``, ``result``, ``transfer_syntax``); a
    context without an answer shows result 2 (No Reason), a rejected one no
    transfer syntax.
    """
    negotiated = {cx.context_id: cx for cx in answers}
    result = []
    for context_id, abstract_syntax in proposed:
        answer = negotiated.get(context_id)
        code = 2 if answer is None or answer.result is None else int(answer.result)
        syntaxes = list(answer.transfer_syntax) if answer is not None and code == 0 else []
        result.append(ContextSummary(context_id, abstract_syntax, syntaxes, code))
    return result


def association_dump(kind: str, summary: AssociationSummary) -> list[str]:
    """The ``ASC_dumpParameters`` block for ``kind`` ``"RQ"`` or ``"AC"``."""
    responding = summary.called if summary.responding is None else summary.responding
    lines = [
        f"====================== BEGIN A-ASSOCIATE-{kind} =====================",
        f"Our Implementation Class UID:      {summary.our_uid}",
        f"Our Implementation Version Name:   {summary.our_version}",
        f"Their Implementation Class UID:    {summary.their_uid}",
        f"Their Implementation Version Name: {summary.their_version}",
        f"Application Context Name:    {summary.application_context}",
        f"Calling Application Name:    {summary.calling}",
        f"Called Application Name:     {summary.called}",
        f"Responding Application Name: {responding}",
        f"Our Max PDU Receive Size:    {summary.our_max_pdu}",
        f"Their Max PDU Receive Size:  {summary.their_max_pdu}",
        "Presentation Contexts:",
    ]
    for ctx in summary.contexts:
        lines.extend(_context_lines(ctx))
    lines += [
        "Requested Extended Negotiation: none",
        "Accepted Extended Negotiation:  none",
        "Requested User Identity Negotiation: none",
        "User Identity Negotiation Response:  none",
        f"======================= END A-ASSOCIATE-{kind} ======================",
    ]
    return lines


#: DCMTK's names of presentation-context results (PS3.8 9.3.3.2)
_CONTEXT_RESULTS = {
    0: "Accepted",
    1: "User Rejection",
    2: "No Reason",
    3: "Abstract Syntax Not Supported",
    4: "Transfer Syntaxes Not Supported",
}


def _context_lines(ctx: ContextSummary) -> list[str]:
    state = "Proposed" if ctx.result is None else _CONTEXT_RESULTS.get(ctx.result, "Unknown")
    lines = [
        f"  Context ID:        {ctx.context_id} ({state})",
        f"    Abstract Syntax: {uid_name(ctx.abstract_syntax)}",
        "    Proposed SCP/SCU Role: Default",
    ]
    if ctx.result is None:
        lines.append("    Proposed Transfer Syntax(es):")
        lines.extend(f"      {uid_name(ts)}" for ts in ctx.transfer_syntaxes)
    else:
        lines.append("    Accepted SCP/SCU Role: Default")
        if ctx.result == 0 and ctx.transfer_syntaxes:
            lines.append(f"    Accepted Transfer Syntax: {uid_name(ctx.transfer_syntaxes[0])}")
    return lines


# --------------------------------------------------------------------------- DIMSE dumps

_BEGIN = {
    "OUTGOING": "===================== OUTGOING DIMSE MESSAGE ====================",
    "INCOMING": "===================== INCOMING DIMSE MESSAGE ====================",
}
_END = "======================= END DIMSE MESSAGE ======================="


def _field(name: str, value: object) -> str:
    return f"{name:<30}: {value}"


def move_request_dump(
    context_id: int, msg_id: int, sop_class: str, priority: int, destination: str
) -> list[str]:
    """``DIMSE_dumpMessage`` for the outgoing C-MOVE-RQ."""
    name = UID_NAMES.get(sop_class) or sop_class
    prio = {0: "medium", 1: "high", 2: "low"}.get(priority, str(priority))
    return [
        _BEGIN["OUTGOING"],
        _field("Message Type", "C-MOVE RQ"),
        _field("Presentation Context ID", context_id),
        _field("Message ID", msg_id),
        _field("Affected SOP Class UID", name),
        _field("Data Set", "present"),
        _field("Priority", prio),
        _field("Move Destination", destination),
        _END,
    ]


def store_request_dump(
    context_id: int,
    msg_id: int,
    sop_class: str,
    sop_instance: str,
    data_set: bool,
    priority: int,
    originator: tuple[str | None, int | None] = (None, None),
) -> list[str]:
    """``DIMSE_dumpMessage`` for an incoming C-STORE-RQ (the Storage SCP at ``-d``).

    ``originator`` is the Move Originator AE Title and Message ID; each line is
    printed only when the request carries the element.
    """
    prio = {0: "medium", 1: "high", 2: "low"}.get(priority, str(priority))
    title, originator_id = originator
    lines = [
        _BEGIN["INCOMING"],
        _field("Message Type", "C-STORE RQ"),
        _field("Presentation Context ID", context_id),
        _field("Message ID", msg_id),
        _field("Affected SOP Class UID", find_uid_name(sop_class) or sop_class),
        _field("Affected SOP Instance UID", sop_instance),
        _field("Data Set", "present" if data_set else "none"),
        _field("Priority", prio),
    ]
    if title is not None:
        lines.append(_field("Move Originator AE Title", title))
    if originator_id is not None:
        lines.append(_field("Move Originator ID", originator_id))
    return [*lines, _END]


def echo_request_dump(context_id: int, msg_id: int, data_set: bool) -> list[str]:
    """``DIMSE_dumpMessage`` for an incoming C-ECHO-RQ (DCMTK prints no SOP class)."""
    return [
        _BEGIN["INCOMING"],
        _field("Message Type", "C-ECHO RQ"),
        _field("Presentation Context ID", context_id),
        _field("Message ID", msg_id),
        _field("Data Set", "present" if data_set else "none"),
        _END,
    ]


def move_response_dump(
    msg_id: int,
    sop_class: str | None,
    counters: Iterable[int | None],
    data_set: bool,
    status: int,
) -> list[str]:
    """``DIMSE_dumpMessage`` for an incoming C-MOVE-RSP (movescu passes no context ID).

    ``counters`` are remaining, completed, failed and warning sub-operations
    (None when the element is absent: printed ``none``).
    """
    remaining, completed, failed, warning = ("none" if c is None else str(c) for c in counters)
    name = "none" if not sop_class else (UID_NAMES.get(sop_class) or sop_class)
    return [
        _BEGIN["INCOMING"],
        _field("Message Type", "C-MOVE RSP"),
        _field("Message ID Being Responded To", msg_id),
        _field("Affected SOP Class UID", name),
        _field("Remaining Suboperations", remaining),
        _field("Completed Suboperations", completed),
        _field("Failed Suboperations", failed),
        _field("Warning Suboperations", warning),
        _field("Data Set", "present" if data_set else "none"),
        _field("DIMSE Status", move_status_long(status)),
        _END,
    ]
