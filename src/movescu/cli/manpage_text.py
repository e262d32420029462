# ruff: noqa: E501
"""The prose of the manual page: data only, read by :mod:`movescu.cli.manpage`.

Owns the explanatory texts (written in our own words after DCMTK's man page
sections), the per-option details that go beyond the one-line help, the
description of every exit code and the transfer syntax names used in the
conformance tables.  Markup: paragraphs separated by blank lines, `backticks`
for literal words, blocks indented by four spaces are verbatim.  Must hold no
logic; option names, groups and help texts come from :mod:`movescu.cli.options`
and are never repeated here (except inside explanations).
"""

from __future__ import annotations

DESCRIPTION = """
`movescu` is a Service Class User (SCU) of the DICOM Query/Retrieve Service Class
and, at the same time, a Service Class Provider (SCP) of the Storage Service
Class.  It sends C-MOVE requests (query keys taken from query files and/or `-k`
options) to a Query/Retrieve SCP and waits for the responses.  With `+P` it
listens for the storage sub-associations that the SCP opens as a result of the
C-MOVE and writes the received objects to files; without `+P` it only
triggers a transfer to the move destination, which may be a third system.

The name "move" is historical: a C-MOVE copies the objects, nothing is deleted
on the SCP.  The program is a tool for testing Query/Retrieve SCPs and for
retrieving data from them in scripts.

This `movescu` is a Python clone of DCMTK's `movescu` (built on pydicom and
pynetdicom): it accepts the same options with the same defaults, checks them in
the same order with the same messages, logs with DCMTK's wording and exits with
DCMTK's exit codes.  It mirrors DCMTK {dcmtk}, with the bug fixes and additions
of newer DCMTK releases up to 3.7.0; `docs/differences.md` lists every
deliberate deviation.  A few options of its own (see MOVESCU ADDITIONS) never
change DCMTK's defaults.
"""

OPTIONS_TRAILER = """
The transport layer security (TLS) options are those of DCMTK 3.7.0 built with
OpenSSL, implemented with Python's `ssl` module: with `+tls` both the C-MOVE
association and the storage sub-associations on the `+P` port use TLS.  A key,
certificate, password, profile or cipher suite that cannot be used ends the run
with exit code 70 before anything is sent.  Details and the few differences from
DCMTK: `docs/tls.md`.
"""

