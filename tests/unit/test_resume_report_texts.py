"""``--resume`` of an unreadable report: our texts, not Python's (issue 13 item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from movescu.bulkplan import apply_resume
from movescu.errors import InputFileError


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file or directory"),
        (b"\xff\xfe{", "not UTF-8 text"),
        (b"{not json", "not a JSON document"),
        (b'{"bulk": []}', "not a report of a many-moves run"),
        (b"{}", "no 'bulk' entry (not a report of a many-moves run)"),
    ],
)
def test_bad_resume_reports(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputFileError) as raised:
        apply_resume(path, [])
    assert raised.value.message == f"bad resume report: {path}: {reason}"
