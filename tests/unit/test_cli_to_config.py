"""Evaluation in DCMTK's order into Config (movescu.cli.to_config), through main()."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.cli_support import Runner, run_main_fixture  # noqa: F401 - fixture

from movescu.config import (
    GroupLength,
    IPFamily,
    LengthEncoding,
    LogLevel,
    Padding,
    PendingDatasetHandling,
    PreferredTransferSyntax,
    ProposedTransferSyntax,
    QueryModel,
    WriteTransferSyntax,
)

K = ["-k", "0010,0010"]

CONFLICTS = [
    (["-v", "-ll", "info"], "--log-level not allowed with --verbose, --debug or --quiet"),
    (["-ll", "bogus"], "Invalid log level for --log-level option"),
    (["-ll", "warning"], "Invalid log level for --log-level option"),
    (["-ll", ""], "Invalid log level for --log-level option"),
    (["-lc", "x", "-ll", "info"], "--log-config not allowed with --log-level"),
    (["-lc", "x", "-d"], "--log-config not allowed with --verbose, --debug or --quiet"),
    (["-lc", "/nonexistent"], "Specified --log-config file does not exist"),
    (
        ["-k", "Bad1", "-k", "Bad2"],
        "bad key format or dictionary name not found in dictionary: Bad2",
    ),
    (["-to", "0"], "Invalid value for option --timeout (underflow: 0)"),
    (["-ta", "0", "-to", "0"], "Invalid value for option --timeout (underflow: 0)"),
    (["-td", "0", "-ta", "0"], "Invalid value for option --acse-timeout (underflow: 0)"),
    (["-td", "-1"], "Invalid value for option --dimse-timeout (underflow: -1)"),
    (["+P", "0", "--no-port"], "Invalid value for option --port (underflow: 0)"),
    (["--no-port", "+P", "65536"], "Invalid value for option --port (overflow: 65536)"),
    (["+P", "-1"], "Invalid value for option --port (-1)"),
    (
        ["-pdu", "1", "--repeat", "0", "--cancel", "-1"],
        "Invalid value for option --max-pdu (underflow: 1)",
    ),
    (["--cancel", "-1", "--repeat", "0"], "Invalid value for option --repeat (underflow: 0)"),
    (["--repeat", "-1"], "Invalid value for option --repeat (-1)"),
    (["--cancel", "-1"], "Invalid value for option --cancel (underflow: -1)"),
    (["-od", "x"], "--output-directory only allowed with --port"),
    (["+P", "104", "--no-port", "-od", "x"], "--output-directory only allowed with --port"),
    (["+te", "+xa"], "--write-xfer-little not allowed with --accept-all"),
    (["+xa", "+B", "+tb"], "--write-xfer-big not allowed with --accept-all"),
    (["+t=", "+te", "+B"], "--write-xfer-little not allowed with --bit-preserving"),
    (["+tb", "+te", "+B"], "--write-xfer-little not allowed with --bit-preserving"),
    (["+td", "+ti", "+B"], "--write-xfer-implicit not allowed with --bit-preserving"),
    (["+xa", "+xs", "+te"], "--write-xfer-little not allowed with --prefer-lossless"),
    (["+x5", "+td"], "--write-xfer-deflated not allowed with --prefer-hevc10"),
    (["+xr", "+ti"], "--write-xfer-implicit not allowed with --prefer-rle"),
    (["+B", "+g", "-g"], "--group-length-create not allowed with --bit-preserving"),
    (["+B", "-g", "+g="], "--group-length-recalc not allowed with --bit-preserving"),
    (["+B", "+u", "-u"], "--enable-new-vr not allowed with --bit-preserving"),
    (["+B", "-u"], "--disable-new-vr not allowed with --bit-preserving"),
    (["+B", "-e", "+e"], "--length-explicit not allowed with --bit-preserving"),
    (["+B", "-e"], "--length-undefined not allowed with --bit-preserving"),
    (["+p", "2", "2", "-F", "+B"], "--padding-create not allowed with --write-dataset"),
    (["+p", "2", "2", "+B"], "--padding-create not allowed with --bit-preserving"),
    (["-p", "+p", "2", "x", "-F"], "--padding-create not allowed with --write-dataset"),
    (["+p", "2", "x"], "Invalid value for option --padding-create (x)"),
    (["+p", "-1", "2"], "Invalid value for option --padding-create (-1)"),
    (
        ["+cl", "5", "+te"],
        "--compression-level only allowed with --propose-deflated, --write-xfer-deflated"
        " or --write-xfer-same",
    ),
    (["+cl", "10"], "Invalid value for option --compression-level (overflow: 10)"),
    (["+cl", "-1", "+td"], "Invalid value for option --compression-level (-1)"),
    (
        ["-od", "x", "+B", "+g", "+cl", "10", "+p", "1", "1", "-F", "+te"],
        "--output-directory only allowed with --port",
    ),
    (["/nonexistent/query.dcm", "-k", "0010,0010"], "cannot access file: /nonexistent/query.dcm"),
    ([], "either query file or override keys (or both) must be specified"),
]


@pytest.mark.parametrize(("options", "message"), CONFLICTS)
def test_first_error_in_dcmtk_order(run_main: Runner, options: list[str], message: str) -> None:
    result = run_main(["peer", "104", *options])
    assert (result.rc, result.error) == (1, message)


@pytest.mark.parametrize(
    "options",
    [
        ["+P", "11112", "--no-port"],
        ["+te", "+t=", "+B"],
        ["+B", "-B", "+g"],
        ["+xd", "+td"],
        ["+p", "1", "1", "-p", "-F"],
        ["-xd", "+te", "+cl", "5"],
        ["-p", "+B"],
        ["+t=", "+B"],
    ],
)
def test_accepted_like_dcmtk(run_main: Runner, options: list[str]) -> None:
    assert run_main(["peer", "104", *options, *K]).rc == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-v"], "Missing parameter peer"),
        (["peer"], "Missing parameter port"),
        (["-q", "peer", "0"], "Invalid parameter value 0 (underflow)"),
    ],
)
def test_parameter_errors_are_printed_even_when_quiet(
    run_main: Runner, argv: list[str], message: str
) -> None:
    result = run_main(argv)
    assert (result.rc, result.error) == (1, message)


@pytest.mark.parametrize("quiet", [["-q"], ["-ll", "fatal"], ["-ll", "OFF"], ["-d", "-q"]])
def test_quiet_silences_errors_found_after_logging(run_main: Runner, quiet: list[str]) -> None:
    result = run_main(["peer", "104", *quiet, "+B", "+g"])
    assert (result.rc, result.err) == (1, "")


@pytest.mark.parametrize("loud", [["-ll", "error"], ["-q", "-d"], ["-ll", "all"]])
def test_errors_printed_when_level_includes_error(run_main: Runner, loud: list[str]) -> None:
    result = run_main(["peer", "104", *loud, "+B", "+g"])
    assert result.error == "--group-length-create not allowed with --bit-preserving"


def test_arguments_printed_in_long_form_even_when_quiet(
    run_main: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cmd").write_text('a 1 "x y" "" -k "0010,0010=A B" -aet ""')
    result = run_main(["@cmd", "--arguments", "-q"])
    assert result.rc == 1
    assert result.err.splitlines() == [
        "I: calling 'movescu' with 10 arguments: 'a' '1' 'x y' '--key' '0010,0010=A B' "
        "'--aetitle' '--arguments' '--quiet' ",
        "I: ",
    ]


def test_defaults(run_main: Runner) -> None:
    config = run_main(["peer", "104", *K]).config
    assert config is not None
    net, storage, output = config.network, config.storage, config.output
    assert (net.peer, net.port, net.ae_title, net.called_ae_title, net.move_destination) == (
        "peer",
        104,
        "MOVESCU",
        "ANY-SCP",
        None,
    )
    assert (net.connection_timeout, net.acse_timeout, net.dimse_timeout, net.max_pdu) == (
        None,
        30,
        None,
        16384,
    )
    assert (net.repeat, net.abort, net.cancel, net.host_lookup) == (1, False, None, True)
    assert net.proposed_transfer_syntax is ProposedTransferSyntax.UNCOMPRESSED
    assert net.ip_family is IPFamily.IPV4
    assert net.pending_handling is PendingDatasetHandling.IGNORE
    assert (
        storage.port is None
        and storage.preferred_transfer_syntax is PreferredTransferSyntax.UNCOMPRESSED
    )
    assert (
        output.directory == Path(".") and output.padding is None and output.compression_level == 6
    )
    assert config.logging.level is LogLevel.WARN
    assert config.query.model is QueryModel.PATIENT
    assert config.extras.progress is None and config.extras.report is None


def test_everything_set(run_main: Runner, tmp_path: Path) -> None:
    query = tmp_path / "q.dcm"
    query.write_bytes(b"")
    argv = [
        "-S",
        "-O",
        "-aet",
        "A" * 20,
        "-aec",
        "CALLED",
        "-aem",
        "B" * 17,
        "+xs",
        "-xb",
        "+ac",
        "-to",
        "0x10",
        "-ta",
        "010",
        "-td",
        "5",
        "+P",
        "11112",
        "-pr",
        "-pdu",
        "+8192",
        "-dhl",
        "--repeat",
        "2",
        "--abort",
        "--ignore",
        "--cancel",
        "3",
        "-up",
        "-od",
        str(tmp_path),
        "-F",
        "+F",
        "+t=",
        "-u",
        "-g",
        "-e",
        "+p",
        "8",
        "4",
        "+cl",
        "9",
        "-i6",
        "-v",
        "--no-progress",
        "--report",
        "r.json",
        "peer",
        "104",
        str(query),
        "-k",
        "0010,0020=X",
    ]
    config = run_main(argv).config
    assert config is not None
    net, storage, output = config.network, config.storage, config.output
    assert (net.ae_title, net.move_destination, net.effective_move_destination) == (
        "A" * 16,
        "B" * 16,
        "B" * 16,
    )
    assert (net.connection_timeout, net.acse_timeout, net.dimse_timeout, net.max_pdu) == (
        16,
        8,
        5,
        8192,
    )
    assert (net.repeat, net.abort, net.cancel, net.host_lookup) == (2, True, 3, False)
    assert net.proposed_transfer_syntax is ProposedTransferSyntax.BIG
    assert net.ip_family is IPFamily.IPV6 and net.pending_handling is PendingDatasetHandling.READ
    assert (storage.port, storage.access_control, storage.ignore, storage.uid_padding) == (
        11112,
        True,
        True,
        True,
    )
    assert storage.preferred_transfer_syntax is PreferredTransferSyntax.LOSSLESS
    assert (output.directory, output.write_file, output.enable_new_vr) == (tmp_path, True, False)
    assert output.transfer_syntax is WriteTransferSyntax.SAME
    assert (
        output.group_length is GroupLength.REMOVE
        and output.length_encoding is LengthEncoding.UNDEFINED
    )
    assert output.padding == Padding(8, 4) and output.compression_level == 9
    assert config.query.model is QueryModel.PSONLY and config.query.files == (query,)
    assert [k.text for k in config.query.keys] == ["0010,0020=X"]
    assert config.logging.level is LogLevel.INFO
    assert config.extras.progress is False and config.extras.report == Path("r.json")


def test_rightmost_member_wins(run_main: Runner) -> None:
    config = run_main(
        ["peer", "104", *K, "+xa", "+xe", "-xi", "-xe", "-d", "-v", "+P", "1", "--no-port"]
    ).config
    assert config is not None
    assert config.storage.preferred_transfer_syntax is PreferredTransferSyntax.LITTLE
    assert config.network.proposed_transfer_syntax is ProposedTransferSyntax.LITTLE
    assert config.logging.level is LogLevel.INFO and config.storage.port is None


def test_keys_leftmost_wins_and_sorted_by_tag(run_main: Runner) -> None:
    config = run_main(
        ["peer", "104", "-k", "0010,0020=A", "-k", "0010,0010=N", "-k", "0010,0020=B"]
    ).config
    assert config is not None
    assert [(k.tag, k.value) for k in config.query.keys] == [(0x00100010, "N"), (0x00100020, "A")]


def test_empty_ae_title_accepted(run_main: Runner) -> None:
    config = run_main(["peer", "104", *K, "-aet", ""]).config
    assert config is not None and config.network.ae_title == ""


# --------------------------------------------------------------------------- precedence


def test_precedence_command_line_environment_config_file(run_main: Runner, tmp_path: Path) -> None:
    conf = tmp_path / "m.conf"
    conf.write_text(
        "aetitle = FILE\ncall = FILECALL\nmove = FILEMOVE\nprefer-big = true\nkey = 0010,0010=F\n"
    )
    env = {
        "MOVESCU_CONFIG": str(conf),
        "MOVESCU_CALL": "ENVCALL",
        "MOVESCU_MOVE": "ENVMOVE",
        "MOVESCU_ACCEPT_ALL": "true",
    }
    config = run_main(["peer", "104", "-aem", "CLIMOVE"], env).config
    assert config is not None
    assert (
        config.network.ae_title,
        config.network.called_ae_title,
        config.network.move_destination,
    ) == ("FILE", "ENVCALL", "CLIMOVE")
    assert config.storage.preferred_transfer_syntax is PreferredTransferSyntax.ACCEPT_ALL
    assert [k.value for k in config.query.keys] == ["F"]
    config = run_main(["peer", "104", "+xe", "-k", "0010,0020=C"], env).config
    assert config is not None
    assert config.storage.preferred_transfer_syntax is PreferredTransferSyntax.LITTLE
    # -k is merged per attribute: the file's PatientName stays, the command line adds
    assert [k.value for k in config.query.keys] == ["F", "C"]
    config = run_main(["peer", "104", "-k", "0010,0010=C"], env).config
    assert config is not None
    assert [k.value for k in config.query.keys] == ["C"]


def test_command_line_verbosity_replaces_log_level_of_lower_sources(run_main: Runner) -> None:
    config = run_main(["peer", "104", *K, "-d"], {"MOVESCU_LOG_LEVEL": "info"}).config
    assert config is not None and config.logging.level is LogLevel.DEBUG
    config = run_main(["peer", "104", *K], {"MOVESCU_LOG_LEVEL": "info"}).config
    assert config is not None and config.logging.level is LogLevel.INFO


def test_values_from_environment_are_checked_like_options(run_main: Runner) -> None:
    result = run_main(["peer", "104", *K], {"MOVESCU_MAX_PDU": "1"})
    assert result.error == (
        "Invalid value for option --max-pdu (underflow: 1), from environment variable "
        "MOVESCU_MAX_PDU"
    )
    result = run_main(["peer", "104", *K], {"MOVESCU_OUTPUT_DIRECTORY": "/tmp"})
    assert result.error == "--output-directory only allowed with --port"


def test_help_and_version_ignore_lower_sources(run_main: Runner) -> None:
    result = run_main(["--version"], {"MOVESCU_ABORT": "maybe"})
    assert result.rc == 0 and "pynetdicom" in result.out


# --------------------------------------------------------------------------- ours


def test_no_accelerator_from_command_line_environment_or_config_file(
    run_main: Runner, tmp_path: Path
) -> None:
    def no_accelerator(argv: list[str], env: dict[str, str] | None = None) -> bool:
        config = run_main(["peer", "104", *K, *argv], env or {}).config
        assert config is not None
        return config.extras.no_accelerator

    conf = tmp_path / "m.conf"
    conf.write_text("no-accelerator = true\n")
    assert no_accelerator([]) is False
    assert no_accelerator(["--no-accelerator"]) is True
    assert no_accelerator([], {"MOVESCU_NO_ACCELERATOR": "true"}) is True
    assert no_accelerator([], {"MOVESCU_NO_ACCELERATOR": "false"}) is False
    assert no_accelerator([], {"MOVESCU_CONFIG": str(conf)}) is True
    result = run_main(["peer", "104", *K], {"MOVESCU_NO_ACCELERATOR": "maybe"})
    assert result.error is not None and "MOVESCU_NO_ACCELERATOR" in result.error


def test_version_says_whether_the_accelerator_is_on(run_main: Runner) -> None:
    from movescu.net.seams import accel

    lines = run_main(["--version"]).out.splitlines()
    assert accel.fingerprint_state().text in lines
    lines = run_main(["--version", "--no-accelerator"]).out.splitlines()
    assert "accelerator: off (--no-accelerator)" in lines
