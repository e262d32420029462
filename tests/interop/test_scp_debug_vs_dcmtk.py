"""The Storage SCP's ``-d`` lines against DCMTK 3.6.7's movescu.

A scripted Move SCP opens a sub-association to the ``+P`` port of each tool in
turn with a raw client: four proposed contexts (one for an unknown SOP class,
one with a transfer syntax nobody accepts), a C-ECHO, a C-STORE without and one
with the Move Originator elements.  From ``Sub-Association Received`` to the
last request's dump, the lines must be DCMTK's: the A-ASSOCIATE-RQ and -AC
blocks, ``Received Echo Request`` / ``Received Store Request`` and their
``INCOMING DIMSE MESSAGE`` blocks.  Normalised (as in ``test_scu_vs_dcmtk``):
our implementation UID and version, DCMTK's dcmdata/DUL tracing and PDU hex
dumps.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from tests.hardening.rawpdu import (
    CT,
    EXPLICIT_LE,
    IMPLICIT_LE,
    VERIFICATION,
    RawClient,
    c_echo_rq_command,
    explicit_dataset,
    p_data,
)
from tests.interop.test_scu_vs_dcmtk import debug_lines
from tests.support.fake_qr import MoveContext, fake_qr
from tests.support.peers import free_port, peer_environment
from tests.support.tools import dcmtk_tool

pytestmark = pytest.mark.dcmtk

SRC = str(Path(__file__).resolve().parents[2] / "src")
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"


def _element(elem: int, value: bytes) -> bytes:
    return struct.pack("<HHL", 0, elem, len(value)) + value


def _store_command(msg_id: int, instance: bytes, originator: tuple[bytes, int] | None) -> bytes:
    """A C-STORE-RQ command set, with the Move Originator elements when given."""
    body = _element(0x0002, CT.encode() + b"\0")
    body += _element(0x0100, struct.pack("<H", 0x0001))
    body += _element(0x0110, struct.pack("<H", msg_id))
    body += _element(0x0700, struct.pack("<H", 2))  # low
    body += _element(0x0800, struct.pack("<H", 0x0000))
    body += _element(0x1000, instance + b"\0" * (len(instance) % 2))
    if originator is not None:
        body += _element(0x1030, originator[0])
        body += _element(0x1031, struct.pack("<H", originator[1]))
    return _element(0x0000, struct.pack("<L", len(body))) + body


def _script(port: int) -> object:
    def script(ctx: MoveContext) -> None:
        with RawClient(port) as client:
            client.associate(
                [
                    (CT, [EXPLICIT_LE]),
                    (VERIFICATION, [IMPLICIT_LE]),
                    ("1.2.3.4.5.6", [EXPLICIT_LE]),
                    (CT, [JPEG_BASELINE]),
                ]
            )
            client.send(p_data(3, c_echo_rq_command(7), command=True))
            client.read_status()
            for msg_id, uid, originator in (
                (8, b"1.2.3.1", None),
                (9, b"1.2.3.2", (b"ORIGIN  ", 42)),
            ):
                client.send(p_data(1, _store_command(msg_id, uid, originator), command=True))
                client.send(p_data(1, explicit_dataset(CT, uid), command=False))
                client.read_status()
            client.release()
        ctx.respond(0x0000, remaining=0, completed=2, failed=0, warning=0)

    return script


def _run(tool: str, out: Path) -> list[str]:
    port = free_port()
    out.mkdir()
    command = [dcmtk_tool("movescu")] if tool == "dcmtk" else [sys.executable, "-m", "movescu"]
    with fake_qr(_script(port), destinations={"MOVESCU": port}) as fake:  # type: ignore[arg-type]
        proc = subprocess.run(
            [*command, "-d", "-aet", "MOVESCU", "+P", str(port), "-od", str(out), "-S"]
            + ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3"]
            + ["127.0.0.1", str(fake.port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(peer_environment(), PYTHONPATH=SRC),
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = debug_lines(proc.stderr.splitlines())
    lines = [line for line in lines if not line.startswith("D: DcmFileFormat")]
    start = lines.index("I: Sub-Association Received")
    end = max(n for n, line in enumerate(lines) if "= END DIMSE MESSAGE =" in line)
    return lines[start : end + 1]


def test_sub_association_debug_lines_are_dcmtks(tmp_path: Path) -> None:
    theirs = _run("dcmtk", tmp_path / "dcmtk")
    ours = _run("ours", tmp_path / "ours")
    assert ours == theirs
    # what is compared: both association blocks, the three request dumps and the
    # final C-MOVE response's
    assert "D: Parameters:" in ours
    assert "D:   Context ID:        5 (Abstract Syntax Not Supported)" in ours
    assert "D:   Context ID:        7 (Transfer Syntaxes Not Supported)" in ours
    assert ours.count("D: ===================== INCOMING DIMSE MESSAGE ====================") == 4
    assert "D: Move Originator AE Title      : ORIGIN" in ours
    assert "D: Priority                      : low" in ours
