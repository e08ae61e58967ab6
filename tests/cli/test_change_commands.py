"""`bpmnrun impact`, `bpmnrun migrate` and `bpmnrun incidents` end to end: a case stuck on a bad version is an
incident, listed (text and JSON), moved to the fixed version with its history, retried, and completes."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.service.change_support import V1, V2

PROCESS = "test_change"


@pytest.fixture
def stuck(bpmnrun, tmp_path):
    """Version 1 deployed; sam's Record request fails on it (no review date): incident 1."""
    library = tmp_path / "bpmn"
    library.mkdir()
    shutil.copy(V1, library / "test_change.bpmn")
    bpmnrun("deploy", str(library))
    bpmnrun("user", "add", "sam", "--team", "Social Worker")
    bpmnrun("user", "add", "tina", "--team", "Team Manager")
    made = json.loads(bpmnrun("case", "add", "--family", "Smith", "--child", "Josie Smith:2015-06-14", "--as", "sam",
                              "--json").output)
    out = bpmnrun("start", PROCESS, "--case", str(made["case"]), "--as", "sam").output
    instance_id = int(out.split()[-1])
    [task] = json.loads(bpmnrun("tasks", "--as", "sam", "--json").output)
    failed = bpmnrun("complete", task["id"], "--as", "sam", "--data", "family_size=1", ok=False)
    assert failed.exit_code == 1
    assert failed.stderr.startswith("error: This case needs attention: the procedure's diagram has a problem at "
                                    "'Review date'")
    assert "Traceback" not in failed.output
    return library, instance_id, task["id"]


def test_a_stuck_case_is_listed_moved_to_the_fixed_version_retried_and_completes(bpmnrun, stuck):
    library, instance_id, task_id = stuck
    listed = bpmnrun("incidents").stdout
    assert f"case work {instance_id} (Smith family)  test_change version 1  completing a task at Review date: " in listed
    assert "no date was given (the field it comes from was left empty)" in listed and "[open, 1 attempt, by sam]" in listed
    [incident] = json.loads(bpmnrun("incidents", "--json").stdout)
    assert (incident["instance_id"], incident["element_id"], incident["resolved"]) == (instance_id, "Wait", False)

    shutil.copy(V2, library / "test_change.bpmn")
    impact = bpmnrun("impact", str(library)).stdout
    assert "test_change — Request with a review date: version 1 → version 2" in impact
    assert "elements removed:  Plan 'Plan for a large family' (userTask)" in impact
    assert "elements renamed:  Review 'Review the request' → \"Review the family's request\"" in impact
    assert "form fields:       Record request (Record): note 'Note' added" in impact
    assert f"case work {instance_id} (Smith family, case 1) waits at Record request (task) — can move" in impact
    assert "warning: test_change version 2: nobody is in the team 'Senior Manager'" in impact
    assert json.loads(bpmnrun("impact", str(library), "--json").stdout)["processes"][0]["to_version"] == 2
    bpmnrun("deploy", str(library))

    dry = bpmnrun("migrate", PROCESS, "--to", "2", "--dry-run").stdout
    assert "1 could move to version 2, 0 could not (nothing was changed)" in dry
    moved = bpmnrun("migrate", PROCESS, "--to", "2", "--from", "1", "--case", str(instance_id), "--as", "olive").stdout
    assert f"case work {instance_id} (Smith family): moved from version 1" in moved
    assert "1 case(s) moved to version 2 of test_change; 0 refused" in moved

    retried = bpmnrun("incidents", "retry", str(incident["id"]), "--as", "olive").stdout
    assert retried.startswith(f"incident {incident['id']}: the task was completed as sam")
    assert bpmnrun("incidents").stderr.strip() == "no open incidents"
    assert "resolved: retried by olive" in bpmnrun("incidents", "--all").stdout

    history = json.loads(bpmnrun("history", str(instance_id), "--json").stdout)
    assert [e["action"] for e in history["events"]][:5] == [
        "instance_started", "task_ready", "incident_raised", "moved_to_version", "incident_retried"]
    moved_event = next(e for e in history["events"] if e["action"] == "moved_to_version")
    assert (moved_event["actor"], moved_event["detail"]["from_version"], moved_event["detail"]["to_version"]) == (
        "olive", 1, 2)
    assert history["status"] == "running"


def test_migrate_refuses_bad_input_with_one_line(bpmnrun, stuck):
    library, instance_id, _ = stuck
    for args, message in [
        (("--to", "9"), "error: process 'test_change' has no version 9"),
        (("--to", "1", "--case", "42"), "error: case: case work 42 is not running on another version"),
        (("--to", "1", "--map", "Plan"), "error: map: 'Plan': expected OLD=NEW"),
    ]:
        result = bpmnrun("migrate", PROCESS, *args, ok=False)
        assert result.exit_code == 1 and result.stderr.startswith(message), result.output
    assert bpmnrun("incidents", "retry", "99", ok=False).stderr.strip() == "error: no incident 99"
    bpmnrun("incidents", "dismiss", "1", "--note", "family moved away")
    result = bpmnrun("incidents", "dismiss", "1", ok=False)
    assert "already resolved (dismissed: family moved away)" in result.stderr


def test_a_case_at_a_removed_step_is_refused_unless_mapped(bpmnrun, stuck):
    library, instance_id, task_id = stuck
    bpmnrun("complete", task_id, "--as", "sam", "--data", "family_size=3", "--data", "review_on=2025-06-01")
    bpmnrun("worker", "--once")  # the review date has passed (the CLI runs on the real clock): now at Plan
    shutil.copy(V2, library / "test_change.bpmn")
    bpmnrun("deploy", str(library))
    refused = bpmnrun("migrate", PROCESS, "--to", "2", ok=False)
    assert refused.exit_code == 1
    assert "not moved: it waits at 'Plan for a large family' (Plan), which version 2 does not have; map it to the " \
           "element in its place: Plan=Agree" in refused.stdout
    moved = bpmnrun("migrate", PROCESS, "--to", "2", "--map", "Plan=Agree")
    assert "1 case(s) moved" in moved.stdout
    bpmnrun("user", "add", "sue", "--team", "Senior Manager")
    [task] = json.loads(bpmnrun("tasks", "--as", "sue", "--json").stdout)
    assert (task["name"], task["lane"]) == ("Agree the plan", "Senior Manager")


def test_impact_of_a_broken_diagram_prints_its_problems_and_exits_1(bpmnrun, tmp_path):
    broken = tmp_path / "test_change.bpmn"
    broken.write_text(V1.read_text().replace('targetRef="Gw"', 'targetRef="Nowhere"'), encoding="utf-8")
    result = bpmnrun("impact", str(broken), ok=False)
    assert result.exit_code == 1
    assert "Nowhere" in result.stderr and "nothing would be deployed" in result.stderr
