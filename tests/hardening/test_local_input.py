"""Bad local input: every user mistake gets DCMTK's lines and exit code, never a traceback.

Each case runs ``movescu.main.main(argv, environ)`` in-process and checks the
exit code, the exact error line(s) on stderr and that no traceback appears.
The peer is 127.0.0.1 on a port nobody listens on: a case that wrongly got
past its check ends with rc 61, not with a hang.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from movescu.main import main
from tests.hardening.support import mounted_tmpfs
from tests.support.peers import free_port
from tests.support.sender import write_query_file

Run = Callable[..., tuple[int, list[str]]]
SRC = str(Path(__file__).resolve().parents[2] / "src")
KEYS = ["-k", "QueryRetrieveLevel=STUDY"]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """main(argv, environ) -> (exit code, stderr lines without trailing blank lines)."""

    def _run(*argv: str, environ: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
        capsys.readouterr()
        code = main(list(argv), environ={} if environ is None else dict(environ))
        err = capsys.readouterr().err
        assert "Traceback" not in err
        lines = err.splitlines()
        while lines and not lines[-1]:
            lines.pop()
        return code, lines

    return _run


@pytest.fixture
def peer() -> list[str]:
    return ["127.0.0.1", str(free_port())]


def assert_print_error(lines: list[str], message: str) -> None:
    """DCMTK's printError: header, blank line, '<prog>: <description>', 'error: <message>'."""
    assert len(lines) == 4, lines
    assert lines[0].startswith("$") and lines[0].endswith("$") and lines[1] == ""
    assert lines[2].endswith(": DICOM retrieve (C-MOVE) SCU")
    assert lines[3] == f"error: {message}"


# ---------------------------------------------------------------- query files


def test_missing_query_file(run: Run, peer: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.dcm"
    code, lines = run(*peer, str(missing))
    assert code == 1
    assert_print_error(lines, f"cannot access file: {missing}")


def test_query_file_that_is_a_directory(run: Run, peer: list[str], tmp_path: Path) -> None:
    code, lines = run(*peer, str(tmp_path))
    assert (code, lines) == (22, [f"E: bad DICOM file: {tmp_path}: Is a directory"])


def test_empty_query_file(run: Run, peer: list[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    code, lines = run(*peer, str(empty))
    assert (code, lines) == (22, [f"E: bad DICOM file: {empty}: End of stream"])


@pytest.mark.parametrize(
    "content",
    [b"hello world\n", bytes(range(256)) * 4, b"\0" * 128 + b"DICM" + b"\x02" * 3],
    ids=["text", "binary", "truncated-meta"],
)
def test_non_dicom_query_file(run: Run, peer: list[str], tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(content)
    code, lines = run(*peer, str(bad))
    assert code == 22
    assert lines[-1].startswith(f"E: bad DICOM file: {bad}: ")
    assert all(line[:3] in ("W: ", "E: ") for line in lines), lines  # dcmdata's own lines


def _explicit(tag: int, vr: bytes, value: bytes) -> bytes:
    return struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr + struct.pack("<H", len(value)) + value


def _query_with_open_sequence(item_delimiter: bool) -> bytes:
    body = _explicit(0x00020010, b"UI", b"1.2.840.10008.1.2.1\0")
    meta = b"\0" * 128 + b"DICM" + _explicit(0x00020000, b"UL", struct.pack("<L", len(body)))
    data = _explicit(0x00080052, b"CS", b"STUDY ")
    data += struct.pack("<HH", 0x0008, 0x1110) + b"SQ\0\0" + struct.pack("<L", 0xFFFFFFFF)
    data += struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
    data += _explicit(0x00081155, b"UI", b"1.2.3\0")
    if item_delimiter:
        data += struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
    return meta + body + data  # no sequence delimiter: end of file


@pytest.mark.parametrize("item_delimiter", [True, False], ids=["item-closed", "item-open"])
def test_sequence_without_delimiter_is_a_bad_query_file(
    run: Run, peer: list[str], tmp_path: Path, item_delimiter: bool
) -> None:
    """Found here: was accepted (or reported with pydicom's text). Lines as DCMTK 3.6.7."""
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(_query_with_open_sequence(item_delimiter))
    code, lines = run(*peer, str(bad))
    assert code == 22
    assert lines == [
        "W: DcmSequenceOfItems: Reached end of stream before the end of sequence "
        "ReferencedStudySequence (0008,1110)",
        f"E: bad DICOM file: {bad}: Sequence Delimitation Item missing",
    ]


def test_undefined_length_garbage_is_a_bad_query_file(
    run: Run, peer: list[str], tmp_path: Path
) -> None:
    """Found here: 'DICM' + 0xff bytes was read as an empty identifier and sent."""
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 40)
    code, lines = run(*peer, str(bad))
    assert code == 22
    assert lines[-1] == f"E: bad DICOM file: {bad}: Sequence Delimitation Item missing"


def test_deeply_nested_query_file(run: Run, peer: list[str], tmp_path: Path) -> None:
    """Found here: was 'F: internal error: RecursionError'."""
    bad = tmp_path / "deep.dcm"
    bad.write_bytes(b"\xff" * 16000)
    code, lines = run(*peer, str(bad))
    assert (code, lines) == (22, [f"E: bad DICOM file: {bad}: Invalid stream"])


def test_unreadable_query_file(run: Run, peer: list[str], tmp_path: Path) -> None:
    """chmod 000: DCMTK's access() check fails, as for a missing file.

    Root reads anything, so as root (CI) the run switches its real and effective
    uid to 'nobody' for the call (the saved uid 0 brings root back).
    """
    directory = tmp_path / "shared"
    directory.mkdir()
    query = write_query_file(directory / "q.dcm")
    query.chmod(0)
    if os.geteuid() != 0:
        code, lines = run(*peer, str(query))
    else:
        run(*peer, str(write_query_file(directory / "ok.dcm")))  # import everything as root
        os.setresuid(65534, 65534, 0)
        try:
            code, lines = run(*peer, str(query))
        finally:
            os.setresuid(0, 0, 0)
    assert code == 1
    assert_print_error(lines, f"cannot access file: {query}")


def test_query_file_unreadable_after_the_check(run: Run, peer: list[str], tmp_path: Path) -> None:
    """Readable for access() (real uid root) but not for open() (effective uid nobody)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to split real and effective uid")
    directory = tmp_path / "shared"
    directory.mkdir()
    query = write_query_file(directory / "q.dcm")
    query.chmod(0)
    run(*peer, str(write_query_file(directory / "ok.dcm")))  # import everything as root
    os.seteuid(65534)
    try:
        code, lines = run(*peer, str(query))
    finally:
        os.seteuid(0)
    assert (code, lines) == (22, [f"E: bad DICOM file: {query}: Permission denied"])


# ---------------------------------------------------------------- -k


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("foo", "foo"),
        ("NotAName=1", "NotAName"),
        ("(0008,0052=X", "(0008,0052"),
        ("gggg,eeee=1", "gggg,eeee"),
        ("=1", ""),
    ],
)
def test_bad_override_keys(run: Run, peer: list[str], key: str, name: str) -> None:
    code, lines = run("-k", key, *peer)
    assert code == 1
    assert_print_error(lines, f"bad key format or dictionary name not found in dictionary: {name}")


def test_no_query_at_all(run: Run, peer: list[str]) -> None:
    code, lines = run(*peer)
    assert code == 1
    assert_print_error(lines, "either query file or override keys (or both) must be specified")


# ---------------------------------------------------------------- command, config and log files


def test_missing_command_file(run: Run, tmp_path: Path) -> None:
    code, lines = run(f"@{tmp_path / 'missing.cmd'}")
    assert code == 1
    assert_print_error(lines, f"Cannot open command file '{tmp_path / 'missing.cmd'}'")


def test_malformed_command_file(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.cmd"
    bad.write_text('@@ "unbalanced\n')
    code, lines = run(f"@{bad}")
    assert code == 1
    assert_print_error(lines, "Invalid parameter value unbalanced")  # as DCMTK 3.6.7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot open config file '{path}'"),
        (bytes(range(256)), "Cannot open config file '{path}'"),
        (b"not = valid = [[[\n", "Unknown setting 'not' in config file '{path}'"),
        (
            b"port = many\n",
            "Invalid value for option --port (many), from config file '{path}' line 1",
        ),
    ],
    ids=["missing", "binary", "unknown-key", "bad-value"],
)
def test_bad_config_file(
    run: Run, peer: list[str], tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "movescu.cfg"
    if content is not None:
        path.write_bytes(content)
    code, lines = run("--config", str(path), *KEYS, *peer)
    assert code == 1
    assert_print_error(lines, message.format(path=path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Specified --log-config file does not exist"),
        (b"", "Specified --log-config file does not contain any settings"),
        (bytes(range(1, 256)), "Specified --log-config file does not contain any valid settings"),
    ],
    ids=["missing", "empty", "binary"],
)
def test_bad_log_config(
    run: Run, peer: list[str], tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "log.cfg"
    if content is not None:
        path.write_bytes(content)
    code, lines = run("-lc", str(path), *KEYS, *peer)
    assert code == 1
    assert_print_error(lines, message)


def test_log_config_with_an_invalid_level(run: Run, peer: list[str], tmp_path: Path) -> None:
    """DCMTK 3.6.7 aborts (uncaught std::runtime_error); we go on without appenders."""
    path = tmp_path / "log.cfg"
    path.write_text("log4cplus.rootLogger=GARBAGE\n")
    code, lines = run("-lc", str(path), *KEYS, *peer)
    assert code == 61  # the run itself: nobody listens
    assert lines == [
        "log4cplus:ERROR No appenders could be found for logger (dcmtk.apps.movescu).",
        "log4cplus:ERROR Please initialize the log4cplus system properly.",
    ]


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        (None, ["E: DcmDataDictionary: Cannot open file: {path}"]),
        (
            b"(zzzz,0010)\tXX\tFoo\t1\tx\n",
            ["E: DcmDataDictionary: {path}: bad Tag field (line 1): (zzzz,0010)"],
        ),
    ],
    ids=["missing", "garbage"],
)
def test_bad_dcmdictpath(
    run: Run, peer: list[str], tmp_path: Path, content: bytes | None, errors: list[str]
) -> None:
    path = tmp_path / "bad.dic"
    if content is not None:
        path.write_bytes(content)
    code, lines = run(*KEYS, *peer, environ={"DCMDICTPATH": str(path)})
    expected = [e.format(path=path) for e in errors]
    expected.append("W: no data dictionary loaded, check environment variable: DCMDICTPATH")
    # the run goes on (pydicom's dictionary stands in: docs/differences.md); nobody listens
    assert code == 61
    assert lines[: len(expected)] == expected
    assert lines[len(expected) :] == [
        "F: Association Request Failed:",
        "F: 0006:031c TCP Initialization Error: Connection refused",
    ]


# ---------------------------------------------------------------- ports


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["127.0.0.1", "abc"], "Invalid parameter value abc"),
        (["127.0.0.1", "0"], "Invalid parameter value 0 (underflow)"),
        (["127.0.0.1", "70000"], "Invalid parameter value 70000 (overflow)"),
        (["127.0.0.1", "-5"], "Invalid parameter value -5 (overflow)"),  # as DCMTK 3.6.7
        (["127.0.0.1"], "Missing parameter port"),
        (["+P", "abc", "127.0.0.1", "104"], "Invalid value for option --port (abc)"),
        (["+P", "0", "127.0.0.1", "104"], "Invalid value for option --port (underflow: 0)"),
        (["+P", "70000", "127.0.0.1", "104"], "Invalid value for option --port (overflow: 70000)"),
        (["127.0.0.1", "104", "+P"], "Missing value for option --port"),
    ],
)
def test_bad_ports(run: Run, argv: list[str], message: str) -> None:
    code, lines = run(*KEYS, *argv)
    assert code == 1
    assert_print_error(lines, message)


def test_port_in_use(run: Run, peer: list[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("", 0))
        busy.listen()
        code, lines = run("+P", str(busy.getsockname()[1]), *KEYS, *peer)
    assert code == 60
    assert len(lines) == 1
    assert lines[0].startswith("F: cannot create network: 0006:031c TCP Initialization Error: ")


# ---------------------------------------------------------------- output directory


def test_output_directory_missing(run: Run, peer: list[str], tmp_path: Path) -> None:
    code, lines = run("+P", str(free_port()), "-od", str(tmp_path / "no"), *KEYS, *peer)
    assert (code, lines) == (45, ["F: specified output directory does not exist"])


def test_output_directory_is_a_file(run: Run, peer: list[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    code, lines = run("+P", str(free_port()), "-od", str(tmp_path / "file"), *KEYS, *peer)
    assert (code, lines) == (45, ["F: specified output directory does not exist"])


def test_output_directory_read_only(run: Run, peer: list[str], tmp_path: Path) -> None:
    """Root ignores mode bits: a read-only tmpfs is read-only for root too."""
    with mounted_tmpfs(tmp_path / "ro", "size=64k", "ro") as directory:
        code, lines = run("+P", str(free_port()), "-od", str(directory), *KEYS, *peer)
    assert (code, lines) == (40, ["F: specified output directory is not writeable"])


def test_output_directory_without_port(run: Run, peer: list[str], tmp_path: Path) -> None:
    code, lines = run("-od", str(tmp_path), *KEYS, *peer)
    assert code == 1
    assert_print_error(lines, "--output-directory only allowed with --port")


@pytest.mark.parametrize("option", ["-to", "-ta", "-td"])
def test_huge_timeouts_mean_for_ever_not_an_internal_error(
    run: Run, peer: list[str], option: str
) -> None:
    """DCMTK accepts any long; Python's sockets overflow above ~9.2e9 s (found by fuzzing)."""
    code, lines = run(option, "99999999999", *KEYS, *peer)
    assert (code, lines) == (
        61,
        [
            "F: Association Request Failed:",
            "F: 0006:031c TCP Initialization Error: Connection refused",
        ],
    )


def test_words_that_are_not_utf8_are_printed_as_their_bytes(tmp_path: Path) -> None:
    """A non-UTF-8 command-file word reaches the error line as the original byte (as DCMTK)."""
    command_file = tmp_path / "args.cmd"
    command_file.write_bytes(b"\x80\n")
    proc = subprocess.run(
        [sys.executable, "-m", "movescu", *KEYS, "127.0.0.1", "1", f"@{command_file}"],
        env=dict(os.environ, PYTHONPATH=SRC),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == b"error: cannot access file: \x80"
    assert b"Traceback" not in proc.stderr


def test_nul_byte_in_a_command_file_word_ends_it_like_dcmtk(
    run: Run, peer: list[str], tmp_path: Path
) -> None:
    """Found by fuzzing: was 'internal error: ValueError: embedded null byte'."""
    command_file = tmp_path / "args.cmd"
    command_file.write_bytes(b"nothere\0.dcm\n")
    code, lines = run(*KEYS, *peer, f"@{command_file}")
    assert code == 1
    assert_print_error(lines, "cannot access file: nothere")


def test_nul_byte_in_a_config_file(run: Run, peer: list[str], tmp_path: Path) -> None:
    path = tmp_path / "movescu.cfg"
    path.write_bytes(b"log-config = a\0b\n")
    code, lines = run("--config", str(path), *KEYS, *peer)
    assert code == 1
    assert_print_error(lines, f"Cannot open config file '{path}'")
