"""Logging set-up: DCMTK's ``X: message`` format, idempotency, -lc log4cplus configs."""

from __future__ import annotations

import io
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from movescu.config import LoggingOptions, LogLevel
from movescu.errors import UsageError
from movescu.log4cplus import expand, map_logger_name, read_properties
from movescu.logconfig import check_log_config, configure, progress_enabled, quiet_libraries
from movescu.logpattern import LevelPrefixFormatter, PatternFormatter, parse_pattern

DCMTK_LOGGER_CFG = Path("/etc/dcmtk/logger.cfg")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    configure(LoggingOptions(level=LogLevel.WARN), program="movescu", stderr=io.StringIO())


def _record(message: str, level: int = logging.INFO, name: str = "movescu.x") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


# --------------------------------------------------------------------------- default format


@pytest.mark.parametrize(
    ("level", "initial"),
    [(5, "T"), (10, "D"), (20, "I"), (30, "W"), (40, "E"), (50, "F")],
)
def test_prefix_is_level_initial(level: int, initial: str) -> None:
    assert LevelPrefixFormatter().format(_record("hello", level)) == f"{initial}: hello"


def test_every_line_gets_a_prefix_and_trailing_newline_gives_empty_line() -> None:
    text = LevelPrefixFormatter().format(_record("Request Identifiers:\n\n# Dicom-Data-Set\n"))
    assert text.split("\n") == ["I: Request Identifiers:", "I: ", "I: # Dicom-Data-Set", "I: "]


def test_configure_writes_prefixed_lines_to_given_stream() -> None:
    stream = io.StringIO()
    configure(LoggingOptions(level=LogLevel.INFO), program="movescu", stderr=stream)
    logging.getLogger("movescu.net.scu.association").info("Requesting Association")
    logging.getLogger("movescu.net.scu.association").debug("hidden")
    assert stream.getvalue() == "I: Requesting Association\n"


def test_configure_is_idempotent() -> None:
    stream = io.StringIO()
    options = LoggingOptions(level=LogLevel.WARN)
    configure(options, program="movescu", stderr=stream)
    configure(options, program="movescu", stderr=stream)
    logging.getLogger("movescu.query").warning("once")
    assert stream.getvalue() == "W: once\n"
    assert len(logging.getLogger("movescu").handlers) == 1


def test_default_stream_is_sys_stderr_at_write_time(capsys: pytest.CaptureFixture[str]) -> None:
    configure(LoggingOptions(level=LogLevel.INFO), program="movescu")
    logging.getLogger("movescu").info("to stderr")
    captured = capsys.readouterr()
    assert captured.err == "I: to stderr\n"
    assert captured.out == ""


def test_trace_level_name_and_level() -> None:
    stream = io.StringIO()
    configure(LoggingOptions(level=LogLevel.TRACE), program="movescu", stderr=stream)
    logging.getLogger("movescu.net").log(5, "trace line")
    assert logging.getLevelName(5) == "TRACE"
    assert stream.getvalue() == "T: trace line\n"


def test_quiet_shows_only_fatal() -> None:
    stream = io.StringIO()
    configure(LoggingOptions(level=LogLevel.FATAL), program="movescu", stderr=stream)
    logging.getLogger("movescu").error("not shown")
    logging.getLogger("movescu").critical("shown")
    assert stream.getvalue() == "F: shown\n"


@pytest.mark.parametrize(
    ("level", "dots"),
    [
        (LogLevel.INFO, True),
        (LogLevel.DEBUG, False),
        (LogLevel.WARN, False),
        (LogLevel.TRACE, False),
    ],
)
def test_progress_enabled_only_at_exactly_info(level: LogLevel, dots: bool) -> None:
    configure(LoggingOptions(level=level), program="movescu", stderr=io.StringIO())
    assert progress_enabled() is dots
    assert (logging.getLogger("movescu.progress").getEffectiveLevel() == logging.INFO) is dots


def test_library_loggers_do_not_leak() -> None:
    stream = io.StringIO()
    configure(LoggingOptions(level=LogLevel.DEBUG), program="movescu", stderr=stream)
    logging.getLogger("pynetdicom.assoc").error("pynetdicom says")
    logging.getLogger("pydicom").warning("pydicom says")
    assert stream.getvalue() == ""
    assert logging.getLogger("pynetdicom").propagate is False


def test_library_loggers_join_our_output_at_trace() -> None:
    stream = io.StringIO()
    configure(LoggingOptions(level=LogLevel.TRACE), program="movescu", stderr=stream)
    logging.getLogger("pynetdicom.acse").debug("library detail")
    assert stream.getvalue() == "D: library detail\n"


