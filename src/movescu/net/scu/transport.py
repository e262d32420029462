"""pynetdicom seams the C-MOVE SCU needs: quiet libraries, AE titles, addresses, errors.

Owns the process-wide pynetdicom settings the SCU relies on (its loggers kept out
of our output, DCMTK's lenient AE-title rules via the documented
``_config.VALIDATORS`` hook), the ``-i4/-i6/-i0`` address resolution and the
capture of pynetdicom's connect error text for DCMTK's ``TCP Initialization
Error`` line, the guards of the main association against a broken Move SCP
(:func:`guard_association`: unknown PDU types, PDUs cut short, stalled or above
``-pdu``, messages that make pynetdicom's state machine raise: reported instead
of a traceback or a response loop waiting for ever) and DCMTK's reading of odd
answers to the association request (:func:`normalise_rejection`,
:func:`is_unexpected_answer`).  No association logic: the SCU decides what a
reported cause means.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from movescu.config import IPFamily
from movescu.dicom.conditions import (
    NETWORK_CLOSED,
    READ_TIMEOUT,
    illegal_pdu_length,
    unknown_host,
    unrecognized_pdu,
)
from movescu.dicom.messages import DEFAULT_REJECTION, KNOWN_REJECT_REASONS
from movescu.errors import AssociationError

logger = logging.getLogger(__name__)


def silence_pynetdicom() -> None:
    """Keep pynetdicom's own log lines and standard handlers out of our output.

    DCMTK-worded lines come from this package's loggers instead (pynetdicom-notes 8).
    :func:`movescu.logconfig.configure` sets the library loggers' levels; when the
    SCU runs without it (library use, tests) pynetdicom's records stop at its own
    logger instead of reaching the root logger.
    """
    from movescu.logconfig import quiet_libraries

    quiet_libraries()
    pynetdicom_logger = logging.getLogger("pynetdicom")
    if pynetdicom_logger.level == logging.NOTSET:
        pynetdicom_logger.propagate = False


def relax_ae_title_validation() -> None:
    """Accept every ASCII AE title, as DCMTK does (empty, all spaces, backslashes).

    pynetdicom's documented hook ``_config.VALIDATORS["AE"]`` would otherwise raise
    for titles DCMTK sends without complaint.
    """
    from pynetdicom import _config

    def _validate(value: Any) -> tuple[bool, str]:
        if not isinstance(value, str) or len(value) > 16:
            return False, "must be a str of at most 16 characters"
        try:
            value.encode("ascii")
        except UnicodeEncodeError:
            return False, "must only contain ASCII characters"
        return True, ""

    _config.VALIDATORS["AE"] = _validate


def resolve_address(host: str, port: int, family: IPFamily) -> str:
    """The address to connect to for ``-i4``/``-i6``/``-i0`` (default IPv4)."""
    fam = {
        IPFamily.IPV4: socket.AF_INET,
        IPFamily.IPV6: socket.AF_INET6,
        IPFamily.AUTO: socket.AF_UNSPEC,
    }[family]
    try:
        infos = socket.getaddrinfo(host, port, fam, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AssociationError("Association Request Failed:\n" + unknown_host(host)) from None
    return str(infos[0][4][0])


#: pynetdicom loggers whose error records say why an association request failed
CONNECT_LOGGERS = ("pynetdicom.transport", "pynetdicom.acse")


class TransportErrors(logging.Handler):
    """Captures why pynetdicom's association request failed (attach to CONNECT_LOGGERS).

    ``text`` is the strerror of ``TCP Initialisation Error: <exc>``;
    ``acse_timeout`` is set when no A-ASSOCIATE response came within ``-ta``.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.text: str | None = None
        self.acse_timeout = False

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("ACSE timeout reached"):
            self.acse_timeout = True
        prefix = "TCP Initialisation Error: "
        if message.startswith(prefix):
            text = message[len(prefix) :]
            # "[Errno 111] Connection refused" -> "Connection refused" (strerror, as DCMTK)
            if text.startswith("[Errno") and "] " in text:
                text = text.split("] ", 1)[1]
            self.text = text


@contextmanager
def connect_errors() -> Iterator[TransportErrors]:
    """Capture pynetdicom's connect/ACSE error records while requesting an association."""
    capture = TransportErrors()
    watched = [logging.getLogger(name) for name in CONNECT_LOGGERS]
    levels = [watched_logger.level for watched_logger in watched]
    for watched_logger in watched:
        # the library loggers may be switched off entirely: these must still emit
        watched_logger.setLevel(logging.ERROR)
        watched_logger.addHandler(capture)
    try:
        yield capture
    finally:
        for watched_logger, level in zip(watched, levels, strict=True):
            watched_logger.removeHandler(capture)
            watched_logger.setLevel(level)


#: reported when pynetdicom's state machine raised on the peer's bytes
DECODE_FAILED = "decode"
#: reported when pynetdicom itself found an invalid PDU or message (Evt19)
INVALID_PDU = "invalid"
#: reported when the peer stopped inside a PDU for longer than the socket timeout
READ_TIMED_OUT = READ_TIMEOUT


