"""``@file`` command files, expanded exactly like DCMTK's ``OFCommandLine``.

Owns reading command files and DCMTK's tokenizer (``OFCommandLine::expandCommandFile``
behaviour as observed on 3.6.7).  Must not interpret the tokens: a token that looks
like an option is the scanner's business.  Expansion is not recursive.
"""

from __future__ import annotations

from collections.abc import Sequence

from movescu.errors import UsageError

_SEPARATORS = " \t\n\r"
_QUOTES = "\"'"


def tokenize_command_file(text: str) -> list[str]:
    """Split a command file's text into arguments as DCMTK does.

    Whitespace (space, TAB, LF, CR) separates tokens; ``"`` or ``'`` starts a
    quoted block in which whitespace and the other quote are literal; the closing
    quote ends the token at once, even when it is empty (``""`` is an empty
    argument) or letters follow (``ab"c d"e`` gives ``abc d`` and ``e``).  An
    unterminated quote runs to the end.  No escapes, no comments.

    Parameters
    ----------
    text : str
        The file's contents.

    Returns
    -------
    list of str
        The arguments, in order.
    """
    tokens: list[str] = []
    current: list[str] = []
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                tokens.append("".join(current))
                current = []
                quote = ""
            else:
                current.append(char)
        elif char in _QUOTES:
            quote = char
        elif char in _SEPARATORS:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def expand_command_files(args: Sequence[str]) -> list[str]:
    """Replace every ``@name`` argument (longer than ``@``) by the tokens of file ``name``.

    Tokens read from a file are not expanded again (DCMTK: no nesting).

    Raises
    ------
    UsageError
        ``Cannot open command file '<name>'`` (always printed, even with ``-q``).
    """
    expanded: list[str] = []
    for arg in args:
        if len(arg) > 1 and arg.startswith("@"):
            name = arg[1:]
            try:
                with open(name, encoding="utf-8", errors="surrogateescape", newline="") as stream:
                    text = stream.read()
            except IsADirectoryError:
                # DCMTK's stream opens a directory and reads nothing from it (3.6.7 run).
                text = ""
            except OSError:
                raise UsageError(
                    f"Cannot open command file '{name}'", quiet_applies=False
                ) from None
            # DCMTK uses each word as a C string: a NUL byte ends it
            expanded.extend(token.split("\0", 1)[0] for token in tokenize_command_file(text))
        else:
            expanded.append(arg)
    return expanded
