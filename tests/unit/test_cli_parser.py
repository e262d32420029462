"""The DCMTK scanner and the config-file/environment sources (movescu.cli.parser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from movescu.cli.options import BY_LONG
from movescu.cli.parser import (
    CONFIG_FILE,
    ENVIRONMENT,
    Occurrence,
    is_option,
    merge_sources,
    read_lower_sources,
    scan_arguments,
)
from movescu.errors import UsageError


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("-", False),
        ("+", False),
        ("-5", False),
        ("+1", False),
        ("-v", True),
        ("+P", True),
        ("--", True),
        ("-x=", True),
        ("", False),
        ("@x", False),
        ("-٣", True),
    ],
)
def test_is_option(arg: str, expected: bool) -> None:
    assert is_option(arg) is expected


def test_options_and_parameters_interleave_and_values_are_verbatim() -> None:
    scan = scan_arguments(["-aet", "-k", "peer", "-v", "104", "+p", "2", "-4", "q.dcm"])
    assert scan.parameters == ("peer", "104", "q.dcm")
    assert [(o.option.long, o.values) for o in scan.occurrences] == [
        ("--aetitle", ("-k",)),
        ("--verbose", ()),
        ("--padding-create", ("2", "-4")),
    ]
    assert scan.arguments == (
        "--aetitle",
        "-k",
        "peer",
        "--verbose",
        "104",
        "--padding-create",
        "2",
        "-4",
        "q.dcm",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--verb"], "Unknown option --verb"),
        (["-vd"], "Unknown option -vd"),
        (["--"], "Unknown option --"),
        (["--key=0010,0020=X"], "Unknown option --key=0010,0020=X"),
        (["--help", "--foo"], "Unknown option --foo"),
        (["a", "1", "-pdu"], "Missing value for option --max-pdu"),
        (["+p", "1"], "Missing value for option --padding-create"),
        (["--bogus", "-pdu"], "Unknown option --bogus"),
    ],
)
def test_scan_errors(args: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        scan_arguments(args)
    assert caught.value.message == message
    assert caught.value.quiet_applies is False


def _occ(long: str, *values: str, source: str = "command line") -> Occurrence:
    return Occurrence(BY_LONG[long], values, source)


def test_merge_keeps_higher_source_per_option_and_sub_group() -> None:
    config = [
        _occ("--aetitle", "CFG", source=CONFIG_FILE),
        _occ("--prefer-big", source=CONFIG_FILE),
        _occ("--call", "CFGCALL", source=CONFIG_FILE),
        _occ("--log-level", "info", source=CONFIG_FILE),
    ]
    env = [_occ("--aetitle", "ENV", source=ENVIRONMENT), _occ("--accept-all", source=ENVIRONMENT)]
    cli = [_occ("--prefer-little"), _occ("--verbose")]
    merged = merge_sources(config, env, cli)
    assert [(o.option.long, o.values) for o in merged] == [
        ("--call", ("CFGCALL",)),
        ("--aetitle", ("ENV",)),
        ("--prefer-little", ()),
        ("--verbose", ()),
    ]


def test_environment_variables(tmp_path: Path) -> None:
    scan = scan_arguments(["a", "1"])
    config, env = read_lower_sources(
        scan,
        {
            "MOVESCU_AETITLE": "ME",
            "MOVESCU_PREFER_LITTLE": "true",
            "MOVESCU_ABORT": "false",
            "MOVESCU_PADDING_CREATE": "[8, 4]",
            "MOVESCU_KEY": '["0010,0010=A", "0010,0020=B"]',
            "MOVESCU_REQUIRE_PEERS": "1",
            "PATH": "/bin",
        },
    )
    assert config == []
    assert [(o.option.long, o.values, o.source) for o in env] == [
        ("--key", ("0010,0010=A",), ENVIRONMENT),
        ("--key", ("0010,0020=B",), ENVIRONMENT),
        ("--aetitle", ("ME",), ENVIRONMENT),
        ("--prefer-little", (), ENVIRONMENT),
        ("--padding-create", ("8", "4"), ENVIRONMENT),
    ]


def test_config_file_from_command_line_or_environment(tmp_path: Path) -> None:
    path = tmp_path / "movescu.conf"
    path.write_text(
        "# comment\naetitle = FROMFILE\nbit-preserving = true\noutput-directory = -x\n"
    )
    for scan, environ in (
        (scan_arguments(["--config", str(path)]), {}),
        (scan_arguments([]), {"MOVESCU_CONFIG": str(path)}),
    ):
        config, env = read_lower_sources(scan, environ)
        assert env == []
        assert [(o.option.long, o.values) for o in config] == [
            ("--aetitle", ("FROMFILE",)),
            ("--output-directory", ("-x",)),
            ("--bit-preserving", ()),
        ]


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        read_lower_sources(scan_arguments(["--config", str(tmp_path / "none")]), {})
    assert caught.value.message == f"Cannot open config file '{tmp_path / 'none'}'"
    bad = tmp_path / "bad.conf"
    bad.write_text("no-such-option = 1\n")
    with pytest.raises(UsageError) as caught:
        read_lower_sources(scan_arguments(["--config", str(bad)]), {})
    assert caught.value.message == f"Unknown setting 'no-such-option' in config file '{bad}'"


def test_bad_flag_value_in_environment() -> None:
    with pytest.raises(UsageError) as caught:
        read_lower_sources(scan_arguments([]), {"MOVESCU_ABORT": "maybe"})
    assert "MOVESCU_ABORT" in caught.value.message
