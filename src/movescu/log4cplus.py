"""Reader for DCMTK's ``--log-config`` files (log4cplus properties format).

Owns parsing the properties file, ``${var}`` expansion and turning loggers,
appenders, layouts and filters into :mod:`logging` objects.  It does not decide
*when* to configure: :func:`movescu.logconfig.configure` calls :func:`apply_properties`.

Logger names are DCMTK's: each of our lines carries the name of the DCMTK
logger that emits it (table in :mod:`movescu.loggernames`), and
:class:`HierarchyHandler` applies the configured loggers' levels, appenders and
additivity by those names, as log4cplus does; names that start with
``movescu`` (our module loggers) may be configured as well; other ``dcmtk.*``
names (e.g. ``dcmtk.apps.storescu.progress`` in DCMTK's shipped ``logger.cfg``)
never receive lines from us.

Appenders: ``ConsoleAppender`` (stdout unless ``logToStdErr = true``; the
property names are case-sensitive as in log4cplus, so DCMTK's sample spelling
``logToStderr`` leaves it on stdout, exactly like DCMTK), ``NullAppender``,
``FileAppender``, ``RollingFileAppender``, ``DailyRollingFileAppender``.
Other classes print log4cplus' ``Cannot find AppenderFactory`` error and are skipped.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from movescu.loggernames import dcmtk_logger_name
from movescu.logpattern import PatternFormatter, simple_layout, ttcc_layout

LEVELS = {"TRACE": 5, "ALL": 5, "DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "FATAL": 50}
OFF = 60

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def read_properties(path: Path) -> dict[str, str]:
    """Read a log4cplus properties file: ``key = value`` lines, ``#`` comments.

    Keys and values are trimmed; lines without ``=`` are ignored; a later key
    overrides an earlier one (log4cplus ``Properties``).
    """
    props: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as stream:
        for raw in stream:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                continue
            props[key.strip()] = value.strip()
    return props


def predefined_variables(program: str) -> dict[str, str]:
    """The variables DCMTK's oflog adds before configuring (``oflog.cc``)."""
    now = time.localtime()
    return {
        "appname": os.path.basename(program),
        "hostname": socket.gethostname().split(".")[0],
        "pid": str(os.getpid()),
        "date": time.strftime("%Y%m%d", now),
        "time": time.strftime("%H%M%S", now),
    }


