"""Per-association access to pynetdicom's undocumented parts, one named function each.

Owns every reach into an association's DUL, DIMSE and ACSE providers, its
state machine and queues, the C-STORE request's spool file (pynetdicom's own
path; the accelerator's are :mod:`movescu.net.seams.accel.spool`) and the AE's
server list that the SCU, the Storage SCP and the guards need (both modes,
stock and accelerated).  Each function reads the attribute directly: when a pynetdicom
release renames one, the call raises ``AttributeError`` (``main`` reports it as
an internal error) instead of a defence silently doing nothing.  A ``None``
here is always a state pynetdicom itself uses (no socket yet, no spool file).
Must not decide anything: callers say what a failure means.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from movescu.dicom.pdata import A_ABORT_PDU

if TYPE_CHECKING:
    from pynetdicom.association import Association

#: ``recv(nr_bytes)`` of pynetdicom's ``AssociationSocket``
Recv = Callable[[int], bytearray]
#: ``do_action(event)`` of pynetdicom's state machine
Action = Callable[[str], Any]
#: ``idle_timer_expired()`` of pynetdicom's DUL
IdleCheck = Callable[[], bool]


# ------------------------------------------------------------------ the connection


def connection_socket(assoc: Association) -> socket.socket | None:
    """The TCP socket of ``assoc`` (None before it connects or after it closed)."""
    transport = assoc.dul.socket
    return None if transport is None else transport.socket


def reactor_ident(assoc: Association) -> int | None:
    """The thread ident of ``assoc``'s DUL reactor (the thread that decodes its messages)."""
    return assoc.dul.ident


def reactor_alive(assoc: Association) -> bool:
    """True while ``assoc``'s DUL reactor thread runs."""
    return assoc.dul.is_alive()


def current_association() -> Association | None:
    """The association whose DUL reactor is the calling thread (None elsewhere)."""
    import threading

    # pynetdicom's DUL is a Thread with an ``assoc`` property; other threads have none
    assoc: Association | None = getattr(threading.current_thread(), "assoc", None)
    return assoc


def write_abort(assoc: Association) -> None:
    """Write an A-ABORT PDU straight to ``assoc``'s socket (its reactor may no longer send).

    Never blocks for long: a peer that does not read gets what fits into the
    socket's send buffer (the connection is closed right after anyway).
    """
    sock = connection_socket(assoc)
    if sock is None:
        return
    try:
        sock.sendall(A_ABORT_PDU)
    except OSError:
        pass


