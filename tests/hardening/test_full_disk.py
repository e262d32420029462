"""A full output disk: the failing object gets 0xA700 and leaves nothing; complete ones stay.

Runs for real on a 1 MiB tmpfs (root only, as in CI).  The object sizes are
chosen so that the spool file of the receive fails (pynetdicom's chunked
receive writes into ``-od``: 3rd and 5th object), with a small object that
still fits in between.  The spool file becomes the output file by a rename
when its bytes are the output (movescu.output.spoolmeta), so, as with DCMTK
(which writes once), the last object still fits.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from movescu.main import main
from tests.hardening.support import ct_object, leftovers, mounted_tmpfs
from tests.integration.scp_support import running_scp
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.objects import CT
from tests.support.peers import free_port
from tests.support.sender import send_raw

A700 = 0xA700


@pytest.mark.parametrize(
    ("options", "last"),
    [([], 0), (["+B"], 0), (["+tb"], A700)],
    ids=["normal", "bit-preserving", "re-encoded"],
)
def test_full_disk_answers_a700_and_keeps_complete_objects(
    tmp_path: Path, options: list[str], last: int, caplog: pytest.LogCaptureFixture
) -> None:
    with mounted_tmpfs(tmp_path / "disk", "size=1m") as out:
        sizes = [300, 300, 500, 100, 400, 200]
        objects = [ct_object(f"1.2.3.{n}", kb * 1024) for n, kb in enumerate(sizes, 1)]
        with running_scp(out, *options) as scp:
            statuses = send_raw("127.0.0.1", scp.port, objects)
            assert scp.wait_until_idle(10)
        # used: 300, 600, (spool 500: full), 700, (spool 400: full), 900 (renamed spool);
        # +tb re-encodes: spool 200 + output 200 do not fit (the final write fails)
        assert statuses == [0, 0, A700, 0, A700, last]
        stored = [o for o, s in zip(objects, statuses, strict=True) if s == 0]
        failed = [o for o, s in zip(objects, statuses, strict=True) if s == A700]
        names = sorted(p.name for p in out.iterdir())
        assert names == sorted(f"CT.{o.sop_instance_uid}" for o in stored)
        for obj in stored:  # complete files, whatever the mode
            written = (out / f"CT.{obj.sop_instance_uid}").read_bytes()
            assert "+tb" in options or written.endswith(obj.dataset)
            assert len(written) > len(obj.dataset)
        assert leftovers(out) == []
        assert scp.stats.failed == len(failed)


def _ct_dataset(instance: str, kb: int) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = CT
    ds.SOPInstanceUID = instance
    ds.PatientName = "FULL^DISK"
    ds.add_new(0x7FE00010, "OW", bytes(range(256)) * (kb * 4))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def test_full_disk_in_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through main(): the Move SCP learns of the failures and the exit code says so."""
    statuses: list[int] = []

    def script(ctx: MoveContext) -> None:
        sizes = [300, 300, 500, 100]
        datasets = [_ct_dataset(f"1.2.3.{n}", kb) for n, kb in enumerate(sizes, 1)]
        statuses.extend(ctx.store(datasets))
        failed = sum(1 for s in statuses if s != 0)
        ctx.respond(0xB000 if failed else 0, completed=len(sizes) - failed, failed=failed)

    with mounted_tmpfs(tmp_path / "disk", "size=1m") as out:
        port = free_port()
        with fake_qr(script, destinations={"MOVESCU": port}) as fake:
            capsys.readouterr()
            code = main(
                ["-aet", "MOVESCU", "+P", str(port), "-od", str(out), "127.0.0.1"]
                + [str(fake.port), "-k", "QueryRetrieveLevel=STUDY"],
                environ={},
            )
        err = capsys.readouterr().err
        names = sorted(p.name for p in out.iterdir())
    assert statuses == [0, 0, A700, 0]
    assert code == 68  # DCMTK: a final 0xB000 is EXITCODE_CMOVE_WARNING
    assert err.splitlines() == [
        f"E: cannot write DICOM file: {out / 'CT.1.2.3.3'}",
        "W: Move response with warning status (Warning: SubOperationsCompleteOneOrMoreFailures)",
    ]
    assert names == ["CT.1.2.3.1", "CT.1.2.3.2", "CT.1.2.3.4"]
