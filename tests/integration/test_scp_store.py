"""Storage SCP: what a C-STORE produces (spec 5.5, 9) with our own sender."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import pytest
from tests.integration.scp_support import files_in, running_scp
from tests.support.differential import split_file
from tests.support.objects import CT, EXPLICIT_LE, Enc, rich_dataset
from tests.support.sender import RawObject, send_raw

from movescu.output.encoding import BIT_PRESERVING_VERSION_NAME

enc = Enc()
OK = enc.el(0x00080016, "UI", CT.encode() + b"\0") + enc.el(0x00080018, "UI", b"1.2.3.4\0")
NO_CLASS = enc.el(0x00080018, "UI", b"1.2.3.5\0")


def _obj(instance: str, dataset: bytes) -> RawObject:
    return RawObject(CT, instance, EXPLICIT_LE, dataset)


def test_default_mode_writes_prefix_dot_uid_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    data = rich_dataset(enc, "1.2.826.0.1.1")
    with running_scp(out) as scp:
        assert send_raw("127.0.0.1", scp.port, [_obj("1.2.826.0.1.1", data)]) == [0]
        assert scp.wait_until_idle(10)
    assert files_in(out) == ["CT.1.2.826.0.1.1"]
    assert scp.stats.received == 1 and scp.stats.stored == 1 and scp.stats.failed == 0
    record = scp.stats.objects[0]
    assert record.path == str(out / "CT.1.2.826.0.1.1")
    assert (record.sop_class_uid, record.transfer_syntax, record.status) == (CT, EXPLICIT_LE, 0)
    meta, _ = split_file((out / "CT.1.2.826.0.1.1").read_bytes())
    assert 0x00020016 not in meta  # 3.6.6+: no Source AE title in normal mode


def test_uid_checks_statuses_and_files_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    objects = [_obj("1.2.3.99", OK), _obj("1.2.3.5", NO_CLASS), _obj("1.2.3.4", OK)]
    with running_scp(out) as scp, caplog.at_level(logging.INFO, "movescu"):
        statuses = send_raw("127.0.0.1", scp.port, objects)
        scp.wait_until_idle(10)
    assert statuses == [0xA900, 0xC000, 0]
    assert files_in(out) == ["CT.1.2.3.4", "CT.1.2.3.5", "CT.1.2.3.99"]
    assert ("movescu.output.store", logging.CRITICAL, "bad DICOM file: ") in caplog.record_tuples
    assert scp.stats.failed == 2 and scp.stats.stored == 1


def test_existing_file_is_overwritten_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "CT.1.2.3.4").write_bytes(b"old")
    with running_scp(out) as scp:
        assert send_raw("127.0.0.1", scp.port, [_obj("1.2.3.4", OK)]) == [0]
        scp.wait_until_idle(10)
    assert f"DICOM file already exists, overwriting: {out / 'CT.1.2.3.4'}" in caplog.messages
    assert (out / "CT.1.2.3.4").read_bytes() != b"old"


def test_write_failure_is_a700_and_leaves_no_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    (out / "CT.1.2.3.4").mkdir(parents=True)  # the target name is taken by a directory
    with running_scp(out) as scp:
        assert send_raw("127.0.0.1", scp.port, [_obj("1.2.3.4", OK)]) == [0xA700]
        scp.wait_until_idle(10)
    assert f"cannot write DICOM file: {out / 'CT.1.2.3.4'}" in caplog.messages
    assert files_in(out) == ["CT.1.2.3.4"]  # only the directory: no partial or temp file
    assert (out / "CT.1.2.3.4").is_dir()


def test_ignore_receives_and_discards(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with running_scp(out, "--ignore") as scp:
        assert send_raw("127.0.0.1", scp.port, [_obj("1.2.3.99", OK)]) == [0]
        scp.wait_until_idle(10)
    assert files_in(out) == []
    assert scp.stats.received == 1


def test_bit_preserving_keeps_bytes_and_builds_meta_from_request(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with running_scp(out, "+B") as scp:
        # request UIDs differ from the data set: +B does no checks (status 0)
        assert send_raw("127.0.0.1", scp.port, [_obj("1.2.3.99", OK)]) == [0]
        scp.wait_until_idle(10)
    meta, body = split_file((out / "CT.1.2.3.99").read_bytes())
    assert body == OK
    assert meta[0x00020003].endswith(b"UI\x08\x001.2.3.99")
    assert meta[0x00020016].endswith(b"FAKESCP ")
    assert BIT_PRESERVING_VERSION_NAME.encode() in meta[0x00020013]


def test_bit_preserving_dataset_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with running_scp(out, "+B", "-F") as scp:
        send_raw("127.0.0.1", scp.port, [_obj("1.2.3.4", OK)])
        scp.wait_until_idle(10)
    assert (out / "CT.1.2.3.4").read_bytes() == OK


def test_file_names_cannot_leave_the_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dataset = enc.el(0x00080016, "UI", CT.encode() + b"\0") + enc.el(0x00080018, "UI", b"1/../x\0")
    with running_scp(out, "+B") as scp:
        send_raw("127.0.0.1", scp.port, [_obj("1/../x", dataset)])
        scp.wait_until_idle(10)
    assert files_in(out) == ["CT.1_.._x"]
    assert files_in(tmp_path) == ["out"]


def test_large_object_streams_in_bit_preserving_mode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pixels = bytes(range(256)) * (8 * 1024 * 4)  # 8 MiB
    dataset = OK + enc.el(0x7FE00010, "OW", pixels)
    with running_scp(out, "+B", "-F") as scp:
        assert send_raw("127.0.0.1", scp.port, [_obj("1.2.3.4", dataset)]) == [0]
        scp.wait_until_idle(30)
    written = (out / "CT.1.2.3.4").read_bytes()
    assert len(written) == len(dataset) and written == dataset
    assert struct.unpack_from("<L", written, len(OK) + 8)[0] == len(pixels)
