"""Our C-MOVE SCU against real Move SCPs: DCMTK dcmqrscp and Orthanc.

Third-party moves (``-aem STORESCP``, no ``+P``): the peer sends to a DCMTK
storescp and the test checks which objects arrived, at every query level of
every information model the peer supports.  Run through ``movescu.main.main``,
so the command line, query building and exit code are exercised as a user
would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.datasets import Collection, Instance
from tests.support.differential import drop_summary
from tests.support.peers import QRPeer, StoragePeer, wait_for_files

pytestmark = pytest.mark.dcmtk

#: keys per (model, level): which hierarchy UIDs the identifier carries
LEVEL_KEYS = {
    ("-P", "PATIENT"): ("PatientID",),
    ("-P", "STUDY"): ("PatientID", "StudyInstanceUID"),
    ("-P", "SERIES"): ("PatientID", "StudyInstanceUID", "SeriesInstanceUID"),
    ("-P", "IMAGE"): ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"),
    ("-S", "STUDY"): ("StudyInstanceUID",),
    ("-S", "SERIES"): ("StudyInstanceUID", "SeriesInstanceUID"),
    ("-S", "IMAGE"): ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"),
    ("-O", "PATIENT"): ("PatientID",),
    ("-O", "STUDY"): ("PatientID", "StudyInstanceUID"),
}
_ATTRIBUTE = {
    "PatientID": "patient_id",
    "StudyInstanceUID": "study_uid",
    "SeriesInstanceUID": "series_uid",
    "SOPInstanceUID": "sop_instance_uid",
}


def request_for(collection: Collection, model: str, level: str) -> tuple[list[str], set[str]]:
    """``-k`` arguments selecting the second patient's objects at ``level``; expected UIDs."""
    keys = LEVEL_KEYS[(model, level)]
    target = collection.of_patient("PAT002")[-1]
    args = ["-k", f"QueryRetrieveLevel={level}"]
    for keyword in keys:
        args += ["-k", f"{keyword}={getattr(target, _ATTRIBUTE[keyword])}"]

    def selected(instance: Instance) -> bool:
        return all(
            getattr(instance, _ATTRIBUTE[k]) == getattr(target, _ATTRIBUTE[k]) for k in keys
        )

    return args, {i.sop_instance_uid for i in collection.instances if selected(i)}


def received_uids(files: list[Path]) -> set[str]:
    """SOP Instance UIDs from storescp's file names (``<modality>.<uid>``)."""
    return {f.name.split(".", 1)[1] for f in files}


def third_party_move(run_main, peer: QRPeer, storage: StoragePeer, model: str, args: list[str]):
    return run_main(
        [
            model,
            "-aec",
            peer.ae_title,
            "-aem",
            storage.ae_title,
            "127.0.0.1",
            str(peer.port),
            *args,
        ]
    )


@pytest.mark.parametrize(("model", "level"), list(LEVEL_KEYS))
def test_dcmqrscp_levels_and_models(
    run_main, collection, qr_peer, fresh_storage_peer, model, level
):
    args, expected = request_for(collection, model, level)
    code, lines = third_party_move(run_main, qr_peer, fresh_storage_peer, model, args)
    assert code == 0, lines
    files = wait_for_files(fresh_storage_peer, len(expected))
    assert received_uids(files) == expected


@pytest.mark.orthanc
@pytest.mark.parametrize(("model", "level"), [key for key in LEVEL_KEYS if key[0] in ("-P", "-S")])
def test_orthanc_levels_and_models(
    run_main, collection, orthanc_peer, fresh_storage_peer, model, level
):
    args, expected = request_for(collection, model, level)
    code, lines = third_party_move(run_main, orthanc_peer, fresh_storage_peer, model, args)
    assert code == 0, lines
    files = wait_for_files(fresh_storage_peer, len(expected))
    assert received_uids(files) == expected


def test_dcmqrscp_unknown_destination_is_69(run_main, qr_peer):
    code, lines = run_main(
        [
            "-v",
            "-aec",
            qr_peer.ae_title,
            "-aem",
            "NOWHERE",
            "127.0.0.1",
            str(qr_peer.port),
            "-k",
            "QueryRetrieveLevel=PATIENT",
            "-k",
            "PatientID=PAT001",
        ]
    )
    assert code == 69
    assert "W: Move response with error status (Refused: MoveDestinationUnknown)" in lines
    # our -v summary line (DECISIONS rule 7) follows; DCMTK ends here
    assert drop_summary(lines)[-1] == "I: Releasing Association"


@pytest.mark.orthanc
def test_orthanc_unknown_study_is_69(run_main, orthanc_peer, fresh_storage_peer):
    code, lines = third_party_move(
        run_main,
        orthanc_peer,
        fresh_storage_peer,
        "-S",
        ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3.4.5.6.7"],
    )
    assert code == 69
    assert fresh_storage_peer.received() == []


def test_dcmqrscp_repeat_and_several_query_files(
    run_main, collection, qr_peer, fresh_storage_peer, tmp_path
):
    from tests.support.datasets import write_query

    first = write_query(tmp_path / "a.dcm", "PATIENT", PatientID="PAT001")
    second = write_query(tmp_path / "b.dcm", "PATIENT", PatientID="PAT002")
    code, lines = third_party_move(
        run_main,
        qr_peer,
        fresh_storage_peer,
        "-P",
        ["-v", "--repeat", "2", str(first), str(second)],
    )
    assert code == 0, lines
    sent = [line for line in lines if line.startswith("I: Sending Move Request")]
    assert sent == [f"I: Sending Move Request (MsgID {n})" for n in (1, 2, 3, 4)]
    assert received_uids(wait_for_files(fresh_storage_peer, 16)) == collection.sop_instance_uids
