"""``--report FILE`` and the ``-v`` summary line against scripted Move SCPs.

The report's layout is the one ``docs/report.md`` documents and
``docs/report.schema.json`` describes; every report these tests produce is
validated against the schema, and they pin every field a CI tool may read:
request, per-file statuses, counters, the identifier sent, received instances
with their UIDs and transfer syntax, failed SOP instance UIDs, timings, the
exit code and the reason a run failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from tests.support.datasets import Collection, write_collection, write_query
from tests.support.fake_qr import MoveContext, fake_qr, succeed
from tests.support.peers import free_port
from tests.support.reports import read_report

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]
SUMMARY = re.compile(
    r"^I: Summary: (\d+) objects completed, (\d+) failed, (\d+) warning"
    r"(?:; (\d+(?:\.\d)?) (B|kB|MB|GB) received in \d+\.\d\d s \(\d+(?:\.\d)? (?:B|kB|MB|GB)/s\)"
    r"| in \d+\.\d\d s)$"
)


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return write_collection(
        tmp_path_factory.mktemp("objects"), patients=1, studies_per_patient=1, series_per_study=1
    )


def run_with_port(
    run_main, script: Callable[[MoveContext], None], out: Path, *options: str, keys=KEYS
) -> tuple[int, list[str]]:
    port = free_port()
    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        code, lines = run_main(
            ["+P", str(port), "-od", str(out), *options, "127.0.0.1", str(fake.port), *keys]
        )
    return code, lines


def read(report: Path) -> dict[str, Any]:
    return read_report(report)


def failed_list(*uids: str) -> Dataset:
    identifier = Dataset()
    identifier.FailedSOPInstanceUIDList = list(uids)
    return identifier


def test_report_lists_request_moves_received_instances_and_failures(run_main, objects, tmp_path):
    paths = [i.path for i in objects.instances]

    def script(ctx: MoveContext) -> None:
        ctx.store(paths)
        ctx.pending(0, len(paths))
        ctx.respond(
            0xB000,
            completed=len(paths),
            failed=1,
            warning=0,
            dataset=failed_list("1.2.3.4.5"),
        )

    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines = run_with_port(run_main, script, out, "--report", str(report))
    assert code == 68, lines
    document = read(report)
    assert document["report_version"] == 3
    assert document["error"] is None
    assert (document["program"], document["dcmtk_version"]) == ("movescu", "3.6.7")
    assert (document["exit_code"], document["exit_name"]) == (68, "CMOVE_WARNING")
    assert document["request"] == {
        "query_model": "patient",
        "query_files": [],
        "keys": ["QueryRetrieveLevel=PATIENT", "PatientID=PAT001"],
        "repeat": 1,
        "storage_port": document["request"]["storage_port"],
        "output_directory": str(out),
        "ignore": False,
    }
    assert isinstance(document["request"]["storage_port"], int)
    assert document["peer"]["called_ae_title"] == "ANY-SCP"
    assert document["move_destination"] == "MOVESCU"
    [move] = document["moves"]
    assert move["failed_sop_instance_uids"] == ["1.2.3.4.5"]
    assert isinstance(move["seconds"], float) and move["seconds"] >= 0
    assert {k: move[k] for k in ("status", "status_text", "completed", "failed", "warning")} == {
        "status": "0xB000",
        "status_text": "Warning: SubOperationsCompleteOneOrMoreFailures",
        "completed": len(paths),
        "failed": 1,
        "warning": 0,
    }
    assert (move["message_id"], move["pending_responses"], move["remaining"]) == (1, 1, None)
    assert (move["outcome"], move["error"]) == ("final", None)
    assert move["identifier"] == {
        "00080052": {"vr": "CS", "Value": ["PATIENT"]},
        "00100020": {"vr": "LO", "Value": ["PAT001"]},
    }
    assert document["totals"] == {"moves": 1, "completed": len(paths), "failed": 1, "warning": 0}
    assert document["failed_sop_instance_uids"] == ["1.2.3.4.5"]
    received = document["received"]
    assert (received["objects"], received["stored"], received["failed"]) == (
        len(paths),
        len(paths),
        0,
    )
    assert received["bytes"] >= sum(p.stat().st_size for p in paths) // 2
    instances = {entry["sop_instance_uid"]: entry for entry in received["instances"]}
    assert set(instances) == objects.sop_instance_uids
    for instance in objects.instances:
        entry = instances[instance.sop_instance_uid]
        assert entry["sop_class_uid"] == instance.sop_class_uid
        assert entry["transfer_syntax"] == "1.2.840.10008.1.2.1"
        assert entry["status"] == "0x0000"
        assert Path(entry["path"]).is_file()
    assert sorted(received["files"]) == sorted(e["path"] for e in received["instances"])
    assert received["failed_sop_instance_uids"] == []
    timings = document["timings"]
    assert timings["started_at"] <= timings["finished_at"]
    assert timings["seconds"] >= move["seconds"]


def test_report_has_one_entry_per_query_file_and_repeat(run_main, objects, tmp_path):
    first = write_query(tmp_path / "a.dcm", "PATIENT", PatientID="PAT001")
    second = write_query(tmp_path / "b.dcm", "PATIENT", PatientID="PAT002")

    def script(ctx: MoveContext) -> None:
        if ctx.message_id % 2 == 0:
            ctx.respond(0xA702, completed=0, failed=0, warning=0)
        else:
            succeed(1)(ctx)

    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines = run_with_port(
        run_main,
        script,
        out,
        "--repeat",
        "2",
        "--report",
        str(report),
        keys=[str(first), str(second)],
    )
    assert code == 69, lines
    document = read(report)
    assert document["request"]["query_files"] == [str(first), str(second)]
    assert document["request"]["repeat"] == 2
    moves = [(m["message_id"], m["source"], m["status"]) for m in document["moves"]]
    assert moves == [
        (1, str(first), "0x0000"),
        (2, str(first), "0xA702"),
        (3, str(second), "0x0000"),
        (4, str(second), "0xA702"),
    ]
    assert document["totals"]["completed"] == 2
    assert document["exit_name"] == "CMOVE_ERROR"
    assert document["received"]["objects"] == 0


def fatal_text(lines: list[str]) -> str:
    """The ``F:`` lines main logged, as the report's ``error`` holds them."""
    return "\n".join(line[3:] for line in lines if line.startswith("F: "))


