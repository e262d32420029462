"""Every process-wide change movescu makes to pynetdicom and pydicom, with its undo.

Owns :func:`install`: pynetdicom's ``_config`` flags and ``VALIDATORS``, its
library logger kept out of our output, pydicom's validation modes, the
Storage SCP's storage SOP classes registered with ``register_uid`` and the
names of ``pynetdicom.dimse_messages`` that make its chunked receive write
into our receiver (:class:`movescu.output.receive.Receiver`: the spool file
inside ``-od``, our file meta header).  :func:`install` returns an undo that
puts back exactly what was there (attributes that did not exist are deleted
again), so a program embedding movescu finds pynetdicom and pydicom as it
left them.  Each name is read directly: a pynetdicom release without one
raises ``AttributeError`` at install, never a setting silently not applied.

Installs nest: undo in the reverse order (the C-MOVE SCU's before the
Storage SCP's, as :mod:`movescu.retrieve` ends them).  Must not start or
stop anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from movescu.config import Config
from movescu.dicom.sop_classes import STORAGE_SOP_CLASSES

if TYPE_CHECKING:
    from movescu.output.receive import Receiver

#: returned by :func:`install`: restores what it changed
Undo = Callable[[], None]

_MISSING = object()


class _Slot:
    """One process-wide value that several installs may hold at the same time.

    The value of the newest install still in place applies; when the last one
    is undone, the value from before the first comes back.  So two Storage
    SCPs of one process may stop in any order.
    """

    def __init__(self, read: Callable[[], Any], write: Callable[[Any], None]) -> None:
        self.original = read()
        self.write = write
        self.layers: list[tuple[object, Any]] = []


#: (owner id, name) -> its slot, while any install holds it
_slots: dict[tuple[int, str], _Slot] = {}
_slots_lock = threading.Lock()


class _Changes:
    """What one :func:`install` holds; :meth:`undo` lets go of all of it."""

    def __init__(self) -> None:
        self._held: list[tuple[tuple[int, str], object]] = []

    def _hold(
        self,
        key: tuple[int, str],
        read: Callable[[], Any],
        write: Callable[[Any], None],
        value: Any,
    ) -> None:
        token = object()
        with _slots_lock:
            slot = _slots.get(key)
            if slot is None:
                slot = _slots[key] = _Slot(read, write)
            slot.layers.append((token, value))
            write(value)
        self._held.append((key, token))

    def set_attribute(self, owner: Any, name: str, value: Any) -> None:
        """``owner.name = value``; the name must exist (see the module docstring)."""

        def read() -> Any:
            return getattr(owner, name)

        def write(new: Any) -> None:
            setattr(owner, name, new)

        self._hold((id(owner), name), read, write, value)

    def set_item(self, mapping: Any, key: str, value: Any) -> None:
        """``mapping[key] = value``; a key that was absent is deleted again."""

        def read() -> Any:
            return mapping.get(key, _MISSING)

        def write(new: Any) -> None:
            if new is _MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = new

        self._hold((id(mapping), f"[{key}]"), read, write, value)

    def hold(
        self, key: tuple[int, str], read: Callable[[], Any], write: Callable[[Any], None]
    ) -> None:
        """A value of our own kind: ``read()`` saves it, ``write(x)`` applies or restores."""
        self._hold(key, read, write, True)

    def undo(self) -> None:
        with _slots_lock:
            while self._held:
                key, token = self._held.pop()
                slot = _slots[key]
                slot.layers = [layer for layer in slot.layers if layer[0] is not token]
                if slot.layers:
                    slot.write(slot.layers[-1][1])
                else:
                    slot.write(slot.original)
                    del _slots[key]


def install(config: Config, receiver: Receiver | None = None) -> Undo:
    """Apply the settings a run needs; return the undo.

    Parameters
    ----------
    config : Config
        The run's configuration.
    receiver : Receiver, optional
        Given by the Storage SCP: its receiver gets pynetdicom's spool files,
        and the storage settings are applied too (chunked receive, no
        unrestricted storage, any UID length, DCMTK's storage SOP classes).
        Without it, the C-MOVE SCU's: DCMTK's lenient AE titles.

    Returns
    -------
    callable
        Restores every value changed, in reverse order; call it once.
    """
    changes = _Changes()
    try:
        _quiet_libraries(changes)
        if receiver is None:
            _relax_ae_titles(changes)
        else:
            _storage_settings(changes)
            _register_storage_sop_classes(changes)
            _spool_into(changes, receiver)
    except BaseException:
        changes.undo()
        raise
    return changes.undo


def quiet_libraries() -> Undo:
    """Only the library quieting of :func:`install` (pynetdicom logs, pydicom validation)."""
    changes = _Changes()
    _quiet_libraries(changes)
    return changes.undo


@contextmanager
def installed(config: Config, receiver: Receiver | None = None) -> Iterator[None]:
    """:func:`install` for the duration of a ``with`` block."""
    undo = install(config, receiver)
    try:
        yield
    finally:
        undo()


def _quiet_libraries(changes: _Changes) -> None:
    """No standard DEBUG handlers or identifier dumps of pynetdicom; pydicom reads and
    writes invalid values as given (DCMTK stores ``-k`` values unchecked)."""
    import pydicom.config
    from pynetdicom import _config

    changes.set_attribute(_config, "LOG_HANDLER_LEVEL", "none")
    changes.set_attribute(_config, "LOG_REQUEST_IDENTIFIERS", False)
    changes.set_attribute(_config, "LOG_RESPONSE_IDENTIFIERS", False)
    settings = pydicom.config.settings
    # the private fields: the public properties answer a default for None
    for name in ("_reading_validation_mode", "_writing_validation_mode"):
        changes.set_attribute(settings, name, pydicom.config.IGNORE)
    # DCMTK-worded lines come from our loggers; without movescu.logconfig's set-up
    # (library use, tests) pynetdicom's records stop at its own logger
    library_logger = logging.getLogger("pynetdicom")
    if library_logger.level == logging.NOTSET:
        changes.set_attribute(library_logger, "propagate", False)


def _relax_ae_titles(changes: _Changes) -> None:
    """Accept every ASCII AE title of up to 16 characters, as DCMTK does (empty, spaces,
    backslashes): pynetdicom's ``VALIDATORS["AE"]`` would raise for them."""
    from pynetdicom import _config

    changes.set_item(_config.VALIDATORS, "AE", _validate_ae_title)


def _validate_ae_title(value: Any) -> tuple[bool, str]:
    if not isinstance(value, str) or len(value) > 16:
        return False, "must be a str of at most 16 characters"
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        return False, "must only contain ASCII characters"
    return True, ""


def _storage_settings(changes: _Changes) -> None:
    from pynetdicom import _config

    changes.set_attribute(_config, "UNRESTRICTED_STORAGE_SERVICE", False)
    changes.set_attribute(_config, "STORE_RECV_CHUNKED_DATASET", True)
    # pynetdicom aborts a request whose UIDs exceed 64 characters; DCMTK reads
    # them and our file names cope with any value (output.naming), so accept
    changes.set_item(_config.VALIDATORS, "UI", _accept_any_uid)


def _accept_any_uid(value: Any) -> tuple[bool, str]:
    return True, ""


def _register_storage_sop_classes(changes: _Changes) -> None:
    """DCMTK's storage SOP classes pynetdicom does not know, registered as storage.

    ``register_uid`` adds a keyword to the storage group and a name to
    ``pynetdicom.sop_class``; the undo removes both again.
    """
    from pynetdicom import register_uid, sop_class
    from pynetdicom.service_class import StorageServiceClass

    group = sop_class._SERVICE_TO_UID_GROUP[StorageServiceClass]
    registered = {uid: keyword for keyword, uid in group.items()}
    for uid, name in STORAGE_SOP_CLASSES:
        keyword = "".join(c for c in name if c.isalnum() or c == "_")
        if registered.get(uid) == keyword:  # ours, from an install still in place
            changes.hold((id(group), keyword), lambda: True, lambda _: None)
            continue
        if sop_class.uid_to_service_class(uid) is StorageServiceClass:
            continue  # pynetdicom knows it

        def read(keyword: str = keyword) -> Any:
            return group.get(keyword, _MISSING), getattr(sop_class, keyword, _MISSING)

        def write(value: Any, uid: str = uid, keyword: str = keyword) -> None:
            if value is True:
                register_uid(uid, keyword, StorageServiceClass)
                return
            entry, module_name = value
            _restore_name(group, keyword, entry)
            _restore_name(vars(sop_class), keyword, module_name)

        changes.hold((id(group), keyword), read, write)


def _restore_name(namespace: dict[str, Any], name: str, value: Any) -> None:
    if value is _MISSING:
        namespace.pop(name, None)
    else:
        namespace[name] = value


def _spool_into(changes: _Changes, receiver: Receiver) -> None:
    """pynetdicom's chunked receive: spool files from ``receiver``, our meta header.

    pynetdicom has no per-AE setting for either, so the hooks are
    process-wide: one Storage SCP at a time (several in one process share the
    last one's receiver until it stops).
    """
    from pynetdicom import dimse_messages
    from pynetdicom.dul import DULServiceProvider

    from movescu.net.seams.hooks import current_association

    if not hasattr(DULServiceProvider, "assoc"):
        # the +B header names the sender, found through the receiving DUL thread
        raise AttributeError("pynetdicom's DULServiceProvider has no 'assoc'")

    def calling_ae_title() -> str | None:
        assoc = current_association()
        title = None if assoc is None else assoc.requestor.ae_title
        return title if isinstance(title, str) else None

    def named_temporary_file(**kwargs: Any) -> Any:
        return receiver.open(threading.get_ident(), **kwargs)

    changes.set_attribute(dimse_messages, "NamedTemporaryFile", named_temporary_file)
    changes.set_attribute(dimse_messages, "create_file_meta", receiver.create_meta)
    changes.set_attribute(
        dimse_messages, "write_file_meta_info", receiver.meta_writer(calling_ae_title)
    )
