"""Defences of an association against a hostile or broken peer, for both sides.

Owns one PDU-length limiter and one state-machine guard, installed on a
pynetdicom association when its connection opens (``EVT_CONN_OPEN``, in the
association's DUL thread) through :mod:`movescu.net.seams.hooks`:

* the PDU-length limiter: pynetdicom reads a PDU as ``recv(6)`` (header) then
  ``recv(length)`` (body); a body longer than the side's limit is refused
  before it is read (DCMTK: ``0006:0308 DUL Illegal PDU Length <n>.  Max
  expected <max>``), so a peer cannot make us buffer gigabytes;
* the state-machine guard: pynetdicom runs its state machine outside its
  reactor's ``try``, so an exception while decoding a message (an empty
  Affected SOP Instance UID, a PDV on a context that was never accepted, a
  garbage command set) would end the DUL thread with a traceback on stderr,
  no A-ABORT and nobody told;
* the idle timer (``-td``, Storage SCP): pynetdicom aborts silently, DCMTK logs
  ``0006:0207``.

What each side enforces and reports differs (the C-MOVE SCU also reports
invalid PDUs, the Storage SCP connections reset inside a PDU and limits every
other PDU to 1 MiB; both report unknown PDU types, PDUs cut short and reads
that timed out inside a PDU, during which the Storage SCP's idle timer waits):
that difference is data, :data:`ACCEPTOR` and :data:`REQUESTOR`.  Faults go to
the caller's ``report`` callback as :class:`Fault`; the caller logs, aborts and
decides the wording.
Must not log errors nor touch the socket itself.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from movescu.dicom import conditions
from movescu.dicom.pdata import P_DATA_TF
from movescu.logblock import block_aware_logger
from movescu.net.seams import hooks

if TYPE_CHECKING:
    from pynetdicom.association import Association

logger = block_aware_logger(__name__)

#: the longest other PDU the Storage SCP reads (an A-ASSOCIATE-RQ with 128
#: contexts is ~20 KB); without a limit a 6-byte header could make us buffer 4 GiB
OTHER_PDU_LIMIT = 1 << 20


class FaultKind(enum.Enum):
    """What a guard saw."""

    #: a PDU longer than the limit (its body is not read)
    TOO_LONG = "too long"
    #: a PDU type outside 0x01-0x07
    UNKNOWN_TYPE = "unknown type"
    #: the connection ended inside a PDU
    CUT_SHORT = "cut short"
    #: the peer stopped inside a PDU for longer than the socket timeout
    TIMED_OUT = "timed out"
    #: the connection was reset inside a PDU
    RESET = "reset"
    #: pynetdicom itself found an invalid PDU or message (its Evt19)
    INVALID_PDU = "invalid"
    #: pynetdicom's state machine raised on the peer's bytes
    DECODE_FAILED = "decode"
    #: the idle timer (-td) expired
    IDLE = "idle"


@dataclass(frozen=True)
class Fault:
    """One report of a guard: its kind and, for PDU faults, the numbers DCMTK prints."""

    kind: FaultKind
    pdu_type: int = 0
    length: int = 0
    limit: int = 0

    @property
    def condition(self) -> str | None:
        """DCMTK's condition line for this fault (None: the side words it itself)."""
        if self.kind is FaultKind.TOO_LONG:
            return conditions.illegal_pdu_length(self.length, self.limit)
        if self.kind is FaultKind.UNKNOWN_TYPE:
            return conditions.unrecognized_pdu(self.pdu_type)
        if self.kind in (FaultKind.CUT_SHORT, FaultKind.RESET):
            return conditions.NETWORK_CLOSED
        if self.kind is FaultKind.TIMED_OUT:
            return conditions.READ_TIMEOUT
        if self.kind is FaultKind.IDLE:
            return conditions.DIMSE_TIMEOUT
        return None


class Recovery(enum.Enum):
    """How the state-machine guard ends an association whose message raised."""

    #: mark it aborted and stop its loops (the Storage SCP writes the A-ABORT)
    KILL = "kill"
    #: pynetdicom's Evt19: it sends an A-ABORT and closes (the SCU's loop wakes)
    INVALID_PDU_EVENT = "evt19"


@dataclass(frozen=True)
class Side:
    """What the guards of one side enforce and report."""

    #: prefix of the debug line when the state machine raised
    label: str
    recovery: Recovery
    #: limit other PDUs to max(-pdu, OTHER_PDU_LIMIT) when -pdu is given
    limit_other_pdus: bool
    report_unknown_type: bool
    report_cut_short: bool
    report_timeout: bool
    report_invalid_pdu: bool
    #: -td: report the idle timer's expiry
    report_idle: bool
    #: report a connection reset inside a PDU body
    report_reset: bool = False

    def limit_for(self, pdu_type: int, max_pdu: int) -> int | None:
        """The longest PDU of ``pdu_type`` accepted (None: no limit)."""
        if max_pdu <= 0:
            return None
        if pdu_type == P_DATA_TF:
            return max_pdu
        return max(max_pdu, OTHER_PDU_LIMIT) if self.limit_other_pdus else None


