"""movescu.output.receive: the Receiver owns every spool file from creation to deletion."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

from movescu.config import OutputOptions
from movescu.output.receive import SPOOL_PREFIX, Receiver, SpoolFile


def receiver_in(directory: Path) -> Receiver:
    return Receiver(OutputOptions(directory=directory))


def test_spool_files_are_hidden_in_the_output_directory(tmp_path: Path) -> None:
    spool = receiver_in(tmp_path).open(1, delete=False, mode="wb", suffix=".dcm")
    spool.close()
    path = Path(spool.name)
    assert path.parent == tmp_path and path.name.startswith(SPOOL_PREFIX)


def test_an_output_directory_that_refuses_files_falls_back_to_the_temporary_one(
    tmp_path: Path,
) -> None:
    spool = receiver_in(tmp_path / "gone").open(1, delete=False, mode="wb")
    spool.close()
    assert Path(spool.name).parent == Path(tempfile.gettempdir())
    Path(spool.name).unlink()


def test_claimed_files_stay_and_the_rest_go_with_their_association(tmp_path: Path) -> None:
    receiver = receiver_in(tmp_path)
    mine, claimed, other = (receiver.open(t, delete=False, mode="wb") for t in (1, 1, 2))
    for spool in (mine, claimed, other):
        spool.close()
    assert receiver.claim(claimed.name)
    receiver.discard_for(1)
    assert not Path(mine.name).exists()
    assert Path(claimed.name).exists() and Path(other.name).exists()
    receiver.discard_all()
    assert not Path(other.name).exists()
    assert Path(claimed.name).exists()  # the store stage's now
    assert not receiver.claim(mine.name)  # deleted before the store could claim it


def test_a_full_disk_is_remembered_and_the_data_set_drained() -> None:
    class FullDisk:
        name = "/nowhere"

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            pass

        def close(self) -> None:
            pass

    spool = SpoolFile(FullDisk())
    assert spool.write(b"abc") == 3
    assert spool.write(b"defg") == 4
    spool.flush()
    spool.close()
    assert spool.error is not None and spool.error.errno == errno.ENOSPC
