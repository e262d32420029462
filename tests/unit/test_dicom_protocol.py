"""movescu.dicom: DIMSE readers, Max Send PDV, the association summary and condition texts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from movescu.dicom import conditions, dimse, messages
from movescu.dicom.pdata import max_send_pdv, send_fragment, send_pdv
from movescu.identity import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME

MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
DEFLATED = "1.2.840.10008.1.2.1.99"


@pytest.mark.parametrize(
    ("command", "expected"),
    [({}, False), ({"CommandDataSetType": 0x0101}, False), ({"CommandDataSetType": 1}, True)],
)
def test_has_data_set(command: dict[str, int], expected: bool) -> None:
    assert dimse.has_data_set(command) is expected


def test_suboperation_counters_in_order_none_when_absent() -> None:
    command = {
        "NumberOfRemainingSuboperations": 3,
        "NumberOfFailedSuboperations": 1,
        "NumberOfWarningSuboperations": 0,
    }
    assert dimse.suboperation_counters(command) == (3, None, 1, 0)


def test_decode_identifier_and_a_broken_one() -> None:
    # (0008,0052) QueryRetrieveLevel "STUDY", implicit VR little endian
    data = b"\x08\x00\x52\x00\x06\x00\x00\x00STUDY "
    identifier = dimse.decode_identifier(data, IMPLICIT)
    assert identifier is not None
    assert identifier.QueryRetrieveLevel == "STUDY"
    assert dimse.decode_identifier(b"not deflated", DEFLATED) is None


#: peer's maximum PDU length -> (Max Send PDV, W: lines), as DCMTK 3.6.7 movescu logged them
_DCMTK_SEND_PDV = {
    16384: (16372, []),
    262144: (131060, []),
    131073: (131060, []),
    131075: (131060, []),
    0: (131060, []),
    16383: (16370, ["ASSOC: PDV send length 16383 is odd (using 16382)"]),
    4097: (4084, ["ASSOC: PDV send length 4097 is odd (using 4096)"]),
    24: (12, []),
    22: (4084, ["ASSOC: PDV send length too small, using DUL to split larger PDVs."]),
    14: (4084, ["ASSOC: PDV send length too small, using DUL to split larger PDVs."]),
    12: (4084, ["ASSOC: PDV send length 0 (using default)"]),
    13: (
        4084,
        [
            "ASSOC: PDV send length 13 is odd (using 12)",
            "ASSOC: PDV send length 0 (using default)",
        ],
    ),
    1: (
        4084,
        [
            "ASSOC: PDV send length 1 is odd (using 0)",
            "ASSOC: PDV send length -12 (using default)",
        ],
    ),
}


@pytest.mark.parametrize("peer", list(_DCMTK_SEND_PDV))
def test_max_send_pdv_is_dcmtks(peer: int) -> None:
    assert send_pdv(peer) == _DCMTK_SEND_PDV[peer]
    assert max_send_pdv(peer) == _DCMTK_SEND_PDV[peer][0]


#: peer's maximum PDU length -> the largest data set fragment DCMTK 3.6.7 sent
_DCMTK_FRAGMENT = {0: 131060, 262144: 131060, 16383: 16370, 100: 88, 64: 52, 24: 12, 18: 6, 14: 2}


@pytest.mark.parametrize("peer", list(_DCMTK_FRAGMENT))
def test_send_fragment_is_dcmtks(peer: int) -> None:
    assert send_fragment(peer) == _DCMTK_FRAGMENT[peer]


def _context(context_id: int, result: int | None, *syntaxes: str) -> SimpleNamespace:
    return SimpleNamespace(context_id=context_id, result=result, transfer_syntax=list(syntaxes))


def test_answered_contexts_with_and_without_an_answer() -> None:
    proposed = [(1, MOVE), (3, MOVE), (5, MOVE)]
    answers = [_context(1, 0, EXPLICIT), _context(3, 4, IMPLICIT)]
    assert messages.answered_contexts(proposed, answers) == [
        messages.ContextSummary(1, MOVE, [EXPLICIT], 0),
        messages.ContextSummary(3, MOVE, [], 4),  # rejected: no transfer syntax shown
        messages.ContextSummary(5, MOVE, [], 2),  # no answer: "No Reason"
    ]


def test_association_summary_before_and_after_the_peer_answered() -> None:
    contexts = [messages.ContextSummary(1, MOVE, [IMPLICIT])]
    requested = messages.association_summary("US", "THEM", 16384, contexts)
    assert requested == messages.AssociationSummary(
        IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, "US", "THEM", 16384, contexts
    )
    peer = SimpleNamespace(
        implementation_class_uid="1.2.3", implementation_version_name=None, maximum_length=None
    )
    answered = messages.association_summary("US", "THEM", 0, contexts, peer, responding="")
    assert (answered.their_uid, answered.their_version, answered.their_max_pdu) == ("1.2.3", "", 0)
    assert answered.responding == ""
    assert "Responding Application Name: " in messages.association_dump("AC", answered)


def test_condition_texts_with_values() -> None:
    assert conditions.illegal_pdu_length(20000, 16384) == (
        "0006:0308 DUL Illegal PDU Length 20000.  Max expected 16384"
    )
    assert conditions.unrecognized_pdu(0x0A) == "0006:0321 Unrecognized PDU type:  a"
    assert conditions.unexpected_command(0x8001) == (
        "0006:0211 DIMSE: Unexpected Response Command Field: 0x8001"
    )
    assert conditions.tcp_wrapper_denied("host", "127.0.0.1") == (
        "0006:0324 TCP wrapper: denied connection from host (127.0.0.1)"
    )
