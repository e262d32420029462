"""docs/movescu.1 and docs/usage.md are what the generator makes from the option table now.

When one of these tests fails after a change of the option table, the exit codes
or the prose, regenerate the files::

    PYTHONPATH=src python -m movescu.cli.manpage --roff docs/movescu.1 --markdown docs/usage.md
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from movescu.cli import manpage, manpage_text
from movescu.cli.options import BY_LONG, OPTIONS
from movescu.dicom.contexts import ACCEPT_ALL
from movescu.dicom.sop_classes import STORAGE_SOP_CLASSES
from movescu.exit_codes import ExitCode

DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = f"out of date: run `{manpage.GENERATOR}`"


@pytest.fixture(scope="module")
def document() -> manpage.Document:
    return manpage.build_document()


def test_roff_page_is_generated_from_the_table(document: manpage.Document) -> None:
    assert (DOCS / "movescu.1").read_text(encoding="utf-8") == manpage.render_roff(document), (
        REGENERATE
    )


def test_markdown_usage_is_generated_from_the_table(document: manpage.Document) -> None:
    assert (DOCS / "usage.md").read_text(encoding="utf-8") == manpage.render_markdown(document), (
        REGENERATE
    )


def test_every_option_is_documented_in_both_renderings(document: manpage.Document) -> None:
    items = {
        name
        for block in document.blocks
        if isinstance(block, manpage.Item)
        for name in block.names
    }
    roff = manpage.render_roff(document)
    markdown = manpage.render_markdown(document)
    for option in OPTIONS:
        assert option.long in items
        assert f"`{option.long}`" in markdown
        assert f"\\fB{option.long.replace('-', chr(92) + '-')}\\fR" in roff
        if option.short:
            assert option.short in items


def test_every_settable_option_has_its_environment_variable(document: manpage.Document) -> None:
    markdown = manpage.render_markdown(document)
    for option in manpage.settable_options():
        assert option.env_var in markdown
    assert "MOVESCU_HELP" not in markdown
    assert "MOVESCU_VERSION" not in markdown


def test_every_exit_code_is_described(document: manpage.Document) -> None:
    assert set(manpage_text.EXIT_CODES) == {code.name for code in ExitCode}
    markdown = manpage.render_markdown(document)
    for code in ExitCode:
        assert f"- **`{int(code)}`** `{code.name}`:" in markdown


def test_option_details_name_existing_options() -> None:
    assert set(manpage_text.OPTION_DETAILS) <= set(BY_LONG)


def test_conformance_tables_come_from_the_sop_class_and_context_tables(
    document: manpage.Document,
) -> None:
    markdown = manpage.render_markdown(document)
    for uid, name in STORAGE_SOP_CLASSES:
        assert f"{name:<52} {uid}\n" in markdown
    for uid in ACCEPT_ALL:
        assert uid in manpage_text.TRANSFER_SYNTAX_NAMES
        assert f" {uid}\n" in markdown


def test_dcmtk_sections_are_present(document: manpage.Document) -> None:
    titles = [b.title for b in document.blocks if isinstance(b, manpage.Heading) and b.level == 1]
    for section in (
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "PARAMETERS",
        "OPTIONS",
        "NOTES",
        "EXAMPLES",
        "LOGGING",
        "COMMAND LINE",
        "ENVIRONMENT",
        "EXIT CODES",
        "SEE ALSO",
    ):
        assert section in titles


def test_generator_writes_both_files(tmp_path: Path, document: manpage.Document) -> None:
    roff, markdown = tmp_path / "movescu.1", tmp_path / "usage.md"
    assert manpage.main(["--roff", str(roff), "--markdown", str(markdown)]) == 0
    assert roff.read_text(encoding="utf-8") == manpage.render_roff(document)
    assert markdown.read_text(encoding="utf-8") == manpage.render_markdown(document)


def test_man_renders_the_page_without_warnings() -> None:
    man = shutil.which("man")
    if man is None or shutil.which("groff") is None:
        pytest.skip("man/groff not installed (apt-get install man-db groff-base)")
    env = {**os.environ, "MANWIDTH": "80", "LC_ALL": "C.UTF-8", "MANPAGER": "cat"}
    result = subprocess.run(
        [man, "--warnings", "-l", str(DOCS / "movescu.1")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    page = re.sub(".\b", "", result.stdout)  # overstrike bold/underline when not a terminal
    assert "EXIT CODES" in page
    assert "--prefer-hevc10" in page
