"""Unit tests of movescu.net.access.rules: the hosts_access(5) language and search order.

Every expected verdict in the tables below was obtained from Debian's libwrap
7.6.q (the library DCMTK's Debian build links) through ``hosts_ctl()``; the last
test re-checks generated rules against that library when it can be loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movescu.net.access import rules as access
from movescu.net.access.rules import (
    AccessDecision,
    AccessTables,
    check_access,
    denial_message,
    evaluate_tables,
    lookup_client_name,
    normalize_address,
)

LOCALHOST = "127.0.0.1"


def decide(tmp_path: Path, allow: str | None, deny: str | None, name: str, addr: str) -> bool:
    """Write the tables (None = no file) and evaluate them for daemon movescu."""
    tables = AccessTables(allow=tmp_path / "hosts.allow", deny=tmp_path / "hosts.deny")
    for path, text in ((tables.allow, allow), (tables.deny, deny)):
        path.unlink(missing_ok=True)
        if text is not None:
            path.write_bytes(text.encode("latin-1"))
    return evaluate_tables(tables, daemon="movescu", client_name=name, client_address=addr)


def denied_by(tmp_path: Path, rule: str, name: str = "a.b", addr: str = LOCALHOST) -> bool:
    """True if a deny table holding just ``rule`` denies the client."""
    return not decide(tmp_path, None, rule + "\n", name, addr)


# (rule in hosts.deny, client name, client address, denied?)
PATTERNS = [
    # addresses: exact, prefix, suffix
    ("movescu: 127.0.0.1", "localhost", LOCALHOST, True),
    ("movescu: 127.", "localhost", LOCALHOST, True),
    ("movescu: 127.0.", "a.b", LOCALHOST, True),
    ("movescu: 127.0.0.", "a.b", LOCALHOST, True),
    ("movescu: 12.", "a.b", LOCALHOST, False),
    ("movescu: 12", "a.b", LOCALHOST, False),
    ("movescu: 127.0.0.0.", "a.b", LOCALHOST, False),
    ("movescu: 127.0.0.1.", "a.b", LOCALHOST, False),
    ("ALL: .0.0.1", "a.b", LOCALHOST, True),
    ("ALL: 1.2.3.4", "a.b", " 1.2.3.4", False),
    # net/mask and net/prefixlen (net is not masked; 255.255.255.255 is no mask)
    ("movescu: 127.0.0.0/255.0.0.0", "localhost", LOCALHOST, True),
    ("movescu: 127.0.0.0/8", "localhost", LOCALHOST, True),
    ("movescu: 127.0.0.0/7", "localhost", LOCALHOST, False),
    ("movescu: 127.0.0.1/32", "localhost", LOCALHOST, True),
    ("movescu: 127.0.0.0/32", "a.b", LOCALHOST, False),
    ("movescu: 127.0.0.0/31", "a.b", LOCALHOST, True),
    ("movescu: 127.0.0.1/255.255.255.255", "localhost", LOCALHOST, False),
    ("movescu: 127.0.0.1/255.0.0.0", "a.b", LOCALHOST, False),
    ("movescu: 127.0.0.0/255.0.255.0", "a.b", "127.1.0.1", True),
    ("movescu: 127.0.0.0/0", "a.b", LOCALHOST, False),
    ("movescu: 0.0.0.0/0", "a.b", LOCALHOST, False),
    ("ALL: 0.0.0.0/0.0.0.0", "a.b", LOCALHOST, True),
    ("movescu: 0.0.0.0/1", "a.b", LOCALHOST, True),
    ("movescu: 127.0.0.0/33", "a.b", LOCALHOST, False),
    ("movescu: 127.0.0.0/-8", "a.b", LOCALHOST, False),
    ("movescu: 127.0.0.0/08", "a.b", LOCALHOST, True),
    ("movescu: 127.0.0.0/8x", "a.b", LOCALHOST, True),
    ("ALL: 127.0.0.0/+8", "a.b", LOCALHOST, True),
    ("ALL: 127.0.0.0/x8", "a.b", LOCALHOST, False),
    ("ALL: 127.0.0.0/255.0.0", "a.b", LOCALHOST, False),
    ("ALL: 127.0.0.0/255.0.0.0.", "a.b", LOCALHOST, False),
    ("ALL: 127.0.0.0/255..0.0.0", "a.b", LOCALHOST, False),
    ("ALL: 127.0.0.0/255.0.0.0/1", "a.b", LOCALHOST, False),
    ("movescu: 127.000.0.0/8", "a.b", LOCALHOST, True),
    ("movescu: 0x7f.0.0.0/8", "a.b", LOCALHOST, True),
    ("ALL: 010.0.0.0/8", "a.b", "8.0.0.1", True),
    ("ALL: 010.0.0.0/8", "a.b", "10.0.0.1", False),
    ("ALL: 010.0.0.1", "a.b", "8.0.0.1", False),
    ("movescu: 127.0.0.256/8", "a.b", LOCALHOST, False),
    ("movescu: 127.1/255.0.0.0", "a.b", LOCALHOST, False),
    ("ALL: 127..0.0.0/8", "a.b", LOCALHOST, False),
    ("ALL: 127/8", "a.b", LOCALHOST, False),
    ("ALL: 1.0.0.0/8", "a.b", "1.2.3", False),
    ("ALL: 1.0.0.0/8", "1.0.0.0/8", "unknown", False),
    ("movescu: a.b/8", "a.b", LOCALHOST, False),
    # IPv4-mapped client addresses
    ("movescu: 127.0.0.1", "a.b", "::ffff:127.0.0.1", True),
    ("ALL: 127.0.0.1", "a.b", "::FFFF:127.0.0.1", True),
    ("ALL: 127.", "a.b", "::ffff:127.0.0.1", True),
    ("ALL: 127.0.0.0/8", "a.b", "::ffff:127.0.0.1", True),
    ("movescu: 127.0.0.0/255.0.0.0", "a.b", "::ffff:127.0.0.1", True),
    ("ALL: 127.0.0.1", "a.b", "::ffff:7f00:1", False),
    ("ALL: [::ffff:127.0.0.1]", "a.b", "::ffff:127.0.0.1", False),
    ("ALL: [::ffff:0:0]/96", "a.b", "::ffff:127.0.0.1", False),
    # IPv6: [addr] and [net]/prefixlen
    ("movescu: [::1]", "a.b", "::1", True),
    ("ALL: [::1]", "a.b", "0:0::1", True),
    ("ALL: [0:0::1]", "a.b", "::1", True),
    ("ALL: [FE80::1]", "a.b", "fe80::1", True),
    ("ALL: [fe80::1%lo]", "a.b", "fe80::1", True),
    ("movescu: [::1]", "a.b", LOCALHOST, False),
    ("ALL: [127.0.0.1]", "a.b", LOCALHOST, False),
    ("movescu: [::ffff:127.0.0.1]", "a.b", LOCALHOST, False),
    ("movescu: ::1", "a.b", "::1", False),  # the colon ends the client list
    ("ALL: [::1", "a.b", "::1", False),
    ("ALL: [::1]x", "a.b", "::1", False),
    ("ALL: [::1]", "[::1]", "1.2.3.4", False),
    ("ALL: [::1] [::2]", "a.b", "::2", True),
    ("ALL: [::1],[::2]", "a.b", "::2", True),
    ("movescu: [::1]/128", "a.b", "::1", True),
    ("movescu: [::]/64", "a.b", "::1", True),
    ("ALL: [::1]/127", "a.b", "::0", True),
    ("ALL: [fe80::]/10", "a.b", "fe80::1", True),
    ("ALL: [fe80::]/10", "a.b", "febf::1", True),
    ("ALL: [fe80::]/10", "a.b", "fec0::1", False),
    ("ALL: [fe80::1]/10", "a.b", "fe80::2", True),
    ("ALL: [fe80::]/16", "a.b", "FE80::1", True),
    ("ALL: [::1]/129", "a.b", "::1", False),
    ("ALL: [::1]/-1", "a.b", "::1", False),
    ("ALL: [::1]/0", "a.b", "::1", True),
    ("ALL: [::1]/", "a.b", "::1", True),
    ("ALL: [::2]/a", "a.b", "::1", True),
    ("ALL: [::1]/064", "a.b", "::1", True),
    ("ALL: [::1]/64x", "a.b", "::1", True),
    ("ALL: [::1]/128/1", "a.b", "::1", True),
    ("ALL: [::1]/255.0.0.0", "a.b", "::1", False),
    ("ALL: [::]/0", "a.b", LOCALHOST, False),
    # host names and .domain suffixes (case-insensitive)
    ("movescu: LOCALHOST", "localhost", LOCALHOST, True),
    ("ALL: a.b", "A.B", LOCALHOST, True),
    ("ALL: a.b", "a.b.", LOCALHOST, False),
    ("movescu: .b", "a.b", LOCALHOST, True),
    ("movescu: .B", "a.b", LOCALHOST, True),
    ("movescu: .a.b", "a.b", LOCALHOST, False),
    ("movescu: a.", "a.b", LOCALHOST, True),
    ("ALL: A.B.", "a.b.c", LOCALHOST, True),
    ("ALL: .B.C", "a.b.c", LOCALHOST, True),
    ("ALL: .", "a.b.", LOCALHOST, False),
    ("ALL: 127.0.0.1", "127.0.0.1", "10.0.0.1", False),
    ("ALL: 127.", "127.0.0.1", "10.0.0.1", False),
    ("ALL: 127.0.0.1x", "127.0.0.1x", "10.0.0.1", True),
    # wildcards * and ? (hosts, daemons, users; case-insensitive)
    ("movescu: 127.0.0.*", "localhost", LOCALHOST, True),
    ("movescu: local*", "localhost", LOCALHOST, True),
    ("movescu: LOC?LHOST", "localhost", LOCALHOST, True),
    ("ALL: *A*", "a.b", LOCALHOST, True),
    ("ALL: 1*1", "a.b", LOCALHOST, True),
    ("ALL: *", "a.b", "unknown", True),
    ("movescu: *", "unknown", LOCALHOST, True),
    ("ALL: *.", "a.b.", LOCALHOST, True),
    ("ALL: .b*", "a.b", LOCALHOST, False),
    ("ALL: 12?.", "a.b", LOCALHOST, False),
    ("ALL: 127*.", "a.b", LOCALHOST, False),
    ("ALL: LOC*", "a.b", LOCALHOST, False),
    ("ALL: [*]", "a.b", "::1", False),
    ("movescu: 127.*/8", "unknown", LOCALHOST, False),
    ("mov*: 127.0.0.1", "a.b", LOCALHOST, True),
    ("MOV?SCU: 127.0.0.1", "a.b", LOCALHOST, True),
    # ALL, LOCAL, KNOWN, UNKNOWN, PARANOID
    ("ALL: all", "a.b", LOCALHOST, True),
    ("all: ALL", "a.b", LOCALHOST, True),
    ("movescu: LOCAL", "localhost", LOCALHOST, True),
    ("ALL: local", "ab", LOCALHOST, True),
    ("movescu: LOCAL", "unknown", LOCALHOST, False),
    ("ALL: LOCAL", "paranoid", LOCALHOST, False),
    ("ALL: LOCAL", "a", "unknown", True),
    ("ALL: LOCAL", "", LOCALHOST, False),
    ("movescu: UNKNOWN", "unknown", LOCALHOST, True),
    ("ALL: UNKNOWN", "", LOCALHOST, True),
    ("movescu: UNKNOWN", "a.b", "unknown", True),
    ("ALL: UNKNOWN", "a.b", "1.2.3.4", False),
    ("movescu: KNOWN", "unknown", LOCALHOST, False),
    ("movescu: KNOWN", "a.b", LOCALHOST, True),
    ("ALL: known", "a.b", LOCALHOST, True),
    ("ALL: KNOWN", "paranoid", LOCALHOST, False),
    ("ALL: KNOWN", "a.b", "unknown", False),
    ("movescu: PARANOID", "a.b", LOCALHOST, False),
    ("ALL: PARANOID", "paranoid", LOCALHOST, True),
    # daemon lists and daemon@host (the server endpoint is unknown to DCMTK's request)
    ("MOVESCU: ALL", "a.b", LOCALHOST, True),
    ("KNOWN: 127.0.0.1", "a.b", LOCALHOST, True),
    ("UNKNOWN: 127.0.0.1", "a.b", LOCALHOST, False),
    ("LOCAL: 127.0.0.1", "a.b", LOCALHOST, False),
    (".scu: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu.: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu@ALL: ALL", "a.b", LOCALHOST, True),
    ("movescu@UNKNOWN: ALL", "a.b", LOCALHOST, True),
    ("movescu@unknown: ALL", "a.b", LOCALHOST, True),
    ("movescu@*: 127.0.0.1", "a.b", LOCALHOST, True),
    ("movescu@127.0.0.1: ALL", "a.b", LOCALHOST, False),
    ("movescu@LOCAL: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu@KNOWN: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu@.nknown: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu@unk.: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu@x@y: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu@: 127.0.0.1", "a.b", LOCALHOST, False),
    ("@movescu: 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu, ALL: 127.0.0.1", "a.b", LOCALHOST, True),
    ("movescu,foo ALL", "a.b", LOCALHOST, False),
    ("ALL,: 127.0.0.1", "ab", LOCALHOST, True),
    (",: 127.0.0.1", "ab", LOCALHOST, False),
    ("movescu:", "a.b", LOCALHOST, False),
    (": ALL", "a.b", LOCALHOST, False),
    ("ALL: a, b,, ,127.0.0.1", "ab", LOCALHOST, True),
    ("ALL\t:\t127.0.0.1\r", "a.b", LOCALHOST, True),
    # user@host (the user is always unknown)
    ("movescu: unknown@ALL", "a.b", LOCALHOST, True),
    ("ALL: UNKNOWN@127.0.0.1", "a.b", LOCALHOST, True),
    ("ALL: unknown@[::1]", "a.b", "::1", True),
    ("ALL: ALL@ALL", "a.b", LOCALHOST, True),
    ("ALL: ALL@LOCAL", "ab", LOCALHOST, True),
    ("ALL: u*@ALL", "a.b", LOCALHOST, True),
    ("movescu: KNOWN@ALL", "a.b", LOCALHOST, False),
    ("ALL: user@ALL", "a.b", LOCALHOST, False),
    ("ALL: .nknown@ALL", "ab", LOCALHOST, False),
    ("ALL: unknown@ALL@x", "a.b", LOCALHOST, False),
    ("ALL: unknown@", "unknown", LOCALHOST, False),
    ("ALL: ALL@", "a.b", LOCALHOST, False),
    ("ALL: a@", "a.b", LOCALHOST, False),
    ("ALL: @", "a.b", LOCALHOST, False),
    # NIS netgroups are not supported; missing pattern files match nothing
    ("ALL: @ALL", "a.b", LOCALHOST, False),
    ("ALL: @127.0.0.1", "a.b", LOCALHOST, False),
    ("ALL: /nonexistent", "a.b", LOCALHOST, False),
    # EXCEPT, nested right to left, in daemon and client lists
    ("ALL EXCEPT movescu: ALL", "a.b", LOCALHOST, False),
    ("ALL EXCEPT foo: ALL", "a.b", LOCALHOST, True),
    ("movescu: ALL EXCEPT 127.0.0.1", "a.b", LOCALHOST, False),
    ("movescu: ALL EXCEPT 127. EXCEPT 127.0.0.1", "a.b", LOCALHOST, True),
    ("ALL: ALL EXCEPT ab EXCEPT 127.0.0.1", "ab", LOCALHOST, True),
    ("ALL: ALL EXCEPT", "a.b", LOCALHOST, True),
    ("ALL: EXCEPT ALL", "a.b", LOCALHOST, False),
    ("ALL: except 127.0.0.1", "a.b", LOCALHOST, False),
    ("ALL: ALL except 127.0.0.1", "a.b", LOCALHOST, False),
    ("ALL: UNKNOWN@ALL EXCEPT 127.0.0.1", "ab", LOCALHOST, False),
    ("ALL: ALL EXCEPT unknown@127.0.0.1", "ab", LOCALHOST, False),
    ("foo EXCEPT bar, movescu: ALL", "a.b", LOCALHOST, False),
    ("foo movescu EXCEPT ALL EXCEPT movescu: ALL", "a.b", LOCALHOST, True),
    ("foo movescu EXCEPT ALL EXCEPT movescu EXCEPT ALL: ALL", "a.b", LOCALHOST, False),
    # comments: only a '#' in the first column starts one
    ("#movescu: ALL", "a.b", LOCALHOST, False),
    ("  # movescu: ALL", "a.b", LOCALHOST, True),
    ("movescu: #x 127.0.0.1", "a.b", LOCALHOST, True),
    ("movescu: 127.0.0.1 #x", "a.b", LOCALHOST, True),
]


@pytest.mark.parametrize(("rule", "name", "addr", "denied"), PATTERNS)
def test_pattern_language(tmp_path: Path, rule: str, name: str, addr: str, denied: bool) -> None:
    assert denied_by(tmp_path, rule, name, addr) is denied


@pytest.mark.parametrize(("rule", "name", "addr", "denied"), PATTERNS)
def test_allow_table_mirrors_deny_table(
    tmp_path: Path, rule: str, name: str, addr: str, denied: bool
) -> None:
    """The same rule in hosts.allow grants exactly when it denies from hosts.deny."""
    assert decide(tmp_path, rule + "\n", "ALL: ALL\n", name, addr) is denied


# (allow table, deny table, allowed?) for client a.b / 127.0.0.1
SEARCH_ORDER = [
    (None, None, True),
    ("", "", True),
    ("movescu: 127.0.0.1\n", "ALL: ALL\n", True),
    ("movescu: 10.\n", "ALL: ALL\n", False),
    (None, "foo: ALL\nmovescu: 10.\n", True),
    (None, "movescu: 10.\nmovescu: 127.\n", False),
    ("movescu: 10.\n", None, True),
]


@pytest.mark.parametrize(("allow", "deny", "allowed"), SEARCH_ORDER)
def test_search_order(tmp_path: Path, allow: str | None, deny: str | None, allowed: bool) -> None:
    assert decide(tmp_path, allow, deny, "a.b", LOCALHOST) is allowed


# (deny table text, denied?) -- line structure as libwrap's xgets() reads it
LINES = [
    ("ALL: 10.0.0.1 \\\n 127.0.0.1\n", True),  # continuation
    ("ALL: 127.0.\\\n0.1\n", True),  # joined without a space
    ("#ALL: 10.0.0.1 \\\nALL: 127.0.0.1\n", False),  # a continued comment
    ("ALL: 10.0.0.1 \\ \n127.0.0.1\n", False),  # backslash-space is no continuation
    ("ALL: 10.0.0.1 \\\r\n127.0.0.1\r\n", False),  # nor is backslash-CR-LF
    ("ALL: 127.0.0.1\r\n", True),
    ("ALL: 127.0.0.1: allow\nALL: ALL\n", False),  # first match wins
    ("foo\n", False),  # missing ':' separator: ignored
    ("\n   \n\t\n", False),
    ("# only a comment\n", False),
    # lines without a final newline or too long: an error, and errors deny
    ("ALL: 10.0.0.1", True),
    ("# c", True),
    ("   ", True),
    ("foo: bar \\", True),
    ("foo: bar \\\n", True),
    ("foo: 10.0.0.1\0 x\n", True),
    ("ALL: 10.0.0.1\0 127.0.0.1\n", True),
    ("\\\n", False),
    ("foo: " + "y" * 2041 + "\n", False),  # 2047 characters with the newline
    ("foo: " + "y" * 2042 + "\n", True),  # 2048
    ("foo: " + "y" * 2030 + " \\\n" + "z\n", False),
    ("foo: " + "y" * 2035 + " \\\n" + "z" * 10 + "\n", True),
    ("foo: " + "x" * 3000 + "\n", True),
    ("ALL: \xe9 127.0.0.1\n", True),
]


@pytest.mark.parametrize(("deny", "denied"), LINES)
def test_line_structure(tmp_path: Path, deny: str, denied: bool) -> None:
    assert (not decide(tmp_path, None, deny, "a.b", LOCALHOST)) is denied


def test_error_in_allow_table_stops_it_without_granting(tmp_path: Path) -> None:
    long_line = "foo: " + "x" * 3000 + "\n"
    assert decide(tmp_path, long_line, None, "a.b", LOCALHOST) is True
    # the rule after the bad line is never reached (it would deny)
    assert decide(tmp_path, long_line + "ALL: 127.0.0.1: deny\n", None, "a.b", LOCALHOST)
    assert decide(tmp_path, "ALL: 127.0.0.1", "ALL: ALL\n", "a.b", LOCALHOST) is False


def test_bad_lines_warn_and_never_raise(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="movescu.net.access.rules")
    deny = "junk without separator\nmovescu: 10.0.0.1\n"
    assert decide(tmp_path, None, deny, "a.b", LOCALHOST) is True
    assert 'hosts.deny, line 1: missing ":" separator' in caplog.text
    caplog.clear()
    assert decide(tmp_path, None, "movescu: ALL", "a.b", LOCALHOST) is False
    assert "hosts.deny, line 1: missing newline or line too long" in caplog.text


# (options field of a matching rule, in hosts.allow / in hosts.deny) -> allowed?
OPTIONS = [
    ("allow", True, True),
    ("ALLOW", True, True),
    ("\tallow\t", True, True),
    ("allow=", True, True),
    ("deny", False, False),
    ("severity auth.info", True, False),
    ("severity auth.info: allow", True, True),
    ("severity=auth.info: allow", True, True),
    ("severity = auth.info: allow", True, True),
    ("Severity auth.info: Allow", True, True),
    ("severity info: allow", True, True),
    ("severity local7.debug: allow", True, True),
    ("severity authpriv.info: allow", False, False),
    ("severity warn: allow", False, False),
    ("severity auth: allow", False, False),
    ("severity auth.: allow", False, False),
    ("severity .info: allow", False, False),
    ("severity auth.info.x: allow", False, False),
    ("severity 3: allow", False, False),
    ("severity: allow", False, False),
    ("allow: severity auth.info", False, False),  # allow must be last
    ("allow : deny", False, False),
    ("deny: allow", False, False),
    ("allow : ", False, False),
    ("allow\\: deny", False, False),
    ("allow x", False, False),
    ("bogus", False, False),
    ("", False, False),  # empty option field
    ("keepalive: allow", True, True),
    ("keepalive=: allow", True, True),
    ("keepalive 1: allow", False, False),
    ("banners /nonexistent: allow", True, True),
    ("banners: allow", False, False),
    ("nice: allow", True, True),
    ("nice -5: allow", True, True),
    ("nice\t3: allow", True, True),
    ("nice abc: allow", False, False),
    ("nice 5 6: allow", False, False),
    ("linger 0: allow", True, True),
    ("linger +5: allow", True, True),
    ("linger 5 : allow", True, True),
    ("linger -1: allow", False, False),
    ("linger x: allow", False, False),
    ("rfc931: allow", True, True),
    ("rfc931 +5: allow", True, True),
    ("rfc931 0: allow", False, False),
    ("rfc931 5x: allow", False, False),
    ("umask 022: allow", True, True),
    ("umask 00777: allow", True, True),
    ("umask 7777: allow", False, False),
    ("umask 08: allow", False, False),
    ("umask -1: allow", False, False),
    ("setenv FOO bar: allow", True, True),
    ("setenv FOO: allow", True, True),
    ("setenv A=B: allow", False, False),
    ("setenv: allow", False, False),
    ("user root: allow", True, True),
    ("user root.root: allow", True, True),
    ("user nosuchuserxyz: allow", False, False),
    ("group nosuchgroupxyz: allow", False, False),
    ("spawn: allow", False, False),
    ("twist: allow", False, False),
    # commands are never run: spawn is ignored, twist and aclexec deny
    ("spawn /bin/false: allow", True, True),
    ("spawn /bin/false", True, False),
    ("twist /bin/echo hi", False, False),
    ("aclexec /bin/true", False, False),
]


@pytest.mark.parametrize(("options", "in_allow", "in_deny"), OPTIONS)
def test_options(tmp_path: Path, options: str, in_allow: bool, in_deny: bool) -> None:
    rule = f"movescu: ALL: {options}\n"
    assert decide(tmp_path, rule, "ALL: ALL\n", "a.b", LOCALHOST) is in_allow
    assert decide(tmp_path, None, rule, "a.b", LOCALHOST) is in_deny


def test_options_of_unmatched_rules_are_not_evaluated(tmp_path: Path) -> None:
    assert decide(tmp_path, "ALL: 10.0.0.1: bogus\n", None, "a.b", LOCALHOST) is True


def test_commands_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    for option in ("spawn", "twist", "aclexec"):
        rule = f"ALL: ALL: {option} touch {marker}\n"
        decide(tmp_path, rule, None, "a.b", LOCALHOST)
        decide(tmp_path, None, rule, "a.b", LOCALHOST)
    assert not marker.exists()


def test_pattern_file(tmp_path: Path) -> None:
    patterns = tmp_path / "trusted"
    patterns.write_text("10.0.0.1   .example.org\n\t127.\n")
    assert denied_by(tmp_path, f"ALL: {patterns}")
    assert denied_by(tmp_path, f"ALL: {patterns}", name="x.example.org", addr="10.9.9.9")
    assert not denied_by(tmp_path, f"ALL: {patterns}", addr="10.9.9.9")
    assert not denied_by(tmp_path, f"ALL: {patterns} EXCEPT 127.0.0.1")


def test_self_referencing_pattern_file_terminates(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.write_text(f"{loop}\n")
    assert not denied_by(tmp_path, f"ALL: {loop}")


def test_unreadable_tables(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    unreadable = blocker / "hosts"  # NotADirectoryError: libwrap's "cannot open" (ERR)
    missing = tmp_path / "missing"
    deny_all = tmp_path / "deny-all"
    deny_all.write_text("ALL: ALL\n")

    def allowed(allow: Path, deny: Path) -> bool:
        tables = AccessTables(allow=allow, deny=deny)
        return evaluate_tables(tables, daemon="movescu", client_name="a", client_address="1.2.3.4")

    assert allowed(missing, missing) is True
    assert allowed(missing, unreadable) is False  # a deny table that cannot be read denies
    assert allowed(unreadable, missing) is True
    assert allowed(unreadable, deny_all) is False
    assert allowed(missing, tmp_path) is True  # a directory reads as an empty table


def test_tables_are_reread_for_every_connection(tmp_path: Path) -> None:
    tables = AccessTables(allow=tmp_path / "allow", deny=tmp_path / "deny")
    assert check_access(LOCALHOST, tables=tables, host_lookup=False).allowed
    tables.deny.write_text("movescu: 127.0.0.1\n")
    assert not check_access(LOCALHOST, tables=tables, host_lookup=False).allowed
    tables.allow.write_text("movescu: UNKNOWN\n")
    assert check_access(LOCALHOST, tables=tables, host_lookup=False).allowed


def test_tables_from_environ() -> None:
    assert AccessTables.from_environ({}) == AccessTables(
        Path("/etc/hosts.allow"), Path("/etc/hosts.deny")
    )
    environ = {"MOVESCU_HOSTS_ALLOW": "/x/allow", "MOVESCU_HOSTS_DENY": ""}
    assert AccessTables.from_environ(environ) == AccessTables(
        Path("/x/allow"), Path("/etc/hosts.deny")
    )


def test_check_access_without_host_lookup(tmp_path: Path) -> None:
    (tmp_path / "deny").write_text("movescu: localhost\nmovescu: UNKNOWN EXCEPT 10.\n")
    tables = AccessTables(allow=tmp_path / "allow", deny=tmp_path / "deny")
    decision = check_access(LOCALHOST, tables=tables, host_lookup=False)
    assert decision == AccessDecision(False, "unknown", LOCALHOST)
    assert check_access("10.1.2.3", tables=tables, host_lookup=False).allowed
    assert not check_access("::ffff:127.0.0.1", tables=tables, host_lookup=False).allowed


def test_check_access_uses_the_reverse_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "gethostbyaddr", lambda a: ("pacs.Example.ORG", [], [a]))
    (tmp_path / "deny").write_text("movescu: .example.org\n")
    tables = AccessTables(allow=tmp_path / "allow", deny=tmp_path / "deny")
    decision = check_access("192.0.2.7", tables=tables, host_lookup=True)
    assert decision == AccessDecision(False, "pacs.Example.ORG", "192.0.2.7")
    assert check_access("192.0.2.7", tables=tables, host_lookup=False).client_name == "unknown"
    assert check_access("192.0.2.7", tables=tables, host_lookup=False).allowed


@pytest.mark.parametrize(
    ("deny", "denied"),
    [("movescu: KNOWN\n", True), ("movescu: UNKNOWN\n", False), ("movescu: 192.0.2.\n", True)],
)
def test_address_without_a_name_is_named_by_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deny: str, denied: bool
) -> None:
    """DCMTK 3.6.7 + libwrap: no reverse name -> the numeric address is the client name."""

    def fail(address: str) -> tuple[str, list[str], list[str]]:
        raise socket.herror(1, "Unknown host")

    monkeypatch.setattr(socket, "gethostbyaddr", fail)
    (tmp_path / "deny").write_text(deny)
    tables = AccessTables(allow=tmp_path / "allow", deny=tmp_path / "deny")
    decision = check_access("192.0.2.7", tables=tables, host_lookup=True)
    assert decision == AccessDecision(not denied, "192.0.2.7", "192.0.2.7")


def test_daemon_name_is_a_parameter(tmp_path: Path) -> None:
    (tmp_path / "deny").write_text("storescp: ALL\n")
    tables = AccessTables(allow=tmp_path / "allow", deny=tmp_path / "deny")
    assert check_access(LOCALHOST, tables=tables, host_lookup=False).allowed
    assert not check_access(LOCALHOST, tables=tables, host_lookup=False, daemon="storescp").allowed


def test_reverse_lookup_failure_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(address: str) -> tuple[str, list[str], list[str]]:
        raise socket.herror(1, "Unknown host")

    monkeypatch.setattr(socket, "gethostbyaddr", fail)
    assert lookup_client_name("192.0.2.1") is None

    release = threading.Event()

    def hang(address: str) -> tuple[str, list[str], list[str]]:
        release.wait(10)
        return ("late.example", [], [address])

    monkeypatch.setattr(socket, "gethostbyaddr", hang)
    try:
        assert lookup_client_name("192.0.2.1", timeout=0.05) is None
    finally:
        release.set()


def test_denial_message() -> None:
    decision = AccessDecision(False, "unknown", "127.0.0.1")
    expected = "0006:0324 TCP wrapper: denied connection from unknown (127.0.0.1)"
    assert denial_message(decision) == expected


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::ffff:7f00:1", "127.0.0.1"),
        ("::1", "::1"),
        ("fe80::1%lo", "fe80::1%lo"),
        ("unknown", "unknown"),
    ],
)
def test_normalize_address(raw: str, normal: str) -> None:
    assert normalize_address(raw) == normal


# --------------------------------------------------------------------------- oracle


def _load_libwrap() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("wrap") or "libwrap.so.0"
    try:
        lib = ctypes.CDLL(name)
        lib.hosts_ctl.argtypes = [ctypes.c_char_p] * 4
        lib.hosts_ctl.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return lib


@pytest.fixture(scope="module")
def libwrap() -> Iterator[ctypes.CDLL]:
    lib = _load_libwrap()
    if lib is None:
        pytest.skip("libwrap.so.0 is not loadable (apt-get install libwrap0): no oracle")
    yield lib


def _libwrap_allows(lib: ctypes.CDLL, tables: AccessTables, name: str, addr: str) -> bool:
    """hosts_ctl("movescu", name, addr, "unknown") with the tables redirected (as DCMTK)."""
    keep = [
        ctypes.c_char_p(str(tables.allow).encode()),
        ctypes.c_char_p(str(tables.deny).encode()),
    ]
    for symbol, value in zip(("hosts_allow_table", "hosts_deny_table"), keep, strict=True):
        ctypes.c_void_p.in_dll(lib, symbol).value = ctypes.cast(value, ctypes.c_void_p).value
    verdict = lib.hosts_ctl(b"movescu", name.encode(), addr.encode(), b"unknown")
    return bool(verdict)


# Only side-effect-free pieces: options that would run commands or change the
# process (spawn, twist, user, umask, nice, rfc931 ...) must never reach libwrap.
_HOSTS = ["127.0.0.1", "127.", "10.", "127.0.0.0/8", "127.0.0.0/255.0.0.0", "0.0.0.0/1",
          "[::1]", "[::]/0", "[fe80::]/10", "localhost", "LOCALHOST", ".example.org", "a.",
          "ALL", "LOCAL", "KNOWN", "UNKNOWN", "PARANOID", "*", "127.0.0.?", "*.org", "unknown@ALL",
          "KNOWN@ALL", "x@127.0.0.1", "[::1", "a.b/8", "1.2.3.4/33", ""]  # fmt: skip
_DAEMONS = ["movescu", "MOVESCU", "ALL", "storescp", "mov*", "movescu@ALL", "movescu@127.0.0.1",
            "movescu@LOCAL", ""]  # fmt: skip
_OPTIONS = ["", ": allow", ": deny", ": severity auth.info", ": bogus", ": allow: deny", ":"]
_CLIENTS = [
    ("localhost", "127.0.0.1"),
    ("unknown", "127.0.0.1"),
    ("ab", "127.0.0.1"),
    ("pacs.example.org", "10.1.2.3"),
    ("a.b", "::1"),
    ("unknown", "fe80::1"),
    ("paranoid", "192.0.2.1"),
]


def _pattern_list(pool: list[str]) -> st.SearchStrategy[str]:
    item = st.sampled_from(pool)
    return st.lists(st.one_of(item, st.just("EXCEPT")), max_size=4).map(" ".join)


_RULE = st.builds(
    lambda d, c, o: f"{d}: {c}{o}",
    _pattern_list(_DAEMONS),
    _pattern_list(_HOSTS),
    st.sampled_from(_OPTIONS),
)
_TABLE = st.lists(
    st.one_of(
        _RULE, st.sampled_from(["# comment", "junk", "a: b \\", "", "  ", " # movescu: ALL"])
    ),
    max_size=4,
).map(lambda lines: "".join(line + "\n" for line in lines))


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(allow=_TABLE, deny=_TABLE, client=st.sampled_from(_CLIENTS))
def test_agrees_with_libwrap(
    libwrap: ctypes.CDLL, tmp_path: Path, allow: str, deny: str, client: tuple[str, str]
) -> None:
    tables = AccessTables(allow=tmp_path / "allow", deny=tmp_path / "deny")
    tables.allow.write_text(allow)
    tables.deny.write_text(deny)
    name, addr = client
    ours = evaluate_tables(tables, daemon="movescu", client_name=name, client_address=addr)
    assert ours is _libwrap_allows(libwrap, tables, name, addr)


def test_module_does_not_import_pynetdicom() -> None:
    code = (
        "import sys, movescu.net.access.rules; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydicom', 'pynetdicom')))"
    )
    src = Path(access.__file__).parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(src)},
        check=True,
    )
    assert result.stdout.strip() == "[]"
