# ruff: noqa: E501
"""The manual page (roff) and the Markdown usage, generated from the option table.

Owns the text of ``docs/movescu.1`` and ``docs/usage.md``: DCMTK's man-page
sections (NAME ... SEE ALSO) in our own words, with every option taken from
:mod:`movescu.cli.options` (grouped as in ``--help``), the exit codes from
:class:`movescu.exit_codes.ExitCode`, the accepted SOP classes from
:mod:`movescu.dicom.sop_classes` and the transfer syntaxes from
:mod:`movescu.dicom.contexts`.  Both renderings come from one document model, so
they cannot drift apart; ``tests/unit/test_docs_sync.py`` fails when the files
in ``docs/`` differ from what this module produces.

Regenerate with::

    PYTHONPATH=src python -m movescu.cli.manpage --roff docs/movescu.1 --markdown docs/usage.md

Must not change the option table or the help layout (it only reads them), and
must not be imported by the program itself (it is a documentation tool).
The prose lives in :mod:`movescu.cli.manpage_text`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import movescu
from movescu.cli import manpage_text as text
from movescu.cli.helpformat import APPLICATION, DESCRIPTION
from movescu.cli.options import GROUPS, OPTIONS, PARAMETERS, Kind, Option
from movescu.dicom.contexts import (
    ACCEPT_ALL,
    MODEL_SOP_CLASSES,
    accepted_transfer_syntaxes,
    proposed_transfer_syntaxes,
)
from movescu.dicom.sop_classes import STORAGE_SOP_CLASSES, VERIFICATION_SOP_CLASS
from movescu.exit_codes import ExitCode

GENERATOR = (
    "PYTHONPATH=src python -m movescu.cli.manpage --roff docs/movescu.1 --markdown docs/usage.md"
)

# --------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class Heading:
    """A section (level 1), subsection (2) or sub-subsection (3) title."""

    title: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Running text; `backticks` mark literal words (bold in roff, code in Markdown)."""

    text: str


@dataclass(frozen=True)
class Verbatim:
    """Preformatted lines (examples, tables)."""

    text: str


@dataclass(frozen=True)
class Item:
    """A tagged paragraph: literal names, an optional value description, a body."""

    names: tuple[str, ...]
    body: tuple[str, ...]
    value: str = ""


Block = Heading | Paragraph | Verbatim | Item


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)

    def section(self, title: str, level: int = 1) -> None:
        self.blocks.append(Heading(title, level))

    def prose(self, source: str) -> None:
        """Append paragraphs and verbatim blocks written in :mod:`manpage_text`'s markup.

        Paragraphs are separated by blank lines; a block whose lines all start
        with four spaces is verbatim.
        """
        for chunk in re.split(r"\n\s*\n", source.strip("\n")):
            lines = chunk.split("\n")
            if all(line.startswith("    ") for line in lines):
                self.blocks.append(Verbatim("\n".join(line[4:] for line in lines)))
            else:
                self.blocks.append(Paragraph(" ".join(line.strip() for line in lines)))


# --------------------------------------------------------------------------- accessors


def settable_options() -> tuple[Option, ...]:
    """Options that may also come from a config file or ``MOVESCU_*`` (all but help/version)."""
    return tuple(o for o in OPTIONS if o.kind is not Kind.EXCLUSIVE)


def option_help(option: Option) -> str:
    """The help text of an option on one line (the table breaks it for the 80-column help)."""
    return " ".join(option.help.split("\n"))


def env_value_example(option: Option) -> str:
    """How a value is written in a config file or environment variable."""
    if option.long == "--key":
        return '["PatientID=1", "QueryRetrieveLevel=PATIENT"]'
    if option.values == 0:
        return "true"
    if option.values == 2:
        return "[f, i]"
    return option.value_help.split(":")[0].strip() or "value"


# --------------------------------------------------------------------------- building


def _option_item(option: Option) -> Item:
    names = tuple(name for name in (option.short, option.long) if name)
    body = [option_help(option)]
    extra = text.OPTION_DETAILS.get(option.long)
    if extra:
        body.append(extra)
    if option.ours:
        body.append("(movescu addition, not in DCMTK.)")
    return Item(names, tuple(body), option.value_help)