def end_unnegotiated(assoc: Association) -> None:
    """End an acceptor whose connection closed before an A-ASSOCIATE-RQ arrived.

    pynetdicom's acceptor would wait ``-ta`` seconds for the request, holding one
    of the association slots; ``None`` on its queue is its "timed out".
    """
    assoc.dul.to_user_queue.put(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the guards' wrappers


def wrap_recv(assoc: Association, wrap: Callable[[Recv], Recv]) -> None:
    """Replace ``assoc``'s transport ``recv`` by ``wrap(recv)`` (run at EVT_CONN_OPEN)."""
    transport = assoc.dul.socket
    if transport is None:
        raise AttributeError("association has no transport socket yet")
    transport.recv = wrap(transport.recv)  # type: ignore[method-assign,assignment]


def wrap_state_machine(assoc: Association, wrap: Callable[[Action], Action]) -> None:
    """Replace ``assoc``'s state-machine ``do_action`` by ``wrap(do_action)``."""
    machine = assoc.dul.state_machine
    machine.do_action = wrap(machine.do_action)  # type: ignore[method-assign,assignment]


def wrap_idle_timer(assoc: Association, wrap: Callable[[IdleCheck], IdleCheck]) -> None:
    """Replace ``assoc``'s DUL ``idle_timer_expired`` by ``wrap(idle_timer_expired)``."""
    dul = assoc.dul
    dul.idle_timer_expired = wrap(dul.idle_timer_expired)  # type: ignore[method-assign]


def kill_association(assoc: Association) -> None:
    """Mark ``assoc`` aborted and make both its loops leave at their next turn."""
    assoc.is_aborted = True
    assoc.is_established = False
    assoc._kill = True
    assoc.dul._kill_thread = True


def post_invalid_pdu(assoc: Association) -> None:
    """Queue pynetdicom's Evt19 (invalid PDU): it sends an A-ABORT and closes."""
    assoc.dul.event_queue.put("Evt19")


def limit_send_fragments(assoc: Association, fragment: int) -> None:
    """Make ``assoc``'s DIMSE send fragments (PDV values) of at most ``fragment`` bytes.

    pynetdicom splits a message into fragments of the peer's maximum PDU length
    - 6 (none at all for a peer's 0); its DIMSE provider reads that length
    through the ``maximum_pdu_size`` property, which a subclass made here (for
    the provider's own class, stock or accelerated) answers from ``fragment``.
    """
    dimse = assoc.dimse
    dimse.__class__ = _limited_dimse(type(dimse))
    dimse.fragment_limit = fragment  # type: ignore[attr-defined]


_LIMITED: dict[type, type] = {}


def _limited_dimse(base: type) -> type:
    if getattr(base, "fragment_limit", None) is not None:
        return base
    limited = _LIMITED.get(base)
    if limited is None:

        def maximum_pdu_size(self: Any) -> int:
            # pynetdicom's fragment is this - 6 (PDU length field: item length,
            # context ID and control header + fragment)
            return int(self.fragment_limit) + 6

        limited = type(
            base.__name__,
            (base,),
            {"maximum_pdu_size": property(maximum_pdu_size), "fragment_limit": 0},
        )
        _LIMITED[base] = limited
    return limited


# ------------------------------------------------------------------ the SCU's response loop


def wake_response_loop(assoc: Association) -> None:
    """Make ``send_c_move``'s generator see "no response" now (it then aborts and ends)."""
    assoc.dimse.msg_queue.put((None, None))


def in_dimse_message(assoc: Association) -> bool:
    """True while pynetdicom's DIMSE decoder is inside a message (its command was read)."""
    return assoc.dimse.message is not None


def transport_aborted(assoc: Association) -> bool:
    """True when pynetdicom saw the connection end (an A-P-ABORT indication)."""
    return bool(assoc.acse.is_aborted("a-p-abort"))


def move_command_of(message: Any) -> Any:
    """A received message's command set: the accelerator's MoveCommand or pydicom's.

    Both answer ``get(keyword)`` and ``keyword in`` alike
    (:mod:`movescu.net.seams.accel.movedimse` sets ``move_command`` on a clean
    C-MOVE-RSP, without pydicom's per-element cost).
    """
    command = getattr(message, "move_command", None)
    return message.command_set if command is None else command


# ------------------------------------------------------------------ the Storage SCP


def register_server(ae: Any, server: Any) -> None:
    """Let ``ae.shutdown()`` stop a server made with ``ae.make_server``.

    ``make_server`` does not add the server to the AE's list; ``start_server``
    does, but it cannot be given our ``serve_forever`` poll interval.
    """
    ae._servers.append(server)


def request_spool(request: Any) -> tuple[str | None, Any]:
    """The spool file a C-STORE request's data set was received into.

    Returns
    -------
    tuple
        (path, file object) of pynetdicom's chunked receive, or (None, None)
        when the data set is in memory.
    """
    path = request._dataset_path
    if path is None:
        return None, None
    return str(path), request._dataset_file


def attach_store_stream(assoc: Association, monitor: Any, max_pdu: int) -> None:
    """Give an accelerated reactor its C-STORE stream (nothing on stock pynetdicom)."""
    dul: Any = assoc.dul
    if hasattr(dul, "store_stream"):  # only the accelerator's reactor has one
        from movescu.net.seams.accel.storestream import StoreStream

        dul.store_stream = StoreStream(assoc, monitor, max_pdu)


def abort_and_wait(assoc: Any) -> None:
    """Send A-ABORT and return once it is sent and the connection closed.

    While any notification handler runs (our response handlers, in pynetdicom's
    reactor thread), pynetdicom replaces the instance's ``abort`` by a variant
    that only queues the A-ABORT; called from another thread at that moment
    (Ctrl-C or SIGTERM just as a response is logged), the process would end
    before the PDU is sent.  The class's ``abort`` is always the blocking one.
    """
    type(assoc).abort(assoc)
