"""Scanning the command line by DCMTK's rules, and reading the config file and environment.

Owns (1) the scanner that turns the expanded argument list into option
occurrences and parameters exactly like DCMTK's ``OFCommandLine::parseLine``, and
(2) reading our additions' lower-precedence sources (``--config FILE`` and
``MOVESCU_*`` environment variables) through configargparse, each occurrence
remembering where it came from (variable, file and line) so that a bad value
can say so, and naming ``MOVESCU_*`` variables that mean nothing to us
(:func:`unknown_variables`), (3) merging the sources by precedence (command
line > environment > config file > default; ``-k`` per attribute), and (4)
:class:`Options`, DCMTK's ``findOption`` (plain and option-block mode) over the
merged occurrences.

It must not evaluate values or check conflicts (that is :mod:`movescu.cli.to_config`)
and must not read ``os.environ``: the environment is passed in.  configargparse is
imported only when a config file or a ``MOVESCU_*`` variable is present, so
``--help`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from movescu.cli.options import BY_LONG, BY_NAME, OPTIONS, Kind, Option
from movescu.errors import UsageError

COMMAND_LINE = "command line"
ENVIRONMENT = "environment"
CONFIG_FILE = "config file"

#: options whose precedence is decided together: a higher source setting any of
#: them replaces everything a lower source said about the log level
_LOGGING_GROUP = frozenset({"--quiet", "--verbose", "--debug", "--log-level", "--log-config"})


@dataclass(frozen=True)
class Occurrence:
    """One option found in one source, with the values it consumed."""

    option: Option
    values: tuple[str, ...] = ()
    source: str = COMMAND_LINE
    #: where a lower source set it, for messages: ``environment variable MOVESCU_PORT``,
    #: ``config file 'movescu.conf' line 3``; empty on the command line
    origin: str = ""


@dataclass(frozen=True)
class Scan:
    """The command line after scanning."""

    occurrences: tuple[Occurrence, ...]
    parameters: tuple[str, ...]
    #: the arguments with every option in its long form (for ``--arguments``)
    arguments: tuple[str, ...]

    def has(self, long: str) -> bool:
        return any(o.option.long == long for o in self.occurrences)


def is_option(arg: str) -> bool:
    """DCMTK's rule: at least 2 chars, starts with ``-``/``+``, 2nd char not a digit."""
    return len(arg) >= 2 and arg[0] in "-+" and arg[1] not in "0123456789"


def scan_arguments(args: Sequence[str]) -> Scan:
    """Split expanded arguments into option occurrences and parameters.

    Options are matched exactly (no abbreviations, no bundling, no ``--opt=value``,
    ``--`` is unknown); an option consumes its values verbatim even when they look
    like options; options and parameters may be interleaved.

    Raises
    ------
    UsageError
        ``Unknown option <arg>`` or ``Missing value for option <long>`` for the
        first problem from the left (always printed, even with ``-q``).
    """
    occurrences: list[Occurrence] = []
    parameters: list[str] = []
    arguments: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not is_option(arg):
            parameters.append(arg)
            arguments.append(arg)
            continue
        option = BY_NAME.get(arg)
        if option is None:
            raise UsageError(f"Unknown option {arg}", quiet_applies=False)
        if index + option.values > len(args):
            raise UsageError(f"Missing value for option {option.long}", quiet_applies=False)
        values = tuple(args[index : index + option.values])
        index += option.values
        occurrences.append(Occurrence(option, values))
        arguments.append(option.long)
        arguments.extend(values)
    return Scan(tuple(occurrences), tuple(parameters), tuple(arguments))