def test_quiet_libraries_sets_pynetdicom_and_pydicom_switches() -> None:
    import pydicom.config
    import pynetdicom._config as pconfig

    saved = (
        pconfig.LOG_HANDLER_LEVEL,
        pconfig.LOG_REQUEST_IDENTIFIERS,
        pconfig.LOG_RESPONSE_IDENTIFIERS,
        pydicom.config.settings.reading_validation_mode,
        pydicom.config.settings.writing_validation_mode,
    )
    try:
        quiet_libraries()
        assert pconfig.LOG_HANDLER_LEVEL == "none"
        assert pconfig.LOG_REQUEST_IDENTIFIERS is False
        assert pconfig.LOG_RESPONSE_IDENTIFIERS is False
        assert pydicom.config.settings.writing_validation_mode == pydicom.config.IGNORE
        assert pydicom.config.settings.reading_validation_mode == pydicom.config.IGNORE
    finally:
        (
            pconfig.LOG_HANDLER_LEVEL,
            pconfig.LOG_REQUEST_IDENTIFIERS,
            pconfig.LOG_RESPONSE_IDENTIFIERS,
        ) = saved[:3]
        pydicom.config.settings.reading_validation_mode = saved[3]
        pydicom.config.settings.writing_validation_mode = saved[4]


# --------------------------------------------------------------------------- check_log_config


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "Specified --log-config file does not contain any settings"),
        ("# only a comment\n\n", "Specified --log-config file does not contain any settings"),
        ("foo = bar\n", "Specified --log-config file does not contain any valid settings"),
        (
            "log4cplus.appender.a = log4cplus::NullAppender\n",
            "Specified --log-config file does not set up log4cplus.rootLogger",
        ),
    ],
)
def test_check_log_config_messages(tmp_path: Path, content: str, message: str) -> None:
    cfg = tmp_path / "log.cfg"
    cfg.write_text(content)
    with pytest.raises(UsageError) as info:
        check_log_config(cfg)
    assert info.value.message == message


def test_check_log_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        check_log_config(tmp_path / "nope.cfg")
    assert info.value.message == "Specified --log-config file does not exist"


def test_check_log_config_accepts_dcmtk_sample() -> None:
    if not DCMTK_LOGGER_CFG.exists():
        pytest.skip("DCMTK's logger.cfg is not installed (apt-get install dcmtk)")
    check_log_config(DCMTK_LOGGER_CFG)


# --------------------------------------------------------------------------- properties


def test_read_properties_trims_and_skips_comments(tmp_path: Path) -> None:
    cfg = tmp_path / "p.cfg"
    cfg.write_text("# c\n  a.b =  x y  \nno equals sign\nc=d=e\n\n")
    assert read_properties(cfg) == {"a.b": "x y", "c": "d=e"}


def test_expand_variables_properties_then_environment() -> None:
    props = {"appname": "movescu", "x": "${appname}-${y}", "y": "Y"}
    assert expand("${x}/${HOME}/${unset}", props, {"HOME": "/home/u"}) == "movescu-Y//home/u/"


def test_logger_name_mapping() -> None:
    assert map_logger_name("dcmtk.apps.movescu.progress") == ("movescu.progress",)
    assert map_logger_name("dcmtk.dcmnet") == ("movescu.net",)
    assert map_logger_name("movescu.net.scu.association") == ("movescu.net.scu.association",)
    assert map_logger_name("dcmtk.apps.storescu.progress") == ()


# --------------------------------------------------------------------------- patterns


def test_pattern_modifiers_follow_log4cplus() -> None:
    # DCMTK 3.6.7 printed "[INFO  |scu|dcmtk.apps.movescu|movescu|I] ..." for this pattern
    formatter = PatternFormatter("[%-6p|%5.3c|%-8.20c|%c{1}|%P] %m%n")
    record = _record("Requesting Association", name="dcmtk.apps.movescu")
    assert formatter.format(record) == (
        "[INFO  |scu|dcmtk.apps.movescu|movescu|I] Requesting Association"
    )


def test_pattern_formats_each_line_by_default() -> None:
    formatter = PatternFormatter("%5p: %m%n")
    assert formatter.format(_record("a\nb\n")) == " INFO: a\n INFO: b\n INFO: "


def test_pattern_without_format_each_line() -> None:
    formatter = PatternFormatter("%p: %m%n", format_each_line=False)
    assert formatter.format(_record("a\nb")) == "INFO: a\nb"


