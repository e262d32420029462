"""Property-based fuzzing of local input: config files, command files and ``-k`` values.

Whatever the user feeds in, ``main`` returns one of DCMTK's exit codes and
prints no traceback and no "internal error" line.  The peer is 127.0.0.1 on a
port nobody listens on (a run that gets through ends at once with rc 61).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movescu.exit_codes import ExitCode
from movescu.main import main
from tests.support.peers import free_port

CODES = {int(code) for code in ExitCode}
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: harmless long options (no port, no output file) and shapes of their values
KEYS = ["repeat", "max-pdu", "log-level", "dimse-timeout", "acse-timeout", "key", "aetitle"]
KEYS += ["call", "verbose", "debug", "quiet", "cancel", "abort", "prefer-little", "no-such"]
VALUES = st.one_of(
    st.sampled_from(["", "true", "false", "1", "0", "-1", "99999999999", "fatal", "x=y"]),
    st.text(max_size=20),
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main(argv, environ={})
    err = capsys.readouterr().err
    assert code in CODES, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err


@st.composite
def config_files(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(TEXT)
    lines = [
        f"{draw(st.sampled_from(KEYS))}{draw(st.sampled_from([' = ', '=', ': ', ' ']))}"
        f"{draw(VALUES)}"
        for _ in range(draw(st.integers(0, 5)))
    ]
    return "\n".join(lines)


@SETTINGS
@given(content=config_files())
def test_any_config_file(content: str, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "movescu.cfg"
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
        _run(
            ["--config", str(path), "-k", "0008,0052=STUDY", "127.0.0.1", str(free_port())], capsys
        )


@SETTINGS
@given(content=st.one_of(TEXT, st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_any_command_file(content: str, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "args.cmd"
        # valid UTF-8 (non-UTF-8 words: test_local_input, in a real process)
        path.write_text(content, encoding="utf-8", errors="replace")
        # after peer and port: random words become extra query files or options
        _run(["-k", "0008,0052=STUDY", "127.0.0.1", str(free_port()), f"@{path}"], capsys)


@SETTINGS
@given(
    key=st.one_of(
        TEXT.map(lambda t: t[:40]),
        st.builds(
            "{}={}".format,
            st.sampled_from(["PatientName", "0010,0020", "StudyDate", "(0008,0052)", "7fe0,0010"]),
            TEXT.map(lambda t: t[:40]),
        ),
    )
)
def test_any_override_key(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    _run(["-k", "0008,0052=STUDY", "-k", key, "127.0.0.1", str(free_port())], capsys)


def _query_template() -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "q.dcm"
        ds = Dataset()
        ds.QueryRetrieveLevel = "STUDY"
        ds.StudyInstanceUID = "1.2.3"
        item = Dataset()
        item.ReferencedSOPInstanceUID = "1.2.3.4"
        ds.ReferencedStudySequence = Sequence([item])
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.2.2.2"
        ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3"
        ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
        ds.save_as(path, enforce_file_format=True)
        return path.read_bytes()


QUERY = _query_template()


@st.composite
def query_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=400))
    data = bytearray(QUERY)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@SETTINGS
@given(content=query_files())
def test_any_query_file(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "q.dcm"
        path.write_bytes(content)
        _run(["127.0.0.1", str(free_port()), str(path)], capsys)