#: longer explanations, keyed by long option name (the test checks every key exists)
OPTION_DETAILS: dict[str, str] = {
    "--arguments": "The arguments are printed after `@file` expansion, with every option in its long form, as an informational message before the command line is evaluated.  Settings from `--config` and `MOVESCU_*` variables are not shown.",
    "--log-level": "`trace` also shows pydicom's and pynetdicom's own log messages.",
    "--log-config": "A log4cplus properties file as DCMTK reads it (loggers, console, file and rolling-file appenders, Simple/TTCC/Pattern layouts).  Each line is logged under the name of the DCMTK logger that logs it (`dcmtk.apps.movescu`, `dcmtk.apps.movescu.progress`, `dcmtk.dcmnet`, `dcmtk.dcmdata`, `dcmtk.dcmtls`), for per-logger settings and `%c`.",
    "--ipv4": "Added from DCMTK 3.7.0 (DCMTK 3.6.7 does not know the IP protocol options).",
    "--key": "`gggg,eeee=value` (hexadecimal group and element) or `DictionaryName=value`.  The value is everything after the first `=`; without a value the attribute is sent empty.  The key replaces the attribute in every query file, or is inserted; without query files the identifier consists of the keys alone.  The value must be valid for the attribute's VR.  May be given more than once; for the same attribute the leftmost `-k` wins.  Our addition: a sequence path such as `ReferencedStudySequence[0].ReferencedSOPInstanceUID=1.2.3` (findscu's syntax) sets an attribute inside a sequence item.",
    "--patient": "C-FIND and C-MOVE presentation contexts of the Patient Root model are proposed; the C-MOVE uses the MOVE context.  movescu never adds or checks the QueryRetrieveLevel: the identifier is sent as built.",
    "--psonly": "The Patient/Study Only model is retired in the DICOM standard; many SCPs no longer accept it.",
    "--aetitle": "Titles longer than 16 characters are cut to 16.",
    "--call": "Many SCPs (e.g. Orthanc with DicomCheckCalledAet) reject the default title: give the SCP's AE title.",
    "--move": "Without `-aem` the move destination is the calling AE title actually used (`-aet`), not the literal MOVESCU.  The SCP must know this title (host and port) to open the storage sub-associations.",
    "--prefer-uncompr": "On incoming storage associations: explicit VR little endian, explicit VR big endian, implicit VR little endian (on every little-endian host).  The `+x` options choose the preference order of the storage SCP; each compressed choice is put in front of the uncompressed transfer syntaxes.  Received compressed objects are stored as received (no decompression).",
    "--accept-all": "The full list is given under DICOM Conformance.",
    "--propose-uncompr": "Both proposed presentation contexts of the C-MOVE association carry this list.",
    "--propose-deflated": "Only the identifier of the C-MOVE request is affected.",
    "--access-control": "Incoming sub-associations are checked against hosts_access(5) tables (`/etc/hosts.allow`, `/etc/hosts.deny`) with the daemon name `movescu`; a denied connection is closed before negotiation and logged as an error.  See Access Control below and `docs/access-control.md`.",
    "--port": "Value 1..65535.  The port is bound at start-up, before the C-MOVE association is requested; ports below 1024 need root.  Sub-associations may arrive concurrently and are all served (DCMTK serves one at a time).  Without `+P` nothing listens and no object is received here (third-party move).",
    "--no-port": "Resets an earlier `+P` (as DCMTK 3.6.2+).",
    "--pending-ignore": "Applies when a pending C-MOVE response announces a data set, which it must not.  With `-pi` the data that follow are misread and the C-MOVE usually fails; `-pr` reads the data set and ignores it.",
    "--timeout": "Timeout of the TCP connect of the C-MOVE association; by default the system's.",
    "--acse-timeout": "For association negotiation and release, on the C-MOVE association and on sub-associations.",
    "--dimse-timeout": "For every DIMSE message, on the C-MOVE association and on sub-associations.  After the final C-MOVE response movescu waits at most this long (60 seconds without `-td`) for sub-associations that are still open, then aborts them.",
    "--max-pdu": "Our maximum receive PDU on the C-MOVE association and on accepted sub-associations.",
    "--disable-host-lookup": "No reverse DNS lookup of incoming connections: the peer's name is `unknown` in logs and for `+ac`.",
    "--repeat": "Each identifier is sent n times in a row before the next one (F1, F1, F2, F2).  The run stops at the first C-MOVE that fails at DIMSE level.",
    "--abort": "Used after all C-MOVEs completed; `I: Aborting Association` is logged.",
    "--ignore": "Every C-STORE is answered with Success; no file is written and no check is made.",
    "--cancel": "A C-CANCEL is sent right after the n-th pending response of each C-MOVE; final responses do not count, `--cancel 0` sends nothing.",
    "--uid-padding": "Drops one trailing space from the SOP Class/Instance UID of a received data set before comparing it with the C-STORE request.",
    "--output-directory": "Only with `+P` (DCMTK 3.6.4+).  Checked before the network starts: a missing directory exits with 45, one that is not writeable with 40.",
    "--bit-preserving": "The received data set is written byte for byte behind a new meta header; none of the encoding options may be given.  `+B` honours `-od` (as DCMTK 3.6.9+).",
    "--write-dataset": "The file then has neither preamble nor meta header.",
    "--disable-new-vr": "UN, UT and the other VRs introduced after 1993 (UC, UR, OD, OL, OV, SV, UV) are written as OB, as DCMTK 3.7.0 does.",
    "--padding-create": "Both values must be even to have an effect; `-p` is the default.",
    "--compression-level": "Only with `-xd`, `+td` or `+t=` (default).",
    "--config": "See CONFIGURATION FILE.  Also `MOVESCU_CONFIG=f`.",
    "--progress": "One line at the bottom of the terminal, redrawn ten times a second: sub-operations done out of the total (with a bar) and completed/failed/warning, as the Move SCP's pending responses report them, and the bytes received here (`+P`) with the rate.  Log lines (and `-v`'s `RECV:` dots) are written above it; it is cleared at the end.  Shown by default only when standard error is a terminal; `--progress` also shows it on redirected output, `-q` never.",
    "--report": "Checked before the network starts: a file that cannot be written (directory missing or not writeable, a directory) ends the run with exit code 40.  Written at the end of every retrieve, also a failed or interrupted one (not for errors found before it starts: command line, `-od`), atomically: temporary name, then rename.  It holds the request, one entry per C-MOVE (query file, identifier sent, outcome, final status, counters, duration, Failed SOP Instance UID List; also the C-MOVE in progress when the run was interrupted), the totals, every received object (file, SOP Class/Instance UID, transfer syntax, status), the timings, the exit code and why the run failed (the text of the `F:` lines).  A report that can no longer be written at the end is an `E:` line; the exit code does not change.  Fields: `docs/report.md`; JSON Schema: `docs/report.schema.json`.",
    "--retry": "Value 0..1000, default 0.  A C-MOVE whose association fails, that fails at DIMSE level, or whose final response counts failed sub-operations is sent again, on a new association, up to n times.  At IMAGE level with SOP Instance UID keys and a Failed SOP Instance UID List in the final response, the retry asks only for the instances listed; otherwise the same identifier is sent again.  Each retry is a `W: Retrying move ...` line; the exit code is that of each move's last attempt.  See `docs/bulk.md`.",
    "--retry-wait": "Seconds (0..86400, fractions allowed) to wait before each retry; default 0.",
    "--key-list": "A CSV file: the header row names attributes as `-k` does (keyword such as `StudyInstanceUID`, or a tag `0020,000D` / `(0020,000D)`, quoted since it holds a comma); each further row gives the values of one C-MOVE, merged over the `-k` keys and query files (row values win).  Every row is checked when the command line is read: an unknown attribute, a row with the wrong number of values or a value the attribute's VR rejects is a usage error naming the file and line (exit 1, like a bad `-k`), before any network activity.  See `docs/bulk.md`.",
    "--parallel": "Value 1..64, default 1.  Up to n C-MOVEs run at a time, each on an association of its own, all to the same destination and received by the one Storage SCP (`+P`).  Per-move results in the log, the summary and the report stay in input order; Ctrl-C aborts every open association.  See `docs/bulk.md`.",
    "--resume": "An earlier run's `--report` file, given back with the same command line: the moves it lists as done are not sent again, a failed IMAGE-level move whose missing instances are known asks only for those, every other move is sent again; an instance the report lists as stored, whose file is still there, is answered with success and not written again.  A report of another key list or other query files is refused (exit 22).  See `docs/bulk.md`.",
}

