"""Differential tests: DCMTK 3.6.7's movescu and ours on the same request.

Both run with ``-v`` against the same peer (dcmqrscp with a third-party
destination, or a fresh scripted fake per run); the exit codes, the objects
that arrived and the ``-v`` lines must agree.  Known, documented deviations
are normalised here and nowhere else:

* exit code: where DCMTK returns 0 after a C-MOVE failed at DIMSE level we
  return 69 (DECISIONS rule 3);
* (``--cancel`` is compared against a scripted peer only: when dcmqrscp notices
  the C-CANCEL depends on timing);
* ``-pi``: DCMTK's dcmdata parser error line about the misread data set
  (``E: DcmElement: ...``) depends on the bytes it misreads; it is dropped;
* our ``I: Summary: ...`` line at the end (DECISIONS rule 7) is dropped from
  our output (the ``run_main`` fixture below).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable

import pytest
from pydicom.dataset import Dataset
from pynetdicom import evt
from tests.support.differential import drop_summary, run_dcmtk_movescu
from tests.support.fake_qr import MoveContext, Script, fake_qr, final_status, succeed
from tests.support.peers import QRPeer, StoragePeer, wait_for_files

from movescu.net.seams import accel

pytestmark = pytest.mark.dcmtk

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]


def dcmtk_run(args: list[str]) -> tuple[int, list[str]]:
    code, lines = run_dcmtk_movescu(args)
    return code, normalise(lines)


def normalise(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("E: DcmElement: ")]


@pytest.fixture
def run_main(
    run_main: Callable[[list[str]], tuple[int, list[str]]],
) -> Callable[[list[str]], tuple[int, list[str]]]:
    """The conftest's in-process run, without our summary line (DCMTK prints none)."""

    def _run(argv: list[str]) -> tuple[int, list[str]]:
        code, lines = run_main(argv)
        return code, drop_summary(lines)

    return _run


# --------------------------------------------------------------------------- real peer


def received(peer: StoragePeer, count: int) -> set[str]:
    return {f.name for f in wait_for_files(peer, count, timeout=5)}


@pytest.mark.parametrize(
    "args",
    [
        ["-P", *KEYS],
        ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=PAT002", "-k", "StudyID=1"],
        ["--repeat", "2", *KEYS],
        ["--abort", *KEYS],
    ],
    ids=["patient", "study-no-uid", "repeat", "abort"],
)
def test_third_party_move_matches_dcmtk(
    run_main, qr_peer: QRPeer, fresh_storage_peer: StoragePeer, args
):
    base = ["-v", "-aec", qr_peer.ae_title, "-aem", fresh_storage_peer.ae_title]
    argv = [*base, "127.0.0.1", str(qr_peer.port), *args]
    theirs_code, theirs_lines = dcmtk_run(argv)
    theirs_files = received(fresh_storage_peer, 8)
    for path in fresh_storage_peer.received():
        path.unlink()
    ours_code, ours_lines = run_main(argv)
    ours_files = received(fresh_storage_peer, len(theirs_files))
    assert ours_code == theirs_code
    assert ours_lines == theirs_lines
    assert ours_files == theirs_files


@pytest.mark.orthanc
@pytest.mark.parametrize("model", ["-P", "-S"])
def test_orthanc_move_matches_dcmtk(
    run_main, collection, orthanc_peer: QRPeer, fresh_storage_peer: StoragePeer, model
):
    study = collection.of_patient("PAT001")[0].study_uid
    keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}"]
    if model == "-P":
        keys += ["-k", "PatientID=PAT001"]
    base = ["-v", model, "-aec", orthanc_peer.ae_title, "-aem", fresh_storage_peer.ae_title]
    argv = [*base, "127.0.0.1", str(orthanc_peer.port), *keys]
    theirs_code, theirs_lines = dcmtk_run(argv)
    theirs_files = received(fresh_storage_peer, 4)
    for path in fresh_storage_peer.received():
        path.unlink()
    ours_code, ours_lines = run_main(argv)
    assert received(fresh_storage_peer, 4) == theirs_files
    assert len(theirs_files) == 4
    assert (ours_code, ours_lines) == (theirs_code, theirs_lines)


def test_unknown_destination_matches_dcmtk(run_main, qr_peer: QRPeer):
    argv = ["-v", "-aec", qr_peer.ae_title, "-aem", "NOWHERE", "127.0.0.1", str(qr_peer.port)]
    theirs = dcmtk_run([*argv, *KEYS])
    ours = run_main([*argv, *KEYS])
    assert theirs[0] == 69
    assert ours == theirs


