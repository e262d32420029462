"""log4cplus layouts as :class:`logging.Formatter` subclasses.

Owns the text layout of log records: DCMTK's default ``%P: %m%n`` prefix format
(:class:`LevelPrefixFormatter`) and the three log4cplus layouts a ``--log-config``
file may name (``SimpleLayout``, ``TTCCLayout``, ``PatternLayout`` with its
conversion pattern).  Must not touch handlers or loggers: :mod:`movescu.log4cplus`
and :mod:`movescu.logconfig` wire these formatters up.

DCMTK's oflog adds ``FormatEachLine`` to ``PatternLayout`` (default on): the
pattern is applied to each line of a multi-line message separately, so every line
gets its own prefix and a message ending in a newline produces a final
prefix-only line.  ``SimpleLayout`` and ``TTCCLayout`` print the message as one
block (checked against DCMTK 3.6.7's movescu).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass

from movescu.loggernames import dcmtk_logger_name

#: log4cplus level names as printed by ``%p``
LEVEL_NAMES = {5: "TRACE", 10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR", 50: "FATAL"}

_START = time.time()


def level_name(levelno: int) -> str:
    """Return the log4cplus name of a ``logging`` level (``WARNING`` is ``WARN``)."""
    for threshold in (5, 10, 20, 30, 40):
        if levelno <= threshold:
            return LEVEL_NAMES[threshold]
    return LEVEL_NAMES[50]


def level_initial(levelno: int) -> str:
    """Return DCMTK's ``%P`` level initial: T, D, I, W, E or F."""
    return level_name(levelno)[0]


def split_lines(message: str) -> list[str]:
    """Split a message into the lines DCMTK prints (a trailing newline adds an empty line)."""
    return message.split("\n")


class LevelPrefixFormatter(logging.Formatter):
    """DCMTK's default layout ``%P: %m%n`` with one prefix per line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        initial = level_initial(record.levelno)
        return "\n".join(f"{initial}: {line}" for line in split_lines(message))


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Conversion:
    """One ``%`` conversion of a pattern, or a literal when ``char`` is empty."""

    char: str
    literal: str = ""
    left_align: bool = False
    min_width: int = 0
    max_width: int | None = None
    option: str | None = None


_CONVERSION = re.compile(r"%(-)?(\d+)?(?:\.(\d+))?([a-zA-Z%])(?:\{([^}]*)\})?")


def parse_pattern(pattern: str) -> list[_Conversion]:
    """Split a log4cplus ``ConversionPattern`` into literals and conversions.

    Unknown conversion characters are kept as literal text (log4cplus logs an
    error and prints them as they are).
    """
    parts: list[_Conversion] = []
    pos = 0
    for match in _CONVERSION.finditer(pattern):
        if match.start() > pos:
            parts.append(_Conversion("", literal=pattern[pos : match.start()]))
        minus, width, precision, char, option = match.groups()
        if char == "%":
            parts.append(_Conversion("", literal="%"))
        else:
            parts.append(
                _Conversion(
                    char,
                    left_align=bool(minus),
                    min_width=int(width) if width else 0,
                    max_width=int(precision) if precision else None,
                    option=option,
                )
            )
        pos = match.end()
    if pos < len(pattern):
        parts.append(_Conversion("", literal=pattern[pos:]))
    return parts


def _format_time(fmt: str, when: float, utc: bool) -> str:
    """strftime plus log4cplus' ``%q`` (milliseconds) and ``%Q`` (fractional ms)."""
    millis = int(when * 1000) % 1000
    micros = int(when * 1_000_000) % 1_000_000
    fmt = fmt.replace("%q", f"{millis:03d}").replace("%Q", f"{micros / 1000:07.3f}")
    return time.strftime(fmt, time.gmtime(when) if utc else time.localtime(when))


def _logger_name(name: str, option: str | None) -> str:
    """``%c{n}``: the last n dot-separated components of the logger name."""
    if option and option.isdigit() and int(option) > 0:
        return ".".join(name.split(".")[-int(option) :])
    return name


class PatternFormatter(logging.Formatter):
    """log4cplus ``PatternLayout``: ``%m %n %p %P %c %d %D %h %H %i %t %r %x %l %L %F %b %M %%``.

    Width (``%5p``), left alignment (``%-5p``) and maximum width (``%.3c``, which
    keeps the *end* of the text, as log4j and log4cplus do) are supported.  With
    ``format_each_line`` (DCMTK's default) the pattern is applied per message line.
    """

    def __init__(self, pattern: str, *, format_each_line: bool = True) -> None:
        super().__init__()
        self.pattern = pattern
        self.parts = parse_pattern(pattern)
        self.format_each_line = format_each_line

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        lines = split_lines(message) if self.format_each_line else [message]
        text = "".join(self._format_line(record, line) for line in lines)
        # logging.StreamHandler appends its own terminator ("\n"); %n already did.
        return text[:-1] if text.endswith("\n") else text

    def _format_line(self, record: logging.LogRecord, line: str) -> str:
        out: list[str] = []
        for part in self.parts:
            if not part.char:
                out.append(part.literal)
                continue
            value = self._convert(part, record, line)
            if part.max_width is not None and len(value) > part.max_width:
                # log4cplus keeps the end and does not pad a truncated value
                value = value[len(value) - part.max_width :]
            elif len(value) < part.min_width:
                value = (
                    value.ljust(part.min_width) if part.left_align else value.rjust(part.min_width)
                )
            out.append(value)
        return "".join(out)

    def _convert(self, part: _Conversion, record: logging.LogRecord, line: str) -> str:
        char = part.char
        if char == "m":
            return line
        if char == "n":
            return "\n"
        if char == "p":
            return level_name(record.levelno)
        if char == "P":
            return level_initial(record.levelno)
        if char == "c":
            name = getattr(record, "dcmtk_logger", None)
            if name is None:  # a record that did not pass through -lc's hierarchy
                name = dcmtk_logger_name(record.name, record.getMessage())
            return _logger_name(name, part.option)
        if char in "dD":
            fmt = part.option if part.option else "%Y-%m-%d %H:%M:%S"
            return _format_time(fmt, record.created, utc=char == "d")
        if char == "h":
            return socket.gethostname().split(".")[0]
        if char == "H":
            return socket.getfqdn()
        if char == "i":
            return str(os.getpid())
        if char == "t":
            return str(record.thread or threading.get_ident())
        if char == "r":
            return str(int((record.created - _START) * 1000))
        if char == "x":
            return ""  # no nested diagnostic context
        if char == "l":
            return f"{record.pathname}:{record.lineno}"
        if char == "L":
            return str(record.lineno)
        if char == "F":
            return record.pathname
        if char == "b":
            return os.path.basename(record.pathname)
        if char == "M":
            return record.funcName
        return "%" + char


def simple_layout() -> PatternFormatter:
    """log4cplus ``SimpleLayout``: ``LEVEL - message``; multi-line messages are not split."""
    return PatternFormatter("%p - %m%n", format_each_line=False)


def ttcc_layout() -> PatternFormatter:
    """log4cplus ``TTCCLayout``: ``ms-since-start [thread] LEVEL logger <> - message``."""
    return PatternFormatter("%r [%t] %p %c <%x> - %m%n", format_each_line=False)
