"""Real DICOM peers for tests: DCMTK dcmqrscp and storescp, and Orthanc.

Owns starting and stopping external peer processes on 127.0.0.1 with free ports
and generated configurations.  Every peer is a context manager: the process is
started with ``TCP_NODELAY=1`` (DCMTK and Orthanc leave Nagle on otherwise),
startup waits are bounded, and teardown (terminate, then kill) is guaranteed.
Must not touch anything outside the directories it is given.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.tools import dcmtk_tool, orthanc_binary

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 20.0


#: the lowest port free_port hands out
LOWEST_PORT = 10000


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (32768 when it cannot be read)."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _port_slice() -> range:
    """This process's ports: below the ephemeral range, one slice per xdist worker."""
    high = _ephemeral_low()
    if high - LOWEST_PORT < 1000:
        return range(0)  # no room below it: free_port falls back to port 0
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker) if worker.isdigit() else 0
    width = (high - LOWEST_PORT) // max(count, 1)
    start = LOWEST_PORT + width * (index % max(count, 1))
    return range(start, start + width)


_ports: Iterator[int] | None = None


def _next_candidates() -> Iterator[int]:
    ports = _port_slice()
    if not ports:
        return iter(())
    first = random.randrange(len(ports))  # another run on the machine starts elsewhere
    return itertools.cycle([*ports[first:], *ports[:first]])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, taken outside the ephemeral range.

    A port bound and released is free until somebody binds it.  The kernel hands
    the ports of its ephemeral range to every outgoing connection (tests make
    thousands), so a port taken from there is soon some connection's: a peer
    started on it fails with "Address already in use".  Ports below that range
    are only ever taken by a bind; each xdist worker walks its own slice of them.
    """
    global _ports
    if _ports is None:
        _ports = _next_candidates()
    for port in itertools.islice(_ports, 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_accepts(port: int, host: str = LOOPBACK) -> bool:
    """True if a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def peer_environment() -> dict[str, str]:
    """The environment for peer processes: ours plus ``TCP_NODELAY=1``."""
    env = dict(os.environ)
    env["TCP_NODELAY"] = "1"
    return env


