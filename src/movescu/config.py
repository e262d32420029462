"""The typed, frozen configuration of one movescu run.

Owns the *shape* of a run's settings: one frozen dataclass per concern and one
Enum per DCMTK option sub-group (the rightmost option of a sub-group wins, so a
sub-group is a single value).  :mod:`movescu.cli` is the only producer; the
network and writer stages only read it.  This module must not import pydicom or
pynetdicom (``--help`` and ``--version`` stay fast) and holds no logic beyond
trivial derived properties.

Defaults are DCMTK's defaults; our additions (``ExtraOptions``) default to off
or "auto" and never change DCMTK's behaviour unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

# --------------------------------------------------------------------------- logging


class LogLevel(Enum):
    """DCMTK/log4cplus levels; the value is the Python ``logging`` level number."""

    TRACE = 5
    DEBUG = 10
    INFO = 20
    WARN = 30
    ERROR = 40
    FATAL = 50
    OFF = 60


@dataclass(frozen=True)
class LoggingOptions:
    """``-q/-v/-d`` (a sub-group, rightmost wins), ``-ll``, ``-lc``, ``--arguments``."""

    level: LogLevel = LogLevel.WARN
    #: ``-lc``: a log4cplus-style logger configuration (validated by the CLI).
    config_file: Path | None = None
    #: ``--arguments``: the expanded argument list was requested (already printed by the CLI).
    print_arguments: bool = False

    @property
    def quiet(self) -> bool:
        """DCMTK's quiet mode: the root level does not include ERROR."""
        return self.level.value > LogLevel.ERROR.value


# --------------------------------------------------------------------------- query


@dataclass(frozen=True)
class QueryKey:
    """One validated ``-k`` override.

    ``path`` holds the sequence items leading to the element (empty for a top-level
    key): ``ReferencedStudySequence[0].ReferencedSOPInstanceUID`` gives
    ``path=((0x00081110, 0),)`` and ``tag=0x00081155``.  ``value`` None means a
    zero-length element (``-k 0010,0010`` and ``-k 0010,0010=`` are the same).
    """

    tag: int
    vr: str
    value: str | None
    path: tuple[tuple[int, int], ...] = ()
    #: the argument as typed, for messages
    text: str = ""


@dataclass(frozen=True)
class KeyRow:
    """One row of a ``--key-list`` file: the keys of one C-MOVE, with its line number."""

    line: int
    keys: tuple[QueryKey, ...]


class QueryModel(Enum):
    """``-P`` / ``-S`` / ``-O``."""

    PATIENT = "patient"
    STUDY = "study"
    PSONLY = "psonly"


@dataclass(frozen=True)
class QueryOptions:
    #: query files in command-line order (each was checked readable by the CLI)
    files: tuple[Path, ...] = ()
    #: ``-k`` overrides with duplicates resolved (leftmost wins), in tag order of
    #: application; applied to every identifier
    keys: tuple[QueryKey, ...] = ()
    model: QueryModel = QueryModel.PATIENT


# --------------------------------------------------------------------------- network


class ProposedTransferSyntax(Enum):
    """``-x=`` ``-xe`` ``-xb`` ``-xd`` ``-xi``: what the C-MOVE association proposes."""

    UNCOMPRESSED = "-x="
    LITTLE = "-xe"
    BIG = "-xb"
    DEFLATED = "-xd"
    IMPLICIT = "-xi"


class PreferredTransferSyntax(Enum):
    """``+x…``: what incoming storage associations accept, in which preference."""

    UNCOMPRESSED = "+x="
    LITTLE = "+xe"
    BIG = "+xb"
    LOSSLESS = "+xs"
    JPEG8 = "+xy"
    JPEG12 = "+xx"
    J2K_LOSSLESS = "+xv"
    J2K_LOSSY = "+xw"
    JLS_LOSSLESS = "+xt"
    JLS_LOSSY = "+xu"
    MPEG2 = "+xm"
    MPEG2_HIGH = "+xh"
    MPEG4 = "+xn"
    MPEG4_BD = "+xl"
    MPEG4_2_2D = "+x2"
    MPEG4_2_3D = "+x3"
    MPEG4_2_ST = "+xo"
    HEVC = "+x4"
    HEVC10 = "+x5"
    RLE = "+xr"
    DEFLATED = "+xd"
    IMPLICIT = "+xi"
    ACCEPT_ALL = "+xa"


class IPFamily(Enum):
    """``-i4`` / ``-i6`` / ``-i0`` (DCMTK 3.7.0)."""

    IPV4 = "-i4"
    IPV6 = "-i6"
    AUTO = "-i0"


class PendingDatasetHandling(Enum):
    """``-pi`` / ``-pr``: a pending C-MOVE response that announces a data set."""

    IGNORE = "-pi"
    READ = "-pr"


