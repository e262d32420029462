"""The run with ``+P``: our own Storage SCP receives what the Move SCP sends.

Scripted Move SCPs (tests/support/fake_qr.py) send real C-STOREs to our port,
also in the awkward orders DECISIONS rule 6 is about: a final response that
arrives while the store sub-association is still open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.datasets import Collection, write_collection
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return write_collection(
        tmp_path_factory.mktemp("objects"), patients=1, studies_per_patient=1, series_per_study=1
    )


def received_uids(directory: Path) -> set[str]:
    return {p.name.split(".", 1)[1] for p in directory.iterdir()}


def run_with_port(run_main, script: Callable[[MoveContext], None], out: Path, *options: str):
    port = free_port()
    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        code, lines = run_main(
            ["+P", str(port), "-od", str(out), *options, "127.0.0.1", str(fake.port), *KEYS]
        )
    return code, lines


def test_objects_sent_before_each_pending_are_stored(run_main, objects, tmp_path):
    def script(ctx: MoveContext) -> None:
        paths = [i.path for i in objects.instances]
        for k, path in enumerate(paths, 1):
            assert ctx.store([path]) == [0]
            ctx.pending(len(paths) - k, k)
        ctx.respond(0x0000, completed=len(paths), failed=0, warning=0)

    code, lines = run_with_port(run_main, script, tmp_path)
    assert code == 0, lines
    assert received_uids(tmp_path) == objects.sop_instance_uids


def test_final_response_while_sub_association_is_open_waits_for_it(run_main, objects, tmp_path):
    """DECISIONS rule 6: after the final response the open sub-association is served."""

    def script(ctx: MoveContext) -> None:
        connected = threading.Event()
        paths = [i.path for i in objects.instances]
        sender = threading.Thread(
            target=ctx.store, args=(paths,), kwargs={"delay": 0.3, "connected": connected}
        )
        sender.start()
        connected.wait(10)
        ctx.respond(0x0000, completed=len(paths), failed=0, warning=0)
        sender.join(20)

    code, lines = run_with_port(run_main, script, tmp_path)
    assert code == 0, lines
    assert received_uids(tmp_path) == objects.sop_instance_uids


def idle_sender(first_path: Path) -> Callable[[MoveContext], None]:
    """Stores one object, then keeps its association open (up to 30 s) past the final."""

    def script(ctx: MoveContext) -> None:
        connected = threading.Event()
        sender = threading.Thread(
            target=ctx.store,
            args=([first_path],),
            kwargs={"connected": connected, "hold": 30},
            daemon=True,
        )
        sender.start()
        connected.wait(10)
        ctx.wait(0.5)
        # return at once: the fake must answer our A-RELEASE-RQ while the sender idles
        ctx.respond(0x0000, completed=1, failed=0, warning=0)

    return script


def test_idle_sub_association_ends_with_the_dimse_timeout(run_main, objects, tmp_path):
    """A sender that never releases cannot keep the program alive (``-td``)."""
    first = objects.instances[0]
    code, lines = run_with_port(run_main, idle_sender(first.path), tmp_path, "-td", "1")
    assert code == 0, lines
    assert received_uids(tmp_path) == {first.sop_instance_uid}


def test_idle_sub_association_is_aborted_after_the_default_wait(
    run_main, objects, tmp_path, monkeypatch
):
    """Without ``-td`` the wait is bounded too (DECISIONS rule 6), then reported."""
    import movescu.retrieve

    monkeypatch.setattr(movescu.retrieve, "SUB_ASSOCIATION_WAIT", 1.0)
    first = objects.instances[0]
    code, lines = run_with_port(run_main, idle_sender(first.path), tmp_path)
    assert code == 0, lines
    assert received_uids(tmp_path) == {first.sop_instance_uid}
    assert lines == [
        "E: DIMSE failure (aborting sub-association): "
        "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
    ]


def test_port_in_use_fails_before_the_association(run_main, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with fake_qr(lambda ctx: ctx.respond(0)) as fake:
            code, lines = run_main(
                ["+P", str(port), "-od", str(tmp_path), "127.0.0.1", str(fake.port), *KEYS]
            )
    assert code == 60
    assert lines[0].startswith("F: cannot create network: 0006:031c TCP Initialization Error")
    assert fake.associations == []


def test_port_errors_come_before_query_file_errors(run_main, tmp_path):
    """DCMTK binds +P at start-up, so a busy port (60) wins over a bad query file (22)."""
    import socket

    bad = tmp_path / "bad.dcm"
    bad.write_text("not DICOM")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _ = run_main(["+P", str(port), "-od", str(tmp_path), "127.0.0.1", "104", str(bad)])
    assert code == 60
    code, lines = run_main(["127.0.0.1", "104", str(bad)])
    assert code == 22
    assert any(f"bad DICOM file: {bad}" in line for line in lines)
