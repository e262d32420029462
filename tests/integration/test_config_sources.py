"""Config file, ``MOVESCU_*`` and command line together, as a Move SCP sees the result.

The identifier a scripted Move SCP received shows that ``-k`` keys from all
three sources are merged per attribute (command line > environment > config
file), that ``examples/movescu.conf``'s pattern (the level in the file, the UID
on the command line) sends a complete identifier, and that an unknown
``MOVESCU_*`` variable is a warning, not a silent no-op.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.fake_qr import fake_qr, succeed
from tests.support.peers import free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def sent_identifier(fake) -> dict[str, str]:
    [request] = fake.requests
    return {element.keyword: str(element.value) for element in request.identifier}


def test_keys_from_config_file_environment_and_command_line_are_merged(tmp_path, capsys):
    from movescu.main import main

    conf = tmp_path / "site.conf"
    conf.write_text(
        'study = true\nkey = ["QueryRetrieveLevel=STUDY", "PatientID=FILE", "AccessionNumber=F"]\n'
    )
    environ = {"MOVESCU_KEY": '["PatientID=ENV", "PatientName=ENV^NAME"]'}
    with fake_qr(succeed(1)) as fake:
        code = main(
            ["--config", str(conf), "-k", "PatientName=CLI^NAME", "-k", "StudyInstanceUID=1.2.3"]
            + ["127.0.0.1", str(fake.port)],
            environ=environ,
        )
    assert code == 0, capsys.readouterr().err
    assert sent_identifier(fake) == {
        "QueryRetrieveLevel": "STUDY",
        "AccessionNumber": "F",
        "PatientName": "CLI^NAME",
        "PatientID": "ENV",
        "StudyInstanceUID": "1.2.3",
    }


def test_the_example_config_file_sends_the_level_with_the_command_line_uid(tmp_path, capsys):
    from movescu.main import main

    out = tmp_path / "out"
    out.mkdir()
    port = free_port()
    with fake_qr(succeed(0), destinations={"MOVESCU": port}) as fake:
        code = main(
            ["--config", str(EXAMPLES / "movescu.conf"), "+P", str(port), "-od", str(out)]
            + ["-k", "StudyInstanceUID=1.2.3", "127.0.0.1", str(fake.port)],
            environ={},
        )
    assert code == 0, capsys.readouterr().err
    assert sent_identifier(fake) == {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.3"}
    assert fake.called_titles == ["ARCHIVE"]


def test_an_unknown_movescu_variable_is_a_warning(capsys):
    from movescu.main import main

    with fake_qr(succeed(1)) as fake:
        capsys.readouterr()
        code = main(
            ["-k", "PatientID=1", "127.0.0.1", str(fake.port)],
            environ={"MOVESCU_STUDDY": "true", "MOVESCU_HOSTS_ALLOW": "/x", "MOVESCU_CALL": "X"},
        )
        lines = capsys.readouterr().err.splitlines()
    assert code == 0
    assert lines == ["W: unknown environment variable MOVESCU_STUDDY (ignored)"]
    assert fake.called_titles == ["X"]
