"""storescp's study sorting and event commands for the objects movescu receives (issue 15).

Owns, for the options of :class:`movescu.config.FilingOptions`: the path of each
received object (study subdirectory + ``-uf``/``+uf``/``-tn``/``-fe`` name), the
tracking of open studies and their end (an object of another study, ``-tos``
seconds without objects, or the end of the C-MOVE that brought them), ``-rns``
renaming and the only code that runs commands (``-xcr``/``-xcs`` through
``/bin/sh -c``, in the background unless ``-xs``).  Placeholder values are
quoted by :func:`movescu.output.naming.expand_command`; nothing here uses
``shell=True``.  Must not touch the network: the Storage SCP hands it the peer's
names (:class:`Peer`) and the association objects only to ask whether they are
still alive.

Concurrent sub-associations: storescp ends a study when the next object belongs
to another study.  Here an open study ends that way only when every association
that delivered it is the current one or has ended, so parallel sub-associations
do not end each other's studies.  Commands run after the file is complete
(atomic writes); a failing command or rename is logged and never removes a file.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from movescu.config import FilingOptions, StudySorting
from movescu.logblock import block_aware_logger
from movescu.output import naming
from movescu.output.dataset import Element

logger = block_aware_logger(__name__)

_SHELL = "/bin/sh"


class StudyError(Exception):
    """The object cannot be placed (no Study Instance UID, directory not created): 0xC000."""


class _Alive(Protocol):
    def is_alive(self) -> bool: ...


@dataclass(frozen=True)
class Peer:
    """The association's values for ``#a``, ``#c`` and ``#r``."""

    calling_ae_title: str
    called_ae_title: str
    host: str


@dataclass
class _Study:
    directory: Path
    peer: Peer
    files: list[str] = field(default_factory=list)
    associations: list[_Alive] = field(default_factory=list)


