"""@file command files tokenized like DCMTK (movescu.cli.cmdfile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from movescu.cli.cmdfile import expand_command_files, tokenize_command_file
from movescu.errors import UsageError


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("a  b\t\tc\r\nd", ["a", "b", "c", "d"]),
        ('"x y" "" \'q"w\'', ["x y", "", 'q"w']),
        ('ab"c d"e', ["abc d", "e"]),
        ("x'y z'w\"v u\"", ["xy z", "wv u"]),
        ('a "unterminated x', ["a", "unterminated x"]),
        ('"" ""', ["", ""]),
        ('ab""', ["ab"]),
        ("back\\slash # not a comment", ["back\\slash", "#", "not", "a", "comment"]),
        ("", []),
    ],
)
def test_tokenizer(text: str, tokens: list[str]) -> None:
    assert tokenize_command_file(text) == tokens


def test_expansion_in_place_and_not_recursive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one").write_text('-k "0010,0010=A B" @two')
    (tmp_path / "two").write_text("never read")
    assert expand_command_files(["a", "@one", "1", "@"]) == [
        "a",
        "-k",
        "0010,0010=A B",
        "@two",
        "1",
        "@",
    ]


def test_missing_command_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        expand_command_files(["@nonexist"])
    assert caught.value.message == "Cannot open command file 'nonexist'"
    assert caught.value.quiet_applies is False


def test_directory_gives_no_tokens(tmp_path: Path) -> None:
    assert expand_command_files([f"@{tmp_path}", "x"]) == ["x"]


def test_carriage_returns_inside_quotes_are_kept(tmp_path: Path) -> None:
    # DCMTK reads the file byte by byte: no newline translation
    path = tmp_path / "cmd"
    path.write_bytes(b'"a\rb" c\r\nd "e\r\nf"')
    assert expand_command_files([f"@{path}"]) == ["a\rb", "c", "d", "e\r\nf"]