def guard_association(assoc: Any, fail: Callable[[str], None], max_pdu: int = 0) -> None:
    """Watch ``assoc``'s transport and state machine for what a broken peer sends.

    Runs from the ``EVT_CONN_OPEN`` handler, before any PDU is read.  ``fail`` is
    called (in pynetdicom's reactor thread) with :func:`unrecognized_pdu`,
    :data:`NETWORK_CLOSED`, :data:`READ_TIMED_OUT`, :data:`DECODE_FAILED` or
    :data:`INVALID_PDU`; the
    first report is the cause, the caller decides the wording and wakes its
    response loop.  An exception inside the state machine (pynetdicom runs it
    outside its reactor's ``try``: a garbage command set would end the thread
    with a traceback and leave the caller waiting forever) becomes an invalid
    PDU event, which makes pynetdicom send an A-ABORT.

    A P-DATA-TF PDU longer than ``max_pdu`` is refused before its body is read
    (:func:`illegal_pdu_length`, as DCMTK; a peer cannot make us buffer
    gigabytes).

    Parameters
    ----------
    assoc : pynetdicom.association.Association
        The just-connected requestor association.
    fail : callable
        Receives the cause (see above).
    max_pdu : int
        Our maximum PDU receive length (``-pdu``); 0 means no limit.
    """
    dul = assoc.dul
    transport = getattr(dul, "socket", None)
    if transport is not None:
        transport.recv = _watched_recv(transport.recv, fail, max_pdu)
    machine = getattr(dul, "state_machine", None)
    if machine is not None:
        machine.do_action = _guarded_action(dul, machine.do_action, fail)


def _watched_recv(
    recv: Callable[[int], bytearray], fail: Callable[[str], None], max_pdu: int
) -> Any:
    """pynetdicom reads a PDU as ``recv(6)`` (header) then ``recv(length)`` (body)."""
    expected: list[int] = []

    def watched(nr_bytes: int) -> bytearray:
        if expected and expected[0] < 0:
            expected.pop()
            return bytearray()  # refused: pynetdicom sees a short PDU and closes
        try:
            data = recv(nr_bytes)
        except TimeoutError:
            # pynetdicom reads once data is waiting, then blocks for the whole PDU:
            # the socket timeout (-td) ended a peer that stopped inside one
            expected.clear()
            fail(READ_TIMED_OUT)
            raise
        if expected:
            if len(data) < expected.pop():
                fail(NETWORK_CLOSED)
            return data
        if nr_bytes == 6 and len(data) == 6:
            pdu_type, _, length = struct.unpack(">BBL", bytes(data))
            if not 0x01 <= pdu_type <= 0x07:
                fail(unrecognized_pdu(pdu_type))
            elif pdu_type == 0x04 and 0 < max_pdu < length:
                fail(illegal_pdu_length(length, max_pdu))
                expected.append(-1)  # the body is not read
            elif length:
                expected.append(length)
        return data

    return watched


def _guarded_action(dul: Any, action: Callable[[str], Any], fail: Callable[[str], None]) -> Any:
    def do_action(event: str) -> Any:
        if event == "Evt19":
            fail(INVALID_PDU)
        try:
            return action(event)
        except Exception as exc:  # anything the peer's bytes provoke
            logger.debug("main association: %s: %s", type(exc).__name__, exc)
            fail(DECODE_FAILED)
            # Evt19 (invalid PDU): pynetdicom sends A-ABORT and closes
            dul.event_queue.put("Evt19")
            return None

    return do_action


# --------------------------------------------------------------------------- association answers


def is_unexpected_answer(received: Any) -> bool:
    """A known PDU that is neither A-ASSOCIATE-AC/RJ nor A-ABORT (DCMTK: rc 66).

    Parameters
    ----------
    received : pynetdicom.pdu.PDU
        A PDU received while our association request is unanswered.

    Returns
    -------
    bool
        True for A-ASSOCIATE-RQ, P-DATA-TF, A-RELEASE-RQ and A-RELEASE-RP.
    """
    from pynetdicom import pdu

    unexpected = (pdu.A_ASSOCIATE_RQ, pdu.P_DATA_TF, pdu.A_RELEASE_RQ, pdu.A_RELEASE_RP)
    return isinstance(received, unexpected)


_INVALID_RJ = "Received invalid A-ASSOCIATE-RJ reject %s 0x%04x, using default."


def normalise_rejection(received: Any) -> tuple[int, int, int]:
    """DCMTK's reading of an A-ASSOCIATE-RJ: invalid fields get its defaults.

    DCMTK 3.6.7 logs ``E: Received invalid A-ASSOCIATE-RJ reject result/source/
    reason 0x....`` and uses Rejected Permanent / Service User / No Reason
    (0x0101, whatever the source).  pynetdicom would raise on such values in its
    reactor thread (traceback, then a 30 s ACSE timeout), so the PDU is
    corrected in place before pynetdicom converts it (call it from the
    ``EVT_PDU_RECV`` handler).

    Parameters
    ----------
    received : pynetdicom.pdu.A_ASSOCIATE_RJ
        The PDU as decoded.

    Returns
    -------
    tuple of int
        (result, source, reason code ``(source << 8) | reason``) as DCMTK prints them.
    """
    result, source = received.result or 0, received.source or 0
    reason = received.reason_diagnostic or 0
    code = (source << 8) | reason
    if result not in (1, 2):
        logger.error(_INVALID_RJ, "result", result)
        result = 1
    if source not in (1, 2, 3):
        logger.error(_INVALID_RJ, "source", source)
        source = 1
    if code not in KNOWN_REJECT_REASONS:
        logger.error(_INVALID_RJ, "reason", code)
        code = DEFAULT_REJECTION[2]
    received.result, received.source = result, source
    received.reason_diagnostic = code & 0xFF if code >> 8 == source else 1
    return result, source, code
