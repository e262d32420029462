"""C-MOVE-RSP primitives built without pydicom (speed, issue 6).

pynetdicom decodes every received command set into a pydicom data set, and
each ``command.get(keyword)`` on it goes through pydicom's dictionary and raw
element conversion: about 1 ms of the main association's thread per pending
response, taken from the Storage SCP's threads (one GIL).  The clean
C-MOVE-RSP is read from the raw command bytes by
:func:`movescu.dicom.commandset.read_move_command`; this module owns building
the ``C_MOVE`` primitive pynetdicom would build from that
:class:`~movescu.dicom.commandset.MoveCommand`: the values are set through
the primitive's own setters in tag order, as pynetdicom's
``message_to_primitive`` does, so validation and errors are unchanged.  Must
not receive, send or log anything: :mod:`movescu.net.seams.accel.movedimse`
calls it.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from movescu.dicom.commandset import MoveCommand
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

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


def move_primitive(command: MoveCommand, context_id: int, identifier: BytesIO) -> Any:
    """The ``C_MOVE`` primitive pynetdicom's ``message_to_primitive`` builds.

    Parameters
    ----------
    command : MoveCommand
        A clean command set (:func:`movescu.dicom.commandset.read_move_command`).
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
