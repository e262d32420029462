# ruff: noqa: E501
"""THE option table of movescu: data only, declared once, in DCMTK's help order.

Owns every option's names, value description, help text, group and sub-group, the
number of values it consumes and what kind of option it is.  The help text
(:mod:`movescu.cli.helpformat`), the scanner (:mod:`movescu.cli.parser`), the
config-file/environment reader and the evaluation (:mod:`movescu.cli.to_config`)
all read this table; none of them may declare an option of its own.  This module
holds no logic beyond building lookup dictionaries and must stay cheap to import.

The texts are those of DCMTK 3.6.7's ``movescu --help`` (``tests/data/
movescu-3.6.7-help.txt``), plus DCMTK 3.7.0's ``IP protocol version`` sub-group and
its ``transport layer security (TLS) options`` group (texts of
``movescu-3.7.0.man.txt``), and a final group with our own additions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from movescu.config import (
    CRLMode,
    GroupLength,
    IPFamily,
    KeyFileFormat,
    LengthEncoding,
    LogLevel,
    PasswordSource,
    PeerVerification,
    PendingDatasetHandling,
    PreferredTransferSyntax,
    ProposedTransferSyntax,
    QueryModel,
    StudySorting,
    TLSProfile,
    WriteTransferSyntax,
)


class Kind(Enum):
    """How an option behaves on the command line."""

    #: ``--help``/``--version``: print and exit, even without parameters
    EXCLUSIVE = "exclusive"
    #: a switch without value
    FLAG = "flag"
    #: an option followed by ``values`` arguments
    VALUE = "value"
    #: one member of an exclusive sub-group (rightmost wins); ``choice`` is its value
    MEMBER = "member"


@dataclass(frozen=True)
class Option:
    """One command-line option as DCMTK declares it (``OFCommandLine::addOption``)."""

    long: str
    short: str
    help: str
    value_help: str = ""
    values: int = 0
    kind: Kind = Kind.FLAG
    #: name of the exclusive sub-group (DCMTK "option block") this option belongs to
    block: str = ""
    #: the value a MEMBER stands for (an Enum from :mod:`movescu.config`, or a bool)
    choice: object = None
    #: True for our own options (not in DCMTK)
    ours: bool = False

    @property
    def key(self) -> str:
        """The config-file key: the long name without ``--`` (configargparse's rule)."""
        return self.long[2:]

    @property
    def env_var(self) -> str:
        """The environment variable: ``MOVESCU_`` + key upper-cased, ``-`` -> ``_``."""
        return "MOVESCU_" + self.key.upper().replace("-", "_")


@dataclass(frozen=True)
class SubGroup:
    """A sub-group header (``""`` for a group whose options have no sub-group)."""

    title: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Group:
    title: str
    subgroups: tuple[SubGroup, ...]


@dataclass(frozen=True)
class Parameter:
    name: str
    help: str


def _flag(short: str, long: str, help: str, **kw: object) -> Option:
    return Option(long=long, short=short, help=help, **kw)  # type: ignore[arg-type]


def _value(short: str, long: str, value_help: str, help: str, values: int = 1) -> Option:
    return Option(
        long=long, short=short, help=help, value_help=value_help, values=values, kind=Kind.VALUE
    )


def _member(short: str, long: str, help: str, block: str, choice: object) -> Option:
    return Option(long=long, short=short, help=help, kind=Kind.MEMBER, block=block, choice=choice)


def _ours(short: str, long: str, help: str, value_help: str = "") -> Option:
    """One of storescp's options that movescu adds (a flag, or one value)."""
    kind = Kind.VALUE if value_help else Kind.FLAG
    return Option(long, short, help, value_help, int(bool(value_help)), kind, ours=True)


def _ours_member(
    short: str, long: str, help: str, block: str, choice: object, value_help: str = ""
) -> Option:
    """A member of one of storescp's sub-groups that movescu adds."""
    values = int(bool(value_help))
    return Option(long, short, help, value_help, values, Kind.MEMBER, block, choice, ours=True)


_PT = PreferredTransferSyntax
_XT = ProposedTransferSyntax
_WT = WriteTransferSyntax

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("peer", "hostname of DICOM peer"),
    Parameter("port", "tcp/ip port number of peer"),
    Parameter("dcmfile-in", "DICOM query file(s)"),
)

