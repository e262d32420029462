"""storescp's options on a real retrieve from dcmqrscp: the C-MOVE's end ends its studies."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.datasets import Collection
from tests.support.peers import QRPeer

KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PAT001"]


def _retrieve(run_main, qr_peer: QRPeer, our_port: int, out: Path, options: list[str]):
    argv = ["-aec", qr_peer.ae_title, "+P", str(our_port), "-od", str(out), *options]
    return run_main([*argv, "127.0.0.1", str(qr_peer.port), *KEYS])


def test_sorted_renamed_and_xcs_at_end_of_move(
    run_main, collection: Collection, qr_peer: QRPeer, our_port: int, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    log = tmp_path / "eos.log"
    options = ["-su", "", "-rns", "-xs", "-xcs", f"echo #a #c #p >> {log}"]
    code, lines = _retrieve(run_main, qr_peer, our_port, out, options)
    assert code == 0, lines
    studies = {i.study_uid for i in collection.of_patient("PAT001")}
    assert sorted(p.name for p in out.iterdir()) == sorted(studies)
    for study in studies:
        names = sorted(p.name for p in (out / study).iterdir())
        # one CT and one MR (or SC) series of two images per study, numbered in order
        assert len(names) == 4 and all(len(n) == 8 and n[2:].isdigit() for n in names)
    # both studies ended: the second one by the end of the C-MOVE (storescp never ends it)
    ended = sorted(line.split()[2] for line in log.read_text().splitlines())
    assert ended == sorted(str(out / s) for s in studies)
    assert {tuple(line.split()[:2]) for line in log.read_text().splitlines()} == {
        (qr_peer.ae_title, "MOVESCU")
    }


def test_reception_command_in_the_background(
    run_main, collection: Collection, qr_peer: QRPeer, our_port: int, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    log = tmp_path / "r.log"
    options = ["-fe", ".dcm", "-xcr", f"test -s #p/#f && echo #f >> {log}"]
    code, lines = _retrieve(run_main, qr_peer, our_port, out, options)
    assert code == 0, lines
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 8 and all(n.endswith(".dcm") for n in files)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_lines(log)) < 8:
        time.sleep(0.05)
    # every command saw its file complete (atomic writes: the file exists only whole)
    assert sorted(_lines(log)) == files


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []
