"""The DCMTK scanner and the config-file/environment sources (movescu.cli.parser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from movescu.cli import parse_command_line
from movescu.cli.options import BY_LONG
from movescu.cli.parser import (
    CONFIG_FILE,
    ENVIRONMENT,
    OTHER_VARIABLES,
    Occurrence,
    is_option,
    merge_sources,
    read_lower_sources,
    scan_arguments,
    unknown_variables,
)
from movescu.config import Config
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


def test_merge_keeps_every_source_keys_highest_source_first() -> None:
    """``-k`` is evaluated right to left, the leftmost key of an attribute winning."""
    config = [
        _occ("--key", "QueryRetrieveLevel=STUDY", source=CONFIG_FILE),
        _occ("--key", "PatientID=FILE", source=CONFIG_FILE),
    ]
    env = [_occ("--key", "PatientID=ENV", source=ENVIRONMENT)]
    cli = [_occ("--key", "StudyInstanceUID=1.2.3"), _occ("--verbose")]
    merged = merge_sources(config, env, cli)
    assert [(o.option.long, o.values, o.source) for o in merged] == [
        ("--verbose", (), "command line"),
        ("--key", ("StudyInstanceUID=1.2.3",), "command line"),
        ("--key", ("PatientID=ENV",), ENVIRONMENT),
        ("--key", ("QueryRetrieveLevel=STUDY",), CONFIG_FILE),
        ("--key", ("PatientID=FILE",), CONFIG_FILE),
    ]


def test_keys_from_every_source_are_merged_per_attribute(tmp_path: Path) -> None:
    conf = tmp_path / "movescu.conf"
    conf.write_text('key = ["QueryRetrieveLevel=STUDY", "PatientID=FILE", "0010,0010=F^F"]\n')
    environ = {"MOVESCU_KEY": '["PatientID=ENV", "PatientName=E^E"]'}
    config = parse_command_line(
        ["--config", str(conf), "-k", "PatientName=C^C", "-k", "StudyInstanceUID=1.2", "a", "1"],
        environ,
    )
    assert isinstance(config, Config)
    assert [key.text for key in config.query.keys] == [
        "QueryRetrieveLevel=STUDY",
        "PatientName=C^C",
        "PatientID=ENV",
        "StudyInstanceUID=1.2",
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


def test_occurrences_remember_their_variable_and_config_file_line(tmp_path: Path) -> None:
    conf = tmp_path / "movescu.conf"
    conf.write_text("# site\n\naetitle = ME\ncall: ARCHIVE\nstudy\ncall = LAST\n")
    config, env = read_lower_sources(
        scan_arguments(["--config", str(conf)]), {"MOVESCU_PORT": "11113"}
    )
    assert [(o.option.long, o.origin) for o in config] == [
        ("--study", f"config file '{conf}' line 5"),
        ("--aetitle", f"config file '{conf}' line 3"),
        ("--call", f"config file '{conf}' line 6"),
    ]
    assert [(o.option.long, o.origin) for o in env] == [
        ("--port", "environment variable MOVESCU_PORT")
    ]
    assert scan_arguments(["-v"]).occurrences[0].origin == ""


def _usage_error(args: list[str], environ: dict[str, str]) -> str:
    with pytest.raises(UsageError) as caught:
        parse_command_line(args, environ)
    return caught.value.message


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MOVESCU_PORT", "abc", "Invalid value for option --port (abc)"),
        ("MOVESCU_MAX_PDU", "1", "Invalid value for option --max-pdu (underflow: 1)"),
        ("MOVESCU_LOG_LEVEL", "loud", "Invalid log level for --log-level option"),
        (
            "MOVESCU_KEY",
            "NoSuchKeyword=1",
            "bad key format or dictionary name not found in dictionary: NoSuchKeyword",
        ),
        ("MOVESCU_PADDING_CREATE", "8", "argument --padding-create: expected 2 arguments"),
    ],
)
def test_a_bad_value_from_the_environment_names_the_variable(
    variable: str, value: str, message: str
) -> None:
    text = _usage_error(["-k", "PatientID=1", "a", "1"], {variable: value})
    assert text == f"{message}, from environment variable {variable}"


def test_a_bad_flag_from_the_environment_is_named_once() -> None:
    text = _usage_error(["a", "1"], {"MOVESCU_ABORT": "maybe"})
    assert text.startswith("Unexpected value for MOVESCU_ABORT: 'maybe'.")
    assert text.count("MOVESCU_ABORT") == 1


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        (["call = X", "port = abc"], 2, "Invalid value for option --port (abc)"),
        (["", "# x", "timeout = 0"], 3, "Invalid value for option --timeout (underflow: 0)"),
        (["abort = maybe"], 1, "Unexpected value for abort: 'maybe'."),
        (["call = X", 'key = ["Foo=1"]'], 2, "bad key format or dictionary name"),
    ],
)
def test_a_bad_value_from_a_config_file_names_the_file_and_line(
    tmp_path: Path, lines: list[str], line: int, message: str
) -> None:
    conf = tmp_path / "site.conf"
    conf.write_text("\n".join(lines) + "\n")
    text = _usage_error(["--config", str(conf), "-k", "PatientID=1", "a", "1"], {})
    assert text.startswith(message), text
    assert text.endswith(f", from config file '{conf}' line {line}"), text


def test_a_bad_value_on_the_command_line_keeps_dcmtk_wording() -> None:
    text = _usage_error(["+P", "abc", "-k", "PatientID=1", "a", "1"], {"MOVESCU_PORT": "1"})
    assert text == "Invalid value for option --port (abc)"


def test_unknown_movescu_variables() -> None:
    environ = {
        "MOVESCU_STUDDY": "1",
        "MOVESCU_STUDY": "true",
        "MOVESCU_CONFIG": "x",
        "MOVESCU_HELP": "1",
        "MOVESCU_HOSTS_ALLOW": "/x",
        "MOVESCU_NO_ACCELERATOR": "1",
        "MOVESCU": "1",
        "PATH": "/bin",
    }
    assert unknown_variables(environ) == ["MOVESCU_HELP", "MOVESCU_STUDDY"]


def test_every_movescu_variable_the_code_reads_is_known() -> None:
    """A ``"MOVESCU_..."`` literal in src/ or tests/ is an option's variable or listed."""
    root = Path(__file__).resolve().parents[2]
    names: set[str] = set()
    for path in [*root.glob("src/**/*.py"), *root.glob("tests/**/*.py")]:
        names |= set(re.findall(r"[\"'](MOVESCU_[A-Z0-9_]+)[\"']", path.read_text("utf-8")))
    names -= {"MOVESCU_STUDDY", "MOVESCU_HELP"}  # the typos of the test above
    # not variables: Implementation Version Names (ours, +B's) and a docs check's absent name
    names -= {"MOVESCU_010", "MOVESCU_BP_", "MOVESCU_VERSION"}
    assert {"MOVESCU_HOSTS_ALLOW", "MOVESCU_REQUIRE_PEERS"} <= names
    assert unknown_variables(dict.fromkeys(names, "")) == []
    assert OTHER_VARIABLES <= names | {"MOVESCU_NO_ACCELERATOR"}