@pytest.mark.parametrize("destination", ["É", "   "])
def test_move_destination_pynetdicom_refuses_against_dcmtk(
    run_main, qr_peer: QRPeer, destination: str
):
    """A -aem pynetdicom cannot send (issue 13 item 9; docs/differences.md).

    DCMTK sends it and the Move SCP refuses the unknown destination; we cannot
    send it: the request fails in DCMTK's words (never pynetdicom's) after the
    same lines up to the request, and the association is aborted.
    """
    argv = ["-v", "-aec", qr_peer.ae_title, "-aem", destination, "127.0.0.1", str(qr_peer.port)]
    theirs_code, theirs = dcmtk_run([*argv, *KEYS])
    ours_code, ours = run_main([*argv, *KEYS])
    assert theirs_code == 69
    assert "I: Received Final Move Response (Refused: MoveDestinationUnknown)" in theirs
    refused = "W: Move response with error status (Refused: MoveDestinationUnknown)"
    request_end = theirs.index(refused)
    assert ours[:request_end] == theirs[:request_end]
    assert ours[request_end:] == [
        "E: Move Request Failed: 0006:0202 DIMSE Inappropriate data for message",
        "E: Move SCU Failed: 0006:0202 DIMSE Inappropriate data for message",
        "I: Aborting Association",
    ]
    assert ours_code == 69


# --------------------------------------------------------------------------- scripted peers


def pending_with_dataset(ctx: MoveContext) -> None:
    junk = Dataset()
    junk.PatientID = "X"
    ctx.pending(1, 0, dataset=junk)
    ctx.respond(0x0000, completed=1, failed=0, warning=0)


def silent(ctx: MoveContext) -> None:
    ctx.pending(1, 0)
    ctx.wait(4)
    ctx.respond(0x0000)


def aborting(ctx: MoveContext) -> None:
    ctx.pending(1, 0)
    ctx.abort()


def slow_to_release(ctx: MoveContext) -> None:
    ctx.respond(0x0000, completed=0, failed=0, warning=0)
    ctx.wait(4)  # the fake's reactor cannot answer A-RELEASE-RQ meanwhile


def closing(ctx: MoveContext) -> None:
    # pending() only queues the PDU for the fake's DUL thread: it must be out first
    sent = threading.Event()
    ctx.assoc.bind(evt.EVT_PDU_SENT, lambda event: sent.set())
    ctx.pending(1, 0)
    assert sent.wait(10)
    sock = ctx.assoc.dul.socket.socket
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def releasing(ctx: MoveContext) -> None:
    ctx.pending(1, 0)
    ctx.request_release()
    ctx.wait(3)


def wrong_message_id(ctx: MoveContext) -> None:
    ctx.respond(0xFF00, remaining=1, completed=0, message_id=7)
    ctx.wait(2)


def pending_detail(ctx: MoveContext) -> None:
    ctx.pending(1, 0, error_comment="pending detail")
    ctx.respond(0x0000, completed=1, failed=0, warning=0)


#: the scenario's ``--cancel`` (the C-CANCEL follows this pending response)
CANCEL_AFTER = 2


def cancellable(ctx: MoveContext) -> None:
    for k in range(1, 5):
        ctx.pending(4 - k, k)
        # give the C-CANCEL (sent right after the n-th pending) time to arrive, even
        # under load; before it, a short look shows one that came too early
        deadline = time.monotonic() + (10.0 if k >= CANCEL_AFTER else 0.3)
        while not ctx.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        if ctx.cancelled:
            ctx.respond(0xFE00, remaining=4 - k, completed=k, failed=0, warning=0)
            return
    ctx.respond(0x0000, completed=4, failed=0, warning=0)


def _failed_list() -> Dataset:
    ds = Dataset()
    ds.FailedSOPInstanceUIDList = ["1.2.3", "1.2.4"]
    return ds