def test_pattern_literal_percent_and_unknown_conversion() -> None:
    parts = parse_pattern("100%% %m")
    assert [p.literal for p in parts if not p.char] == ["100", "%", " "]
    assert PatternFormatter("%m %z").format(_record("x")) == "x %z"


def test_pattern_dates() -> None:
    record = _record("m")
    record.created = 0.25  # 1970-01-01 00:00:00.250 UTC
    assert PatternFormatter("%d{%Y-%m-%d %H:%M:%S.%q}").format(record) == (
        "1970-01-01 00:00:00.250"
    )


# --------------------------------------------------------------------------- -lc configs


def _write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "log.cfg"
    cfg.write_text(text)
    return cfg


def test_console_appender_defaults_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = INFO, out\n"
        "log4cplus.appender.out = log4cplus::ConsoleAppender\n"
        "log4cplus.appender.out.layout = log4cplus::PatternLayout\n"
        "log4cplus.appender.out.layout.ConversionPattern = %P: %m%n\n",
    )
    configure(LoggingOptions(config_file=cfg), program="movescu")
    logging.getLogger("movescu.net").info("line1\nline2")
    captured = capsys.readouterr()
    assert captured.out == "I: line1\nI: line2\n"
    assert captured.err == ""


def test_console_appender_log_to_stderr_and_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = DEBUG, err\n"
        "log4cplus.appender.err = log4cplus::ConsoleAppender\n"
        "log4cplus.appender.err.logToStdErr = true\n"
        "log4cplus.appender.err.Threshold = WARN\n",
    )
    configure(LoggingOptions(config_file=cfg), program="movescu")
    logging.getLogger("movescu").info("dropped by threshold")
    logging.getLogger("movescu").warning("kept\nsecond line")
    captured = capsys.readouterr()
    # SimpleLayout is the default layout and prints the message as one block
    assert captured.err == "WARN - kept\nsecond line\n"
    assert captured.out == ""


def test_simple_and_ttcc_layouts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = INFO, a, b\n"
        "log4cplus.appender.a = log4cplus::ConsoleAppender\n"
        "log4cplus.appender.a.layout = log4cplus::SimpleLayout\n"
        "log4cplus.appender.b = log4cplus::ConsoleAppender\n"
        "log4cplus.appender.b.logToStdErr = true\n"
        "log4cplus.appender.b.layout = log4cplus::TTCCLayout\n",
    )
    configure(LoggingOptions(config_file=cfg), program="movescu")
    logging.getLogger("movescu.net.scu.association").info("Requesting Association")
    captured = capsys.readouterr()
    assert captured.out == "INFO - Requesting Association\n"
    assert re.fullmatch(
        r"\d+ \[\d+\] INFO movescu\.net\.scu\.association <> - Requesting Association\n",
        captured.err,
    )


def test_null_appender_and_additivity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = DEBUG, out\n"
        "log4cplus.appender.out = log4cplus::ConsoleAppender\n"
        "log4cplus.logger.dcmtk.dcmnet = INHERIT, nothing\n"
        "log4cplus.additivity.dcmtk.dcmnet = false\n"
        "log4cplus.appender.nothing = log4cplus::NullAppender\n",
    )
    configure(LoggingOptions(config_file=cfg), program="movescu")
    logging.getLogger("movescu.net.scu.association").debug("swallowed")
    logging.getLogger("movescu.query").debug("shown")
    assert capsys.readouterr().out == "DEBUG - shown\n"


def test_level_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = TRACE, out\n"
        "log4cplus.appender.out = log4cplus::ConsoleAppender\n"
        "log4cplus.appender.out.layout = log4cplus::PatternLayout\n"
        "log4cplus.appender.out.layout.ConversionPattern = %P %m%n\n"
        "log4cplus.appender.out.filters.1 = log4cplus::spi::LogLevelRangeFilter\n"
        "log4cplus.appender.out.filters.1.LogLevelMin = warn\n"
        "log4cplus.appender.out.filters.1.LogLevelMax = error\n"
        "log4cplus.appender.out.filters.1.AcceptOnMatch = true\n"
        "log4cplus.appender.out.filters.2 = log4cplus::spi::DenyAllFilter\n",
    )
    configure(LoggingOptions(config_file=cfg), program="movescu")
    log = logging.getLogger("movescu")
    for level in (5, 10, 20, 30, 40, 50):
        log.log(level, str(level))
    assert capsys.readouterr().out == "W 30\nE 40\n"


