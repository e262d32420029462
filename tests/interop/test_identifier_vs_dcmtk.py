"""Differential test: the C-MOVE identifier DCMTK 3.6.7's movescu sends, byte for byte.

One query file (nested sequences of undefined length, multi-valued values,
values of odd length once padded, leading and trailing spaces that pydicom
would strip) is written by ``dump2dcm`` in every form it
can produce: explicit/implicit little endian, big endian, deflated, data set
only (``-F``), with group lengths (``+g``), with padding (``+p``: top level and
inside items), with undefined lengths (``-e``), and ``dcmconv`` combinations of
these; plus a hand-made file whose
values have odd lengths.  DCMTK's movescu and ours send it (with and without
``-k`` overrides, on explicit little, implicit, big endian and deflated contexts) to the
same scripted Move SCP, which records the identifier's bytes.  The bytes and
the ``-v`` lines must be the same (issue 13 item 1), except our summary line
and where the ``DcmItem: Length of element ...`` warnings come: DCMTK
reads the file after the association is accepted, we before it is requested
(docs/differences.md).
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.differential import drop_summary
from tests.support.fake_qr import fake_qr, final_status
from tests.support.peers import peer_environment
from tests.support.tools import dcmtk_tool

pytestmark = pytest.mark.dcmtk

EXPLICIT, IMPLICIT, BIG = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
#: -x option of movescu that proposes (first) the transfer syntax the fake accepts
PROPOSE = {EXPLICIT: [], IMPLICIT: ["-xi"], BIG: ["-xb"], DEFLATED: ["-xd"]}

DUMP = """\
(0008,0052) CS [STUDY]
(0008,0061) CS [CT \\MR ]
(0010,0010) PN [ Doe^John  ]
(0010,0020) LO [ABC]
(0010,1020) DS [1.5   ]
(0010,1030) DS [ 2\\3.0 ]
(0020,0010) SH [  x]
(0020,0011) IS [ 7  ]
(0008,1110) SQ (Sequence with undefined length #=2)
  (fffe,e000) na (Item with undefined length #=2)
    (0008,1150) UI [1.2.840.10008.5.1.4.1.1.2]
    (0008,1155) UI [1.2.3]
  (fffe,e00d) na (ItemDelimitationItem)
  (fffe,e000) na (Item with undefined length #=1)
    (0040,a730) SQ (Sequence with undefined length #=1)
      (fffe,e000) na (Item with undefined length #=1)
        (0040,a160) UT [nested odd]
        (0040,a30a) DS [ 1 ]
      (fffe,e00d) na (ItemDelimitationItem)
    (fffe,e0dd) na (SequenceDelimitationItem)
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0020,000d) UI [1.2.3]
"""

#: dump2dcm options of each form of the query file
FORMS = {
    f"{xfer}-{name}": [f"+{xfer}", *options]
    for xfer in ("te", "ti", "tb", "td")
    for name, options in {
        "plain": [],
        "group-lengths": ["+g"],
        "undefined-lengths": ["-e"],
        "padding": ["+p", "16", "8"],
        "dataset-only": ["-F"],
    }.items()
    if not (xfer == "td" and name == "dataset-only")  # deflated needs the meta header
}
ODD = "odd-lengths"
SPACES = "spaces-as-read"  # trailing spaces dump2dcm would not write
#: dcmconv options applied to the explicit little endian file: forms combined
CONVERTED = {
    "dcmconv-group-lengths+undefined": ["+g", "-e"],
    "dcmconv-big+group-lengths+padding": ["+tb", "+g", "+p", "16", "8"],
    "dcmconv-implicit+undefined+dataset-only": ["+ti", "-e", "-F"],
    "dcmconv-deflated+group-lengths+undefined": ["+td", "+g", "-e"],
}

OVERRIDES = ["-k", "PatientID=XYZ12", "-k", "PatientName=A", "-k", "0009,0010=X"]
OVERRIDES += ["-k", "StudyDate=20200101", "-k", "PatientWeight= 2\\3 ", "-k", "StudyID=ab  "]


def _odd_length_file(path: Path) -> None:
    def element(group: int, number: int, vr: bytes, value: bytes) -> bytes:
        return struct.pack("<HH", group, number) + vr + struct.pack("<H", len(value)) + value

    path.write_bytes(
        element(0x0008, 0x0052, b"CS", b"STUDY")
        + element(0x0010, 0x0020, b"LO", b"ABC")
        + element(0x0020, 0x000D, b"UI", b"1.2.3")
        + element(0x0028, 0x0010, b"US", b"\x01\x02\x03")  # DCMTK: 513\3, two warnings
    )


def _spaces_file(path: Path) -> None:
    def element(group: int, number: int, vr: bytes, value: bytes) -> bytes:
        return struct.pack("<HH", group, number) + vr + struct.pack("<H", len(value)) + value

    path.write_bytes(
        element(0x0008, 0x0052, b"CS", b"STUDY ")
        + element(0x0008, 0x0061, b"CS", b"CT \\MR  ")
        + element(0x0010, 0x1030, b"DS", b" 2\\3.0  ")
        + element(0x0010, 0x4000, b"LT", b"x   ")
        + element(0x0020, 0x0010, b"SH", b"ab  ")
    )


def _query_file(tmp_path: Path, form: str) -> Path:
    path = tmp_path / f"{form}.dcm"
    if form == ODD:
        _odd_length_file(path)
        return path
    if form == SPACES:
        _spaces_file(path)
        return path
    dump = tmp_path / "query.dump"
    dump.write_text(DUMP)
    if form in CONVERTED:
        plain = tmp_path / "plain.dcm"
        subprocess.run([dcmtk_tool("dump2dcm"), "+te", str(dump), str(plain)], check=True)
        options = [dcmtk_tool("dcmconv"), *CONVERTED[form], str(plain), str(path)]
        subprocess.run(options, check=True)
        return path
    subprocess.run([dcmtk_tool("dump2dcm"), *FORMS[form], str(dump), str(path)], check=True)
    return path


def _sent(
    run: Callable[[list[str]], tuple[int, list[str]]], transfer_syntax: str, args: list[str]
) -> tuple[bytes, str, list[str]]:
    """Run one movescu against a fresh fake; (identifier bytes, its TS, -v lines)."""
    with fake_qr(final_status(0x0000), transfer_syntaxes=[transfer_syntax]) as fake:
        _, lines = run(["-v", *PROPOSE[transfer_syntax], "127.0.0.1", str(fake.port), *args])
    (request,) = fake.requests
    return request.raw_identifier, request.transfer_syntax, lines


def _without_odd_warnings(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("W: DcmItem: Length of element ")]


def _compare(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    transfer_syntax: str,
    args: list[str],
) -> None:
    def dcmtk(argv: list[str]) -> tuple[int, list[str]]:
        proc = subprocess.run(
            [dcmtk_tool("movescu"), *argv],
            capture_output=True,
            text=True,
            errors="surrogateescape",
            timeout=60,
            env=peer_environment(),
            check=False,
        )
        return proc.returncode, proc.stderr.splitlines()

    theirs, their_ts, their_lines = _sent(dcmtk, transfer_syntax, args)
    ours, our_ts, our_lines = _sent(run_main, transfer_syntax, args)
    assert their_ts == our_ts == transfer_syntax
    assert ours == theirs
    our_lines = drop_summary(our_lines)
    assert _without_odd_warnings(our_lines) == _without_odd_warnings(their_lines)
    assert sorted(our_lines) == sorted(their_lines)


@pytest.mark.parametrize("form", [*FORMS, *CONVERTED, ODD, SPACES])
@pytest.mark.parametrize("overrides", [False, True], ids=["file", "file+k"])
def test_identifier_bytes_as_dcmtk_sends_them(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    tmp_path: Path,
    form: str,
    overrides: bool,
) -> None:
    query = _query_file(tmp_path, form)
    _compare(run_main, EXPLICIT, [str(query), *(OVERRIDES if overrides else [])])


@pytest.mark.parametrize(
    "form", ["te-group-lengths", "tb-undefined-lengths", "ti-padding", ODD, SPACES]
)
@pytest.mark.parametrize(
    "transfer_syntax", [IMPLICIT, BIG, DEFLATED], ids=["implicit", "big", "deflated"]
)
def test_identifier_bytes_on_other_contexts(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
    tmp_path: Path,
    form: str,
    transfer_syntax: str,
) -> None:
    query = _query_file(tmp_path, form)
    _compare(run_main, transfer_syntax, [str(query), *OVERRIDES])
