"""The fingerprint of the pynetdicom code the accelerator copies or overrides.

Owns the recorded table :data:`RECORDED` (file inside the pynetdicom package,
qualified name, sha256 of the normalised source of each method) and the check
of an installed pynetdicom against it *without importing it*: the package is
found with :func:`importlib.util.find_spec`, its files are read as text, each
method is cut out by its ``def`` line and indentation, normalised
(:func:`normalise`) and hashed.  A method that differs or is missing means the
accelerator's copies are stale: the program then runs on stock pynetdicom
(:mod:`movescu.net.seams.accel` decides).  Cheap enough for ``--version``
(a few milliseconds).  Must not import pynetdicom or pydicom.

``tests/unit/test_fingerprint.py`` hashes ``inspect.getsource`` of every
listed method of the imported pynetdicom: after an upgrade it fails in one
place and says what to do (docs/architecture.md, "upgrading pynetdicom").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

#: the distribution and package checked
PACKAGE = "pynetdicom"


@dataclass(frozen=True)
class RecordedMethod:
    """One method of pynetdicom the accelerator relies on, as it was recorded."""

    #: the module file, relative to the package directory
    file: str
    #: ``Class.method`` as in the source
    qualname: str
    #: sha256 (hex) of :func:`normalise` applied to the method's source
    sha256: str

    @property
    def name(self) -> str:
        """``dul.py DULServiceProvider._read_pdu_data``: how a difference is reported."""
        return f"{self.file} {self.qualname}"


#: the pynetdicom version the table was recorded from
RECORDED_VERSION = "3.0.4"

#: every method the accelerator copies (c), overrides (o), imitates step by step (i) or
#: relies on in detail (r)
RECORDED: tuple[RecordedMethod, ...] = (
    # (o) accel/requestor.py: switches the requestor's classes
    RecordedMethod(
        "ae.py",
        "ApplicationEntity._create_socket",
        "f41e8ac1b17e83f13686eadee9788545e3825ab2a1a1c2a063ec395159410cfc",
    ),
    # (r) accel/requestor.py: _create_socket is called before the DUL starts
    RecordedMethod(
        "ae.py",
        "ApplicationEntity.associate",
        "286aa44298418fdacba8f67b0731c29b56b5f59a6cbe211c9006cbe8a92cfebe",
    ),
    # (r) accel/reactors.py: replaces _reactor_checkpoint, reads _is_paused
    RecordedMethod(
        "association.py",
        "Association.__init__",
        "f7ee71d333205f9f9fee83a1f2b017f14eba2f8b02d160c49bbe0bd3a326270c",
    ),
    # (c) accel/reactors.py FastAssociation._run_reactor
    RecordedMethod(
        "association.py",
        "Association._run_reactor",
        "24746c83c4799f517566ae80a4705c4e6baac463917774500e198e272843b9c8",
    ),
    # (i) accel/storestream.py answers C-STOREs in its place
    RecordedMethod(
        "association.py",
        "Association._serve_request",
        "0e77cb5ec76059eba773306c3b022a223c3f78f67ccbffd8cafb005c89c645e2",
    ),
    # (o) accel/movedimse.py FastMoveAssociation
    RecordedMethod(
        "association.py",
        "Association._wrap_get_move_responses",
        "86e49612d4ce24d2b70d5c5199dfdf41536ba1c695f17140198a02262be0ea6d",
    ),
    # (r) accel/movedimse.py: iterates _wrap_get_move_responses
    RecordedMethod(
        "association.py",
        "Association.send_c_move",
        "04c2fe64e61aaa4e653f4954d45aa5c890d44b960bc1cf6a5469529c9e75a553",
    ),
    # (r) accel/reactors.py, movedimse.py: the message queue
    RecordedMethod(
        "dimse.py",
        "DIMSEServiceProvider.get_msg",
        "938fb990c3650a4573cc8203e71bdc1d0559f51844c2e207f560983a44385cb9",
    ),
    # (c) accel/storedimse.py, movedimse.py
    RecordedMethod(
        "dimse.py",
        "DIMSEServiceProvider.receive_primitive",
        "4eb5b83a4b084d4915b066fb62158622bb6b6efd18ea1249950238d2a72d839d",
    ),
    # (o) accel/storedimse.py FastDIMSE.send_msg
    RecordedMethod(
        "dimse.py",
        "DIMSEServiceProvider.send_msg",
        "f484f6b37266542583fe98939098373ce1213cb6abb97d63a4f60818e444bb77",
    ),
    # (i) accel/storestream.py: the spool file, the handed-over message
    RecordedMethod(
        "dimse_messages.py",
        "DIMSEMessage.decode_msg",
        "7d20e1f93e2f34f689887e801ede3beab150f98a1c187e8f9a5f5a781479020f",
    ),
    # (i) accel/storerequest.py, movecommand.py
    RecordedMethod(
        "dimse_messages.py",
        "DIMSEMessage.message_to_primitive",
        "cc77ad713d061ff71760f3b7a53dd0663dd0c076d18e519941a3d0fb1ef870fa",
    ),
    # (i) accel/storeresponse.py
    RecordedMethod(
        "dimse_messages.py",
        "DIMSEMessage.primitive_to_message",
        "1f0cd1cb026667581766051db43d8a4be0224f2d8ff036d6082b176573f5a057",
    ),
    # (r) accel/reactors.py FastDUL.run: the thread's target
    RecordedMethod(
        "dul.py",
        "DULServiceProvider.__init__",
        "1229b0a35b3fb30a409e287a0b42a35f38bbca65b6527e59f11adc10fcc7d15a",
    ),
    # (c) accel/reactors.py FastDUL._read_pdu_data
    RecordedMethod(
        "dul.py",
        "DULServiceProvider._read_pdu_data",
        "3bd8f39bf6ded94164814a2a61613c6a15fea101fc321ac8365023f43445e558",
    ),
    # (o) accel/reactors.py FastDUL.kill_dul
    RecordedMethod(
        "dul.py",
        "DULServiceProvider.kill_dul",
        "e7444cbd24767f949adae94f5b6d8c4a2803d2ef0e0c8c3e8067e240dc1ceaaa",
    ),
    # (c) accel/reactors.py FastDUL.run_reactor
    RecordedMethod(
        "dul.py",
        "DULServiceProvider.run_reactor",
        "8ef3459b926b6ea4b17ccb13e67b09de71d868b09a55af60f2f8d0e205a2d2d3",
    ),
    # (o) accel/reactors.py FastDUL.send_pdu
    RecordedMethod(
        "dul.py",
        "DULServiceProvider.send_pdu",
        "82f1aebb529e0b8e5b7bf49641f7bbb6400ec0ac653802ba75136dab666e756f",
    ),
    # (c) accel/reactors.py FastDUL.stop_dul
    RecordedMethod(
        "dul.py",
        "DULServiceProvider.stop_dul",
        "3d4d6fc3f25dc335d117d96780b67e98162023cd9ca4b4d8915ed4a49baf4586",
    ),
    # (i) accel/storestream.py: handlers, statuses, spool file removal
    RecordedMethod(
        "service_class.py",
        "StorageServiceClass.SCP",
        "97f878e738dc675d39a494878559589a94baf608f3edc08193ab2a574d0aa198",
    ),
    # (i) accel/storestream.py: a handler's exception answered 0xC211
    RecordedMethod(
        "service_class.py",
        "attempt.__exit__",
        "7ad56e848753b3661958c102cf3c0c3c87decbc93df7fcce76067898f04a0874",
    ),
    # (o) accel/reactors.py FastSocket.ready
    RecordedMethod(
        "transport.py",
        "AssociationSocket.ready",
        "7cec529544ed8191686768fa4c9c86574626a3fc91b260fc191efa8e1693e253",
    ),
    # (o) accel/reactors.py FastSocket.recv
    RecordedMethod(
        "transport.py",
        "AssociationSocket.recv",
        "732a81a87c623271653124ae5544c20847af7d9da8c445a33222e0d278df63f6",
    ),
    # (o) accel/reactors.py FastRequestHandler
    RecordedMethod(
        "transport.py",
        "RequestHandler._create_association",
        "76835806b054014d3f9dd01a7ad069a38bcb177c064f3850d0163ddf7488880a",
    ),
)


def normalise(source: str) -> str:
    """A method's source as it is hashed: decorators, blank and comment lines dropped.

    The first line is the ``def`` line; every line loses the ``def`` line's
    indentation and its trailing blanks.  Both the text cut out of a file
    (:func:`method_source`) and ``inspect.getsource`` give the same result.

    Parameters
    ----------
    source : str
        The method's source, decorators and indentation included.

    Returns
    -------
    str
        The normalised text.
    """
    lines = source.expandtabs().splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("@")):
        lines.pop(0)
    if not lines:
        return ""
    indent = _indent(lines[0])
    kept = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        kept.append(line[min(indent, _indent(line)) :].rstrip())
    return "\n".join(kept)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def source_hash(source: str) -> str:
    """sha256 (hex) of :func:`normalise`'s result."""
    return hashlib.sha256(normalise(source).encode("utf-8")).hexdigest()


