"""Defences of one sub-association against a hostile or broken peer.

Owns the wrappers installed on a pynetdicom association when its connection
opens (EVT_CONN_OPEN, which runs in the association's DUL thread):

* the PDU length limit: a P-DATA-TF PDU longer than our ``-pdu`` is refused
  before its body is read, as DCMTK does (``0006:0308 DUL Illegal PDU Length
  <n>.  Max expected <max>``), so a peer cannot make us buffer gigabytes; any
  other PDU is limited to 1 MiB;
* the state-machine guard: pynetdicom runs its state machine outside its
  reactor's ``try``, so an exception while decoding a message (an empty
  Affected SOP Instance UID, a PDV on a context that was never accepted, an
  unknown command) would end the DUL thread with a traceback on stderr, no
  A-ABORT and no EVT_CONN_CLOSE (leaving its temporary file behind);
* the idle timer (``-td``): pynetdicom aborts silently, DCMTK logs
  ``DIMSE failure (aborting sub-association): 0006:0207 ...``.

Both report through the ``fail`` callback with DCMTK's condition lines; the
Storage SCP logs them and writes the A-ABORT.  Must not log errors or touch
the socket itself.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from movescu.dicom.conditions import (
    DIMSE_TIMEOUT,
    READ_PDV_FAILED,
    RECEIVE_FAILED,
    illegal_pdu_length,
)
from movescu.dicom.pdata import P_DATA_TF

if TYPE_CHECKING:
    from pynetdicom.association import Association

logger = logging.getLogger(__name__)

#: fail(assoc, condition lines): report, abort, clean up (see movescu.net.scp.server)
FailureCallback = Callable[["Association", list[str]], None]

#: the longest other PDU we read (an A-ASSOCIATE-RQ with 128 contexts is ~20 KB);
#: without a limit a 6-byte header could make us buffer up to 4 GiB
OTHER_PDU_LIMIT = 1 << 20
_PDU_TYPES = range(0x01, 0x08)


def install_guards(assoc: Association, max_pdu: int, fail: FailureCallback) -> None:
    """Wrap ``assoc``'s state machine and transport (see the module docstring).

    Parameters
    ----------
    assoc : Association
        A just-opened acceptor association.
    max_pdu : int
        Our maximum PDU receive length (``-pdu``); 0 means no limit.
    fail : callable
        Called with the association and DCMTK's condition lines on a failure.
    """
    dul = assoc.dul
    machine = getattr(dul, "state_machine", None)
    if machine is not None:
        machine.do_action = _guarded_action(assoc, machine.do_action, fail)
    transport = getattr(dul, "socket", None)
    if transport is not None and max_pdu > 0:
        transport.recv = _limited_recv(assoc, transport.recv, max_pdu, fail)
    if hasattr(dul, "idle_timer_expired"):
        dul.idle_timer_expired = _reported_idle_timer(assoc, dul.idle_timer_expired, fail)  # type: ignore[method-assign]


def _reported_idle_timer(assoc: Association, expired: Any, fail: FailureCallback) -> Any:
    """pynetdicom aborts an idle association (-td) silently; DCMTK logs 0006:0207."""

    def idle_timer_expired() -> bool:
        if not expired():
            return False
        fail(assoc, [DIMSE_TIMEOUT])
        return True

    return idle_timer_expired


def _guarded_action(assoc: Association, action: Any, fail: FailureCallback) -> Any:
    def do_action(event: str) -> None:
        try:
            action(event)
        except Exception as exc:  # anything the peer's bytes provoke
            logger.debug("sub-association failed: %s: %s", type(exc).__name__, exc)
            fail(assoc, [RECEIVE_FAILED])
            assoc.is_aborted = True
            assoc.is_established = False
            assoc._kill = True
            assoc.dul._kill_thread = True  # the reactor leaves its loop at the next turn

    return do_action


def _limited_recv(
    assoc: Association, recv: Callable[[int], bytearray], max_pdu: int, fail: FailureCallback
) -> Callable[[int], bytearray]:
    """pynetdicom reads a PDU as ``recv(6)`` (header) then ``recv(length)`` (body)."""
    header: list[tuple[int, int]] = []

    def limited(nr_bytes: int) -> bytearray:
        if header:  # this call reads the body of the header just read
            pdu_type, length = header.pop()
            limit = max_pdu if pdu_type == P_DATA_TF else max(max_pdu, OTHER_PDU_LIMIT)
            if length > limit:
                fail(
                    assoc,
                    [READ_PDV_FAILED, illegal_pdu_length(length, limit)],
                )
                return bytearray()  # pynetdicom: PDU shorter than announced -> closed
            return recv(nr_bytes)
        data = recv(nr_bytes)
        if nr_bytes == 6 and len(data) == 6:
            pdu_type, _, length = struct.unpack(">BBL", bytes(data))
            if pdu_type in _PDU_TYPES:
                header.append((pdu_type, length))
        return data

    return limited
