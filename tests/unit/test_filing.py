"""storescp's naming, placeholders and option rules in movescu (issue 15), pure."""

from __future__ import annotations

import subprocess
from datetime import datetime

import pytest

from movescu.cli import parse_command_line
from movescu.config import Config, FilingOptions, StudySorting
from movescu.errors import UsageError
from movescu.output import naming

NOW = datetime(2026, 12, 4, 9, 5, 7, 123456)
CT = "1.2.840.10008.5.1.4.1.1.2"
_BASE = ["+P", "11112", "-k", "0008,0052=STUDY", "127.0.0.1", "104"]


def parse_ok(args: list[str]) -> Config:
    config = parse_command_line([*args, *_BASE], {})
    assert isinstance(config, Config)
    return config


def parse_error(args: list[str]) -> str:
    with pytest.raises(UsageError) as caught:
        parse_command_line([*args, *_BASE], {})
    return str(caught.value)


def test_study_directory_names() -> None:
    sd = naming.study_directory_name
    assert sd(StudySorting.TIMESTAMP, "p", "1.2", "", NOW) == "p_20261204_090507123"
    assert sd(StudySorting.TIMESTAMP, "", "1.2", "", NOW) == "20261204_090507123"
    assert sd(StudySorting.STUDY_UID, "p", "1.2", "", NOW) == "p_1.2"
    assert sd(StudySorting.STUDY_UID, "", "1.2", "", NOW) == "1.2"
    assert sd(StudySorting.PATIENT_NAME, "", "1", "Doe^Jöhn", NOW) == "Doe_John_20261204_090507123"
    assert sd(StudySorting.PATIENT_NAME, "", "1", "", NOW) == "ANONYMOUS_20261204_090507123"
    # hostile values stay one component without shell syntax
    assert sd(StudySorting.PATIENT_NAME, "", "1", "a/$(x);`", NOW) == "a___x____20261204_090507123"
    assert sd(StudySorting.STUDY_UID, "", "../..", "", NOW) == ".._.."


def test_file_names() -> None:
    assert naming.unique_file_name(CT, "2.25.1", ".dcm") == "CT.X.2.25.1.dcm"
    assert naming.time_file_name(CT, NOW, None) == "20261204090507123.CT"
    assert naming.time_file_name(CT, NOW, 3, ".dcm") == "20261204090507123_0003.CT.dcm"
    assert naming.renamed_file_name("CT.1.2.3", 7, False) == "CT000007"
    assert naming.renamed_file_name("20261204090507123.MR", 1, True) == "MR000001"
    assert naming.renamed_file_name("20261204090507123_0001.MR.dcm", 2, True) == "MR000002"


def test_placeholders_are_quoted_once() -> None:
    values = {"#p": "/out/s 1", "#f": "CT.1.2", "#a": "A$(touch x);", "#c": "#f", "#r": "h"}
    command = naming.expand_command("echo #p/#f #a #c #r #x", values)
    assert command == "echo '/out/s 1'/CT.1.2 'A$(touch x);' '#f' h #x"
    out = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=True)
    assert out.stdout == "/out/s 1/CT.1.2 A$(touch x); #f h\n"  # " #x": a shell comment
    # placeholders without a value (#f in -xcs, #p/#f with --ignore) stay as typed
    assert naming.expand_command("x #f #a", {"#a": "A"}) == "x #f A"


def test_options_default_off_and_evaluate() -> None:
    assert parse_ok([]).filing == FilingOptions()
    filing = parse_ok(
        ["-ss", "a", "-su", "b", "+uf", "-uf", "-fe", ".dcm", "-xcr", "c", "-xcs", "d"]
        + ["-rns", "-tos", "5", "-xs"]
    ).filing
    assert filing == FilingOptions(
        StudySorting.STUDY_UID, "b", False, False, ".dcm", "c", "d", True, 5, True
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["+B", "-sp"], "--sort-on-patientname not allowed with --bit-preserving"),
        (["-ss", "x", "+B"], "--sort-conc-studies not allowed with --bit-preserving"),
        (["+uf", "-tn"], "--timenames not allowed with --unique-filenames"),
        (
            ["-xcs", "x"],
            "--exec-on-eostudy only allowed with --sort-conc-studies, "
            "--sort-on-study-uid or --sort-on-patientname",
        ),
        (
            ["-tos", "1"],
            "--eostudy-timeout only allowed with --sort-conc-studies, --sort-on-study-uid, "
            "--sort-on-patientname, --exec-on-eostudy or --rename-on-eostudy",
        ),
        (["-su", "", "-tos", "-1"], "Invalid value for option --eostudy-timeout (underflow: -1)"),
    ],
)
def test_storescp_conflicts_and_messages(args: list[str], message: str) -> None:
    assert parse_error(args) == message


