"""The receive spool file becomes the output file when its bytes are the output.

movescu.output.spoolmeta makes pynetdicom's spool start with our header; the
store stage renames it instead of writing a copy only when every byte
matches.  These tests count the copies the writer makes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.scp_support import files_in, running_scp
from tests.support.differential import split_file
from tests.support.objects import CT, EXPLICIT_LE, Enc
from tests.support.sender import RawObject, send_raw

from movescu.output import store

enc = Enc()
PLAIN = (
    enc.el(0x00080016, "UI", CT.encode() + b"\0")
    + enc.el(0x00080018, "UI", b"1.2.3.4\0")
    + enc.el(0x00100010, "PN", b"Doe^Jane")
    + enc.el(0x7FE00010, "OW", bytes(range(256)) * 512)
)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Targets the writer wrote a copy for (instead of a rename)."""
    written: list[Path] = []
    original = store.write_object

    def counting(target: Path, chunks: object, **kw: bool) -> int:
        written.append(target)
        return original(target, chunks, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write_object", counting)
    return written


@pytest.mark.parametrize("mode", [[], ["+B"]], ids=["normal", "bit-preserving"])
def test_identical_output_is_the_renamed_spool_file(
    tmp_path: Path, mode: list[str], copies: list[Path]
) -> None:
    out = tmp_path / "out"
    with running_scp(out, *mode) as scp:
        assert send_raw("127.0.0.1", scp.port, [RawObject(CT, "1.2.3.4", EXPLICIT_LE, PLAIN)]) == [
            0
        ]
        assert scp.wait_until_idle(10)
    assert copies == []
    assert files_in(out) == ["CT.1.2.3.4"]  # no spool file left behind
    meta, dataset = split_file((out / "CT.1.2.3.4").read_bytes())
    assert dataset == PLAIN
    assert (0x00020016 in meta) == bool(mode)  # +B: Source AE title, as DCMTK


def test_reencoded_output_is_written(tmp_path: Path, copies: list[Path]) -> None:
    out = tmp_path / "out"
    with running_scp(out, "+ti") as scp:
        assert send_raw("127.0.0.1", scp.port, [RawObject(CT, "1.2.3.4", EXPLICIT_LE, PLAIN)]) == [
            0
        ]
        assert scp.wait_until_idle(10)
    assert copies == [out / "CT.1.2.3.4"]
    assert files_in(out) == ["CT.1.2.3.4"]


def test_request_uid_other_than_the_data_set_is_written(
    tmp_path: Path, copies: list[Path]
) -> None:
    # the spool header carries the request's instance UID, the output the data set's
    out = tmp_path / "out"
    with running_scp(out) as scp:
        statuses = send_raw("127.0.0.1", scp.port, [RawObject(CT, "1.2.3.99", EXPLICIT_LE, PLAIN)])
        assert scp.wait_until_idle(10)
    assert statuses == [0xA900]
    assert copies == [out / "CT.1.2.3.99"]
    meta, dataset = split_file((out / "CT.1.2.3.99").read_bytes())
    assert dataset == PLAIN
