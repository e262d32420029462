"""TLS for both associations (DCMTK 3.7.0's dcmtls, on Python's :mod:`ssl` only).

Owns building the client context (the C-MOVE association) and the server context
(incoming storage associations) once per run from
:class:`~movescu.config.TLSOptions`, in DCMTK's ``createTransportLayer`` order
and with its messages (errors are :class:`~movescu.errors.TLSError`, rc 70):
trusted certificates and CRLs, our key (PEM/DER, password given or prompted on
stdin without echo) and certificate, the profile (:mod:`movescu.net.tls.suites`),
DH parameters, peer verification and SNI; the TLS handshake of incoming
connections; DCMTK's ``000b:08xx TLS error`` conditions for failed handshakes;
the random seed files.  Handshakes live in :mod:`movescu.net.tls.connection`
(re-exported here for scu/scp).  Must not know DICOM: scu/scp pass the contexts to
pynetdicom.  DCMTK never checks the peer's host name; neither do we.
"""

from __future__ import annotations

import base64
import os
import re
import ssl
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from movescu.config import (
    CRLMode,
    KeyFileFormat,
    PasswordSource,
    PeerVerification,
    TLSOptions,
)
from movescu.errors import TLSError
from movescu.logblock import block_aware_logger
from movescu.net.tls.connection import DetailedSocket, handshake_failure, tls_server_class
from movescu.net.tls.suites import apply_profile

logger = block_aware_logger(__name__)

__all__ = [
    "client_tls_args",
    "handshake_failure",
    "prepare",
    "server_context",
    "tls_server_class",
    "write_random_seed",
]

# dcmtls condition codes (tlscond.cc), printed as DimseCondition::dump does
_KEY_FAILED = "000b:0004 Unable to load private TLS key from '{}'"
_CERT_FAILED = "000b:0005 Unable to load certificate from '{}'"
_MISMATCH = "000b:0006 Private key '{}' and certificate '{}' do not match"
_SEED_FAILED = "000b:0007 Cannot write random seed '{}'"


# --------------------------------------------------------------------------- contexts


@dataclass(frozen=True)
class Contexts:
    client: ssl.SSLContext
    server: ssl.SSLContext


def prepare(options: TLSOptions, stdin: TextIO | None = None) -> Contexts | None:
    """Create both TLS contexts once (DCMTK's ``createTransportLayer``); None without TLS.

    Raises
    ------
    TLSError
        DCMTK's condition text (rc 70): key, certificate, profile or ciphersuite.
    """
    if not options.enabled:
        return None
    if options not in _BUILT:  # once per run: the password is asked for only once
        _BUILT[options] = _build(options, stdin)
    return _BUILT[options]


def client_tls_args(options: TLSOptions) -> tuple[ssl.SSLContext, Any] | None:
    """``tls_args`` for ``AE.associate``: our context, no SNI (no ``--request-sni``)."""
    contexts = prepare(options)
    return (contexts.client, None) if contexts else None


def server_context(options: TLSOptions) -> ssl.SSLContext | None:
    """The context for incoming storage associations (None without TLS)."""
    contexts = prepare(options)
    return contexts.server if contexts else None


#: contexts already built, by their (frozen, hashable) options
_BUILT: dict[TLSOptions, Contexts] = {}


def _build(options: TLSOptions, stdin: TextIO | None) -> Contexts:
    _seed(options)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    client.check_hostname = False  # DCMTK verifies the chain, never the host name
    both = (client, server)
    crl_mode = options.crl_mode
    with _pem_copies() as pem:
        for path in options.cert_files:
            if not _load_trusted(both, pem(path, options.key_format, "CERTIFICATE")):
                logger.warning("unable to load certificate file '%s', ignoring", path)
        for directory in options.cert_dirs:
            if not _load_trusted_dir(both, directory):
                logger.warning(
                    "unable to load certificates from directory '%s', ignoring", directory
                )
        for path in options.crl_files:
            if _load_trusted(both, pem(path, options.key_format, "X509 CRL")):
                crl_mode = CRLMode.LEAF if crl_mode is CRLMode.NONE else crl_mode
            else:
                logger.warning("unable to load CRL file '%s', ignoring", path)
        flag = {CRLMode.LEAF: ssl.VERIFY_CRL_CHECK_LEAF, CRLMode.ALL: ssl.VERIFY_CRL_CHECK_CHAIN}
        for context in both:
            if crl_mode in flag:
                context.verify_flags |= flag[crl_mode]
        _load_identity(both, options, pem, stdin)
    apply_profile(client, server, options)
    if options.dh_params is not None and not _load_dh(server, options.dh_params):
        logger.warning(
            "unable to load temporary DH parameter file '%s', ignoring", options.dh_params
        )
    _set_verification(client, server, options.peer_verification)
    for context in (client, server):  # DCMTK's -d "TLS CONNECTION DETAILS" after handshakes
        context.sslsocket_class = DetailedSocket
    if options.expect_sni is not None:
        server.sni_callback = _expect_sni(options.expect_sni)
    return Contexts(client, server)


