"""The files in examples/: query file generator, command file, config file, scripts.

``make_examples.py`` is run as a script into a temporary directory; every query
file must be readable by movescu's query reader and hold exactly the level and
unique keys of its model.  The command and config file examples must parse into
the settings their comments promise.  The shell scripts are syntax-checked here;
they are run for real by ``tests/e2e/test_example_scripts.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from movescu.cli import parse_command_line
from movescu.config import Config, PreferredTransferSyntax, QueryModel
from movescu.queryfile import read_query_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: file -> (QueryRetrieveLevel, unique keys); the expectation, written independently
EXPECTED = {
    "patient-root-patient.dcm": ("PATIENT", {"PatientID"}),
    "patient-root-study.dcm": ("STUDY", {"PatientID", "StudyInstanceUID"}),
    "patient-root-series.dcm": (
        "SERIES",
        {"PatientID", "StudyInstanceUID", "SeriesInstanceUID"},
    ),
    "patient-root-image.dcm": (
        "IMAGE",
        {"PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"},
    ),
    "study-root-study.dcm": ("STUDY", {"StudyInstanceUID"}),
    "study-root-series.dcm": ("SERIES", {"StudyInstanceUID", "SeriesInstanceUID"}),
    "study-root-image.dcm": (
        "IMAGE",
        {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"},
    ),
    "psonly-patient.dcm": ("PATIENT", {"PatientID"}),
    "psonly-study.dcm": ("STUDY", {"PatientID", "StudyInstanceUID"}),
}

MOVE_MODELS = {
    "patient-root": "1.2.840.10008.5.1.4.1.2.1.2",
    "study-root": "1.2.840.10008.5.1.4.1.2.2.2",
    "psonly": "1.2.840.10008.5.1.4.1.2.3.2",
}


def run_generator(*args: str) -> list[Path]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_examples.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [Path(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("queries")
    written = run_generator(
        str(outdir), "--patient-id", "PAT9", "--study-uid", "1.2.3", "--series-uid", "1.2.3.4"
    )
    assert sorted(p.name for p in written) == sorted(EXPECTED)
    return outdir


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_file_has_level_and_unique_keys(generated: Path, name: str) -> None:
    dataset, transfer_syntax = read_query_file(generated / name)
    level, keys = EXPECTED[name]
    assert dataset.QueryRetrieveLevel == level
    assert {elem.keyword for elem in dataset} == {"QueryRetrieveLevel", *keys}
    assert transfer_syntax == "Little Endian Explicit"


def test_query_files_carry_the_given_values_and_model(generated: Path) -> None:
    from pydicom import dcmread

    image = dcmread(generated / "patient-root-image.dcm")
    assert image.PatientID == "PAT9"
    assert image.StudyInstanceUID == "1.2.3"
    assert image.SeriesInstanceUID == "1.2.3.4"
    for model, uid in MOVE_MODELS.items():
        for path in generated.glob(f"{model}-*.dcm"):
            assert dcmread(path).file_meta.MediaStorageSOPClassUID == uid


def test_keys_can_come_from_an_instance(tmp_path: Path) -> None:
    from pydicom import dcmread

    subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "make_sample_data.py"),
            str(tmp_path / "sample"),
            "--images",
            "1",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    instance = dcmread(tmp_path / "sample" / "CT1.dcm")
    run_generator(str(tmp_path / "q"), "--from", str(tmp_path / "sample" / "CT1.dcm"))
    query = dcmread(tmp_path / "q" / "study-root-image.dcm")
    assert query.StudyInstanceUID == instance.StudyInstanceUID
    assert query.SeriesInstanceUID == instance.SeriesInstanceUID
    assert query.SOPInstanceUID == instance.SOPInstanceUID


def _parse(args: list[str], environ: dict[str, str] | None = None) -> Config:
    result = parse_command_line(args, environ or {})
    assert isinstance(result, Config)
    return result


def test_command_file_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = _parse([f"@{EXAMPLES / 'site.args'}", "-k", "StudyInstanceUID=1.2.3"])
    assert (config.network.peer, config.network.port) == ("pacs.example.org", 104)
    assert config.network.called_ae_title == "ARCHIVE"
    assert config.query.model is QueryModel.STUDY
    assert config.storage.port == 11113
    assert config.storage.preferred_transfer_syntax is PreferredTransferSyntax.ACCEPT_ALL
    assert [key.text for key in config.query.keys] == [
        "QueryRetrieveLevel=STUDY",
        "StudyInstanceUID=1.2.3",
    ]


def test_config_file_example_and_precedence() -> None:
    conf = str(EXAMPLES / "movescu.conf")
    config = _parse(["--config", conf, "-k", "StudyInstanceUID=1.2.3", "pacs", "104"])
    assert config.network.ae_title == "MOVESCU"
    assert config.network.called_ae_title == "ARCHIVE"
    assert config.query.model is QueryModel.STUDY
    assert config.storage.port == 11113
    assert str(config.output.directory) == "incoming"
    assert config.storage.preferred_transfer_syntax is PreferredTransferSyntax.ACCEPT_ALL
    assert (config.network.connection_timeout, config.network.dimse_timeout) == (10, 60)
    # the file's keys and the command line's are merged per attribute
    assert [key.text for key in config.query.keys] == [
        "QueryRetrieveLevel=STUDY",
        "StudyInstanceUID=1.2.3",
    ]
    # command line > environment > config file
    config = _parse(
        ["--config", conf, "+xe", "-aec", "CLI", "-k", "StudyInstanceUID=1.2.3", "pacs", "104"],
        {"MOVESCU_CALL": "ENV", "MOVESCU_PORT": "11114"},
    )
    assert config.network.called_ae_title == "CLI"
    assert config.storage.port == 11114
    assert config.storage.preferred_transfer_syntax is PreferredTransferSyntax.LITTLE
    # a key for the same attribute: the higher source wins
    config = _parse(
        ["--config", conf, "-k", "QueryRetrieveLevel=SERIES", "pacs", "104"],
        {"MOVESCU_KEY": "StudyInstanceUID=1.2.3"},
    )
    assert [key.text for key in config.query.keys] == [
        "QueryRetrieveLevel=SERIES",
        "StudyInstanceUID=1.2.3",
    ]


@pytest.mark.parametrize("script", ["ci-smoke-orthanc.sh", "third-party-move.sh", "demo.sh"])
def test_shell_scripts_are_valid_bash(script: str) -> None:
    path = EXAMPLES / script
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