def test_report_says_why_the_association_could_not_be_requested(run_main, tmp_path):
    report = tmp_path / "report.json"
    code, lines = run_main(["-v", "--report", str(report), "127.0.0.1", str(free_port()), *KEYS])
    assert code == 61
    document = read(report)
    assert (document["exit_code"], document["moves"], document["received"]) == (61, [], None)
    assert document["exit_name"] == "CANNOT_NEGOTIATE_ASSOCIATION"
    assert document["timings"]["seconds"] >= 0
    assert document["error"].startswith("Association Request Failed:\n"), document["error"]
    assert "Connection refused" in document["error"]
    assert document["error"] == fatal_text(lines)
    # no move was sent: no summary line
    assert not any(line.startswith("I: Summary:") for line in lines)


def test_report_says_why_the_association_was_rejected(run_main, tmp_path):
    report = tmp_path / "report.json"
    with fake_qr(succeed(1), require_called_aet=True) as fake:
        code, lines = run_main(
            ["-aec", "WRONG", "--report", str(report), "127.0.0.1", str(fake.port), *KEYS]
        )
    assert code == 61, lines
    document = read(report)
    assert document["error"] == fatal_text(lines)
    assert document["error"].splitlines()[0] == "Association Rejected:"
    assert "Called AE Title Not Recognized" in document["error"]
    assert document["moves"] == []


def test_report_of_a_move_that_failed_at_dimse_level_has_its_last_counters(
    run_main, objects, tmp_path
):
    def script(ctx: MoveContext) -> None:
        ctx.pending(3, 1)
        ctx.pending(2, 2)
        ctx.abort()

    report = tmp_path / "report.json"
    code, lines = run_with_port(run_main, script, tmp_path, "--report", str(report))
    assert code == 69, lines
    document = read(report)
    [move] = document["moves"]
    assert (move["outcome"], move["status"], move["pending_responses"]) == ("failed", None, 2)
    assert move["error"] and move["error"].startswith("0006:"), move
    counters = {k: move[k] for k in ("remaining", "completed", "failed", "warning")}
    assert counters == {"remaining": 2, "completed": 2, "failed": 0, "warning": 0}
    # the totals sum final responses only
    assert document["totals"] == {"moves": 1, "completed": 0, "failed": 0, "warning": 0}
    assert document["error"] is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp / "missing-directory" / "report.json", "No such file or directory"),
        (lambda tmp: tmp, "Is a directory"),
        (lambda tmp: tmp / "a-file" / "report.json", "Not a directory"),
        # sysfs refuses new files even to root
        (lambda tmp: Path("/sys/movescu-report.json"), "Permission denied"),
    ],
    ids=["missing-directory", "a-directory", "under-a-file", "not-permitted"],
)
def test_unwritable_report_is_refused_before_any_network_activity(
    run_main, tmp_path, make, reason
):
    (tmp_path / "a-file").write_text("")
    report = make(tmp_path)
    port = free_port()
    with fake_qr(succeed(2)) as fake:
        code, lines = run_main(
            ["+P", str(port), "--report", str(report), "127.0.0.1", str(fake.port), *KEYS]
        )
        # nothing was sent: no association, and our +P port was never bound
        assert (fake.associations, fake.requests) == ([], [])
    assert code == 40
    assert lines == [f"F: cannot write report file: {report}: {reason}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_report_that_can_no_longer_be_written_at_the_end_is_an_error_line(
    run_main, tmp_path, monkeypatch
):
    """Checked at the start; gone at the end (the directory was removed): one ``E:`` line."""
    from movescu import cli

    directory = tmp_path / "reports"
    report = directory / "report.json"
    monkeypatch.setattr(cli, "check_report_file", lambda config: None)
    with fake_qr(succeed(2)) as fake:
        code, lines = run_main(["--report", str(report), "127.0.0.1", str(fake.port), *KEYS])
        assert len(fake.requests) == 1
    assert code == 0
    assert lines == [f"E: cannot write report file: {report}: No such file or directory"]
    assert not directory.exists()


