"""storescp's sorting, naming and event options in our Storage SCP, against storescp 3.6.7.

The same objects (two studies) go from DCMTK's storescu to storescp and to our
SCP; directory layouts, file names and commands are compared.  Time stamps in
names are replaced by ``TS`` before comparing.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from tests.integration.scp_support import running_scp
from tests.support.datasets import Collection, write_collection
from tests.support.differential import split_file
from tests.support.peers import free_port
from tests.support.tools import dcmtk_tool

_STAMP = re.compile(r"\d{8}_\d{9}")


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    # two studies of one patient, one CT and one MR series of two images
    return write_collection(
        tmp_path_factory.mktemp("in"), patients=1, studies_per_patient=2, series_per_study=1
    )


def _layout(out: Path) -> list[str]:
    return sorted(_STAMP.sub("TS", str(p.relative_to(out))) for p in out.rglob("*"))


def _send(port: int, files: Sequence[Path], aet: str) -> None:
    subprocess.run(
        [dcmtk_tool("storescu"), "-aet", aet, "127.0.0.1", str(port), *map(str, files)],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _wait_port(port: int) -> None:
    import socket

    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("storescp did not listen")


def storescp(
    options: Sequence[str],
    files: Sequence[Path],
    work: Path,
    aet: str = "SENDER",
    until: Callable[[Path], bool] | None = None,
) -> Path:
    """storescp receives ``files``; it is stopped once ``until(out)`` (at most 15 s).

    storescp goes on after the last response (its commands, its ``-tos`` end of
    study): a test that knows what it must have done waits for it, not a guess.
    """
    out = work / "storescp"
    out.mkdir()
    port = free_port()
    proc = subprocess.Popen(
        [dcmtk_tool("storescp"), "-od", str(out), *options, str(port)],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        _send(port, files, aet)
        if until is None:
            time.sleep(0.3)
        else:
            deadline = time.monotonic() + 15
            while not until(out) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.1)  # and nothing more after it
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def ours(options: Sequence[str], files: Sequence[Path], work: Path, aet: str = "SENDER") -> Path:
    """Our SCP receives ``files``; then the C-MOVE ends (as after a final response)."""
    out = work / "ours"
    with running_scp(out, *options) as scp:
        _send(scp.port, files, aet)
        assert scp.wait_until_idle(30)
        scp.end_of_move()
    return out


@pytest.mark.parametrize(
    "options",
    [
        ["-su", "pre", "-fe", ".dcm"],
        ["-ss", "", "-rns", "-tos", "1"],
        ["-sp", "-tn", "-tos", "1", "-rns"],
    ],
    ids=["su-fe", "ss-rns", "sp-tn-rns"],
)
def test_layout_equals_storescp(studies: Collection, tmp_path: Path, options: list[str]) -> None:
    files = studies.paths
    mine = _layout(ours(options, files, tmp_path))
    # -tos: storescp ends the last study a second after it (then ours is what it did)
    theirs = _layout(storescp(options, files, tmp_path, until=lambda out: _layout(out) == mine))
    assert mine == theirs
    assert len([p for p in mine if "/" in p]) == len(files)


def test_unique_names_as_storescp(studies: Collection, tmp_path: Path) -> None:
    files = studies.paths
    pattern = re.compile(r"(\d+\.\d+(\.\d+)*)")
    theirs = {pattern.sub("UID", n) for n in _layout(storescp(["+uf"], files, tmp_path))}
    mine = {pattern.sub("UID", n) for n in _layout(ours(["+uf"], files, tmp_path))}
    assert mine == theirs == {"CT.X.UID", "MR.X.UID"}


def test_commands_and_end_of_move(studies: Collection, tmp_path: Path) -> None:
    def options(log: Path) -> list[str]:
        return [
            "-su",
            "",
            "-xs",
            "-xcr",
            f"echo R #a #c #f >> {log}",
            "-xcs",
            f"echo S #a >> {log}",
        ]

    files = studies.paths
    out = ours(options(tmp_path / "ours.log"), files, tmp_path)
    mine = (tmp_path / "ours.log").read_text().splitlines()
    theirs_log = tmp_path / "theirs.log"

    def commands_ran(_: Path) -> bool:  # every line ours has but the last one
        return theirs_log.exists() and len(theirs_log.read_text().splitlines()) >= len(mine) - 1

    storescp(options(theirs_log), files, tmp_path, until=commands_ran)
    theirs = theirs_log.read_text().splitlines()
    # storescp ends the first study when the second arrives and never the second
    # (no -tos); ours also ends the second when the C-MOVE ends
    assert mine == [*theirs, "S SENDER"]
    assert theirs[3] == "S SENDER" and theirs[0].startswith("R SENDER ANY-SCP CT.")
    assert len([p for p in out.rglob("*") if p.is_file()]) == len(files)


def test_hostile_calling_ae_title_is_one_word(studies: Collection, tmp_path: Path) -> None:
    hostile = "A$(touch PWN);x"
    log = tmp_path / "a.log"
    options = ["-su", "s", "-xs", "-xcr", f"echo #a #f >> {log}", "-xcs", f"echo #a #p >> {log}"]
    out = ours(options, studies.paths[:1], tmp_path, aet=hostile)
    assert not (tmp_path / "PWN").exists() and not Path("PWN").exists()
    lines = log.read_text().splitlines()
    name = next(out.rglob("CT.*")).name
    assert lines == [f"{hostile} {name}", f"{hostile} {next(out.iterdir())}"]


def test_failing_command_is_logged_and_keeps_the_file(
    studies: Collection, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = ours(["-xs", "-xcr", "exit 3"], studies.paths[:1], tmp_path)
    assert [p.name for p in out.iterdir()] == [f"CT.{studies.instances[0].sop_instance_uid}"]
    assert "command 'exit 3' failed with exit status 3" in caplog.text


def test_bit_preserving_with_extension_as_storescp(studies: Collection, tmp_path: Path) -> None:
    files = studies.paths[:1]
    theirs = storescp(["+B", "-fe", ".dcm"], files, tmp_path)
    mine = ours(["+B", "-fe", ".dcm"], files, tmp_path)
    assert _layout(mine) == _layout(theirs) == [f"CT.{studies.instances[0].sop_instance_uid}.dcm"]
    # the data sets are byte for byte the same (the meta headers name each program)
    ours_meta, ours_data = split_file(next(mine.iterdir()).read_bytes())
    theirs_meta, theirs_data = split_file(next(theirs.iterdir()).read_bytes())
    assert ours_data == theirs_data and ours_meta[0x00020010] == theirs_meta[0x00020010]
