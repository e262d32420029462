"""main(): the single error boundary (movescu.main)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.unit.cli_support import HEADER_RE, Runner, run_main_fixture  # noqa: F401 - fixture

from movescu.config import Config
from movescu.errors import AssociationError, OutputDirectoryError
from movescu.exit_codes import ExitCode

K = ["-k", "0010,0010"]


def test_usage_error_printed_like_dcmtk_print_error(run_main: Runner) -> None:
    result = run_main(["peer", "104", "--bogus"])
    lines = result.err.splitlines()
    assert result.rc == 1 and result.out == ""
    assert HEADER_RE.match(lines[0])
    assert lines[1:] == [
        "",
        "movescu: DICOM retrieve (C-MOVE) SCU",
        "error: Unknown option --bogus",
    ]


@pytest.mark.parametrize("argv", [[], ["-h"], ["peer", "--help"], ["--version", "--help"]])
def test_usage_on_stdout(run_main: Runner, argv: list[str]) -> None:
    result = run_main(argv)
    assert result.rc == 0 and result.err == ""
    assert result.out.splitlines()[3] == "usage: movescu [options] peer port [dcmfile-in...]"


def test_empty_command_file_counts_as_no_arguments(run_main: Runner, tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("")
    result = run_main([f"@{tmp_path / 'empty'}"])
    assert result.rc == 0 and "usage: movescu" in result.out


def test_version(run_main: Runner) -> None:
    result = run_main(["--version", "-q", "peer"])
    assert result.rc == 0 and "pydicom, Version" in result.out


def test_parse_error_wins_over_help_and_version(run_main: Runner) -> None:
    assert run_main(["--help", "--foo"]).error == "Unknown option --foo"
    assert run_main(["--version", "-pdu"]).error == "Missing value for option --max-pdu"


def test_run_receives_config_and_its_code_is_returned(
    run_main: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Config] = []

    def fake_run(config: Config) -> ExitCode:
        seen.append(config)
        return ExitCode.CMOVE_WARNING

    monkeypatch.setattr(sys.modules["movescu.retrieve"], "run", fake_run)
    assert run_main(["peer", "104", *K]).rc == 68
    assert seen[0].network.peer == "peer"


def test_movescu_error_logged_as_fatal_lines(
    run_main: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_run(config: Config) -> int:
        raise AssociationError("Association Request Failed:\n0006:031c TCP Initialization Error")

    monkeypatch.setattr(sys.modules["movescu.retrieve"], "run", fake_run)
    result = run_main(["peer", "104", *K, "-q"])
    assert result.rc == 61
    assert result.err.splitlines() == [
        "F: Association Request Failed:",
        "F: 0006:031c TCP Initialization Error",
    ]


def test_keyboard_interrupt(run_main: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(config: Config) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["movescu.retrieve"], "run", fake_run)
    result = run_main(["peer", "104", *K])
    assert (result.rc, result.err.splitlines()) == (130, ["F: interrupted"])


def test_unexpected_exception_one_line_traceback_only_with_debug(
    run_main: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_run(config: Config) -> int:
        raise ValueError("boom")

    monkeypatch.setattr(sys.modules["movescu.retrieve"], "run", fake_run)
    result = run_main(["peer", "104", *K])
    assert (result.rc, result.err.splitlines()) == (1, ["F: internal error: ValueError: boom"])
    result = run_main(["peer", "104", *K, "-d"])
    assert result.rc == 1 and "Traceback" in result.err and "D: traceback" in result.err


def test_missing_network_stage_fails_cleanly(
    run_main: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "movescu.retrieve", None)
    result = run_main(["peer", "104", *K])
    assert result.rc == 1
    assert result.err.startswith("F: internal error: ") and "Traceback" not in result.err


def test_debug_header_after_command_line(run_main: Runner) -> None:
    lines = run_main(["peer", "104", *K, "-d"]).err.splitlines()
    assert HEADER_RE.match(lines[0][3:]) and lines[0].startswith("D: ")
    assert lines[1] == "D: "


def test_output_directory_missing(run_main: Runner, tmp_path: Path) -> None:
    plain = tmp_path / "file"
    plain.write_text("")
    for directory in (tmp_path / "none", plain):
        result = run_main(["peer", "104", *K, "-q", "+P", "11112", "-od", str(directory)])
        assert result.rc == OutputDirectoryError.exit_code == 45
        assert result.err.splitlines() == ["F: specified output directory does not exist"]


def test_output_directory_not_writeable(
    run_main: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.access", lambda path, mode: mode != __import__("os").W_OK)
    result = run_main(["peer", "104", *K, "+P", "11112", "-od", str(tmp_path)])
    assert result.rc == 40
    assert result.err.splitlines() == ["F: specified output directory is not writeable"]


def test_output_directory_checked_after_whole_command_line(run_main: Runner) -> None:
    # DCMTK 3.6.7 run: the query file error comes first
    result = run_main(["peer", "104", "+P", "11112", "-od", "/nonexistent", "/nonexistent.dcm"])
    assert result.error == "cannot access file: /nonexistent.dcm"


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with only our sources on the path."""
    src = str(Path(__file__).parents[2] / "src")
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_no_heavy_modules(option: str) -> None:
    # --help/--version must stay fast (< 150 ms): no pydicom, pynetdicom, configargparse
    code = (
        "import sys\n"
        "from movescu.main import main\n"
        f"rc = main([{option!r}], {{}})\n"
        "heavy = [m for m in ('pydicom', 'pynetdicom', 'configargparse') if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))\n"
        "sys.exit(rc)\n"
    )
    proc = _run_python(code)
    assert proc.returncode == 0
    assert proc.stderr == "[]"


def test_command_process_runs_pydicom_without_numpy_and_requests() -> None:
    # the console entry point keeps pydicom from importing its optional numpy and
    # requests (start-up time, issue 6); a key is still evaluated with pydicom loaded
    code = (
        "import sys\n"
        "from movescu import main as m\n"
        "m._skip_unused_optional_libraries()\n"
        "rc = m.main(['-k', 'PatientName=A^B', '--help'], {})\n"
        "import pydicom.config\n"
        "loaded = [n for n in m.UNUSED_OPTIONAL_LIBRARIES if sys.modules.get(n) is not None]\n"
        "sys.stderr.write(repr((loaded, pydicom.config.have_numpy)))\n"
        "sys.exit(rc)\n"
    )
    proc = _run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "([], False)"


def test_api_leaves_optional_libraries_alone() -> None:
    # only console_main() hides numpy/requests; main() (the API) must not
    from movescu import main as m

    before = {name: sys.modules.get(name, "absent") for name in m.UNUSED_OPTIONAL_LIBRARIES}
    m.main(["--version"], {})
    after = {name: sys.modules.get(name, "absent") for name in m.UNUSED_OPTIONAL_LIBRARIES}
    assert before == after


def test_sighup_ignored_by_nohup_stays_ignored() -> None:
    import signal

    from movescu import main as m

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        previous = m._install_signal_handlers()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        m._restore_signal_handlers(previous)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        previous = m._install_signal_handlers()
        assert signal.getsignal(signal.SIGHUP) is m._on_sigterm
        m._restore_signal_handlers(previous)
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, before)