NOTES = """
Each query file given on the command line is sent in one C-MOVE request.  A query
file is a DICOM file (with or without meta header) or a raw data set holding the
identifier of a C-MOVE request, normally QueryRetrieveLevel plus the unique keys
of that level.  It can be written with DCMTK's `dump2dcm` from a text like

    # all images of the patient with ID PAT001
    (0008,0052) CS [PATIENT]     # QueryRetrieveLevel
    (0010,0020) LO [PAT001]      # PatientID

or with `examples/make_examples.py`, which writes one query file per model and
level.  A query file that is not a readable DICOM data set ends the run with exit
code 22 before the association is requested.

The `-k` option changes or adds attributes of every identifier.  For example

    movescu -k 0010,0020=PAT002 caesar 5678 patqry.dcm

sends the identifier of `patqry.dcm` to the SCP on host caesar, port 5678, with
PatientID set to PAT002, whether the file had a PatientID or not.  Without query
files the identifier is made of the `-k` keys alone; with several files one
C-MOVE is sent per file, in order, on the same association.

The SCP must know the move destination AE title (`-aem`, default: our calling
AE title) together with a host and port, because the C-MOVE request carries only
the title.  To receive the objects here, register our AE title with the port
given to `+P`; to copy them to a third system, give that system's AE title with
`-aem` and leave `+P` out.
"""

