"""Evaluating DCMTK 3.7.0's TLS options into :class:`~movescu.config.TLSOptions`.

Owns the order and the dependence/conflict checks of dcmtls'
``DcmTLSOptions::parseArguments`` for an acceptor-requestor (movescu), with
DCMTK's messages; called by :func:`movescu.cli.to_config.build_config` after the
network options.  Must not open files or build SSL contexts (that is
:mod:`movescu.net.tls.setup`, when the run starts).
"""

from __future__ import annotations

from pathlib import Path

from movescu.cli.checks import block_members, check_conflict, check_dependence
from movescu.cli.parser import Options
from movescu.config import (
    CRLMode,
    KeyFileFormat,
    PasswordSource,
    PeerVerification,
    TLSOptions,
    TLSProfile,
)

__all__ = ["evaluate_tls"]

_TLS = "--enable-tls"
#: dcmtls' option-block order for the profiles (DcmTLSOptions::parseArguments)
_PROFILE_ORDER = (
    "--profile-8996",
    "--profile-8996-mod",
    "--profile-bcp195",
    "--profile-bcp195-nd",
    "--profile-bcp195-ex",
    "--profile-basic",
    "--profile-aes",
    "--profile-null",
)


def _paths(options: Options, long: str) -> tuple[Path, ...]:
    return tuple(Path(o.values[0]) for o in options.all(long))


def evaluate_tls(options: Options) -> TLSOptions:
    """DCMTK 3.7.0's ``DcmTLSOptions::parseArguments`` for an acceptor-requestor."""
    enabled, key, cert = False, None, None
    for occurrence in options.block("--disable-tls", "--enable-tls"):
        enabled = bool(occurrence.values)
        key, cert = (occurrence.values[0], occurrence.values[1]) if enabled else (None, None)
    source, password = PasswordSource.PROMPT, None
    for occurrence in options.block(*block_members("passwd")):
        check_dependence(occurrence.option.long, _TLS, enabled)
        source = occurrence.option.choice  # type: ignore[assignment]
        password = {PasswordSource.GIVEN: None, PasswordSource.EMPTY: ""}.get(source)
        password = occurrence.values[0] if occurrence.values else password
    key_format = KeyFileFormat.PEM
    for occurrence in options.block("--pem-keys", "--der-keys"):
        check_dependence(occurrence.option.long, _TLS, enabled)
        key_format = occurrence.option.choice  # type: ignore[assignment]
    crl_mode = CRLMode.NONE
    for occurrence in options.block("--enable-crl-vfy", "--enable-crl-all"):
        check_dependence(occurrence.option.long, _TLS, enabled)
        crl_mode = occurrence.option.choice  # type: ignore[assignment]
    dh_params = options.last("--dhparam")
    if dh_params is not None:
        check_dependence("--dhparam", _TLS, enabled)
    sni = options.last("--expect-sni")
    if options.given("--no-sni"):
        check_conflict("--no-sni", "--expect-sni", sni is not None)
    seed = options.last("--seed")
    if seed is not None:
        check_dependence("--seed", _TLS, enabled)
    write_seed: Path | None = None
    for occurrence in options.block("--write-seed", "--write-seed-file"):
        check_dependence(occurrence.option.long, _TLS, enabled)
        check_dependence(occurrence.option.long, "--seed", seed is not None)
        write_seed = Path((occurrence.values or seed.values)[0])  # type: ignore[union-attr]
    verification = PeerVerification.REQUIRE
    for occurrence in options.block(
        "--require-peer-cert", "--ignore-peer-cert", "--verify-peer-cert"
    ):
        check_dependence(occurrence.option.long, _TLS, enabled)
        verification = occurrence.option.choice  # type: ignore[assignment]
    profile = TLSProfile.BCP195_RFC8996
    for occurrence in options.block(*_PROFILE_ORDER):
        # dcmtls quirk: --profile-aes reports its dependence as "--profile-basic"
        name = occurrence.option.long
        check_dependence("--profile-basic" if name == "--profile-aes" else name, _TLS, enabled)
        profile = occurrence.option.choice  # type: ignore[assignment]
    for long in ("--add-cert-file", "--add-cert-dir", "--add-crl-file"):
        if options.given(long):
            check_dependence(long, _TLS, enabled)
    if options.given("--cipher"):
        check_dependence("--cipher", _TLS, enabled)
        check_conflict("--cipher", "--profile-bcp195-ex", profile is TLSProfile.BCP195_EXTENDED)
    return TLSOptions(
        enabled=enabled,
        private_key=Path(key) if key is not None else None,
        certificate=Path(cert) if cert is not None else None,
        password_source=source,
        password=password,
        key_format=key_format,
        cert_files=_paths(options, "--add-cert-file"),
        cert_dirs=_paths(options, "--add-cert-dir"),
        crl_files=_paths(options, "--add-crl-file"),
        crl_mode=crl_mode,
        profile=profile,
        ciphers=tuple(o.values[0] for o in options.all("--cipher")),
        dh_params=Path(dh_params.values[0]) if dh_params else None,
        expect_sni=sni.values[0] if sni and not options.given("--no-sni") else None,
        seed_file=Path(seed.values[0]) if seed else None,
        write_seed_file=write_seed,
        peer_verification=verification,
    )
