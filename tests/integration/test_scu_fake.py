"""The C-MOVE SCU against in-process scripted Move SCPs (tests/support/fake_qr.py).

What is sent (association, requests) and how every kind of response or failure
maps to DCMTK 3.6.7's log lines and our exit codes (DECISIONS rule 3).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from tests.support.datasets import write_query
from tests.support.differential import drop_summary
from tests.support.fake_qr import (
    FIND_MODELS,
    MOVE_MODELS,
    MoveContext,
    fake_qr,
    final_status,
    succeed,
)
from tests.support.peers import free_port

from movescu.config import (
    Config,
    LoggingOptions,
    LogLevel,
    NetworkOptions,
    PendingDatasetHandling,
    ProposedTransferSyntax,
    QueryModel,
    QueryOptions,
)
from movescu.errors import (
    AssociationError,
    InputFileError,
    NoPresentationContextError,
)
from movescu.exit_codes import ExitCode
from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from movescu.logconfig import configure
from movescu.query import Identifier
from movescu.retrieve import retrieve, run

LE, BE, IMPLICIT, DEFLATED = (
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1.99",
)


@pytest.fixture
def log() -> Iterator[Callable[[], list[str]]]:
    """Log at -v into a buffer; returns a function giving the lines so far.

    Our ``I: Summary:`` line (DECISIONS rule 7) is left out: these are DCMTK's lines.
    """
    buffer = io.StringIO()
    configure(LoggingOptions(level=LogLevel.INFO), program="movescu", stderr=buffer)
    yield lambda: drop_summary(buffer.getvalue().splitlines())
    configure(LoggingOptions(), program="movescu")


def identifier(patient_id: str = "PAT001") -> Identifier:
    ds = Dataset()
    ds.QueryRetrieveLevel = "PATIENT"
    ds.PatientID = patient_id
    return Identifier("", ds, "Little Endian Explicit")


def config(port: int, **network: object) -> Config:
    model = network.pop("model", QueryModel.PATIENT)
    return Config(
        network=NetworkOptions(peer="127.0.0.1", port=port, **network),  # type: ignore[arg-type]
        query=QueryOptions(model=model),  # type: ignore[arg-type]
    )


def main_flow(lines: list[str]) -> list[str]:
    """The log without the identifier dumps (lines of the data-set dump)."""
    return [
        line
        for line in lines
        if not (line == "I: " or line.startswith(("I: (", "I: #")))
        and line != "I: Request Identifiers:"
    ]


# --------------------------------------------------------------------------- requests


def test_requests_are_numbered_repeated_in_order_with_medium_priority(log):
    with fake_qr(succeed(1)) as fake:
        code = retrieve(config(fake.port, repeat=2), [identifier("P1"), identifier("P2")])
    assert code is ExitCode.NO_ERROR
    assert [r.message_id for r in fake.requests] == [1, 2, 3, 4]
    assert [r.identifier.PatientID for r in fake.requests] == ["P1", "P1", "P2", "P2"]
    assert {r.priority for r in fake.requests} == {0}
    assert {r.context_id for r in fake.requests} == {3}
    assert {r.move_destination for r in fake.requests} == {"MOVESCU"}
    assert len(fake.associations) == 1
    assert fake.closing_pdus == ["A_RELEASE_RQ"]


def test_move_destination_defaults_to_truncated_calling_title():
    with fake_qr(succeed(0)) as fake:
        retrieve(config(fake.port, ae_title="ABCDEFGHIJKLMNOPQRS"), [identifier()])
    assert fake.associations[0].calling_ae == "ABCDEFGHIJKLMNOP"
    assert fake.requests[0].move_destination == "ABCDEFGHIJKLMNOP"


def test_explicit_move_destination_and_called_title():
    with fake_qr(succeed(0)) as fake:
        retrieve(
            config(fake.port, called_ae_title="THE-PEER", move_destination="ELSEWHERE"),
            [identifier()],
        )
    assert fake.called_titles == ["THE-PEER"]
    assert fake.requests[0].move_destination == "ELSEWHERE"


def test_association_identity_and_max_pdu():
    with fake_qr(succeed(0)) as fake:
        retrieve(config(fake.port, max_pdu=32768), [identifier()])
    record = fake.associations[0]
    assert record.implementation_class_uid == IMPLEMENTATION_CLASS_UID
    assert record.implementation_version_name == IMPLEMENTATION_VERSION_NAME
    assert record.max_pdu == 32768


@pytest.mark.parametrize(
    ("proposal", "expected"),
    [
        (ProposedTransferSyntax.UNCOMPRESSED, [LE, BE, IMPLICIT]),
        (ProposedTransferSyntax.LITTLE, [LE, BE, IMPLICIT]),
        (ProposedTransferSyntax.BIG, [BE, LE, IMPLICIT]),
        (ProposedTransferSyntax.IMPLICIT, [IMPLICIT]),
        (ProposedTransferSyntax.DEFLATED, [DEFLATED, LE, BE, IMPLICIT]),
    ],
)
@pytest.mark.parametrize("model", list(QueryModel))
def test_two_contexts_find_then_move(proposal, expected, model):
    with fake_qr(succeed(0)) as fake:
        code = retrieve(
            config(fake.port, proposed_transfer_syntax=proposal, model=model), [identifier()]
        )
    assert code is ExitCode.NO_ERROR
    assert fake.associations[0].contexts == [
        (1, FIND_MODELS[model.value], expected),
        (3, MOVE_MODELS[model.value], expected),
    ]
    assert fake.requests[0].affected_sop_class == MOVE_MODELS[model.value]


# ------------------------------------------------------------ statuses and exit codes


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([0x0000], ExitCode.NO_ERROR),
        ([0xFE00], ExitCode.NO_ERROR),
        ([0xB000], ExitCode.CMOVE_WARNING),
        ([0xA801], ExitCode.CMOVE_ERROR),
        ([0xA701], ExitCode.CMOVE_ERROR),
        ([0xC000], ExitCode.CMOVE_ERROR),
        ([0xB000, 0xA900], ExitCode.CMOVE_ERROR),
        ([0xA702, 0xB000], ExitCode.CMOVE_ERROR),
        ([0xB000, 0x0000], ExitCode.CMOVE_WARNING),
    ],
)
def test_final_statuses_give_dcmtk_exit_codes(statuses, expected):
    remaining = list(statuses)

    def script(ctx: MoveContext) -> None:
        ctx.respond(remaining.pop(0), completed=0, failed=0, warning=0)

    with fake_qr(script) as fake:
        code = retrieve(config(fake.port), [identifier(f"P{n}") for n in range(len(statuses))])
    assert code is expected
    # a failed C-MOVE status does not stop the next one (only DIMSE failures do)
    assert len(fake.requests) == len(statuses)


def test_warning_and_error_lines_precede_the_final_line(log):
    with fake_qr(final_status(0xB000, error_comment="one failed")) as fake:
        assert retrieve(config(fake.port), [identifier()]) is ExitCode.CMOVE_WARNING
    assert main_flow(log()) == [
        "I: Requesting Association",
        "I: Association Accepted (Max Send PDV: 16372)",
        "I: Sending Move Request (MsgID 1)",
        "I: Received Move Response 1 (Pending)",
        "W: Move response with warning status (Warning: SubOperationsCompleteOneOrMoreFailures)",
        "I: Received Final Move Response (Warning: SubOperationsCompleteOneOrMoreFailures)",
        "I: Releasing Association",
    ]


def test_request_identifiers_are_dumped_at_verbose(log):
    with fake_qr(succeed(0)) as fake:
        retrieve(config(fake.port), [identifier()])
    lines = log()
    start = lines.index("I: Request Identifiers:")
    assert lines[start + 1 : start + 4] == [
        "I: ",
        "I: # Dicom-Data-Set",
        "I: # Used TransferSyntax: Little Endian Explicit",
    ]
    assert lines[start + 6] == "I: "


def test_default_level_prints_nothing_on_success():
    buffer = io.StringIO()
    configure(LoggingOptions(), program="movescu", stderr=buffer)
    try:
        with fake_qr(succeed(2)) as fake:
            assert retrieve(config(fake.port), [identifier()]) is ExitCode.NO_ERROR
    finally:
        configure(LoggingOptions(), program="movescu")
    assert buffer.getvalue() == ""


# ------------------------------------------------------------ options of the move loop


def cancellable(count: int, cancel: int = 0) -> Callable[[MoveContext], None]:
    """``count`` pending responses; a C-CANCEL (expected after the ``cancel``-th) ends them."""

    def script(ctx: MoveContext) -> None:
        for k in range(1, count + 1):
            ctx.pending(count - k, k)
            # from the cancel-th on, wait for it as long as a loaded CI needs
            deadline = time.monotonic() + (10.0 if cancel and k >= cancel else 0.1)
            while not ctx.cancelled and time.monotonic() < deadline:
                time.sleep(0.01)
            if ctx.cancelled:
                ctx.respond(0xFE00, remaining=count - k, completed=k, failed=0, warning=0)
                return
        ctx.respond(0x0000, completed=count, failed=0, warning=0)

    return script


def test_cancel_after_nth_pending_then_reads_to_final(log):
    with fake_qr(cancellable(5, cancel=2)) as fake:
        code = retrieve(config(fake.port, cancel=2), [identifier()])
    assert code is ExitCode.NO_ERROR
    flow = main_flow(log())
    cancel = flow.index("I: Sending Cancel Request (MsgID 1, PresID 3)")
    assert flow[cancel - 1] == "I: Received Move Response 2 (Pending)"
    assert (
        "I: Received Final Move Response (Cancel: SubOperationsTerminatedDueToCancelIndication)"
        in flow
    )


def test_cancel_zero_never_cancels(log):
    with fake_qr(cancellable(3)) as fake:
        assert retrieve(config(fake.port, cancel=0), [identifier()]) is ExitCode.NO_ERROR
    assert not any("Cancel Request" in line for line in log())
    assert "I: Received Final Move Response (Success)" in log()


def test_cancel_on_a_dead_association_is_not_told_in_pynetdicoms_words(log):
    """pynetdicom refuses a C-CANCEL once the association is gone (a peer closing
    right after the Nth response); the E: line holds DCMTK's condition."""
    from types import SimpleNamespace

    from movescu.net.scu.association import MoveAssociation

    def refuse(msg_id: int, context_id: int) -> None:
        raise RuntimeError("The association with a peer SCP must be established first")

    dead = SimpleNamespace(assoc=SimpleNamespace(send_c_cancel=refuse))
    MoveAssociation._send_cancel(dead, 1, 3)  # type: ignore[arg-type]
    assert log() == [
        "I: Sending Cancel Request (MsgID 1, PresID 3)",
        "E: Cancel Request Failed: 0006:0310 DUL network closed",
    ]


