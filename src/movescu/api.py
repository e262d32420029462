"""A small convenience API: one call retrieves, with DCMTK option spellings.

Owns nothing but the translation of Python arguments into the command line the
CLI understands; the run is :func:`movescu.retrieve.run`.  Errors are raised
(:class:`movescu.errors.MovescuError` subclasses with ``exit_code``), never
turned into ``sys.exit``.  Build a :class:`movescu.config.Config` and call
:func:`movescu.retrieve.run` directly for full control.

:func:`retrieve` leaves the process as it found it: the logging the options
ask for (``-v``, ``-d``, ``-lc`` ...) is set up for the run and undone after
it, as are pynetdicom's and pydicom's settings (:mod:`movescu.net.seams.settings`).
:func:`build_config` alone sets logging up and leaves it (the command line's
behaviour); wrap it in :func:`movescu.logconfig.snapshot_loggers` to undo that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from movescu.config import Config
from movescu.errors import UsageError
from movescu.exit_codes import ExitCode


def build_config(
    peer: str,
    port: int,
    keys: Mapping[str, str] | Sequence[str] = (),
    options: Sequence[str] = (),
    query_files: Sequence[str] = (),
) -> Config:
    """The :class:`Config` of ``movescu [options] peer port [query files] -k key=value ...``.

    Parameters
    ----------
    peer, port : str, int
        The Move SCP.
    keys : mapping or sequence of str
        ``-k`` overrides: ``{"PatientID": "PAT001"}`` or ``["0010,0020=PAT001"]``.
    options : sequence of str
        Further DCMTK options, e.g. ``["-S", "-aec", "PACS", "+P", "11112"]``.
    query_files : sequence of str
        Query files, in order.

    Raises
    ------
    movescu.errors.UsageError
        The options are not a valid movescu command line.
    """
    from movescu.cli import parse_command_line

    pairs = keys.items() if isinstance(keys, Mapping) else None
    key_args = [f"{k}={v}" for k, v in pairs] if pairs is not None else list(keys)
    argv = [*options, peer, str(port), *query_files]
    for key in key_args:
        argv += ["-k", key]
    result = parse_command_line(argv, {}, program="movescu")
    if not isinstance(result, Config):
        raise UsageError("the options only ask for help or version text")
    return result


def retrieve(
    peer: str,
    port: int,
    keys: Mapping[str, str] | Sequence[str] = (),
    options: Sequence[str] = (),
    query_files: Sequence[str] = (),
) -> ExitCode:
    """Run one retrieve; returns DCMTK's exit code (0, 68 warning, 69 error).

    Examples
    --------
    >>> retrieve("pacs.example", 104, {"QueryRetrieveLevel": "STUDY",
    ...          "StudyInstanceUID": "1.2.3"}, ["-S", "-aec", "PACS", "-aem", "ARCHIVE"])
    ... # doctest: +SKIP

    Raises
    ------
    movescu.errors.MovescuError
        Association, network or query-file failures (with ``exit_code``).
    """
    from movescu.logconfig import snapshot_loggers
    from movescu.retrieve import run

    restore_logging = snapshot_loggers()
    try:
        return run(build_config(peer, port, keys, options, query_files))
    finally:
        restore_logging()
