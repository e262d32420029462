"""The fingerprint of the pynetdicom code the accelerator relies on (net/seams/fingerprint.py).

The first test is the one that fails after a pynetdicom upgrade: it hashes the
imported pynetdicom's methods with ``inspect.getsource`` and says what to do.
The others check the import-free check that decides at run time, on the
installed pynetdicom and on an edited copy of it.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
from pathlib import Path
from typing import Any

import pytest

from movescu.net.seams import accel, fingerprint
from movescu.net.seams.fingerprint import RECORDED, RECORDED_VERSION, Installation

UPGRADE_HELP = (
    "pynetdicom {version} differs from the fingerprint recorded from pynetdicom "
    "{recorded} in:\n{names}\n"
    "The accelerator (src/movescu/net/seams/accel/) copies, overrides or imitates these "
    "methods; until they are reviewed movescu runs on stock pynetdicom (slower, correct). "
    "Follow docs/architecture.md, 'upgrading pynetdicom': compare each method between "
    "the two releases, carry the change into the accelerator (the comment above the "
    "method's entry in RECORDED names the file), run tests/integration, tests/hardening "
    "and tests/interop in both modes, then record the new hashes:\n{table}"
)


def _imported_source(file: str, qualname: str) -> str:
    """``inspect.getsource`` of a listed method of the imported pynetdicom."""
    target: Any = importlib.import_module("pynetdicom." + file.removesuffix(".py"))
    for part in qualname.split("."):
        target = inspect.getattr_static(target, part)
    if isinstance(target, property):
        target = target.fget
    return inspect.getsource(target)


def test_recorded_methods_match_the_installed_pynetdicom() -> None:
    import pynetdicom

    differing = []
    for method in RECORDED:
        try:
            installed = fingerprint.source_hash(_imported_source(method.file, method.qualname))
        except (AttributeError, ImportError, OSError, TypeError):
            installed = "(missing)"
        if installed != method.sha256:
            differing.append((method, installed))
    if differing:
        names = "\n".join(f"  {method.name}" for method, _ in differing)
        table = "\n".join(
            f'  RecordedMethod("{m.file}", "{m.qualname}", "{new}")' for m, new in differing
        )
        pytest.fail(
            UPGRADE_HELP.format(
                version=pynetdicom.__version__,
                recorded=RECORDED_VERSION,
                names=names,
                table=table,
            )
        )


def test_every_listed_method_is_cut_out_of_its_file_as_inspect_sees_it() -> None:
    # the run-time check reads the files as text: it must find what inspect finds
    installation = fingerprint.locate()
    assert installation is not None
    for method in RECORDED:
        text = (installation.directory / method.file).read_text(encoding="utf-8")
        source = fingerprint.method_source(text, method.qualname)
        assert source is not None, method.name
        expected = fingerprint.normalise(_imported_source(method.file, method.qualname))
        assert fingerprint.normalise(source) == expected, method.name


def test_installed_pynetdicom_turns_the_accelerator_on() -> None:
    from importlib import metadata

    installation = fingerprint.locate()
    assert installation is not None
    assert installation.version == metadata.version("pynetdicom")
    assert fingerprint.differences(installation.directory) == []
    state = accel.state_of(installation)
    expected = f"accelerator: on (pynetdicom {installation.version})"
    assert state == accel.AcceleratorState(True, expected)
    assert accel.fingerprint_state() == state


def edited_pynetdicom(where: Path, version: str = "3.0.5") -> Path:
    """A copy of the installed pynetdicom whose ``_read_pdu_data`` logs another text.

    Returns the directory to put on ``sys.path`` (it holds the package and a
    ``.dist-info`` saying ``version``).
    """
    installation = fingerprint.locate()
    assert installation is not None
    package = where / "pynetdicom"
    shutil.copytree(
        installation.directory,
        package,
        ignore=shutil.ignore_patterns("tests", "benchmarks", "__pycache__"),
    )
    dul = package / "dul.py"
    text = dul.read_text(encoding="utf-8")
    old = 'LOGGER.error("Unable to decode the received PDU data")'
    assert text.count(old) == 1
    dul.write_text(text.replace(old, 'LOGGER.error("The received PDU cannot be decoded")'))
    info = where / f"pynetdicom-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: pynetdicom\nVersion: {version}\n"
    )
    return where


def test_an_edited_method_turns_the_accelerator_off_and_is_named(tmp_path: Path) -> None:
    root = edited_pynetdicom(tmp_path)
    installation = Installation(
        root / "pynetdicom", fingerprint.installed_version(root / "pynetdicom")
    )
    assert installation.version == "3.0.5"
    assert fingerprint.differences(installation.directory) == [
        "dul.py DULServiceProvider._read_pdu_data"
    ]
    assert accel.state_of(installation) == accel.AcceleratorState(
        False,
        "accelerator: off (pynetdicom 3.0.5 differs from the fingerprint: "
        "dul.py DULServiceProvider._read_pdu_data)",
    )


def test_a_missing_method_or_file_is_a_difference(tmp_path: Path) -> None:
    root = edited_pynetdicom(tmp_path)
    package = root / "pynetdicom"
    transport = package / "transport.py"
    text = transport.read_text(encoding="utf-8")
    transport.write_text(text.replace("def _create_association(", "def _new_association("))
    (package / "ae.py").unlink()
    assert fingerprint.differences(package) == [
        "ae.py ApplicationEntity._create_socket",
        "ae.py ApplicationEntity.associate",
        "dul.py DULServiceProvider._read_pdu_data",
        "transport.py RequestHandler._create_association",
    ]


def test_no_pynetdicom_turns_it_off() -> None:
    assert accel.state_of(None) == accel.AcceleratorState(
        False, "accelerator: off (pynetdicom not found)"
    )


def test_no_accelerator_and_force_turn_it_off() -> None:
    off = accel.AcceleratorState(False, "accelerator: off (--no-accelerator)")
    assert accel.decide(disabled=True) == off
    previous = accel.force(False)
    try:
        assert accel.decide() == off
    finally:
        accel.force(previous)
    assert accel.decide() == accel.fingerprint_state()


def test_stock_classes_are_pynetdicoms_own() -> None:
    from pynetdicom import AE
    from pynetdicom.transport import RequestHandler

    off = accel.decide(disabled=True)
    assert accel.request_handler_class(off) is RequestHandler
    assert accel.requestor_ae_class(off) is AE
    on = accel.fingerprint_state()
    assert on.on
    assert issubclass(accel.request_handler_class(on), RequestHandler)
    assert accel.request_handler_class(on) is not RequestHandler
    assert issubclass(accel.requestor_ae_class(on), AE) and accel.requestor_ae_class(on) is not AE


SOURCE = '''\
class Outer:
    @property
    def ready(self) -> bool:
        """Doc."""
        # a comment

        return True  # trailing

    def other(
        self,
        value: int,
    ) -> int:
        return value
'''


def test_normalise_ignores_decorators_comments_blank_lines_and_indentation() -> None:
    ready = fingerprint.method_source(SOURCE, "Outer.ready")
    assert ready is not None
    assert fingerprint.normalise(ready) == (
        'def ready(self) -> bool:\n    """Doc."""\n    return True  # trailing'
    )
    other = fingerprint.method_source(SOURCE, "Outer.other")
    assert other is not None and other.endswith("        return value\n")
    assert other.startswith("    def other(\n")
    assert fingerprint.method_source(SOURCE, "Outer.missing") is None
    assert fingerprint.method_source(SOURCE, "Inner.ready") is None
    edited = SOURCE.replace("return True", "return False")
    assert fingerprint.source_hash(
        fingerprint.method_source(edited, "Outer.ready") or ""
    ) != fingerprint.source_hash(ready)
    commented = SOURCE.replace("# a comment", "# another comment\n\n")
    assert fingerprint.source_hash(
        fingerprint.method_source(commented, "Outer.ready") or ""
    ) == fingerprint.source_hash(ready)


def test_versions_are_read_from_dist_info_as_text(tmp_path: Path) -> None:
    info = tmp_path / "configargparse-1.9.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ConfigArgParse\nVersion: 1.9.0\n")
    assert fingerprint.dist_info_version(tmp_path, "ConfigArgParse") == "1.9.0"
    assert fingerprint.dist_info_version(tmp_path, "pydicom") is None
    assert fingerprint.dist_info_version(tmp_path / "missing", "pydicom") is None
