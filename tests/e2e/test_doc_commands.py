"""The shell commands of README.md, docs/ and examples/ run as written, against local peers.

A ```` ```sh ```` block preceded by an HTML comment ``<!-- check: PEER -->`` (invisible
when the Markdown is rendered) is run here with ``bash -e``; PEER is ``dcmqrscp``,
``orthanc`` or ``none`` (the block needs no peer), and ``exit=N`` after it gives the
expected exit code (default 0).  ``<!-- check: skip REASON -->`` says why a block
cannot run here (other machines, a real PACS).  Every ``sh`` block of every
document carries one of the two: an unmarked block fails the test.  The docs'
placeholders are replaced by the test's peers, which listen on 127.0.0.1 and free
ports:

* ``pacs 104`` (also ``pacs.example 104`` and ``pacs.example.org 104``) -> the
  peer's address and port (its AE title is ``ARCHIVE``, as in most docs: ``-aec
  PACS`` becomes ``-aec ARCHIVE``), also in ``examples/site.args`` and
  ``examples/movescu.conf``;
  ``http://localhost:8042`` -> Orthanc's REST API;
* ``11113`` (our ``+P`` port) -> a free port that both peers know as ``MOVESCU``
  and ``CI_PROBE``;
  ``VIEWER`` is a DCMTK storescp both peers know;
* ``StudyInstanceUID=1.2.3`` and ``PatientID=12345`` -> a study and a patient the
  peers hold; ``$KNOWN_STUDY`` is that study too, and ``uids.csv`` a key list
  naming it.

Every block runs in one temporary copy of the repository (all on one xdist
worker), with ``incoming`` and ``received`` directories and the query files of
``examples/make_examples.py`` (so that no block depends on another having run),
and with ``movescu`` and ``python3`` on PATH meaning this checkout and this
interpreter, DCMTK's directory next (so ``findscu`` is DCMTK's), and no venv's
``bin``.  A block that retrieves into ``incoming``, ``received`` or to ``VIEWER`` must
have delivered files there, one that searches must have found the study, and a
comment ``# I: ...`` (``W:``, ``E:``, ``F:``) shows a log line the run must print.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import clear_received
from tests.e2e.test_readme import _fresh_copy, _new_user_environment
from tests.support.datasets import Collection
from tests.support.peers import QRPeer, StoragePeer, dcmqrscp, free_port, orthanc, storescp
from tests.support.tools import DCMTK_BIN, peers_required

REPO = Path(__file__).resolve().parents[2]
PEERS = ("dcmqrscp", "orthanc", "none")
_MARKER = re.compile(r"^[ \t]*<!-- check: ?(.*?) ?-->[ \t]*$")
_PACS = r"\b(?:pacs|pacs\.example|pacs\.example\.org) 104\b"
_FENCE = re.compile(r"^([ \t]*)```(\S*)[ \t]*$")

pytestmark = pytest.mark.xdist_group("doc-commands")


@dataclass(frozen=True)
class Block:
    file: str
    line: int
    argument: str | None  # the check marker's text; None: no marker
    text: str

    @property
    def peer(self) -> str:
        return (self.argument or "").split(" ", 1)[0]

    @property
    def reason(self) -> str:
        return (self.argument or "").partition(" ")[2].strip()

    @property
    def exit_code(self) -> int:
        found = re.search(r"\bexit=(\d+)", self.argument)
        return int(found.group(1)) if found else 0


def _documents() -> list[Path]:
    return [
        REPO / "README.md",
        *sorted((REPO / "docs").glob("*.md")),
        *sorted((REPO / "examples").glob("*.md")),
    ]


def sh_blocks(path: Path) -> list[Block]:
    """Every ```` ```sh ```` block of a Markdown file with the marker just above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        start, indent = index, fence.group(1)
        end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "```")
        index = end + 1
        if fence.group(2) != "sh":
            continue
        previous = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        marker = _MARKER.match(previous)
        body = "\n".join(line.removeprefix(indent) for line in lines[start + 1 : end])
        blocks.append(
            Block(
                str(path.relative_to(REPO)),
                start + 1,
                marker.group(1) if marker else None,
                body + "\n",
            )
        )
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in _documents() for block in sh_blocks(path)]


CHECKED = [block for block in all_blocks() if block.peer in PEERS]


def test_the_documents_have_runnable_blocks() -> None:
    assert {block.peer for block in CHECKED} == set(PEERS)
    files = {block.file for block in CHECKED}
    assert {"README.md", "docs/configuration.md", "docs/bulk.md", "examples/README.md"} <= files


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_block_is_run_or_says_why_not(path: Path) -> None:
    """Each ``sh`` block carries ``check: dcmqrscp|orthanc|none`` or ``check: skip REASON``."""
    for block in sh_blocks(path):
        where = f"{block.file}:{block.line}"
        assert block.argument is not None, f"{where} has no check marker"
        assert block.peer in (*PEERS, "skip"), f"{where}: unknown peer {block.peer!r}"
        if block.peer == "skip":
            assert block.reason, f"{where}: a skip marker says why"


#: a plain fence whose first line starts so holds a command that escapes the test
_COMMAND = re.compile(r"(\$ )?(movescu|findscu|storescp|python3?|curl|\./examples/)\b")
#: the manual page's text (kept alike by tests/unit/test_docs_sync.py): its examples are
#: plain fences, and the same commands as README.md's checked blocks
MANUAL = "docs/usage.md"


