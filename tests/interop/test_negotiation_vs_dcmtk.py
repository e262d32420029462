"""Differential tests: what DCMTK 3.6.7 derives from a peer's maximum PDU length.

``Max Send PDV`` in ``Association Accepted`` / ``Sub-Association Acknowledged``,
DCMTK's ``W: ASSOC: PDV send length ...`` lines, and the size of the data set
fragments (PDV values) sent to the peer, for peers whose maximum is above
DCMTK's own outgoing maximum, unlimited (0), odd, or too small.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE
from tests.support.differential import drop_summary, run_dcmtk_movescu
from tests.support.fake_qr import MoveContext, fake_qr, succeed
from tests.support.peers import LOOPBACK, free_port

pytestmark = pytest.mark.dcmtk

#: a long key: the identifier then needs several fragments for small maxima
KEYS = ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=" + "X" * 200]
Runner = Callable[[list[str]], tuple[int, list[str]]]


dcmtk_run = run_dcmtk_movescu


@pytest.fixture
def ours(run_main: Runner) -> Runner:
    def _run(argv: list[str]) -> tuple[int, list[str]]:
        code, lines = run_main(argv)
        return code, drop_summary(lines)

    return _run


class _Recorder:
    """A TCP relay that records the PDV items of the P-DATA-TF PDUs the client sends."""

    def __init__(self, target: int) -> None:
        self.port = free_port()
        self.target = target
        self.pdvs: list[tuple[int, int]] = []  # (fragment length, control header)
        self._listener = socket.create_server((LOOPBACK, self.port))
        self._thread = threading.Thread(target=self._relay, daemon=True)
        self._thread.start()

    def _relay(self) -> None:
        client, _ = self._listener.accept()
        server = socket.create_connection((LOOPBACK, self.target))
        self._listener.close()

        def back() -> None:
            try:
                while data := server.recv(65536):
                    client.sendall(data)
            except OSError:
                pass
            client.close()

        threading.Thread(target=back, daemon=True).start()
        sent = bytearray()
        try:
            while data := client.recv(65536):
                server.sendall(data)
                sent += data
        except OSError:
            pass
        server.close()
        pos = 0
        while pos + 6 <= len(sent):
            pdu_type, _, length = struct.unpack_from(">BBL", sent, pos)
            item = pos + 6
            while pdu_type == 4 and item < pos + 6 + length:
                (item_length,) = struct.unpack_from(">L", sent, item)
                self.pdvs.append((item_length - 2, sent[item + 5]))
                item += 4 + item_length
            pos += 6 + length

    def join(self) -> None:
        self._thread.join(10)


def _data_fragments(pdvs: list[tuple[int, int]]) -> list[int]:
    return [length for length, control in pdvs if not control & 1]


@pytest.mark.parametrize("peer_max", [262144, 131073, 0, 16383, 4097, 100, 24, 18, 14])
def test_scu_max_send_pdv_matches_dcmtk(ours: Runner, peer_max: int) -> None:
    results = []
    for runner in (dcmtk_run, ours):
        with fake_qr(succeed(1), max_pdu=peer_max) as fake:
            relay = _Recorder(fake.port)
            code, lines = runner(["-v", LOOPBACK, str(relay.port), *KEYS])
            relay.join()
            results.append((code, lines, relay.pdvs))
    (theirs_code, theirs_lines, theirs_pdvs), (ours_code, ours_lines, ours_pdvs) = results
    assert (ours_code, ours_lines) == (theirs_code, theirs_lines)
    # the identifier's fragments are DCMTK's; the command's (which DCMTK cuts at
    # element boundaries) are no larger than DCMTK's largest
    assert _data_fragments(ours_pdvs) == _data_fragments(theirs_pdvs)
    largest = max(length for length, _ in theirs_pdvs)
    assert max(length for length, _ in ours_pdvs) <= largest


def _object(tmp_path: Path) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID = "X"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


@pytest.mark.parametrize(
    ("peer_max", "options"),
    [
        (262144, []),
        (0, []),
        (16383, []),
        (24, []),
        (14, []),
        (16384, ["-pdu", "16383"]),
        (16384, ["-pdu", "4097"]),
    ],
)
def test_sub_association_max_send_pdv_matches_dcmtk(
    ours: Runner, tmp_path: Path, peer_max: int, options: list[str]
) -> None:
    """The Move SCP stores back to +P with its own maximum PDU length (and our -pdu)."""
    port = free_port()
    ds = _object(tmp_path)

    def store_back(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        ae = AE(ae_title="FAKEQR")
        ae.add_requested_context(ds.SOPClassUID, ExplicitVRLittleEndian)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 20
        assoc = ae.associate(LOOPBACK, port, ae_title="MOVESCU", max_pdu=peer_max)
        if assoc.is_established:
            assoc.send_c_store(ds)
            assoc.release()
        ctx.respond(0x0000, completed=1, failed=0, warning=0)

    results = []
    for name, runner in (("dcmtk", dcmtk_run), ("ours", ours)):
        out = tmp_path / name
        out.mkdir()
        with fake_qr(store_back) as fake:
            argv = ["-v", *options, "+P", str(port), "-od", str(out), LOOPBACK, str(fake.port)]
            code, lines = runner([*argv, *KEYS])
            # the maximum PDU length announced on the C-MOVE association
            results.append((code, lines, [a.max_pdu for a in fake.associations]))
    assert results[1] == results[0]
    assert any("Sub-Association Acknowledged" in line for line in results[0][1])
