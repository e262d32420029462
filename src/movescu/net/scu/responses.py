"""The reactor-thread side of the C-MOVE association: what each response does on arrival.

Owns :class:`ResponseWatcher`, which :class:`movescu.net.scu.association.MoveAssociation`
holds: the pynetdicom event handlers that see every PDU and DIMSE message of the
main association (``EVT_PDU_RECV``, ``EVT_DIMSE_RECV``, the faults of
:mod:`movescu.net.guards`), log each C-MOVE response the moment it arrives
(DCMTK's move callback, through :mod:`movescu.net.scu.log`), trigger ``--cancel``
and record DCMTK's condition for a broken response, waking the response loop.
It does not request, release or abort the association and decides no outcome.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from movescu.config import Config, PendingDatasetHandling
from movescu.dicom import conditions, contexts
from movescu.dicom.dimse import C_MOVE_RSP, STATUS_PENDING, has_data_set
from movescu.logblock import block_aware_logger
from movescu.net import guards
from movescu.net.scu import log as movelog
from movescu.net.scu import transport
from movescu.net.seams import hooks

if TYPE_CHECKING:
    from pynetdicom.association import Association

logger = block_aware_logger(__name__)


@dataclass
class MoveState:
    """The C-MOVE in progress, as the reactor-thread reporter sees it."""

    msg_id: int
    context_id: int
    pending: int = 0
    #: final response seen or the move failed: later messages are not reported
    done: bool = False
    #: the association's accepted presentation context IDs (known at the first PDU)
    accepted_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class RawResponse:
    """A received DIMSE message as it arrived: command set and data-set bytes."""

    command_set: Any
    data_set: bytes


#: a received message's command set (pydicom's or the accelerator's MoveCommand)
command_of = hooks.move_command_of


@cache
def _p_data_tf() -> type[Any]:
    from pynetdicom.pdu import P_DATA_TF

    return P_DATA_TF


class ResponseWatcher:
    """State and reactor-thread handlers of the main association's responses.

    Parameters
    ----------
    config : Config
        The run's configuration (``--cancel``, ``-pi``/``-pr`` are used).
    where : str
        dcmnet's ``(<calling>,<called>)`` for DIMSE warnings.
    send_cancel : callable
        ``send_cancel(msg_id, context_id)``: the C-CANCEL of ``--cancel`` (the
        association's owner sends it).
    """

    def __init__(
        self, config: Config, where: str, send_cancel: Callable[[int, int], None]
    ) -> None:
        self.config = config
        self._where = where
        self._send_cancel = send_cancel
        #: the established association (set by its owner once ``associate`` returned)
        self.assoc: Association | None = None
        #: responses as they arrived, for the response loop
        self.received: queue.Queue[RawResponse] = queue.Queue()
        self.peer_aborted = False
        self.peer_released = False
        #: the A-ASSOCIATE-RJ as DCMTK reads it: (result, source, reason code)
        self.rejection: tuple[int, int, int] | None = None
        self.ac_received = False
        #: the A-ASSOCIATE-AC accepted some context (pynetdicom drops unproposed ones)
        self.ac_accepts_any = False
        #: another PDU (P-DATA, A-RELEASE, A-ASSOCIATE-RQ) answered our request
        self.unexpected_answer = False
        #: transfer syntax of the C-MOVE context (for the final response's dump)
        self.move_ts = contexts.EXPLICIT_LE
        #: the C-MOVE in progress (None between moves)
        self.state: MoveState | None = None
        #: DCMTK's condition for a broken response (set in the reactor thread)
        self.failure: str | None = None
        #: what the guards saw before any move (association request)
        self.early_fault: guards.Fault | None = None

    def begin_move(self, msg_id: int, context_id: int, move_ts: str) -> None:
        """A C-MOVE request is about to be sent: forget what the last one left."""
        while True:
            try:
                self.received.get_nowait()
            except queue.Empty:
                break
        self.move_ts = move_ts
        self.failure = None
        self.state = MoveState(msg_id, context_id)

    def end_move(self) -> None:
        """The response loop ended: later messages are not reported."""
        self.state = None

    def next_received(self) -> RawResponse | None:
        """The response ``send_c_move`` just yielded (None: it never came)."""
        # EVT_DIMSE_RECV runs before pynetdicom queues the response: it is already here
        try:
            return self.received.get(timeout=1)
        except queue.Empty:
            return None

    def on_guard(self, fault: guards.Fault) -> None:
        """A broken PDU or message (reactor thread): fail the move like DCMTK, wake the loop."""
        if self.state is None:
            if self.early_fault is None:
                self.early_fault = fault
            return
        if fault.kind is guards.FaultKind.DECODE_FAILED:
            condition = conditions.COMMAND_READ_FAILED
        elif fault.kind is guards.FaultKind.TIMED_OUT:
            condition = conditions.DIMSE_TIMEOUT
            if self.assoc is not None:
                # pynetdicom takes the timeout for a closed connection and would
                # close it without the A-ABORT the loop then asks for: write it now
                hooks.write_abort(self.assoc)
        elif fault.kind is guards.FaultKind.INVALID_PDU:
            condition = conditions.RECEIVE_FAILED
        else:
            condition = (
                f"{conditions.RECEIVE_FAILED}\n{conditions.READ_PDV_FAILED}\n{fault.condition}"
            )
        self._fail(condition)

    def _fail(self, condition: str) -> None:
        """Record the first failure of the current move and wake the response loop."""
        state = self.state
        if state is None or self.failure is not None:
            return
        self.failure = condition
        state.done = True
        if self.assoc is not None:
            # send_c_move's generator then aborts and ends (pynetdicom: no response)
            hooks.wake_response_loop(self.assoc)

    def on_pdu_received(self, event: Any) -> None:
        """``EVT_PDU_RECV``: note the association answers, check response PDVs."""
        received = event.pdu
        if self.ac_received and type(received) is _p_data_tf():
            # the branches below in short for the common case: a response PDU
            self._check_pdvs(event.assoc, received)
            return
        from pynetdicom import pdu
        from pynetdicom.pdu_items import PresentationContextItemAC

        if isinstance(received, pdu.A_ASSOCIATE_AC):
            self.ac_received = True
            self.ac_accepts_any = any(
                isinstance(item, PresentationContextItemAC) and item.result == 0
                for item in received.variable_items
            )
        elif (
            not self.ac_received
            and self.rejection is None
            and transport.is_unexpected_answer(received)
        ):
            self.unexpected_answer = True
        elif isinstance(received, pdu.A_ASSOCIATE_RJ):
            self.rejection = transport.normalise_rejection(received)
        elif isinstance(received, pdu.P_DATA_TF):
            self._check_pdvs(event.assoc, received)
        elif isinstance(received, pdu.A_ABORT_RQ):
            self.peer_aborted = True
        elif isinstance(received, pdu.A_RELEASE_RQ):
            self.peer_released = True
            # pynetdicom's reactor is paused inside send_c_move and would never
            # answer: wake the response loop, which then aborts like DCMTK.
            hooks.wake_response_loop(event.assoc)

    def _check_pdvs(self, assoc: Any, received: Any) -> None:
        """DCMTK's checks of a response PDV pynetdicom does not make (reactor thread)."""
        state = self.state
        if state is None or state.done:
            return
        accepted = state.accepted_ids
        if accepted is None:
            # negotiated once: the same for every PDU of the move
            accepted = state.accepted_ids = frozenset(
                cx.context_id for cx in assoc.accepted_contexts
            )
        in_message = hooks.in_dimse_message(assoc)
        for item in received.presentation_data_value_items:
            condition = None
            if item.context_id not in accepted:
                condition = conditions.BAD_CONTEXT
            elif not in_message and not item.presentation_data_value[0] & 1:
                condition = conditions.COMMAND_PDV_EXPECTED
            if condition is not None:
                # pynetdicom must not act on it: the PDU is emptied
                received.presentation_data_value_items = []
                self._fail(f"{conditions.RECEIVE_FAILED}\n{condition}")
                return
            in_message = True

    def on_dimse_received(self, event: Any) -> None:
        """``EVT_DIMSE_RECV``: report the response, then queue it for the loop."""
        # snapshot now: the message's data-set buffer does not survive its conversion
        message = event.message
        data = message.data_set.getvalue() if message.data_set is not None else b""
        raw = RawResponse(command_of(message), data)
        try:
            self._report(raw)
        finally:
            self.received.put(raw)

    def _report(self, raw: RawResponse) -> None:
        """Log a response (and send ``--cancel``) the moment it arrives, as DCMTK does.

        Runs in pynetdicom's reactor thread, before the response loop sees the
        message, so the lines interleave causally with the Storage SCP's lines
        of the sub-associations (store k, then pending k).
        """
        state = self.state
        command = raw.command_set
        if state is None or state.done:
            return
        command_field = int(command.get("CommandField", 0))
        if command_field != C_MOVE_RSP:
            self._fail(conditions.unexpected_command(command_field))
            return
        if "Status" not in command:
            self._fail(conditions.MISSING_STATUS)
            return
        if int(command.get("MessageIDBeingRespondedTo", -1)) != state.msg_id:
            state.done = True  # DCMTK logs nothing for it; the loop reports the failure
            return
        status = int(command.get("Status", 0))
        net = self.config.network
        if status != STATUS_PENDING:
            state.done = True
            movelog.log_final(command, raw.data_set, status, None, self.move_ts)
            return
        state.pending += 1
        ignore = net.pending_handling is PendingDatasetHandling.IGNORE
        movelog.log_pending(command, state.pending, self._where, read_data_set=not ignore)
        if ignore and has_data_set(command):
            state.done = True  # DCMTK -pi: the move fails on the next read
        elif net.cancel and state.pending == net.cancel:
            self._send_cancel(state.msg_id, state.context_id)