_PEM_LABEL = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----")


@contextmanager
def _pem_copies() -> Iterator[Callable[[Path, KeyFileFormat, str], Path | None]]:
    """DER files as temporary PEM copies (Python's ssl reads PEM files only)."""
    from movescu.output.writer import scratch_directory, write_object

    with scratch_directory("movescu-tls-") as scratch:

        def pem(path: Path, key_format: KeyFileFormat, label: str) -> Path | None:
            try:
                data = path.read_bytes()
            except OSError:
                return None
            if key_format is KeyFileFormat.PEM:
                return path if _PEM_LABEL.search(data) else None
            body = base64.encodebytes(data).decode("ascii")
            copy = scratch / f"{len(os.listdir(scratch))}.pem"
            text = f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"
            try:
                write_object(copy, [text.encode("ascii")], warn_existing=False, mode=0o600)
            except OSError:
                return None
            return copy

        yield pem


def _load_trusted(contexts: tuple[ssl.SSLContext, ...], path: Path | None) -> bool:
    if path is None:
        return False
    try:
        for context in contexts:  # OpenSSL's X509_load_cert_crl_file: certificates and CRLs
            context.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        return False
    return True


def _load_trusted_dir(contexts: tuple[ssl.SSLContext, ...], directory: Path) -> bool:
    if not directory.is_dir():
        return False
    for context in contexts:  # hashed directory lookup, as DCMTK (X509_LOOKUP_hash_dir)
        context.load_verify_locations(capath=str(directory))
    return True


def _load_identity(
    contexts: tuple[ssl.SSLContext, ...],
    options: TLSOptions,
    pem: Callable[[Path, KeyFileFormat, str], Path | None],
    stdin: TextIO | None,
) -> None:
    """Private key first, then certificate, then the match check (DCMTK's order)."""
    key_path, cert_path = options.private_key, options.certificate
    assert key_path is not None and cert_path is not None
    key = _key_copy(key_path, options.key_format, pem)
    if key is None:
        raise TLSError(_KEY_FAILED.format(key_path))
    cert = pem(cert_path, options.key_format, "CERTIFICATE")
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cert is None or not _load_trusted((probe,), cert):
        raise TLSError(_CERT_FAILED.format(cert_path))
    password = _remembered(_password(options, stdin))
    for context in contexts:
        try:
            context.load_cert_chain(str(cert), str(key), password)
        except ssl.SSLError as exc:
            if "KEY_VALUES_MISMATCH" in str(exc):
                raise TLSError(_MISMATCH.format(key_path, cert_path)) from None
            raise TLSError(_KEY_FAILED.format(key_path)) from None


def _key_copy(
    path: Path, key_format: KeyFileFormat, pem: Callable[[Path, KeyFileFormat, str], Path | None]
) -> Path | None:
    if key_format is KeyFileFormat.PEM:
        found = pem(path, key_format, "")
        text = found.read_bytes() if found else b""
        return found if b"PRIVATE KEY-----" in text else None
    # DCMTK reads DER keys with d2i_AutoPrivateKey: unencrypted PKCS#8, PKCS#1 or SEC1
    try:
        label = _der_key_label(path.read_bytes())
    except OSError:
        return None
    return pem(path, key_format, label) if label else None