def _transfer_syntax_table(uids: Sequence[str]) -> str:
    return "\n".join(f"{text.TRANSFER_SYNTAX_NAMES.get(uid, uid):<52} {uid}" for uid in uids)


def _add_options(doc: Document) -> None:
    doc.section("OPTIONS")
    for group in GROUPS:
        doc.section(group.title.rstrip(":"), 2)
        for sub in group.subgroups:
            if sub.title:
                doc.section(sub.title.rstrip(":"), 3)
            doc.blocks.extend(_option_item(option) for option in sub.options)
    doc.prose(text.OPTIONS_TRAILER)


def _add_conformance(doc: Document) -> None:
    doc.section("DICOM Conformance", 2)
    doc.prose(text.SCU_CONFORMANCE)
    models = "\n".join(
        f"{model.name.lower():<8} FIND {find:<30} MOVE {move}"
        for model, (find, move) in MODEL_SOP_CLASSES.items()
    )
    doc.blocks.append(Verbatim(models))
    doc.prose(text.SCU_TRANSFER_SYNTAXES)
    doc.blocks.append(Verbatim(_transfer_syntax_table(proposed_transfer_syntaxes_default())))
    doc.prose(text.SCP_CONFORMANCE)
    classes = [(VERIFICATION_SOP_CLASS, "VerificationSOPClass"), *STORAGE_SOP_CLASSES]
    doc.blocks.append(Verbatim("\n".join(f"{name:<52} {uid}" for uid, name in classes)))
    doc.prose(text.SCP_TRANSFER_SYNTAXES)
    doc.blocks.append(Verbatim(_transfer_syntax_table(accepted_transfer_syntaxes_default())))
    doc.prose(text.SCP_ACCEPT_ALL)
    doc.blocks.append(Verbatim(_transfer_syntax_table(ACCEPT_ALL)))
    doc.prose(text.NO_EXTENDED_NEGOTIATION)


def proposed_transfer_syntaxes_default() -> list[str]:
    """The ``-x=`` list (default proposal on the C-MOVE association)."""
    from movescu.config import ProposedTransferSyntax

    return proposed_transfer_syntaxes(ProposedTransferSyntax.UNCOMPRESSED)


def accepted_transfer_syntaxes_default() -> list[str]:
    """The ``+x=`` list (default acceptance on incoming associations)."""
    from movescu.config import PreferredTransferSyntax

    return accepted_transfer_syntaxes(PreferredTransferSyntax.UNCOMPRESSED)


def _add_environment(doc: Document) -> None:
    doc.section("ENVIRONMENT")
    doc.prose(text.ENVIRONMENT)
    doc.section("Settings from the environment (movescu addition)", 2)
    doc.prose(text.ENVIRONMENT_SETTINGS)
    options = settable_options()
    var_width = max(len(o.env_var) for o in options)
    long_width = max(len(o.long) for o in options)
    rows = [f"{'variable':<{var_width}} {'option':<{long_width}} example value"]
    rows.extend(
        f"{o.env_var:<{var_width}} {o.long:<{long_width}} {env_value_example(o)}" for o in options
    )
    doc.blocks.append(Verbatim("\n".join(rows)))
    doc.prose(text.ENVIRONMENT_OTHER)


def _add_exit_codes(doc: Document) -> None:
    doc.section("EXIT CODES")
    doc.prose(text.EXIT_CODES_INTRO)
    for code in ExitCode:
        doc.blocks.append(Item((str(int(code)),), (text.EXIT_CODES[code.name],), code.name))


def build_document() -> Document:
    """The whole manual page as a :class:`Document`."""
    doc = Document()
    doc.section("NAME")
    doc.blocks.append(Paragraph(f"{APPLICATION} - {DESCRIPTION}"))
    doc.section("SYNOPSIS")
    doc.blocks.append(Verbatim(f"{APPLICATION} [options] peer port [dcmfile-in...]"))
    doc.section("DESCRIPTION")
    doc.prose(text.DESCRIPTION.format(dcmtk=movescu.DCMTK_VERSION))
    doc.section("PARAMETERS")
    doc.blocks.extend(Item((p.name,), (p.help,)) for p in PARAMETERS)
    _add_options(doc)
    doc.section("NOTES")
    doc.prose(text.NOTES)
    doc.section("Known problems", 2)
    doc.prose(text.KNOWN_PROBLEMS)
    _add_conformance(doc)
    doc.section("Access Control", 2)
    doc.prose(text.ACCESS_CONTROL)
    doc.section("EXAMPLES")
    doc.prose(text.EXAMPLES)
    doc.section("LOGGING")
    doc.prose(text.LOGGING)
    doc.section("COMMAND LINE")
    doc.prose(text.COMMAND_LINE)
    doc.section("CONFIGURATION FILE (movescu addition)")
    doc.prose(text.CONFIG_FILE)
    _add_environment(doc)
    _add_exit_codes(doc)
    doc.section("MOVESCU ADDITIONS")
    doc.prose(text.ADDITIONS)
    doc.section("SEE ALSO")
    doc.prose(text.SEE_ALSO)
    return doc


