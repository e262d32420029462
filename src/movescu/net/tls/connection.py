"""TLS connections: handshakes, their failures as dcmtls conditions, ``-d`` details.

Owns the server class that does an incoming connection's TLS handshake in that
connection's thread, the translation of a failed handshake (Python's SSLError
text) into DCMTK's ``000b:08xx TLS error: ...`` condition, and the DEBUG block
"TLS CONNECTION DETAILS" dcmtls logs after a handshake (:class:`DetailedSocket`,
installed on our contexts by :mod:`movescu.net.tls.setup`).  Must not build contexts.
"""

from __future__ import annotations

import logging
import re
import ssl
from typing import Any

from movescu.logblock import block_aware_logger, together

logger = block_aware_logger(__name__)

__all__ = ["DetailedSocket", "connection_details", "handshake_failure", "tls_server_class"]

#: OpenSSL SSL reason codes (ssl.h/sslerr.h) of the failures a handshake commonly ends with
_REASONS = {
    "CERTIFICATE_VERIFY_FAILED": 134, "NO_PROTOCOLS_AVAILABLE": 191, "NO_SHARED_CIPHER": 193,
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": 199, "UNSUPPORTED_PROTOCOL": 258,
    "WRONG_VERSION_NUMBER": 267, "UNEXPECTED_EOF_WHILE_READING": 294,
    "SSLV3_ALERT_HANDSHAKE_FAILURE": 1040, "SSLV3_ALERT_BAD_CERTIFICATE": 1042,
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": 1043, "SSLV3_ALERT_CERTIFICATE_REVOKED": 1044,
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": 1045, "SSLV3_ALERT_CERTIFICATE_UNKNOWN": 1046,
    "TLSV1_ALERT_UNKNOWN_CA": 1048, "TLSV1_ALERT_ACCESS_DENIED": 1049,
    "TLSV1_ALERT_DECRYPT_ERROR": 1051, "TLSV1_ALERT_PROTOCOL_VERSION": 1070,
    "TLSV1_ALERT_INSUFFICIENT_SECURITY": 1071, "TLSV1_ALERT_INTERNAL_ERROR": 1080,
    "TLSV1_UNRECOGNIZED_NAME": 1112, "TLSV13_ALERT_CERTIFICATE_REQUIRED": 1116,
}  # fmt: skip
_SSL_TEXT = re.compile(
    r"^\[SSL(?:: (?P<reason>[A-Z0-9_]+))?\] (?P<text>.*?)(?: \(_ssl\.c:\d+\))?$"
)
#: where Python's text is not OpenSSL's reason string (DCMTK prints OpenSSL's)
_OPENSSL_TEXTS = {"UNEXPECTED_EOF_WHILE_READING": "unexpected eof while reading"}
#: Python's text for a handshake the socket timeout ended (``_ssl.c:989: The ...``)
_TIMED_OUT = re.compile(r"^(?:_ssl\.c:\d+: )?The (?:handshake|read) operation timed out$")
#: DCMTK 3.6.7 (dcmtls) when its receive timeout ends a handshake, and when the
#: connection is reset or closed under it (checked with storescp/echoscu +tls)
WANT_READ = "000b:000b TLS read operation did not complete (SSL_ERROR_WANT_READ)"
SYSCALL = "000b:0017 OpenSSL I/O error (SSL_ERROR_SYSCALL)"
_SYSCALL_TEXTS = frozenset({"Connection reset by peer", "Broken pipe"})