def test_summary_is_the_last_line_at_verbose(run_main, objects, tmp_path):
    paths = [i.path for i in objects.instances]

    def script(ctx: MoveContext) -> None:
        ctx.store(paths)
        ctx.pending(0, len(paths))
        ctx.respond(0x0000, completed=len(paths), failed=0, warning=0)

    code, lines = run_with_port(run_main, script, tmp_path, "-v", "--repeat", "2")
    assert code == 0, lines
    assert lines[-2] == "I: Releasing Association"
    match = SUMMARY.match(lines[-1])
    assert match, lines[-1]
    assert match.group(1, 2, 3) == (str(2 * len(paths)), "0", "0")
    assert match.group(4) is not None  # +P: bytes received
    assert sum(line.startswith("I: Summary:") for line in lines) == 1


def test_summary_without_port_has_no_bytes_and_is_not_shown_by_default(run_main):
    with fake_qr(succeed(3)) as fake:
        code, lines = run_main(["-v", "127.0.0.1", str(fake.port), *KEYS])
        quiet_code, default_lines = run_main(["127.0.0.1", str(fake.port), *KEYS])
    assert (code, quiet_code) == (0, 0)
    match = SUMMARY.match(lines[-1])
    assert match and match.group(1, 2, 3, 4) == ("3", "0", "0", None), lines[-1]
    assert default_lines == []


def documented_fields() -> set[str]:
    """Field paths named in the first column of docs/report.md's field table."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text(encoding="utf-8")
    table = text[text.index("## Fields") :]
    fields: set[str] = set()
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        first = row.split("|")[1]
        names = re.findall(r"`([^`]+)`", first)
        base = names[0].rsplit(".", 1)[0] if "." in names[0] else ""
        for name in names:
            fields.add(base + name if name.startswith(".") else name)
    return fields


def field_paths(value: Any, prefix: str = "") -> set[str]:
    """The leaf fields of a report (``moves[].status``); lists of scalars are leaves."""
    if isinstance(value, dict):
        paths: set[str] = set()
        for key, item in value.items():
            paths |= field_paths(item, f"{prefix}.{key}" if prefix else key)
        return paths
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return set().union(*(field_paths(item, f"{prefix}[]") for item in value))
    return {prefix}


def test_every_report_field_is_documented_in_report_md(run_main, objects, tmp_path):
    def script(ctx: MoveContext) -> None:
        ctx.store([objects.instances[0].path])
        ctx.respond(0xB000, completed=1, failed=1, warning=0, dataset=failed_list("1.2.3"))

    report = tmp_path / "report.json"
    code, lines = run_with_port(run_main, script, tmp_path, "--report", str(report))
    assert code == 68, lines
    documented = documented_fields()
    # a row may name a group ("peer", "received.instances[]") and describe its members
    groups = {"peer", "received.instances[]", "moves[].identifier"}
    undocumented = {
        path
        for path in field_paths(read(report))
        if path not in documented and not any(path.startswith(g + ".") for g in groups)
    }
    assert undocumented == set()


def test_report_lists_an_identifier_value_that_does_not_fit_its_vr_as_sent(run_main, tmp_path):
    report = tmp_path / "report.json"
    keys = [*KEYS, "-k", "SliceThickness=x", "-k", "StudyDate=20260101"]
    with fake_qr(succeed(1)) as fake:
        code, lines = run_main(["--report", str(report), "127.0.0.1", str(fake.port), *keys])
    assert code == 0, lines
    [move] = read(report)["moves"]
    assert move["identifier"]["00180050"] == {"vr": "DS", "Value": ["x"]}
    assert move["identifier"]["00080020"] == {"vr": "DA", "Value": ["20260101"]}


def test_report_says_why_a_query_file_was_refused(run_main, tmp_path):
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"garbage\n")
    report = tmp_path / "report.json"
    with fake_qr(succeed(1)) as fake:
        code, lines = run_main(["--report", str(report), "127.0.0.1", str(fake.port), str(bad)])
        assert fake.associations == []
    assert code == 22, lines
    document = read(report)
    assert document["error"] == f"bad DICOM file: {bad}: I/O suspension or premature end of stream"
    assert lines[-1] == "E: " + document["error"]
    assert (document["exit_name"], document["moves"]) == ("INVALID_INPUT_FILE", [])