KNOWN_PROBLEMS = """
movescu does not check the query: a C-MOVE identifier should contain only the
QueryRetrieveLevel and the unique keys of the levels above and at that level
(PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID).  What the SCP
does with other attributes is up to the SCP.

DCMTK's movescu waits forever when a storage peer never closes its
sub-association.  This movescu never waits forever: after each final C-MOVE
response it waits at most the DIMSE timeout (`-td`, 60 seconds by default) for
open sub-associations, then aborts them and says so.
"""

SCU_CONFORMANCE = """
As an SCU, movescu proposes two presentation contexts on the C-MOVE association:
the FIND and the MOVE SOP class of the query model chosen with `-P`, `-S` or
`-O` (context IDs 1 and 3).  Only the MOVE context is used.
"""

SCU_TRANSFER_SYNTAXES = """
Both contexts are proposed with the transfer syntaxes chosen by the `-x` options;
by default:
"""

SCP_CONFORMANCE = """
As an SCP (with `+P`), movescu accepts presentation contexts for the Verification
SOP class and the storage SOP classes of DCMTK 3.7.0's movescu:
"""

SCP_TRANSFER_SYNTAXES = """
By default (`+x=`) each of them is accepted with these transfer syntaxes, in this
order of preference:
"""

SCP_ACCEPT_ALL = """
The `+x` options change the preference; a compressed choice is accepted before the
uncompressed transfer syntaxes.  With `--accept-all` these are accepted, in this
order of preference:
"""

NO_EXTENDED_NEGOTIATION = """
movescu does not support extended negotiation.  It announces its own
Implementation Class UID and Implementation Version Name, never DCMTK's.
"""

ACCESS_CONTROL = """
With `+ac` (`--access-control`) every incoming connection of the storage SCP is
checked against the host access control tables `/etc/hosts.allow` and
`/etc/hosts.deny` (hosts_access(5)) for the daemon name `movescu`, the way DCMTK
does when it is built with TCP wrapper support.  movescu implements the rule
language itself (no libwrap is needed); commands in the tables (`spawn`,
`twist`) are never run.  The environment variables `MOVESCU_HOSTS_ALLOW` and
`MOVESCU_HOSTS_DENY` name other tables.  Details: `docs/access-control.md`.
"""

EXAMPLES = """
    movescu --patient --port 9876 --move TEST_AE --call ARCHIVE caesar 104 q.dcm

sends the identifier in `q.dcm` in a C-MOVE request of the Patient Root model to
the application entity ARCHIVE on host caesar, port 104.  movescu calls itself
MOVESCU (the default) and asks for the objects to be sent to TEST_AE.  If the SCP
maps TEST_AE to this host and port 9876, movescu receives the objects and writes
them to the current directory.

    movescu -S -aec ARCHIVE +P 11113 -od incoming -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.2.3 pacs 104

retrieves one study with the Study Root model into the directory `incoming`.

    movescu -P -aec ARCHIVE -aem VIEWER -k QueryRetrieveLevel=PATIENT -k PatientID=12345 pacs 104

asks the SCP to copy all studies of a patient to the system VIEWER (a third
party, for instance DCMTK's `storescp`); nothing is received here.

    movescu @site.args -v query-series.dcm
    movescu --config movescu.conf query-study.dcm

take the site's settings from a command file or a config file (see
`examples/site.args` and `examples/movescu.conf`).
"""