def handshake_failure(text: str, *, tls_in_use: bool = True) -> str | None:
    """DCMTK's condition for a failed TLS handshake (``000b:0886 TLS error: ...``).

    ``text`` is ``str()`` of Python's SSLError (or of the OSError or timeout that
    ended the handshake); None when it is not a TLS failure.  DCMTK's code is
    0x800 + OpenSSL's reason code, its text OpenSSL's reason string; a timeout
    is :data:`WANT_READ`, a reset connection :data:`SYSCALL` (with
    ``tls_in_use``: a reset without TLS is a plain TCP error).
    """
    text = text.strip()
    if _TIMED_OUT.match(text):
        return WANT_READ
    if text.split("] ", 1)[-1] in _SYSCALL_TEXTS and (tls_in_use or text.startswith("[SSL")):
        return SYSCALL
    match = _SSL_TEXT.match(text)
    if match is None:
        return None
    reason = match.group("reason") or ""
    message = _OPENSSL_TEXTS.get(reason, match.group("text"))
    if reason == "CERTIFICATE_VERIFY_FAILED":
        message = message.split(":", 1)[0]  # Python appends the verify result
    return f"000b:{0x800 + _REASONS.get(reason, 0):04x} TLS error: {message}"


def tls_server_class(base: type[Any]) -> type[Any]:
    """``base`` (a pynetdicom server class) doing the TLS handshake in the connection's thread.

    pynetdicom handshakes in ``get_request`` (the accepting thread) and drops failures
    silently; DCMTK logs ``E: <condition>`` for a sub-association it could not receive.
    """

    class TLSServer(base):  # type: ignore[misc]
        def get_request(self) -> tuple[Any, Any]:
            client, address = self.socket.accept()
            context = self.ssl_context
            wrapped = context.wrap_socket(client, server_side=True, do_handshake_on_connect=False)
            return wrapped, address

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            try:
                request.settimeout(self.ae.acse_timeout)
                request.do_handshake()
                request.settimeout(None)
            except (ssl.SSLError, OSError) as exc:
                # any other I/O failure under OpenSSL is its SSL_ERROR_SYSCALL in DCMTK
                logger.error(handshake_failure(str(exc)) or SYSCALL)
                self.shutdown_request(request)
                return
            super().process_request_thread(request, client_address)

    return TLSServer


_NAMES = {
    "commonName": "CN", "countryName": "C", "localityName": "L", "stateOrProvinceName": "ST",
    "organizationName": "O", "organizationalUnitName": "OU", "emailAddress": "emailAddress",
}  # fmt: skip


def _x509_name(name: Any) -> str:
    """OpenSSL's one-line form (``/C=DE/O=OFFIS/CN=server``) of a ``getpeercert`` name."""
    return "".join(f"/{_NAMES.get(key, key)}={value}" for rdn in name for key, value in rdn)


def connection_details(sock: ssl.SSLSocket) -> list[str]:
    """dcmtls' ``DcmTLSConnection::dumpConnectionParameters`` for an established socket.

    Python's ssl describes the peer certificate only once it was verified; the
    public key line DCMTK adds is not available.
    """
    cipher = sock.cipher()
    lines = [
        "Transport connection: TLS over TCP/IP",
        f"  Protocol    : {sock.version()}",
        f"  Ciphersuite : {cipher[0] if cipher else ''}, encryption: "
        f"{cipher[2] if cipher else 0} bits",
    ]
    cert = sock.getpeercert()
    if cert:
        lines += [
            "Peer X.509v3 Certificate",
            f"  Subject     : {_x509_name(cert.get('subject', ()))}",
            f"  Issued by   : {_x509_name(cert.get('issuer', ()))}",
            f"  Serial no.  : {int(str(cert.get('serialNumber', '0')), 16)}",
            f"  Validity    : not before {cert.get('notBefore')}, "
            f"not after {cert.get('notAfter')}",
        ]
    elif sock.getpeercert(binary_form=True):
        lines.append("Peer X.509v3 Certificate (not verified)")
    else:
        lines.append("No peer certificate")
    return lines


class DetailedSocket(ssl.SSLSocket):
    """An SSLSocket that logs the connection details after its handshake (at DEBUG)."""

    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        if logger.isEnabledFor(logging.DEBUG):
            lines = connection_details(self)
            with together():  # DCMTK prints the block at once
                logger.debug("================== BEGIN TLS CONNECTION DETAILS =================")
                for line in lines:
                    logger.debug(line)
                logger.debug("=================== END TLS CONNECTION DETAILS ==================")
