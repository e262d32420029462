"""Stages that must not start the network stage: what importing each one loads.

``dicom/`` holds the tables and wording every stage shares (issue 12, item 4):
it imports neither ``movescu.net`` nor ``movescu.output`` nor pynetdicom.  The
command line's readers of those tables, ``output/``, the run tracker
(``summary``, ``progress``) and the report import no ``movescu.net``.  Each
module is imported in a fresh interpreter, so one module's imports do not
hide another's; and because an import inside a function escapes that, the
sources are also read: no import of a forbidden package anywhere but under
``if TYPE_CHECKING:`` (and for ``dicom/``, ``output/`` and ``summary`` not even
there: their types do not come from the network stage either).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import pkgutil
import subprocess
import sys

import pytest

import movescu.dicom
import movescu.output

_PROBE = (
    "import importlib, json, sys; importlib.import_module(sys.argv[1]); "
    "print(json.dumps(sorted(sys.modules)))"
)


def _loaded(module: str) -> list[str]:
    """Every module in ``sys.modules`` after a fresh interpreter imported ``module``."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, module],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(result.stdout)
    assert module in loaded
    return loaded


def _modules(package: object) -> list[str]:
    path = package.__path__  # type: ignore[attr-defined]
    prefix = package.__name__ + "."  # type: ignore[attr-defined]
    return [package.__name__] + [  # type: ignore[attr-defined]
        info.name for info in pkgutil.iter_modules(path, prefix)
    ]


def _within(loaded: list[str], package: str) -> list[str]:
    return [name for name in loaded if name == package or name.startswith(package + ".")]


@pytest.mark.parametrize("module", _modules(movescu.dicom))
def test_dicom_imports_no_network_output_or_pynetdicom(module: str) -> None:
    loaded = _loaded(module)
    assert _within(loaded, "movescu.net") == []
    assert _within(loaded, "movescu.output") == []
    assert _within(loaded, "pynetdicom") == []


@pytest.mark.parametrize(
    "module",
    [
        *_modules(movescu.output),
        "movescu.summary",
        "movescu.progress",
        "movescu.report",
    ],
)
def test_output_and_run_tracker_import_no_network_stage(module: str) -> None:
    assert _within(_loaded(module), "movescu.net") == []


def _runtime_imports(module: str, typing_too: bool = False) -> list[str]:
    """Modules ``module``'s source imports anywhere (under ``if TYPE_CHECKING:`` only if asked)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for inner in ast.walk(statement)
    }
    names: list[str] = []
    for node in ast.walk(tree):
        if id(node) in typing_only and not typing_too:
            continue
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.extend([node.module, *(f"{node.module}.{a.name}" for a in node.names)])
    return names


def _forbidden(names: list[str], *packages: str) -> list[str]:
    return [n for n in names for p in packages if n == p or n.startswith(p + ".")]


@pytest.mark.parametrize("module", _modules(movescu.dicom))
def test_dicom_sources_import_no_network_or_output(module: str) -> None:
    assert _forbidden(_runtime_imports(module), "movescu.net", "movescu.output") == []


@pytest.mark.parametrize(
    "module",
    [*_modules(movescu.output), "movescu.summary", "movescu.progress", "movescu.report"],
)
def test_output_and_run_tracker_sources_import_no_network_stage(module: str) -> None:
    assert _forbidden(_runtime_imports(module), "movescu.net") == []


@pytest.mark.parametrize(
    "module", [*_modules(movescu.dicom), *_modules(movescu.output), "movescu.summary"]
)
def test_not_even_their_types_come_from_the_network_stage(module: str) -> None:
    assert _forbidden(_runtime_imports(module, typing_too=True), "movescu.net") == []


def test_the_source_check_sees_a_function_level_import() -> None:
    names = _runtime_imports("movescu.net.scu.log")
    assert _forbidden(names, "movescu.dicom")  # its top-level imports
    assert "pydicom.dataset" in names  # imported inside log_final
    assert "pydicom.dataset.Dataset" in names
    assert "pynetdicom.association" not in names  # only under TYPE_CHECKING
    assert "pynetdicom.association" in _runtime_imports("movescu.net.scu.log", typing_too=True)


def test_the_probe_sees_the_network_stage() -> None:
    """The check above can fail: a module of the network stage is seen."""
    loaded = _loaded("movescu.net.scu.log")
    assert "movescu.net" in _within(loaded, "movescu.net")
    assert "movescu.dicom.dimse" in loaded