LOGGING = """
By default only warnings and errors are written to standard error, each line
prefixed by the initial of its level (`W: `, `E: `, `F: `).  `--verbose` adds
processing details (`I: `), `--debug` internals and protocol dumps (`D: `),
`--log-level trace` everything (`T: `), including pydicom's and pynetdicom's
messages.  `--quiet` reports fatal errors only.  With `-v` (level exactly info)
each received object also prints `RECV: ` and a dot per data fragment on standard
output, as DCMTK does.

`--log-config` reads a log4cplus configuration file (DCMTK's format, for example
DCMTK's `logger.cfg`) that may send messages to files with rotation, filter them
by logger and level and change the layout.  DCMTK's logger names are understood.
"""

COMMAND_LINE = """
In the usage, square brackets enclose optional parameters, three trailing dots
mean that a parameter may be repeated.  Options start with `-` or `+` followed by
a character that is not a digit (`-5` is a parameter); they must be written out
exactly as listed: no abbreviations, no bundling, no `--option=value`.  Options
and parameters may appear in any order.  When options of one group exclude each
other, the rightmost one is used, as in Unix shells.

An argument `@file` is replaced by the contents of the command file `file` before
anything else is evaluated.  The file is split at spaces, tabs and line breaks;
text between double or single quotes is one argument (even when empty, `""`) in
which blanks and the other quote character are literal.  There are no escape
characters and no comments, and a command file cannot include another one.  A
command file may hold any part of the command line, options and parameters
alike; `examples/site.args` is an example.
"""

CONFIG_FILE = """
`--config FILE` (or `MOVESCU_CONFIG=FILE`) reads settings from a file, one per
line: `key = value` or `key: value`, where key is a long option name without the
leading dashes; `#` starts a comment line.  A switch is written `key = true` (or
the key alone), an option with two values as a list `[8, 4]`, and `--key` as a
list of `-k` arguments: `key = ["0008,0052=STUDY", "PatientID=PAT001"]` (quote
each element when a value contains a comma).  Parameters (peer, port, query
files) cannot be set there.  An unknown key or an unreadable file is a
command-line error (exit code 1); so is a bad value, whose message ends with the
file and line it came from (`, from config file 'site.conf' line 3`).

Precedence: command line, then environment, then config file, then DCMTK's
default.  It is decided per option and per group of exclusive options: a source
that sets any option of a group (e.g. `+xe`) replaces what a lower source chose
in that group (e.g. `accept-all = true`).  `-q`, `-v`, `-d`, `-ll` and `-lc`
count as one group.  `--key` is merged per attribute: the keys of every source
are sent, and for an attribute set by several sources the highest source wins
(`key = ["QueryRetrieveLevel=STUDY"]` in the file plus `-k StudyInstanceUID=...`
sends both).  Values from the file are checked exactly like command-line values.
`examples/movescu.conf` is an example; `docs/configuration.md` has the details.
"""

ENVIRONMENT = """
`DCMDICTPATH`: data dictionary files in DCMTK's `dicom.dic` format, separated by
`:`, loaded in order on top of pydicom's dictionary (later files override
earlier ones).  They add or rename attributes for `-k` names, VRs and dumps.  As
pydicom's dictionary is always present, `-k` keywords keep working even when none
of the files can be read (DCMTK then warns `no data dictionary loaded`, and so do
we).
"""

