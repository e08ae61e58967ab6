"""Completing tasks through the service layer: gateways on form data, drafts, teams, claims, errors."""

from __future__ import annotations

import pytest

from bpmnrun.service import instances, queries, tasks
from bpmnrun.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from bpmnrun.store.models import Instance, Task

from tests.support import DIAGRAMS
from tests.support import actions, add_users, deploy_paths, finish, only_task, open_tasks, ready_sequence, smith_family


@pytest.fixture
def gateway_case(rt):
    deploy_paths(rt, DIAGRAMS / "test_gateway.bpmn")
    add_users(rt, sam="Social Worker", sara="Social Worker", tina="Team Manager")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_gateway", case.id, "sam", [case.subjects[1].id])
    return case, instance_id


def test_approved_request_goes_to_the_manager_and_ends_approved(rt, gateway_case):
    case, instance_id = gateway_case
    finish(rt, instance_id, "Record request", "sam", decision="Approve", note="family agrees", children="2")
    authorise = only_task(rt, instance_id, "Authorise request")
    assert authorise.lane == "Team Manager" and authorise.teams == ("Team Manager",)

    finish(rt, instance_id, "Authorise request", "tina", completed="yes")

    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event) == ("completed", "Request approved")
    assert ready_sequence(rt, instance_id) == [("Record request", "Social Worker"), ("Authorise request", "Team Manager")]
    trail = actions(rt, instance_id)
    assert trail[0] == ("instance_started", "Request with manager decision")
    assert ("task_completed", "Record request") in trail and trail[-2:] == [
        ("end_event", "Request approved"), ("instance_completed", "Request approved")]
    completed = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "task_completed"]
    assert completed[0].actor == "sam"
    assert completed[0].detail["data"] == {"decision": "approve", "note": "family agrees", "children": 2}
    rows = queries.case_tasks(rt, case.id)
    assert [(t.name, t.state, t.completed_by) for t in rows] == [
        ("Record request", "completed", "sam"), ("Authorise request", "completed", "tina")]


def test_declined_request_ends_declined_without_a_manager_task(rt, gateway_case):
    case, instance_id = gateway_case
    finish(rt, instance_id, "Record request", "sam", decision="decline")
    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event) == ("completed", "Request declined")
    assert [n for n, _ in ready_sequence(rt, instance_id)] == ["Record request"]
    assert queries.list_tasks(rt, "tina") == []


def test_bad_values_name_each_field_and_leave_the_task_open(rt, gateway_case):
    case, instance_id = gateway_case
    task = only_task(rt, instance_id)
    assert len(rt.workflows) == 1  # the case's workflow as its start left it
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, task.id, "sam", {"children": "two", "reviewed_on": "31/02/2025", "colour": "red"})
    assert len(rt.workflows) == 1  # a refused form ran nothing: the workflow is kept for the corrected answers
    assert set(raised.value.errors) == {"decision", "children", "reviewed_on", "colour"}
    assert raised.value.errors["decision"] == "Select the decision"
    assert "whole number" in raised.value.errors["children"]
    assert only_task(rt, instance_id).id == task.id
    assert ("task_completed", "Record request") not in actions(rt, instance_id)


def test_another_team_cannot_see_or_complete_the_task(rt, gateway_case):
    case, instance_id = gateway_case
    task = only_task(rt, instance_id)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, task.id, "tina", {"decision": "approve"})
    with pytest.raises(Forbidden):
        queries.get_task(rt, task.id, "tina")
    with pytest.raises(NotFound):
        tasks.complete_task(rt, "00000000-0000-0000-0000-000000000000", "sam", {})
    assert [t.name for t in queries.list_tasks(rt, "sam")] == ["Record request"]
    assert queries.list_tasks(rt, "tina") == []


def test_draft_is_kept_and_used_on_finish(rt, gateway_case):
    case, instance_id = gateway_case
    task = only_task(rt, instance_id)
    tasks.save_draft(rt, task.id, "sam", {"note": "spoke to mum", "decision": "not a choice yet"})
    assert queries.get_task(rt, task.id, "sam").draft["note"] == "spoke to mum"
    assert only_task(rt, instance_id).state == "ready"
    tasks.complete_task(rt, task.id, "sam", {"decision": "approve"})
    completed = queries.get_task(rt, task.id, "sam")
    assert completed.data["note"] == "spoke to mum" and completed.data["decision"] == "approve"
    assert ("draft_saved", "Record request") in actions(rt, instance_id)


def test_claim_pass_and_release(rt, gateway_case):
    case, instance_id = gateway_case
    task = only_task(rt, instance_id)
    tasks.claim(rt, task.id, "sam")
    assert [t.name for t in queries.list_tasks(rt, "sam", mine=True)] == ["Record request"]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, task.id, "sara", {"decision": "approve"})
    with pytest.raises(Exception) as raised:
        tasks.pass_to_worker(rt, task.id, "sam", "tina")
    assert "not in Social Worker" in str(raised.value)
    tasks.pass_to_worker(rt, task.id, "sam", "sara")
    assert queries.get_task(rt, task.id, "sara").assignee == "sara"
    tasks.unclaim(rt, task.id, "sara")
    assert queries.get_task(rt, task.id, "sam").assignee is None
    assert [a for a, _ in actions(rt, instance_id) if a.startswith("task_")][-3:] == [
        "task_claimed", "task_passed", "task_unclaimed"]


def test_second_completion_is_a_conflict_naming_the_completer(rt, gateway_case):
    case, instance_id = gateway_case
    task = only_task(rt, instance_id)
    tasks.complete_task(rt, task.id, "sam", {"decision": "decline"})
    with pytest.raises(Conflict) as raised:
        tasks.complete_task(rt, task.id, "sara", {"decision": "approve"})
    assert raised.value.completed_by == "sam"
    assert "already completed by sam" in str(raised.value)
    assert queries.get_instance(rt, instance_id).end_event == "Request declined"


def test_a_crash_mid_completion_leaves_the_last_committed_revision(rt, gateway_case, monkeypatch):
    case, instance_id = gateway_case
    task = only_task(rt, instance_id)
    with rt.reading() as session:
        before = (session.get(Instance, instance_id).revision, session.get(Instance, instance_id).state)

    def power_cut(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("bpmnrun.service.persist._sync_timers", power_cut)
    with pytest.raises(RuntimeError):
        tasks.complete_task(rt, task.id, "sam", {"decision": "approve"})
    monkeypatch.undo()

    with rt.reading() as session:
        instance = session.get(Instance, instance_id)
        assert (instance.revision, instance.state) == before
        assert session.get(Task, task.id).state == "ready"
    assert [t.name for t in open_tasks(rt, instance_id)] == ["Record request"]
    tasks.complete_task(rt, task.id, "sam", {"decision": "approve"})
    assert [t.name for t in open_tasks(rt, instance_id)] == ["Authorise request"]


def test_cancel_closes_open_tasks(rt, gateway_case):
    case, instance_id = gateway_case
    instances.cancel(rt, instance_id, "sam", reason="family moved away")
    info = queries.get_instance(rt, instance_id)
    assert info.status == "cancelled"
    assert [t.state for t in queries.case_tasks(rt, case.id)] == ["cancelled"]
    assert ("cancel_requested", None) in actions(rt, instance_id)
    with pytest.raises(Conflict):
        instances.cancel(rt, instance_id, "sam")
