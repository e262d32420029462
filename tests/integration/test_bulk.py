"""Many moves in one run against scripted Move SCPs: key lists, retries, parallel, resume.

The fake Move SCP stores real objects to our ``+P`` Storage SCP; failures are
injected half-way (the sub-association dropped after N objects, a final status
with failed sub-operations, an A-ABORT during the move, a peer that refuses
connections) and the retries, the exit codes and the report's ``bulk`` part
are checked.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from tests.support.datasets import Collection, write_collection
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port
from tests.support.reports import read_report


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    """1 patient, 3 studies of 1 series x 2 images."""
    return write_collection(
        tmp_path_factory.mktemp("objects"), patients=1, studies_per_patient=3, series_per_study=1
    )


def study_uids(objects: Collection) -> list[str]:
    return sorted({i.study_uid for i in objects.instances})


def key_list(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def serve_by_key(objects: Collection, fail: dict[str, Any] | None = None):
    """A script storing what the identifier asks for (StudyInstanceUID / SOPInstanceUID)."""
    fail = fail if fail is not None else {}

    def script(ctx: MoveContext) -> None:
        # bulk message IDs are unique in a run: the request of this context
        request = next(r for r in ctx.fake.requests if r.message_id == ctx.message_id)
        identifier = request.identifier
        wanted = [i for i in objects.instances if i.study_uid == identifier.StudyInstanceUID]
        if "SOPInstanceUID" in identifier and identifier.SOPInstanceUID:
            uids = identifier.SOPInstanceUID
            uids = [uids] if isinstance(uids, str) else list(uids)
            wanted = [i for i in wanted if i.sop_instance_uid in uids]
        key = str(identifier.StudyInstanceUID)
        how = fail.get(key)
        if how and how["times"] > 0:
            how["times"] -= 1
            if how["kind"] == "abort":
                ctx.pending(len(wanted), 0)
                ctx.abort()
                return
            if how["kind"] == "drop":
                n = how["after"]
                ctx.store([i.path for i in wanted], drop_after=n)
                missing = Dataset()
                missing.FailedSOPInstanceUIDList = [i.sop_instance_uid for i in wanted[n:]]
                ctx.respond(
                    0xB000, completed=n, failed=len(wanted) - n, warning=0, dataset=missing
                )
                return
            ctx.respond(0xC000, completed=0, failed=len(wanted), warning=0)
            return
        ctx.store([i.path for i in wanted])
        ctx.respond(0x0000, completed=len(wanted), failed=0, warning=0)

    return script


def run(run_main, script, out: Path, *options: str, keys=("QueryRetrieveLevel=STUDY",)):
    port = free_port()
    argv = ["+P", str(port), "-od", str(out), "-v", *options]
    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        code, lines = run_main(
            [*argv, "127.0.0.1", str(fake.port), *[a for k in keys for a in ("-k", k)]]
        )
    return code, lines, fake


def received_uids(out: Path) -> list[str]:
    return sorted(str(dcmread(p).SOPInstanceUID) for p in out.iterdir() if p.is_file())


def read(report: Path) -> dict[str, Any]:
    return read_report(report)  # valid against docs/report.schema.json


def test_key_list_sends_one_move_per_row_in_order(run_main, objects, tmp_path):
    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", uids)
    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines, fake = run(
        run_main, serve_by_key(objects), out, "--key-list", str(keys), "--report", str(report)
    )
    assert code == 0, lines
    assert [str(r.identifier.StudyInstanceUID) for r in fake.requests] == uids
    assert all(r.identifier.QueryRetrieveLevel == "STUDY" for r in fake.requests)
    assert received_uids(out) == sorted(objects.sop_instance_uids)
    document = read(report)
    assert document["bulk"]["counts"] == {
        "done": 3,
        "failed": 0,
        "interrupted": 0,
        "not-started": 0,
    }
    assert [m["source"] for m in document["bulk"]["moves"]] == [f"{keys}:{n}" for n in (2, 3, 4)]
    assert [m["move"] for m in document["moves"]] == [1, 2, 3]
    assert document["totals"]["completed"] == len(objects.instances)
    assert f"I: Move 2 of 3 ({keys}:3): done" in lines
    assert "I: Moves: 3 done, 0 failed, 0 interrupted, 0 not started; 0 retried" in lines


def test_key_list_tag_header_and_values_override_k(run_main, objects, tmp_path):
    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", '"0020,000D","(0008,0052)"', [f"{uids[0]},STUDY"])
    out = tmp_path / "out"
    out.mkdir()
    code, lines, fake = run(
        run_main,
        serve_by_key(objects),
        out,
        "--key-list",
        str(keys),
        keys=("QueryRetrieveLevel=PATIENT", f"StudyInstanceUID={uids[1]}"),
    )
    assert code == 0, lines
    assert [str(r.identifier.StudyInstanceUID) for r in fake.requests] == [uids[0]]
    assert fake.requests[0].identifier.QueryRetrieveLevel == "STUDY"


def test_dropped_sub_association_is_retried_for_the_missing_instances(run_main, objects, tmp_path):
    """IMAGE level: the retry asks only for what the Failed SOP Instance UID List names."""
    study = study_uids(objects)[0]
    instances = [i.sop_instance_uid for i in objects.of_study(study)]
    fail = {study: {"kind": "drop", "after": 1, "times": 1}}
    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines, fake = run(
        run_main,
        serve_by_key(objects, fail),
        out,
        "--retry",
        "2",
        "--report",
        str(report),
        keys=(
            "QueryRetrieveLevel=IMAGE",
            f"StudyInstanceUID={study}",
            "SOPInstanceUID=" + "\\".join(instances),
        ),
    )
    assert code == 0, lines
    assert len(fake.requests) == 2
    assert str(fake.requests[1].identifier.SOPInstanceUID) == instances[1]
    assert received_uids(out) == sorted(instances)
    assert any(line.startswith("W: Retrying move 1 (") for line in lines), lines
    document = read(report)
    move = document["bulk"]["moves"][0]
    assert (move["state"], move["attempts"]) == ("done", 2)
    assert move["requested_sop_instance_uids"] == [instances[1]]
    assert [(m["attempt"], m["status"]) for m in document["moves"]] == [
        (1, "0xB000"),
        (2, "0x0000"),
    ]
    assert document["moves"][0]["failed_sop_instance_uids"] == [instances[1]]


def test_study_level_failure_is_retried_with_the_same_identifier(run_main, objects, tmp_path):
    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", uids[:2])
    fail = {uids[1]: {"kind": "status", "times": 5}}
    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines, fake = run(
        run_main,
        serve_by_key(objects, fail),
        out,
        "--key-list",
        str(keys),
        "--retry",
        "1",
        "--retry-wait",
        "0.1",
        "--report",
        str(report),
    )
    # the last attempt of move 2 failed: 69, as one failed C-MOVE gives
    assert code == 69, lines
    requested = [str(r.identifier.StudyInstanceUID) for r in fake.requests]
    assert requested == [uids[0], uids[1], uids[1]]
    assert "SOPInstanceUID" not in fake.requests[2].identifier
    document = read(report)
    states = [(m["state"], m["attempts"]) for m in document["bulk"]["moves"]]
    assert states == [("done", 1), ("failed", 2)]
    assert any("Move 2 of 2" in line and "failed after 2 attempts" in line for line in lines)


def test_aborted_move_is_retried_on_a_new_association(run_main, objects, tmp_path):
    study = study_uids(objects)[0]
    fail = {study: {"kind": "abort", "times": 1}}
    out = tmp_path / "out"
    out.mkdir()
    code, lines, fake = run(
        run_main,
        serve_by_key(objects, fail),
        out,
        "--retry",
        "1",
        keys=("QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study}"),
    )
    assert code == 0, lines
    assert len(fake.requests) == 2
    assert len(fake.associations) == 2
    assert received_uids(out) == sorted(i.sop_instance_uid for i in objects.of_study(study))


def test_association_failure_is_retried_and_its_code_returned(run_main, tmp_path):
    report = tmp_path / "report.json"
    port = free_port()
    code, lines = run_main(
        ["--retry", "2", "--report", str(report), "127.0.0.1", str(port)]
        + ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3"]
    )
    assert code == 61, lines
    document = read(report)
    assert document["bulk"]["moves"][0]["attempts"] == 3
    assert document["bulk"]["moves"][0]["state"] == "failed"
    assert len(document["moves"]) == 3
    assert sum(1 for line in lines if line.startswith("W: Retrying move 1")) == 2


def test_parallel_moves_overlap_and_stay_in_input_order(run_main, objects, tmp_path):
    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", uids)
    active = [0, 0]
    changed = threading.Condition()
    inner = serve_by_key(objects)

    def script(ctx: MoveContext) -> None:
        with changed:
            active[0] += 1
            active[1] = max(active)
            changed.notify_all()
            # the first move waits for a second one (a run that moves one at a time
            # never brings it: the wait ends, and the assertion below fails)
            changed.wait_for(lambda: active[1] >= 2, timeout=10)
        try:
            inner(ctx)
        finally:
            with changed:
                active[0] -= 1

    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    code, lines, fake = run(
        run_main,
        script,
        out,
        "--key-list",
        str(keys),
        "--parallel",
        "3",
        "--report",
        str(report),
    )
    assert code == 0, lines
    assert active[1] >= 2
    assert received_uids(out) == sorted(objects.sop_instance_uids)
    document = read(report)
    assert [m["move"] for m in document["moves"]] == [1, 2, 3]
    assert [m["source"] for m in document["bulk"]["moves"]] == [f"{keys}:{n}" for n in (2, 3, 4)]
    assert len(fake.associations) == 3


def test_resume_sends_only_what_did_not_complete(run_main, objects, tmp_path):
    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", uids)
    out = tmp_path / "out"
    out.mkdir()
    first = tmp_path / "first.json"
    fail = {uids[1]: {"kind": "status", "times": 1}}
    code, lines, _ = run(
        run_main,
        serve_by_key(objects, fail),
        out,
        "--key-list",
        str(keys),
        "--report",
        str(first),
    )
    assert code == 69, lines
    second = tmp_path / "second.json"
    code, lines, fake = run(
        run_main,
        serve_by_key(objects),
        out,
        "--key-list",
        str(keys),
        "--resume",
        str(first),
        "--report",
        str(second),
    )
    assert code == 0, lines
    assert [str(r.identifier.StudyInstanceUID) for r in fake.requests] == [uids[1]]
    document = read(second)
    assert [m["state"] for m in document["bulk"]["moves"]] == ["done"] * 3
    assert [m["done_before"] for m in document["bulk"]["moves"]] == [True, False, True]
    assert received_uids(out) == sorted(objects.sop_instance_uids)
    # a third run has nothing left to do
    code, lines, fake = run(
        run_main, serve_by_key(objects), out, "--key-list", str(keys), "--resume", str(second)
    )
    assert code == 0, lines
    assert fake.requests == []


def test_resume_of_a_study_dropped_half_way_writes_nothing_again(run_main, tmp_path):
    # 1 study of 4 images; the Move SCP drops the sub-association after 1, then after 2
    objects = write_collection(
        tmp_path / "objects",
        patients=1,
        studies_per_patient=1,
        series_per_study=1,
        images_per_series=4,
    )
    (uid,) = study_uids(objects)
    order = [i.sop_instance_uid for i in objects.instances]
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", [uid])
    out = tmp_path / "out"
    out.mkdir()

    def files() -> dict[str, tuple[int, int]]:
        found = {}
        for path in out.iterdir():
            stat = path.stat()
            found[str(dcmread(path).SOPInstanceUID)] = (stat.st_ino, stat.st_mtime_ns)
        return found

    def resumed(report: Path, resume: Path | None, drop: int | None):
        fail = {uid: {"kind": "drop", "after": drop, "times": 1}} if drop else {}
        options = ["--key-list", str(keys), "--report", str(report)]
        if resume is not None:
            options += ["--resume", str(resume)]
        return run(run_main, serve_by_key(objects, fail), out, *options)

    first, second, third = (tmp_path / f"run{n}.json" for n in (1, 2, 3))
    code, lines, _ = resumed(first, None, 1)
    assert code != 0, lines
    assert read(first)["bulk"]["moves"][0]["state"] == "failed"
    after_first = files()
    assert sorted(after_first) == order[:1]
    time.sleep(0.05)  # a rewrite would show in the mtime too

    # the STUDY move cannot be narrowed: sent whole, the first image is not written again
    code, lines, fake = resumed(second, first, 2)
    assert code != 0, lines
    assert [str(r.identifier.StudyInstanceUID) for r in fake.requests] == [uid]
    after_second = files()
    assert sorted(after_second) == sorted(order[:2])
    assert after_second[order[0]] == after_first[order[0]]
    skipped = [line for line in lines if "Already received by the resumed run" in line]
    assert len(skipped) == 1, lines
    assert skipped[0].startswith("I: ") and skipped[0].endswith(order[0]), skipped
    assert not any("already exists" in line for line in lines), lines
    document = read(second)
    instances = {i["sop_instance_uid"]: i for i in document["received"]["instances"]}
    assert sorted(instances) == sorted(order[:2])
    written = next(p for p in out.iterdir() if p.name.endswith(order[0]))
    assert instances[order[0]]["status"] == "0x0000"
    assert Path(instances[order[0]]["path"]).samefile(written)
    time.sleep(0.05)

    # resuming the second report: both images it knows of stay as they are
    code, lines, fake = resumed(third, second, None)
    assert code == 0, lines
    after_third = files()
    assert sorted(after_third) == sorted(order)
    for known in order[:2]:
        assert after_third[known] == after_second[known], known
    assert len([line for line in lines if "Already received by the resumed run" in line]) == 2
    document = read(third)
    assert document["bulk"]["moves"][0]["state"] == "done"
    assert sorted(i["sop_instance_uid"] for i in document["received"]["instances"]) == sorted(
        order
    )
    assert all(i["status"] == "0x0000" for i in document["received"]["instances"])


def test_resume_with_another_key_list_is_refused(run_main, objects, tmp_path):
    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", uids)
    out = tmp_path / "out"
    out.mkdir()
    first = tmp_path / "first.json"
    code, lines, _ = run(
        run_main, serve_by_key(objects), out, "--key-list", str(keys), "--report", str(first)
    )
    assert code == 0, lines
    other = key_list(tmp_path / "other.csv", "StudyInstanceUID", uids[:2])
    code, lines, fake = run(
        run_main, serve_by_key(objects), out, "--key-list", str(other), "--resume", str(first)
    )
    assert code == 22
    assert any("bad resume report" in line and "lists 3 moves" in line for line in lines)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("parallel", "states"),
    [
        ("2", ["interrupted", "interrupted", "not-started"]),
    ],
)
def test_ctrl_c_aborts_every_parallel_move_and_reports_what_is_left(
    run_main, objects, tmp_path, parallel, states
):
    import _thread

    uids = study_uids(objects)
    keys = key_list(tmp_path / "uids.csv", "StudyInstanceUID", uids)
    started = threading.Semaphore(0)

    def script(ctx: MoveContext) -> None:
        started.release()
        ctx.pending(2, 0)
        ctx.wait(20)

    def interrupt() -> None:
        for _ in range(int(parallel)):
            started.acquire(timeout=10)
        time.sleep(0.2)
        _thread.interrupt_main()

    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.json"
    threading.Thread(target=interrupt, daemon=True).start()
    begin = time.monotonic()
    code, lines, fake = run(
        run_main,
        script,
        out,
        "--key-list",
        str(keys),
        "--parallel",
        parallel,
        "--report",
        str(report),
    )
    assert code == 130, lines
    assert time.monotonic() - begin < 10
    assert len(fake.requests) == int(parallel)
    document = read(report)
    assert [m["state"] for m in document["bulk"]["moves"]] == states
    assert document["exit_code"] == 130
    assert threading.active_count() < 10