ENVIRONMENT_SETTINGS = """
Every long option except `--help` and `--version` can be set by a variable named
`MOVESCU_` plus the option name in upper case with `-` replaced by `_`.  Values
are written as in the config file; the precedence is command line, environment,
config file, default.  A bad value is a command-line error naming the variable
(`, from environment variable MOVESCU_PORT`).  Any other `MOVESCU_*` name (a
typo such as `MOVESCU_STUDDY`) is ignored with a warning: `W: unknown
environment variable MOVESCU_STUDDY (ignored)`.  `MOVESCU_HOSTS_ALLOW` and
`MOVESCU_HOSTS_DENY` (after the table) are not settings and get no warning.
"""

ENVIRONMENT_OTHER = """
`MOVESCU_HOSTS_ALLOW`, `MOVESCU_HOSTS_DENY`: host access control tables used by
`+ac` instead of `/etc/hosts.allow` and `/etc/hosts.deny`.

`TCP_NODELAY`: DCMTK's tools leave Nagle's algorithm on unless `TCP_NODELAY=1` is
set, which slows each C-STORE by about 40 ms.  movescu always disables Nagle's
algorithm on its own sockets and does not read this variable; set it for DCMTK
peers and Orthanc (`TCP_NODELAY=1`) when testing with them.
"""

EXIT_CODES_INTRO = """
The exit code tells why movescu ended.  The names are DCMTK's (`EXITCODE_` is left
out).  Codes 22, 129, 130 and 143 are ours (DCMTK has none for these cases); 69
also covers, unlike DCMTK, a C-MOVE that failed at DIMSE level.
"""

#: one description per :class:`ExitCode` member (the test checks completeness)
EXIT_CODES: dict[str, str] = {
    "NO_ERROR": "Success: every C-MOVE ended with status Success (or Cancel); also `--help`, `--version`.",
    "COMMANDLINE_SYNTAX_ERROR": "Error on the command line, in a command file, config file or `MOVESCU_*` variable (an `error:` line after the header).  Also an unexpected internal error (`F: internal error: ...`).",
    "INSUFFICIENT_PRIVILEGES": "`+P` below 1024 without root privileges.",
    "SETUID_FAILED": "Not used by movescu (part of DCMTK's table).",
    "INVALID_INPUT_FILE": "Ours: a query file is not a readable DICOM data set; detected before the association is requested.",
    "CANNOT_WRITE_OUTPUT_FILE": "The `-od` directory is not writeable, or the `--report` file cannot be written (directory missing or not writeable, or the path is a directory): `F: cannot write report file: <path>: <reason>`.  Both are checked before the network starts.",
    "INVALID_OUTPUT_DIRECTORY": "The `-od` directory does not exist (or is not a directory).",
    "CANNOT_INITIALIZE_NETWORK": "The `+P` port cannot be bound (already in use).",
    "CANNOT_NEGOTIATE_ASSOCIATION": "The association was rejected by the SCP or could not be requested (unknown host, connection refused or timed out, peer aborted).",
    "CANNOT_CREATE_ASSOC_PARAMETERS": "The association parameters could not be set up (a value the network library refuses).",
    "NO_PRESENTATION_CONTEXT": "The SCP accepted no presentation context for the MOVE SOP class of the chosen model.",
    "CANNOT_CLOSE_ASSOCIATION": "Releasing or aborting the association failed.",
    "CMOVE_WARNING": "A final C-MOVE status was a warning (e.g. B000: some sub-operations failed) and none was an error.",
    "CMOVE_ERROR": "A final C-MOVE status was a failure or refusal (A7xx, A801, A900, Cxxx).  Unlike DCMTK, also a C-MOVE that failed at DIMSE level (timeout, peer abort, lost association, no final response).",
    "CANNOT_CREATE_TLS_LAYER": "The TLS layer could not be created (key, certificate, password, profile, cipher suite or random seed; DCMTK 3.7.0).",
    "HANGUP": "Ours: SIGHUP (the terminal went away); `F: hangup` is logged, then the "
    "process dies by the signal (a shell shows 129).",
    "INTERRUPTED": "Ours: interrupted by SIGINT (Ctrl-C); `F: interrupted` is logged, then "
    "the process dies by the signal, as DCMTK's does (a shell shows 130).",
    "TERMINATED": "Ours: terminated by SIGTERM; `F: terminated` is logged, then the process "
    "dies by the signal (a shell shows 143).",
}

