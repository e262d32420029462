"""``--key-list`` files (movescu.keylist): header, rows, and the errors with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from movescu.dicom.dictionary import load_dictionary
from movescu.errors import UsageError
from movescu.keylist import read_key_list

UID1 = "1.2.840.113619.2.1.1"
UID2 = "1.2.840.113619.2.1.2"


@pytest.fixture(scope="module")
def dictionary():
    return load_dictionary({})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "keys.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_by_keyword_with_line_numbers(tmp_path, dictionary) -> None:
    path = write(tmp_path, f"StudyInstanceUID\n{UID1}\n\n{UID2}\n")
    rows = read_key_list(path, dictionary)
    assert [row.line for row in rows] == [2, 4]
    assert [(k.tag, k.vr, k.value) for row in rows for k in row.keys] == [
        (0x0020000D, "UI", UID1),
        (0x0020000D, "UI", UID2),
    ]
    assert rows[0].keys[0].text == f"StudyInstanceUID={UID1}"


@pytest.mark.parametrize("header", ['"0020,000D"', '"(0020,000D)"', '"(0020,000d)"'])
def test_tags_as_k_accepts_them_and_in_parentheses(tmp_path, dictionary, header) -> None:
    rows = read_key_list(write(tmp_path, f"\ufeff{header},PatientID\n{UID1},PAT1\n"), dictionary)
    assert [(k.tag, k.value) for k in rows[0].keys] == [(0x0020000D, UID1), (0x00100020, "PAT1")]


def test_empty_cell_is_a_zero_length_element(tmp_path, dictionary) -> None:
    rows = read_key_list(write(tmp_path, f"StudyInstanceUID,PatientID\n{UID1},\n"), dictionary)
    assert rows[0].keys[1].value is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "NoSuchName\n1\n",
            "line 1: bad key format or dictionary name not found in dictionary: NoSuchName",
        ),
        ("StudyInstanceUID,\n1,2\n", "line 1: bad attribute name: ''"),
        ("PatientID,PatientID\n1,2\n", "line 1: an attribute is named twice"),
        (f"StudyInstanceUID\n{UID1}\n{UID1},x\n", "line 3: 2 values for 1 columns"),
        ("Rows\n512\nabc\n", 'line 3: cannot put tag value: (0028,0010)="abc"'),
        ('PatientID\n"multi\nline"\nx,y\n', "line 4: 2 values for 1 columns"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, dictionary, text, message) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as raised:
        read_key_list(path, dictionary)
    assert raised.value.message == f"bad key list: {path}, {message}"


@pytest.mark.parametrize(
    ("text", "message"), [("", "no header row"), ("PatientID\n\n", "no rows after the header")]
)
def test_empty_files(tmp_path, dictionary, text, message) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as raised:
        read_key_list(path, dictionary)
    assert raised.value.message == f"bad key list: {path}: {message}"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "No such file or directory"), (b"PatientID\n\xff\xfe\x00\n", "not UTF-8 text")],
)
def test_unreadable_files_are_not_told_in_pythons_words(
    tmp_path, dictionary, content, message
) -> None:
    path = tmp_path / "keys.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError) as raised:
        read_key_list(path, dictionary)
    assert raised.value.message == f"bad key list: {path}: {message}"
