"""hosts_options(5): the option field of a matched hosts.allow/hosts.deny rule.

Owns the evaluation of ``daemons : clients : option : option ...`` the way
Debian's libwrap 7.6.q (built with PROCESS_OPTIONS) judges it: ``allow`` and
``deny`` decide, a malformed or unknown option denies (libwrap's tcpd_jump).
Must not carry any option out: commands (``spawn``, ``twist``, ``aclexec``) are
never executed and process state (``user``, ``group``, ``umask``, ``nice``,
``setenv``, socket options, banners) is never changed. ``twist`` and ``aclexec``
deny, because a client that libwrap would hand to another program (or vet with
one) is not served by us; everything else only has its syntax checked.
"""

from __future__ import annotations

import grp
import pwd
import re

from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

_OPTION_SPACE = " \t\r\n"

#: hosts_options(5) as Debian's libwrap knows them: name -> (argument, must be last).
#: argument: "need", "none" or "optional".
_OPTIONS: dict[str, tuple[str, bool]] = {
    "user": ("need", False),
    "group": ("need", False),
    "umask": ("need", False),
    "linger": ("need", False),
    "keepalive": ("none", False),
    "spawn": ("need", False),
    "twist": ("need", True),
    "rfc931": ("optional", False),
    "setenv": ("need", False),
    "nice": ("optional", False),
    "severity": ("need", False),
    "allow": ("none", True),
    "deny": ("none", True),
    "banners": ("need", False),
    "aclexec": ("need", False),
}
_FACILITIES = frozenset(
    "kern user mail daemon auth lpr news uucp cron".split() + [f"local{n}" for n in range(8)]
)
_SEVERITIES = frozenset("emerg alert crit err warning notice info debug".split())
_INTEGER = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def evaluate_options(options: str, where: str) -> bool | None:
    """The verdict of a matched rule's option field, evaluated without side effects.

    Parameters
    ----------
    options : str
        Everything after the second ``:`` of the rule, including its newline.
    where : str
        ``<table>, line <n>`` for the warnings.

    Returns
    -------
    bool or None
        True (``allow``), False (``deny``, a malformed option, ``twist``,
        ``aclexec``) or None when the options leave the table's verdict alone.
    """
    fields = _option_fields(options)
    for index, field in enumerate(fields):
        key, value = _split_option(field)
        spec = _OPTIONS.get(key.lower())
        problem = _option_problem(key, value, spec, last=index == len(fields) - 1)
        if problem:
            logger.warning("%s: %s", where, problem)
            return False
        lowered = key.lower()
        if lowered in ("allow", "deny"):
            return lowered == "allow"
        if lowered in ("twist", "aclexec"):
            logger.warning("%s: option %s is not supported: access denied", where, lowered)
            return False
        logger.debug("%s: option %s ignored", where, lowered)
    return None


def _option_fields(options: str) -> list[str]:
    """libwrap get_field(): fields split at ``:``, ``\\:`` stands for a literal colon."""
    fields: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(options):
        char = options[index]
        if char == ":":
            fields.append("".join(current))
            current = []
            if index + 1 == len(options):
                return fields  # "rule ends in ':'": no empty field follows
        elif char == "\\" and options[index + 1 : index + 2] == ":":
            current.append(":")
            index += 1
        else:
            current.append(char)
        index += 1
    fields.append("".join(current))
    return fields


def _split_option(field: str) -> tuple[str, str | None]:
    """Name and value: separated by whitespace and/or one ``=``."""
    text = field.strip(_OPTION_SPACE)
    cut = next((i for i, c in enumerate(text) if c in "=" + _OPTION_SPACE), len(text))
    key, value = text[:cut], text[cut:]
    if value and value[0] != "=":
        value = value.lstrip(_OPTION_SPACE)
    if value.startswith("="):
        value = value[1:].lstrip(_OPTION_SPACE)
    return key, value or None


def _option_problem(
    key: str, value: str | None, spec: tuple[str, bool] | None, *, last: bool
) -> str | None:
    """libwrap's complaint about one option, or None if it is acceptable."""
    if not key:
        return "missing option name"
    if spec is None:
        return f'bad option name: "{key}"'
    argument, use_last = spec
    if value is None and argument == "need":
        return f'option "{key}" requires value'
    if value is not None and argument == "none":
        return f'option "{key}" requires no value'
    if use_last and not last:
        return f'option "{key}" must be at end'
    if value is None:
        return None
    return _value_problem(key.lower(), value)


def _value_problem(key: str, value: str) -> str | None:
    valid = True
    if key in ("nice", "linger", "rfc931"):
        valid = _INTEGER.fullmatch(value) is not None
        if valid and key != "nice":
            valid = int(value) >= (0 if key == "linger" else 1)
    elif key == "umask":
        valid = re.fullmatch(r"[ \t\n\v\f\r]*[+]?[0-7]+", value) is not None
        valid = valid and int(value, 8) <= 0o777
    elif key == "severity":
        facility, dot, level = value.partition(".")
        if not dot:
            facility, level = "", value
        valid = level.lower() in _SEVERITIES and (not dot or facility.lower() in _FACILITIES)
    elif key in ("user", "group"):
        valid = _account_exists(key, value)
    elif key == "setenv":
        variable = value.split(None, 1)[0] if value.split() else ""
        valid = bool(variable) and "=" not in variable
    return None if valid else f'bad {key} value: "{value}"'


def _account_exists(key: str, value: str) -> bool:
    user, _, group = value.partition(".") if key == "user" else ("", "", value)
    try:
        if user:
            pwd.getpwnam(user)
        if group:
            grp.getgrnam(group)
    except KeyError:
        return False
    return True
