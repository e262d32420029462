"""Transfer-syntax lists (spec 4.6, 5.3) and the SCU's DCMTK texts (spec 6.5, 10.3)."""

from __future__ import annotations

import pytest

from movescu.config import PreferredTransferSyntax, ProposedTransferSyntax
from movescu.dicom import contexts, messages

LE, BE, IMPLICIT = contexts.EXPLICIT_LE, contexts.EXPLICIT_BE, contexts.IMPLICIT_LE


@pytest.mark.parametrize(
    ("pref", "first"),
    [
        (PreferredTransferSyntax.LOSSLESS, "1.2.840.10008.1.2.4.70"),
        (PreferredTransferSyntax.JPEG8, "1.2.840.10008.1.2.4.50"),
        (PreferredTransferSyntax.JPEG12, "1.2.840.10008.1.2.4.51"),
        (PreferredTransferSyntax.J2K_LOSSLESS, "1.2.840.10008.1.2.4.90"),
        (PreferredTransferSyntax.J2K_LOSSY, "1.2.840.10008.1.2.4.91"),
        (PreferredTransferSyntax.JLS_LOSSLESS, "1.2.840.10008.1.2.4.80"),
        (PreferredTransferSyntax.JLS_LOSSY, "1.2.840.10008.1.2.4.81"),
        (PreferredTransferSyntax.MPEG2, "1.2.840.10008.1.2.4.100"),
        (PreferredTransferSyntax.MPEG2_HIGH, "1.2.840.10008.1.2.4.101"),
        (PreferredTransferSyntax.MPEG4, "1.2.840.10008.1.2.4.102"),
        (PreferredTransferSyntax.MPEG4_BD, "1.2.840.10008.1.2.4.103"),
        (PreferredTransferSyntax.MPEG4_2_2D, "1.2.840.10008.1.2.4.104"),
        (PreferredTransferSyntax.MPEG4_2_3D, "1.2.840.10008.1.2.4.105"),
        (PreferredTransferSyntax.MPEG4_2_ST, "1.2.840.10008.1.2.4.106"),
        (PreferredTransferSyntax.HEVC, "1.2.840.10008.1.2.4.107"),
        (PreferredTransferSyntax.HEVC10, "1.2.840.10008.1.2.4.108"),
        (PreferredTransferSyntax.RLE, "1.2.840.10008.1.2.5"),
        (PreferredTransferSyntax.DEFLATED, "1.2.840.10008.1.2.1.99"),
    ],
)
def test_single_preference_goes_before_the_uncompressed_ones(pref, first):
    assert contexts.accepted_transfer_syntaxes(pref) == [first, LE, BE, IMPLICIT]


def test_uncompressed_preferences():
    accepted = contexts.accepted_transfer_syntaxes
    assert accepted(PreferredTransferSyntax.UNCOMPRESSED) == [LE, BE, IMPLICIT]
    assert accepted(PreferredTransferSyntax.LITTLE) == [LE, BE, IMPLICIT]
    assert accepted(PreferredTransferSyntax.BIG) == [BE, LE, IMPLICIT]
    assert accepted(PreferredTransferSyntax.IMPLICIT) == [IMPLICIT]


def test_accept_all_is_dcmtk_370s_list_of_36():
    everything = contexts.accepted_transfer_syntaxes(PreferredTransferSyntax.ACCEPT_ALL)
    assert len(everything) == len(set(everything)) == 36
    assert everything[:2] == ["1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.90"]
    assert everything[-6:] == [
        "1.2.840.10008.1.2.8.1",
        "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.1.98",
        LE,
        BE,
        IMPLICIT,
    ]


def test_lists_are_fresh_copies():
    contexts.accepted_transfer_syntaxes(PreferredTransferSyntax.ACCEPT_ALL).clear()
    assert len(contexts.accepted_transfer_syntaxes(PreferredTransferSyntax.ACCEPT_ALL)) == 36


@pytest.mark.parametrize(
    ("proposal", "expected"),
    [
        (ProposedTransferSyntax.UNCOMPRESSED, [LE, BE, IMPLICIT]),
        (ProposedTransferSyntax.LITTLE, [LE, BE, IMPLICIT]),
        (ProposedTransferSyntax.BIG, [BE, LE, IMPLICIT]),
        (ProposedTransferSyntax.IMPLICIT, [IMPLICIT]),
        (ProposedTransferSyntax.DEFLATED, ["1.2.840.10008.1.2.1.99", LE, BE, IMPLICIT]),
    ],
)
def test_proposed_lists(proposal, expected):
    assert contexts.proposed_transfer_syntaxes(proposal) == expected


@pytest.mark.parametrize(
    ("status", "short", "long"),
    [
        (0x0000, "Success", "0x0000: Success: Sub-operations complete - No failures or warnings"),
        (0xFF00, "Pending", "0xff00: Pending: Sub-operations are continuing"),
        (0xA801, "Refused: MoveDestinationUnknown", "0xa801: Refused: Move Destination unknown"),
        (0xC123, "Failed: UnableToProcess", "0xc123: Failed: Unable to process"),
        (0x0107, "Unknown Status: 0x107", "0x0107: Warning"),
        (
            0xB000,
            "Warning: SubOperationsCompleteOneOrMoreFailures",
            "0xb000: Warning: Sub-operations complete - One or more failures or warnings",
        ),
    ],
)
def test_status_texts(status, short, long):
    assert messages.move_status_short(status) == short
    assert messages.move_status_long(status) == long


def test_rejection_lines():
    assert messages.rejection_lines(2, 3, 1) == [
        "Result: Rejected Transient, Source: Service Provider (Presentation Related)",
        "Reason: Temporary Congestion",
    ]
    assert messages.rejection_lines(9, 9, 9) == [
        "Result: UNKNOWN, Source: UNKNOWN",
        "Reason: UNKNOWN",
    ]


def test_address_family_selection():
    from movescu.config import IPFamily
    from movescu.errors import AssociationError
    from movescu.net.scu.transport import resolve_address

    assert resolve_address("127.0.0.1", 104, IPFamily.IPV4) == "127.0.0.1"
    assert resolve_address("::1", 104, IPFamily.IPV6) == "::1"
    assert resolve_address("127.0.0.1", 104, IPFamily.AUTO) == "127.0.0.1"
    with pytest.raises(AssociationError) as caught:
        resolve_address("::1", 104, IPFamily.IPV4)
    assert caught.value.exit_code == 61
    assert caught.value.message.splitlines()[1] == (
        "0006:0320 Attempt to connect to unknown host: ::1"
    )
