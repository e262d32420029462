"""The README's two commands, run word for word in a fresh copy of the repository.

The commands are read from README.md's "The two commands" section, so the README
cannot drift from what is tested.  Each runs with ``bash -c`` in a temporary copy
of the checkout (the files git tracks or would track, as a fresh clone has them),
with an environment a new user has: no ``PYTHONPATH``, no active venv and no venv's
``bin`` on PATH (so neither tox nor our ``movescu`` is found there).  The test
command gets ``-- tests/unit/test_cli_help.py`` appended (tox's posargs) so that
it runs a smoke subset of pytest; its ``style`` and ``typing`` environments run
in full.  ``.ci/run`` must run the very same test command.

Slow (venvs, installs) and needs the package index: ``slow`` and ``network``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SMOKE = "tests/unit/test_cli_help.py"


def readme_commands() -> list[str]:
    """The shell blocks of README.md's "The two commands" section (demo, tests)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_has_the_two_commands() -> None:
    demo, tests = readme_commands()
    assert demo == "./examples/demo.sh"
    assert tests.startswith("python3 -m venv .venv && ")
    assert "\n" not in tests


def test_ci_runs_the_readme_test_command() -> None:
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line for line in lines if line.strip() and not line.startswith("#")]
    assert commands[-1] == readme_commands()[1]


def _fresh_copy(destination: Path) -> Path:
    """The files of a fresh clone (tracked, or untracked and not ignored) of this checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    )
    for name in listed.stdout.decode().split("\0"):
        source = REPO / name
        if name and source.is_file():  # a deleted but still tracked file is left out
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def _new_user_environment() -> dict[str, str]:
    """os.environ without PYTHONPATH, an active venv or tox, and no venv's bin on PATH."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TOX")}
    path = [
        entry
        for entry in env.get("PATH", "").split(os.pathsep)
        if entry and not (Path(entry).parent / "pyvenv.cfg").exists()
    ]
    env["PATH"] = os.pathsep.join(path)
    return env


def _run(command: str, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=_new_user_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.network
def test_demo_command_retrieves_the_study(tmp_path: Path) -> None:
    copy = _fresh_copy(tmp_path / "movescu")
    done = _run(readme_commands()[0], copy, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    received = sorted(p.name for p in (copy / "demo-out" / "received").iterdir())
    assert len(received) == 5
    assert all(name.startswith("CT.") for name in received)
    assert "Traceback" not in done.stderr
    assert "I: Received Final Move Response (Success)" in done.stderr


@pytest.mark.slow
@pytest.mark.network
def test_test_command_runs_tox(tmp_path: Path) -> None:
    copy = _fresh_copy(tmp_path / "movescu")
    done = _run(f"{readme_commands()[1]} -- {SMOKE}", copy, timeout=1800)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    assert re.search(r"\b\d+ passed\b", output), output[-3000:]
    for env in ("py", "style", "typing"):
        assert re.search(rf"^  {env}: OK\b", output, re.M), output[-3000:]