def test_abort_option_aborts_instead_of_releasing(log):
    with fake_qr(succeed(1)) as fake:
        assert retrieve(config(fake.port, abort=True), [identifier()]) is ExitCode.NO_ERROR
        assert fake.done.wait(5)
        # the Move SCP saw our A-ABORT (and nothing else ended the association)
        deadline = time.monotonic() + 5
        while not fake.closing_pdus and time.monotonic() < deadline:
            time.sleep(0.01)
    assert log()[-1] == "I: Aborting Association"
    assert fake.closing_pdus == ["A_ABORT_RQ"]


def pending_with_dataset(ctx: MoveContext) -> None:
    junk = Dataset()
    junk.PatientID = "X"
    ctx.pending(1, 0, dataset=junk)
    ctx.respond(0x0000, completed=1, failed=0, warning=0)


def test_pending_read_ignores_the_data_set(log):
    with fake_qr(pending_with_dataset) as fake:
        code = retrieve(
            config(fake.port, pending_handling=PendingDatasetHandling.READ), [identifier()]
        )
    assert code is ExitCode.NO_ERROR
    assert main_flow(log())[3:6] == [
        "W: DIMSE Warning: (MOVESCU,ANY-SCP): moveUser: Status Pending, but DataSetType!=NULL",
        "W: DIMSE Warning: (MOVESCU,ANY-SCP): Reading but ignoring response identifier set",
        "I: Received Move Response 1 (Pending)",
    ]