ADDITIONS = """
Options and behaviour that DCMTK's movescu does not have; none of them changes
DCMTK's defaults or output unless it is asked for:

`--config FILE` and `MOVESCU_*` environment variables (see CONFIGURATION FILE and
ENVIRONMENT).

`--progress` / `--no-progress`: a progress display on standard error, by default
when it is a terminal and movescu is not quiet.

`--report FILE`: a machine-readable JSON report of the run for scripts and CI
(see `docs/report.md`).  With `-v` the last line is a summary of the sub-operations:
`I: Summary: 20 objects completed, 0 failed, 0 warning; 10.5 MB received in 1.23 s
(8.5 MB/s)` (counts from the final C-MOVE responses, bytes received with `+P`).

storescp's output organisation and event options (storescp 3.6.7's option
strings, values, conflicts and messages; see storescp(1)) for the objects received
with `+P`: `-ss`/`-su`/`-sp` sort each study into a subdirectory of `-od`
(`[prefix_]YYYYMMDD_HHMMSSPPP`, `[prefix_]StudyInstanceUID`,
`PatientName_YYYYMMDD_HHMMSSPPP`; not with `+B`); `+uf` (`<prefix>.X.<new UID>`),
`-tn` (`YYYYMMDDHHMMSSPPP[_NNNN].<prefix>`) and `-fe EXT` change file names;
`-xcr CMD` runs a command after each stored object and `-xcs CMD` at the end of
each study (only with a `-s..` option), through `/bin/sh -c`, in the background
unless `-xs`; `-rns` renames a completed study's files to `<prefix><6 digits>`;
`-tos T` also ends a study after T seconds without objects.  A study ends when an
object of another study arrives and no other sub-association still delivers it,
after `-tos` seconds, and when the C-MOVE that brought it ends (storescp has no
such end: its last study never ends without `-tos`).  Placeholders: `#p` (output
directory or study subdirectory), `#f` (file name, `-xcr` only), `#a` (calling AE
title), `#c` (called AE title), `#r` (the peer's host name, or its address with
`-dhl`).  Each value is inserted as one shell word (quoted when it holds anything
but letters, digits and `@%+=:,./-`), so a peer's AE title or UID cannot inject
shell syntax: write placeholders unquoted (`-xcr "cp #p/#f /archive"`).  A command
that cannot be started is logged (`cannot execute command '...'`), one that fails
as a warning with its exit status; a rename that would replace a file is not done
(`cannot rename file ...`); no received file is ever removed.

Many moves in one run (`--key-list`, `--retry`, `--retry-wait`, `--parallel`,
`--resume`): with any of them each C-MOVE gets an association of its own, the
report gets a `bulk` part with the state of every move, and `-v` ends with one
`I: Move i of n (...)` line per move in input order and an `I: Moves: ...` count.
`--repeat` greater than 1 is not allowed with them.  See `docs/bulk.md`.

Sequence paths in `-k`; concurrent sub-associations; bounded waits (never
forever); atomic writes (a received object appears under its final name only when
it is complete); sanitised file names; exit codes 22, 129, 130 and 143, and 69 for C-MOVEs
that fail at DIMSE level; `+B` honours `-od`.
"""

SEE_ALSO = """
DCMTK's findscu(1), getscu(1), storescp(1), storescu(1), dump2dcm(1), dcmqrscp(1);
hosts_access(5); `docs/differences.md` (deviations from DCMTK),
`docs/troubleshooting.md`, `docs/configuration.md`, `docs/ci.md`, `docs/tls.md`,
`docs/access-control.md`, `docs/bulk.md`.
"""

