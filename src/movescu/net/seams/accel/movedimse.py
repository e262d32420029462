"""The C-MOVE association's responses without pydicom on their common path (speed, issue 6).

Owns two subclasses :mod:`movescu.net.seams.accel.requestor` gives the main
association after :func:`movescu.net.seams.accel.reactors.make_fast`:

* the DIMSE provider's: a P-DATA that is one whole, clean C-MOVE-RSP
  (:func:`movescu.dicom.commandset.read_move_command`) becomes its message and ``C_MOVE``
  primitive without pydicom; the message's ``move_command`` is the
  :class:`~movescu.dicom.commandset.MoveCommand` our ``EVT_DIMSE_RECV``
  handlers read, its ``command_set`` the pydicom data set, decoded only if
  someone asks.  The steps and their order are pynetdicom's
  ``receive_primitive``'s (event, conversion, its error handling, queue);
* the association's: ``send_c_move``'s response generator yields a
  :class:`PendingStatus` for each valid Pending (0xFF00) C-MOVE response
  instead of building a pydicom status data set; from the first other
  message on, pynetdicom's generator takes over unchanged.

Anything unusual goes through pynetdicom as before.  Must not change what is
sent, accepted, logged or when the association ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from io import BytesIO
from typing import Any, cast

from movescu.dicom.commandset import MoveCommand, read_move_command
from movescu.dicom.dimse import STATUS_PENDING
from movescu.logblock import block_aware_logger
from movescu.net.seams.accel.movecommand import move_primitive

logger = block_aware_logger(__name__)


class PendingStatus:
    """What ``send_c_move`` yields for a Pending (0xFF00) response: ``Status`` only.

    Stands in for pynetdicom's status data set (``"Status" in status`` and
    ``status.Status`` are what :mod:`movescu.net.scu.association` reads).
    """

    __slots__ = ()
    Status = STATUS_PENDING

    def __contains__(self, keyword: object) -> bool:
        return keyword == "Status"


PENDING_STATUS = PendingStatus()
#: base class -> our subclass of it
_DIMSE_CLASSES: dict[type[Any], type[Any]] = {}
_ASSOCIATION_CLASSES: dict[type[Any], type[Any]] = {}


def move_dimse_class(base: type[Any]) -> type[Any]:
    """``base`` (the association's DIMSE provider class) with clean C-MOVE-RSPs read by us.

    Parameters
    ----------
    base : type
        A subclass of ``pynetdicom.dimse.DIMSEServiceProvider``.

    Returns
    -------
    type
        Its subclass; install it with ``assoc.dimse.__class__ = ...``.
    """
    cls = _DIMSE_CLASSES.get(base)
    if cls is None:
        cls = _DIMSE_CLASSES[base] = _dimse_class(base)
    return cls


def move_association_class(base: type[Any]) -> type[Any]:
    """``base`` (the association's class) with the cheap Pending response generator.

    Parameters
    ----------
    base : type
        A subclass of ``pynetdicom.association.Association``.

    Returns
    -------
    type
        Its subclass; install it with ``assoc.__class__ = ...``.
    """
    cls = _ASSOCIATION_CLASSES.get(base)
    if cls is None:
        cls = _ASSOCIATION_CLASSES[base] = _association_class(base)
    return cls


def single_command(primitive: Any) -> tuple[int, bytes] | None:
    """(context ID, command bytes) of a P-DATA that is one whole command set, else None."""
    items = getattr(primitive, "presentation_data_value_list", None)
    if type(items) is not list or len(items) != 1:
        return None
    context_id, data = items[0]
    if not data or data[0] != 0x03:  # command information, last fragment
        return None
    return context_id, bytes(data[1:])


@cache
def _message_class() -> type[Any]:
    from pynetdicom.dimse_messages import C_MOVE_RSP

    class FastMoveResponse(C_MOVE_RSP):
        """A received C-MOVE-RSP read by :func:`movescu.dicom.commandset.read_move_command`."""

        move_command: MoveCommand

        @property
        def command_set(self) -> Any:  # type: ignore[override]
            """pynetdicom's decoded command set (only decoded when asked for)."""
            return self.move_command.dataset()

    # pynetdicom names message types by class name (message_to_primitive, logs)
    FastMoveResponse.__name__ = FastMoveResponse.__qualname__ = "C_MOVE_RSP"
    return FastMoveResponse


def _message(command: MoveCommand, context_id: int) -> Any:
    """The received message as pynetdicom's ``decode_msg`` leaves it (command set lazy)."""
    cls = _message_class()
    message: Any = object.__new__(cls)
    message.move_command = command
    message.context_id = context_id
    message.encoded_command_set = BytesIO(command.encoded)
    message.data_set = BytesIO()
    message._data_set_path = None
    message._data_set_file = None
    return message


def _dimse_class(base: type[Any]) -> type[Any]:
    from pynetdicom import evt
    from pynetdicom.dimse import LOGGER

    class FastMoveDIMSE(base):  # type: ignore[misc]
        """The main association's DIMSE provider: clean C-MOVE-RSPs without pydicom."""

        def receive_primitive(self, primitive: Any) -> None:
            found = single_command(primitive) if self.message is None else None
            command = read_move_command(found[1]) if found is not None else None
            if found is None or command is None:
                super().receive_primitive(primitive)
                return
            self._receive_move_response(command, found[0])

        def _receive_move_response(self, command: MoveCommand, context_id: int) -> None:
            """pynetdicom's steps for a complete message, with our conversion."""
            message = _message(command, context_id)
            self.message = message
            evt.trigger(self.assoc, evt.EVT_DIMSE_RECV, {"message": message})
            try:
                converted = move_primitive(command, context_id, message.data_set)
            except Exception as exc:
                LOGGER.error("Received an invalid DIMSE message")
                LOGGER.exception(exc)
                self.dul.event_queue.put("Evt19")
                return
            self.msg_queue.put((context_id, converted))
            # as pynetdicom (its issue #41): drop the message's buffers
            message.encoded_command_set = BytesIO()
            message.data_set = BytesIO()
            self.message = None

    FastMoveDIMSE.__qualname__ = FastMoveDIMSE.__name__
    return FastMoveDIMSE


def _association_class(base: type[Any]) -> type[Any]:
    from pynetdicom.dimse_primitives import C_MOVE

    class FastMoveAssociation(base):  # type: ignore[misc]
        """The main association: Pending C-MOVE responses without a pydicom status."""

        def _wrap_get_move_responses(self, transfer_syntax: Any) -> Iterator[tuple[Any, Any]]:
            messages = self.dimse.msg_queue
            while True:
                item = self.dimse.get_msg(block=True)
                rsp = item[1]
                if (
                    type(rsp) is C_MOVE
                    and rsp.Status == STATUS_PENDING
                    and rsp.MessageIDBeingRespondedTo is not None
                ):
                    # pynetdicom: a valid Pending response is yielded, nothing else
                    yield PENDING_STATUS, None
                    continue
                # anything else: put it back first in line and let pynetdicom's
                # generator handle it and all that follows
                with messages.mutex:
                    # (get() left unfinished_tasks counting it: not counted again)
                    messages.queue.appendleft(item)
                    messages.not_empty.notify()
                parent = cast(Any, super())
                yield from parent._wrap_get_move_responses(transfer_syntax)
                return

    FastMoveAssociation.__qualname__ = FastMoveAssociation.__name__
    return FastMoveAssociation
