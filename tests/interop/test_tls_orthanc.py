"""A whole C-MOVE over DICOM TLS with Orthanc (1.10, DCMTK's dcmtls inside).

Orthanc is the Q/R SCP with ``DicomTlsEnabled`` and required client certificates,
and sends the sub-operations over TLS (``UseDicomTls``) to our Storage SCP, which
verifies Orthanc's certificate against our ``+cf`` CA.  Certificates come from a
private CA made by the ``openssl`` tool (:mod:`tests.support.certs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.certs import PKI, make_pki
from tests.support.datasets import Collection
from tests.support.peers import LOOPBACK, QRPeer, free_port, orthanc

OUR_AE = "MOVESCU"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def tls_orthanc(
    tmp_path_factory: pytest.TempPathFactory, collection: Collection, pki: PKI, tls_port: int
) -> Iterator[QRPeer]:
    workdir = tmp_path_factory.mktemp("orthanc-tls")
    with orthanc(
        workdir,
        collection.paths,
        {OUR_AE: tls_port},
        dicom_tls=(pki.orthanc.cert, pki.orthanc.key, pki.ca_cert),
    ) as peer:
        yield peer


def _study_move(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    peer: QRPeer,
    port: int,
    out: Path,
    study_uid: str,
    *tls: str,
) -> tuple[int, list[str]]:
    out.mkdir(parents=True, exist_ok=True)
    argv = ["-v", "-aet", OUR_AE, "-aec", peer.ae_title, "-S", "+P", str(port)]
    argv += ["-od", str(out), *tls, LOOPBACK, str(peer.port)]
    argv += ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study_uid}"]
    return run_main(argv)


def test_study_moved_over_tls_both_ways(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    tls_orthanc: QRPeer,
    tls_port: int,
    collection: Collection,
    pki: PKI,
    tmp_path: Path,
) -> None:
    study = collection.instances[0].study_uid
    expected = {i.sop_instance_uid for i in collection.instances if i.study_uid == study}
    seed, written = tmp_path / "seed.in", tmp_path / "seed.out"
    seed.write_bytes(b"entropy" * 32)
    tls = ["+tls", str(pki.client.key), str(pki.client.cert), "+cf", str(pki.ca_cert)]
    tls += ["+rs", str(seed), "+wf", str(written)]
    code, lines = _study_move(run_main, tls_orthanc, tls_port, tmp_path / "out", study, *tls)
    assert code == 0, lines
    assert len(written.read_bytes()) == 1024  # seed written back after a normal end
    received = sorted((tmp_path / "out").iterdir())
    assert {p.name.split(".", 1)[1] for p in received} == expected
    assert sum(line == "I: Sub-Association Received" for line in lines) >= 1


def test_plain_tcp_to_the_tls_port_fails(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    tls_orthanc: QRPeer,
    tls_port: int,
    collection: Collection,
    tmp_path: Path,
) -> None:
    study = collection.instances[0].study_uid
    code, lines = _study_move(run_main, tls_orthanc, tls_port, tmp_path / "out", study)
    assert code == 61, lines
    assert list((tmp_path / "out").iterdir()) == []


def test_orthanc_refuses_a_certificate_from_another_ca(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    tls_orthanc: QRPeer,
    tls_port: int,
    collection: Collection,
    pki: PKI,
    tmp_path: Path,
) -> None:
    study = collection.instances[0].study_uid
    tls = ["+tls", str(pki.stranger.key), str(pki.stranger.cert), "+cf", str(pki.ca_cert)]
    code, lines = _study_move(run_main, tls_orthanc, tls_port, tmp_path / "out", study, *tls)
    assert code == 61, lines
    assert "F: Association Request Failed:" in lines
    assert list((tmp_path / "out").iterdir()) == []


def test_we_refuse_orthanc_when_we_do_not_trust_its_ca(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    tls_orthanc: QRPeer,
    tls_port: int,
    collection: Collection,
    pki: PKI,
    tmp_path: Path,
) -> None:
    study = collection.instances[0].study_uid
    tls = ["+tls", str(pki.client.key), str(pki.client.cert), "+cf", str(pki.stranger.cert)]
    code, lines = _study_move(run_main, tls_orthanc, tls_port, tmp_path / "out", study, *tls)
    assert code == 61, lines
    assert lines[-2:] == [
        "F: Association Request Failed:",
        "F: 000b:0886 TLS error: certificate verify failed",
    ]
