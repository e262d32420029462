"""Writing received objects to the output directory: the only code that creates files.

Owns atomic writes: every object is written under a temporary name inside the
output directory (same filesystem), given DCMTK's file mode (0666 & ~umask)
and renamed onto its final name only when complete, so a failed or aborted
object never leaves a file (DCMTK 3.6.2+ deletes partial files; we never
create them).  No fsync: DCMTK does not sync either, and a crash leaves at most
a hidden ``.movescu-*`` temporary file.  Must not encode DICOM: it writes the
chunks :mod:`movescu.output.encoding` produces.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from movescu.logblock import block_aware_logger

logger = block_aware_logger(__name__)

#: prefix of our temporary files inside the output directory
TEMP_PREFIX = ".movescu-"
_COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileRange:
    """``length`` bytes of the file ``path`` starting at ``offset`` (copied, never loaded)."""

    path: str
    offset: int
    length: int

    def blocks(self, size: int) -> Iterator[bytes]:
        """The range's bytes in blocks of at most ``size``; OSError if the file is shorter."""
        with open(self.path, "rb") as src:
            src.seek(self.offset)
            remaining = self.length
            while remaining > 0:
                block = src.read(min(size, remaining))
                if not block:
                    raise OSError(f"unexpected end of {self.path}")
                remaining -= len(block)
                yield block


Chunk = bytes | bytearray | memoryview | FileRange


class WriteError(OSError):
    """The object could not be written (DCMTK: ``cannot write DICOM file``)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _read_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            match = re.search(r"^Umask:\s*([0-7]+)", status.read(), re.MULTILINE)
        if match:
            return int(match.group(1), 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # read-and-restore: racy only before threads exist
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_read_umask()


def _copy_range(dst_fd: int, chunk: FileRange) -> None:
    for block in chunk.blocks(_COPY_BLOCK):
        _write_all(dst_fd, block)


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data).cast("B")
    while view:
        written = os.write(fd, view[:_COPY_BLOCK])
        view = view[written:]


def output_path(directory: Path, name: str) -> Path:
    """The path of ``name`` inside ``directory`` (``-od .`` yields the bare name).

    Parameters
    ----------
    directory : Path
        The ``-od`` directory.
    name : str
        A sanitised file name.

    Returns
    -------
    Path
        The target path.
    """
    return Path(name) if str(directory) in ("", ".") else directory / name


def write_object(
    target: Path, chunks: Iterable[Chunk], *, warn_existing: bool = True, mode: int | None = None
) -> int:
    """Write ``chunks`` to ``target`` atomically.

    Parameters
    ----------
    target : Path
        Final path; its directory receives the temporary file.
    chunks : iterable of bytes or FileRange
        The file content in order (may be a generator: nothing is held in memory).
    warn_existing : bool
        Log DCMTK's ``DICOM file already exists, overwriting`` warning (normal mode).
    mode : int, optional
        The file's permission bits (default DCMTK's 0666 less the umask).

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    WriteError
        On any failure; the temporary file is removed and ``target`` untouched.
    """
    directory = target.parent
    if warn_existing and os.path.lexists(target):
        logger.warning("DICOM file already exists, overwriting: %s", target)
    try:
        fd, temp = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=".part")
    except OSError as exc:
        raise WriteError(target, exc.strerror or str(exc)) from exc
    total = 0
    try:
        try:
            for chunk in chunks:
                if isinstance(chunk, FileRange):
                    _copy_range(fd, chunk)
                    total += chunk.length
                else:
                    _write_all(fd, chunk)
                    total += len(chunk)
            os.fchmod(fd, _FILE_MODE if mode is None else mode)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(target, exc.strerror or str(exc)) from exc
        raise
    return total


def file_matches(path: str, chunks: Iterable[Chunk]) -> bool:
    """True when ``chunks`` are exactly the content of the file ``path``.

    A :class:`FileRange` matches only if it is the same region of ``path``
    itself (never read); byte chunks are compared with the file, batched
    between ranges.  Stops at the first difference.

    Parameters
    ----------
    path : str
        A complete file (e.g. pynetdicom's receive spool file).
    chunks : iterable of bytes or FileRange
        A would-be output file.

    Returns
    -------
    bool
        Whether writing ``chunks`` would reproduce ``path`` byte for byte.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        size = os.fstat(fd).st_size
        pos = 0
        pending = bytearray()

        def pending_matches() -> bool:
            if not pending:
                return True
            same = os.pread(fd, len(pending), pos - len(pending)) == pending
            pending.clear()
            return same

        for chunk in chunks:
            if isinstance(chunk, FileRange):
                if not pending_matches() or chunk.path != path or chunk.offset != pos:
                    return False
                pos += chunk.length
            else:
                pending += chunk
                pos += len(chunk)
                if len(pending) >= _COPY_BLOCK and not pending_matches():
                    return False
            if pos > size:
                return False
        return pending_matches() and pos == size
    except OSError:
        return False
    finally:
        os.close(fd)


def adopt_file(source: str, target: Path, *, warn_existing: bool = True) -> int | None:
    """Make the complete file ``source`` the output file ``target`` by renaming it.

    Used when the received spool file already holds the exact output bytes
    (:func:`file_matches`): no second copy is written.  The file gets DCMTK's
    mode, as :func:`write_object` gives it.

    Parameters
    ----------
    source : str
        The complete file, in a directory of its own choosing.
    target : Path
        Final path.
    warn_existing : bool
        Log DCMTK's ``DICOM file already exists, overwriting`` warning (normal mode).

    Returns
    -------
    int or None
        Bytes in the file; None when ``source`` is on another file system
        (nothing changed: write a copy instead, without warning again).

    Raises
    ------
    WriteError
        The rename failed for another reason; ``target`` is untouched.
    """
    if warn_existing and os.path.lexists(target):
        logger.warning("DICOM file already exists, overwriting: %s", target)
    try:
        size = os.stat(source).st_size
        os.chmod(source, _FILE_MODE)
        os.replace(source, target)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            return None
        raise WriteError(target, exc.strerror or str(exc)) from exc
    return size


@contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    """A private temporary directory, removed with everything in it at the end.

    Parameters
    ----------
    prefix : str
        Start of the directory's name (in the system's temporary directory).

    Yields
    ------
    Path
        The directory (mode 0700).
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        yield Path(scratch)


def creation_refused(directory: Path) -> str | None:
    """Why no file can be created in ``directory`` (None: it can), by trying it.

    A probe file with a hidden name is created and removed at once: permission
    bits alone do not tell (root, read-only mounts, ACLs).

    Parameters
    ----------
    directory : Path
        Where a file is about to be written.

    Returns
    -------
    str or None
        The system's text for the problem (``No such file or directory``, ...).
    """
    try:
        handle, probe = tempfile.mkstemp(prefix=".movescu-probe-", dir=directory)
    except OSError as error:
        return error.strerror or str(error)
    os.close(handle)
    os.unlink(probe)
    return None


def remove_quietly(path: str | Path) -> None:
    """Remove a leftover temporary file, ignoring errors.

    Parameters
    ----------
    path : str or Path
        File to remove.
    """
    try:
        os.unlink(path)
    except OSError:
        pass
