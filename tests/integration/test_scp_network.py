"""Storage SCP: negotiation, C-ECHO, concurrency, bad commands and a stop that never hangs."""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from pathlib import Path

import pytest
from pynetdicom import AE
from pynetdicom.dimse_messages import C_STORE_RQ
from pynetdicom.dimse_primitives import C_FIND, C_STORE
from pynetdicom.pdu import P_DATA_TF
from tests.integration.scp_support import files_in, make_config, running_scp
from tests.support.objects import CT, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, Enc
from tests.support.sender import RawObject, send_raw

from movescu.errors import NetworkInitError, PrivilegeError
from movescu.net.scp.server import StorageSCP

DATASET = Enc().el(0x00080016, "UI", CT.encode() + b"\0") + Enc().el(0x00080018, "UI", b"1.2.3\0")
THERMOGRAPHY = "1.2.840.10008.5.1.4.1.1.601.3"  # DICONDE: unknown to pynetdicom, no prefix


def _requestor(*contexts: tuple[str, list[str]]) -> AE:
    ae = AE(ae_title="REQ")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    for uid, syntaxes in contexts:
        ae.add_requested_context(uid, syntaxes)
    return ae


def test_negotiation_results_and_our_preference(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out", "+xb") as scp:
        ae = _requestor(
            (CT, [EXPLICIT_LE, EXPLICIT_BE]),
            ("1.2.840.10008.5.1.4.1.2.2.1", [EXPLICIT_LE]),  # a FIND model: not a storage class
        )
        assoc = ae.associate("127.0.0.1", scp.port)
        assert assoc.is_established
        accepted = {cx.abstract_syntax: cx.transfer_syntax[0] for cx in assoc.accepted_contexts}
        rejected = {cx.abstract_syntax: cx.result for cx in assoc.rejected_contexts}
        assoc.release()
    assert accepted == {CT: EXPLICIT_BE}  # our order wins (+xb: big endian first)
    assert rejected == {"1.2.840.10008.5.1.4.1.2.2.1": 3}


def test_no_acceptable_transfer_syntax_is_result_4(tmp_path: Path) -> None:
    with running_scp(tmp_path / "out", "+xi") as scp:
        assoc = _requestor((CT, [EXPLICIT_LE]), ("1.2.840.10008.1.1", [IMPLICIT_LE])).associate(
            "127.0.0.1", scp.port
        )
        assert assoc.is_established
        results = [cx.result for cx in assoc.rejected_contexts]
        assoc.release()
    assert results == [4]


def test_echo_is_answered_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with running_scp(tmp_path / "out") as scp, caplog.at_level(logging.INFO, "movescu"):
        assoc = _requestor(("1.2.840.10008.1.1", [IMPLICIT_LE])).associate("127.0.0.1", scp.port)
        status = assoc.send_c_echo(msg_id=7)
        assoc.release()
    assert status.Status == 0
    assert "Received Echo Request (MsgID 7)" in caplog.messages
    assert "Sub-Association Received" in caplog.messages


def test_class_unknown_to_pynetdicom_is_stored_as_ot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    obj = RawObject(THERMOGRAPHY, "1.2.9", EXPLICIT_LE, b"")
    with running_scp(out, "+B", "-F") as scp, caplog.at_level(logging.INFO, "movescu"):
        assert send_raw("127.0.0.1", scp.port, [obj]) == [0]
        scp.wait_until_idle(10)
    assert files_in(out) == ["OT.1.2.9"]
    assert "Received Store Request (MsgID 1, OT)" in caplog.messages


def test_concurrent_sub_associations_are_all_served(tmp_path: Path) -> None:
    out = tmp_path / "out"
    results: dict[int, list[int | None]] = {}
    with running_scp(out) as scp:

        def send(n: int) -> None:
            objs = [
                RawObject(
                    CT,
                    f"1.2.{n}.{i}",
                    EXPLICIT_LE,
                    Enc().el(0x00080016, "UI", CT.encode() + b"\0")
                    + Enc().el(0x00080018, "UI", f"1.2.{n}.{i}".encode().ljust(8, b"\0")),
                )
                for i in range(5)
            ]
            results[n] = send_raw("127.0.0.1", scp.port, objs)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert scp.wait_until_idle(30)
    assert results == {n: [0] * 5 for n in range(3)}
    assert scp.stats.received == 15 and len(files_in(out)) == 15


def test_other_dimse_command_aborts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with running_scp(tmp_path / "out") as scp:
        assoc = _requestor((CT, [EXPLICIT_LE])).associate("127.0.0.1", scp.port)
        request = C_FIND()
        request.MessageID = 1
        request.AffectedSOPClassUID = CT
        request.Priority = 0
        from io import BytesIO

        request.Identifier = BytesIO(b"")
        assoc.dimse.send_msg(request, assoc.accepted_contexts[0].context_id)
        assoc.join(timeout=10)
        aborted = assoc.is_aborted
        assert scp.wait_until_idle(10)
    assert aborted
    expected = "Expected C-ECHO or C-STORE request but received DIMSE command 0x0020"
    assert expected in caplog.messages


def test_stop_aborts_idle_and_stuck_associations(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scp = StorageSCP(make_config(tmp_path), bind_address="127.0.0.1")
    scp.start()
    idle = _requestor((CT, [EXPLICIT_LE])).associate("127.0.0.1", scp.port)
    stuck = _requestor((CT, [EXPLICIT_LE])).associate("127.0.0.1", scp.port)
    assert idle.is_established and stuck.is_established
    # a P-DATA-TF header announcing 256 bytes that never come: the reader is stuck mid-PDU
    stuck.dul.socket.socket.sendall(b"\x04\x00\x00\x00\x01\x00")
    assert not scp.wait_until_idle(0.2)
    stopper = threading.Thread(target=scp.stop)
    stopper.start()
    stopper.join(20)
    assert not stopper.is_alive()
    idle.join(10)
    assert idle.is_aborted
    assert (
        caplog.messages.count(
            "DIMSE failure (aborting sub-association): "
            "0006:0207 DIMSE No data available (timeout in non-blocking mode)"
        )
        == 2
    )
    stuck.abort()


def test_aborted_transfer_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with running_scp(out) as scp:
        assoc = _requestor((CT, [EXPLICIT_LE])).associate("127.0.0.1", scp.port)
        request = C_STORE()
        request.MessageID = 1
        request.AffectedSOPClassUID = CT
        request.AffectedSOPInstanceUID = "1.2.3"
        request.Priority = 0
        from io import BytesIO

        request.DataSet = BytesIO(DATASET * 2000)
        message = C_STORE_RQ()
        message.primitive_to_message(request)
        context_id = assoc.accepted_contexts[0].context_id
        primitives = list(message.encode_msg(context_id, 4096))
        sock = assoc.dul.socket.socket
        for primitive in primitives[:3]:  # the command and the first data fragments only
            pdu = P_DATA_TF()
            pdu.from_primitive(primitive)
            sock.sendall(pdu.encode())
        assoc.abort()
        assert scp.wait_until_idle(10)
    assert files_in(out) == []


def test_privileged_port_needs_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as an unprivileged user
    with pytest.raises(PrivilegeError, match="cannot listen on port 104, insufficient privileges"):
        StorageSCP(make_config(tmp_path, port=104)).start()


def test_port_in_use_is_network_init_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        scp = StorageSCP(make_config(tmp_path, port=port), bind_address="127.0.0.1")
        with pytest.raises(NetworkInitError) as info:
            scp.start()
    assert info.value.exit_code == 60
    assert info.value.message == (
        "cannot create network: 0006:031c TCP Initialization Error: "
        + os.strerror(errno.EADDRINUSE)
    )


def test_progress_dots_on_stdout_at_info(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    progress = logging.getLogger("movescu.progress")
    old = progress.level
    try:
        with running_scp(tmp_path / "out") as scp:
            progress.setLevel(logging.INFO)
            send_raw("127.0.0.1", scp.port, [RawObject(CT, "1.2.3", EXPLICIT_LE, DATASET)])
            scp.wait_until_idle(10)
    finally:
        progress.setLevel(old)
    assert "RECV: .\n" in capfd.readouterr().out
