"""C-MOVE-RSP command sets read without pydicom (speed, issue 6).

pynetdicom decodes every received command set into a pydicom data set, and
each ``command.get(keyword)`` on it goes through pydicom's dictionary and raw
element conversion: about 1 ms of the main association's thread per pending
response, taken from the Storage SCP's threads (one GIL).  This module owns
reading the common, clean C-MOVE-RSP from the raw command bytes into a
:class:`MoveCommand` (keyword -> value, what our handlers read) and building
the ``C_MOVE`` primitive pynetdicom would build from it: the values are set
through the primitive's own setters in tag order, as pynetdicom's
``message_to_primitive`` does, so validation and errors are unchanged.

Clean means: only the elements a C-MOVE-RSP without status detail carries, in
ascending order, each once with its exact length, the group length right, a
UID of 1 to 64 digits and dots, Command Field C-MOVE-RSP, no data set (the
element walk is :func:`movescu.dicom.commandset.read_elements`).
Anything else returns None and pynetdicom decodes the message itself.  Must
not receive, send or log anything: :mod:`movescu.net.seams.accel.movedimse` calls it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from io import BytesIO
from typing import Any

from movescu.dicom.commandset import UI, UL, US, read_elements

logger = logging.getLogger(__name__)

#: Command Field of a C-MOVE-RSP
C_MOVE_RSP = 0x8021
#: Command Data Set Type: no data set
NO_DATA_SET = 0x0101

#: element of group 0000 -> (keyword, VR)
_ELEMENTS: dict[int, tuple[str, str]] = {
    0x0000: ("CommandGroupLength", UL),
    0x0002: ("AffectedSOPClassUID", UI),
    0x0100: ("CommandField", US),
    0x0120: ("MessageIDBeingRespondedTo", US),
    0x0800: ("CommandDataSetType", US),
    0x0900: ("Status", US),
    0x1020: ("NumberOfRemainingSuboperations", US),
    0x1021: ("NumberOfCompletedSuboperations", US),
    0x1022: ("NumberOfFailedSuboperations", US),
    0x1023: ("NumberOfWarningSuboperations", US),
}
_VRS = {element: vr for element, (_, vr) in _ELEMENTS.items()}
#: longest UID (PS3.5 9.1)
_MAX_UID = 64
#: the C_MOVE primitive's parameters among them (pynetdicom: hasattr(primitive, keyword))
PRIMITIVE_FIELDS = (
    "AffectedSOPClassUID",
    "MessageIDBeingRespondedTo",
    "Status",
    "NumberOfRemainingSuboperations",
    "NumberOfCompletedSuboperations",
    "NumberOfFailedSuboperations",
    "NumberOfWarningSuboperations",
)
_REQUIRED = ("CommandGroupLength", "CommandField", "MessageIDBeingRespondedTo", "Status")


class MoveCommand:
    """A clean C-MOVE-RSP command set: the read-only subset of pydicom's ``Dataset`` we use.

    ``get(keyword)`` and ``keyword in command`` give what they give on the data
    set pynetdicom decodes (ints; the SOP Class UID as ``str``).  Anything else
    (``command[tag]``, ``get(tag)``) is answered by that data set, decoded on
    first use.

    Parameters
    ----------
    values : dict
        Keyword -> value of every element, in tag order.
    encoded : bytes
        The command set as received.
    """

    __slots__ = ("values", "encoded", "_dataset")

    def __init__(self, values: dict[str, Any], encoded: bytes) -> None:
        self.values = values
        self.encoded = encoded
        self._dataset: Any = None

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of element ``key`` (a keyword), ``default`` when absent."""
        if isinstance(key, str):
            return self.values.get(key, default)
        return self.dataset().get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return key in self.values
        if isinstance(key, int) and key >> 16 == 0:
            known = _ELEMENTS.get(key)
            return known is not None and known[0] in self.values
        return key in self.dataset()

    def __getitem__(self, key: Any) -> Any:
        return self.dataset()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.dataset())

    def __len__(self) -> int:
        return len(self.values)

    def dataset(self) -> Any:
        """The pydicom data set pynetdicom decodes from the same bytes (cached)."""
        if self._dataset is None:
            from pynetdicom.dsutils import decode

            self._dataset = decode(BytesIO(self.encoded), True, True)
        return self._dataset


def read_move_command(command: bytes) -> MoveCommand | None:
    """A clean C-MOVE-RSP command set without a data set, or None.

    Parameters
    ----------
    command : bytes
        The encoded command set (implicit VR little endian).

    Returns
    -------
    MoveCommand or None
        None for anything unusual (see the module docstring): pynetdicom's
        decoding applies then.
    """
    elements = read_elements(command, _VRS)
    if elements is None:
        return None
    values = {_ELEMENTS[element][0]: value for element, value in elements.items()}
    if len(values.get("AffectedSOPClassUID", "")) > _MAX_UID:
        return None
    if any(keyword not in values for keyword in _REQUIRED):
        return None
    if (
        values["CommandGroupLength"] != len(command) - 12
        or values["CommandField"] != C_MOVE_RSP
        or values.get("CommandDataSetType") != NO_DATA_SET
    ):
        return None
    return MoveCommand(values, bytes(command))


def move_primitive(command: MoveCommand, context_id: int, identifier: BytesIO) -> Any:
    """The ``C_MOVE`` primitive pynetdicom's ``message_to_primitive`` builds.

    Parameters
    ----------
    command : MoveCommand
        A clean command set (:func:`read_move_command`).
    context_id : int
        The presentation context it arrived on.
    identifier : io.BytesIO
        The message's (empty) data-set buffer: pynetdicom hands it on as is.

    Returns
    -------
    pynetdicom.dimse_primitives.C_MOVE

    Raises
    ------
    ValueError, TypeError
        What the primitive's setters raise (the caller treats it as pynetdicom does).
    """
    from pynetdicom.dimse_primitives import C_MOVE

    primitive = C_MOVE()
    values = command.values
    for keyword in PRIMITIVE_FIELDS:
        if keyword in values:
            setattr(primitive, keyword, values[keyword])
    primitive.Identifier = identifier
    primitive._context_id = context_id
    primitive._dataset_path = None
    primitive._dataset_file = None
    return primitive
