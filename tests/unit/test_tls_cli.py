"""The TLS option group (DCMTK 3.7.0): table vs. man page, evaluation, conflicts, listings."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import pytest
from tests.unit.cli_support import HEADER_RE, Runner, run_main_fixture  # noqa: F401 - fixture

from movescu.cli.helpformat import format_usage
from movescu.cli.options import GROUPS, Kind
from movescu.config import (
    CRLMode,
    KeyFileFormat,
    PasswordSource,
    PeerVerification,
    TLSOptions,
    TLSProfile,
)

#: the TLS section of DCMTK 3.7.0's movescu man page (its option listing, verbatim)
MAN_PAGE = Path(__file__).parents[1] / "data" / "movescu-3.7.0-tls-options.txt"
K = ["-k", "0008,0052=STUDY"]
TLS = ["+tls", "key.pem", "cert.pem"]
_MAN_OPTION = re.compile(r"^  (?:(\S+) +| +)?(--\S+)(?:  (.*))?$")


def _man_page_group() -> list[tuple[str, str, str, str]]:
    """(sub-group, short, long, value + help text) from the 3.7.0 man page's TLS section.

    Texts are compared with line breaks as spaces: the man page puts "(retired)" on
    the same line where ``--help`` breaks it (DCMTK's source has ``\\n(retired)``).
    """
    text = MAN_PAGE.read_text()
    block = text.split(r"\subsection movescu_tls_options", 1)[1].split(r"\endverbatim", 1)[0]
    found: list[tuple[str, str, str, str]] = []
    subgroup = ""
    for line in block.splitlines()[2:]:
        if not line.strip() or line.strip().startswith("#"):
            continue
        if not line.startswith(" "):
            subgroup = line
            continue
        match = _MAN_OPTION.match(line)
        if match:
            texts = match.group(3).strip() if match.group(3) else ""
            found.append((subgroup, match.group(1) or "", match.group(2), texts))
        else:
            sub, short, long, help_text = found[-1]
            joined = f"{help_text} {line.strip()}" if help_text else line.strip()
            found[-1] = (sub, short, long, joined)
    return found


def _our_group() -> list[tuple[str, str, str, str]]:
    group = next(g for g in GROUPS if g.title == "transport layer security (TLS) options:")
    rows = []
    for sub in group.subgroups:
        for option in sub.options:
            texts = ([option.value_help.rstrip()] if option.value_help else []) + [option.help]
            joined = " ".join(texts).replace("\n", " ")
            rows.append((sub.title, option.short, option.long, joined))
    return rows


def test_group_equals_the_3_7_0_man_page() -> None:
    assert _our_group() == _man_page_group()


def test_group_sits_between_network_and_output_options() -> None:
    titles = [g.title for g in GROUPS]
    tls = titles.index("transport layer security (TLS) options:")
    assert titles[tls - 1] == "network options:"
    assert titles[tls + 1] == "output options:"
    lines = format_usage().splitlines()
    assert lines[lines.index("transport layer security (TLS) options:") - 1].startswith(
        "    -up   --uid-padding"
    )


def test_listing_options_are_exclusive() -> None:
    by_long = {o.long: o for g in GROUPS for s in g.subgroups for o in s.options}
    assert by_long["--list-ciphers"].kind is Kind.EXCLUSIVE
    assert by_long["--list-profiles"].kind is Kind.EXCLUSIVE


def test_defaults_without_tls(run_main: Runner) -> None:
    result = run_main(["peer", "104", *K])
    assert result.rc == 0 and result.config is not None
    assert result.config.tls == TLSOptions()


def test_everything_set(run_main: Runner) -> None:
    argv = [*TLS, "+pw", "pw", "-der", "+cf", "a", "+cf", "b", "+cd", "d", "+crl", "c"]
    argv += ["+cra", "+px", "+cs", "TLS_RSA_WITH_AES_128_GCM_SHA256", "+dp", "dh"]
    argv += ["--expect-sni", "host", "+rs", "seed", "+ws", "-vc"]
    result = run_main(["peer", "104", *argv, *K])
    assert result.rc == 0, result.err
    assert result.config is not None
    assert result.config.tls == TLSOptions(
        enabled=True,
        private_key=Path("key.pem"),
        certificate=Path("cert.pem"),
        password_source=PasswordSource.GIVEN,
        password="pw",
        key_format=KeyFileFormat.DER,
        cert_files=(Path("a"), Path("b")),
        cert_dirs=(Path("d"),),
        crl_files=(Path("c"),),
        crl_mode=CRLMode.ALL,
        profile=TLSProfile.BCP195,
        ciphers=("TLS_RSA_WITH_AES_128_GCM_SHA256",),
        dh_params=Path("dh"),
        expect_sni="host",
        seed_file=Path("seed"),
        write_seed_file=Path("seed"),
        peer_verification=PeerVerification.VERIFY,
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["-pw"], (PasswordSource.EMPTY, "")),
        (["-pw", "+ps"], (PasswordSource.PROMPT, None)),
        (["+ps", "+pw", "x"], (PasswordSource.GIVEN, "x")),
    ],
)
def test_password_block_rightmost_wins(
    run_main: Runner, options: list[str], expected: tuple[PasswordSource, str | None]
) -> None:
    config = run_main(["peer", "104", *TLS, *options, *K]).config
    assert config is not None
    assert (config.tls.password_source, config.tls.password) == expected


def test_write_seed_file_and_rightmost_profile(run_main: Runner) -> None:
    argv = [*TLS, "+rs", "in", "+wf", "out", "+pn", "+pa", "-ic", "-rc"]
    config = run_main(["peer", "104", *argv, *K]).config
    assert config is not None
    assert config.tls.write_seed_file == Path("out")
    assert config.tls.profile is TLSProfile.AES
    assert config.tls.peer_verification is PeerVerification.REQUIRE


def test_disable_tls_after_enable_turns_it_off(run_main: Runner) -> None:
    config = run_main(["peer", "104", *TLS, "-tls", *K]).config
    assert config is not None and not config.tls.enabled


# Messages and order as DCMTK 3.7.0's DcmTLSOptions::parseArguments (wording checked
# against DCMTK 3.6.7's storescp, which shares the checks).
TLS_CONFLICTS = [
    (["+ps"], "--std-passwd only allowed with --enable-tls"),
    (["+pw", "x"], "--use-passwd only allowed with --enable-tls"),
    (["-pw"], "--null-passwd only allowed with --enable-tls"),
    (["+tls", "k", "c", "-tls", "-pw"], "--null-passwd only allowed with --enable-tls"),
    (["-pem"], "--pem-keys only allowed with --enable-tls"),
    (["-der"], "--der-keys only allowed with --enable-tls"),
    (["+crv"], "--enable-crl-vfy only allowed with --enable-tls"),
    (["+cra"], "--enable-crl-all only allowed with --enable-tls"),
    (["+dp", "f"], "--dhparam only allowed with --enable-tls"),
    (["--no-sni", "--expect-sni", "a"], "--no-sni not allowed with --expect-sni"),
    (["+rs", "f"], "--seed only allowed with --enable-tls"),
    (["+ws"], "--write-seed only allowed with --enable-tls"),
    ([*TLS, "+ws"], "--write-seed only allowed with --seed"),
    ([*TLS, "+wf", "x"], "--write-seed-file only allowed with --seed"),
    (["-rc"], "--require-peer-cert only allowed with --enable-tls"),
    (["-vc"], "--verify-peer-cert only allowed with --enable-tls"),
    (["-ic"], "--ignore-peer-cert only allowed with --enable-tls"),
    (["+pg"], "--profile-8996 only allowed with --enable-tls"),
    (["+pm"], "--profile-8996-mod only allowed with --enable-tls"),
    (["+py"], "--profile-bcp195-nd only allowed with --enable-tls"),
    (["+px"], "--profile-bcp195 only allowed with --enable-tls"),
    (["+pz"], "--profile-bcp195-ex only allowed with --enable-tls"),
    (["+pb"], "--profile-basic only allowed with --enable-tls"),
    # dcmtls quirk kept: --profile-aes names --profile-basic
    (["+pa"], "--profile-basic only allowed with --enable-tls"),
    (["+pn"], "--profile-null only allowed with --enable-tls"),
    (["+cf", "a"], "--add-cert-file only allowed with --enable-tls"),
    (["+cd", "a"], "--add-cert-dir only allowed with --enable-tls"),
    (["+crl", "a"], "--add-crl-file only allowed with --enable-tls"),
    (["+cs", "x"], "--cipher only allowed with --enable-tls"),
    ([*TLS, "+pz", "+cs", "x"], "--cipher not allowed with --profile-bcp195-ex"),
    (["-pw", "-der"], "--null-passwd only allowed with --enable-tls"),
    (["+cf", "a", "-ic"], "--ignore-peer-cert only allowed with --enable-tls"),
]


@pytest.mark.parametrize(("options", "message"), TLS_CONFLICTS)
def test_first_tls_error_in_dcmtk_order(
    run_main: Runner, options: list[str], message: str
) -> None:
    result = run_main(["peer", "104", *options, *K])
    assert (result.rc, result.error) == (1, message)


def test_enable_tls_takes_two_values(run_main: Runner) -> None:
    result = run_main(["peer", "104", *K, "+tls", "k"])
    assert (result.rc, result.error) == (1, "Missing value for option --enable-tls")


def test_tls_checks_come_after_network_and_before_output_options(run_main: Runner) -> None:
    assert run_main(["peer", "104", "-pw", "-od", "x", *K]).error == (
        "--null-passwd only allowed with --enable-tls"
    )
    assert run_main(["peer", "104", "-pdu", "1", "-pw", *K]).error.startswith(
        "Invalid value for option --max-pdu"
    )


@pytest.mark.parametrize("option", ["+cc", "--list-ciphers"])
def test_list_ciphers_prints_supported_suites_and_exits_0(run_main: Runner, option: str) -> None:
    result = run_main([option, "-pw", "-od", "x"])  # exclusive: the rest is not checked
    lines = result.out.splitlines()
    assert result.rc == 0
    assert HEADER_RE.match(lines[0])
    assert lines[3:5] == ["", "Supported TLS ciphersuites are:"]
    suites = [line.strip() for line in lines[5:]]
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in suites
    assert all(line.startswith("  TLS_") for line in lines[5:])
    # only what this Python's OpenSSL offers (DCMTK's test: "ALL:eNULL")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("ALL:eNULL")
    offered = {c["name"] for c in context.get_ciphers()}
    assert ("DES-CBC3-SHA" in offered) == ("TLS_RSA_WITH_3DES_EDE_CBC_SHA" in suites)


def test_list_profiles_prints_available_profiles_and_exits_0(run_main: Runner) -> None:
    result = run_main(["+ph"])
    lines = result.out.splitlines()
    assert result.rc == 0
    assert lines[3:5] == ["", "Supported TLS profiles are:"]
    profiles = [line.strip() for line in lines[5:]]
    assert profiles[0] == "BCP 195 RFC 8996 TLS Profile"
    assert "Non-downgrading BCP 195 TLS Profile" in profiles
    # Python's ssl cannot select TLS 1.3 suites: the modified profile is never offered
    assert "Modified BCP 195 RFC 8996 TLS Profile" not in profiles


def test_help_wins_over_list_ciphers(run_main: Runner) -> None:
    result = run_main(["+cc", "--help"])
    assert result.rc == 0
    assert "usage: movescu" in result.out


def test_version_names_the_openssl_library_like_dcmtk_3_7_0(run_main: Runner) -> None:
    result = run_main(["--version"])
    assert f"- {ssl.OPENSSL_VERSION}" in result.out.splitlines()


def test_tls_from_config_file_and_environment(run_main: Runner, tmp_path: Path) -> None:
    config_file = tmp_path / "movescu.cfg"
    config_file.write_text(
        "enable-tls = [k.pem, c.pem]\nadd-cert-file = ca.pem\nprofile-bcp195-nd = true\n"
    )
    result = run_main(
        ["--config", str(config_file), "peer", "104", *K], {"MOVESCU_IGNORE_PEER_CERT": "true"}
    )
    assert result.config is not None, result.err
    tls = result.config.tls
    assert (tls.enabled, tls.private_key, tls.certificate) == (True, Path("k.pem"), Path("c.pem"))
    assert tls.cert_files == (Path("ca.pem"),)
    assert tls.profile is TLSProfile.BCP195_ND
    assert tls.peer_verification is PeerVerification.IGNORE
