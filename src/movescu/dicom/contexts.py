"""Transfer-syntax lists and presentation contexts (spec sections 4.6, 5.3, 7.1).

Owns which transfer syntaxes we *propose* on the C-MOVE association (``-x…``)
and which we *accept*, in which preference, on incoming storage associations
(``+x…``).  Pure data: no pynetdicom import at module level, no I/O.
"""

from __future__ import annotations

from movescu.config import PreferredTransferSyntax, ProposedTransferSyntax, QueryModel

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
ENCAPSULATED_UNCOMPRESSED = "1.2.840.10008.1.2.1.98"
DEFLATED_IMAGE_FRAME = "1.2.840.10008.1.2.8.1"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"

#: Uncompressed syntaxes in DCMTK's "local byte order first" order on a
#: little-endian host (we only claim little-endian hosts, as every CPython target is).
_UNCOMPRESSED = [EXPLICIT_LE, EXPLICIT_BE, IMPLICIT_LE]


def _jpeg(suffix: str) -> str:
    return f"1.2.840.10008.1.2.4.{suffix}"


# +x… options that put one transfer syntax in front of the uncompressed ones
# (DCMTK storescp/movescu, 3.6.2+ where all of them work).
_SINGLE_PREFERRED: dict[PreferredTransferSyntax, str] = {
    PreferredTransferSyntax.LOSSLESS: _jpeg("70"),
    PreferredTransferSyntax.JPEG8: _jpeg("50"),
    PreferredTransferSyntax.JPEG12: _jpeg("51"),
    PreferredTransferSyntax.J2K_LOSSLESS: _jpeg("90"),
    PreferredTransferSyntax.J2K_LOSSY: _jpeg("91"),
    PreferredTransferSyntax.JLS_LOSSLESS: _jpeg("80"),
    PreferredTransferSyntax.JLS_LOSSY: _jpeg("81"),
    PreferredTransferSyntax.MPEG2: _jpeg("100"),
    PreferredTransferSyntax.MPEG2_HIGH: _jpeg("101"),
    PreferredTransferSyntax.MPEG4: _jpeg("102"),
    PreferredTransferSyntax.MPEG4_BD: _jpeg("103"),
    PreferredTransferSyntax.MPEG4_2_2D: _jpeg("104"),
    PreferredTransferSyntax.MPEG4_2_3D: _jpeg("105"),
    PreferredTransferSyntax.MPEG4_2_ST: _jpeg("106"),
    PreferredTransferSyntax.HEVC: _jpeg("107"),
    PreferredTransferSyntax.HEVC10: _jpeg("108"),
    PreferredTransferSyntax.RLE: RLE_LOSSLESS,
    PreferredTransferSyntax.DEFLATED: DEFLATED_LE,
}

#: ``+xa`` as in DCMTK 3.7.0 (36 entries, spec section 5.3).
ACCEPT_ALL: tuple[str, ...] = (
    _jpeg("91"),
    _jpeg("90"),
    _jpeg("51"),
    _jpeg("50"),
    _jpeg("70"),
    _jpeg("81"),
    _jpeg("80"),
    RLE_LOSSLESS,
    _jpeg("100"),
    _jpeg("100.1"),
    _jpeg("101"),
    _jpeg("101.1"),
    _jpeg("102"),
    _jpeg("102.1"),
    _jpeg("103"),
    _jpeg("103.1"),
    _jpeg("104"),
    _jpeg("104.1"),
    _jpeg("105"),
    _jpeg("105.1"),
    _jpeg("106"),
    _jpeg("106.1"),
    _jpeg("107"),
    _jpeg("108"),
    _jpeg("201"),
    _jpeg("202"),
    _jpeg("203"),
    _jpeg("110"),
    _jpeg("111"),
    _jpeg("112"),
    DEFLATED_IMAGE_FRAME,
    DEFLATED_LE,
    ENCAPSULATED_UNCOMPRESSED,
    EXPLICIT_LE,
    EXPLICIT_BE,
    IMPLICIT_LE,
)


def accepted_transfer_syntaxes(pref: PreferredTransferSyntax) -> list[str]:
    """Transfer syntaxes the Storage SCP accepts, most preferred first.

    Parameters
    ----------
    pref : PreferredTransferSyntax
        The ``+x…`` choice.

    Returns
    -------
    list of str
        Transfer syntax UIDs in DCMTK 3.7.0's preference order (spec section 5.3).
    """
    if pref is PreferredTransferSyntax.ACCEPT_ALL:
        return list(ACCEPT_ALL)
    if pref is PreferredTransferSyntax.IMPLICIT:
        return [IMPLICIT_LE]
    if pref is PreferredTransferSyntax.BIG:
        return [EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE]
    if pref in (PreferredTransferSyntax.UNCOMPRESSED, PreferredTransferSyntax.LITTLE):
        return list(_UNCOMPRESSED)
    return [_SINGLE_PREFERRED[pref], *_UNCOMPRESSED]


def proposed_transfer_syntaxes(proposal: ProposedTransferSyntax) -> list[str]:
    """Transfer syntaxes proposed on both contexts of the C-MOVE association (spec 4.6).

    Parameters
    ----------
    proposal : ProposedTransferSyntax
        The ``-x…`` choice.

    Returns
    -------
    list of str
        Transfer syntax UIDs in proposal order.
    """
    if proposal is ProposedTransferSyntax.IMPLICIT:
        return [IMPLICIT_LE]
    if proposal is ProposedTransferSyntax.BIG:
        return [EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE]
    if proposal is ProposedTransferSyntax.DEFLATED:
        return [DEFLATED_LE, *_UNCOMPRESSED]
    return list(_UNCOMPRESSED)


#: (FIND model, MOVE model) abstract syntaxes per ``-P/-S/-O`` (spec 4.3).
MODEL_SOP_CLASSES: dict[QueryModel, tuple[str, str]] = {
    QueryModel.PATIENT: ("1.2.840.10008.5.1.4.1.2.1.1", "1.2.840.10008.5.1.4.1.2.1.2"),
    QueryModel.STUDY: ("1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.2.2"),
    QueryModel.PSONLY: ("1.2.840.10008.5.1.4.1.2.3.1", "1.2.840.10008.5.1.4.1.2.3.2"),
}

#: DCMTK's presentation context IDs for the two proposed contexts (spec 7.1).
FIND_CONTEXT_ID = 1
MOVE_CONTEXT_ID = 3
