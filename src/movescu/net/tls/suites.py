# ruff: noqa: E501
"""DCMTK 3.7.0's TLS ciphersuites and security profiles, on Python's :mod:`ssl`.

Owns DCMTK's ciphersuite table (RFC names, OpenSSL names, strength order: dcmtls
``tlsciphr.cc``), the profiles (required suites and the TLS versions each allows),
the ``+cc``/``+ph`` listings and applying a profile plus ``+cs`` suites to a pair
of contexts with DCMTK's checks and messages.  Must not load keys or certificates
(:mod:`movescu.net.tls.setup` does).

Mapping of profiles (suites from ``tlsciphr.cc``; TLS versions from RFC 8996 and
DCMTK's ``getTLSOptions``; see ``docs/tls.md``): ``+pg`` TLS 1.2-1.3 with the four
ECDHE AES-GCM suites; ``+py`` TLS 1.2-1.3 with ECDHE/DHE-RSA AES-GCM; ``+px`` as
``+py`` from the oldest version OpenSSL allows, plus TLS_RSA_WITH_AES_128_CBC_SHA
(and 3DES when available); ``+pz`` TLS 1.2 only, ``+py``'s suites plus ECDHE-ECDSA
AES-GCM; ``+pa``/``+pb``/``+pn`` up to TLS 1.2 with their single suite.  ``+pm``
needs TLS 1.3 CCM suites that Python's ssl cannot select: it fails as with an
OpenSSL that lacks them.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass

from movescu.config import TLSOptions, TLSProfile
from movescu.errors import TLSError
from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

__all__ = ["PROFILES", "Profile", "apply_profile", "format_cipher_list", "format_profile_list"]

# kx: R = static RSA, E = ECDH(E), D = DHE; mac "1" = SHA-1; mode C = CBC; bits 0 = NULL
# DCMTK's globalCipherSuiteList (3.7.0), weakest first; ECDH static suites (absent from
# OpenSSL >= 1.1) and the CAMELLIA-GCM ones (never compiled in) are left out.
_SUITES: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("TLS_RSA_WITH_NULL_SHA", "NULL-SHA", "R", "1", "-", 0),
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", "R", "1", "C", 112),
    ("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", "R", "1", "C", 128),
    ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA", "R", "1", "C", 128),
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", "R", "2", "C", 128),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", "R", "A", "G", 128),
    ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA", "R", "1", "C", 256),
    ("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", "R", "1", "C", 256),
    ("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", "R", "2", "C", 256),
    ("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", "R", "A", "G", 256),
    ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE-DSS-AES128-SHA", "D", "1", "C", 128),
    ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", "DHE-DSS-CAMELLIA128-SHA", "D", "1", "C", 128),
    ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", "D", "1", "C", 128),
    ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA", "D", "1", "C", 128),
    ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "DHE-DSS-AES128-SHA256", "D", "2", "C", 128),
    ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", "D", "2", "C", 128),
    ("TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DHE-DSS-AES128-GCM-SHA256", "D", "A", "G", 128),
    ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", "D", "A", "G", 128),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", "E", "1", "C", 128),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", "E", "1", "C", 128),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", "E", "2", "C", 128),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", "E", "2", "C", 128),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM", "E", "M", "M", 128),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8", "E", "M", "M", 128),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "E", "A", "G", 128),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "E", "A", "G", 128),
    ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE-DSS-AES256-SHA", "D", "1", "C", 256),
    ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", "D", "1", "C", 256),
    ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", "DHE-DSS-CAMELLIA256-SHA", "D", "1", "C", 256),
    ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA", "D", "1", "C", 256),
    ("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305", "D", "A", "-", 256),
    ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "DHE-DSS-AES256-SHA256", "D", "2", "C", 256),
    ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", "D", "2", "C", 256),
    ("TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DHE-DSS-AES256-GCM-SHA384", "D", "A", "G", 256),
    ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", "D", "A", "G", 256),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", "E", "1", "C", 256),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", "E", "1", "C", 256),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384", "E", "3", "C", 256),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", "E", "3", "C", 256),
    ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", "E", "A", "-", 256),
    ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "E", "A", "-", 256),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM", "E", "M", "M", 256),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8", "E", "M", "M", 256),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", "E", "A", "G", 256),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "E", "A", "G", 256),
)  # fmt: skip
_INDEX = {suite[0]: number for number, suite in enumerate(_SUITES)}

_ECDHE_GCM = (
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
)
_ND = (
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
)
_3DES = "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
_V12, _V13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3


@dataclass(frozen=True)
class Profile:
    """One DICOM TLS profile: DCMTK's name, required suites, TLS version range."""

    name: str
    suites: tuple[str, ...]
    minimum: ssl.TLSVersion
    maximum: ssl.TLSVersion
    #: DCMTK's addOptional3DESCipherSuite (warning when missing)
    optional_3des: bool = False
    #: TLS 1.3 suites DCMTK requires (Python's ssl cannot select them)
    tls13_suites: tuple[str, ...] = ()


