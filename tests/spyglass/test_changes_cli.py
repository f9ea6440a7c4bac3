"""`spyglass changes record|list` as a CI/CD pipeline runs them, against a running service with keys: record needs
the admin key and prints the change; a retried step with the same --id records nothing new; list filters and
prints a table or JSON; bad input and an unreachable service are one line on stderr and exit 2, no traceback.

The pipeline's step and the unreachable service run the command as a child process; the other cases call its
entry point in the test process (the same code, without a second of start-up each).
"""

from __future__ import annotations

import json

import pytest

from spyglass.cli.main import main
from tests.helpers.cli import spyglass
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.service_process import free_port
from tests.helpers.stores import drop_database

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("changes-cli")

READ, ADMIN = "changes-read-key", "changes-admin-key"


@pytest.fixture(scope="module")
def running(chdb_dir):
    service = RunningService(make_settings("chdb", chdb_dir, read_keys=[READ], admin_keys=[ADMIN]))
    yield service
    service.stop()
    drop_database(chdb_dir, None, service.settings.database)


def argv(running: RunningService, *args: str, admin: bool = True) -> list[str]:
    keys = ["--admin-key", ADMIN] if admin and args[0] == "record" else []
    return ["changes", *args, "--api-url", running.api, "--api-key", READ, *keys]


def run(capsys, running: RunningService, *args: str, admin: bool = True) -> tuple[int, str, str]:
    """The command in this process: exit code, stdout, stderr."""
    code = main(argv(running, *args, admin=admin))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, out: str, err: str) -> str:
    assert code == 2 and out == "", (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def reported(running: RunningService, service: str) -> int:
    return running.rows("SELECT count() AS n FROM changes WHERE service = {s:String}", {"s": service})[0]["n"]


def test_a_pipeline_records_a_deploy_once_and_lists_it(running, capsys):
    step = ("record", "--service", "billing", "--kind", "deploy", "--to", "2.3.0", "--from", "2.2.1", "--author",
            "ci", "--link", "https://ci.example/42", "--id", "ci-run-42", "--format", "json")
    first = spyglass(*argv(running, *step))
    assert first.returncode == 0, first.stderr
    [change] = json.loads(first.stdout)
    assert (change["id"], change["kind"], change["service"], change["dimension"], change["from_value"],
            change["to_value"], change["source"], change["author"]) == (
        "ci-run-42", "deploy", "billing", "service_version", "2.2.1", "2.3.0", "reported", "ci")
    code, out, _ = run(capsys, running, *step)  # the retried step
    assert code == 0 and json.loads(out) == [change]
    assert reported(running, "billing") == 1
    code, out, _ = run(capsys, running, "record", "--service", "billing", "--kind", "flag", "--subject", "new-ledger",
                       "--to", "on")
    assert code == 0 and "flag new-ledger" in out and "(none) -> on" in out, out

    listed = run(capsys, running, "list", "--service", "billing", "--format", "json")[1]
    assert [(c["kind"], c["to_value"]) for c in json.loads(listed)] == [("flag", "on"), ("deploy", "2.3.0")]
    table = run(capsys, running, "list", "--service", "billing", "--kind", "deploy")[1].splitlines()
    assert table[0].split() == ["AT", "(UTC)", "KIND", "SOURCE", "PROJECT", "SERVICE", "WHAT", "CHANGE", "ID"]
    assert len(table) == 2 and "service_version" in table[1] and "2.2.1 -> 2.3.0" in table[1]
    assert run(capsys, running, "list", "--service", "nobody")[1].strip() == "no changes"


def test_recording_needs_the_admin_key(running, capsys):
    line = one_line(*run(capsys, running, "record", "--service", "vault", "--kind", "deploy", "--to", "1",
                         admin=False))
    assert "needs an admin key" in line and "--admin-key" in line
    assert reported(running, "vault") == 0


@pytest.mark.parametrize("args, message", [
    (("--kind", "deploy", "--to", "1"), "changes record: --service is required"),
    (("--service", "vault", "--kind", "deploy"), "changes record: --to is required"),
    (("--service", "vault", "--kind", "rollout", "--to", "1"), "--kind: Input should be 'deploy'"),
    (("--service", "vault", "--kind", "deploy", "--to", "1", "--at", "tomorrow"), "(400): at: 'tomorrow' is neither"),
    (("--service", "vault", "--kind", "deploy", "--to", "1", "--format", "yaml"), "--format: 'yaml' is not table"),
])
def test_bad_input_is_one_line_and_records_nothing(running, capsys, args, message):
    assert message in one_line(*run(capsys, running, "record", *args))
    assert reported(running, "vault") == 0


def test_an_unreachable_service_is_one_line():
    result = spyglass("changes", "record", "--service", "s", "--kind", "deploy", "--to", "1",
                      "--api-url", f"http://127.0.0.1:{free_port()}")
    assert "cannot reach the Spyglass API" in one_line(result.returncode, result.stdout, result.stderr)
