"""Our command line against DCMTK 3.6.7's ``/usr/bin/movescu``: same rc, same messages.

Every command line here fails before any network traffic (or is a help/version
request), so DCMTK needs no peer.  Ours runs in-process through ``main()`` (fast,
real stages) and, for the entry point itself, as ``python -m movescu``.  The first
line of DCMTK's header names DCMTK and ours names this program, by design: outputs
are compared from the second line on.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.support.tools import dcmtk_tool

from movescu.main import main

pytestmark = pytest.mark.dcmtk

SRC = Path(__file__).parents[2] / "src"
PROGRAM = "/usr/bin/movescu"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVESCU_")}
    env.pop("DCMDICTPATH", None)
    env.update(extra)
    return env


def run_dcmtk(args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
    proc = subprocess.run(
        [dcmtk_tool("movescu"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=cwd,
        env=_clean_env(),
    )
    return proc.returncode, proc.stdout, proc.stderr


def run_ours(
    args: Sequence[str],
    cwd: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", [PROGRAM])
    capsys.readouterr()
    rc = main(list(args), _clean_env())
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def _tail(text: str) -> list[str]:
    """The output without header lines (the only lines that differ by design)."""
    return [
        line
        for line in text.splitlines()
        if not (line.startswith("$dcmtk: movescu v") or line.startswith("$movescu: movescu v"))
    ]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "query.dcm").write_bytes(b"readable")
    (tmp_path / "plain").write_text("not a directory")
    return tmp_path


WRONG = [
    ["--foo"],
    ["-vd"],
    ["--"],
    ["--verb"],
    ["--key=0010,0020=X", "a", "1"],
    ["--help", "--foo"],
    ["--version", "-pdu"],
    ["a", "1", "-pdu"],
    ["a", "1", "-aet"],
    ["a"],
    ["-v"],
    ["-q", "a"],
    ["a", "0"],
    ["a", "65536"],
    ["a", "-5"],
    ["a", "abc"],
    ["a", ""],
    ["a", "0x10"],
    ["-q", "a", "0"],
    ["a", "1"],
    ["a", "1", "-pdu", "-5"],
    ["a", "1", "-pdu", ""],
    ["a", "1", "-pdu", " -5"],
    ["a", "1", "-pdu", "\t-5"],
    ["a", "1", "-pdu", "12abc"],
    ["a", "1", "-pdu", "+5"],
    ["a", "1", "-pdu", "0x1000"],
    ["a", "1", "-pdu", "4294967296"],
    ["a", "1", "-to", "0"],
    ["a", "1", "-to", "-0x10"],
    ["a", "1", "-to", ""],
    ["a", "1", "-td", "0", "-ta", "0"],
    ["a", "1", "-ta", "0", "-to", "0"],
    ["a", "1", "--cancel", "-1"],
    ["a", "1", "--repeat", "0"],
    ["a", "1", "--repeat", "-1"],
    ["a", "1", "--cancel", "-1", "--repeat", "0", "-pdu", "1"],
    ["a", "1", "+P", "0", "--no-port"],
    ["a", "1", "--no-port", "+P", "65536"],
    ["a", "1", "+P", "-1"],
    ["a", "1", "-od", "x"],
    ["a", "1", "+P", "11112", "--no-port", "-od", "/tmp"],
    ["a", "1", "-v", "-ll", "info"],
    ["a", "1", "-ll", "info", "-q"],
    ["a", "1", "-ll", "warning"],
    ["a", "1", "-ll", ""],
    ["a", "1", "-lc", "/nonexistent", "-ll", "info"],
    ["a", "1", "-lc", "/nonexistent", "-v"],
    ["a", "1", "-lc", "/nonexistent", "-ll", "info", "-v"],
    ["a", "1", "-lc", "/nonexistent"],
    ["a", "1", "-q", "+B", "+g"],
    ["a", "1", "-ll", "fatal", "+B", "+g"],
    ["a", "1", "-ll", "OFF", "+B", "+g"],
    ["a", "1", "-ll", "error", "+B", "+g"],
    ["a", "1", "-q", "-d", "-v", "+B", "+g"],
    ["a", "1", "-d", "-q", "+B", "+g"],
    ["a", "1", "+B", "+g", "-g"],
    ["a", "1", "+B", "-g", "+g="],
    ["a", "1", "+B", "-u", "+u"],
    ["a", "1", "+B", "+u", "-u"],
    ["a", "1", "+B", "-e"],
    ["a", "1", "+B", "+e", "-e"],
    ["a", "1", "+B", "-B", "+g"],
    ["a", "1", "+te", "+xa"],
    ["a", "1", "+xa", "+xs", "+te"],
    ["a", "1", "+t=", "+te", "+B"],
    ["a", "1", "+te", "+t=", "+B"],
    ["a", "1", "+tb", "+te", "+B"],
    ["a", "1", "+td", "+ti", "+B"],
    ["a", "1", "+x4", "+td"],
    ["a", "1", "+xn", "+tb"],
    ["a", "1", "+xm", "+ti"],
    ["a", "1", "+xd", "+td"],
    ["a", "1", "+xi", "+te"],
    ["a", "1", "+cl", "5", "+te"],
    ["a", "1", "+cl", "10"],
    ["a", "1", "+cl", "-1", "+td"],
    ["a", "1", "+p", "2", "2", "-F", "+B"],
    ["a", "1", "+B", "-F", "+p", "2", "2"],
    ["a", "1", "+p", "2", "2", "+B"],
    ["a", "1", "+p", "2", "x"],
    ["a", "1", "+p", "1", "-k"],
    ["a", "1", "+p", "-1", "2"],
    ["a", "1", "-p", "+p", "2", "x", "-F"],
    ["a", "1", "+p", "1", "1", "-p", "-F"],
    ["a", "1", "/nonexistent.dcm"],
    ["a", "1", "query.dcm", "/nonexistent.dcm", "query.dcm"],
    ["a", "1", "-q", "/nonexistent.dcm"],
    ["a", "1", "-od", "x", "+B", "+g", "+cl", "10", "+p", "1", "1", "-F", "+te"],
    ["a", "1", "-pi", "-pr", "-to", "0", "+P", "0", "-pdu", "1", "-ta", "0"],
    ["a", "1", "-xd", "+te", "+cl", "10"],
    ["@nonexistent"],
    ["@nonexistent", "--help"],
    ["a", "1", "+P", "11112", "-od", "/nonexistent", "query.dcm"],
    ["a", "1", "+P", "11112", "-od", "plain", "query.dcm"],
    ["a", "1", "+P", "11112", "-od", "/nonexistent", "query.dcm", "-q"],
    ["a", "1", "+P", "11112", "-od", "/nonexistent", "/nonexistent.dcm"],
    ["-aet", "-k", "a", "1", "-aec", "--help"],
]


@pytest.mark.parametrize("args", WRONG, ids=[" ".join(a) or "<empty>" for a in WRONG])
def test_wrong_command_line_like_dcmtk(
    args: list[str],
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rc, out, err = run_dcmtk(args, workdir)
    assert rc != 0
    ours = run_ours(args, workdir, capsys, monkeypatch)
    assert (ours[0], _tail(ours[2])) == (rc, _tail(err))
    assert ours[1] == out == ""


KEYS = [
    ["a", "1", "-k", "Bad1", "-k", "Bad2"],
    ["a", "1", "-k", ""],
    ["a", "1", "-q", "-k", "Bad"],
    ["a", "1", "-k", "PatientName", "-k", "(0010,0020)=X"],
    ["a", "1", "-k", "0011,1001=X"],
    ["a", "1", "-k", "PatientID", "+B", "+g"],
]


@pytest.mark.parametrize("args", KEYS, ids=[" ".join(a) for a in KEYS])
def test_wrong_keys_like_dcmtk(
    args: list[str],
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rc, out, err = run_dcmtk(args, workdir)
    ours = run_ours(args, workdir, capsys, monkeypatch)
    assert (ours[0], _tail(ours[2])) == (rc, _tail(err))


COMMAND_FILE = 'a 1 "x y" "" \'q"w\' ab"c d"e @other -k "0010,0010=A B"\t--arguments -q  '


@pytest.mark.parametrize(
    "args",
    [
        ["@cmd"],
        ["@cmd", "@cmd"],
        ["--arguments", "-aet", "", "-q", "x", "9"],
        ["a", "1", "@quotes"],
    ],
)
def test_arguments_output_like_dcmtk(
    args: list[str],
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (workdir / "cmd").write_text(COMMAND_FILE)
    (workdir / "quotes").write_text("x'y z'w\"v u\" --arguments -q 'unterminated")
    rc, _, err = run_dcmtk(args, workdir)
    ours = run_ours(args, workdir, capsys, monkeypatch)
    assert ours[0] == rc == 1
    assert ours[2] == err
    assert err.startswith(f"I: calling '{PROGRAM}' with ")


def _python_m(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = _clean_env(PYTHONPATH=str(SRC))
    return subprocess.run(
        [sys.executable, "-m", "movescu", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def test_help_text_like_dcmtk(workdir: Path) -> None:
    dcmtk = run_dcmtk(["--help"], workdir)
    ours = _python_m(["--help"], workdir)
    assert ours.returncode == dcmtk[0] == 0
    assert ours.stderr == dcmtk[2] == ""
    lines = ours.stdout.splitlines()
    start = lines.index("  IP protocol version:")
    del lines[start : start + 4]
    # DCMTK 3.7.0's TLS group (checked against its man page in tests/unit/test_tls_cli.py)
    start = lines.index("transport layer security (TLS) options:")
    del lines[start : lines.index("output options:")]
    additions = lines.index("movescu additions (not in DCMTK):")
    assert lines[1:additions] == dcmtk[1].splitlines()[1:-1]
    assert ours.stdout.endswith("\n\n") and dcmtk[1].endswith("\n\n")


def test_usage_without_arguments_and_errors_via_python_m(workdir: Path) -> None:
    dcmtk = run_dcmtk([], workdir)
    ours = _python_m([], workdir)
    assert ours.returncode == dcmtk[0] == 0
    assert _tail(ours.stdout)[:6] == _tail(dcmtk[1])[:6]
    ours = _python_m(["a", "1", "+B", "+g"], workdir)
    assert ours.returncode == 1 and ours.stdout == ""
    assert _tail(ours.stderr) == _tail(run_dcmtk(["a", "1", "+B", "+g"], workdir)[2])


def test_version_via_python_m(workdir: Path) -> None:
    ours = _python_m(["--version"], workdir)
    assert ours.returncode == 0 and ours.stderr == ""
    assert ours.stdout.startswith("$movescu: movescu v")
    assert "DCMTK movescu v3.6.7" in ours.stdout and "pynetdicom" in ours.stdout


_FUZZ_VALUES = ["0", "1", "-1", "5", "9", "10", "4096", "x", "", "0x10", "-k", "+B", "104"]
_FUZZ_VALUES += ["65536", "info", "fatal", "warn", "bogus", "010", " -3"]


def _random_command_lines(seed: int, count: int) -> list[list[str]]:
    """Random mixes of DCMTK's options, values and parameters (never -k or files).

    Without -k and query files every line ends in a command-line error at the
    latest, so DCMTK never reaches the network.
    """
    from movescu.cli.options import GROUPS, OPTIONS

    # DCMTK 3.6.7's movescu has no TLS group (3.7.0): those options are left out
    tls = {o.long for g in GROUPS if "(TLS)" in g.title for s in g.subgroups for o in s.options}
    options = [
        o
        for o in OPTIONS
        if not o.ours
        and o.block != "ip_family"
        and o.long not in ("--help", "--version", "--key", *tls)
    ]
    rnd = random.Random(seed)
    lines = []
    for _ in range(count):
        args: list[str] = []
        for _ in range(rnd.randint(1, 7)):
            option = rnd.choice(options)
            args.append(rnd.choice([option.long, option.short or option.long]))
            args += [rnd.choice(_FUZZ_VALUES) for _ in range(option.values)]
        params = rnd.choice([["a", "1"], ["a", "1"], ["a"], [], ["a", rnd.choice(_FUZZ_VALUES)]])
        for param in params:
            args.insert(rnd.randint(0, len(args)), param)
        lines.append(args)
    return lines


def test_random_command_lines_like_dcmtk(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mismatches = []
    for args in _random_command_lines(seed=20261127, count=300):
        rc, _, err = run_dcmtk(args, workdir)
        ours = run_ours(args, workdir, capsys, monkeypatch)
        if (ours[0], _tail(ours[2])) != (rc, _tail(err)):
            mismatches.append((args, rc, _tail(err)[-1:], ours[0], _tail(ours[2])[-1:]))
    assert mismatches == []


def test_random_command_files_like_dcmtk(
    workdir: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(7)
    monkeypatch.chdir(workdir)
    monkeypatch.setattr(sys, "argv", [PROGRAM])
    args = ["-q", "--arguments", "a", "1", "@cf"]
    for _ in range(150):
        text = "".join(rnd.choice("ab \"'\t\n\r@") for _ in range(rnd.randint(0, 25)))
        (workdir / "cf").write_bytes(text.encode())
        dcmtk = subprocess.run(
            [dcmtk_tool("movescu"), *args],
            capture_output=True,
            timeout=30,
            cwd=workdir,
            env=_clean_env(),
        )
        capsysbinary.readouterr()
        rc = main(args, _clean_env())
        ours = capsysbinary.readouterr().err
        assert (rc, ours) == (dcmtk.returncode, dcmtk.stderr), repr(text)
