"""The C-MOVE identifier goes on the wire in DCMTK's encoding, not pydicom's.

``Association.send_c_move`` encodes its data set with
``pynetdicom.association.encode`` (pydicom's ``write_dataset``: lengths and
padding as read, group lengths above group 6 left out).  While
:func:`identifier_encoded_as_dcmtk` is active, that module-level name encodes
the one identifier passed in with
:func:`movescu.dicom.identifier.encode_identifier`; any other data set is
encoded by pynetdicom's function as before.  Must not change anything else.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydicom import Dataset

_LOCK = threading.Lock()


@contextmanager
def identifier_encoded_as_dcmtk(identifier: Dataset) -> Iterator[None]:
    """Within the block, ``send_c_move(identifier, ...)`` sends DCMTK's bytes."""
    from pynetdicom import association

    from movescu.dicom.identifier import encode_identifier

    module: Any = association
    with _LOCK:
        original = module.encode

        def encode(
            dataset: Dataset, implicit: bool, little: bool, deflated: bool = False
        ) -> bytes | None:
            if dataset is not identifier:
                return original(dataset, implicit, little, deflated)  # type: ignore[no-any-return]
            try:
                return encode_identifier(dataset, implicit, little, deflated)
            except Exception:  # as pynetdicom: a data set that cannot be encoded
                return None

        module.encode = encode
        try:
            yield
        finally:
            module.encode = original
