"""TLS against DCMTK 3.6.7 (built with OpenSSL): storescu sends to our Storage SCP,
our C-MOVE association connects to storescp.

DCMTK's storescp answers our association (it has no Q/R contexts: rc 66 "No
Acceptable Presentation Contexts" proves the TLS handshake and the association
worked); a failed verification ends with dcmtls' ``000b:08xx TLS error`` and rc 61.
Incoming connections whose certificate fails verification are dropped before any
DICOM data: nothing is written.  Certificates come from a private CA made by the
``openssl`` tool (:mod:`tests.support.certs`).
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.integration.scp_support import running_scp
from tests.support.certs import KEY_PASSWORD, PKI, Identity, make_pki
from tests.support.datasets import write_collection
from tests.support.peers import LOOPBACK, free_port, port_accepts, running_process
from tests.support.tools import dcmtk_tool

from movescu.main import main


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def dicom_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_collection(tmp_path_factory.mktemp("objects"), 1, 1, 1, 1).instances[0].path


def _env() -> dict[str, str]:
    return {**os.environ, "TCP_NODELAY": "1"}


def storescu(
    port: int, identity: Identity | None, ca: Path, dicom_file: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """DCMTK storescu over TLS (``identity`` None: anonymous TLS, ``+tla``)."""
    tls = ["+tls", str(identity.key), str(identity.cert)] if identity else ["+tla"]
    argv = [dcmtk_tool("storescu"), *tls, "+cf", str(ca), *extra, LOOPBACK, str(port)]
    return subprocess.run(
        [*argv, str(dicom_file)], capture_output=True, text=True, timeout=60, env=_env()
    )


def _our_tls(identity: Identity, *extra: str) -> list[str]:
    return ["+tls", str(identity.key), str(identity.cert), *extra]


def _tls_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "TLS error" in r.getMessage()]


# --------------------------------------------------------------------------- storescu -> our SCP


def test_storescu_with_a_ca_signed_certificate_is_received(
    tmp_path: Path, pki: PKI, dicom_file: Path
) -> None:
    out = tmp_path / "out"
    with running_scp(out, *_our_tls(pki.server, "+cf", str(pki.ca_cert))) as scp:
        result = storescu(scp.port, pki.client, pki.ca_cert, dicom_file)
    assert result.returncode == 0, result.stderr
    assert len(list(out.iterdir())) == 1


def test_storescu_objects_of_many_pdus_arrive_intact_over_tls(tmp_path: Path, pki: PKI) -> None:
    # the C-STORE fast path (net/seams/accel/storestream.py) takes PDUs in place from the TLS
    # socket's receive buffer: ~1 MB objects in 16 KiB PDUs must arrive byte for byte
    import struct

    from tests.support.datasets import make_image

    sent = []
    for number in (1, 2, 3):
        ds = make_image("1.2.840.10008.5.1.4.1.1.7", "TLS", "1.2.3.9", "1.2.3.9.1", number, 1024)
        path = tmp_path / f"big{number}.dcm"
        ds.save_as(path, enforce_file_format=True)
        sent.append(path)
    out = tmp_path / "out"
    with running_scp(out, "+B", *_our_tls(pki.server, "+cf", str(pki.ca_cert))) as scp:
        tls = ["+tls", str(pki.client.key), str(pki.client.cert), "+cf", str(pki.ca_cert)]
        argv = [dcmtk_tool("storescu"), *tls, LOOPBACK, str(scp.port), *map(str, sent)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == 0, result.stderr
    received = sorted(out.iterdir())
    assert len(received) == 3
    for path in sent:
        data = path.read_bytes()
        dataset = data[144 + struct.unpack("<L", data[140:144])[0] :]
        assert len(dataset) > 1024 * 1024
        assert any(r.read_bytes().endswith(dataset) for r in received), path.name


@pytest.mark.parametrize(
    ("who", "our_options"),
    [
        ("stranger", []),  # not issued by our CA
        ("expired", []),
        ("revoked", ["+crl"]),  # revoked, and we load the CA's CRL
    ],
)
def test_storescu_failing_verification_is_refused_and_nothing_written(
    tmp_path: Path, pki: PKI, dicom_file: Path, caplog: pytest.LogCaptureFixture,
    who: str, our_options: list[str],
) -> None:  # fmt: skip
    options = [*our_options, str(pki.crl)] if our_options else []
    out = tmp_path / "out"
    identity = getattr(pki, who)
    with (
        running_scp(out, *_our_tls(pki.server, "+cf", str(pki.ca_cert), *options)) as scp,
        caplog.at_level(logging.ERROR, "movescu"),
    ):
        result = storescu(scp.port, identity, pki.ca_cert, dicom_file)
    assert result.returncode != 0
    assert list(out.iterdir()) == []
    # dcmtls' condition for the failed handshake, logged like DCMTK's acceptSubAssoc
    assert _tls_errors(caplog) == ["000b:0886 TLS error: certificate verify failed"]


def test_revoked_certificate_is_accepted_without_crl(
    tmp_path: Path, pki: PKI, dicom_file: Path
) -> None:
    out = tmp_path / "out"
    with running_scp(out, *_our_tls(pki.server, "+cf", str(pki.ca_cert))) as scp:
        result = storescu(scp.port, pki.revoked, pki.ca_cert, dicom_file)
    assert result.returncode == 0, result.stderr


def test_ignore_peer_cert_accepts_a_stranger(tmp_path: Path, pki: PKI, dicom_file: Path) -> None:
    out = tmp_path / "out"
    with running_scp(out, *_our_tls(pki.server, "-ic")) as scp:
        result = storescu(scp.port, pki.stranger, pki.ca_cert, dicom_file)
    assert result.returncode == 0, result.stderr
    assert len(list(out.iterdir())) == 1


@pytest.mark.parametrize(("mode", "accepted"), [("-vc", True), ("-rc", False)])
def test_anonymous_client_needs_verify_not_require(
    tmp_path: Path, pki: PKI, dicom_file: Path, mode: str, accepted: bool
) -> None:
    out = tmp_path / "out"
    with running_scp(out, *_our_tls(pki.server, "+cf", str(pki.ca_cert), mode)) as scp:
        result = storescu(scp.port, None, pki.ca_cert, dicom_file)
    assert (result.returncode == 0) is accepted
    assert len(list(out.iterdir())) == int(accepted)


@pytest.mark.parametrize(
    "key_options",
    [
        lambda p: ["+tls", str(p.encrypted_key), str(p.server.cert), "+pw", KEY_PASSWORD],
        lambda p: ["+tls", str(p.server.key_der), str(p.server.cert_der), "-der",
                   "+cf", str(p.ca_cert_der)],
        lambda p: ["+tls", str(p.server.key), str(p.server.cert), "+cd", str(p.ca_dir)],
    ],
    ids=["encrypted-key-password", "der-files", "cert-dir"],
)  # fmt: skip
def test_key_and_trust_variants_work_with_storescu(
    tmp_path: Path, pki: PKI, dicom_file: Path, key_options: object
) -> None:
    out = tmp_path / "out"
    options = key_options(pki)  # type: ignore[operator]
    if "+cf" not in options and "+cd" not in options:
        options += ["+cf", str(pki.ca_cert)]
    with running_scp(out, *options) as scp:
        result = storescu(scp.port, pki.client, pki.ca_cert, dicom_file)
    assert result.returncode == 0, result.stderr
    assert len(list(out.iterdir())) == 1


# --------------------------------------------------------------------------- our SCU -> storescp


@contextmanager
def storescp(workdir: Path, identity: Identity, *extra: str) -> Iterator[tuple[int, Path]]:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [dcmtk_tool("storescp"), "-od", str(workdir), "+tls", str(identity.key)]
    argv += [str(identity.cert), *extra, str(port)]
    log = workdir / "storescp.log"
    with running_process(argv, lambda: port_accepts(port), log):
        yield port, log


def _move(port: int, *options: str) -> int:
    return main([*options, LOOPBACK, str(port), "-k", "0008,0052=STUDY"], {})


@pytest.mark.parametrize(
    ("server", "our_trust", "rc"),
    [
        ("server", "ca", 66),
        ("wrong_host", "ca", 66),  # DCMTK never checks host names
        ("stranger", "ca", 61),
        ("expired", "ca", 61),
        ("revoked", "ca+crl", 61),
        ("revoked", "ca", 66),
        ("stranger", "ignore", 66),
    ],
)
def test_our_association_verifies_storescp(
    tmp_path: Path, pki: PKI, capsys: pytest.CaptureFixture[str],
    server: str, our_trust: str, rc: int,
) -> None:  # fmt: skip
    trust = {
        "ca": ["+cf", str(pki.ca_cert)],
        "ca+crl": ["+cf", str(pki.ca_cert), "+crl", str(pki.crl)],
        "ignore": ["-ic"],
    }[our_trust]
    with storescp(tmp_path / "scp", getattr(pki, server), "-ic") as (port, _log):
        assert _move(port, *_our_tls(pki.client, *trust)) == rc
    err = capsys.readouterr().err
    if rc == 66:
        assert "F: No Acceptable Presentation Contexts" in err
    else:
        assert err.splitlines()[-2:] == [
            "F: Association Request Failed:",
            "F: 000b:0886 TLS error: certificate verify failed",
        ]


def test_storescp_refuses_our_certificate_when_it_does_not_trust_it(
    tmp_path: Path, pki: PKI, capsys: pytest.CaptureFixture[str]
) -> None:
    with storescp(tmp_path / "scp", pki.server, "+cf", str(pki.ca_cert)) as (port, log):
        assert _move(port, *_our_tls(pki.stranger, "+cf", str(pki.ca_cert))) == 61
    assert "F: Association Request Failed:" in capsys.readouterr().err
    assert "TLS error: certificate verify failed" in log.read_text()


def test_profile_without_common_suite_fails_the_handshake(
    tmp_path: Path, pki: PKI, capsys: pytest.CaptureFixture[str]
) -> None:
    with storescp(tmp_path / "scp", pki.server, "-ic") as (port, log):
        assert _move(port, *_our_tls(pki.client, "-ic", "+pn")) == 61
    assert capsys.readouterr().err.splitlines()[-1].startswith("F: 000b:0c10 TLS error: ")
    assert "no shared cipher" in log.read_text()


def test_null_profile_authenticated_unencrypted_with_storescu(
    tmp_path: Path, pki: PKI, dicom_file: Path
) -> None:
    out = tmp_path / "out"
    with running_scp(out, *_our_tls(pki.server, "+cf", str(pki.ca_cert), "+pn")) as scp:
        result = storescu(scp.port, pki.client, pki.ca_cert, dicom_file, "+pn")
    assert result.returncode == 0, result.stderr
    assert len(list(out.iterdir())) == 1


def test_dh_parameters_for_dhe_suites_with_storescu(
    tmp_path: Path, pki: PKI, dicom_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dh = tmp_path / "dh.pem"
    subprocess.run(
        ["openssl", "dhparam", "-dsaparam", "-out", str(dh), "2048"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    out = tmp_path / "out"
    suite = "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"
    # TLS 1.2 only (+pa) with the DHE suite added on both sides: we pick the strongest
    ours = _our_tls(pki.server, "+cf", str(pki.ca_cert), "+pa", "+cs", suite, "+dp", str(dh))
    with running_scp(out, *ours) as scp, caplog.at_level(logging.WARNING, "movescu"):
        result = storescu(scp.port, pki.client, pki.ca_cert, dicom_file, "+pa", "+cs", suite, "-d")
    assert not any("DH parameter" in m for m in caplog.messages)
    assert result.returncode == 0, result.stderr
    assert "DHE-RSA-AES256-GCM-SHA384" in result.stdout + result.stderr
    assert len(list(out.iterdir())) == 1


def test_cipher_list_is_dcmtks_table_on_the_same_openssl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``+cc`` lists what storescu 3.6.7 lists, plus the AES-CCM suites added since.

    The order is the newer table's (within a key size DHE before ECDHE,
    strength order of dcmtls' current ``tlsciphr.cc``), so the lists are compared
    as sets here and the order is checked against the table in the unit tests.
    """
    dcmtk = subprocess.run(
        [dcmtk_tool("storescu"), "+cc"], capture_output=True, text=True, timeout=60
    ).stdout
    assert main(["+cc"], {}) == 0
    ours = capsys.readouterr().out

    def suites(text: str) -> list[str]:
        return text.split("Supported TLS ciphersuites are:\n", 1)[1].split()

    added_since_3_6_7 = {
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
    }
    assert {s for s in suites(ours) if s not in added_since_3_6_7} == set(suites(dcmtk))
    assert len(suites(ours)) == len(set(suites(ours)))