class _Assoc:
    def __init__(self) -> None:
        self.alive = True

    def is_alive(self) -> bool:
        return self.alive


def _filing(tmp_path, caplog=None, **kw: object):
    from movescu.output.events import Peer, StudyFiling

    options = FilingOptions(StudySorting.STUDY_UID, "", **kw)  # type: ignore[arg-type]
    return StudyFiling(options, tmp_path), Peer("CALLING", "CALLED", "host")


def _store(filing, peer, study: str, number: int, assoc: _Assoc) -> None:
    path = filing.path_for(CT, f"1.{number}", study, "", assoc, peer)
    path.write_bytes(b"x")
    filing.stored(path, study, assoc, peer)


def test_parallel_associations_do_not_end_each_others_studies(tmp_path) -> None:
    log = tmp_path / "log"
    filing, peer = _filing(tmp_path, exec_on_eostudy=f"echo #p >> {log}", exec_sync=True)
    one, two = _Assoc(), _Assoc()
    _store(filing, peer, "1.1", 1, one)
    _store(filing, peer, "2.2", 2, two)  # study 1.1 is still delivered by `one`
    _store(filing, peer, "1.1", 3, one)
    assert not log.exists()
    one.alive = False
    _store(filing, peer, "2.2", 4, two)  # now 1.1 has ended (as in storescp)
    assert log.read_text() == f"{tmp_path / '1.1'}\n"
    two.alive = False
    filing.end_of_move()
    assert log.read_text().splitlines() == [str(tmp_path / "1.1"), str(tmp_path / "2.2")]


def test_timeout_ends_and_renames_a_study(tmp_path) -> None:
    import time

    filing, peer = _filing(tmp_path, rename_on_eostudy=True, eostudy_timeout=1)
    assoc = _Assoc()
    assoc.alive = False
    _store(filing, peer, "1.1", 2, assoc)
    _store(filing, peer, "1.1", 1, assoc)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (tmp_path / "1.1" / "CT000002").exists():
        time.sleep(0.01)
    filing.close()
    # numbered in reception order
    assert (tmp_path / "1.1" / "CT000001").exists() and (tmp_path / "1.1" / "CT000002").exists()


def test_failed_rename_is_logged_and_replaces_nothing(tmp_path, caplog) -> None:
    filing, peer = _filing(tmp_path, rename_on_eostudy=True)
    assoc = _Assoc()
    (tmp_path / "1.1").mkdir()
    (tmp_path / "1.1" / "CT000001").write_bytes(b"old")  # e.g. a previous run's -rns
    _store(filing, peer, "1.1", 5, assoc)
    assoc.alive = False
    filing.end_of_move()
    path, new = tmp_path / "1.1" / "CT.1.5", tmp_path / "1.1" / "CT000001"
    assert f"cannot rename file '{path}' to '{new}'" in caplog.text
    assert path.read_bytes() == b"x" and new.read_bytes() == b"old"


def test_time_names_never_repeat_within_a_millisecond(tmp_path) -> None:
    from movescu.output.events import Peer, StudyFiling

    filing = StudyFiling(FilingOptions(time_names=True), tmp_path, clock=lambda: NOW)
    peer, assoc = Peer("A", "C", "h"), _Assoc()
    mr = "1.2.840.10008.5.1.4.1.1.4"
    names = [filing.path_for(c, "1", None, "", assoc, peer).name for c in (CT, CT, mr, CT)]
    assert names == [
        "20261204090507123.CT",
        "20261204090507123_0000.CT",  # storescp's serial for the same name in a row
        "20261204090507123.MR",
        "20261204090507123_0001.CT",  # storescp would write "...123.CT" again
    ]
