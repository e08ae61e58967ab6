"""The `bpmnrun` command end to end, on SQLite and PostgreSQL: each use case, its --json output, and one clear
error line with a non-zero exit for bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bpmnrun.cli.main import cli
from tests.support import DIAGRAMS

GATEWAY = str(DIAGRAMS / "test_gateway.bpmn")
TIMERS = str(DIAGRAMS / "test_timers.bpmn")


@pytest.fixture
def started(bpmnrun):
    """test_gateway deployed, sam and tina added, the Smith family with work started for Josie."""
    bpmnrun("deploy", GATEWAY)
    bpmnrun("user", "add", "sam", "--team", "Social Worker", "--password-stdin", input="s3cret\n")
    bpmnrun("user", "add", "tina", "--team", "Team Manager")
    made = json.loads(bpmnrun("case", "add", "--family", "Smith", "--child", "Josie Smith:2015-06-14",
                              "--child", "Joy Smith:2022-10-03", "--as", "sam", "--json").output)
    josie = made["subjects"][0]["id"]
    out = bpmnrun("start", "test_gateway", "--case", str(made["case"]), "--subject", str(josie), "--as", "sam").output
    instance_id = int(out.split()[-1])
    return made["case"], instance_id


def _tasks(bpmnrun, actor: str) -> list[dict]:
    return json.loads(bpmnrun("tasks", "--as", actor, "--json").output)


def test_deploy_prints_new_then_unchanged(bpmnrun):
    first = bpmnrun("deploy", GATEWAY)
    again = bpmnrun("deploy", GATEWAY)
    assert first.stdout.strip() == "test_gateway\tversion 1\tnew"
    assert again.stdout.strip() == "test_gateway\tversion 1\tunchanged"
    # test_gateway keeps a warning (its `children` field): printed, and the deploy goes ahead
    assert ": children: warning: form field id 'children' is also the name of the function" in first.stderr


def test_deploy_of_a_broken_diagram_prints_its_problems_and_exits_1(bpmnrun, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text(open(GATEWAY, encoding="utf-8").read().replace('sourceRef="Gw"', 'sourceRef="Nowhere"', 1))
    result = bpmnrun("deploy", str(broken), ok=False)
    assert result.exit_code == 1
    assert "broken.bpmn:" in result.output and "Nowhere" in result.output
    assert "Traceback" not in result.output


def test_a_case_is_worked_to_its_end_from_the_command_line(bpmnrun, started):
    case_id, instance_id = started
    [record] = _tasks(bpmnrun, "sam")
    assert (record["name"], record["lane"], record["family_name"], record["children"]) == (
        "Record request", "Social Worker", "Smith", ["Josie Smith"])
    assert _tasks(bpmnrun, "tina") == []

    bpmnrun("complete", record["id"], "--as", "sam", "--draft", "--data", "note=spoke to mum")
    assert bpmnrun("tasks", "--as", "sam", "--json").output.count('"Record request"') == 1
    bpmnrun("complete", record["id"], "--as", "sam", "--data", "decision=Approve")

    [authorise] = _tasks(bpmnrun, "tina")
    assert authorise["name"] == "Authorise request"
    bpmnrun("complete", authorise["id"], "--as", "tina", "--data", "completed=yes")

    trail = json.loads(bpmnrun("history", str(instance_id), "--json").output)
    assert (trail["status"], trail["end_event"]) == ("completed", "Request approved")
    actions = [(e["action"], e["actor"]) for e in trail["events"]]
    assert ("draft_saved", "sam") in actions
    assert ("task_completed", "sam") in actions and ("task_completed", "tina") in actions
    completed = [e for e in trail["events"] if e["action"] == "task_completed"]
    assert completed[0]["detail"]["data"]["note"] == "spoke to mum"  # the draft was kept and used on Finish
    assert "Request approved" in bpmnrun("history", str(instance_id)).output


def test_reads_from_the_command_line_are_in_the_familys_access_log(bpmnrun, started, tmp_path):
    case_id, instance_id = started
    assert "nobody has read" in bpmnrun("access-log", "--case", str(case_id)).output
    bpmnrun("history", str(instance_id), "--as", "dpo-review")
    bpmnrun("export-xes", str(tmp_path / "log.xes"), "--process", "test_gateway", "--as", "analyst")
    logged = json.loads(bpmnrun("access-log", "--case", str(case_id), "--json").output)
    assert [(e["who"], e["action"], e["what"]) for e in logged] == [
        ("analyst", "exported", "test_gateway"),
        ("dpo-review", "viewed", f"the history of case work {instance_id} (command line)")]
    assert "the history of case work" in bpmnrun("access-log", "--case", str(case_id)).output
    assert bpmnrun("access-log", "--case", "999", ok=False).output.strip() == "error: no case 999"


@pytest.mark.parametrize("args, message", [
    (["complete", "no-such-task", "--as", "sam"], "error: no task no-such-task"),
    (["tasks", "--as", "nobody"], "error: "),
    (["tasks", "--as", "sam", "--team", "Team Manager"], "error: sam is not in Team Manager"),
])
def test_bad_input_is_one_error_line_and_exit_1(bpmnrun, started, args, message):
    result = bpmnrun(*args, ok=False)
    assert result.exit_code == 1
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_invalid_value_names_the_field_and_another_team_is_refused(bpmnrun, started):
    [record] = _tasks(bpmnrun, "sam")
    invalid = bpmnrun("complete", record["id"], "--as", "sam", "--data", "decision=Maybe", ok=False)
    assert invalid.exit_code == 1 and invalid.output.startswith("error: decision: ")
    wrong_team = bpmnrun("complete", record["id"], "--as", "tina", "--data", "decision=Approve", ok=False)
    assert wrong_team.exit_code == 1 and "a task for the Social Worker team. You are not in that team" in wrong_team.output
    assert [t["id"] for t in _tasks(bpmnrun, "sam")] == [record["id"]]  # nothing was lost


def test_a_second_completion_names_who_completed_it(bpmnrun, started):
    [record] = _tasks(bpmnrun, "sam")
    bpmnrun("complete", record["id"], "--as", "sam", "--data", "decision=Decline")
    again = bpmnrun("complete", record["id"], "--as", "sam", "--data", "decision=Approve", ok=False)
    assert again.exit_code == 1
    assert "already completed by sam at" in again.output


def test_claim_pass_and_release(bpmnrun, started):
    bpmnrun("user", "add", "sara", "--team", "Social Worker")
    [record] = _tasks(bpmnrun, "sam")
    assert "now with sam" in bpmnrun("claim", record["id"], "--as", "sam").output
    assert "passed to sara" in bpmnrun("claim", record["id"], "--as", "sam", "--to", "sara").output
    assert _tasks(bpmnrun, "sara")[0]["assignee"] == "sara"
    assert "back with the team" in bpmnrun("claim", record["id"], "--as", "sara", "--release").output
    assert _tasks(bpmnrun, "sam")[0]["assignee"] is None


def test_worker_once_fires_nothing_when_nothing_is_due(bpmnrun, started):
    assert bpmnrun("worker", "--once").output.strip() == "0 case(s) moved by timers"


def test_catalogue_lists_what_is_deployed(bpmnrun):
    bpmnrun("deploy", GATEWAY)
    [entry] = json.loads(bpmnrun("catalogue", "--json").output)
    assert entry["process_id"] == "test_gateway" and entry["version"] == 1
    text = bpmnrun("catalogue").output
    assert "Record request (Social Worker" in text and "Request approved" in text


def test_check_reports_a_clean_file_as_ok(bpmnrun):
    result = CliRunner().invoke(cli, ["check", GATEWAY])
    assert result.exit_code == 0, result.output


def test_user_token_is_a_bearer_token_of_that_user(bpmnrun, database_url):
    from bpmnrun.service import users
    from bpmnrun.service.runtime import Runtime
    from bpmnrun.store.database import Database

    bpmnrun("user", "add", "sam", "--team", "Social Worker")
    token = bpmnrun("user", "token", "sam").output.strip()
    again = bpmnrun("user", "token", "sam").output.strip()
    rt = Runtime(Database(database_url))
    try:
        assert users.user_for_token(rt, token) is None  # a new token replaces the old one
        assert users.user_for_token(rt, again).username == "sam"
    finally:
        rt.db.dispose()
    unknown = bpmnrun("user", "token", "nobody", ok=False)
    assert unknown.exit_code == 1 and unknown.output.startswith("error: ")


def test_deploy_dry_run_prints_what_would_change_and_deploys_nothing(bpmnrun, database_url):
    from bpmnrun.service import catalogue
    from bpmnrun.service.runtime import Runtime
    from bpmnrun.store.database import Database
    report = bpmnrun("deploy", "--dry-run", GATEWAY)
    assert "test_gateway" in report.output
    assert catalogue.catalogue(Runtime(Database(database_url))) == []  # nothing deployed
    assert "test_gateway\tversion 1\tnew" in bpmnrun("deploy", GATEWAY).output


def test_demo_list_lists_the_users_and_changes_nothing(bpmnrun):
    assert "no demo users" in bpmnrun("demo", "--list").output
    bpmnrun("user", "add", "sam", "--team", "Social Worker")
    listed = bpmnrun("demo", "--list").output
    assert "sam" in listed and "Social Worker" in listed and "library:" not in listed


def test_a_team_spelt_differently_from_the_library_or_other_users_is_refused(bpmnrun):
    bpmnrun("user", "add", "sam", "--team", "Social Worker")
    refused = bpmnrun("user", "add", "sara", "--team", "social  worker", ok=False)
    assert refused.exit_code == 1 and "is spelt 'Social Worker'" in refused.output
    assert "user sara: Social Worker" in bpmnrun("user", "add", "sara", "--team", "Social Worker").output
