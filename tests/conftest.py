"""Shared fixtures: generated test data and real peers started once per session.

The peers are slow to start (Orthanc ~1-2 s, dcmqrscp needs indexing), so they
are session-scoped; tests that receive objects clear the receiving directory
first (:func:`clear_received`).  Every peer is stopped at session end by its
context manager, also when a test fails.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.datasets import Collection, write_collection
from tests.support.peers import QRPeer, StoragePeer, dcmqrscp, free_port, orthanc, storescp

#: our calling AE title in the interop tests (the peers know it as a move destination)
OUR_AE = "MOVESCU"


@pytest.fixture(scope="session")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    """2 patients x 2 studies x 2 series x 2 images (CT, MR and SC series)."""
    return write_collection(tmp_path_factory.mktemp("collection"))


@pytest.fixture(scope="session")
def our_port() -> int:
    """The ``+P`` port our Storage SCP uses in interop tests (peers know it at start)."""
    return free_port()


@pytest.fixture(scope="session")
def storage_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoragePeer]:
    """DCMTK storescp: the third-party move destination ``STORESCP``."""
    with storescp(tmp_path_factory.mktemp("storescp")) as peer:
        yield peer


@pytest.fixture(scope="session")
def qr_peer(
    tmp_path_factory: pytest.TempPathFactory,
    collection: Collection,
    storage_peer: StoragePeer,
    our_port: int,
) -> Iterator[QRPeer]:
    """DCMTK dcmqrscp serving :func:`collection` (AE ``QRSCP``)."""
    destinations = {storage_peer.ae_title: storage_peer.port, OUR_AE: our_port}
    with dcmqrscp(tmp_path_factory.mktemp("dcmqrscp"), collection.paths, destinations) as peer:
        yield peer


@pytest.fixture(scope="session")
def orthanc_peer(
    tmp_path_factory: pytest.TempPathFactory,
    collection: Collection,
    storage_peer: StoragePeer,
    our_port: int,
) -> Iterator[QRPeer]:
    """Orthanc serving :func:`collection` (AE ``ORTHANC``)."""
    modalities = {storage_peer.ae_title: storage_peer.port, OUR_AE: our_port}
    with orthanc(tmp_path_factory.mktemp("orthanc"), collection.paths, modalities) as peer:
        yield peer


def clear_received(directory: Path) -> None:
    """Empty a receiving directory before a move."""
    for entry in directory.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@pytest.fixture
def fresh_storage_peer(storage_peer: StoragePeer) -> StoragePeer:
    """The session storescp with an empty receiving directory."""
    clear_received(storage_peer.directory)
    return storage_peer


@pytest.fixture
def run_main(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, list[str]]]:
    """Run ``movescu.main.main(argv)`` in-process; return (exit code, stderr lines)."""
    from movescu.main import main

    def _run(argv: list[str]) -> tuple[int, list[str]]:
        capsys.readouterr()
        code = main(argv, environ={})
        return code, capsys.readouterr().err.splitlines()

    return _run
