"""The many-moves options on the command line (movescu.cli.to_config), through main()."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.cli_support import Runner, run_main_fixture  # noqa: F401 - fixture

K = ["-k", "0010,0010"]


def test_defaults_change_nothing(run_main: Runner) -> None:
    result = run_main(["peer", "104", *K])
    assert result.rc == 0
    extras = result.config.extras
    assert (extras.retry, extras.retry_wait, extras.key_list, extras.parallel, extras.resume) == (
        0,
        0.0,
        None,
        1,
        None,
    )
    assert not extras.bulk


def test_values(run_main: Runner, tmp_path: Path) -> None:
    keys = tmp_path / "keys.csv"
    keys.write_text('"0020,000D"\n1.2.3\n1.2.4\n', encoding="utf-8")
    report = tmp_path / "r.json"
    report.write_text("{}", encoding="utf-8")
    argv = ["--retry", "3", "--retry-wait", "1.5", "--parallel", "4", "--resume", str(report)]
    result = run_main(["peer", "104", *argv, "--key-list", str(keys)])
    assert result.rc == 0, result.err
    extras = result.config.extras
    assert (extras.retry, extras.retry_wait, extras.parallel) == (3, 1.5, 4)
    assert (extras.key_list, extras.resume) == (keys, report)
    assert [row.line for row in extras.key_rows] == [2, 3]
    assert extras.bulk


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--retry", "-1"], "Invalid value for option --retry (-1)"),
        (["--retry", "1001"], "Invalid value for option --retry (overflow: 1001)"),
        (["--parallel", "0"], "Invalid value for option --parallel (underflow: 0)"),
        (["--parallel", "65"], "Invalid value for option --parallel (overflow: 65)"),
        (["--retry-wait", "x"], "Invalid value for option --retry-wait (x)"),
        (["--retry-wait", "-1"], "Invalid value for option --retry-wait (-1)"),
        (["--key-list", "/nonexistent.csv"], "cannot access file: /nonexistent.csv"),
        (["--resume", "/nonexistent.json"], "cannot access file: /nonexistent.json"),
        (
            ["--repeat", "2", "--retry", "1"],
            "--repeat not allowed with --key-list, --parallel, --retry or --resume",
        ),
    ],
)
def test_bad_values(run_main: Runner, options: list[str], message: str) -> None:
    result = run_main(["peer", "104", *options, *K])
    assert (result.rc, result.error) == (1, message)


def test_key_list_alone_is_enough_and_bad_rows_are_usage_errors(
    run_main: Runner, tmp_path: Path
) -> None:
    keys = tmp_path / "keys.csv"
    keys.write_text('"0020,000D"\n1.2.3\n', encoding="utf-8")
    assert run_main(["peer", "104", "--key-list", str(keys)]).rc == 0
    keys.write_text('"0020,000D"\n1.2.3\nBad\n1,2\n', encoding="utf-8")
    result = run_main(["peer", "104", "--key-list", str(keys)])
    assert (result.rc, result.error) == (
        1,
        f"bad key list: {keys}, line 4: 2 values for 1 columns",
    )
    assert run_main(["peer", "104"]).error == (
        "either query file or override keys (or both) must be specified"
    )
