"""Each mode uses its own classes: the accelerator's when on, pynetdicom's own when off.

Runs in both modes (tests/conftest.py's ``accelerator_mode``): a retrieve with
``+P`` accelerates its two associations (the C-MOVE one and the
sub-association) in mode ``accel`` and none in mode ``stock``, and the
Storage SCP's associations are pynetdicom's unchanged classes in stock mode.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.integration.scp_support import running_scp
from tests.support.datasets import make_image
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port

from movescu.net.seams import accel

CT = "1.2.840.10008.5.1.4.1.1.2"
ACCELERATED = {"FastAssociation", "FastDUL", "FastSocket", "FastDIMSE"}
STOCK = {"Association", "DULServiceProvider", "AssociationSocket", "DIMSEServiceProvider"}


def test_a_retrieve_accelerates_both_associations_or_none(
    accelerator_mode: str,
    tmp_path: Path,
    run_main: Callable[[list[str]], tuple[int, list[str]]],
) -> None:
    image = make_image(CT, "MODE", "1.2.3.8", "1.2.3.8.1", 1)
    port = free_port()

    def script(ctx: MoveContext) -> None:
        ctx.store([image])
        ctx.respond(0x0000, remaining=0, completed=1, failed=0, warning=0)

    before = accel.accelerated_associations()
    with fake_qr(script, destinations={"MOVESCU": port}) as fake:
        code, lines = run_main(
            ["-d", "-aet", "MOVESCU", "+P", str(port), "-od", str(tmp_path), "-S"]
            + ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3.8"]
            + ["127.0.0.1", str(fake.port)]
        )
    assert code == 0, lines
    assert (tmp_path / f"CT.{image.SOPInstanceUID}").is_file()
    accelerated = accel.accelerated_associations() - before
    assert accelerated == (2 if accelerator_mode == "accel" else 0)
    assert lines.count("D: " + accel.decide().text) == 1


def test_storage_scp_associations_are_pynetdicoms_own_in_stock_mode(
    accelerator_mode: str, tmp_path: Path
) -> None:
    from pynetdicom import AE

    with running_scp(tmp_path / "out") as scp:
        ae = AE(ae_title="MODETEST")
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
        ae.add_requested_context("1.2.840.10008.1.1")
        assoc: Any = ae.associate("127.0.0.1", scp.port, ae_title="MOVESCU")
        try:
            assert assoc.is_established
            (ours,) = scp.active_associations()
            parts = (ours, ours.dul, ours.dul.socket, ours.dimse)
            names = {type(part).__name__ for part in parts}
            assert names == (ACCELERATED if accelerator_mode == "accel" else STOCK)
            assert hasattr(ours.dul, "store_stream") == (accelerator_mode == "accel")
            assert assoc.send_c_echo().Status == 0
        finally:
            assoc.release()
        assert scp.wait_until_idle(10)