def test_pending_ignore_fails_the_move_like_dcmtk(log):
    with fake_qr(pending_with_dataset) as fake:
        code = retrieve(config(fake.port), [identifier(), identifier()])
    assert code is ExitCode.CMOVE_ERROR
    assert main_flow(log())[3:] == [
        "W: DIMSE Warning: (MOVESCU,ANY-SCP): moveUser: Status Pending, but DataSetType!=NULL",
        "W: DIMSE Warning: (MOVESCU,ANY-SCP): Assuming NO response identifiers are present",
        "I: Received Move Response 1 (Pending)",
        "E: Move Request Failed: 0006:020d DIMSE: receiveCommand: cmdSet->read() Failed",
        "E: 0001:0004 Invalid stream",
        "E: Move SCU Failed: 0006:020d DIMSE: receiveCommand: cmdSet->read() Failed",
        "E: 0001:0004 Invalid stream",
        "I: Aborting Association",
    ]
    assert len(fake.requests) == 1


def test_pending_status_detail_is_dropped_with_a_warning(log):
    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0, error_comment="detail")
        ctx.respond(0x0000, completed=1, failed=0, warning=0)

    with fake_qr(script) as fake:
        assert retrieve(config(fake.port), [identifier()]) is ExitCode.NO_ERROR
    assert (
        "W: DIMSE Warning: (MOVESCU,ANY-SCP): moveUser: Pending with statusDetail, ignoring detail"
        in log()
    )


