"""The C-MOVE SCU's connection: addresses, connect errors, odd association answers.

Owns the ``-i4/-i6/-i0`` address resolution, the capture of pynetdicom's
connect error text for DCMTK's ``TCP Initialization Error`` line and DCMTK's
reading of odd answers to the association request (:func:`normalise_rejection`,
:func:`is_unexpected_answer`).  The guards of the main association are
:mod:`movescu.net.guards`'; the process-wide pynetdicom settings are
:mod:`movescu.net.seams.settings`'.  No association logic: the SCU decides what
a reported cause means.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from movescu.config import IPFamily
from movescu.dicom.conditions import (
    unknown_host,
)
from movescu.dicom.messages import DEFAULT_REJECTION, KNOWN_REJECT_REASONS
from movescu.errors import AssociationError
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)


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
