"""Host access control for the Storage SCP (``+ac``): hosts_access(5) in pure Python.

Owns the decision whether an incoming TCP connection may proceed, made the way
DCMTK does it when built with libwrap (``dcmnet/libsrc/dul.cc``): one request with
daemon ``movescu``, client name = reverse-DNS name of the peer (its numeric
address when it has none, ``unknown`` with ``-dhl``), client address = the peer's IP, user
``unknown``, then ``hosts_access()``: the first matching rule of the allow table
grants, else the first matching rule of the deny table denies, else access is
granted. The tables are re-read for every connection. The rule language follows
Debian's libwrap 7.6.q (the library DCMTK's Debian build links); each rule of the
pattern language was checked against that library (see tests/unit/test_access.py).

Must not: touch sockets (the SCP closes a denied connection), read ``os.environ``
(callers inject the environment via :meth:`AccessTables.from_environ`), execute
shell commands or change process state (``spawn``, ``twist``, ``aclexec``,
``user``, ``umask`` ... are never carried out), import pydicom/pynetdicom.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from movescu.dicom.conditions import tcp_wrapper_denied
from movescu.logblock import block_aware_logger
from movescu.net.access.options import evaluate_options

logger = block_aware_logger(__name__)

UNKNOWN = "unknown"
PARANOID = "paranoid"
#: libwrap's logical line buffer is 2048 bytes: a rule plus its newline must fit in 2047.
_MAX_LINE = 2047
_SEPARATORS = re.compile(r"[, \t\r\n]+")
_NOT_INADDR = frozenset("01234567890./")
_HOSTFILE_DEPTH = 8
_C_SPACE = re.compile(r"[ \t\n\v\f\r]+")
_HEX = re.compile(r"0[xX][0-9a-fA-F]*")
_OCTAL = re.compile(r"0[0-7]*")
_DECIMAL = re.compile(r"[1-9][0-9]*")


@dataclass(frozen=True)
class AccessTables:
    """Where the allow and deny tables live (libwrap's hosts_allow_table/hosts_deny_table)."""

    allow: Path = Path("/etc/hosts.allow")
    deny: Path = Path("/etc/hosts.deny")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> AccessTables:
        """Tables named by ``MOVESCU_HOSTS_ALLOW`` / ``MOVESCU_HOSTS_DENY`` (unset: /etc)."""
        default = cls()
        allow = environ.get("MOVESCU_HOSTS_ALLOW") or str(default.allow)
        deny = environ.get("MOVESCU_HOSTS_DENY") or str(default.deny)
        return cls(allow=Path(allow), deny=Path(deny))


@dataclass(frozen=True)
class AccessDecision:
    """The outcome for one connection, with the client identity that was matched."""

    allowed: bool
    client_name: str
    client_address: str


def check_access(
    address: str, *, tables: AccessTables, host_lookup: bool, daemon: str = "movescu"
) -> AccessDecision:
    """Decide whether a connection from ``address`` may proceed (DCMTK ``+ac``).

    Parameters
    ----------
    address : str
        The peer's IP address as the socket reports it; an IPv4-mapped IPv6
        address is reported in dotted IPv4 form, as DCMTK's IPv4 socket would.
    tables : AccessTables
        The allow/deny tables; read afresh on every call.
    host_lookup : bool
        False for ``-dhl``: no reverse lookup, the client name is ``unknown``.
        With a lookup, an address without a name is named by itself (DCMTK
        hands libwrap the numeric address then: ``KNOWN`` matches it).
    daemon : str
        The daemon name rules are matched against; DCMTK uses ``movescu``.

    Returns
    -------
    AccessDecision
        ``allowed`` plus the client name and address used (for the log message).
    """
    client_address = normalize_address(address)
    if host_lookup:
        name = lookup_client_name(client_address) or client_address
    else:
        name = UNKNOWN
    allowed = evaluate_tables(
        tables, daemon=daemon, client_name=name, client_address=client_address
    )
    if not allowed:
        logger.debug("host access control: denied %s (%s)", name, client_address)
    return AccessDecision(allowed=allowed, client_name=name, client_address=client_address)


def denial_message(decision: AccessDecision) -> str:
    """DCMTK's condition text for a denied connection, with its ``0006:0324`` prefix."""
    return tcp_wrapper_denied(decision.client_name, decision.client_address)


def normalize_address(address: str) -> str:
    """The client address as DCMTK would print it (IPv4-mapped IPv6 -> dotted IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return address


def lookup_client_name(address: str, *, timeout: float = 2.0) -> str | None:
    """Reverse-DNS name of ``address`` (``gethostbyaddr``'s h_name), None if unknown.

    The lookup runs in a daemon thread and is abandoned after ``timeout`` seconds
    (a hanging resolver must not stall the SCP); a timeout counts as "unknown".
    """
    result: list[str] = []

    def resolve() -> None:
        try:
            result.append(socket.gethostbyaddr(address)[0])
        except (OSError, UnicodeError, ValueError):
            pass

    worker = threading.Thread(target=resolve, name="movescu-reverse-lookup", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive() or not result:
        logger.debug("no host name for %s", address)
        return None
    return result[0] or None


def evaluate_tables(
    tables: AccessTables,
    *,
    daemon: str,
    client_name: str,
    client_address: str,
    user: str = UNKNOWN,
) -> bool:
    """libwrap's hosts_access() for one request, without any name or address lookup.

    Parameters
    ----------
    tables : AccessTables
        The allow and deny tables (missing files count as empty).
    daemon : str
        The server process name (DCMTK: ``movescu``).
    client_name, client_address : str
        The client as DCMTK hands it to libwrap; empty means ``unknown``.
    user : str
        The client user name; DCMTK always passes ``unknown``.

    Returns
    -------
    bool
        True if access is granted: a matching allow rule, or no matching deny
        rule (an unreadable or broken deny table denies).
    """
    request = _Request(daemon, client_name or UNKNOWN, client_address or UNKNOWN, user)
    try:
        if _table_match(tables.allow, request) is True:
            return True
        # a deny table that cannot be read or parsed fails closed, like libwrap
        return _table_match(tables.deny, request) is False
    except _Jump as jump:
        return jump.permit


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class _Request:
    daemon: str
    name: str
    addr: str
    user: str


#: The server endpoint: DCMTK never sets RQ_SERVER_*, so libwrap sees it as unknown.
_SERVER = (UNKNOWN, UNKNOWN)


class _Jump(Exception):
    """libwrap's longjmp out of hosts_access(): an option decided (or an error denied)."""

    def __init__(self, permit: bool) -> None:
        super().__init__(permit)
        self.permit = permit


def _table_match(path: Path, request: _Request) -> bool | None:
    """True: a rule matched; False: none did; None: libwrap's ERR (unreadable/bad line)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        return False  # fopen() of a directory succeeds, reading it yields no lines
    except OSError as exc:
        logger.warning("cannot open %s: %s", path, exc.strerror)
        return None
    for lineno, line in _logical_lines(data.decode("latin-1")):
        if not line.endswith("\n"):
            logger.warning("%s, line %d: missing newline or line too long", path, lineno)
            return None
        if line.startswith("#") or not line.strip(" \t\r\n"):
            continue
        parts = _split_at(line, ":")
        if parts is None:
            logger.warning('%s, line %d: missing ":" separator', path, lineno)
            continue
        daemons, rest = parts
        after = _split_at(rest, ":")
        clients, options = after if after is not None else (rest, None)
        if not (
            _list_match(daemons, lambda tok: _server_match(tok, request))
            and _list_match(clients, lambda tok: _client_match(tok, request))
        ):
            continue
        logger.debug("matched: %s line %d", path, lineno)
        if options is not None:
            verdict = evaluate_options(options, f"{path}, line {lineno}")
            if verdict is not None:
                raise _Jump(permit=verdict)
        return True
    return False


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """libwrap's xgets(): join backslash-newline continuations, bounded to 2047 chars.

    A yielded line lacking its final newline is an error (truncated at NUL, too
    long, or ended by end of file); scanning stops there anyway.
    """
    pieces = text.split("\n")
    buffer = ""
    lineno = 0
    for index, piece in enumerate(pieces):
        has_newline = index < len(pieces) - 1
        if "\0" in piece:  # fgets() keeps going, strlen() stops at the NUL
            piece, has_newline = piece.split("\0", 1)[0], False
        if len(buffer) + len(piece) + has_newline > _MAX_LINE:
            yield lineno + 1, (buffer + piece)[:_MAX_LINE]
            return
        if not has_newline:
            buffer += piece
            continue
        lineno += 1
        if piece.endswith("\\"):
            buffer += piece[:-1]
            continue
        yield lineno, buffer + piece + "\n"
        buffer = ""
    if buffer:
        yield lineno + 1, buffer


def _split_at(text: str, delimiter: str) -> tuple[str, str] | None:
    """libwrap split_at() (Debian): split at the first delimiter outside [brackets]."""
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0 and char == delimiter:
            return text[:index], text[index + 1 :]
    return None


def _list_match(text: str, match: Callable[[str], bool]) -> bool:
    """A token list with (right-nested) EXCEPT: ``a EXCEPT b EXCEPT c`` = a - (b - c)."""
    return _tokens_match([tok for tok in _SEPARATORS.split(text) if tok], match)


def _tokens_match(tokens: list[str], match: Callable[[str], bool]) -> bool:
    for index, tok in enumerate(tokens):
        if _eq(tok, "EXCEPT"):
            return False
        if match(tok):
            rest = tokens[index + 1 :]
            for offset, later in enumerate(rest):
                if _eq(later, "EXCEPT"):
                    return not _tokens_match(rest[offset + 1 :], match)
            return True
    return False


def _server_match(tok: str, request: _Request) -> bool:
    parts = _split_at(tok[1:], "@")
    if parts is None:
        return _string_match(tok, request.daemon)
    daemon, host = tok[0] + parts[0], parts[1]
    return _string_match(daemon, request.daemon) and _host_match(host, _SERVER)


def _client_match(tok: str, request: _Request) -> bool:
    client = (request.name, request.addr)
    parts = _split_at(tok[1:], "@")
    if parts is None:
        return _host_match(tok, client)
    user, host = tok[0] + parts[0], parts[1]
    return _host_match(host, client) and _string_match(user, request.user)


# --------------------------------------------------------------------------- patterns


def _host_match(tok: str, host: tuple[str, str], depth: int = 0) -> bool:
    """Match a host pattern against (name, address); see hosts_access(5) PATTERNS."""
    name, addr = host
    if tok.startswith("@"):
        return False  # NIS netgroups are not supported (see docs/access-control.md)
    if tok.startswith("/"):
        return _hostfile_match(tok, host, depth)
    if _eq(tok, "KNOWN"):
        return not _eq(addr, UNKNOWN) and _name_known(name)
    if _eq(tok, "LOCAL"):
        return "." not in name and _name_known(name)
    parts = _split_at(tok, "/")
    if parts is not None:
        return _masked_match(parts[0], parts[1], addr)
    return _string_match(tok, addr) or (
        any(char not in _NOT_INADDR for char in tok) and _string_match(tok, name)
    )


def _name_known(name: str) -> bool:
    return not _eq(name, UNKNOWN) and not _eq(name, PARANOID)


def _hostfile_match(path: str, host: tuple[str, str], depth: int) -> bool:
    """``/file``: any whitespace-separated pattern listed in the file matches."""
    if depth >= _HOSTFILE_DEPTH:
        logger.warning("%s: pattern files nested too deeply", path)
        return False
    try:
        text = Path(path).read_bytes().decode("latin-1")
    except FileNotFoundError:
        return False
    except OSError as exc:
        logger.warning("open %s: %s", path, exc.strerror)
        return False
    return any(_host_match(tok, host, depth + 1) for tok in _C_SPACE.split(text) if tok)


def _string_match(tok: str, string: str) -> bool:
    """libwrap string_match(): wildcard, .suffix, ALL, KNOWN, prefix., [IPv6], exact."""
    if string[:7].lower() == "::ffff:" and _dot_quad_addr(string[7:]) is not None:
        string = string[7:]
    if "*" in tok or "?" in tok:
        return _wildcard(tok).fullmatch(string) is not None
    if tok.startswith("."):
        return len(string) > len(tok) and _eq(string[len(string) - len(tok) :], tok)
    if _eq(tok, "ALL"):
        return True
    if _eq(tok, "KNOWN"):
        return not _eq(string, UNKNOWN)
    if tok.endswith("."):
        return _eq(string[: len(tok)], tok)
    if len(tok) >= 2 and tok.startswith("[") and tok.endswith("]"):
        pattern, address = _ipv6(tok[1:-1]), _ipv6(string)
        return pattern is not None and pattern == address
    return _eq(tok, string)


def _masked_match(net_tok: str, mask_tok: str, string: str) -> bool:
    """``n.n.n.n/m.m.m.m``, ``n.n.n.n/len`` (address & mask == net) and ``[v6]/len``."""
    address = _ipv6(string)
    if address is not None and address.ipv4_mapped is not None:
        string = str(address.ipv4_mapped)
    addr4 = _dot_quad_addr(string)
    if addr4 is not None:
        net = _dot_quad_addr(net_tok)
        mask = _dot_quad_addr(mask_tok)
        if mask is None:
            bits = _atoi(mask_tok)
            mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if 1 <= bits <= 32 else None
        return net is not None and mask is not None and addr4 & mask == net
    if address is None or not (net_tok.startswith("[") and net_tok.endswith("]")):
        return False
    net6 = _ipv6(net_tok[1:-1])
    prefix = _atoi(mask_tok)
    if net6 is None or not 0 <= prefix <= 128:
        return False
    shift = 128 - prefix
    return int(address) >> shift == int(net6) >> shift


def _dot_quad_addr(text: str) -> int | None:
    """libwrap dot_quad_addr(): exactly four dotted runs, parsed by inet_addr()."""
    runs = [part for part in text.split(".") if part]
    if len(runs) != 4 or len(text.split(".")) != 4:
        return None
    value = 0
    for part in runs:
        number = _inet_number(part)
        if number is None or number > 255:
            return None
        value = value << 8 | number
    return None if value == 0xFFFFFFFF else value  # INADDR_NONE doubles as the error


def _inet_number(part: str) -> int | None:
    """One inet_aton() component: 0x hex, leading-zero octal, or decimal."""
    if _HEX.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL.fullmatch(part):
        return int(part, 8)
    return int(part) if _DECIMAL.fullmatch(part) else None


def _atoi(text: str) -> int:
    """C atoi(): optional whitespace and sign, leading decimal digits, 0 if none."""
    found = re.match(r"[ \t\n\v\f\r]*([+-]?[0-9]+)", text)
    return int(found.group(1)) if found else 0


def _ipv6(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text.split("%", 1)[0])  # scope ids are ignored
    except ValueError:
        return None


def _wildcard(tok: str) -> re.Pattern[str]:
    """Debian's match_pattern_ylo(): ``*`` any run, ``?`` one character, no case."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in tok)
    return re.compile(body, re.IGNORECASE | re.DOTALL | re.ASCII)


def _eq(left: str, right: str) -> bool:
    """strcasecmp() == 0: ASCII-only case folding."""
    return len(left) == len(right) and left.translate(_FOLD) == right.translate(_FOLD)


_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