class Options:
    """DCMTK's ``OFCommandLine::findOption`` over the merged occurrence list."""

    def __init__(self, occurrences: Sequence[Occurrence]) -> None:
        self._occurrences = tuple(occurrences)

    def all(self, long: str) -> list[Occurrence]:
        """Every occurrence of ``long``, left to right."""
        return [o for o in self._occurrences if o.option.long == long]

    def last(self, long: str) -> Occurrence | None:
        """The rightmost occurrence (a plain option given twice: rightmost wins)."""
        found = self.all(long)
        return found[-1] if found else None

    def given(self, *longs: str) -> bool:
        return any(o.option.long in longs for o in self._occurrences)

    def block(self, *longs: str) -> list[Occurrence]:
        """An option block: members in DCMTK's source order ``longs``.

        A member is found if its rightmost occurrence lies to the right of the
        member found before it.  The last element is the winner; every element
        found on the way must run its checks (DCMTK ``beginOptionBlock``).
        """
        found: list[Occurrence] = []
        position = -1
        for long in longs:
            for index in range(len(self._occurrences) - 1, position, -1):
                if self._occurrences[index].option.long == long:
                    found.append(self._occurrences[index])
                    position = index
                    break
        return found


# --------------------------------------------------------------------------- lower sources

_SETTABLE = tuple(o for o in OPTIONS if o.kind is not Kind.EXCLUSIVE and o.long != "--config")

#: ``MOVESCU_*`` variables that are not option settings but have a meaning of their
#: own (so no "unknown environment variable" warning for them)
OTHER_VARIABLES = frozenset(
    {
        "MOVESCU_HOSTS_ALLOW",  # net/access/rules.py: hosts.allow table for +ac
        "MOVESCU_HOSTS_DENY",  # net/access/rules.py: hosts.deny table for +ac
        "MOVESCU_NO_ACCELERATOR",  # net/seams: plain pynetdicom code paths only
        "MOVESCU_REQUIRE_PEERS",  # the test suite: a missing peer fails, not skips
        "MOVESCU_DCMTK_BIN",  # the test suite: where DCMTK's tools are
    }
)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """The ``MOVESCU_*`` names in ``environ`` that no option and nothing else reads (sorted)."""
    known = {o.env_var for o in _SETTABLE} | {BY_LONG["--config"].env_var} | OTHER_VARIABLES
    return sorted(name for name in environ if name.startswith("MOVESCU_") and name not in known)


def _dest(option: Option) -> str:
    return option.key.replace("-", "_")


def _make_reader() -> Any:
    import configargparse

    class Reader(configargparse.ArgParser):  # type: ignore[misc]
        def error(self, message: str) -> Any:  # noqa: D102 - argparse hook
            raise UsageError(message, quiet_applies=False)

    reader = Reader(prog="movescu", add_help=False, allow_abbrev=False)
    for option in _SETTABLE:
        kwargs: dict[str, Any] = {"dest": _dest(option), "default": None}
        if option.values == 0:
            kwargs["action"] = "store_true"
        elif option.long == "--key":
            kwargs["action"] = "append"
        elif option.values > 1:
            kwargs["nargs"] = option.values
        reader.add_argument(option.long, env_var=option.env_var, **kwargs)
    return reader


def _occurrences_from(
    namespace: Any, source: str, origin: Callable[[Option], str]
) -> list[Occurrence]:
    found: list[Occurrence] = []
    for option in _SETTABLE:
        value = getattr(namespace, _dest(option))
        if value is None or value is False:
            continue
        where = origin(option)
        if option.values == 0:
            found.append(Occurrence(option, (), source, where))
        elif option.long == "--key":
            found.extend(Occurrence(option, (str(item),), source, where) for item in value)
        elif isinstance(value, list):
            values = tuple(str(item) for item in value)
            found.append(Occurrence(option, values, source, where))
        else:
            found.append(Occurrence(option, (str(value),), source, where))
    return found