@dataclass(frozen=True)
class NetworkOptions:
    """The C-MOVE association (our requestor side) and settings shared with the SCP."""

    peer: str
    port: int
    ae_title: str = "MOVESCU"
    called_ae_title: str = "ANY-SCP"
    #: ``-aem``; None means "the calling AE title actually used" (DCMTK)
    move_destination: str | None = None
    proposed_transfer_syntax: ProposedTransferSyntax = ProposedTransferSyntax.UNCOMPRESSED
    ip_family: IPFamily = IPFamily.IPV4
    #: seconds; None = unlimited (DCMTK defaults: -to unlimited, -ta 30, -td unlimited)
    connection_timeout: int | None = None
    acse_timeout: int = 30
    dimse_timeout: int | None = None
    max_pdu: int = 16384
    #: ``-dhl`` turns it off
    host_lookup: bool = True
    repeat: int = 1
    abort: bool = False
    #: ``--cancel n``: C-CANCEL after the n-th pending response; None/0 = never
    cancel: int | None = None
    pending_handling: PendingDatasetHandling = PendingDatasetHandling.IGNORE

    @property
    def effective_move_destination(self) -> str:
        """The Move Destination sent: ``-aem`` or the (truncated) calling AE title."""
        dest = self.move_destination if self.move_destination is not None else self.ae_title
        return dest[:16]


@dataclass(frozen=True)
class StorageOptions:
    """The co-hosted Storage SCP (``+P``)."""

    #: ``+P n``; None = ``--no-port`` (no listening socket)
    port: int | None = None
    preferred_transfer_syntax: PreferredTransferSyntax = PreferredTransferSyntax.UNCOMPRESSED
    #: ``+ac``: apply hosts.allow / hosts.deny to incoming associations
    access_control: bool = False
    #: ``--ignore``: receive but do not store
    ignore: bool = False
    #: ``-up``
    uid_padding: bool = False


# --------------------------------------------------------------------------- output


class WriteTransferSyntax(Enum):
    """``+t=`` ``+te`` ``+tb`` ``+ti`` ``+td``."""

    SAME = "+t="
    LITTLE = "+te"
    BIG = "+tb"
    IMPLICIT = "+ti"
    DEFLATED = "+td"


class GroupLength(Enum):
    """``+g=`` ``+g`` ``-g``."""

    RECALC = "+g="
    CREATE = "+g"
    REMOVE = "-g"


class LengthEncoding(Enum):
    """``+e`` ``-e``: sequences and items."""

    EXPLICIT = "+e"
    UNDEFINED = "-e"


@dataclass(frozen=True)
class Padding:
    """``+p f i``: align the file on f bytes and items on i bytes (0 disables each)."""

    file_pad: int
    item_pad: int


@dataclass(frozen=True)
class OutputOptions:
    directory: Path = Path(".")
    #: ``+B``
    bit_preserving: bool = False
    #: ``+F`` (True) / ``-F`` (False)
    write_file: bool = True
    transfer_syntax: WriteTransferSyntax = WriteTransferSyntax.SAME
    #: ``+u`` (True) / ``-u`` (False)
    enable_new_vr: bool = True
    group_length: GroupLength = GroupLength.RECALC
    length_encoding: LengthEncoding = LengthEncoding.EXPLICIT
    #: ``-p`` = None (default: remove existing padding); ``+p f i`` = Padding(f, i)
    padding: Padding | None = None
    #: ``+cl``: zlib level 0..9 for ``+td`` / deflated ``+t=``
    compression_level: int = 6


# --------------------------------------------------------------------------- TLS (3.7.0)


class TLSProfile(Enum):
    """``+pg`` ``+pm`` ``+py`` ``+px`` ``+pz`` ``+pb`` ``+pa`` ``+pn``: DICOM TLS profiles."""

    BCP195_RFC8996 = "+pg"
    BCP195_RFC8996_MODIFIED = "+pm"
    BCP195_ND = "+py"
    BCP195 = "+px"
    BCP195_EXTENDED = "+pz"
    BASIC = "+pb"
    AES = "+pa"
    NULL = "+pn"


class KeyFileFormat(Enum):
    """``-pem`` / ``-der``: keys, certificates and CRLs."""

    PEM = "-pem"
    DER = "-der"


class PasswordSource(Enum):
    """``+ps`` (prompt on stdin) / ``+pw`` (given) / ``-pw`` (empty string)."""

    PROMPT = "+ps"
    GIVEN = "+pw"
    EMPTY = "-pw"


class CRLMode(Enum):
    """``+crv`` / ``+cra``; ``NONE`` unless asked for (``+crl`` implies ``LEAF``)."""

    NONE = "none"
    LEAF = "+crv"
    ALL = "+cra"


class PeerVerification(Enum):
    """``-rc`` / ``-vc`` / ``-ic``."""

    REQUIRE = "-rc"
    VERIFY = "-vc"
    IGNORE = "-ic"


