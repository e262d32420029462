"""A DIMSE provider that handles C-STORE commands without pydicom (speed, issue 6).

Owns ``FastDIMSE``, the subclass of pynetdicom's ``DIMSEServiceProvider`` that
:func:`movescu.net.seams.accel.reactors.make_fast` gives the Storage SCP's associations:
a clean received C-STORE-RQ becomes its primitive through
:mod:`movescu.net.seams.accel.storerequest`, a plain C-STORE-RSP is encoded by
:mod:`movescu.net.seams.accel.storeresponse`; everything else, and every unusual command,
goes through pynetdicom unchanged.  Clean C-STOREs are answered before they get
here (:mod:`movescu.net.seams.accel.storestream`); this path serves the ones
that inline path leaves to pynetdicom (a command set in several fragments,
command and data in one PDU, bound DIMSE handlers, a status it does not
answer itself).  Must not change what is sent or accepted.
"""

from __future__ import annotations

import threading
from functools import cache
from io import BytesIO
from typing import Any, cast

from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)


def fast_dimse_class() -> type[Any]:
    """The ``FastDIMSE`` class (built on first use: pynetdicom is imported lazily).

    Returns
    -------
    type
        A subclass of ``pynetdicom.dimse.DIMSEServiceProvider``.
    """
    return _build()


@cache
def _build() -> type[Any]:
    from pynetdicom.dimse import DIMSEServiceProvider
    from pynetdicom.utils import make_target

    class FastDIMSE(DIMSEServiceProvider):
        """C-STORE commands without pydicom: accel/storerequest.py, accel/storeresponse.py."""

        def receive_primitive(self, primitive: Any) -> None:
            """pynetdicom's ``receive_primitive``; clean C-STORE-RQs converted by us."""
            from pynetdicom import evt
            from pynetdicom.dimse import LOGGER
            from pynetdicom.dimse_messages import C_STORE_RQ, DIMSEMessage
            from pynetdicom.dimse_primitives import C_CANCEL, N_EVENT_REPORT

            from movescu.net.seams.accel.storerequest import store_request_primitive

            if self.message is None:
                self.message = DIMSEMessage()
            message = self.message
            if not message.decode_msg(primitive, self.assoc):
                return
            evt.trigger(self.assoc, evt.EVT_DIMSE_RECV, {"message": message})
            context_id = cast(int, message.context_id)
            try:
                converted = None
                if type(message) is C_STORE_RQ:
                    converted = store_request_primitive(message)
                if converted is None:
                    converted = message.message_to_primitive()
            except Exception as exc:
                LOGGER.error("Received an invalid DIMSE message")
                LOGGER.exception(exc)
                self.dul.event_queue.put("Evt19")
                return
            if isinstance(converted, C_CANCEL) and len(self.cancel_req) < 10:
                self.cancel_req[cast(int, converted.MessageIDBeingRespondedTo)] = converted
            elif isinstance(converted, N_EVENT_REPORT) and converted.is_valid_request:
                thread = threading.Thread(
                    target=make_target(self.assoc._serve_request), args=(converted, context_id)
                )
                thread.start()
            else:
                self.msg_queue.put((context_id, converted))  # type: ignore[arg-type]
            # as pynetdicom (its issue #41): drop the message's buffers
            message.encoded_command_set = BytesIO()
            message.data_set = BytesIO()
            message._data_set_file = None
            message._data_set_path = None
            self.message = None

        def send_msg(self, primitive: Any, context_id: int) -> None:
            from pynetdicom import evt
            from pynetdicom.pdu_primitives import P_DATA

            from movescu.net.seams.accel.storeresponse import plain_store_response

            command = None
            if not self.assoc.get_handlers(evt.EVT_DIMSE_SENT):
                command = plain_store_response(primitive, self.maximum_pdu_size or 0)
            if command is None:
                super().send_msg(primitive, context_id)
                return
            pdata = P_DATA()
            pdata.presentation_data_value_list.append((context_id, b"\x03" + command))
            self.dul.send_pdu(pdata)

    return FastDIMSE
