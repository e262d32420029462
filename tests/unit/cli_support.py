"""Shared helpers for the CLI unit tests: main() in-process with stand-in stages.

The network stage and the -k parser belong to other modules; these tests replace
them with small fakes so they test only the command line.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pytest

from movescu.config import Config, QueryKey
from movescu.errors import UsageError
from movescu.main import main

HEADER_RE = re.compile(r"^\$movescu: movescu v\S+ \(clone of DCMTK movescu v3\.6\.7\) \$$")


@dataclass
class Result:
    rc: int
    out: str
    err: str
    config: Config | None

    @property
    def error(self) -> str:
        """The ``error:`` line DCMTK's printError writes, or ''."""
        lines = [line for line in self.err.splitlines() if line.startswith("error: ")]
        return lines[-1][len("error: ") :] if lines else ""


def fake_parse_key(text: str, dictionary: object) -> QueryKey:
    """-k stand-in: ``gggg,eeee[=value]`` only; anything else is a bad key."""
    name, _, value = text.partition("=")
    match = re.fullmatch(r"([0-9a-fA-F]{4}),([0-9a-fA-F]{4})", name)
    if not match:
        raise UsageError(f"bad key format or dictionary name not found in dictionary: {name}")
    tag = int(match.group(1), 16) << 16 | int(match.group(2), 16)
    return QueryKey(tag=tag, vr="LO", value=value or None, text=text)


class Runner:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.configs: list[Config] = []

    def fake_run(self, config: Config) -> int:
        self.configs.append(config)
        return 0

    def __call__(self, argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Result:
        self.configs.clear()
        self.capsys.readouterr()
        rc = main(list(argv), dict(environ or {}))
        captured = self.capsys.readouterr()
        return Result(rc, captured.out, captured.err, self.configs[-1] if self.configs else None)


@pytest.fixture(name="run_main")
def run_main_fixture(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runner]:
    runner = Runner(capsys)
    # main() names the program after argv[0]; under the `pytest` script that is its path
    monkeypatch.setattr(__import__("sys"), "argv", ["movescu"])
    retrieve = types.ModuleType("movescu.retrieve")
    retrieve.run = runner.fake_run  # type: ignore[attr-defined]
    query = types.ModuleType("movescu.query")
    query.parse_key = fake_parse_key  # type: ignore[attr-defined]
    dictionary = types.ModuleType("movescu.dicom.dictionary")
    dictionary.load_dictionary = lambda environ: object()  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "movescu.retrieve", retrieve)
    monkeypatch.setitem(__import__("sys").modules, "movescu.query", query)
    monkeypatch.setitem(__import__("sys").modules, "movescu.dicom.dictionary", dictionary)
    yield runner