@dataclass(frozen=True)
class TLSOptions:
    """DCMTK 3.7.0's TLS group: both the C-MOVE and the storage associations use it."""

    #: ``+tls`` (True) / ``-tls`` (False, the default)
    enabled: bool = False
    private_key: Path | None = None
    certificate: Path | None = None
    password_source: PasswordSource = PasswordSource.PROMPT
    #: the ``+pw`` password (``""`` for ``-pw``, None for the prompt); kept out of repr()
    password: str | None = field(default=None, repr=False)
    key_format: KeyFileFormat = KeyFileFormat.PEM
    #: ``+cf``/``+cd``/``+crl`` in command-line order
    cert_files: tuple[Path, ...] = ()
    cert_dirs: tuple[Path, ...] = ()
    crl_files: tuple[Path, ...] = ()
    #: ``+crv``/``+cra`` as given (``+crl`` raises NONE to LEAF when a file loads)
    crl_mode: CRLMode = CRLMode.NONE
    profile: TLSProfile = TLSProfile.BCP195_RFC8996
    #: ``+cs`` names (RFC/IANA names as DCMTK lists them), in order
    ciphers: tuple[str, ...] = ()
    #: ``+dp``
    dh_params: Path | None = None
    #: ``--expect-sni``; None = ``--no-sni``
    expect_sni: str | None = None
    #: ``+rs``, and ``+ws`` (same file) / ``+wf f``
    seed_file: Path | None = None
    write_seed_file: Path | None = None
    peer_verification: PeerVerification = PeerVerification.REQUIRE


# --------------------------------------------------------------------------- ours


@dataclass(frozen=True)
class ExtraOptions:
    """Our additions (DECISIONS rule 7); none changes DCMTK's behaviour by default."""

    #: progress display on stderr: None = auto (stderr is a TTY and not quiet)
    progress: bool | None = None
    #: ``--report FILE``: JSON report of the run
    report: Path | None = None
    #: ``--no-accelerator``: stock pynetdicom, never the accelerator (net/seams/accel)
    no_accelerator: bool = False
    #: ``--retry N``: send a failed C-MOVE again up to N times (0: never)
    retry: int = 0
    #: ``--retry-wait SECONDS``: pause before each retry
    retry_wait: float = 0.0
    #: ``--key-list FILE``: a CSV, one C-MOVE per row (see :mod:`movescu.keylist`)
    key_list: Path | None = None
    #: the rows of ``key_list``, checked when the command line was evaluated
    key_rows: tuple[KeyRow, ...] = ()
    #: ``--parallel N``: up to N C-MOVEs at a time, one association each
    parallel: int = 1
    #: ``--resume REPORT``: send only what the earlier run's report lists as not done
    resume: Path | None = None

    @property
    def bulk(self) -> bool:
        """True when one of the many-moves options is used (:mod:`movescu.bulk` runs)."""
        return bool(self.retry or self.key_list is not None or self.parallel > 1 or self.resume)


class StudySorting(Enum):
    """storescp's ``-ss``/``-su``/``-sp`` sub-group (ours in movescu): subdirectory per study."""

    NONE = "none"
    #: ``-ss``: ``[prefix_]YYYYMMDD_HHMMSSPPP`` per study received
    TIMESTAMP = "timestamp"
    #: ``-su``: ``[prefix_]StudyInstanceUID``
    STUDY_UID = "study-uid"
    #: ``-sp``: ``PatientName_YYYYMMDD_HHMMSSPPP``
    PATIENT_NAME = "patient-name"


@dataclass(frozen=True)
class FilingOptions:
    """storescp 3.6.7's sorting, file-name and event options, as movescu additions.

    All default to off: without them the output layout is DCMTK movescu's.
    """

    sorting: StudySorting = StudySorting.NONE
    #: ``-ss``/``-su`` prefix ("" = none)
    sort_prefix: str = ""
    #: ``+uf``: ``<prefix>.X.<new UID>``
    unique_names: bool = False
    #: ``-tn``: ``YYYYMMDDHHMMSSPPP[_NNNN].<prefix>``
    time_names: bool = False
    #: ``-fe``: appended to every file name
    extension: str = ""
    #: ``-xcr``: command after each stored object
    exec_on_reception: str | None = None
    #: ``-xcs``: command at the end of each study
    exec_on_eostudy: str | None = None
    #: ``-rns``: rename a completed study's files to ``<2 chars><6 digits>``
    rename_on_eostudy: bool = False
    #: ``-tos``: seconds without a received object that end a study
    eostudy_timeout: int | None = None
    #: ``-xs``: wait for each command
    exec_sync: bool = False

    @property
    def tracks_studies(self) -> bool:
        """True when a study's end must be detected (sorting or its events)."""
        return self.sorting is not StudySorting.NONE


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class Config:
    """Everything one run needs; produced by :func:`movescu.cli.parse_command_line`."""

    network: NetworkOptions
    logging: LoggingOptions = field(default_factory=LoggingOptions)
    query: QueryOptions = field(default_factory=QueryOptions)
    storage: StorageOptions = field(default_factory=StorageOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    extras: ExtraOptions = field(default_factory=ExtraOptions)
    tls: TLSOptions = field(default_factory=TLSOptions)
    filing: FilingOptions = field(default_factory=FilingOptions)
    #: argv[0] as typed (DCMTK prints it in ``--arguments`` and uses it as ``appname``)
    program: str = "movescu"
