"""--resume: what the earlier run stored (movescu.bulkplan) is not written again (output/store)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from movescu.bulkplan import received_before
from movescu.config import OutputOptions, StorageOptions
from movescu.dicom.dimse import STATUS_SUCCESS
from movescu.output.store import ReceivedDataSet, store_object

CT = "1.2.840.10008.5.1.4.1.1.2"


def report(path: Path, instances: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"received": {"instances": instances}}), encoding="utf-8")
    return path


def test_only_instances_stored_with_success_whose_file_is_there_count(tmp_path: Path) -> None:
    kept = tmp_path / "CT.1"
    kept.write_bytes(b"x")
    refused = tmp_path / "CT.2"
    refused.write_bytes(b"x")
    instances: list[dict[str, object]] = [
        {"sop_instance_uid": "1", "path": str(kept), "status": "0x0000"},
        {"sop_instance_uid": "2", "path": str(refused), "status": "0xA700"},
        {"sop_instance_uid": "3", "path": str(tmp_path / "CT.3"), "status": "0x0000"},
        {"sop_instance_uid": "4", "path": None, "status": "0x0000"},
    ]
    assert received_before(report(tmp_path / "r.json", instances)) == {"1": kept}


@pytest.mark.parametrize("text", ["", "{}", '{"received": {"instances": [1]}}', "[]"])
def test_an_unreadable_report_gives_none_here(tmp_path: Path, text: str) -> None:
    # apply_resume refuses it with its reason (exit 22)
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    assert received_before(path) == {}
    assert received_before(tmp_path / "missing.json") == {}


def test_an_instance_stored_before_is_answered_and_not_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    existing = tmp_path / "CT.1.2.3"
    existing.write_bytes(b"first run")
    before = existing.stat()
    # the data set is never read: not even valid DICOM
    received = ReceivedDataSet(CT, "1.2.3", "1.2.840.10008.1.2", "PEER", data=b"\xff")
    output = OutputOptions(directory=tmp_path / "elsewhere")
    with caplog.at_level(logging.INFO, logger="movescu.output.store"):
        result = store_object(received, output, StorageOptions(), None, {"1.2.3": existing})
    assert (result.status, result.path, result.received_before) == (
        STATUS_SUCCESS,
        existing,
        True,
    )
    after = existing.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert existing.read_bytes() == b"first run"
    assert not (tmp_path / "elsewhere").exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"Already received by the resumed run: {existing}"
    ]


def test_an_instance_whose_file_is_gone_is_stored_again(tmp_path: Path) -> None:
    gone = tmp_path / "CT.1.2.3"
    received = ReceivedDataSet(CT, "1.2.3", "1.2.840.10008.1.2", "PEER", data=b"\xff")
    result = store_object(
        received, OutputOptions(directory=tmp_path), StorageOptions(), None, {"1.2.3": gone}
    )
    # not answered from the earlier run: the (here unreadable) data set goes the normal way
    assert not result.received_before
    assert result.status != STATUS_SUCCESS