def method_source(text: str, qualname: str) -> str | None:
    """Cut the source of ``qualname`` (``Class.method``) out of a module's text.

    Each name is looked up as a ``def name(``/``class name`` line at the
    indentation of its parent's body (the first match wins); a block ends
    before the first line that is neither blank nor a comment and is indented
    no deeper than its ``def`` line.  Plain string searches: the whole check
    must stay cheap enough for ``--version``.

    Parameters
    ----------
    text : str
        The module's source.
    qualname : str
        Dotted path of the method.

    Returns
    -------
    str or None
        The block from its ``def`` line on, or None when a name is not found.
    """
    if not text.startswith("\n"):  # every line, the first too, follows a newline
        text = "\n" + text
    low, high, indent = 0, len(text), ""
    start = -1
    for part in qualname.split("."):
        start = _find_header(text, low, high, indent, part)
        if start < 0:
            return None
        body = _header_end(text, start + 1)
        high = _block_end(text, body, high, len(indent))
        low = body
        body_indent = _body_indent(text, low, high)
        if body_indent is None:
            return None
        indent = body_indent
    return text[start + 1 : high].rstrip("\n") + "\n"


def _find_header(text: str, low: int, high: int, indent: str, name: str) -> int:
    """Offset of the newline before ``indent`` + ``def name(``/``class name``, or -1."""
    found = [
        text.find(f"\n{indent}{keyword} {name}{after}", low, high)
        for keyword in ("def", "async def", "class")
        for after in (("(",) if keyword != "class" else ("(", ":"))
    ]
    hits = [offset for offset in found if offset >= 0]
    return min(hits) if hits else -1


