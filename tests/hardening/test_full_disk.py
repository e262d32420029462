"""A full output disk: the failing object gets 0xA700 and leaves nothing; complete ones stay.

Runs for real on a 1 MiB tmpfs (root only, as in CI).  The object sizes are
chosen so that the spool file of the receive fails (pynetdicom's chunked
receive writes into ``-od``: 3rd and 5th object), with a small object that
still fits in between.  The spool file becomes the output file by a rename
when its bytes are the output (movescu.net.spoolmeta), so, as with DCMTK
(which writes once), the last object still fits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.support import ct_object, leftovers, mounted_tmpfs
from tests.integration.scp_support import running_scp
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
