"""movescu.net.seams.settings: every process-wide change is applied and undone exactly."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from movescu.cli import parse_command_line
from movescu.config import Config
from movescu.output.receive import Receiver


def make_config(tmp_path: Path, *options: str) -> Config:
    argv = [*options, "-od", str(tmp_path), "-k", "0008,0052=STUDY", "127.0.0.1", "104"]
    config = parse_command_line(argv, {})
    assert isinstance(config, Config)
    return config


def library_state() -> dict[str, Any]:
    """Everything :func:`install` may change, as plain values."""
    import pydicom.config
    from pynetdicom import _config, dimse_messages, sop_class
    from pynetdicom.service_class import StorageServiceClass

    names = ("LOG_HANDLER_LEVEL", "LOG_REQUEST_IDENTIFIERS", "LOG_RESPONSE_IDENTIFIERS")
    names += ("UNRESTRICTED_STORAGE_SERVICE", "STORE_RECV_CHUNKED_DATASET")
    settings = pydicom.config.settings
    return {
        "config": {name: getattr(_config, name, "(missing)") for name in names},
        "validators": dict(_config.VALIDATORS),
        "messages": {
            name: getattr(dimse_messages, name)
            for name in ("NamedTemporaryFile", "create_file_meta", "write_file_meta_info")
        },
        "pydicom": (settings._reading_validation_mode, settings._writing_validation_mode),
        "storage": dict(sop_class._SERVICE_TO_UID_GROUP[StorageServiceClass]),
        "sop_class_names": set(vars(sop_class)),
        "pynetdicom_logger": logging.getLogger("pynetdicom").propagate,
    }


@pytest.mark.parametrize("storage", [False, True], ids=["scu", "storage-scp"])
def test_install_changes_and_undo_restores_exactly(tmp_path: Path, storage: bool) -> None:
    import pydicom.config
    from pynetdicom import _config, dimse_messages

    from movescu.net.seams.settings import install

    config = make_config(tmp_path, "+P", "11112")
    receiver = Receiver(config.output) if storage else None
    before = library_state()
    undo = install(config, receiver)
    try:
        assert _config.LOG_HANDLER_LEVEL == "none"
        assert pydicom.config.settings.reading_validation_mode == pydicom.config.IGNORE
        assert _config.VALIDATORS["AE"]("A\\B")[0] is not storage
        assert (_config.VALIDATORS["UI"]("1." * 40)[0]) is storage
        assert (dimse_messages.NamedTemporaryFile is before["messages"]["NamedTemporaryFile"]) is (
            not storage
        )
        assert library_state() != before
    finally:
        undo()
    assert library_state() == before


def test_installs_nest_and_undo_in_reverse(tmp_path: Path) -> None:
    from movescu.net.seams.settings import install

    config = make_config(tmp_path, "+P", "11112")
    before = library_state()
    undo_scp = install(config, Receiver(config.output))
    during_scp = library_state()
    undo_scu = install(config)
    undo_scu()
    assert library_state() == during_scp
    undo_scp()
    assert library_state() == before


def test_the_storage_scp_spools_into_its_receiver(tmp_path: Path) -> None:
    from pynetdicom import dimse_messages

    from movescu.net.seams.settings import install

    config = make_config(tmp_path, "+P", "11112")
    receiver = Receiver(config.output)
    undo = install(config, receiver)
    try:
        spool = dimse_messages.NamedTemporaryFile(delete=False, mode="wb", suffix=".dcm")  # type: ignore[attr-defined]
        spool.close()
        assert Path(spool.name).parent == tmp_path
        receiver.discard_all()
        assert not Path(spool.name).exists()
    finally:
        undo()


def test_two_storage_scps_may_stop_in_either_order(tmp_path: Path) -> None:
    from pynetdicom import dimse_messages

    from movescu.net.seams.settings import install

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    before = library_state()
    undo_first = install(
        make_config(first, "+P", "11112"), Receiver(make_config(first, "+P", "11112").output)
    )
    receiver = Receiver(make_config(second, "+P", "11113").output)
    undo_second = install(make_config(second, "+P", "11113"), receiver)
    during_second = library_state()
    undo_first()  # the first SCP stops while the second still receives
    assert library_state() == during_second
    spool = dimse_messages.NamedTemporaryFile(delete=False, mode="wb", suffix=".dcm")  # type: ignore[attr-defined]
    spool.close()
    assert Path(spool.name).parent == second
    receiver.discard_all()
    undo_second()
    assert library_state() == before


def test_a_missing_setting_fails_install_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pynetdicom import _config

    from movescu.net.seams.settings import install

    config = make_config(tmp_path, "+P", "11112")
    monkeypatch.delattr(_config, "STORE_RECV_CHUNKED_DATASET")
    before = library_state()
    with pytest.raises(AttributeError, match="STORE_RECV_CHUNKED_DATASET"):
        install(config, Receiver(config.output))
    assert library_state() == before
