"""In-process Move SCPs that misbehave on purpose, scripted per test.

Owns a pynetdicom acceptor on 127.0.0.1 whose C-MOVE handling is a plain
Python function (the *script*) that sends whatever responses a test needs:
pending responses with or without data sets or status detail, any final status
with counters, identifiers and ErrorComment, wrong message IDs, silence, an
A-ABORT or an A-RELEASE request in the middle of a move, and real C-STORE
sub-operations to a destination.  It also records every request it received so
tests can check what our SCU sent.

pynetdicom's own C-MOVE service always adds responses of its own, so the fake
replaces the Query/Retrieve service class for the Move models *of fake AEs
only* (other acceptors in the process keep pynetdicom's class).
"""

from __future__ import annotations

import socketserver
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import AE, association, evt
from pynetdicom.dimse_primitives import C_MOVE
from pynetdicom.dsutils import decode, encode
from pynetdicom.service_class import QueryRetrieveServiceClass

from tests.support.peers import LOOPBACK, free_port

MOVE_MODELS = {
    "patient": "1.2.840.10008.5.1.4.1.2.1.2",
    "study": "1.2.840.10008.5.1.4.1.2.2.2",
    "psonly": "1.2.840.10008.5.1.4.1.2.3.2",
}
FIND_MODELS = {
    "patient": "1.2.840.10008.5.1.4.1.2.1.1",
    "study": "1.2.840.10008.5.1.4.1.2.2.1",
    "psonly": "1.2.840.10008.5.1.4.1.2.3.1",
}
UNCOMPRESSED = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"]


@dataclass
class MoveRequest:
    """What the fake received: one C-MOVE-RQ."""

    message_id: int
    priority: int
    move_destination: str
    affected_sop_class: str
    context_id: int
    identifier: Dataset
    calling_ae: str
    called_ae: str
    #: the identifier's bytes as received, and the context's transfer syntax UID
    raw_identifier: bytes = b""
    transfer_syntax: str = ""