# ------------------------------------------------------------ DIMSE-level failures (rc 69)


def silent(ctx: MoveContext) -> None:
    ctx.pending(1, 0)
    ctx.wait(5)
    ctx.respond(0x0000)


def test_dimse_timeout_fails_the_move(log):
    with fake_qr(silent) as fake:
        code = retrieve(config(fake.port, dimse_timeout=1, repeat=3), [identifier()])
    assert code is ExitCode.CMOVE_ERROR
    timeout = "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
    assert main_flow(log())[-3:] == [
        f"E: Move Request Failed: {timeout}",
        f"E: Move SCU Failed: {timeout}",
        "I: Aborting Association",
    ]
    # processing stops at the first failing C-MOVE
    assert len(fake.requests) == 1


def test_peer_abort_during_move(log):
    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        ctx.abort()

    with fake_qr(script) as fake:
        assert retrieve(config(fake.port), [identifier()]) is ExitCode.CMOVE_ERROR
    assert main_flow(log())[-2:] == [
        "E: Move Request Failed: 0006:0317 Peer aborted Association (or never connected)",
        "I: Peer Aborted Association",
    ]


def test_peer_release_request_during_move(log):
    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        ctx.request_release()
        ctx.wait(3)

    with fake_qr(script) as fake:
        assert retrieve(config(fake.port), [identifier()]) is ExitCode.CMOVE_ERROR
    assert main_flow(log())[-3:] == [
        "E: Move Request Failed: 0006:0319 DUL Peer Requested Release",
        "E: Protocol Error: Peer requested release (Aborting)",
        "I: Aborting Association",
    ]


def test_unexpected_message_id(log):
    def script(ctx: MoveContext) -> None:
        ctx.respond(0xFF00, remaining=1, completed=0, message_id=7)
        ctx.wait(2)

    with fake_qr(script) as fake:
        assert retrieve(config(fake.port), [identifier()]) is ExitCode.CMOVE_ERROR
    condition = "0006:0211 DIMSE: Unexpected Response MsgId: 7 (expected: 1)"
    assert main_flow(log())[-3:] == [
        f"E: Move Request Failed: {condition}",
        f"E: Move SCU Failed: {condition}",
        "I: Aborting Association",
    ]


def test_only_find_context_accepted(log):
    with fake_qr(succeed(1), find_only=True) as fake:
        assert retrieve(config(fake.port), [identifier()]) is ExitCode.CMOVE_ERROR
    assert main_flow(log())[-2:] == [
        "E: Move SCU Failed: 0006:0208 DIMSE No valid Presentation Context ID",
        "I: Aborting Association",
    ]
    assert fake.requests == []


# --------------------------------------------------------------------------- association failures


def test_no_acceptable_presentation_context():
    with fake_qr(succeed(1), models=()) as fake:
        with pytest.raises(NoPresentationContextError) as caught:
            retrieve(config(fake.port), [identifier()])
    assert caught.value.exit_code == ExitCode.NO_PRESENTATION_CONTEXT
    assert caught.value.message == "No Acceptable Presentation Contexts"


def test_rejected_association():
    with fake_qr(succeed(1), require_called_aet=True) as fake:
        with pytest.raises(AssociationError) as caught:
            retrieve(config(fake.port, called_ae_title="WRONG"), [identifier()])
    assert caught.value.exit_code == ExitCode.CANNOT_NEGOTIATE_ASSOCIATION
    assert caught.value.message.splitlines() == [
        "Association Rejected:",
        "Result: Rejected Permanent, Source: Service User",
        "Reason: Called AE Title Not Recognized",
    ]


