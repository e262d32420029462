"""The fence: nothing outside ``movescu.net.seams`` touches pynetdicom's or pydicom's internals.

An AST scan of every module of the package outside ``net/seams/`` fails on

(a) an import of a pynetdicom module or name outside :data:`PYNETDICOM_API`,
    or of a private (underscore) module of pydicom or pynetdicom;
(b) an attribute access to an underscore name (not a dunder) on anything but
    ``self`` or ``cls`` (our own objects' private parts stay ours);
(c) an attribute access to one of :data:`INTERNAL_ATTRIBUTES`, the objects
    inside a pynetdicom association (DUL, DIMSE, ACSE providers, their state
    machine and queues) that its documentation does not offer.

(b) and (c) include names spelled as strings in ``getattr``/``hasattr``/``setattr``.

The allow-list is pynetdicom's documented API (its "API reference" pages):
the ``AE`` and its events, ``Association`` (typing and its public methods),
presentation contexts, SOP and service classes (``register_uid`` needs a
service class), the PDU classes an ``EVT_PDU_RECV`` handler receives, the
DIMSE primitives, ``dsutils.decode`` and ``ThreadedAssociationServer``, which
``AE.make_server`` documents as the base of its ``server_class``.  Not on it:
``_config``, ``dimse_messages``, ``dul``, ``dimse``, ``acse``, ``fsm``,
``timer``, ``utils``: their use goes through ``net/seams/hooks.py`` and
``net/seams/settings.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "movescu"
FENCE = PACKAGE / "net" / "seams"

#: documented pynetdicom modules -> the names we may import from them (None: any public name)
PYNETDICOM_API: dict[str, frozenset[str] | None] = {
    "pynetdicom": frozenset({"AE", "evt", "build_context", "register_uid", "sop_class", "pdu"}),
    "pynetdicom.events": frozenset({"Event"}),
    "pynetdicom.association": frozenset({"Association"}),
    "pynetdicom.transport": frozenset({"ThreadedAssociationServer"}),
    "pynetdicom.presentation": None,
    "pynetdicom.sop_class": None,
    "pynetdicom.service_class": frozenset({"StorageServiceClass"}),
    "pynetdicom.pdu": None,
    "pynetdicom.pdu_items": None,
    "pynetdicom.dimse_primitives": None,
    "pynetdicom.dsutils": frozenset({"decode"}),
    "pynetdicom.status": None,
}

#: objects inside an association that pynetdicom does not document for its users
INTERNAL_ATTRIBUTES = frozenset(
    {
        "dul",
        "dimse",
        "acse",
        "state_machine",
        "event_queue",
        "to_user_queue",
        "to_provider_queue",
        "msg_queue",
        "idle_timer_expired",
        "store_stream",
        "move_command",
        "socket_class",
        "NamedTemporaryFile",
        "create_file_meta",
        "write_file_meta_info",
        "VALIDATORS",
    }
)

#: standard-library names that look private or internal but are documented
STANDARD_LIBRARY = frozenset({("os", "_exit"), ("tempfile", "NamedTemporaryFile")})
#: a named tuple's documented methods (pydicom's RawDataElement is one)
NAMED_TUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make"})


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if FENCE not in p.parents)


def _violations(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename=filename)
    found: list[str] = []

    def where(node: ast.AST) -> str:
        return f"{filename}:{getattr(node, 'lineno', 0)}"

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += _check_module(alias.name, where(node))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += _check_module(node.module, where(node))
            allowed = PYNETDICOM_API.get(node.module)
            if node.module in PYNETDICOM_API and allowed is not None:
                found += [
                    f"{where(node)}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name not in allowed
                ]
            if node.module.split(".")[0] in ("pydicom", "pynetdicom"):
                found += [
                    f"{where(node)}: private name {alias.name} of {node.module}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
        elif isinstance(node, ast.Call) and _spelled_attribute(node) is not None:
            name = _spelled_attribute(node) or ""
            if (name.startswith("_") and not name.startswith("__")) or name in INTERNAL_ATTRIBUTES:
                found.append(f"{where(node)}: attribute {name!r} by name")
        elif isinstance(node, ast.Attribute):
            name = node.attr
            owner = node.value
            owner_name = owner.id if isinstance(owner, ast.Name) else None
            if owner_name in ("self", "cls") or (owner_name, name) in STANDARD_LIBRARY:
                continue
            if name.startswith("_") and not name.startswith("__") and name not in NAMED_TUPLE_API:
                found.append(f"{where(node)}: private attribute .{name}")
            if name in INTERNAL_ATTRIBUTES:
                found.append(f"{where(node)}: internal attribute .{name}")
    return found


def _spelled_attribute(node: ast.Call) -> str | None:
    """The constant attribute name of a ``getattr``/``hasattr``/``setattr`` call."""
    if not (isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr", "setattr")):
        return None
    if len(node.args) < 2 or not isinstance(node.args[1], ast.Constant):
        return None
    value = node.args[1].value
    return value if isinstance(value, str) else None


def _check_module(module: str, where: str) -> list[str]:
    top = module.split(".")[0]
    if top not in ("pydicom", "pynetdicom"):
        return []
    if any(part.startswith("_") for part in module.split(".")):
        return [f"{where}: private module {module}"]
    if top == "pynetdicom" and module not in PYNETDICOM_API:
        return [f"{where}: undocumented pynetdicom module {module}"]
    return []


def test_the_scan_sees_the_package() -> None:
    modules = _modules()
    assert any(p.name == "server.py" for p in modules)
    assert not any(FENCE in p.parents for p in modules)


@pytest.mark.parametrize(
    "source",
    [
        "from pynetdicom import _config",
        "import pynetdicom._config",
        "from pynetdicom import dimse_messages",
        "from pynetdicom.dul import DULServiceProvider",
        "from pydicom._uid_dict import UID_dictionary",
        "from pydicom.datadict import _private",
        "request._dataset_path",
        "assoc.dul.socket",
        "assoc.dimse.msg_queue.put(None)",
        "ae._servers.append(server)",
        'getattr(request, "_dataset_path", None)',
        'hasattr(assoc.dul, "store_stream")',
        'getattr(message, "move_command", None)',
    ],
)
def test_the_scan_finds_each_kind_of_reach(source: str) -> None:
    assert _violations(source, "probe.py")


@pytest.mark.parametrize(
    "source",
    [
        "self._lock",
        "cls._cache",
        "x.__class__",
        "os._exit(0)",
        "tempfile.NamedTemporaryFile()",
        "from pynetdicom import AE, evt",
        "from pynetdicom.association import Association",
        "from pydicom.datadict import keyword_dict",
    ],
)
def test_documented_use_and_own_private_parts_pass(source: str) -> None:
    assert _violations(source, "probe.py") == []


def _package_violations() -> list[str]:
    return [
        line
        for path in _modules()
        for line in _violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    ]


def test_nothing_outside_the_fence_reaches_into_pynetdicom() -> None:
    assert _package_violations() == []