def _header_end(text: str, offset: int) -> int:
    """Offset just past the line that ends a (possibly multi-line) header."""
    depth = 0
    while True:
        newline = text.find("\n", offset)
        end = len(text) if newline < 0 else newline
        code = text[offset:end].split("#", 1)[0].rstrip()
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
        if newline < 0 or (depth <= 0 and code.endswith(":")):
            return end
        offset = newline + 1


def _block_end(text: str, low: int, high: int, indent: int) -> int:
    """Offset of the newline before the first line (from ``low``) outside the block."""
    match = re.compile(rf"\n {{0,{indent}}}[^ \n#]").search(text, low, high)
    return high if match is None else match.start()


def _body_indent(text: str, low: int, high: int) -> str | None:
    """The indentation of the first code line in ``text[low:high]``."""
    match = re.compile(r"\n( *)[^ \n#]").search(text, low, high)
    return None if match is None else match.group(1)


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Installation:
    """An installed pynetdicom, found without importing it."""

    #: the package directory (the one holding ``dul.py``)
    directory: Path
    #: its version ("unknown" when no metadata is found)
    version: str


def locate() -> Installation | None:
    """The pynetdicom that ``import pynetdicom`` would load, or None.

    Returns
    -------
    Installation or None
        None when the package cannot be found.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations)))
    return Installation(directory, installed_version(directory))


def installed_version(directory: Path) -> str:
    """The version of the pynetdicom in ``directory``, from its distribution metadata.

    The ``*.dist-info`` beside the package is read as text (:func:`dist_info_version`);
    otherwise :mod:`importlib.metadata` is asked (an editable or unusual install).
    """
    found = dist_info_version(directory.parent, PACKAGE)
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def dist_info_version(site: Path, distribution: str) -> str | None:
    """``Version:`` of ``distribution``'s ``*.dist-info`` in ``site``, read as text.

    Cheaper than :mod:`importlib.metadata` (``--version`` uses it for every
    library it names).

    Parameters
    ----------
    site : Path
        The directory holding the installed package (site-packages).
    distribution : str
        The distribution name, in any case (``ConfigArgParse``).

    Returns
    -------
    str or None
        None when there is no readable ``*.dist-info`` of that name.
    """
    prefix = distribution.lower().replace("-", "_") + "-"
    try:
        names = sorted(
            entry.name
            for entry in site.iterdir()
            if entry.name.lower().startswith(prefix) and entry.name.endswith(".dist-info")
        )
    except OSError:
        return None
    for name in names:
        try:
            for line in (site / name / "METADATA").read_text(encoding="utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line:
                    break
        except OSError:
            continue
    return None


def differences(directory: Path, recorded: tuple[RecordedMethod, ...] = RECORDED) -> list[str]:
    """The recorded methods whose source in ``directory`` differs or is missing.

    Parameters
    ----------
    directory : Path
        A pynetdicom package directory.
    recorded : tuple of RecordedMethod
        The table to check against (default :data:`RECORDED`).

    Returns
    -------
    list of str
        ``file Class.method`` of each method that differs, in table order.
    """
    texts: dict[str, str | None] = {}
    differing = []
    for method in recorded:
        if method.file not in texts:
            try:
                texts[method.file] = "\n" + (directory / method.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                texts[method.file] = None
        text = texts[method.file]
        source = None if text is None else method_source(text, method.qualname)
        if source is None or source_hash(source) != method.sha256:
            differing.append(method.name)
    return differing