def test_connection_refused():
    with pytest.raises(AssociationError) as caught:
        retrieve(config(free_port()), [identifier()])
    assert caught.value.message.splitlines() == [
        "Association Request Failed:",
        "0006:031c TCP Initialization Error: Connection refused",
    ]


def test_unknown_host():
    cfg = Config(network=NetworkOptions(peer="no-such-host.invalid", port=104))
    with pytest.raises(AssociationError) as caught:
        retrieve(cfg, [identifier()])
    assert caught.value.message.splitlines()[1] == (
        "0006:0320 Attempt to connect to unknown host: no-such-host.invalid"
    )


def test_bad_query_file_fails_before_the_association(tmp_path: Path):
    bad = tmp_path / "bad.dcm"
    bad.write_text("not DICOM")
    with fake_qr(succeed(1)) as fake:
        cfg = Config(
            network=NetworkOptions(peer="127.0.0.1", port=fake.port),
            query=QueryOptions(files=(bad,)),
        )
        with pytest.raises(InputFileError):
            run(cfg)
    assert fake.associations == []


def test_run_sends_each_query_file(tmp_path: Path):
    first = write_query(tmp_path / "q1.dcm", "PATIENT", PatientID="A")
    second = write_query(tmp_path / "q2.dcm", "PATIENT", PatientID="B")
    with fake_qr(succeed(1)) as fake:
        cfg = Config(
            network=NetworkOptions(peer="127.0.0.1", port=fake.port),
            query=QueryOptions(files=(first, second)),
        )
        assert run(cfg) is ExitCode.NO_ERROR
    assert [r.identifier.PatientID for r in fake.requests] == ["A", "B"]


@pytest.mark.parametrize(
    ("option", "which"), [("ae_title", "Calling"), ("called_ae_title", "Called")]
)
@pytest.mark.parametrize("title", ["", "   ", "É"])
def test_empty_ae_titles_are_refused_like_dcmtk(log, option, which, title):
    """Empty: as DCMTK.  Spaces only, non-ASCII: pynetdicom cannot send them (DCMTK
    does); refused in the same words, not pynetdicom's (docs/differences.md)."""
    with fake_qr(succeed(0)) as fake:
        with pytest.raises(AssociationError) as caught:
            retrieve(config(fake.port, **{option: title}), [identifier()])
    assert caught.value.message.splitlines() == [
        "Association Request Failed:",
        f"0006:030c Illegal service parameter: {which} AP Title",
    ]
    assert log() == [
        "I: Requesting Association",
        f"E: Illegal service parameter: {which} AP Title",
    ]
    assert fake.associations == []


def test_acse_timeout_when_the_peer_never_answers():
    import socket

    with socket.socket() as silent_peer:
        silent_peer.bind(("127.0.0.1", 0))
        silent_peer.listen(1)  # the kernel completes the connect; nobody answers
        port = silent_peer.getsockname()[1]
        with pytest.raises(AssociationError) as caught:
            retrieve(config(port, acse_timeout=1), [identifier()])
    assert caught.value.message.splitlines() == [
        "Association Request Failed:",
        "0006:031a DUL network read timeout",
    ]


def test_api_retrieve_builds_the_request_from_dcmtk_options():
    from movescu.api import retrieve as api_retrieve

    with fake_qr(succeed(1)) as fake:
        code = api_retrieve(
            "127.0.0.1",
            fake.port,
            {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.3"},
            ["-S", "-aem", "ARCHIVE"],
        )
    assert code is ExitCode.NO_ERROR
    request = fake.requests[0]
    assert (request.move_destination, request.affected_sop_class) == (
        "ARCHIVE",
        MOVE_MODELS["study"],
    )
    assert request.identifier.StudyInstanceUID == "1.2.3"


def test_our_association_socket_has_tcp_nodelay():
    import socket

    from movescu.net.scu.association import MoveAssociation
    from movescu.net.scu.outcome import Ending

    with fake_qr(succeed(0)) as fake:
        session = MoveAssociation(config(fake.port))
        try:
            session.open()
            assert session.assoc is not None
            sock = session.assoc.dul.socket.socket
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            session.close(Ending.OPEN, abort_requested=False)
        finally:
            session.shutdown()