PROFILES: dict[TLSProfile, Profile] = {
    TLSProfile.BCP195_RFC8996: Profile("BCP 195 RFC 8996 TLS Profile", _ECDHE_GCM, _V12, _V13),
    TLSProfile.BCP195_RFC8996_MODIFIED: Profile(
        "Modified BCP 195 RFC 8996 TLS Profile", (), _V12, _V13,
        tls13_suites=("TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"),
    ),
    TLSProfile.BCP195_ND: Profile("Non-downgrading BCP 195 TLS Profile", _ND, _V12, _V13),
    TLSProfile.BCP195: Profile(
        "BCP 195 TLS Profile", (*_ND, "TLS_RSA_WITH_AES_128_CBC_SHA"),
        ssl.TLSVersion.MINIMUM_SUPPORTED, _V13, optional_3des=True,
    ),
    TLSProfile.BCP195_EXTENDED: Profile(
        "Extended BCP 195 TLS Profile",
        (*_ND, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        _V12, _V12,
    ),
    TLSProfile.BASIC: Profile(
        "Basic TLS Secure Transport Connection Profile", (_3DES,),
        ssl.TLSVersion.MINIMUM_SUPPORTED, _V12,
    ),
    TLSProfile.AES: Profile(
        "AES TLS Secure Transport Connection Profile", ("TLS_RSA_WITH_AES_128_CBC_SHA",),
        ssl.TLSVersion.MINIMUM_SUPPORTED, _V12, optional_3des=True,
    ),
    TLSProfile.NULL: Profile(
        "Authenticated unencrypted communication", ("TLS_RSA_WITH_NULL_SHA",),
        ssl.TLSVersion.MINIMUM_SUPPORTED, _V12,
    ),
}  # fmt: skip

# dcmtls condition codes (tlscond.cc), printed as DimseCondition::dump does
_UNKNOWN_SUITE = "000b:0003 Unknown or invalid ciphersuite: {}"
_NOT_ALLOWED = "000b:000a Ciphersuite not allowed in current DICOM security profile"
_NO_PROFILE = "000b:0018 DICOM TLS Secure Transport Connection Profile not supported"
_NOT_SUPPORTED = (
    "Ciphersuite '{}' not supported by the OpenSSL library used to compile this application."
)


@functools.cache
def supported_openssl_names() -> frozenset[str]:
    """OpenSSL names of the TLS <= 1.2 suites this Python's OpenSSL offers (DCMTK's test)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("ALL:eNULL")
    return frozenset(str(cipher["name"]) for cipher in context.get_ciphers())


def _supported(suite: str) -> bool:
    return suite in _INDEX and _SUITES[_INDEX[suite]][1] in supported_openssl_names()


def _profile_available(profile: TLSProfile) -> bool:
    spec = PROFILES[profile]
    return not spec.tls13_suites and all(_supported(s) for s in spec.suites)


def format_cipher_list(header: str) -> str:
    """``+cc``: DCMTK's ``printSupportedCiphersuites`` after the program header."""
    names = [f"  {suite[0]}\n" for suite in _SUITES if _supported(suite[0])]
    return f"{header}\nSupported TLS ciphersuites are:\n{''.join(names)}"


def format_profile_list(header: str) -> str:
    """``+ph``: the profiles this Python's OpenSSL can provide, in help order."""
    names = [f"  {PROFILES[p].name}\n" for p in TLSProfile if _profile_available(p)]
    return f"{header}\nSupported TLS profiles are:\n{''.join(names)}"


def apply_profile(client: ssl.SSLContext, server: ssl.SSLContext, options: TLSOptions) -> None:
    """DCMTK's setTLSProfile, addCipherSuite (``+cs``) and activateCipherSuites."""
    spec = PROFILES[options.profile]
    if spec.tls13_suites:
        # TLS 1.3 CCM suites cannot be enabled through Python's ssl
        raise TLSError(_NO_PROFILE)
    suites: list[str] = []
    for suite in spec.suites:
        if not _supported(suite):
            logger.critical(_NOT_SUPPORTED.format(suite))
            raise TLSError(_UNKNOWN_SUITE.format(suite))
        suites.append(suite)
    if spec.optional_3des:
        if _supported(_3DES):
            suites.append(_3DES)
        else:
            logger.warning(
                "Ciphersuite '%s' not supported by the OpenSSL library used to compile this "
                "application, no backward compatibility with DICOM Basic TLS profile.",
                _3DES,
            )
    for suite in options.ciphers:
        _check_added_suite(suite, options.profile)
        suites.append(suite)
    names = [_SUITES[_INDEX[s]][1] for s in suites]
    # the server picks the strongest suite (DCMTK sorts its list strongest first)
    strongest = [_SUITES[i][1] for i in sorted({_INDEX[s] for s in suites}, reverse=True)]
    level = "@SECLEVEL=0" if any(_SUITES[_INDEX[s]][5] == 0 for s in suites) else ""
    for context, order in ((client, names), (server, strongest)):
        try:
            context.set_ciphers(":".join(order) + (":" + level if level else ""))
            context.minimum_version = spec.minimum
            context.maximum_version = spec.maximum
        except (ssl.SSLError, ValueError):
            raise TLSError("000b:0002 Unable to set selected cipher suites") from None


def _check_added_suite(suite: str, profile: TLSProfile) -> None:
    """DCMTK's DcmTLSCiphersuiteHandler::addCipherSuite checks and warnings."""
    if suite not in _INDEX:
        raise TLSError(_UNKNOWN_SUITE.format(suite))
    if not _supported(suite):
        logger.critical(_NOT_SUPPORTED.format(suite))
        raise TLSError(_UNKNOWN_SUITE.format(suite))
    name = PROFILES[profile].name
    _tls, _openssl, kx, mac, mode, bits = _SUITES[_INDEX[suite]]
    if profile in (TLSProfile.BCP195_EXTENDED, TLSProfile.BCP195_RFC8996_MODIFIED):
        logger.critical("Additional ciphersuites not permitted with security profile '%s'", name)
        raise TLSError(_NOT_ALLOWED)
    if profile is TLSProfile.NULL:
        return
    if bits == 0:
        logger.critical("Unencrypted ciphersuite '%s' not permitted with security profile '%s'",
                        suite, name)  # fmt: skip
        raise TLSError(_NOT_ALLOWED)
    if profile is not TLSProfile.BCP195_RFC8996:
        if kx == "R":
            logger.warning("Ciphersuite '%s' uses RSA key transport. RFC 7525 recommends "
                           "that such cipher suites should not be used.", suite)  # fmt: skip
        return
    if mac == "1":
        logger.critical("Ciphersuite '%s' using SHA-1 MAC not permitted with security "
                        "profile '%s'", suite, name)  # fmt: skip
        raise TLSError(_NOT_ALLOWED)
    rfc = "RFC 9325 recommends that such cipher suites should not be used"
    if kx == "R":
        logger.warning("Ciphersuite '%s' uses RSA key transport. %s.", suite, rfc)
    if kx == "D":
        logger.warning("Ciphersuite '%s' uses ephemeral finite-field Diffie-Hellman key "
                       "agreement. %s.", suite, rfc)  # fmt: skip
    if mode == "C":
        logger.warning("Ciphersuite '%s' uses CBC mode of operation. %s, unless both sides "
                       "support the encrypt_then_mac extension (we do).", suite, rfc)  # fmt: skip
