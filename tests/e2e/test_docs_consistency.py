"""The user-facing docs agree with the code and with each other.

* The exit codes that are ours (not DCMTK's) are listed alike in README.md,
  docs/troubleshooting.md and the manual page (``EXIT_CODES_INTRO``), and are the
  codes whose manual-page description starts with "Ours"; README.md names every
  code movescu can exit with.
* README.md and docs/ speak to users: no issue numbers, no paths of one machine,
  and every repository path they name (``src/...``, ``tests/...``, ``docs/...``,
  ``examples/...``, ``benchmarks/...``) exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from movescu.cli import manpage_text
from movescu.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[2]
DOCS = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    REPO / "examples" / "README.md",
]
#: generated, not committed (.gitignore)
GENERATED = ("examples/queries",)
_OURS = re.compile(r"Codes ((?:\d+, )*\d+ and \d+)\s+are ours", re.S)


def _ours_in(text: str) -> set[int]:
    found = _OURS.findall(" ".join(text.split()))
    assert len(found) == 1, found
    return {int(n) for n in re.findall(r"\d+", found[0])}


def test_our_exit_codes_are_listed_alike() -> None:
    ours = {int(ExitCode[name]) for name, text in manpage_text.EXIT_CODES.items()
            if text.startswith("Ours")}  # fmt: skip
    assert ours == {22, 129, 130, 143}
    assert _ours_in(manpage_text.EXIT_CODES_INTRO) == ours
    assert _ours_in((REPO / "README.md").read_text(encoding="utf-8")) == ours
    assert _ours_in((REPO / "docs" / "troubleshooting.md").read_text(encoding="utf-8")) == ours


def test_readme_names_every_exit_code() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = " ".join(text.split("Exit codes are DCMTK's", 1)[1].split("\n\n", 1)[0].split())
    named = {int(n) for n in re.findall(r"\b\d+\b", paragraph)} - {1024}
    assert named == {int(code) for code in ExitCode} - {int(ExitCode.SETUID_FAILED)}


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_docs_speak_to_users(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\bissues? #?\d+", text, re.I)
    assert "/work/" not in text and "DECISIONS" not in text
    for name in re.findall(r"`((?:src|tests|docs|examples|benchmarks)/[\w./-]+)`", text):
        assert (REPO / name).exists() or name.startswith(GENERATED), name