#: name -> (script factory, extra options, fake options, DIMSE-level failure?)
SCENARIOS: dict[str, tuple[Callable[[], Script], list[str], dict[str, object], bool]] = {
    "success": (lambda: succeed(3), [], {}, False),
    "warning": (lambda: final_status(0xB000, "bad", _failed_list()), [], {}, False),
    "refused": (lambda: final_status(0xA801), [], {}, False),
    "failed": (lambda: final_status(0xC001, "oops"), [], {}, False),
    "cancelled": (lambda: final_status(0xFE00), [], {}, False),
    "unknown-status": (lambda: final_status(0x0107), [], {}, False),
    "pending-ignore": (lambda: pending_with_dataset, [], {}, True),
    "pending-read": (lambda: pending_with_dataset, ["-pr"], {}, False),
    "pending-detail": (lambda: pending_detail, [], {}, False),
    "dimse-timeout": (lambda: silent, ["-td", "1"], {}, True),
    "peer-abort": (lambda: aborting, [], {}, True),
    "peer-release": (lambda: releasing, [], {}, True),
    "connection-closed": (lambda: closing, [], {}, True),
    "release-timeout": (lambda: slow_to_release, ["-ta", "1"], {}, False),
    "ff01-is-final": (lambda: final_status(0xFF01), ["--repeat", "2"], {}, False),
    "wrong-msg-id": (lambda: wrong_message_id, [], {}, True),
    "find-only": (lambda: succeed(1), [], {"find_only": True}, True),
    "no-context": (lambda: succeed(1), [], {"models": ()}, False),
    "rejected": (lambda: succeed(1), [], {"require_called_aet": True}, False),
    "cancel": (lambda: cancellable, ["--cancel", str(CANCEL_AFTER)], {}, False),
    "abort": (lambda: succeed(1), ["--abort"], {}, False),
    "repeat": (lambda: succeed(1), ["--repeat", "3"], {}, False),
    "study-root": (lambda: succeed(1), ["-S"], {}, False),
    "psonly": (lambda: succeed(1), ["-O"], {}, False),
    "implicit": (lambda: succeed(1), ["-xi"], {}, False),
    "big-endian": (lambda: succeed(1), ["-xb"], {}, False),
    "deflated": (lambda: succeed(1), ["-xd"], {}, False),
    "max-pdu": (lambda: succeed(1), ["-pdu", "65536"], {"max_pdu": 32768}, False),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scripted_peer_matches_dcmtk(run_main, name):
    factory, options, fake_options, dimse_failure = SCENARIOS[name]
    results = []
    for runner in (dcmtk_run, run_main):
        with fake_qr(factory(), **fake_options) as fake:  # type: ignore[arg-type]
            results.append(runner(["-v", *options, "127.0.0.1", str(fake.port), *KEYS]))
    (theirs_code, theirs_lines), (ours_code, ours_lines) = results
    assert ours_lines == theirs_lines
    if dimse_failure:
        assert (theirs_code, ours_code) == (0, 69)
    else:
        assert ours_code == theirs_code


# ----------------------------------------------------------------- +P: receiving ourselves


def test_receiving_with_port_matches_dcmtk(run_main, qr_peer: QRPeer, our_port: int, tmp_path):
    """``+P``: the objects DCMTK and we receive from dcmqrscp get the same names."""
    results = []
    for name, runner in (("dcmtk", dcmtk_run), ("ours", run_main)):
        out = tmp_path / name
        out.mkdir()
        argv = ["-v", "-aec", qr_peer.ae_title, "+P", str(our_port), "-od", str(out)]
        code, lines = runner([*argv, "127.0.0.1", str(qr_peer.port), *KEYS])
        results.append((code, sorted(p.name for p in out.iterdir()), lines))
    (theirs_code, theirs_files, theirs_lines), (ours_code, ours_files, ours_lines) = results
    assert ours_code == theirs_code == 0, ours_lines
    assert len(theirs_files) == 8
    assert ours_files == theirs_files
    # the same lines; the Storage SCP runs in its own threads, so a sub-association
    # line may swap places with the move response received at the same moment
    assert sorted(ours_lines) == sorted(theirs_lines)
    assert main_flow(ours_lines) == main_flow(theirs_lines)


def main_flow(lines: list[str]) -> list[str]:
    """The lines of the main association only (no sub-association lines)."""
    return [
        line
        for line in lines
        if not line.startswith(("I: Sub-Association", "I: Received Store Request"))
    ]


# --------------------------------------------------------------------------- -d layout

#: DCMTK-internal debug output (dcmdata/DUL tracing, PDU hex dumps) we do not mirror
_DCMTK_INTERNALS = (
    "D: DcmDataDictionary",
    "D: DcmDataset::read",
    "D: DcmMetaInfo",
    "D: setting network",
    "D: DULFSM",
    "D: Constructing Associate",
    "D: PDU Type:",
    "D: Parsing an A-ASSOCIATE",
    "D: $",
)


#: PDU hex dump rows ("D:   02  00  00 ...")
_HEX_ROW = re.compile(r"^D:   [0-9a-f]{2}  ")


def debug_lines(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        if line.startswith(_DCMTK_INTERNALS) or _HEX_ROW.match(line):
            continue
        if line.startswith("D: Our Implementation"):
            line = line.split(":", 2)[0] + ":"  # our own identity (DECISIONS rule 5)
        kept.append(line)
    return kept


@pytest.mark.parametrize(
    "name",
    [
        "success",
        "warning",
        "cancel",
        "peer-abort",
        "implicit",
        "deflated",
        "max-pdu",
        "no-context",
        "rejected",
        "pending-read",
        "find-only",
    ],
)
def test_debug_output_matches_dcmtk_layout(run_main, name):
    factory, options, fake_options, _ = SCENARIOS[name]
    results = []
    for runner in (dcmtk_run, run_main):
        with fake_qr(factory(), **fake_options) as fake:  # type: ignore[arg-type]
            _, lines = runner(["-d", *options, "127.0.0.1", str(fake.port), *KEYS])
            results.append(debug_lines(lines))
    ours, theirs = results[1], results[0]
    # ours has one more line after the header's: which receive path the run takes
    assert ours[1] == "D: " + accel.decide().text, ours[:3]
    assert ours[:1] + ours[2:] == theirs
