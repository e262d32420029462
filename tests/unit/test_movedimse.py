"""net.movedimse: the main association's C-MOVE responses, fast path and pynetdicom's, alike."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from tests.unit.test_movecommand import CLEAN, clean, encoded_response

from movescu.net.seams.accel.movedimse import (
    PENDING_STATUS,
    move_association_class,
    move_dimse_class,
    single_command,
)
from movescu.net.seams.hooks import move_command_of as command_of

MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
KEYWORDS = (
    "CommandField",
    "MessageIDBeingRespondedTo",
    "Status",
    "AffectedSOPClassUID",
    "CommandDataSetType",
    "NumberOfRemainingSuboperations",
    "NumberOfCompletedSuboperations",
    "NumberOfFailedSuboperations",
    "NumberOfWarningSuboperations",
    "ErrorComment",
)
PRIMITIVE_ATTRIBUTES = (
    "MessageIDBeingRespondedTo",
    "AffectedSOPClassUID",
    "Status",
    "NumberOfRemainingSuboperations",
    "NumberOfCompletedSuboperations",
    "NumberOfFailedSuboperations",
    "NumberOfWarningSuboperations",
    "ErrorComment",
    "OffendingElement",
    "_context_id",
)


@pytest.fixture(autouse=True)
def _as_movescu_runs() -> Iterator[None]:
    from movescu.net.seams.settings import quiet_libraries

    undo = quiet_libraries()
    try:
        yield
    finally:
        undo()


def p_data(*items: tuple[int, bytes]) -> Any:
    from pynetdicom.pdu_primitives import P_DATA

    primitive = P_DATA()
    for context_id, data in items:
        primitive.presentation_data_value_list.append([context_id, data])
    return primitive


PENDING = encoded_response(AffectedSOPClassUID=MOVE, NumberOfRemainingSuboperations=3)
FINAL = encoded_response(AffectedSOPClassUID=MOVE, Status=0, NumberOfCompletedSuboperations=3)
WITH_COMMENT = encoded_response(Status=0xA801, ErrorComment="Unknown destination")
WITH_DATA = encoded_response(Status=0xB000, Identifier=BytesIO(b"x"))


# ---------------------------------------------------------------------- single_command


def test_single_command() -> None:
    assert single_command(p_data((3, b"\x03" + PENDING))) == (3, PENDING)
    assert single_command(p_data((3, b"\x01" + PENDING))) is None  # not the last fragment
    assert single_command(p_data((3, b"\x02" + PENDING))) is None  # data set
    assert single_command(p_data((3, b"\x07" + PENDING))) is None  # unusual header bits
    assert single_command(p_data((3, b""))) is None
    assert single_command(p_data()) is None
    assert single_command(p_data((3, b"\x03" + PENDING), (3, b"\x03" + FINAL))) is None
    assert single_command(object()) is None


# ---------------------------------------------------------------------- the DIMSE provider


class _Dul:
    def __init__(self) -> None:
        self.event_queue: queue.Queue[str] = queue.Queue()


class _Assoc:
    """What pynetdicom's DIMSE provider and ``evt.trigger`` use of an association."""

    def __init__(self) -> None:
        self.dul = _Dul()
        self.received: list[Any] = []
        self.dimse_timeout = 1

    def get_handlers(self, event: Any) -> list[Any]:
        return [(self._on_received, None)] if event.name == "EVT_DIMSE_RECV" else []

    def _on_received(self, event: Any) -> None:
        message = event.message
        command = command_of(message)
        self.received.append(
            (
                type(message).__name__,
                message.context_id,
                {keyword: command.get(keyword, "absent") for keyword in KEYWORDS},
                {keyword: keyword in command for keyword in KEYWORDS},
                message.data_set.getvalue(),
                hasattr(message, "move_command"),
            )
        )

    def abort(self) -> None:  # pragma: no cover - evt.trigger swaps it only
        raise AssertionError("abort")

    _abort_blocking = _abort_nonblocking = abort


def _providers() -> tuple[Any, Any]:
    from pynetdicom.dimse import DIMSEServiceProvider

    return DIMSEServiceProvider(_Assoc()), move_dimse_class(DIMSEServiceProvider)(_Assoc())


def _feed(provider: Any, primitives: list[Any]) -> tuple[list[Any], list[Any], list[str]]:
    for primitive in primitives:
        provider.receive_primitive(primitive)
    queued = []
    while not provider.msg_queue.empty():
        context_id, primitive = provider.msg_queue.get_nowait()
        identifier = primitive.Identifier
        queued.append(
            (
                context_id,
                type(primitive).__name__,
                {name: getattr(primitive, name) for name in PRIMITIVE_ATTRIBUTES},
                None if identifier is None else identifier.getvalue(),
                primitive.is_valid_response,
            )
        )
    events = []
    while not provider.dul.event_queue.empty():
        events.append(provider.dul.event_queue.get_nowait())
    return provider.assoc.received, queued, events


