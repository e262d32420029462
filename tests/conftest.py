"""Shared fixtures: generated test data, real peers started once per session, both modes.

The peers are slow to start (Orthanc ~1-2 s, dcmqrscp needs indexing), so they
are session-scoped; tests that receive objects clear the receiving directory
first (:func:`clear_received`).  Every peer is stopped at session end by its
context manager, also when a test fails.

Every test in ``tests/integration``, ``tests/hardening`` and ``tests/interop``
runs twice, with the accelerator on (id ``accel``) and off (``stock``), through
the autouse fixture :func:`accelerator_mode`; tests of the accelerator itself
(marker ``accelerator``) run only with it on.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from movescu.net.seams import accel
from tests.support.datasets import Collection, write_collection
from tests.support.peers import QRPeer, StoragePeer, dcmqrscp, free_port, orthanc, storescp

#: our calling AE title in the interop tests (the peers know it as a move destination)
OUR_AE = "MOVESCU"

#: the suites that run in both modes (accelerator on and off)
BOTH_MODES = ("integration", "hardening", "interop")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise the suites of :data:`BOTH_MODES` with ``accel`` and ``stock``."""
    if "accelerator_mode" not in metafunc.fixturenames:
        return
    parts = metafunc.definition.path.relative_to(Path(__file__).parent).parts
    if not parts or parts[0] not in BOTH_MODES:
        return
    only_on = metafunc.definition.get_closest_marker("accelerator") is not None
    modes = ["accel"] if only_on else ["accel", "stock"]
    metafunc.parametrize("accelerator_mode", modes, indirect=True)


@pytest.fixture(autouse=True)
def accelerator_mode(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """``stock``: the accelerator off for in-process runs and subprocesses; ``accel``: on.

    Stock mode turns it off as ``--no-accelerator`` would (``accel.force(False)``
    in this process, ``MOVESCU_NO_ACCELERATOR=true`` for the subprocesses, whose
    helpers copy ``os.environ``) and checks afterwards that no association of
    this process was switched to the accelerator's classes.  Accel mode needs a
    pynetdicom that matches the fingerprint (else tests/unit/test_fingerprint.py
    says what to do): without one it is skipped, stock mode covers it.
    """
    mode = getattr(request, "param", None)
    if mode is None:  # a suite that runs in one mode only (unit, e2e)
        yield "default"
        return
    if mode == "accel":
        state = accel.decide()
        if not state.on:
            pytest.skip(state.text)
        yield mode
        return
    previous = accel.force(False)
    monkeypatch.setenv("MOVESCU_NO_ACCELERATOR", "true")
    before = accel.accelerated_associations()
    try:
        yield mode
    finally:
        accel.force(previous)
    assert accel.accelerated_associations() == before, "stock mode used the accelerator"


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
