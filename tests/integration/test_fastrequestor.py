"""The C-MOVE association's event-driven reactors (accel/requestor.py): same behaviour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.scp_support import running_scp

from movescu.net.seams.accel.requestor import requestor_ae_class

#: tests of the accelerator itself: mode accel only (tests/conftest.py)
pytestmark = pytest.mark.accelerator

VERIFICATION = "1.2.840.10008.1.1"


def _associate(port: int) -> Any:
    ae = requestor_ae_class()(ae_title="FASTREQ")
    ae.acse_timeout = ae.dimse_timeout = 10
    ae.network_timeout = None
    ae.add_requested_context(VERIFICATION)
    assoc = ae.associate("127.0.0.1", port, ae_title="MOVESCU")
    assert assoc.is_established
    return assoc


def test_requested_association_uses_the_fast_classes_and_releases(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out") as scp:
        assoc = _associate(scp.port)
        try:
            parts = (assoc, assoc.dul, assoc.dul.socket, assoc.dimse)
            names = {type(part).__name__ for part in parts}
            assert names == {"FastMoveAssociation", "FastDUL", "FastSocket", "FastMoveDIMSE"}
            # net/seams/accel/movedimse.py's classes extend net/seams/accel/reactors.py's
            bases = {type(part).__mro__[1].__name__ for part in (assoc, assoc.dimse)}
            assert bases == {"FastAssociation", "FastDIMSE"}
            # each send_* pauses and restarts the reactor: many in a row must all answer
            statuses = [int(assoc.send_c_echo().Status) for _ in range(50)]
            assert statuses == [0] * 50
        finally:
            assoc.release()
        assert assoc.is_released
        assoc.dul.join(10)
        assert not assoc.dul.is_alive()
        assert scp.wait_until_idle(10)


def test_requested_association_aborts(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out") as scp:
        assoc = _associate(scp.port)
        assert int(assoc.send_c_echo().Status) == 0
        assoc.abort()
        assert assoc.is_aborted
        assoc.dul.join(10)
        assert not assoc.dul.is_alive()
        assert scp.wait_until_idle(10)