#: the Storage SCP's sub-associations
ACCEPTOR = Side(
    label="sub-association failed",
    recovery=Recovery.KILL,
    limit_other_pdus=True,
    report_unknown_type=True,
    report_cut_short=True,
    report_timeout=True,
    report_invalid_pdu=False,
    report_idle=True,
    report_reset=True,
)
#: the C-MOVE SCU's main association
REQUESTOR = Side(
    label="main association",
    recovery=Recovery.INVALID_PDU_EVENT,
    limit_other_pdus=False,
    report_unknown_type=True,
    report_cut_short=True,
    report_timeout=True,
    report_invalid_pdu=True,
    report_idle=False,
)

#: report(fault): called in the association's reactor thread
Report = Callable[[Fault], None]


def install_guards(assoc: Association, side: Side, max_pdu: int, report: Report) -> None:
    """Install the limiter and the state-machine guard (and the idle report) on ``assoc``.

    Parameters
    ----------
    assoc : Association
        A just-connected association (from its ``EVT_CONN_OPEN`` handler).
    side : Side
        :data:`ACCEPTOR` or :data:`REQUESTOR`.
    max_pdu : int
        Our maximum PDU receive length (``-pdu``); 0 means no limit.
    report : callable
        Receives each :class:`Fault`.
    """
    progress = PduProgress()
    hooks.wrap_recv(assoc, lambda recv: limit_pdu_reads(recv, side, max_pdu, report, progress))
    recover = (
        (lambda: hooks.kill_association(assoc))
        if side.recovery is Recovery.KILL
        else (lambda: hooks.post_invalid_pdu(assoc))
    )
    hooks.wrap_state_machine(
        assoc, lambda action: guard_state_machine(action, side, report, recover)
    )
    if side.report_idle:
        hooks.wrap_idle_timer(assoc, lambda expired: report_idle_expiry(expired, report, progress))


@dataclass
class PduProgress:
    """Shared by the limiter and the idle report of one association."""

    #: True between a PDU's header and the end of its body: the socket timeout,
    #: not the idle timer, ends a peer that stops there
    inside_pdu: bool = False


def limit_pdu_reads(
    recv: Callable[[int], bytearray],
    side: Side,
    max_pdu: int,
    report: Report,
    progress: PduProgress | None = None,
) -> Callable[[int], bytearray]:
    """``recv`` that refuses over-long PDU bodies and reports what ``side`` asks for."""
    progress = progress or PduProgress()
    #: the body the next call reads: its announced length, or -1 when refused
    body: list[int] = []

    def read(nr_bytes: int) -> bytearray:
        try:
            return recv(nr_bytes)
        except TimeoutError:
            # pynetdicom reads once data is waiting, then blocks for the whole PDU:
            # the socket timeout (-td) ended a peer that stopped inside one
            if side.report_timeout:
                body.clear()
                report(Fault(FaultKind.TIMED_OUT))
            raise

    def limited(nr_bytes: int) -> bytearray:
        if body:
            expected = body.pop()
            if expected < 0:
                progress.inside_pdu = False
                return bytearray()  # refused: pynetdicom sees a short PDU and closes
            try:
                data = read(nr_bytes)
            except TimeoutError:
                raise
            except OSError:
                if side.report_reset:
                    report(Fault(FaultKind.RESET))
                raise
            finally:
                progress.inside_pdu = False
            if side.report_cut_short and len(data) < expected:
                report(Fault(FaultKind.CUT_SHORT))
            return data
        data = read(nr_bytes)
        if nr_bytes == 6 and len(data) == 6:
            pdu_type, _, length = struct.unpack(">BBL", bytes(data))
            if not 0x01 <= pdu_type <= 0x07:
                if side.report_unknown_type:
                    report(Fault(FaultKind.UNKNOWN_TYPE, pdu_type=pdu_type))
                return data
            limit = side.limit_for(pdu_type, max_pdu)
            if limit is not None and length > limit:
                report(Fault(FaultKind.TOO_LONG, pdu_type, length, limit))
                body.append(-1)  # the body is not read
            elif length:
                body.append(length)
                progress.inside_pdu = True
        return data

    return limited


def guard_state_machine(
    action: Callable[[str], Any], side: Side, report: Report, recover: Callable[[], None]
) -> Callable[[str], Any]:
    """``do_action`` that turns an exception into a report and ``recover()``."""

    def do_action(event: str) -> Any:
        if side.report_invalid_pdu and event == "Evt19":
            report(Fault(FaultKind.INVALID_PDU))
        try:
            return action(event)
        except Exception:  # anything the peer's bytes provoke
            logger.debug("%s: the peer's PDU cannot be decoded", side.label)
            report(Fault(FaultKind.DECODE_FAILED))
            recover()
            return None

    return do_action


def report_idle_expiry(
    expired: Callable[[], bool], report: Report, progress: PduProgress | None = None
) -> Callable[[], bool]:
    """pynetdicom aborts an idle association (-td) silently; DCMTK logs 0006:0207.

    Not inside a PDU (``progress``): the reader's socket timeout ends that peer,
    with the lines DCMTK logs for a PDU that never arrives whole.
    """

    def idle_timer_expired() -> bool:
        if progress is not None and progress.inside_pdu:
            return False
        if not expired():
            return False
        report(Fault(FaultKind.IDLE))
        return True

    return idle_timer_expired
