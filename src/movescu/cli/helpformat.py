"""DCMTK-style texts: the usage/help text, ``--version`` and the error header.

Owns the layout of ``OFConsoleApplication::printUsage``/``printHeader``/``printError``
(columns as in DCMTK 3.6.7: description at column 33) and our identity line.
Must not import pydicom or pynetdicom: versions are read from installed package
metadata and the accelerator's state from pynetdicom's source files, so ``--help``
and ``--version`` stay fast.
"""

from __future__ import annotations

import movescu
from movescu.cli.options import GROUPS, PARAMETERS, Option

#: what the program is (DCMTK's OFFIS_CONSOLE_DESCRIPTION)
DESCRIPTION = "DICOM retrieve (C-MOVE) SCU"
#: DCMTK's application name, used in the usage line whatever argv[0] is
APPLICATION = "movescu"

_LONG_WIDTH = 21
_DESCRIPTION_COLUMN = 33


def header_line() -> str:
    """Our counterpart of DCMTK's rcsid line ``$dcmtk: movescu v3.6.7 2022-04-22 $``."""
    return (
        f"$movescu: {APPLICATION} v{movescu.__version__} "
        f"(clone of DCMTK movescu v{movescu.DCMTK_VERSION}) $"
    )


def format_header() -> str:
    """The header DCMTK prints before usage, version and errors (3 lines)."""
    return f"{header_line()}\n\n{APPLICATION}: {DESCRIPTION}\n"


def format_error(message: str) -> str:
    """``printError``: header, then ``error: <message>``."""
    return f"{format_header()}error: {message}\n"


def _option_lines(option: Option, indent: int, short_width: int) -> list[str]:
    prefix = " " * indent + option.short.ljust(short_width) + "  " + option.long.ljust(_LONG_WIDTH)
    pad = " " * _DESCRIPTION_COLUMN
    texts = ([option.value_help] if option.value_help else []) + option.help.split("\n")
    lines = [f"{prefix}  {texts[0]}".rstrip()]
    lines.extend(pad + text for text in texts[1:])
    return lines


def format_usage() -> str:
    """The full ``--help`` text (also printed when there are no arguments)."""
    lines = [
        header_line(),
        "",
        f"{APPLICATION}: {DESCRIPTION}",
        f"usage: {APPLICATION} [options] peer port [dcmfile-in...]",
        "",
        "parameters:",
    ]
    for parameter in PARAMETERS:
        lines.append(f"  {parameter.name.ljust(29)}  {parameter.help}")
    lines.append("")
    for group in GROUPS:
        lines.append(group.title)
        for sub in group.subgroups:
            if sub.title:
                lines.append("  " + sub.title)
                indent, short_width = 4, 4
            else:
                indent, short_width = 2, 6
            for option in sub.options:
                lines.extend(_option_lines(option, indent, short_width))
    # ours (issue: --help names the DCMTK version mirrored, in the header, and where to report)
    lines.extend(["", f"Report problems at {movescu.ISSUES_URL}", ""])
    return "\n".join(lines) + "\n"


def _installed(distribution: str, module: str) -> str:
    """The version of ``distribution`` whose ``module`` ``import`` would load."""
    import importlib.util
    from pathlib import Path

    from movescu.net.seams.fingerprint import dist_info_version

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        where = spec.submodule_search_locations or ([spec.origin] if spec.origin else [])
        for location in where:  # the package directory or the module file
            found = dist_info_version(Path(location).parent, distribution)
            if found is not None:
                return found
    from importlib import metadata  # costs ~15 ms: only for an unusual install

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def format_version(no_accelerator: bool = False) -> str:
    """The ``--version`` text: our identity, the mirrored DCMTK, the libraries, the accelerator.

    Parameters
    ----------
    no_accelerator : bool
        ``--no-accelerator`` was given with ``--version``.
    """
    import platform
    import ssl

    # finds and hashes pynetdicom's source without importing it (net/seams/fingerprint.py)
    from movescu.net.seams.accel import decide

    return (
        f"{format_header()}\n"
        f"Clone of: DCMTK movescu v{movescu.DCMTK_VERSION}\n"
        f"Python: {platform.python_implementation()} {platform.python_version()}\n"
        "\n"
        "External libraries used:\n"
        f"- pydicom, Version {_installed('pydicom', 'pydicom')}\n"
        f"- pynetdicom, Version {_installed('pynetdicom', 'pynetdicom')}\n"
        f"- ConfigArgParse, Version {_installed('ConfigArgParse', 'configargparse')}\n"
        # DCMTK 3.7.0 built with OpenSSL names it here (the TLS options use Python's ssl)
        f"- {ssl.OPENSSL_VERSION}\n"
        "\n"
        f"{decide(no_accelerator).text}\n"
        "\n"
        f"Report problems at {movescu.ISSUES_URL}\n"
    )
