"""The option table and help text against DCMTK 3.6.7's help (tests/data)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.cli_support import HEADER_RE

from movescu.cli.helpformat import format_usage, format_version
from movescu.cli.options import GROUPS, OPTIONS, Kind

DCMTK_HELP = (Path(__file__).parents[1] / "data" / "movescu-3.6.7-help.txt").read_text()
_OPTION_LINE = re.compile(r"^ {2,4}(\S+)?\s+(--\S+)")


def _dcmtk_options() -> list[tuple[str, str]]:
    found = []
    for line in DCMTK_HELP.splitlines():
        match = _OPTION_LINE.match(line)
        if match and not line.startswith("  " * 2 + " " * 25):
            short = (
                match.group(1) if match.group(1) and not match.group(1).startswith("--") else ""
            )
            found.append((short, match.group(2)))
    return found


#: DCMTK 3.7.0's group, checked against its man page in tests/unit/test_tls_cli.py
TLS_GROUP = "transport layer security (TLS) options:"
TLS_OPTIONS = {
    o.long for g in GROUPS if g.title == TLS_GROUP for s in g.subgroups for o in s.options
}


def _ours_without_additions() -> str:
    lines = format_usage().splitlines()
    start = lines.index("  IP protocol version:")
    del lines[start : start + 4]
    start = lines.index(TLS_GROUP)
    del lines[start : lines.index("output options:")]
    end = lines.index("movescu additions (not in DCMTK):")
    del lines[end:]
    return "\n".join(lines[1:] + ["", ""])


def test_every_dcmtk_option_is_in_the_table_in_help_order() -> None:
    dcmtk = _dcmtk_options()
    assert len(dcmtk) == 79
    ours = [
        (o.short, o.long)
        for o in OPTIONS
        if not o.ours and o.block != "ip_family" and o.long not in TLS_OPTIONS
    ]
    assert ours == dcmtk
    assert len(TLS_OPTIONS) == 32


def test_help_equals_dcmtk_except_header_ip_and_tls_groups_and_additions() -> None:
    dcmtk = DCMTK_HELP.splitlines()
    assert _ours_without_additions() == "\n".join(dcmtk[1:] + [""])
    assert HEADER_RE.match(format_usage().splitlines()[0])


def test_help_names_the_mirrored_dcmtk_and_where_to_report() -> None:
    lines = format_usage().splitlines()
    assert "clone of DCMTK movescu v3.6.7" in lines[0]
    assert lines[-2].startswith("Report problems at https://")


def test_ip_group_is_first_under_network_options_as_in_3_7_0() -> None:
    lines = format_usage().splitlines()
    start = lines.index("network options:")
    assert lines[start + 1 : start + 5] == [
        "  IP protocol version:",
        "    -i4   --ipv4                 use IPv4 only (default)",
        "    -i6   --ipv6                 use IPv6 only",
        "    -i0   --ip-auto              use IPv6/IPv4 dual stack",
    ]


def test_our_additions_come_last_and_use_unused_long_names() -> None:
    assert GROUPS[-1].title == "movescu additions (not in DCMTK):"
    additions = [o.long for o in OPTIONS if o.ours]
    assert additions[:10] == [
        "--config",
        "--progress",
        "--no-progress",
        "--report",
        "--no-accelerator",
        "--retry",
        "--retry-wait",
        "--key-list",
        "--parallel",
        "--resume",
    ]
    # storescp 3.6.7's output organisation and event options
    assert additions[10:] == [
        "--sort-conc-studies",
        "--sort-on-study-uid",
        "--sort-on-patientname",
        "--default-filenames",
        "--unique-filenames",
        "--timenames",
        "--filename-extension",
        "--exec-on-reception",
        "--exec-on-eostudy",
        "--rename-on-eostudy",
        "--eostudy-timeout",
        "--exec-sync",
    ]
    for long in additions:
        assert long not in DCMTK_HELP


def test_table_kinds() -> None:
    by_long = {o.long: o for o in OPTIONS}
    assert by_long["--help"].kind is Kind.EXCLUSIVE
    assert by_long["--padding-create"].values == 2
    assert by_long["--port"].block == by_long["--no-port"].block == "port"
    for option in OPTIONS:
        assert (option.kind is Kind.MEMBER) == bool(option.block)
        assert option.env_var == "MOVESCU_" + option.long[2:].upper().replace("-", "_")


def test_version_names_us_dcmtk_and_libraries() -> None:
    text = format_version()
    assert HEADER_RE.match(text.splitlines()[0])
    assert "DCMTK movescu v3.6.7" in text
    for name in ("Python", "pydicom", "pynetdicom", "https://github.com/movescu/movescu/issues"):
        assert name in text