def _der_key_label(data: bytes) -> str | None:
    """The PEM label of a DER private key, from its first fields (None: not a key)."""
    if len(data) < 8 or data[0] != 0x30:
        return None
    at = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)  # skip the SEQUENCE header
    if data[at : at + 2] != b"\x02\x01" or at + 4 > len(data):
        return None
    version, following = data[at + 2], data[at + 3]
    if version == 0 and following == 0x30:
        return "PRIVATE KEY"
    if version == 0 and following == 0x02:
        return "RSA PRIVATE KEY"
    if version == 1 and following == 0x04:
        return "EC PRIVATE KEY"
    return None


def _password(options: TLSOptions, stdin: TextIO | None) -> Callable[[], str]:
    if options.password_source is PasswordSource.PROMPT:
        return lambda: read_password(stdin or sys.stdin)
    given = options.password or ""
    return lambda: given


def _remembered(password: Callable[[], str]) -> Callable[[], str]:
    """Ask the user once: the second context reuses the answer (if it was asked for)."""
    answers: list[str] = []

    def again() -> str:
        if not answers:
            answers.append(password())
        return answers[0]

    return again


def read_password(stream: TextIO, prompt: str = "Enter PEM pass phrase:") -> str:
    """``+ps``: OpenSSL's prompt on stderr, answered on stdin without echo.

    On a terminal, echo is switched off *before* the prompt appears (and input typed
    ahead is kept), then restored; from a pipe the first line is the password.
    """
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation: not a real file
        fd = -1
    if fd < 0 or not os.isatty(fd):
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = stream.readline()
        sys.stderr.write("\n")
        return line.rstrip("\r\n")
    import termios

    old = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[3] &= ~termios.ECHO
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, new)
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = stream.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
        sys.stderr.write("\n")
    return line.rstrip("\r\n")


def _seed(options: TLSOptions) -> None:
    """``+rs``: DCMTK's RAND_load_file, as ``ssl.RAND_add`` of the file's bytes.

    An unreadable seed file is ignored silently (DCMTK 3.6.7 storescp says nothing);
    it only keeps ``+ws``/``+wf`` from writing.
    """
    if options.seed_file is None:
        return
    try:
        data = options.seed_file.read_bytes()
    except OSError:
        return
    ssl.RAND_add(data, float(len(data)))


def write_random_seed(options: TLSOptions) -> None:
    """``+ws``/``+wf``: write 1024 fresh random bytes, mode 0600 (DCMTK: RAND_write_file).

    DCMTK 3.6.7's storescu says nothing when this fails (no seed was read, or the
    file cannot be written) and exits normally; we log the dcmtls condition at DEBUG.
    """
    target = options.write_seed_file
    if not options.enabled or target is None:
        return
    readable = options.seed_file is not None and os.access(options.seed_file, os.R_OK)
    try:
        if not readable:  # DCMTK's canWriteRandomSeed(): only after a seed was read
            raise OSError
        from movescu.output.writer import write_object

        write_object(Path(target), [ssl.RAND_bytes(1024)], warn_existing=False, mode=0o600)
    except OSError:
        logger.debug(_SEED_FAILED.format(target))


def _load_dh(server: ssl.SSLContext, path: Path) -> bool:
    try:
        server.load_dh_params(str(path))
    except (ssl.SSLError, OSError, ValueError):
        return False
    return True


def _set_verification(
    client: ssl.SSLContext, server: ssl.SSLContext, mode: PeerVerification
) -> None:
    """``-rc``: required; ``-vc``: checked if sent (server side); ``-ic``: not checked."""
    if mode is PeerVerification.IGNORE:
        client.verify_mode = server.verify_mode = ssl.CERT_NONE
    elif mode is PeerVerification.VERIFY:
        client.verify_mode, server.verify_mode = ssl.CERT_REQUIRED, ssl.CERT_OPTIONAL
    else:
        client.verify_mode = server.verify_mode = ssl.CERT_REQUIRED


def _expect_sni(
    expected: str,
) -> Callable[[ssl.SSLObject, str | None, ssl.SSLContext], int | None]:
    def check(_sock: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> int | None:
        if name is not None and name != expected:
            logger.error("TLS server name indication mismatch: client requested '%s', "
                         "expected '%s'", name, expected)  # fmt: skip
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        return None

    return check