@pytest.mark.parametrize(
    ("primitives", "fast"),
    [
        ([p_data((3, b"\x03" + PENDING))], [True]),
        ([p_data((3, b"\x03" + PENDING)), p_data((3, b"\x03" + FINAL))], [True, True]),
        ([p_data((5, b"\x03" + WITH_COMMENT))], [False]),
        ([p_data((3, b"\x03" + WITH_DATA)), p_data((3, b"\x02x"))], [False]),
        ([p_data((3, b"\x01" + PENDING[:20])), p_data((3, b"\x03" + PENDING[20:]))], [False]),
        ([p_data((3, b"\x03" + PENDING), (3, b"\x03" + FINAL))], [False]),
        ([p_data((3, b"\x03" + clean((5, CLEAN[6]), (6, CLEAN[5]))))], [False]),
        ([p_data((3, b"\x03" + PENDING[:-2] + b"\x00\x00"))], [True]),
        ([p_data()], []),
    ],
)
def test_same_messages_and_primitives_as_pynetdicom(
    primitives: list[Any], fast: list[bool]
) -> None:
    theirs, ours = _providers()
    their_received, their_queued, their_events = _feed(theirs, primitives)
    our_received, our_queued, our_events = _feed(ours, primitives)
    assert [entry[:5] for entry in our_received] == [entry[:5] for entry in their_received]
    assert [entry[5] for entry in our_received] == fast
    assert our_queued == their_queued
    assert our_events == their_events == []
    # a message in progress is kept alike (pynetdicom keeps one after an empty P-DATA)
    assert type(ours.message) is type(theirs.message)


def test_fast_message_gives_pydicoms_command_set_on_request() -> None:
    _, ours = _providers()
    seen: list[Any] = []
    ours.assoc._on_received = lambda event: seen.append(event.message)
    ours.receive_primitive(p_data((3, b"\x03" + PENDING)))
    (message,) = seen
    assert type(message).__name__ == "C_MOVE_RSP"
    assert message.command_set.Status == 0xFF00
    assert message.command_set.NumberOfRemainingSuboperations == 3


def test_a_primitive_setter_failing_is_an_invalid_message_as_in_pynetdicom() -> None:
    from pynetdicom import _config

    theirs, ours = _providers()
    primitives = [p_data((3, b"\x03" + PENDING))]
    saved = _config.VALIDATORS["UI"]
    _config.VALIDATORS["UI"] = lambda value: (False, "refused by the test")
    try:
        their_received, their_queued, their_events = _feed(theirs, primitives)
        our_received, our_queued, our_events = _feed(ours, primitives)
    finally:
        _config.VALIDATORS["UI"] = saved
    assert [entry[:5] for entry in our_received] == [entry[:5] for entry in their_received]
    assert our_queued == their_queued == []
    assert our_events == their_events == ["Evt19"]
    # pynetdicom keeps the broken message (the association ends)
    assert ours.message is not None and theirs.message is not None


# ---------------------------------------------------------------------- the response generator


def _move(status: int, msg_id: int | None = 1, **fields: Any) -> Any:
    from pynetdicom.dimse_primitives import C_MOVE

    primitive = C_MOVE()
    primitive.MessageIDBeingRespondedTo = msg_id
    primitive.Status = status
    primitive.Identifier = BytesIO()
    for name, value in fields.items():
        setattr(primitive, name, value)
    return primitive


def _find() -> Any:
    from pynetdicom.dimse_primitives import C_FIND

    primitive = C_FIND()
    primitive.MessageIDBeingRespondedTo = 1
    primitive.Status = 0
    return primitive


def _responses(fast: bool, items: list[Any]) -> tuple[list[Any], int]:
    from pydicom.uid import ExplicitVRLittleEndian
    from pynetdicom import AE
    from pynetdicom.association import Association

    assoc = Association(AE(), "requestor")
    if fast:
        assoc.__class__ = move_association_class(Association)
    aborts: list[None] = []
    assoc.abort = lambda: aborts.append(None)  # type: ignore[method-assign]
    for item in items:
        assoc.dimse.msg_queue.put((None, None) if item is None else (3, item))
    seen = []
    for status, identifier in assoc._wrap_get_move_responses(ExplicitVRLittleEndian):
        seen.append(
            (
                "Status" in status,
                int(status.Status) if "Status" in status else None,
                None if identifier is None else list(identifier),
                status is PENDING_STATUS,
            )
        )
    assert assoc.dimse.msg_queue.empty()
    return seen, len(aborts)


@pytest.mark.parametrize(
    "items",
    [
        [_move(0xFF00), _move(0xFF00), _move(0)],
        [_move(0xFF00, NumberOfRemainingSuboperations=1), _move(0xB000)],
        [_move(0xFF00), None],
        [_move(0xFF00), _find()],
        [_move(0xFF00), _move(0xFF00, msg_id=None)],
        [_move(0xFF00), _move(0xFF01), _move(0xFF00), _move(0xA801, ErrorComment="x")],
        [_move(0xFE00)],
        [None],
    ],
)
def test_same_responses_as_pynetdicoms_generator(items: list[Any]) -> None:
    theirs, their_aborts = _responses(False, items)
    ours, our_aborts = _responses(True, items)
    assert [entry[:3] for entry in ours] == [entry[:3] for entry in theirs]
    assert our_aborts == their_aborts
    # our cheap status stands in for the leading Pending responses only
    leading = 0
    for item in items:
        if item is None or type(item).__name__ != "C_MOVE" or item.Status != 0xFF00:
            break
        if item.MessageIDBeingRespondedTo is None:
            break
        leading += 1
    assert [entry[3] for entry in ours] == [index < leading for index in range(len(ours))]
