"""Watching a sub-association's PDUs: DCMTK's request log lines and progress dots.

Owns what DCMTK prints while a DIMSE message arrives, before pynetdicom has
decoded it: ``Received Store Request (MsgID n, <prefix>)`` / ``Received Echo
Request (MsgID n)`` when the command set is complete, ``RECV: ....`` on stdout
(one dot per data PDV, only when ``movescu.progress`` is exactly at INFO), the
error + abort for any other DIMSE command, and whether an object is being
received (an association that ends then loses it).  Must not answer requests.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from movescu.dicom import conditions, messages
from movescu.dicom.commandset import decode_command
from movescu.dicom.dimse import (
    AFFECTED_SOP_CLASS,
    C_ECHO_RQ,
    C_STORE_RQ,
    COMMAND_FIELD,
    MESSAGE_ID,
)
from movescu.dicom.sop_classes import prefix_for
from movescu.logblock import block_aware_logger, together
from movescu.net.scp.log import request_dump

logger = block_aware_logger("movescu.net.scp.server")
progress_logger = block_aware_logger("movescu.progress")

#: longest wait (s) of a request's log line for the association's own lines
ACKNOWLEDGE_WAIT = 2.0
#: longest command set we accept (real ones are well under 1 KiB)
MAX_COMMAND_SET = 64 * 1024


class PduMonitor:
    """Per-association PDU watcher: command decoding, progress dots, unexpected commands."""

    def __init__(self, abort: Callable[[], None]) -> None:
        self.abort = abort
        self.command = bytearray()
        self.in_data = False
        #: set once ``Sub-Association Acknowledged`` (and its -d dump) is logged: the
        #: peer may send its first request before the reactor thread logged them
        self.acknowledged = threading.Event()
        #: set once we gave up on the association: later PDUs are not looked at
        self.aborted = False
        self._giving_up = threading.Lock()
        #: True from a C-STORE request's command set until its last data fragment
        self.in_store = False
        #: set once the A-ASSOCIATE-RQ arrived
        self.requested = False
        #: set when a PDU of an unknown type arrived (pynetdicom then ends the association)
        self.garbled = False

    def give_up(self) -> bool:
        """Claim the one report of giving up: True for the first caller only.

        The idle timer, a guard, this monitor and the end-of-move stop run on
        different threads; DCMTK gives up on a sub-association once, with one line.
        """
        with self._giving_up:
            if self.aborted:
                return False
            self.aborted = True
            return True

    @property
    def object_lost(self) -> bool:
        """True when the association ends now, inside an object we did not give up on."""
        return self.in_store and not self.aborted

    def on_pdu(self, pdu: Any) -> None:
        """Feed one received PDU (only P-DATA-TF PDUs carry PDV items)."""
        if self.aborted:  # PDUs already received when we aborted: DCMTK logs once
            return
        for item in getattr(pdu, "presentation_data_value_items", []) or []:
            data = item.presentation_data_value or b""
            if not data:
                continue
            header, body = data[0], data[1:]
            if header & 1:
                self.command += body
                if len(self.command) > MAX_COMMAND_SET:
                    self._command_too_long()
                    return
                if header & 2:
                    self._command_complete(bytes(self.command), item.presentation_context_id)
                    self.command.clear()
                    if self.aborted:
                        return
            else:
                self._data_fragment(last=bool(header & 2))

    def on_command(self, command: bytes, context_id: int) -> None:
        """A complete command set seen without its PDU (the accelerator's C-STORE path)."""
        if not self.aborted:
            self._command_complete(command, context_id)

    def on_data_fragment(self, last: bool) -> None:
        """One data PDV seen without its PDU (the accelerator's C-STORE path)."""
        if not self.aborted:
            self._data_fragment(last)

    def _command_too_long(self) -> None:
        # ours: a command set is a few hundred bytes; a peer that never ends one
        # would make us (and pynetdicom) buffer without limit
        self.command.clear()
        if self.give_up():
            logger.error(messages.SUB_ASSOCIATION_FAILURE, conditions.RECEIVE_FAILED)
            self.abort()

    def _data_fragment(self, last: bool) -> None:
        if last:
            self.in_store = False
        if progress_logger.getEffectiveLevel() != logging.INFO:
            return
        text = ("RECV: " if not self.in_data else "") + "." + ("\n" if last else "")
        self.in_data = not last
        sys.stdout.write(text)
        sys.stdout.flush()

    def _command_complete(self, command: bytes, context_id: int) -> None:
        # DCMTK logs sequentially: the association's lines come before the first request
        self.acknowledged.wait(ACKNOWLEDGE_WAIT)
        fields = decode_command(command)
        field_value = fields.get(COMMAND_FIELD, 0)
        msg_id = fields.get(MESSAGE_ID, 0)
        debug = logger.isEnabledFor(logging.DEBUG)
        self.in_store = field_value == C_STORE_RQ
        if field_value in (C_STORE_RQ, C_ECHO_RQ) and debug:
            # DCMTK at debug level: the short line, then DIMSE_dumpMessage
            kind = "Store" if field_value == C_STORE_RQ else "Echo"
            with together():
                logger.info("Received %s Request", kind)
                for line in request_dump(fields, context_id):
                    logger.debug("%s", line)
        elif field_value == C_STORE_RQ:
            sop_class = str(fields.get(AFFECTED_SOP_CLASS, ""))
            logger.info("Received Store Request (MsgID %s, %s)", msg_id, prefix_for(sop_class))
        elif field_value == C_ECHO_RQ:
            logger.info("Received Echo Request (MsgID %s)", msg_id)
        else:
            logger.error(
                "Expected C-ECHO or C-STORE request but received DIMSE command 0x%04x",
                field_value,
            )
            # DCMTK subOpSCP: cond = DIMSE_BADCOMMANDTYPE, logged, then A-ABORT
            if self.give_up():
                logger.error(messages.SUB_ASSOCIATION_FAILURE, conditions.BAD_COMMAND_TYPE)
                self.abort()