class MoveContext:
    """Handed to a script: send responses for one C-MOVE request."""

    def __init__(self, service: _ScriptedMoveService, req: C_MOVE, context_id: int) -> None:
        self._service = service
        self.assoc = service.assoc
        self.request = req
        self.context_id = context_id
        self.message_id = int(req.MessageID or 0)
        self.fake: FakeQR = _FAKES[self.assoc.ae]

    def respond(
        self,
        status: int,
        *,
        remaining: int | None = None,
        completed: int | None = None,
        failed: int | None = None,
        warning: int | None = None,
        dataset: Dataset | None = None,
        error_comment: str | None = None,
        message_id: int | None = None,
    ) -> None:
        """Send one C-MOVE-RSP (a data set makes CommandDataSetType non-NULL)."""
        rsp = C_MOVE()
        rsp.MessageIDBeingRespondedTo = self.message_id if message_id is None else message_id
        rsp.AffectedSOPClassUID = self.request.AffectedSOPClassUID
        rsp.Status = status
        rsp.NumberOfRemainingSuboperations = remaining
        rsp.NumberOfCompletedSuboperations = completed
        rsp.NumberOfFailedSuboperations = failed
        rsp.NumberOfWarningSuboperations = warning
        if error_comment is not None:
            rsp.ErrorComment = error_comment
        if dataset is not None:
            rsp.Identifier = BytesIO(encode(dataset, False, True))
        self._service.dimse.send_msg(rsp, self.context_id)

    def pending(self, remaining: int, completed: int, **kwargs: Any) -> None:
        self.respond(
            0xFF00, remaining=remaining, completed=completed, failed=0, warning=0, **kwargs
        )

    @property
    def cancelled(self) -> bool:
        """True once a C-CANCEL for this request arrived."""
        return self.message_id in self._service.dimse.cancel_req

    def wait(self, seconds: float) -> None:
        """Stay silent for ``seconds`` (bounded; returns early when the association ends)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.assoc.is_established:
            time.sleep(0.02)

    def abort(self) -> None:
        """Send A-ABORT now (without waiting for the reactor)."""
        self.assoc._abort_nonblocking()

    def request_release(self) -> None:
        """Send an A-RELEASE-RQ as the acceptor (a protocol violation during a move)."""
        from pynetdicom.pdu_primitives import A_RELEASE

        primitive = A_RELEASE()
        self.assoc.dul.send_pdu(primitive)

    def store(
        self,
        files: Iterable[Path | Dataset],
        ae_title: str | None = None,
        *,
        delay: float = 0.0,
        connected: threading.Event | None = None,
        hold: float = 0.0,
        drop_after: int | None = None,
    ) -> list[int]:
        """C-STORE ``files`` to the move destination (looked up in ``fake.destinations``).

        ``connected`` is set once the store association is up; ``delay`` seconds
        pass before each C-STORE; the association stays open ``hold`` seconds
        after the last one (or until the destination aborts it); ``drop_after``
        objects, the sub-association is aborted (a Move SCP failing half-way).
        Returns the C-STORE statuses (0xFFFF for a store that could not be sent).
        """
        destination = str(self.request.MoveDestination).strip()
        port = self.fake.destinations[destination]
        datasets = [f if isinstance(f, Dataset) else dcmread(f) for f in files]
        ae = AE(ae_title=ae_title or self.fake.ae_title)
        for uid in sorted({str(ds.SOPClassUID) for ds in datasets}):
            ae.add_requested_context(uid, UNCOMPRESSED)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 20
        assoc = ae.associate(self.fake.host, port, ae_title=destination)
        results: list[int] = []
        if connected is not None:
            connected.set()
        if not assoc.is_established:
            return [0xFFFF] * len(datasets)
        try:
            for n, ds in enumerate(datasets, 1):
                if drop_after is not None and n > drop_after:
                    assoc.abort()
                    results += [0xFFFF] * (len(datasets) - drop_after)
                    break
                time.sleep(delay)
                status = assoc.send_c_store(
                    ds,
                    msg_id=n,
                    originator_aet=self.assoc.requestor.ae_title,
                    originator_id=self.message_id,
                )
                results.append(int(status.get("Status", 0xFFFF)))
            deadline = time.monotonic() + hold
            while assoc.is_established and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            if assoc.is_established:
                assoc.release()
        return results


Script = Callable[[MoveContext], None]


@dataclass
class AssociationRecord:
    """What the requestor of one association asked for."""

    calling_ae: str
    called_ae: str
    #: (context ID, abstract syntax, proposed transfer syntaxes)
    contexts: list[tuple[int, str, list[str]]]
    implementation_class_uid: str
    implementation_version_name: str
    max_pdu: int


@dataclass
class FakeQR:
    """A running fake: where to reach it and what it received."""

    ae_title: str
    port: int
    script: Script
    destinations: dict[str, int] = field(default_factory=dict)
    requests: list[MoveRequest] = field(default_factory=list)
    associations: list[AssociationRecord] = field(default_factory=list)
    #: Called AE Title of each A-ASSOCIATE-RQ as received
    called_titles: list[str] = field(default_factory=list)
    #: PDU types received after association (5 = A-RELEASE-RQ, 7 = A-ABORT)
    closing_pdus: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    #: the loopback address it listens on and stores to (``::1`` for IPv6 tests)
    host: str = LOOPBACK


_FAKES: weakref.WeakKeyDictionary[AE, FakeQR] = weakref.WeakKeyDictionary()


class _ScriptedMoveService(QueryRetrieveServiceClass):  # type: ignore[misc]
    """Serves C-MOVE requests of a fake AE by running its script."""

    def SCP(self, req: Any, context: Any) -> None:  # noqa: N802 - pynetdicom's name
        if not isinstance(req, C_MOVE):
            return super().SCP(req, context)  # type: ignore[no-any-return]
        fake = _FAKES[self.assoc.ae]
        ts = context.transfer_syntax[0]
        req.Identifier.seek(0)
        identifier = decode(req.Identifier, ts.is_implicit_VR, ts.is_little_endian)
        fake.requests.append(
            MoveRequest(
                int(req.MessageID),
                int(req.Priority),
                str(req.MoveDestination),
                str(req.AffectedSOPClassUID),
                int(context.context_id),
                identifier,
                self.assoc.requestor.ae_title,
                self.assoc.acceptor.ae_title,
                req.Identifier.getvalue(),
                str(ts),
            )
        )
        try:
            fake.script(MoveContext(self, req, int(context.context_id)))
        finally:
            fake.done.set()


_original_uid_to_service_class = association.uid_to_service_class


def _uid_to_service_class(uid: str) -> Any:
    cls = _original_uid_to_service_class(uid)
    if uid in MOVE_MODELS.values():
        return _ServiceSelector
    return cls


class _ServiceSelector:
    """Chooses the scripted service for fake AEs, pynetdicom's otherwise."""

    def __new__(cls, assoc: Any) -> Any:  # noqa: D102
        if assoc.ae in _FAKES:
            return _ScriptedMoveService(assoc)
        return QueryRetrieveServiceClass(assoc)