def _setting_lines(text: str) -> dict[str, int]:
    """Config-file key -> number of the line that sets it (the last, as configargparse)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line[0] in "#;[" or line.startswith("---"):
            continue
        match = re.match(r"[^:=;#\s]+", line)
        if match:
            lines[match.group()] = number
    return lines


def _located(error: UsageError, origin: str, name: str) -> UsageError:
    """``error`` naming where the bad value came from (unless it names ``name`` already)."""
    if name in error.message:
        return error
    return UsageError(f"{error.message}, from {origin}", quiet_applies=error.quiet_applies)


def _parse_config_file(reader: Any, text: str, path: str) -> tuple[Any, list[str]]:
    try:
        parsed: tuple[Any, list[str]] = reader.parse_known_args(
            args=[], env_vars={}, config_file_contents=text
        )
        return parsed
    except UsageError as error:
        # find the line: each one alone, in order (only on this error path)
        for number, line in enumerate(text.splitlines(), 1):
            try:
                reader.parse_known_args(args=[], env_vars={}, config_file_contents=line)
            except UsageError:
                raise _located(error, f"config file '{path}' line {number}", path) from None
        raise


def _parse_environment(reader: Any, env: Mapping[str, str]) -> Any:
    try:
        return reader.parse_known_args(args=[], env_vars=env, config_file_contents="")[0]
    except UsageError as error:
        for name in sorted(env):
            try:
                reader.parse_known_args(
                    args=[], env_vars={name: env[name]}, config_file_contents=""
                )
            except UsageError:
                raise _located(error, f"environment variable {name}", name) from None
        raise


def _config_path(scan: Scan, environ: Mapping[str, str]) -> str | None:
    paths = [o.values[0] for o in scan.occurrences if o.option.long == "--config"]
    if paths:
        return paths[-1]
    return environ.get(BY_LONG["--config"].env_var)


def read_lower_sources(
    scan: Scan, environ: Mapping[str, str]
) -> tuple[list[Occurrence], list[Occurrence]]:
    """Read the config file and the ``MOVESCU_*`` variables.

    Returns
    -------
    (config_file, environment)
        Occurrences from each source, in help order.

    Raises
    ------
    UsageError
        The config file cannot be read, holds an unknown key, or a value has the
        wrong shape (e.g. a flag set to ``maybe``).
    """
    path = _config_path(scan, environ)
    ours = {o.env_var for o in _SETTABLE}
    env = {key: value for key, value in environ.items() if key in ours}
    if path is None and not env:
        return [], []
    reader = _make_reader()
    from_config: list[Occurrence] = []
    if path is not None:
        try:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"Cannot open config file '{path}'", quiet_applies=False) from None
        if "\0" in text:  # a binary file, even if it decodes (paths cannot hold NUL)
            raise UsageError(f"Cannot open config file '{path}'", quiet_applies=False)
        namespace, unknown = _parse_config_file(reader, text, path)
        if unknown:
            key = unknown[0].lstrip("-").split("=", 1)[0]
            raise UsageError(
                f"Unknown setting '{key}' in config file '{path}'", quiet_applies=False
            )
        lines = _setting_lines(text)

        def in_file(option: Option) -> str:
            number = lines.get(option.key)
            return f"config file '{path}'" + ("" if number is None else f" line {number}")

        from_config = _occurrences_from(namespace, CONFIG_FILE, in_file)
    from_env: list[Occurrence] = []
    if env:
        namespace = _parse_environment(reader, env)
        from_env = _occurrences_from(
            namespace, ENVIRONMENT, lambda option: f"environment variable {option.env_var}"
        )
    return from_config, from_env


def _precedence_key(option: Option) -> str:
    if option.long in _LOGGING_GROUP:
        return "logging"
    return "block:" + option.block if option.block else option.long


def merge_sources(*sources: Sequence[Occurrence]) -> list[Occurrence]:
    """Merge occurrences, lowest precedence first, into one left-to-right list.

    An option (or any member of an exclusive sub-group, or any logging option)
    given by a higher source drops what lower sources said about it; what remains
    is concatenated so that DCMTK's "rightmost wins" gives the higher source's
    choice.  ``-k`` is merged per attribute instead: every source's keys are kept,
    the highest source's first, because ``-k`` is evaluated right to left and
    the leftmost key for an attribute wins (DCMTK's rule on the command line).
    """
    merged: list[Occurrence] = []
    for level, occurrences in enumerate(sources):
        decided = {_precedence_key(o.option) for higher in sources[level + 1 :] for o in higher}
        merged.extend(
            o
            for o in occurrences
            if o.option.long != "--key" and _precedence_key(o.option) not in decided
        )
    keys = [
        o for occurrences in reversed(sources) for o in occurrences if o.option.long == "--key"
    ]
    return merged + keys
