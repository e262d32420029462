"""Many moves from a key list against real Move SCPs (dcmqrscp, Orthanc), received by us.

Each peer sends to our ``+P`` Storage SCP (AE ``MOVESCU``, known to the peers at
start): a CSV of StudyInstanceUIDs becomes one command, sequentially and with
``--parallel``; an unknown study fails and is retried, and ``--resume`` with the
report sends only it again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread
from tests.support.datasets import Collection
from tests.support.peers import QRPeer
from tests.support.reports import read_report

pytestmark = pytest.mark.dcmtk

UNKNOWN_STUDY = "1.2.826.0.1.3680043.8.498.999999"


def studies(collection: Collection) -> list[str]:
    return sorted({i.study_uid for i in collection.instances})


def write_key_list(path: Path, uids: list[str]) -> Path:
    path.write_text("StudyInstanceUID\n" + "".join(f"{uid}\n" for uid in uids), encoding="utf-8")
    return path


def retrieve(run_main, peer: QRPeer, port: int, out: Path, *options: str):
    return run_main(
        ["-S", "-aec", peer.ae_title, "+P", str(port), "-od", str(out), "-v", *options]
        + ["127.0.0.1", str(peer.port), "-k", "QueryRetrieveLevel=STUDY"]
    )


def received(out: Path) -> set[str]:
    return {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in out.iterdir()}


def check_key_list_parallel(run_main, collection, peer, port, tmp_path, parallel: str) -> None:
    uids = studies(collection)
    keys = write_key_list(tmp_path / "uids.csv", uids)
    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines = retrieve(
        run_main, peer, port, out, "--key-list", str(keys), "--parallel", parallel,
        "--report", str(report),
    )  # fmt: skip
    assert code == 0, lines
    assert received(out) == collection.sop_instance_uids
    document = read_report(report)  # valid against docs/report.schema.json
    assert [m["move"] for m in document["moves"]] == list(range(1, len(uids) + 1))
    assert [m["completed"] for m in document["moves"]] == [
        len(collection.of_study(uid)) for uid in uids
    ]
    assert document["bulk"]["counts"]["done"] == len(uids)


@pytest.mark.parametrize("parallel", ["1", "3"])
def test_dcmqrscp_key_list(run_main, collection, qr_peer, our_port, tmp_path, parallel):
    check_key_list_parallel(run_main, collection, qr_peer, our_port, tmp_path, parallel)


@pytest.mark.orthanc
@pytest.mark.parametrize("parallel", ["1", "3"])
def test_orthanc_key_list(run_main, collection, orthanc_peer, our_port, tmp_path, parallel):
    check_key_list_parallel(run_main, collection, orthanc_peer, our_port, tmp_path, parallel)


@pytest.mark.orthanc
def test_orthanc_failed_study_retried_then_resumed(
    run_main, collection, orthanc_peer, our_port, tmp_path
):
    uids = studies(collection)[:2]
    keys = write_key_list(tmp_path / "uids.csv", [uids[0], UNKNOWN_STUDY, uids[1]])
    out = tmp_path / "out"
    out.mkdir()
    first = tmp_path / "first.json"
    code, lines = retrieve(
        run_main, orthanc_peer, our_port, out, "--key-list", str(keys), "--retry", "1",
        "--report", str(first),
    )  # fmt: skip
    assert code == 69, lines
    assert sum(1 for line in lines if line.startswith("W: Retrying move 2 (")) == 1
    document = read_report(first)
    assert [m["state"] for m in document["bulk"]["moves"]] == ["done", "failed", "done"]
    expected = {i.sop_instance_uid for uid in uids for i in collection.of_study(uid)}
    assert received(out) == expected
    for path in out.iterdir():
        path.unlink()
    code, lines = retrieve(
        run_main, orthanc_peer, our_port, out, "--key-list", str(keys), "--resume", str(first)
    )
    assert code == 69, lines
    sent = [line for line in lines if line.startswith("I: Sending Move Request")]
    assert len(sent) == 1
    # what completed is neither requested nor written again
    assert received(out) == set()