association.uid_to_service_class = _uid_to_service_class


@contextmanager
def fake_qr(
    script: Script,
    *,
    ae_title: str = "FAKEQR",
    destinations: dict[str, int] | None = None,
    models: Iterable[str] = ("patient", "study", "psonly"),
    find_only: bool = False,
    require_called_aet: bool = False,
    max_pdu: int = 16384,
    host: str = LOOPBACK,
    transfer_syntaxes: Iterable[str] = UNCOMPRESSED,
) -> Iterator[FakeQR]:
    """Run a fake Move SCP on a free loopback port; always shut it down.

    Parameters
    ----------
    script : callable
        Called with a :class:`MoveContext` for each C-MOVE request.
    ae_title : str
        The fake's AE title (checked only with ``require_called_aet``: the
        association is then rejected, reason "Called AE Title Not Recognized").
    destinations : dict
        Move destinations ``{ae_title: port}`` used by :meth:`MoveContext.store`.
    models : iterable of str
        Which information models to accept (``patient``/``study``/``psonly``).
    find_only : bool
        Accept only the FIND contexts (the move context is refused).
    host : str
        Loopback address to listen on and to store to (``::1``: IPv6).
    transfer_syntaxes : iterable of str
        What the query/retrieve contexts accept, the preferred one first.
    """
    ae = AE(ae_title=ae_title)
    ae.require_called_aet = require_called_aet
    ae.maximum_pdu_size = max_pdu
    ae.acse_timeout = 20
    ae.dimse_timeout = None
    ae.network_timeout = None
    syntaxes = list(transfer_syntaxes)
    for model in models:
        ae.add_supported_context(FIND_MODELS[model], syntaxes)
        if not find_only:
            ae.add_supported_context(MOVE_MODELS[model], syntaxes)
    if not list(models):
        ae.add_supported_context("1.2.840.10008.1.1", UNCOMPRESSED)
    port = free_port()
    fake = FakeQR(ae_title, port, script, dict(destinations or {}), host=host)
    _FAKES[ae] = fake

    def on_requested(event: Any) -> None:
        rq = event.assoc.requestor
        fake.associations.append(
            AssociationRecord(
                rq.ae_title,
                event.assoc.acceptor.ae_title,
                [
                    (cx.context_id, str(cx.abstract_syntax), [str(t) for t in cx.transfer_syntax])
                    for cx in rq.requested_contexts
                ],
                str(rq.implementation_class_uid),
                str(rq.implementation_version_name),
                int(rq.maximum_length or 0),
            )
        )

    def on_pdu(event: Any) -> None:
        name = type(event.pdu).__name__
        if name == "A_ASSOCIATE_RQ":
            fake.called_titles.append(str(event.pdu.called_ae_title).rstrip())
        if name in ("A_RELEASE_RQ", "A_ABORT_RQ"):
            fake.closing_pdus.append(name)

    server = ae.make_server(
        (host, port),
        evt_handlers=[(evt.EVT_ACCEPTED, on_requested), (evt.EVT_PDU_RECV, on_pdu)],
    )
    # our own serving thread with a short poll interval: shutdown takes 50 ms, not 500
    serving = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    serving.start()
    try:
        yield fake
    finally:
        # BaseServer's shutdown: pynetdicom's also unregisters from ae._servers,
        # where only start_server() registers
        socketserver.BaseServer.shutdown(server)
        for assoc in list(server.active_associations):
            assoc.abort()
        server.server_close()
        serving.join(5)


# --------------------------------------------------------------------------- ready-made scripts


def succeed(count: int = 2) -> Script:
    """``count`` pending responses, then Success."""

    def script(ctx: MoveContext) -> None:
        for k in range(1, count + 1):
            ctx.pending(count - k, k)
        ctx.respond(0x0000, completed=count, failed=0, warning=0)

    return script


def final_status(
    status: int, error_comment: str | None = None, identifier: Dataset | None = None
) -> Script:
    """One pending response, then the final ``status``."""

    def script(ctx: MoveContext) -> None:
        ctx.pending(1, 0)
        ctx.respond(
            status,
            completed=0,
            failed=1,
            warning=0,
            error_comment=error_comment,
            dataset=identifier,
        )

    return script