GROUPS: tuple[Group, ...] = (
    Group(
        "general options:",
        (
            SubGroup(
                "",
                (
                    Option("--help", "-h", "print this help text and exit", kind=Kind.EXCLUSIVE),
                    Option(
                        "--version", "", "print version information and exit", kind=Kind.EXCLUSIVE
                    ),
                    _flag("", "--arguments", "print expanded command line arguments"),
                    _member(
                        "-q",
                        "--quiet",
                        "quiet mode, print no warnings and errors",
                        "verbosity",
                        LogLevel.FATAL,
                    ),
                    _member(
                        "-v",
                        "--verbose",
                        "verbose mode, print processing details",
                        "verbosity",
                        LogLevel.INFO,
                    ),
                    _member(
                        "-d",
                        "--debug",
                        "debug mode, print debug information",
                        "verbosity",
                        LogLevel.DEBUG,
                    ),
                    _value(
                        "-ll",
                        "--log-level",
                        "[l]evel: string constant",
                        "(fatal, error, warn, info, debug, trace)\nuse level l for the logger",
                    ),
                    _value(
                        "-lc",
                        "--log-config",
                        "[f]ilename: string",
                        "use config file f for the logger",
                    ),
                ),
            ),
        ),
    ),
    Group(
        "network options:",
        (
            # DCMTK 3.7.0 (DECISIONS rule 1): first sub-group of "network options".
            SubGroup(
                "IP protocol version:",
                (
                    _member(
                        "-i4", "--ipv4", "use IPv4 only (default)", "ip_family", IPFamily.IPV4
                    ),
                    _member("-i6", "--ipv6", "use IPv6 only", "ip_family", IPFamily.IPV6),
                    _member(
                        "-i0", "--ip-auto", "use IPv6/IPv4 dual stack", "ip_family", IPFamily.AUTO
                    ),
                ),
            ),
            SubGroup(
                "override matching keys:",
                (
                    _value(
                        "-k",
                        "--key",
                        '[k]ey: gggg,eeee="str" or dict. name="str"',
                        "override matching key",
                    ),
                ),
            ),
            SubGroup(
                "query information model:",
                (
                    _member(
                        "-P",
                        "--patient",
                        "use patient root information model (default)",
                        "query_model",
                        QueryModel.PATIENT,
                    ),
                    _member(
                        "-S",
                        "--study",
                        "use study root information model",
                        "query_model",
                        QueryModel.STUDY,
                    ),
                    _member(
                        "-O",
                        "--psonly",
                        "use patient/study only information model",
                        "query_model",
                        QueryModel.PSONLY,
                    ),
                ),
            ),
            SubGroup(
                "application entity titles:",
                (
                    _value(
                        "-aet",
                        "--aetitle",
                        "[a]etitle: string",
                        "set my calling AE title (default: MOVESCU)",
                    ),
                    _value(
                        "-aec",
                        "--call",
                        "[a]etitle: string",
                        "set called AE title of peer (default: ANY-SCP)",
                    ),
                    _value(
                        "-aem",
                        "--move",
                        "[a]etitle: string",
                        "set move destinat. AE title (default: MOVESCU)",
                    ),
                ),
            ),
            SubGroup(
                "preferred network transfer syntaxes (incoming associations):",
                (
                    _member(
                        "+x=",
                        "--prefer-uncompr",
                        "prefer explicit VR local byte order (default)",
                        "prefer",
                        _PT.UNCOMPRESSED,
                    ),
                    _member(
                        "+xe",
                        "--prefer-little",
                        "prefer explicit VR little endian TS",
                        "prefer",
                        _PT.LITTLE,
                    ),
                    _member(
                        "+xb",
                        "--prefer-big",
                        "prefer explicit VR big endian TS",
                        "prefer",
                        _PT.BIG,
                    ),
                    _member(
                        "+xs",
                        "--prefer-lossless",
                        "prefer default JPEG lossless TS",
                        "prefer",
                        _PT.LOSSLESS,
                    ),
                    _member(
                        "+xy",
                        "--prefer-jpeg8",
                        "prefer default JPEG lossy TS for 8 bit data",
                        "prefer",
                        _PT.JPEG8,
                    ),
                    _member(
                        "+xx",
                        "--prefer-jpeg12",
                        "prefer default JPEG lossy TS for 12 bit data",
                        "prefer",
                        _PT.JPEG12,
                    ),
                    _member(
                        "+xv",
                        "--prefer-j2k-lossless",
                        "prefer JPEG 2000 lossless TS",
                        "prefer",
                        _PT.J2K_LOSSLESS,
                    ),
                    _member(
                        "+xw",
                        "--prefer-j2k-lossy",
                        "prefer JPEG 2000 lossy TS",
                        "prefer",
                        _PT.J2K_LOSSY,
                    ),
                    _member(
                        "+xt",
                        "--prefer-jls-lossless",
                        "prefer JPEG-LS lossless TS",
                        "prefer",
                        _PT.JLS_LOSSLESS,
                    ),
                    _member(
                        "+xu",
                        "--prefer-jls-lossy",
                        "prefer JPEG-LS lossy TS",
                        "prefer",
                        _PT.JLS_LOSSY,
                    ),
                    _member(
                        "+xm",
                        "--prefer-mpeg2",
                        "prefer MPEG2 Main Profile @ Main Level TS",
                        "prefer",
                        _PT.MPEG2,
                    ),
                    _member(
                        "+xh",
                        "--prefer-mpeg2-high",
                        "prefer MPEG2 Main Profile @ High Level TS",
                        "prefer",
                        _PT.MPEG2_HIGH,
                    ),
                    _member(
                        "+xn",
                        "--prefer-mpeg4",
                        "prefer MPEG4 AVC/H.264 HP / Level 4.1 TS",
                        "prefer",
                        _PT.MPEG4,
                    ),
                    _member(
                        "+xl",
                        "--prefer-mpeg4-bd",
                        "prefer MPEG4 AVC/H.264 BD-compatible TS",
                        "prefer",
                        _PT.MPEG4_BD,
                    ),
                    _member(
                        "+x2",
                        "--prefer-mpeg4-2-2d",
                        "prefer MPEG4 AVC/H.264 HP / Level 4.2 TS (2D)",
                        "prefer",
                        _PT.MPEG4_2_2D,
                    ),
                    _member(
                        "+x3",
                        "--prefer-mpeg4-2-3d",
                        "prefer MPEG4 AVC/H.264 HP / Level 4.2 TS (3D)",
                        "prefer",
                        _PT.MPEG4_2_3D,
                    ),
                    _member(
                        "+xo",
                        "--prefer-mpeg4-2-st",
                        "prefer MPEG4 AVC/H.264 Stereo HP / Level 4.2 TS",
                        "prefer",
                        _PT.MPEG4_2_ST,
                    ),
                    _member(
                        "+x4",
                        "--prefer-hevc",
                        "prefer HEVC/H.265 Main Profile / Level 5.1 TS",
                        "prefer",
                        _PT.HEVC,
                    ),
                    _member(
                        "+x5",
                        "--prefer-hevc10",
                        "prefer HEVC/H.265 Main 10 Profile / Level 5.1 TS",
                        "prefer",
                        _PT.HEVC10,
                    ),
                    _member("+xr", "--prefer-rle", "prefer RLE lossless TS", "prefer", _PT.RLE),
                    _member(
                        "+xd",
                        "--prefer-deflated",
                        "prefer deflated explicit VR little endian TS",
                        "prefer",
                        _PT.DEFLATED,
                    ),
                    _member(
                        "+xi",
                        "--implicit",
                        "accept implicit VR little endian TS only",
                        "prefer",
                        _PT.IMPLICIT,
                    ),
                    _member(
                        "+xa",
                        "--accept-all",
                        "accept all supported transfer syntaxes",
                        "prefer",
                        _PT.ACCEPT_ALL,
                    ),
                ),
            ),
            SubGroup(
                "proposed transmission transfer syntaxes (outgoing associations):",
                (
                    _member(
                        "-x=",
                        "--propose-uncompr",
                        "propose all uncompressed TS, explicit VR\nwith local byte ordering first (default)",
                        "propose",
                        _XT.UNCOMPRESSED,
                    ),
                    _member(
                        "-xe",
                        "--propose-little",
                        "propose all uncompressed TS, explicit VR\nlittle endian first",
                        "propose",
                        _XT.LITTLE,
                    ),
                    _member(
                        "-xb",
                        "--propose-big",
                        "propose all uncompressed TS, explicit VR\nbig endian first",
                        "propose",
                        _XT.BIG,
                    ),
                    _member(
                        "-xd",
                        "--propose-deflated",
                        "propose deflated explicit VR little endian TS\nand all uncompressed transfer syntaxes",
                        "propose",
                        _XT.DEFLATED,
                    ),
                    _member(
                        "-xi",
                        "--propose-implicit",
                        "propose implicit VR little endian TS only",
                        "propose",
                        _XT.IMPLICIT,
                    ),
                ),
            ),
            SubGroup(
                "network host access control (tcp wrapper):",
                (
                    _member(
                        "-ac",
                        "--access-full",
                        "accept connections from any host (default)",
                        "access",
                        False,
                    ),
                    _member(
                        "+ac",
                        "--access-control",
                        "enforce host access control rules",
                        "access",
                        True,
                    ),
                ),
            ),
            SubGroup(
                "port for incoming network associations:",
                (
                    _member(
                        "",
                        "--no-port",
                        "no port for incoming associations (default)",
                        "port",
                        None,
                    ),
                    Option(
                        "--port",
                        "+P",
                        "port number for incoming associations",
                        "[n]umber: integer",
                        values=1,
                        kind=Kind.MEMBER,
                        block="port",
                        choice="port",
                    ),
                ),
            ),
            SubGroup(
                "handling of illegal datasets following 'pending' move responses:",
                (
                    _member(
                        "-pi",
                        "--pending-ignore",
                        "assume no dataset present (default)",
                        "pending",
                        PendingDatasetHandling.IGNORE,
                    ),
                    _member(
                        "-pr",
                        "--pending-read",
                        "read and ignore dataset",
                        "pending",
                        PendingDatasetHandling.READ,
                    ),
                ),
            ),
            SubGroup(
                "other network options:",
                (
                    _value(
                        "-to",
                        "--timeout",
                        "[s]econds: integer (default: unlimited)",
                        "timeout for connection requests",
                    ),
                    _value(
                        "-ta",
                        "--acse-timeout",
                        "[s]econds: integer (default: 30)",
                        "timeout for ACSE messages",
                    ),
                    _value(
                        "-td",
                        "--dimse-timeout",
                        "[s]econds: integer (default: unlimited)",
                        "timeout for DIMSE messages",
                    ),
                    _value(
                        "-pdu",
                        "--max-pdu",
                        "[n]umber of bytes: integer (4096..131072)",
                        "set max receive pdu to n bytes (default: 16384)",
                    ),
                    _flag("-dhl", "--disable-host-lookup", "disable hostname lookup"),
                    _value("", "--repeat", "[n]umber: integer", "repeat n times"),
                    _flag("", "--abort", "abort association instead of releasing it"),
                    _flag("", "--ignore", "ignore store data, receive but do not store"),
                    _value(
                        "",
                        "--cancel",
                        "[n]umber: integer",
                        "cancel after n responses (default: never)",
                    ),
                    _flag("-up", "--uid-padding", "silently correct space-padded UIDs"),
                ),
            ),
        ),
    ),
    # DCMTK 3.7.0 (DECISIONS rule 1): dcmtls' DcmTLSOptions::addTLSCommandlineOptions for
    # an acceptor-requestor, as movescu-3.7.0.man.txt lists it (no +tla, no --request-sni).
    Group(
        "transport layer security (TLS) options:",
        (
            SubGroup(
                "transport protocol stack:",
                (
                    _member(
                        "-tls",
                        "--disable-tls",
                        "use normal TCP/IP connection (default)",
                        "tls",
                        False,
                    ),
                    Option(
                        "--enable-tls",
                        "+tls",
                        "use authenticated secure TLS connection",
                        "[p]rivate key file, [c]ertificate file: string",
                        values=2,
                        kind=Kind.MEMBER,
                        block="tls",
                        choice=True,
                    ),
                ),
            ),
            SubGroup(
                "private key password (only with --enable-tls):",
                (
                    _member(
                        "+ps",
                        "--std-passwd",
                        "prompt user to type password on stdin (default)",
                        "passwd",
                        PasswordSource.PROMPT,
                    ),
                    Option(
                        "--use-passwd",
                        "+pw",
                        "use specified password",
                        "[p]assword: string ",
                        values=1,
                        kind=Kind.MEMBER,
                        block="passwd",
                        choice=PasswordSource.GIVEN,
                    ),
                    _member(
                        "-pw",
                        "--null-passwd",
                        "use empty string as password",
                        "passwd",
                        PasswordSource.EMPTY,
                    ),
                ),
            ),
            SubGroup(
                "key and certificate file format:",
                (
                    _member(
                        "-pem",
                        "--pem-keys",
                        "read keys and certificates as PEM file (default)",
                        "key_format",
                        KeyFileFormat.PEM,
                    ),
                    _member(
                        "-der",
                        "--der-keys",
                        "read keys and certificates as DER file",
                        "key_format",
                        KeyFileFormat.DER,
                    ),
                ),
            ),
            SubGroup(
                "certification authority:",
                (
                    _value(
                        "+cf",
                        "--add-cert-file",
                        "[f]ilename: string",
                        "add certificate file to list of certificates",
                    ),
                    _value(
                        "+cd",
                        "--add-cert-dir",
                        "[d]irectory: string",
                        "add certificates in d to list of certificates",
                    ),
                    _value(
                        "+crl",
                        "--add-crl-file",
                        "[f]ilename: string",
                        "add certificate revocation list file\n(implies --enable-crl-vfy)",
                    ),
                    _member(
                        "+crv",
                        "--enable-crl-vfy",
                        "enable leaf CRL verification",
                        "crl",
                        CRLMode.LEAF,
                    ),
                    _member(
                        "+cra",
                        "--enable-crl-all",
                        "enable full chain CRL verification",
                        "crl",
                        CRLMode.ALL,
                    ),
                ),
            ),
            SubGroup(
                "security profile:",
                (
                    Option(
                        "--list-profiles",
                        "+ph",
                        "list supported TLS profiles and exit",
                        kind=Kind.EXCLUSIVE,
                    ),
                    _member(
                        "+pg",
                        "--profile-8996",
                        "BCP 195 RFC 8996 TLS Profile (default)",
                        "profile",
                        TLSProfile.BCP195_RFC8996,
                    ),
                    _member(
                        "+pm",
                        "--profile-8996-mod",
                        "Modified BCP 195 RFC 8996 TLS Profile",
                        "profile",
                        TLSProfile.BCP195_RFC8996_MODIFIED,
                    ),
                    _member(
                        "+py",
                        "--profile-bcp195-nd",
                        "Non-downgrading BCP 195 TLS Profile (retired)",
                        "profile",
                        TLSProfile.BCP195_ND,
                    ),
                    _member(
                        "+px",
                        "--profile-bcp195",
                        "BCP 195 TLS Profile (retired)",
                        "profile",
                        TLSProfile.BCP195,
                    ),
                    _member(
                        "+pz",
                        "--profile-bcp195-ex",
                        "Extended BCP 195 TLS Profile (retired)",
                        "profile",
                        TLSProfile.BCP195_EXTENDED,
                    ),
                    _member(
                        "+pb",
                        "--profile-basic",
                        "Basic TLS Secure Transport Connection Profile\n(retired)",
                        "profile",
                        TLSProfile.BASIC,
                    ),
                    _member(
                        "+pa",
                        "--profile-aes",
                        "AES TLS Secure Transport Connection Profile\n(retired)",
                        "profile",
                        TLSProfile.AES,
                    ),
                    _member(
                        "+pn",
                        "--profile-null",
                        "Authenticated unencrypted communication\n(retired, was used in IHE ATNA)",
                        "profile",
                        TLSProfile.NULL,
                    ),
                ),
            ),
            SubGroup(
                "ciphersuite:",
                (
                    Option(
                        "--list-ciphers",
                        "+cc",
                        "list supported TLS ciphersuites and exit",
                        kind=Kind.EXCLUSIVE,
                    ),
                    _value(
                        "+cs",
                        "--cipher",
                        "[c]iphersuite name: string",
                        "add ciphersuite to list of negotiated suites",
                    ),
                    _value(
                        "+dp",
                        "--dhparam",
                        "[f]ilename: string",
                        "read DH parameters for DH/DSS ciphersuites",
                    ),
                ),
            ),
            SubGroup(
                "server name indication:",
                (
                    _flag("", "--no-sni", "do not use SNI (default)"),
                    _value(
                        "",
                        "--expect-sni",
                        "[s]erver name: string",
                        "expect requests for server name s",
                    ),
                ),
            ),
            SubGroup(
                "pseudo random generator:",
                (
                    _value(
                        "+rs",
                        "--seed",
                        "[f]ilename: string",
                        "seed random generator with contents of f",
                    ),
                    _flag("+ws", "--write-seed", "write back modified seed (only with --seed)"),
                    _value(
                        "+wf",
                        "--write-seed-file",
                        "[f]ilename: string (only with --seed)",
                        "write modified seed to file f",
                    ),
                ),
            ),
            SubGroup(
                "peer authentication:",
                (
                    _member(
                        "-rc",
                        "--require-peer-cert",
                        "verify peer certificate, fail if absent (default)",
                        "peer_cert",
                        PeerVerification.REQUIRE,
                    ),
                    _member(
                        "-vc",
                        "--verify-peer-cert",
                        "verify peer certificate if present",
                        "peer_cert",
                        PeerVerification.VERIFY,
                    ),
                    _member(
                        "-ic",
                        "--ignore-peer-cert",
                        "don't verify peer certificate",
                        "peer_cert",
                        PeerVerification.IGNORE,
                    ),
                ),
            ),
        ),
    ),
    Group(
        "output options:",
        (
            SubGroup(
                "general:",
                (
                    _value(
                        "-od",
                        "--output-directory",
                        '[d]irectory: string (default: ".")',
                        "write received objects to existing directory d",
                    ),
                ),
            ),
            SubGroup(
                "bit preserving mode:",
                (
                    _member(
                        "-B",
                        "--normal",
                        "allow implicit format conversions (default)",
                        "bit_preserving",
                        False,
                    ),
                    _member(
                        "+B",
                        "--bit-preserving",
                        "write data exactly as read",
                        "bit_preserving",
                        True,
                    ),
                ),
            ),
            SubGroup(
                "output file format:",
                (
                    _member(
                        "+F", "--write-file", "write file format (default)", "write_file", True
                    ),
                    _member(
                        "-F",
                        "--write-dataset",
                        "write data set without file meta information",
                        "write_file",
                        False,
                    ),
                ),
            ),
            SubGroup(
                "output transfer syntax (not with --bit-preserving or compressed transmission):",
                (
                    _member(
                        "+t=",
                        "--write-xfer-same",
                        "write with same TS as input (default)",
                        "write_xfer",
                        _WT.SAME,
                    ),
                    _member(
                        "+te",
                        "--write-xfer-little",
                        "write with explicit VR little endian TS",
                        "write_xfer",
                        _WT.LITTLE,
                    ),
                    _member(
                        "+tb",
                        "--write-xfer-big",
                        "write with explicit VR big endian TS",
                        "write_xfer",
                        _WT.BIG,
                    ),
                    _member(
                        "+ti",
                        "--write-xfer-implicit",
                        "write with implicit VR little endian TS",
                        "write_xfer",
                        _WT.IMPLICIT,
                    ),
                    _member(
                        "+td",
                        "--write-xfer-deflated",
                        "write with deflated expl. VR little endian TS",
                        "write_xfer",
                        _WT.DEFLATED,
                    ),
                ),
            ),
            SubGroup(
                "post-1993 value representations (not with --bit-preserving):",
                (
                    _member(
                        "+u",
                        "--enable-new-vr",
                        "enable support for new VRs (UN/UT) (default)",
                        "new_vr",
                        True,
                    ),
                    _member(
                        "-u",
                        "--disable-new-vr",
                        "disable support for new VRs, convert to OB",
                        "new_vr",
                        False,
                    ),
                ),
            ),
            SubGroup(
                "group length encoding (not with --bit-preserving):",
                (
                    _member(
                        "+g=",
                        "--group-length-recalc",
                        "recalculate group lengths if present (default)",
                        "group_length",
                        GroupLength.RECALC,
                    ),
                    _member(
                        "+g",
                        "--group-length-create",
                        "always write with group length elements",
                        "group_length",
                        GroupLength.CREATE,
                    ),
                    _member(
                        "-g",
                        "--group-length-remove",
                        "always write without group length elements",
                        "group_length",
                        GroupLength.REMOVE,
                    ),
                ),
            ),
            SubGroup(
                "length encoding in sequences and items (not with --bit-preserving):",
                (
                    _member(
                        "+e",
                        "--length-explicit",
                        "write with explicit lengths (default)",
                        "length_encoding",
                        LengthEncoding.EXPLICIT,
                    ),
                    _member(
                        "-e",
                        "--length-undefined",
                        "write with undefined lengths",
                        "length_encoding",
                        LengthEncoding.UNDEFINED,
                    ),
                ),
            ),
            SubGroup(
                "data set trailing padding (not with --write-dataset or --bit-preserving):",
                (
                    _member("-p", "--padding-off", "no padding (default)", "padding", None),
                    Option(
                        "--padding-create",
                        "+p",
                        "align file on multiple of f bytes\nand items on multiple of i bytes",
                        "[f]ile-pad [i]tem-pad: integer",
                        values=2,
                        kind=Kind.MEMBER,
                        block="padding",
                        choice="create",
                    ),
                ),
            ),
            SubGroup(
                "deflate compression level (only with -xd or --write-xfer-deflated/same):",
                (
                    _value(
                        "+cl",
                        "--compression-level",
                        "[l]evel: integer (default: 6)",
                        "0=uncompressed, 1=fastest, 9=best compression",
                    ),
                ),
            ),
        ),
    ),
    Group(
        "movescu additions (not in DCMTK):",
        (
            SubGroup(
                "",
                (
                    Option(
                        "--config",
                        "",
                        "read settings (long option names) from config file f",
                        "[f]ilename: string",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                    Option(
                        "--progress",
                        "",
                        "show a progress display on stderr (default: if a terminal)",
                        kind=Kind.MEMBER,
                        block="progress",
                        choice=True,
                        ours=True,
                    ),
                    Option(
                        "--no-progress",
                        "",
                        "never show a progress display",
                        kind=Kind.MEMBER,
                        block="progress",
                        choice=False,
                        ours=True,
                    ),
                    Option(
                        "--report",
                        "",
                        "write a JSON report of the run to file f",
                        "[f]ilename: string",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                    Option(
                        "--no-accelerator",
                        "",
                        "run on stock pynetdicom (slower; same behaviour)",
                        ours=True,
                    ),
                    Option(
                        "--retry",
                        "",
                        "send a failed C-MOVE again up to n times",
                        "[n]umber: integer (default: 0)",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                    Option(
                        "--retry-wait",
                        "",
                        "wait s seconds before each retry",
                        "[s]econds: float (default: 0)",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                    Option(
                        "--key-list",
                        "",
                        "one C-MOVE per row of CSV file f (header: keys)",
                        "[f]ilename: string",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                    Option(
                        "--parallel",
                        "",
                        "send up to n C-MOVEs at a time",
                        "[n]umber: integer (default: 1)",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                    Option(
                        "--resume",
                        "",
                        "send only what report f lists as not done",
                        "[f]ilename: string",
                        values=1,
                        kind=Kind.VALUE,
                        ours=True,
                    ),
                ),
            ),
            # storescp 3.6.7's output organisation and event options
            SubGroup(
                "sorting into subdirectories (not with --bit-preserving):",
                (
                    _ours_member(
                        "-ss",
                        "--sort-conc-studies",
                        "sort studies using prefix p and a timestamp",
                        "sorting",
                        StudySorting.TIMESTAMP,
                        "[p]refix: string",
                    ),
                    _ours_member(
                        "-su",
                        "--sort-on-study-uid",
                        "sort studies using prefix p and the Study\nInstance UID",
                        "sorting",
                        StudySorting.STUDY_UID,
                        "[p]refix: string",
                    ),
                    _ours_member(
                        "-sp",
                        "--sort-on-patientname",
                        "sort studies using the Patient's Name and\na timestamp",
                        "sorting",
                        StudySorting.PATIENT_NAME,
                    ),
                ),
            ),
            SubGroup(
                "filename generation:",
                (
                    _ours_member(
                        "-uf",
                        "--default-filenames",
                        "generate filename from instance UID (default)",
                        "unique_names",
                        False,
                    ),
                    _ours_member(
                        "+uf",
                        "--unique-filenames",
                        "generate unique filenames",
                        "unique_names",
                        True,
                    ),
                    _ours("-tn", "--timenames", "generate filename from creation time"),
                    _ours(
                        "-fe",
                        "--filename-extension",
                        "append e to all filenames",
                        "[e]xtension: string",
                    ),
                ),
            ),
            SubGroup(
                "event options:",
                (
                    _ours(
                        "-xcr",
                        "--exec-on-reception",
                        "execute command c after having received and\nprocessed one C-STORE-RQ message",
                        "[c]ommand: string",
                    ),
                    _ours(
                        "-xcs",
                        "--exec-on-eostudy",
                        "execute command c after having received and\nprocessed all C-STORE-RQ messages that belong\nto one study",
                        "[c]ommand: string",
                    ),
                    _ours(
                        "-rns",
                        "--rename-on-eostudy",
                        "having received and processed all C-STORE-RQ\nmessages that belong to one study, rename\noutput files according to certain pattern",
                    ),
                    _ours(
                        "-tos",
                        "--eostudy-timeout",
                        "specifies a timeout of t seconds for\nend-of-study determination",
                        "[t]imeout: integer",
                    ),
                    _ours("-xs", "--exec-sync", "execute command synchronously in foreground"),
                ),
            ),
        ),
    ),
)

#: every option, in help order
OPTIONS: tuple[Option, ...] = tuple(
    option for group in GROUPS for sub in group.subgroups for option in sub.options
)

#: short and long names -> option (DCMTK matches names exactly)
BY_NAME: dict[str, Option] = {
    name: option for option in OPTIONS for name in (option.short, option.long) if name
}

#: long name -> option
BY_LONG: dict[str, Option] = {option.long: option for option in OPTIONS}