class StudyFiling:
    """Paths, study tracking and commands of one run's Storage SCP.

    Parameters
    ----------
    options : FilingOptions
        The ``-ss``/``-su``/``-sp``, ``-uf``/``+uf``, ``-tn``, ``-fe``, ``-xcr``,
        ``-xcs``, ``-rns``, ``-tos`` and ``-xs`` settings.
    directory : Path
        The ``-od`` directory.
    clock : callable, optional
        Current local time (tests).
    """

    def __init__(
        self,
        options: FilingOptions,
        directory: Path,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.options = options
        self.directory = directory
        self._clock = clock
        self._lock = threading.Lock()
        self._studies: dict[str, _Study] = {}
        self._last_time_name = ""
        self._time_serial: int | None = None
        self._time_stamp = ""
        self._time_issued: set[str] = set()
        self._timer: threading.Timer | None = None
        self._closed = False

    # ------------------------------------------------------------------ naming

    def path_for(
        self,
        sop_class_uid: str,
        sop_instance_uid: str,
        study_uid: str | None,
        patient_name: str,
        association: _Alive,
        peer: Peer,
    ) -> Path:
        """The output path of one object; opens (and creates) its study directory.

        Raises
        ------
        StudyError
            Sorting without a Study Instance UID, or the directory cannot be created.
        """
        with self._lock:
            directory = self.directory
            if self.options.sorting is not StudySorting.NONE:
                if not study_uid:
                    logger.error(
                        "element StudyInstanceUID (0020,000d) absent or empty in data set"
                    )
                    raise StudyError(study_uid)
                study = self._studies.get(study_uid) or self._open(study_uid, patient_name, peer)
                if association not in study.associations:
                    study.associations.append(association)
                directory = study.directory
            name = self._file_name(sop_class_uid, sop_instance_uid)
        return directory / name if str(directory) not in ("", ".") else Path(name)

    def _open(self, study_uid: str, patient_name: str, peer: Peer) -> _Study:
        options = self.options
        name = naming.study_directory_name(
            options.sorting, options.sort_prefix, study_uid, patient_name, self._clock()
        )
        directory = self.directory / name if str(self.directory) not in ("", ".") else Path(name)
        if directory.is_dir():
            logger.warning("subdirectory for study already exists: %s", directory)
        else:
            logger.info("creating new subdirectory for study: %s", directory)
            try:
                directory.mkdir()
            except OSError:
                logger.error("could not create subdirectory for study: %s", directory)
                raise StudyError(study_uid) from None
            self._time_serial = None
        study = _Study(directory, peer)
        self._studies[study_uid] = study
        return study

    def _file_name(self, sop_class_uid: str, sop_instance_uid: str) -> str:
        options = self.options
        if options.unique_names:
            from pydicom.uid import generate_uid

            return naming.unique_file_name(sop_class_uid, generate_uid(), options.extension)
        if options.time_names:
            now = self._clock()
            serial = self._time_serial
            # storescp compares with the last name it made: same millisecond -> serial
            if naming.time_file_name(sop_class_uid, now, serial, options.extension) == (
                self._last_time_name
            ):
                serial = 0 if serial is None else serial + 1
            else:
                serial = None
            name = naming.time_file_name(sop_class_uid, now, serial, options.extension)
            # ours: never the same name twice in one millisecond (CT, MR, CT would
            # give storescp two "<stamp>.CT" files, the second replacing the first)
            stamp = name.split(".", 1)[0][:17]
            if stamp != self._time_stamp:
                self._time_stamp, self._time_issued = stamp, set()
            while name in self._time_issued:
                serial = 0 if serial is None else serial + 1
                name = naming.time_file_name(sop_class_uid, now, serial, options.extension)
            self._time_issued.add(name)
            self._time_serial = serial
            self._last_time_name = name
            return name
        return naming.object_file_name(sop_class_uid, sop_instance_uid) + options.extension

    # ------------------------------------------------------------------ events

    def stored(
        self, path: Path | None, study_uid: str | None, association: _Alive, peer: Peer
    ) -> None:
        """One object was stored at ``path`` (None: ``--ignore``): run the events.

        ``-xcr`` first, then the end of every other open study that no living
        association of another peer still delivers (storescp's order).
        """
        ended: list[_Study] = []
        directory = self.directory
        with self._lock:
            study = self._studies.get(study_uid or "") if path is not None else None
            if study is not None and path is not None:
                study.files.append(path.name)
                study.peer = peer
                directory = study.directory
                for uid, other in list(self._studies.items()):
                    if other is not study and _finished(other, association):
                        ended.append(self._studies.pop(uid))
            self._restart_timer()
        if self.options.exec_on_reception is not None:
            values = _peer_values(peer)
            if path is not None:
                values.update({"#p": str(directory), "#f": path.name})
            self._run(self.options.exec_on_reception, values)
        for other in ended:
            self._end(other)

    def end_of_move(self) -> None:
        """The C-MOVE that brought the open studies ended: end those nobody still delivers."""
        self._end_finished()

    def close(self) -> None:
        """Stop the ``-tos`` timer (open studies stay as they are, as in storescp)."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _end_finished(self) -> None:
        with self._lock:
            ended = [
                self._studies.pop(uid)
                for uid, study in list(self._studies.items())
                if _finished(study, None)
            ]
        for study in ended:
            self._end(study)

    def _restart_timer(self) -> None:
        seconds = self.options.eostudy_timeout
        if seconds is None or self._closed:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(seconds, self._end_finished)
        self._timer.daemon = True
        self._timer.start()

    def _end(self, study: _Study) -> None:
        if self.options.rename_on_eostudy:
            for counter, name in enumerate(study.files, start=1):
                old = study.directory / name
                new = study.directory / naming.renamed_file_name(
                    name, counter, self.options.time_names
                )
                try:
                    # link + unlink: unlike storescp's rename(), never replaces a file
                    os.link(old, new)
                    os.unlink(old)
                except OSError:
                    logger.warning("cannot rename file '%s' to '%s'", old, new)
        if self.options.exec_on_eostudy is not None:
            values = _peer_values(study.peer)
            values["#p"] = str(study.directory)
            self._run(self.options.exec_on_eostudy, values)

    def _run(self, template: str, values: dict[str, str]) -> None:
        command = naming.expand_command(template, values)
        try:
            process = subprocess.Popen([_SHELL, "-c", command])  # noqa: S603
        except OSError:
            logger.error("cannot execute command '%s' (fork failed)", command)
            return
        if self.options.exec_sync:
            _report_exit(command, process.wait())
        else:
            waiter = threading.Thread(
                target=lambda: _report_exit(command, process.wait()),
                name="movescu-command",
                daemon=True,
            )
            waiter.start()


def _finished(study: _Study, current: _Alive | None) -> bool:
    """True when no association other than ``current`` may still deliver ``study``."""
    return all(a is current or not a.is_alive() for a in study.associations)


def _peer_values(peer: Peer) -> dict[str, str]:
    return {"#a": peer.calling_ae_title, "#c": peer.called_ae_title, "#r": peer.host}


def _report_exit(command: str, status: int) -> None:
    # storescp does not look at the exit status; ours is logged, the files stay
    if status != 0:
        logger.warning("command '%s' failed with exit status %d", command, status)


class Placement:
    """The naming and events of one received object (the ``namer`` of ``store_object``).

    Parameters
    ----------
    filing : StudyFiling
        The run's filing.
    sop_class_uid, sop_instance_uid : str
        From the C-STORE request.
    association : object
        The sub-association (only asked ``is_alive()``).
    peer : Peer
        Its ``#a``/``#c``/``#r`` values.
    """

    def __init__(
        self,
        filing: StudyFiling,
        sop_class_uid: str,
        sop_instance_uid: str,
        association: _Alive,
        peer: Peer,
    ) -> None:
        self.filing = filing
        self.sop_class_uid = sop_class_uid
        self.sop_instance_uid = sop_instance_uid
        self.association = association
        self.peer = peer
        self.study_uid: str | None = None

    def __call__(self, elements: list[Element] | None) -> Path:
        patient_name = ""
        if elements is not None:
            self.study_uid = _top_level_text(elements, _STUDY_INSTANCE_UID)
            patient_name = _top_level_text(elements, _PATIENT_NAME) or ""
            # findAndGetOFString: the first value of a multi-valued element
            patient_name = patient_name.split("\\")[0]
        return self.filing.path_for(
            self.sop_class_uid,
            self.sop_instance_uid,
            self.study_uid,
            patient_name,
            self.association,
            self.peer,
        )

    def stored(self, path: Path | None, ignored: bool) -> None:
        """After the C-STORE: events for a written file, or ``-xcr`` alone with ``--ignore``."""
        if path is not None or ignored:
            self.filing.stored(path, self.study_uid, self.association, self.peer)


_STUDY_INSTANCE_UID = 0x0020000D
_PATIENT_NAME = 0x00100010


def _top_level_text(elements: list[Element], tag: int) -> str | None:
    for element in elements:
        if element.tag == tag and element.value.data is not None:
            text = element.value.data.decode("latin-1")
            return text.strip(" \0")
    return None