def test_file_and_rolling_appenders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = INFO, f, r\n"
        "log4cplus.appender.f = log4cplus::FileAppender\n"
        "log4cplus.appender.f.File = ${appname}.log\n"
        "log4cplus.appender.f.layout = log4cplus::PatternLayout\n"
        "log4cplus.appender.f.layout.ConversionPattern = %p|%m%n\n"
        "log4cplus.appender.r = log4cplus::RollingFileAppender\n"
        "log4cplus.appender.r.File = rolling.log\n"
        "log4cplus.appender.r.MaxFileSize = 300KB\n"
        "log4cplus.appender.r.MaxBackupIndex = 2\n",
    )
    configure(LoggingOptions(config_file=cfg), program="/opt/bin/movescu")
    logging.getLogger("movescu").info("to files")
    configure(LoggingOptions(level=LogLevel.WARN), program="movescu", stderr=io.StringIO())
    assert (tmp_path / "movescu.log").read_text() == "INFO|to files\n"
    assert (tmp_path / "rolling.log").read_text() == "INFO - to files\n"


def test_unknown_appender_class_is_reported(tmp_path: Path) -> None:
    cfg = _write(
        tmp_path,
        "log4cplus.rootLogger = INFO, s\nlog4cplus.appender.s = log4cplus::SocketAppender\n",
    )
    errors = io.StringIO()
    configure(LoggingOptions(config_file=cfg), program="movescu", stderr=errors)
    assert errors.getvalue() == (
        "log4cplus:ERROR Cannot find AppenderFactory: log4cplus::SocketAppender\n"
    )


def test_dcmtk_logger_cfg_progress_and_layouts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DCMTK's shipped logger.cfg: stdout (its ``logToStderr`` spelling is not the
    property name), ``%D{%H:%M:%S} %5p: %m%n`` at INFO and a DEBUG log file, the
    progress logger at exactly INFO -- the shapes DCMTK 3.6.7's movescu produced."""
    if not DCMTK_LOGGER_CFG.exists():
        pytest.skip("DCMTK's logger.cfg is not installed (apt-get install dcmtk)")
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "logger.cfg"
    shutil.copy(DCMTK_LOGGER_CFG, cfg)
    configure(LoggingOptions(config_file=cfg), program="movescu")
    assert progress_enabled()
    logging.getLogger("movescu.net.scu.association").info("Requesting Association")
    logging.getLogger("movescu.net.scu.association").debug("Request Parameters:\n====")
    configure(LoggingOptions(level=LogLevel.WARN), program="movescu", stderr=io.StringIO())
    captured = capsys.readouterr()
    assert re.fullmatch(r"\d\d:\d\d:\d\d  INFO: Requesting Association\n", captured.out)
    lines = (tmp_path / "movescu.log").read_text().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
    assert [re.sub(stamp, "T", line) for line in lines] == [
        "T  INFO: Requesting Association",
        "T DEBUG: Request Parameters:",
        "T DEBUG: ====",
    ]


def test_empty_root_setting_keeps_dcmtk_default(tmp_path: Path) -> None:
    cfg = _write(tmp_path, "log4cplus.rootLogger =\n")
    stream = io.StringIO()
    configure(LoggingOptions(config_file=cfg), program="movescu", stderr=stream)
    logging.getLogger("movescu.net").info("Requesting Association")
    logging.getLogger("movescu.net").debug("hidden")
    # DCMTK 3.6.7: the log4cplus error, then its default "X: " output at INFO
    assert stream.getvalue() == (
        "log4cplus:ERROR PropertyConfigurator::configureLogger()- "
        'Invalid config string(Logger = root): ""\n'
        "I: Requesting Association\n"
    )


def test_root_without_appenders_complains_once(tmp_path: Path) -> None:
    cfg = _write(tmp_path, "log4cplus.rootLogger = WARN\n")
    stream = io.StringIO()
    configure(LoggingOptions(config_file=cfg), program="movescu", stderr=stream)
    logging.getLogger("movescu.net.scu.association").error("one")
    logging.getLogger("movescu.net.scu.association").error("two")
    assert stream.getvalue() == (
        "log4cplus:ERROR No appenders could be found for logger (movescu.net.scu.association).\n"
        "log4cplus:ERROR Please initialize the log4cplus system properly.\n"
    )


def test_directory_as_log_config_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        check_log_config(tmp_path)
    assert info.value.message == "Specified --log-config file does not exist"