def expand(value: str, props: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """Expand ``${name}`` recursively: properties first, then the environment."""
    for _ in range(16):  # log4cplus bounds the recursion too
        if "${" not in value:
            break

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            return props.get(name, environ.get(name, ""))

        value = _VARIABLE.sub(lookup, value)
    return value


def parse_level(text: str) -> int | None:
    """A log4cplus level name (case-insensitive), ``OFF``, or None if unknown/INHERIT."""
    word = text.strip().upper()
    if word == "OFF":
        return OFF
    return LEVELS.get(word)


def _truthy(text: str | None, default: bool) -> bool:
    if text is None:
        return default
    return text.strip().lower() in ("true", "1", "yes", "on")


def _file_size(text: str | None, default: int) -> int:
    """``MaxFileSize``: a number with optional ``KB`` / ``MB`` suffix (min 200 KB)."""
    if not text:
        return default
    match = re.fullmatch(r"\s*(\d+)\s*(KB|MB)?\s*", text, re.IGNORECASE)
    if not match:
        return default
    size = int(match.group(1)) * {"KB": 1024, "MB": 1024 * 1024}.get(
        (match.group(2) or "").upper(), 1
    )
    return max(size, 200 * 1024)  # log4cplus' MINIMUM_ROLLING_LOG_SIZE


if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[TextIO]
else:
    _StreamHandler = logging.StreamHandler


class DynamicStreamHandler(_StreamHandler):
    """A stream handler whose stream is looked up at each write.

    ``get_stream`` returns e.g. the *current* ``sys.stderr``, so redirections
    made after configuration (pytest's capsys, ``contextlib.redirect_stderr``) work.
    """

    def __init__(self, get_stream: Callable[[], TextIO]) -> None:
        super().__init__()
        self.get_stream = get_stream

    @property
    def stream(self) -> TextIO:
        return self.get_stream()

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _console_stream(use_stderr: bool) -> Callable[[], TextIO]:
    return (lambda: sys.stderr) if use_stderr else (lambda: sys.stdout)


class _Log4cplusFilter(logging.Filter):
    """A log4cplus filter chain: the first filter that accepts or denies decides."""

    def __init__(self, chain: list[Callable[[logging.LogRecord], bool | None]]) -> None:
        super().__init__()
        self.chain = chain

    def filter(self, record: logging.LogRecord) -> bool:
        for decide in self.chain:
            verdict = decide(record)
            if verdict is not None:
                return verdict
        return True


def _make_filter(
    kind: str, props: Mapping[str, str]
) -> Callable[[logging.LogRecord], bool | None]:
    """One ``filters.<n>`` entry; property names are matched case-insensitively."""
    lowered = {k.lower(): v for k, v in props.items()}
    accept = _truthy(lowered.get("acceptonmatch"), True)
    name = kind.rsplit("::", 1)[-1]
    if name == "LogLevelMatchFilter":
        level = parse_level(lowered.get("logleveltomatch", ""))
        return lambda r: accept if r.levelno == level else None
    if name == "LogLevelRangeFilter":
        low = parse_level(lowered.get("loglevelmin", "")) or 0
        high = parse_level(lowered.get("loglevelmax", "")) or OFF
        return lambda r: accept if low <= r.levelno <= high else False
    if name == "StringMatchFilter":
        needle = lowered.get("stringtomatch", "")
        return lambda r: accept if needle and needle in r.getMessage() else None
    return lambda r: False  # DenyAllFilter (and unknown filters: deny, as a safe default)


def _subset(props: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}


def _make_formatter(props: Mapping[str, str]) -> logging.Formatter:
    layout = props.get("layout", "log4cplus::SimpleLayout").rsplit("::", 1)[-1]
    each_line = _truthy(props.get("layout.FormatEachLine"), True)
    if layout == "PatternLayout":
        pattern = props.get("layout.ConversionPattern", props.get("layout.Pattern", "%m%n"))
        return PatternFormatter(pattern, format_each_line=each_line)
    if layout == "TTCCLayout":
        return ttcc_layout()
    return simple_layout()


def make_handler(name: str, props: Mapping[str, str], error: TextIO) -> logging.Handler | None:
    """Build the handler for appender ``name`` from its properties (already expanded)."""
    kind = props.get("", "").strip()
    cls = kind.rsplit("::", 1)[-1]
    handler: logging.Handler
    if cls == "ConsoleAppender":
        handler = DynamicStreamHandler(_console_stream(_truthy(props.get("logToStdErr"), False)))
    elif cls == "NullAppender":
        handler = logging.NullHandler()
    elif cls in ("FileAppender", "RollingFileAppender", "DailyRollingFileAppender"):
        filename = props.get("File", "")
        mode = "a" if _truthy(props.get("Append"), False) else "w"
        if cls == "FileAppender":
            handler = logging.FileHandler(filename, mode=mode, delay=True)
        elif cls == "RollingFileAppender":
            handler = logging.handlers.RotatingFileHandler(
                filename,
                mode=mode,
                maxBytes=_file_size(props.get("MaxFileSize"), 10 * 1024 * 1024),
                backupCount=int(props.get("MaxBackupIndex", "1") or 1),
                delay=True,
            )
        else:
            when, interval = {
                "MONTHLY": ("D", 30),
                "WEEKLY": ("W0", 1),
                "TWICE_DAILY": ("H", 12),
                "HOURLY": ("H", 1),
                "MINUTELY": ("M", 1),
            }.get(props.get("Schedule", "DAILY").strip().upper(), ("MIDNIGHT", 1))
            handler = logging.handlers.TimedRotatingFileHandler(
                filename,
                when=when,
                interval=interval,
                backupCount=int(props.get("MaxBackupIndex", "10") or 10),
                delay=True,
            )
    else:
        error.write(f"log4cplus:ERROR Cannot find AppenderFactory: {kind or name}\n")
        return None
    handler.set_name(name)
    handler.setFormatter(_make_formatter(props))
    threshold = parse_level(props.get("Threshold", ""))
    if threshold is not None:
        handler.setLevel(threshold)
    filters = _subset(props, "filters.")
    numbers = sorted({k.split(".", 1)[0] for k in filters}, key=lambda n: (len(n), n))
    chain = [_make_filter(filters[n], _subset(filters, f"{n}.")) for n in numbers if n in filters]
    if chain:
        handler.addFilter(_Log4cplusFilter(chain))
    return handler


class _Node:
    """One log4cplus logger of the configuration: its level, appenders, additivity."""

    __slots__ = ("level", "handlers", "additive")

    def __init__(self, level: int | None, handlers: list[logging.Handler], additive: bool):
        self.level = level  # None: inherited
        self.handlers = handlers
        self.additive = additive


class HierarchyHandler(logging.Handler):
    """Our records dispatched as log4cplus dispatches DCMTK's, by DCMTK's logger names.

    Attached to our ``movescu`` logger only.  Each record gets the DCMTK logger
    name of its line (:func:`movescu.loggernames.dcmtk_logger_name`, kept in
    ``record.dcmtk_logger`` for ``%c``); its level is checked against the
    nearest configured logger up that name's hierarchy (our own names, when a
    configuration uses them, come first), then the appenders of each logger up
    to the root are called until one is not additive.  A line no appender takes
    gets log4cplus' complaint once.
    """

    def __init__(self, nodes: dict[str, _Node], error: Callable[[], TextIO]) -> None:
        super().__init__()
        self.nodes = nodes
        self.error = error
        self.warned = False

    @property
    def inner_handlers(self) -> list[logging.Handler]:
        """Every appender of the configuration (for the progress display's hooks)."""
        found: list[logging.Handler] = []
        for node in self.nodes.values():
            found += [h for h in node.handlers if h not in found]
        return found

    def close(self) -> None:
        for handler in self.inner_handlers:
            handler.close()
        super().close()

    def chain(self, name: str, dcmtk_name: str) -> list[_Node]:
        """The configured loggers a record of ``name`` meets, most specific first."""
        names: list[str] = []
        ours = name
        while ours == "movescu" or ours.startswith("movescu."):
            names.append(ours)
            ours = ours.rpartition(".")[0]
        theirs = dcmtk_name
        while theirs:
            names.append(theirs)
            theirs = theirs.rpartition(".")[0]
        names.append("")
        return [self.nodes[n] for n in names if n in self.nodes]

    def effective_level(self, name: str, dcmtk_name: str) -> int:
        for node in self.chain(name, dcmtk_name):
            if node.level is not None:
                return node.level
        return logging.DEBUG

    def emit(self, record: logging.LogRecord) -> None:
        dcmtk_name = dcmtk_logger_name(record.name, record.getMessage())
        chain = self.chain(record.name, dcmtk_name)
        level = next((n.level for n in chain if n.level is not None), logging.DEBUG)
        if record.levelno < level:
            return
        record.dcmtk_logger = dcmtk_name
        appended = False
        for node in chain:
            for handler in node.handlers:
                appended = True
                if record.levelno >= handler.level:
                    handler.handle(record)
            if not node.additive:
                break
        if not appended and not self.warned:
            self.warned = True
            stream = self.error()
            stream.write(
                f"log4cplus:ERROR No appenders could be found for logger ({dcmtk_name}).\n"
                "log4cplus:ERROR Please initialize the log4cplus system properly.\n"
            )
            stream.flush()


def apply_properties(
    props: Mapping[str, str],
    *,
    program: str,
    environ: Mapping[str, str] | None = None,
    error: TextIO | None = None,
    default_handler: logging.Handler | None = None,
) -> list[logging.Logger]:
    """Configure our loggers from parsed properties; return the loggers touched.

    Loggers are DCMTK's (``dcmtk.apps.movescu``, ``dcmtk.dcmdata``, ...; our own
    ``movescu.*`` names are accepted too); one :class:`HierarchyHandler` on our
    ``movescu`` logger applies them.  An empty root setting is rejected as
    log4cplus does and leaves DCMTK's default: INFO through ``default_handler``.
    """
    env = os.environ if environ is None else environ
    err = sys.stderr if error is None else error
    merged = dict(props)
    merged.update(predefined_variables(program))  # oflog sets them after reading the file
    values = {k: expand(v, merged, env) for k, v in merged.items()}

    handlers: dict[str, logging.Handler | None] = {}

    def handler_for(name: str) -> logging.Handler | None:
        if name not in handlers:
            appender = _subset(values, f"log4cplus.appender.{name}")
            props_for = {k.lstrip("."): v for k, v in appender.items()}
            if "" not in props_for:
                err.write(f"log4cplus:ERROR Appender named [{name}] not defined\n")
                handlers[name] = None
            else:
                handlers[name] = make_handler(name, props_for, err)
        return handlers[name]

    nodes: dict[str, _Node] = {}
    entries: list[tuple[str, str]] = [("", values["log4cplus.rootLogger"])]
    loggers = _subset(values, "log4cplus.logger.")
    entries += sorted(loggers.items(), key=lambda item: item[0].count("."))
    for name, setting in entries:
        if not setting.strip():
            # log4cplus rejects it and leaves the logger as it was (for the root:
            # DCMTK's default set-up)
            shown = "root" if name == "" else name
            err.write(
                "log4cplus:ERROR PropertyConfigurator::configureLogger()- "
                f'Invalid config string(Logger = {shown}): ""\n'
            )
            continue
        level_text, *appenders = [part.strip() for part in setting.split(",")]
        level = parse_level(level_text) if level_text else None
        if name == "" and level is None:
            level = logging.DEBUG
        attached = [h for h in map(handler_for, filter(None, appenders)) if h is not None]
        additive = name == "" or _truthy(values.get(f"log4cplus.additivity.{name}"), True)
        nodes[name] = _Node(level, attached, additive)
    if "" not in nodes:
        nodes[""] = _Node(logging.INFO, [default_handler] if default_handler else [], True)
    dispatcher = HierarchyHandler(nodes, (lambda: error) if error is not None else _stderr)
    root = logging.getLogger("movescu")
    root.addHandler(dispatcher)
    # records below every configured level are not even created (debug dumps cost)
    root.setLevel(min((n.level for n in nodes.values() if n.level is not None), default=0))
    touched = [root]
    progress = logging.getLogger("movescu.progress")  # its level decides the RECV: dots
    progress.setLevel(dispatcher.effective_level(progress.name, dcmtk_logger_name(progress.name)))
    touched.append(progress)
    return touched


def _stderr() -> TextIO:
    return sys.stderr