# --------------------------------------------------------------------------- roff


def _roff_escape(value: str) -> str:
    return value.replace("\\", "\\e").replace("-", "\\-")


def _roff_inline(value: str) -> str:
    parts = value.split("`")
    out = []
    for index, part in enumerate(parts):
        escaped = _roff_escape(part)
        out.append(f"\\fB{escaped}\\fR" if index % 2 else escaped)
    return "".join(out)


def _roff_line(line: str) -> str:
    # a line starting with "." or "'" would be read as a request
    return "\\&" + line if line[:1] in (".", "'") else line


def render_roff(doc: Document) -> str:
    """The document as a man(7) page."""
    out = [
        f'.\\" Generated by {_roff_escape(GENERATOR)}',
        '.\\" from the option table src/movescu/cli/options.py; do not edit.',
        f'.TH MOVESCU 1 "" "movescu (DCMTK movescu {movescu.DCMTK_VERSION} clone)" "User Commands"',
        ".nh",
        ".ad l",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            title = _roff_escape(block.title)
            if block.level == 1:
                out.append(f".SH {title.upper()}")
            elif block.level == 2:
                out.append(f'.SS "{title}"')
            else:
                out.extend([".PP", f"\\fI{title}:\\fR"])
        elif isinstance(block, Paragraph):
            out.extend([".PP", _roff_line(_roff_inline(block.text))])
        elif isinstance(block, Verbatim):
            out.extend([".PP", ".RS 4", ".nf"])
            out.extend(_roff_line(_roff_escape(line)) for line in block.text.split("\n"))
            out.extend([".fi", ".RE"])
        else:
            tag = ", ".join(f"\\fB{_roff_escape(name)}\\fR" for name in block.names)
            if block.value:
                tag += f" \\fI{_roff_escape(block.value)}\\fR"
            out.extend([".TP", tag, _roff_line(_roff_inline(block.body[0]))])
            for extra in block.body[1:]:
                out.extend([".IP", _roff_line(_roff_inline(extra))])
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Markdown


def render_markdown(doc: Document) -> str:
    """The document as GitHub-flavoured Markdown."""
    out = [
        f"# {APPLICATION}(1): {DESCRIPTION}",
        "",
        f"<!-- Generated by `{GENERATOR}` from the option table",
        "     src/movescu/cli/options.py; do not edit. -->",
    ]
    for block in doc.blocks:
        out.append("")
        if isinstance(block, Heading):
            out.append("#" * (block.level + 1) + " " + block.title)
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Verbatim):
            out.extend(["```", block.text, "```"])
        else:
            tag = ", ".join(f"`{name}`" for name in block.names)
            value = f" `{block.value}`" if block.value else ""
            out.append(f"- **{tag}**{value}: {block.body[0]}")
            for extra in block.body[1:]:
                out.extend(["", f"  {extra}"])
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Write the roff and/or Markdown renderings (``python -m movescu.cli.manpage``)."""
    parser = argparse.ArgumentParser(description="Generate movescu's man page and usage.")
    parser.add_argument("--roff", type=Path, help="write the man page to this file")
    parser.add_argument("--markdown", type=Path, help="write the Markdown usage to this file")
    args = parser.parse_args(argv)
    doc = build_document()
    if args.roff is None and args.markdown is None:
        print(render_markdown(doc), end="")
    if args.roff is not None:
        args.roff.write_text(render_roff(doc), encoding="utf-8")
    if args.markdown is not None:
        args.markdown.write_text(render_markdown(doc), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
