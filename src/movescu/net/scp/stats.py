"""Thread-safe receive statistics of the Storage SCP.

Owns the counters every sub-association updates (objects received, stored,
failed, bytes) and the per-object records the summary and report use.  No I/O.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from movescu.dicom.dimse import STATUS_SUCCESS


@dataclass(frozen=True)
class ReceivedObject:
    """One C-STORE as recorded in :class:`ReceiveStats`."""

    path: str | None
    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str
    status: int


@dataclass
class ReceiveStats:
    """Thread-safe counters of the Storage SCP."""

    received: int = 0
    stored: int = 0
    failed: int = 0
    bytes: int = 0
    objects: list[ReceivedObject] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, obj: ReceivedObject, nbytes: int) -> None:
        """Count one answered C-STORE (status 0 = stored/ignored, else failed)."""
        with self._lock:
            self.received += 1
            self.bytes += nbytes
            if obj.status == STATUS_SUCCESS:
                self.stored += 1
            else:
                self.failed += 1
            self.objects.append(obj)
