"""Embedding: two retrieves in one process leave pynetdicom, pydicom and logging as found.

A program that imports movescu runs :func:`movescu.api.retrieve` twice with
different options (``+B -od A``, then the defaults with ``-od B``) against an
in-process Move SCP, then uses pynetdicom itself (a plain Storage SCP and a
C-STORE to it).  Nothing of movescu's may be left behind: pynetdicom's
``_config`` and ``dimse_messages`` names, its storage SOP class registry,
pydicom's validation modes, the loggers' handlers, levels and propagation.
Both runs' files must be right (each run its own options and directory).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from tests.support.datasets import Collection, write_collection
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port

KEYS = {"QueryRetrieveLevel": "PATIENT", "PatientID": "PAT001"}
#: the default verification SOP class and an image storage class for the plain pynetdicom run
VERIFICATION = "1.2.840.10008.1.1"


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return write_collection(
        tmp_path_factory.mktemp("objects"), patients=1, studies_per_patient=1, series_per_study=1
    )


def process_state() -> dict[str, Any]:
    """What a run may change process-wide, as comparable values."""
    import pydicom.config
    from pynetdicom import _config, dimse_messages, sop_class
    from pynetdicom.service_class import StorageServiceClass

    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    settings = pydicom.config.settings
    return {
        "pynetdicom._config": {
            name: value for name, value in vars(_config).items() if name.isupper()
        },
        "VALIDATORS": dict(_config.VALIDATORS),
        "dimse_messages": dict(vars(dimse_messages)),
        "sop_class": dict(vars(sop_class)),
        "storage classes": dict(sop_class._SERVICE_TO_UID_GROUP[StorageServiceClass]),
        "pydicom": (settings._reading_validation_mode, settings._writing_validation_mode),
        "loggers": {
            lg.name: (lg.level, lg.propagate, lg.disabled, tuple(lg.handlers))
            for lg in loggers
            if lg.name == "root" or lg.name.split(".")[0] in ("movescu", "pynetdicom", "pydicom")
        },
    }


#: a logger as the logging module creates it
FRESH_LOGGER = (logging.NOTSET, True, False, ())


def assert_as_before(before: dict[str, Any]) -> None:
    """Nothing changed; loggers first created meanwhile (modules imported) are untouched."""
    now = process_state()
    loggers, now_loggers = before["loggers"], now.pop("loggers")
    assert now == {k: v for k, v in before.items() if k != "loggers"}
    assert {name: now_loggers[name] for name in loggers} == loggers
    created = {name: state for name, state in now_loggers.items() if name not in loggers}
    assert created == {name: FRESH_LOGGER for name in created}


def retrieve_into(objects: Collection, out: Path, *options: str) -> int:
    from movescu.api import retrieve

    out.mkdir()
    port = free_port()

    def script(ctx: MoveContext) -> None:
        paths = [i.path for i in objects.instances]
        assert ctx.store(paths) == [0] * len(paths)
        ctx.respond(0x0000, completed=len(paths), failed=0, warning=0)

    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        argv = ["-aet", "MOVESCU", "+P", str(port), "-od", str(out), *options]
        return int(retrieve("127.0.0.1", fake.port, KEYS, argv))


def plain_pynetdicom_store(dataset_path: Path) -> Any:
    """A pynetdicom Storage SCP and a C-STORE to it, as the embedding program would write them."""
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import CTImageStorage

    received: list[Any] = []

    def on_store(event: Any) -> int:
        received.append(event.dataset)
        return 0x0000

    scp = AE(ae_title="HOST")
    scp.add_supported_context(CTImageStorage)
    port = free_port()
    server = scp.start_server(
        ("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)]
    )
    try:
        scu = AE(ae_title="HOSTSCU")
        scu.add_requested_context(CTImageStorage)
        assoc = scu.associate("127.0.0.1", port, ae_title="HOST")
        assert assoc.is_established
        status = assoc.send_c_store(dcmread(dataset_path))
        assoc.release()
    finally:
        server.shutdown()
    assert len(received) == 1
    return status, received[0]


def test_two_retrieves_then_plain_pynetdicom_leave_nothing_behind(
    objects: Collection, tmp_path: Path
) -> None:
    before = process_state()

    assert retrieve_into(objects, tmp_path / "A", "+B") == 0
    assert_as_before(before)
    assert retrieve_into(objects, tmp_path / "B") == 0
    assert_as_before(before)

    source = objects.instances[0]
    status, dataset = plain_pynetdicom_store(source.path)
    assert status.Status == 0x0000
    assert dataset.SOPInstanceUID == source.sop_instance_uid
    assert_as_before(before)

    for run, bit_preserving in (("A", True), ("B", False)):
        files = sorted((tmp_path / run).iterdir())
        assert {p.name.split(".", 1)[1] for p in files} == objects.sop_instance_uids, run
        for path in files:
            written = dcmread(path)
            origin = next(i for i in objects.instances if i.sop_instance_uid in path.name)
            assert written.SOPInstanceUID == origin.sop_instance_uid
            # +B: DCMTK's bit-preserving header names the sender (Source AE Title)
            has_source = "SourceApplicationEntityTitle" in written.file_meta
            assert has_source is bit_preserving, (run, path.name)
