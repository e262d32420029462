"""The event-driven reactors for the C-MOVE association itself (speed, issue 6).

Owns ``FastRequestorAE``, the application entity :mod:`movescu.net.scu.association` requests
its association with: pynetdicom's ``AE`` whose requestor associations are
switched to :mod:`movescu.net.seams.accel.reactors`'s classes (socket, DUL, DIMSE,
association reactor) before anything of them starts, and then to
:mod:`movescu.net.seams.accel.movedimse`'s subclasses of them (C-MOVE responses without
pydicom).  Without it the DUL thread of the main association wakes every
millisecond for the whole retrieve and takes the GIL from the Storage SCP's
threads.

The seam: ``AE.associate`` creates the ``Association``, then asks
``AE._create_socket`` for its transport, and only afterwards starts the DUL
thread (``Association.request``).  The subclass overrides that one factory:
it calls pynetdicom's, then switches the classes.  Everything ``associate``
does (contexts, handlers, negotiation, starting the reactor) stays
pynetdicom's.  Must not change what is sent or received, nor when the
association ends: only how its threads wait for work.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from movescu.logblock import block_aware_logger
from movescu.net.seams.accel.movedimse import move_association_class, move_dimse_class
from movescu.net.seams.accel.reactors import make_fast, make_fast_socket

if TYPE_CHECKING:
    from pynetdicom.association import Association
    from pynetdicom.transport import AssociationSocket

logger = block_aware_logger(__name__)


def requestor_ae_class() -> type[Any]:
    """pynetdicom's ``AE`` whose ``associate`` uses the event-driven reactors.

    Returns
    -------
    type
        A subclass of ``pynetdicom.AE``; use it like ``AE``.
    """
    return _build()


@cache
def _build() -> type[Any]:
    from pynetdicom import AE

    class FastRequestorAE(AE):
        """``AE`` whose requested associations wait for work instead of polling."""

        def _create_socket(
            self, assoc: Association, address: Any, tls_args: Any
        ) -> AssociationSocket:
            # called by AE.associate after creating the association, before
            # set_socket and request(): no thread of it runs yet
            sock = super()._create_socket(assoc, address, tls_args)
            make_fast(assoc)
            make_fast_socket(sock)
            # clean C-MOVE responses without pydicom (net/seams/accel/movedimse.py)
            assoc.__class__ = move_association_class(type(assoc))
            assoc.dimse.__class__ = move_dimse_class(type(assoc.dimse))
            return sock

    return FastRequestorAE