#: names for the transfer syntax tables (DCMTK's man page names, shortened)
TRANSFER_SYNTAX_NAMES: dict[str, str] = {
    "1.2.840.10008.1.2": "LittleEndianImplicitTransferSyntax",
    "1.2.840.10008.1.2.1": "LittleEndianExplicitTransferSyntax",
    "1.2.840.10008.1.2.1.98": "EncapsulatedUncompressedExplicitVRLittleEndian",
    "1.2.840.10008.1.2.1.99": "DeflatedExplicitVRLittleEndianTransferSyntax",
    "1.2.840.10008.1.2.2": "BigEndianExplicitTransferSyntax",
    "1.2.840.10008.1.2.4.50": "JPEGProcess1TransferSyntax",
    "1.2.840.10008.1.2.4.51": "JPEGProcess2_4TransferSyntax",
    "1.2.840.10008.1.2.4.70": "JPEGProcess14SV1TransferSyntax",
    "1.2.840.10008.1.2.4.80": "JPEGLSLosslessTransferSyntax",
    "1.2.840.10008.1.2.4.81": "JPEGLSLossyTransferSyntax",
    "1.2.840.10008.1.2.4.90": "JPEG2000LosslessOnlyTransferSyntax",
    "1.2.840.10008.1.2.4.91": "JPEG2000TransferSyntax",
    "1.2.840.10008.1.2.4.100": "MPEG2MainProfileAtMainLevelTransferSyntax",
    "1.2.840.10008.1.2.4.100.1": "FragmentableMPEG2MainProfileMainLevel",
    "1.2.840.10008.1.2.4.101": "MPEG2MainProfileAtHighLevelTransferSyntax",
    "1.2.840.10008.1.2.4.101.1": "FragmentableMPEG2MainProfileHighLevel",
    "1.2.840.10008.1.2.4.102": "MPEG4HighProfileLevel4_1TransferSyntax",
    "1.2.840.10008.1.2.4.102.1": "FragmentableMPEG4HighProfileLevel4_1",
    "1.2.840.10008.1.2.4.103": "MPEG4BDcompatibleHighProfileLevel4_1",
    "1.2.840.10008.1.2.4.103.1": "FragmentableMPEG4BDcompatibleHighProfile",
    "1.2.840.10008.1.2.4.104": "MPEG4HighProfileLevel4_2_For2DVideo",
    "1.2.840.10008.1.2.4.104.1": "FragmentableMPEG4HighProfileLevel4_2_2D",
    "1.2.840.10008.1.2.4.105": "MPEG4HighProfileLevel4_2_For3DVideo",
    "1.2.840.10008.1.2.4.105.1": "FragmentableMPEG4HighProfileLevel4_2_3D",
    "1.2.840.10008.1.2.4.106": "MPEG4StereoHighProfileLevel4_2",
    "1.2.840.10008.1.2.4.106.1": "FragmentableMPEG4StereoHighProfile",
    "1.2.840.10008.1.2.4.107": "HEVCMainProfileLevel5_1TransferSyntax",
    "1.2.840.10008.1.2.4.108": "HEVCMain10ProfileLevel5_1TransferSyntax",
    "1.2.840.10008.1.2.4.110": "JPEGXLLosslessTransferSyntax",
    "1.2.840.10008.1.2.4.111": "JPEGXLJPEGRecompressionTransferSyntax",
    "1.2.840.10008.1.2.4.112": "JPEGXLTransferSyntax",
    "1.2.840.10008.1.2.4.201": "HighThroughputJPEG2000Lossless",
    "1.2.840.10008.1.2.4.202": "HighThroughputJPEG2000RPCLLossless",
    "1.2.840.10008.1.2.4.203": "HighThroughputJPEG2000",
    "1.2.840.10008.1.2.5": "RLELosslessTransferSyntax",
    "1.2.840.10008.1.2.8.1": "DeflatedImageFrameCompression",
}
