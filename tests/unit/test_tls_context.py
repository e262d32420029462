"""movescu.net.tls.setup / tlssuites: contexts, keys, profiles, ciphersuites, seeds, messages."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import ssl
from pathlib import Path

import pytest
from tests.support.certs import KEY_PASSWORD, PKI, make_pki

from movescu.config import (
    CRLMode,
    KeyFileFormat,
    PasswordSource,
    PeerVerification,
    TLSOptions,
    TLSProfile,
)
from movescu.errors import TLSError
from movescu.exit_codes import ExitCode
from movescu.net.tls import connection as tlsconnection
from movescu.net.tls import setup as tls
from movescu.net.tls import suites as tlssuites


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _options(pki: PKI, **changes: object) -> TLSOptions:
    base = TLSOptions(
        enabled=True,
        private_key=pki.server.key,
        certificate=pki.server.cert,
        cert_files=(pki.ca_cert,),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _error(options: TLSOptions) -> str:
    with pytest.raises(TLSError) as raised:
        tls.prepare(options, io.StringIO(""))
    assert raised.value.exit_code is ExitCode.CANNOT_CREATE_TLS_LAYER
    return raised.value.message


def test_no_tls_no_contexts() -> None:
    assert tls.prepare(TLSOptions()) is None
    assert tls.client_tls_args(TLSOptions()) is None
    assert tls.server_context(TLSOptions()) is None


def test_contexts_for_both_directions(pki: PKI) -> None:
    contexts = tls.prepare(_options(pki))
    assert contexts is not None
    assert contexts.client.verify_mode is ssl.CERT_REQUIRED
    assert contexts.server.verify_mode is ssl.CERT_REQUIRED
    assert contexts.client.check_hostname is False  # DCMTK does not check host names
    assert tls.client_tls_args(_options(pki)) == (contexts.client, None)  # no SNI, built once
    assert tls.server_context(_options(pki)) is contexts.server


@pytest.mark.parametrize(
    ("mode", "client", "server"),
    [
        (PeerVerification.REQUIRE, ssl.CERT_REQUIRED, ssl.CERT_REQUIRED),
        (PeerVerification.VERIFY, ssl.CERT_REQUIRED, ssl.CERT_OPTIONAL),
        (PeerVerification.IGNORE, ssl.CERT_NONE, ssl.CERT_NONE),
    ],
)
def test_peer_verification_modes(
    pki: PKI, mode: PeerVerification, client: ssl.VerifyMode, server: ssl.VerifyMode
) -> None:
    contexts = tls.prepare(_options(pki, peer_verification=mode))
    assert contexts is not None
    assert (contexts.client.verify_mode, contexts.server.verify_mode) == (client, server)


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"crl_files": "crl"}, ssl.VERIFY_CRL_CHECK_LEAF),  # +crl implies +crv
        ({"crl_files": "crl", "crl_mode": CRLMode.ALL}, ssl.VERIFY_CRL_CHECK_CHAIN),
        ({"crl_files": "crl_der", "key_format": "der"}, ssl.VERIFY_CRL_CHECK_LEAF),
    ],
)
def test_crl_modes(pki: PKI, changes: dict[str, object], flag: ssl.VerifyFlags) -> None:
    resolved: dict[str, object] = {"crl_files": (getattr(pki, str(changes["crl_files"])),)}
    if changes.get("key_format") == "der":
        resolved.update(
            key_format=KeyFileFormat.DER,
            private_key=pki.server.key_der,
            certificate=pki.server.cert_der,
            cert_files=(pki.ca_cert_der,),
        )
    if "crl_mode" in changes:
        resolved["crl_mode"] = changes["crl_mode"]
    contexts = tls.prepare(_options(pki, **resolved))
    assert contexts is not None
    assert contexts.server.verify_flags & flag
    assert contexts.client.verify_flags & flag


def test_unreadable_trust_files_are_warnings(
    pki: PKI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "missing"
    options = _options(
        pki,
        cert_files=(missing,),
        cert_dirs=(missing,),
        crl_files=(missing,),
        dh_params=missing,
        seed_file=missing,  # silently ignored, as DCMTK 3.6.7's storescp does
    )
    with caplog.at_level(logging.WARNING, "movescu"):
        contexts = tls.prepare(options)
    assert contexts is not None
    assert not contexts.server.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF  # nothing loaded
    assert caplog.messages == [
        f"unable to load certificate file '{missing}', ignoring",
        f"unable to load certificates from directory '{missing}', ignoring",
        f"unable to load CRL file '{missing}', ignoring",
        f"unable to load temporary DH parameter file '{missing}', ignoring",
    ]


# --------------------------------------------------------------------------- keys


def test_key_errors_in_dcmtk_order(pki: PKI, tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    assert _error(_options(pki, private_key=missing, certificate=missing)) == (
        f"000b:0004 Unable to load private TLS key from '{missing}'"
    )
    assert _error(_options(pki, certificate=missing)) == (
        f"000b:0005 Unable to load certificate from '{missing}'"
    )
    assert _error(_options(pki, certificate=pki.client.cert)) == (
        f"000b:0006 Private key '{pki.server.key}' and certificate '{pki.client.cert}'"
        " do not match"
    )
    # a PEM file given with -der is not a DER key
    assert _error(_options(pki, key_format=KeyFileFormat.DER)) == (
        f"000b:0004 Unable to load private TLS key from '{pki.server.key}'"
    )


@pytest.mark.parametrize(
    ("source", "password", "ok"),
    [
        (PasswordSource.GIVEN, KEY_PASSWORD, True),
        (PasswordSource.GIVEN, "wrong", False),
        (PasswordSource.EMPTY, "", False),
    ],
)
def test_encrypted_key_passwords(
    pki: PKI, source: PasswordSource, password: str, ok: bool
) -> None:
    options = _options(
        pki, private_key=pki.encrypted_key, password_source=source, password=password
    )
    if ok:
        assert tls.prepare(options) is not None
    else:
        assert _error(options) == (
            f"000b:0004 Unable to load private TLS key from '{pki.encrypted_key}'"
        )


def test_prompted_password_is_read_from_stdin_once(pki: PKI) -> None:
    stdin = io.StringIO(KEY_PASSWORD + "\nsecond line never read\n")
    options = _options(pki, private_key=pki.encrypted_key)
    assert options.password_source is PasswordSource.PROMPT
    assert tls.prepare(options, stdin) is not None
    assert stdin.readline() == "second line never read\n"  # both contexts, one answer


def test_unencrypted_key_never_prompts(pki: PKI) -> None:
    stdin = io.StringIO("untouched\n")
    assert tls.prepare(_options(pki, crl_files=(pki.crl,)), stdin) is not None
    assert stdin.read() == "untouched\n"


def test_der_keys_and_certificates(pki: PKI) -> None:
    options = _options(
        pki,
        key_format=KeyFileFormat.DER,
        private_key=pki.server.key_der,
        certificate=pki.server.cert_der,
        cert_files=(pki.ca_cert_der,),
    )
    contexts = tls.prepare(options)
    assert contexts is not None
    assert contexts.server.cert_store_stats()["x509_ca"] == 1


# --------------------------------------------------------------------------- profiles


def _tls12_names(context: ssl.SSLContext) -> list[str]:
    return [c["name"] for c in context.get_ciphers() if c["protocol"] != "TLSv1.3"]


def test_default_profile_is_rfc8996_with_ecdhe_gcm(pki: PKI) -> None:
    contexts = tls.prepare(_options(pki))
    assert contexts is not None
    assert contexts.client.minimum_version is ssl.TLSVersion.TLSv1_2
    assert contexts.client.maximum_version is ssl.TLSVersion.TLSv1_3
    assert sorted(_tls12_names(contexts.client)) == [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
    ]


@pytest.mark.parametrize(
    ("profile", "maximum", "suites"),
    [
        (TLSProfile.BCP195_ND, ssl.TLSVersion.TLSv1_3, 4),
        (TLSProfile.BCP195_EXTENDED, ssl.TLSVersion.TLSv1_2, 6),
        (TLSProfile.AES, ssl.TLSVersion.TLSv1_2, 1),
        (TLSProfile.NULL, ssl.TLSVersion.TLSv1_2, 1),
    ],
)
def test_profiles_map_to_versions_and_suites(
    pki: PKI, profile: TLSProfile, maximum: ssl.TLSVersion, suites: int
) -> None:
    contexts = tls.prepare(_options(pki, profile=profile))
    assert contexts is not None
    assert contexts.server.maximum_version is maximum
    assert len(_tls12_names(contexts.server)) == suites
    if profile is TLSProfile.NULL:
        assert _tls12_names(contexts.client) == ["NULL-SHA"]


def test_modified_profile_is_not_available_on_pythons_ssl(pki: PKI) -> None:
    assert _error(_options(pki, profile=TLSProfile.BCP195_RFC8996_MODIFIED)) == (
        "000b:0018 DICOM TLS Secure Transport Connection Profile not supported"
    )


def test_basic_profile_needs_3des(pki: PKI, caplog: pytest.LogCaptureFixture) -> None:
    has_3des = "DES-CBC3-SHA" in tlssuites.supported_openssl_names()
    if has_3des:
        assert tls.prepare(_options(pki, profile=TLSProfile.BASIC)) is not None
        return
    with caplog.at_level(logging.CRITICAL, "movescu"):
        message = _error(_options(pki, profile=TLSProfile.BASIC))
    assert message == "000b:0003 Unknown or invalid ciphersuite: TLS_RSA_WITH_3DES_EDE_CBC_SHA"
    assert caplog.messages == [
        "Ciphersuite 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' not supported by the OpenSSL library"
        " used to compile this application."
    ]


@pytest.mark.parametrize(
    ("profile", "suite", "message", "log"),
    [
        (TLSProfile.BCP195_RFC8996, "NOPE", "000b:0003 Unknown or invalid ciphersuite: NOPE", []),
        (
            TLSProfile.BCP195_RFC8996,
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "000b:000a Ciphersuite not allowed in current DICOM security profile",
            [
                "Ciphersuite 'TLS_RSA_WITH_AES_256_CBC_SHA' using SHA-1 MAC not permitted with"
                " security profile 'BCP 195 RFC 8996 TLS Profile'"
            ],
        ),
        (
            TLSProfile.BCP195_ND,
            "TLS_RSA_WITH_NULL_SHA",
            "000b:000a Ciphersuite not allowed in current DICOM security profile",
            [
                "Unencrypted ciphersuite 'TLS_RSA_WITH_NULL_SHA' not permitted with security"
                " profile 'Non-downgrading BCP 195 TLS Profile'"
            ],
        ),
    ],
)
def test_added_suites_are_checked_like_dcmtk(
    pki: PKI,
    caplog: pytest.LogCaptureFixture,
    profile: TLSProfile,
    suite: str,
    message: str,
    log: list[str],
) -> None:
    with caplog.at_level(logging.CRITICAL, "movescu"):
        assert _error(_options(pki, profile=profile, ciphers=(suite,))) == message
    assert caplog.messages == log


def test_added_suite_warnings_and_effect(pki: PKI, caplog: pytest.LogCaptureFixture) -> None:
    suite = "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"
    with caplog.at_level(logging.WARNING, "movescu"):
        contexts = tls.prepare(_options(pki, ciphers=(suite,)))
    assert contexts is not None
    assert "DHE-RSA-AES256-SHA256" in _tls12_names(contexts.client)
    assert caplog.messages == [
        f"Ciphersuite '{suite}' uses ephemeral finite-field Diffie-Hellman key agreement."
        " RFC 9325 recommends that such cipher suites should not be used.",
        f"Ciphersuite '{suite}' uses CBC mode of operation. RFC 9325 recommends that such"
        " cipher suites should not be used, unless both sides support the encrypt_then_mac"
        " extension (we do).",
    ]


# --------------------------------------------------------------------------- seeds


def test_seed_is_read_and_written_back(pki: PKI, tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    seed.write_bytes(b"x" * 100)
    options = _options(pki, seed_file=seed, write_seed_file=seed)
    assert tls.prepare(options) is not None
    tls.write_random_seed(options)
    data = seed.read_bytes()
    assert len(data) == 1024 and data != b"x" * 100


def test_seed_written_to_other_file_and_failures_only_at_debug(
    pki: PKI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed, out = tmp_path / "seed", tmp_path / "out"
    seed.write_bytes(b"y" * 10)
    tls.write_random_seed(_options(pki, seed_file=seed, write_seed_file=out))
    assert len(out.read_bytes()) == 1024
    assert out.stat().st_mode & 0o777 == 0o600  # as OpenSSL's RAND_write_file
    bad = tmp_path / "no" / "such" / "dir"
    with caplog.at_level(logging.DEBUG, "movescu"):
        tls.write_random_seed(_options(pki, seed_file=seed, write_seed_file=bad))
        tls.write_random_seed(_options(pki, seed_file=tmp_path / "none", write_seed_file=out))
    assert caplog.messages == [
        f"000b:0007 Cannot write random seed '{bad}'",
        f"000b:0007 Cannot write random seed '{out}'",
    ]
    assert {r.levelno for r in caplog.records} == {logging.DEBUG}  # silent by default


# --------------------------------------------------------------------------- handshakes


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local"
            " issuer certificate (_ssl.c:1006)",
            "000b:0886 TLS error: certificate verify failed",
        ),
        (
            "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:2580)",
            "000b:0c18 TLS error: tlsv1 alert unknown ca",
        ),
        (
            "[SSL: NO_SHARED_CIPHER] no shared cipher (_ssl.c:1006)",
            "000b:08c1 TLS error: no shared cipher",
        ),
        ("Connection refused", None),
        # Python's own texts (issue 13 item 9): DCMTK 3.6.7 storescp/echoscu +tls
        (
            "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"
            " (_ssl.c:1006)",
            "000b:0926 TLS error: unexpected eof while reading",
        ),
        (
            "_ssl.c:989: The handshake operation timed out",
            "000b:000b TLS read operation did not complete (SSL_ERROR_WANT_READ)",
        ),
        ("[Errno 104] Connection reset by peer", tlsconnection.SYSCALL),
        ("Connection reset by peer", "000b:0017 OpenSSL I/O error (SSL_ERROR_SYSCALL)"),
    ],
)  # fmt: skip
def test_handshake_failures_as_dcmtls_conditions(text: str, condition: str | None) -> None:
    # codes checked against DCMTK 3.6.7 storescp/storescu (0x800 + OpenSSL reason)
    assert tls.handshake_failure(text) == condition


def test_a_reset_without_tls_is_a_tcp_error() -> None:
    assert tls.handshake_failure("Connection reset by peer", tls_in_use=False) is None


def test_read_password_from_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert tls.read_password(io.StringIO("pw with spaces\r\nrest")) == "pw with spaces"
    assert capsys.readouterr().err == "Enter PEM pass phrase:\n"


def _handshake_pair(pki: PKI, options: TLSOptions) -> tuple[ssl.SSLSocket, ssl.SSLSocket]:
    import socket
    import threading

    contexts = tls.prepare(options)
    assert contexts is not None
    left, right = socket.socketpair()
    server = contexts.server.wrap_socket(left, server_side=True, do_handshake_on_connect=False)
    client = contexts.client.wrap_socket(right, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.do_handshake)
    thread.start()
    client.do_handshake()
    thread.join(timeout=10)
    return server, client


def test_connection_details_logged_at_debug_after_the_handshake(
    pki: PKI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, "movescu.net.tls.connection"):
        server, client = _handshake_pair(pki, _options(pki, private_key=pki.server.key))
    try:
        lines = tlsconnection.connection_details(client)
        assert lines[:2] == ["Transport connection: TLS over TCP/IP", "  Protocol    : TLSv1.3"]
        assert re.fullmatch(r"  Ciphersuite : TLS_\w+, encryption: \d+ bits", lines[2])
        assert lines[3:6] == [
            "Peer X.509v3 Certificate",
            "  Subject     : /CN=server",
            "  Issued by   : /CN=movescu test CA",
        ]
        assert re.fullmatch(r"  Serial no.  : \d+", lines[6])
        assert lines[7].startswith("  Validity    : not before ")
        begin = "================== BEGIN TLS CONNECTION DETAILS ================="
        assert caplog.messages.count(begin) == 2  # one per side
    finally:
        server.close()
        client.close()


def test_connection_details_without_verification(pki: PKI) -> None:
    server, client = _handshake_pair(pki, _options(pki, peer_verification=PeerVerification.IGNORE))
    try:
        assert tlsconnection.connection_details(client)[3] == (
            "Peer X.509v3 Certificate (not verified)"
        )
        assert tlsconnection.connection_details(server)[3] == "No peer certificate"
    finally:
        server.close()
        client.close()


@pytest.mark.parametrize(("requested", "ok"), [(None, True), ("dicom.test", True), ("x", False)])
def test_expect_sni(
    pki: PKI, caplog: pytest.LogCaptureFixture, requested: str | None, ok: bool
) -> None:
    import socket
    import threading

    contexts = tls.prepare(_options(pki, expect_sni="dicom.test"))
    assert contexts is not None
    left, right = socket.socketpair()
    server = contexts.server.wrap_socket(left, server_side=True, do_handshake_on_connect=False)
    client = contexts.client.wrap_socket(
        right, server_hostname=requested, do_handshake_on_connect=False
    )
    errors: list[Exception] = []

    def serve() -> None:
        try:
            server.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            errors.append(exc)

    thread = threading.Thread(target=serve)
    with caplog.at_level(logging.ERROR, "movescu"):
        thread.start()
        try:
            client.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            errors.append(exc)
        thread.join(timeout=10)
    server.close()
    client.close()
    assert (errors == []) is ok
    if not ok:
        assert caplog.messages == [
            "TLS server name indication mismatch: client requested 'x', expected 'dicom.test'"
        ]
