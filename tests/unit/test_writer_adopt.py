"""writer.file_matches / writer.adopt_file: a spool file that already is the output file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from movescu.output import writer
from movescu.output.writer import FileRange, WriteError, adopt_file, file_matches


def _spool(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / ".movescu-recv-x.dcm"
    path.write_bytes(data)
    path.chmod(0o600)
    return str(path)


def test_bytes_and_ranges_of_the_same_file_match(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    path = _spool(tmp_path, data)
    assert file_matches(path, [data[:100], FileRange(path, 100, 5000), data[5100:]])
    assert file_matches(path, [data])


@pytest.mark.parametrize(
    "chunks",
    [
        [b"x" * 10],  # too short
        [bytes(range(256)) * 40, b"\0"],  # too long
        [b"\1" + (bytes(range(256)) * 40)[1:]],  # one byte differs
    ],
    ids=["short", "long", "different"],
)
def test_other_bytes_do_not_match(tmp_path: Path, chunks: list[bytes]) -> None:
    path = _spool(tmp_path, bytes(range(256)) * 40)
    assert not file_matches(path, chunks)


def test_a_range_elsewhere_does_not_match(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    path = _spool(tmp_path, data)
    other = tmp_path / "other"
    other.write_bytes(data)
    assert not file_matches(path, [FileRange(str(other), 0, len(data))])
    assert not file_matches(path, [data[:10], FileRange(path, 11, len(data) - 10)])


def test_a_missing_file_does_not_match(tmp_path: Path) -> None:
    assert not file_matches(str(tmp_path / "gone"), [b""])


def test_adopt_renames_with_dcmtk_file_mode(tmp_path: Path) -> None:
    path = _spool(tmp_path, b"DICOM")
    target = tmp_path / "CT.1.2.3"
    assert adopt_file(path, target) == 5
    assert not os.path.exists(path)
    assert target.read_bytes() == b"DICOM"
    assert stat.S_IMODE(target.stat().st_mode) == writer._FILE_MODE


def test_adopt_warns_before_overwriting(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "CT.1.2.3"
    target.write_bytes(b"old")
    assert adopt_file(_spool(tmp_path, b"new"), target) == 3
    assert target.read_bytes() == b"new"
    assert "DICOM file already exists, overwriting: " + str(target) in caplog.messages
    caplog.clear()
    assert adopt_file(_spool(tmp_path, b"newer"), target, warn_existing=False) == 5
    assert caplog.messages == []


def test_adopt_failure_raises_write_error_and_keeps_the_spool(tmp_path: Path) -> None:
    path = _spool(tmp_path, b"data")
    with pytest.raises(WriteError):
        adopt_file(path, tmp_path / "missing-dir" / "CT.1")
    assert Path(path).read_bytes() == b"data"