@contextmanager
def running_process(
    argv: list[str],
    ready: Callable[[], bool],
    log_path: Path,
    cwd: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``argv``, wait until ``ready()`` (bounded), always stop it on exit."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=peer_environment(), cwd=cwd
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None:
                    output = log_path.read_text(errors="replace")
                    raise RuntimeError(f"{argv[0]} exited with {proc.returncode}: {output}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} not ready after {timeout} s")
                time.sleep(0.05)
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


# --------------------------------------------------------------------------- dcmqrscp


@dataclass
class QRPeer:
    """A running query/retrieve peer: where to reach it and what it holds."""

    ae_title: str
    port: int
    host: str = LOOPBACK
    #: AE title -> port of the move destinations the peer knows
    destinations: dict[str, int] = field(default_factory=dict)
    log_path: Path | None = None
    http_port: int | None = None


@contextmanager
def dcmqrscp(
    workdir: Path,
    files: Iterable[Path],
    destinations: dict[str, int],
    ae_title: str = "QRSCP",
    extra_args: Iterable[str] = (),
) -> Iterator[QRPeer]:
    """Run DCMTK dcmqrscp serving ``files`` (copied and indexed byte-exactly with dcmqridx).

    Parameters
    ----------
    workdir : Path
        Empty directory for the config, storage area and log.
    files : iterable of Path
        DICOM files to serve.
    destinations : dict
        Move destinations ``{ae_title: port}`` on 127.0.0.1 (HostTable entries).
    ae_title : str
        The peer's AE title (its AETable entry accepts ANY calling AE).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    area = workdir / "area"
    area.mkdir()
    copies = []
    for n, src in enumerate(files):
        dst = area / f"in{n:05d}.dcm"
        shutil.copyfile(src, dst)
        copies.append(str(dst))
    if copies:
        subprocess.run(
            [dcmtk_tool("dcmqridx"), str(area), *copies],
            check=True,
            capture_output=True,
            env=peer_environment(),
            timeout=60,
        )
    port = free_port()
    hosts = "\n".join(f"{aet} = ({aet}, {LOOPBACK}, {p})" for aet, p in destinations.items())
    config = workdir / "dcmqrscp.cfg"
    config.write_text(
        f"NetworkTCPPort = {port}\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
        f"HostTable BEGIN\n{hosts}\nHostTable END\n"
        "VendorTable BEGIN\nVendorTable END\n"
        f"AETable BEGIN\n{ae_title} {area} RW (10000, 1024mb) ANY\nAETable END\n"
    )
    log_path = workdir / "dcmqrscp.log"
    argv = [dcmtk_tool("dcmqrscp"), "-dhl", "-c", str(config), *extra_args, str(port)]
    with running_process(argv, lambda: port_accepts(port), log_path):
        yield QRPeer(ae_title, port, destinations=dict(destinations), log_path=log_path)


# --------------------------------------------------------------------------- storescp


@dataclass
class StoragePeer:
    """A running DCMTK storescp: a third-party move destination."""

    ae_title: str
    port: int
    directory: Path

    def received(self) -> list[Path]:
        """Files written so far."""
        return sorted(p for p in self.directory.iterdir() if p.is_file())


@contextmanager
def storescp(workdir: Path, ae_title: str = "STORESCP") -> Iterator[StoragePeer]:
    """Run DCMTK storescp on a free port, writing into ``workdir/received``."""
    received = workdir / "received"
    received.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [dcmtk_tool("storescp"), "-dhl", "-aet", ae_title, "-od", str(received), str(port)]
    with running_process(argv, lambda: port_accepts(port), workdir / "storescp.log"):
        yield StoragePeer(ae_title, port, received)


def wait_for_files(peer: StoragePeer, count: int, timeout: float = 10.0) -> list[Path]:
    """Files of ``peer`` once ``count`` have arrived (or whatever is there at the timeout)."""
    deadline = time.monotonic() + timeout
    while len(peer.received()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return peer.received()


# --------------------------------------------------------------------------- Orthanc


def _http(method: str, url: str, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/dicom")
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


def _orthanc_ready(http_port: int) -> bool:
    try:
        json.loads(_http("GET", f"http://{LOOPBACK}:{http_port}/system"))
        return True
    except (OSError, ValueError):
        return False


@contextmanager
def orthanc(
    workdir: Path,
    files: Iterable[Path],
    modalities: dict[str, int],
    ae_title: str = "ORTHANC",
    dicom_tls: tuple[Path, Path, Path] | None = None,
) -> Iterator[QRPeer]:
    """Run Orthanc with a generated config, loaded via REST ``POST /instances``.

    ``modalities`` maps AE titles to ports on 127.0.0.1: both our calling AE and
    every move destination must be listed (Orthanc refuses unknown AEs).
    ``dicom_tls`` = (certificate, private key, trusted CA certificates), all PEM:
    DICOM TLS for the whole server, client certificates required, and TLS for
    every modality it connects to (``UseDicomTls``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    dicom_port, http_port = free_port(), free_port()
    config = {
        "Name": "movescu-test",
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "index"),
        "Plugins": [],
        "DicomAet": ae_title,
        "DicomPort": dicom_port,
        "HttpPort": http_port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "SaveJobs": False,
        "DicomAlwaysAllowEcho": False,
        "DicomAlwaysAllowFind": False,
        "DicomAlwaysAllowMove": False,
        "DicomAlwaysAllowStore": False,
        "DicomCheckModalityHost": True,
        "DicomCheckCalledAet": False,
        "DicomModalities": {
            aet.lower(): {"AET": aet, "Host": LOOPBACK, "Port": p} for aet, p in modalities.items()
        },
    }
    if dicom_tls is not None:
        certificate, key, trusted = dicom_tls
        config.update(
            DicomTlsEnabled=True,
            DicomTlsCertificate=str(certificate),
            DicomTlsPrivateKey=str(key),
            DicomTlsTrustedCertificates=str(trusted),
            DicomTlsRemoteCertificateRequired=True,
        )
        for modality in config["DicomModalities"].values():  # type: ignore[attr-defined]
            modality["UseDicomTls"] = True
    path = workdir / "orthanc.json"
    path.write_text(json.dumps(config, indent=1))
    argv = [orthanc_binary(), str(path)]
    with running_process(
        argv, lambda: _orthanc_ready(http_port), workdir / "orthanc.log", cwd=workdir, timeout=60
    ):
        for file in files:
            _http("POST", f"http://{LOOPBACK}:{http_port}/instances", Path(file).read_bytes())
        yield QRPeer(
            ae_title,
            dicom_port,
            destinations=dict(modalities),
            log_path=workdir / "orthanc.log",
            http_port=http_port,
        )
