"""The SCU's DCMTK-worded log lines for requests and responses (spec 6.5, 6.6).

Owns what movescu prints at ``-v`` and ``-d`` about each C-MOVE: the request
(``Sending Move Request``, its DIMSE dump, ``Request Identifiers:``), pending
responses (with dcmnet's ``DIMSE Warning`` lines for data sets and status
detail), the final response with its warning/error verdict, response
identifiers and status detail, and the E: lines of a C-MOVE that failed at
DIMSE level (:func:`report_dimse_failure`).  It only formats and logs; the response loop
in :mod:`movescu.net.scu.association` decides what happens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from movescu.dicom import conditions, messages
from movescu.dicom.dimse import (
    STATUS_DETAIL_TAGS,
    decode_identifier,
    has_data_set,
    suboperation_counters,
)
from movescu.logblock import block_aware_logger, together
from movescu.net.scu.outcome import Ending

if TYPE_CHECKING:
    from pydicom.dataset import Dataset
    from pynetdicom.association import Association

logger = block_aware_logger(__name__)


def association_summary(
    assoc: Association | None,
    calling: str,
    called: str,
    max_pdu: int,
    proposed: list[tuple[int, str]],
    transfer_syntaxes: list[str],
) -> messages.AssociationSummary:
    """What the ``-d`` A-ASSOCIATE-RQ (``assoc`` None) or -AC dump shows.

    ``proposed`` holds (context ID, abstract syntax) of our two contexts.
    """
    if assoc is None:
        contexts = [messages.ContextSummary(i, uid, transfer_syntaxes) for i, uid in proposed]
        return messages.association_summary(calling, called, max_pdu, contexts)
    answers = [*assoc.accepted_contexts, *assoc.rejected_contexts]
    contexts = messages.answered_contexts(proposed, answers)
    return messages.association_summary(calling, called, max_pdu, contexts, assoc.acceptor)


def log_request(
    context_id: int,
    msg_id: int,
    sop_class: str,
    priority: int,
    destination: str,
    identifier: Dataset,
    ts_name: str,
) -> None:
    """``Sending Move Request (MsgID n)`` (``-d``: + dump) and ``Request Identifiers:``."""
    with together():
        if logger.isEnabledFor(logging.DEBUG):
            logger.info("Sending Move Request")
            dump = messages.move_request_dump(context_id, msg_id, sop_class, priority, destination)
            log_lines(logging.DEBUG, dump)
        else:
            logger.info("Sending Move Request (MsgID %d)", msg_id)
        if logger.isEnabledFor(logging.INFO):
            logger.info("Request Identifiers:")
            log_lines(logging.INFO, dataset_lines(identifier, ts_name))


def log_lines(level: int, lines: list[str]) -> None:
    with together():
        for line in lines:
            logger.log(level, line)


def log_pending(command: Any, number: int, where: str, read_data_set: bool) -> None:
    """One pending response; ``where`` is ``(<calling>,<called>)`` (dcmnet's warnings)."""
    with together():
        has_data = has_data_set(command)
        if any(tag in command for tag in STATUS_DETAIL_TAGS):
            logger.warning(
                "DIMSE Warning: %s: moveUser: Pending with statusDetail, ignoring detail", where
            )
        if has_data:
            logger.warning(
                "DIMSE Warning: %s: moveUser: Status Pending, but DataSetType!=NULL", where
            )
            if not read_data_set:
                logger.warning(
                    "DIMSE Warning: %s: Assuming NO response identifiers are present", where
                )
            else:
                logger.warning(
                    "DIMSE Warning: %s: Reading but ignoring response identifier set", where
                )
        if logger.isEnabledFor(logging.DEBUG):
            logger.info("Received Move Response %d", number)
            log_lines(logging.DEBUG, response_dump(command, has_data))
        else:
            logger.info("Received Move Response %d (Pending)", number)


def log_final(command: Any, data: bytes, status: int, decoded: Any, move_ts: str) -> None:
    """The final response: verdict (W), ``Received Final Move Response``, ``-d`` details."""
    with together():
        has_data = has_data_set(command)
        # DCMTK 3.6.2+: the status verdict comes before the final-response line (spec 6.5)
        if messages.is_warning(status):
            logger.warning(
                "Move response with warning status (%s)", messages.move_status_short(status)
            )
        elif not messages.is_success_or_cancel(status):
            logger.warning(
                "Move response with error status (%s)", messages.move_status_short(status)
            )
        if logger.isEnabledFor(logging.DEBUG):
            logger.info("Received Final Move Response")
            log_lines(logging.DEBUG, response_dump(command, has_data))
            if has_data and data:
                # pynetdicom decodes Warning/Failure/Cancel identifiers itself
                identifier = decoded or decode_identifier(data, move_ts)
                if identifier is not None:
                    logger.debug("Response Identifiers:")
                    ts_name = messages.ts_dump_name(move_ts)
                    log_lines(logging.DEBUG, dataset_lines(identifier, ts_name))
            detail = [tag for tag in STATUS_DETAIL_TAGS if tag in command]
            if detail:
                from pydicom.dataset import Dataset

                status_detail = Dataset()
                for tag in detail:
                    status_detail[tag] = command[tag]
                logger.debug("Status Detail:")
                log_lines(logging.DEBUG, dataset_lines(status_detail, "Little Endian Implicit"))
        else:
            logger.info("Received Final Move Response (%s)", messages.move_status_short(status))


def response_dump(command: Any, has_data: bool) -> list[str]:
    """The ``-d`` DIMSE dump of a C-MOVE-RSP command set."""
    return messages.move_response_dump(
        int(command.get("MessageIDBeingRespondedTo", 0)),
        str(command.get("AffectedSOPClassUID", "")) or None,
        list(suboperation_counters(command)),
        has_data,
        int(command.get("Status", 0)),
    )


def dataset_lines(ds: Dataset, ts_name: str) -> list[str]:
    """dcmdump-style lines of ``ds`` via :mod:`movescu.dicom.dump` (the query stage's dumper)."""
    try:
        from movescu.dicom.dump import dataset_dump
    except ImportError:  # pragma: no cover - until the dump module exists
        return [
            "",
            "# Dicom-Data-Set",
            f"# Used TransferSyntax: {ts_name}",
            *str(ds).splitlines(),
            "",
        ]
    dumped: Any = dataset_dump(ds, ts_name)
    # "\n# Dicom-Data-Set\n...\n": the leading and trailing empty lines are DCMTK's
    lines = dumped.split("\n") if isinstance(dumped, str) else list(dumped)
    return lines


def report_dimse_failure(condition: str, ending: Ending) -> None:
    """DCMTK's E lines of a C-MOVE that failed at DIMSE level."""
    # DIMSE_NOVALIDPRESENTATIONCONTEXTID is returned before the request is sent:
    # DCMTK's moveSCU logs nothing itself, only main's "Move SCU Failed".
    if condition != conditions.NO_VALID_CONTEXT:
        logger.error("Move Request Failed: %s", condition)
    if ending is Ending.ABORT:
        logger.error("Move SCU Failed: %s", condition)