@pytest.mark.parametrize(
    "path",
    [p for p in _documents() if str(p.relative_to(REPO)) != MANUAL],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_commands_are_in_sh_blocks(path: Path) -> None:
    """A command shown in a plain ```` ``` ```` fence would not be run."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fences = [number for number, line in enumerate(lines) if _FENCE.match(line)]
    for opening in fences[::2]:
        first = lines[opening + 1].strip()
        if lines[opening].strip() == "```":
            assert not _COMMAND.match(first), f"{path.name}:{opening + 1}: {first}"


# --------------------------------------------------------------------------- peers


@dataclass
class Peers:
    work: Path
    our_port: int
    viewer: StoragePeer
    dcmqrscp: QRPeer
    orthanc: QRPeer
    patient_id: str
    study_uid: str


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory, collection: Collection) -> Iterator[Peers]:
    work = _fresh_copy(tmp_path_factory.mktemp("doc-commands") / "movescu")
    (work / "incoming").mkdir()
    (work / "received").mkdir()
    # the query files examples/README.md makes before it uses them (blocks run in any order)
    subprocess.run(
        [sys.executable, str(work / "examples" / "make_examples.py")],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        check=True,
        capture_output=True,
        timeout=120,
    )
    shims = work / ".shims"
    shims.mkdir()
    for name, command in (
        ("movescu", f"{sys.executable} -m movescu"),
        ("python3", sys.executable),
    ):
        (shims / name).write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        (shims / name).chmod(0o755)
    first = collection.instances[0]
    (work / "uids.csv").write_text(f"StudyInstanceUID\n{first.study_uid}\n")
    our_port = free_port()
    root = tmp_path_factory.mktemp("doc-peers")
    with storescp(root / "viewer", ae_title="VIEWER") as viewer:
        known = {"MOVESCU": our_port, "CI_PROBE": our_port, "VIEWER": viewer.port}
        with (
            dcmqrscp(root / "dcmqrscp", collection.paths, known, ae_title="ARCHIVE") as qr,
            orthanc(root / "orthanc", collection.paths, known, ae_title="ARCHIVE") as oc,
        ):
            found = Peers(work, our_port, viewer, qr, oc, first.patient_id, first.study_uid)
            # the example files the docs use name the same placeholders
            for name in ("site.args", "movescu.conf"):
                example = work / "examples" / name
                example.write_text(_substitute(example.read_text(), "dcmqrscp", found))
            yield found


def _script(block: Block, peers: Peers) -> str:
    return _substitute(block.text, block.peer, peers)


def _substitute(text: str, peer_name: str, peers: Peers) -> str:
    """The docs' placeholders in `text` replaced by `peers`' (`peer_name` is the PACS)."""
    if peer_name != "none":
        peer = peers.dcmqrscp if peer_name == "dcmqrscp" else peers.orthanc
        text = re.sub(_PACS, f"127.0.0.1 {peer.port}", text)
        text = text.replace("'pacs' '104'", f"'127.0.0.1' '{peer.port}'")  # --arguments
        text = re.sub(r"-aec PACS\b", "-aec ARCHIVE", text)
    text = text.replace("http://localhost:8042", f"http://127.0.0.1:{peers.orthanc.http_port}")
    text = re.sub(r"\b11113\b", str(peers.our_port), text)
    text = re.sub(
        r"\bStudyInstanceUID=1\.2\.3\b(?!\.)", f"StudyInstanceUID={peers.study_uid}", text
    )
    text = re.sub(r"\bPatientID=12345\b", f"PatientID={peers.patient_id}", text)
    return text.replace('"PatientID": "12345"', f'"PatientID": "{peers.patient_id}"')


def _environment(peers: Peers) -> dict[str, str]:
    env = _new_user_environment()
    env["PATH"] = os.pathsep.join([str(peers.work / ".shims"), str(DCMTK_BIN), env["PATH"]])
    env["PYTHONPATH"] = str(REPO / "src")  # for the shims: this checkout's movescu
    env["TMPDIR"] = str(peers.work.parent)
    env["TCP_NODELAY"] = "1"
    env["KNOWN_STUDY"] = peers.study_uid
    return env


@pytest.mark.dcmtk
@pytest.mark.orthanc
@pytest.mark.parametrize("block", CHECKED, ids=[f"{b.file}:{b.line}" for b in CHECKED])
def test_documented_command_runs(block: Block, peers: Peers) -> None:
    if shutil.which("curl") is None and "curl " in block.text:
        message = "curl is not installed (apt-get install curl)"
        if peers_required():
            pytest.fail(message + "; CI requires it", pytrace=False)
        pytest.skip(message)
    incoming = peers.work / "incoming"
    received = peers.work / "received"
    clear_received(incoming)
    clear_received(received)
    clear_received(peers.viewer.directory)
    script = _script(block, peers)
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=peers.work,
        env=_environment(peers),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = f"$ {script}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == block.exit_code, output
    assert "Traceback" not in done.stderr, output
    if block.exit_code == 0:  # a retrieve that fails on purpose need not deliver
        if re.search(r"-od incoming\b|examples/(site\.args|movescu\.conf)\b", block.text):
            assert list(incoming.iterdir()), output
        if re.search(r"-od received\b", block.text):
            assert list(received.iterdir()), output
        if "-aem VIEWER" in block.text:
            assert peers.viewer.received(), output
    for line in re.findall(r"^# ([IWEF]: .*)$", script, re.M):  # a log line shown
        assert line in done.stdout + done.stderr, output
    if re.search(r"^findscu |tools/find", block.text, re.M):
        assert peers.study_uid in done.stdout + done.stderr, output
