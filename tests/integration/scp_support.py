"""Shared helpers for the Storage SCP integration tests: config from options, a running SCP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.peers import free_port

from movescu.cli import parse_command_line
from movescu.config import Config
from movescu.net.scp.server import StorageSCP


def make_config(out: Path, *options: str, port: int | None = None) -> Config:
    """A Config as the CLI builds it for ``+P <port> -od <out> <options>``."""
    args = ["-aet", "MOVESCU", "+P", str(port or free_port()), "-od", str(out), *options]
    config = parse_command_line([*args, "-k", "0008,0052=STUDY", "127.0.0.1", "104"], {})
    assert isinstance(config, Config)
    return config


@contextmanager
def running_scp(out: Path, *options: str) -> Iterator[StorageSCP]:
    """A started StorageSCP on 127.0.0.1, always stopped."""
    out.mkdir(parents=True, exist_ok=True)
    scp = StorageSCP(make_config(out, *options), bind_address="127.0.0.1")
    scp.start()
    try:
        yield scp
    finally:
        scp.stop()


def files_in(directory: Path) -> list[str]:
    """Names of all entries of ``directory`` (hidden temporary files included)."""
    return sorted(p.name for p in directory.iterdir())
