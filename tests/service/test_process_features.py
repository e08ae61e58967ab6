"""Timers across bank holidays, call activities, per-child work, messages — through the service layer."""

from __future__ import annotations

from datetime import datetime

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import instances, queries, tasks, timers
from bpmnrun.service.errors import Forbidden, ServiceError
from tests.support import (DIAGRAMS, actions, add_users, deploy_paths, finish, only_task, open_tasks,
                           instance_data, ready_sequence, smith_family, subject_ids)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_timers_wait_for_the_meeting_and_flag_the_handover_overdue_after_easter(rt, clock):
    deploy_paths(rt, DIAGRAMS / "test_timers.bpmn")
    add_users(rt, sam="Social Worker", wendy="Weekly meeting")
    case = smith_family(rt)
    clock.set(local(2025, 4, 17, 9, 0))  # Maundy Thursday
    instance_id = instances.start_work(rt, "test_timers", case.id, "sam")
    finish(rt, instance_id, "Bring request to the meeting", "sam", completed_on="2025-04-17")
    assert open_tasks(rt, instance_id) == []

    clock.set(local(2025, 4, 22, 10, 0))  # the meeting's own minute: not yet past
    assert timers.fire_due_timers(rt) == 0
    clock.advance(minutes=1)
    assert timers.fire_due_timers(rt) == 1
    finish(rt, instance_id, "Discuss at the meeting", "wendy", agreed="true")

    handover = only_task(rt, instance_id, "Joint handover meeting")
    assert handover.due_at == local(2025, 4, 28, 23, 59, 59, 999999)  # 18 and 21 April skipped
    clock.set(local(2025, 4, 28, 23, 59))
    timers.fire_due_timers(rt)
    assert not only_task(rt, instance_id).overdue
    clock.set(local(2025, 4, 29, 0, 0))
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0
    assert only_task(rt, instance_id).overdue
    overdue = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "overdue"]
    assert [(e.name, e.actor) for e in overdue] == [("Joint handover meeting", "timer")]
    assert [t.name for t in queries.list_tasks(rt, "sam") if t.overdue] == ["Joint handover meeting"]

    finish(rt, instance_id, "Joint handover meeting", "sam", handover_date="2025-04-29")
    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event) == ("completed", "Handover done")
    assert ("end_event", "Handover overdue – flagged") in actions(rt, instance_id)


def test_call_activity_assigns_the_named_authoriser_and_returns(rt):
    deploy_paths(rt, DIAGRAMS / "test_call_parent.bpmn", DIAGRAMS / "test_call_child.bpmn")
    add_users(rt, ella="Early Help Manager", mo=["Manager (authoriser)"], max=["Manager (authoriser)"])
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_call_parent", case.id, "ella")
    finish(rt, instance_id, "Record decision", "ella", authoriser="mo")

    auth = only_task(rt, instance_id, "CS Manager: Please review and authorise")
    assert (auth.assignee, auth.process_id, auth.lane) == ("mo", "test_call_child", "Manager (authoriser)")
    assert [t.name for t in queries.list_tasks(rt, "mo", mine=True)] == ["CS Manager: Please review and authorise"]
    assert queries.list_tasks(rt, "max", mine=True) == []
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "max", {"completed": True})
    finish(rt, instance_id, "CS Manager: Please review and authorise", "mo", completed="true")
    finish(rt, instance_id, "Plan and review", "ella", done="yes")

    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event) == ("completed", "Decision authorised")
    assert ready_sequence(rt, instance_id) == [
        ("Record decision", "Early Help Manager"),
        ("CS Manager: Please review and authorise", "Manager (authoriser)"),
        ("Plan and review", "Early Help Manager")]
    ends = [(e.name, e.detail["process"]) for e in queries.history(rt, instance_id=instance_id) if e.action == "end_event"]
    assert ends == [("Authorised", "test_call_child"), ("Decision authorised", "test_call_parent")]


def test_multi_instance_records_each_childs_outcome(rt):
    deploy_paths(rt, DIAGRAMS / "test_per_child.bpmn")
    add_users(rt, tia="TAC Admin")
    case = smith_family(rt)
    chosen = [s.id for s in case.subjects if s.name in ("Josie Smith", "Joy Smith")]
    instance_id = instances.start_work(rt, "test_per_child", case.id, "tia", chosen)
    outcomes = {t.subject_name: t for t in open_tasks(rt, instance_id)}
    assert sorted(outcomes) == ["Josie Smith", "Joy Smith"]  # not Johnny
    tasks.complete_task(rt, outcomes["Josie Smith"].id, "tia", {"assessment_outcome": "proceed"})
    tasks.complete_task(rt, outcomes["Joy Smith"].id, "tia", {"assessment_outcome": "Closed at Assessment"})

    monitoring = only_task(rt, instance_id, "TAC Monitoring")
    assert monitoring.lane == "TAC Admin"
    completed = {e.detail.get("subject"): e for e in queries.history(rt, instance_id=instance_id) if e.action == "task_ready"}
    assert set(completed) == {"Josie Smith", "Joy Smith", None}


def test_per_child_work_carries_on_after_its_spec_is_parsed_afresh(rt):
    """Another web worker, or a spec cache that dropped the version, restores the case mid-way through the
    per-child task on a freshly parsed spec: each child's answer still lands on that child, once."""
    from bpmnrun.library.bundles import SpecCache
    from bpmnrun.service.runtime import WorkflowCache
    deploy_paths(rt, DIAGRAMS / "test_per_child.bpmn")
    add_users(rt, tia="TAC Admin")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_per_child", case.id, "tia", subject_ids(case, "Josie", "Joy"))
    outcomes = {t.subject_name: t for t in open_tasks(rt, instance_id)}
    tasks.complete_task(rt, outcomes["Josie Smith"].id, "tia", {"assessment_outcome": "proceed"})
    rt.specs, rt.workflows, rt.version_keys = SpecCache(), WorkflowCache(), {}
    tasks.complete_task(rt, outcomes["Joy Smith"].id, "tia", {"assessment_outcome": "closed"})
    subjects = instance_data(rt, instance_id)["subjects"]
    assert [(s["name"], s["assessment_outcome"]) for s in subjects] == [("Josie Smith", "proceed"),
                                                                        ("Joy Smith", "closed")]


def test_all_children_closed_takes_the_other_end(rt):
    deploy_paths(rt, DIAGRAMS / "test_per_child.bpmn")
    add_users(rt, tia="TAC Admin")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_per_child", case.id, "tia")
    assert len(open_tasks(rt, instance_id)) == 3
    for task in open_tasks(rt, instance_id):
        tasks.complete_task(rt, task.id, "tia", {"assessment_outcome": "closed"})
    assert queries.get_instance(rt, instance_id).end_event == "No child proceeds"


def test_message_is_delivered_by_a_user(rt):
    deploy_paths(rt, DIAGRAMS / "test_message.bpmn")
    add_users(rt, sue="Supporting Families Team")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_message", case.id, "sue")
    info = queries.get_instance(rt, instance_id)
    assert info.waiting_messages == ("Completed early help assessment received",)
    assert open_tasks(rt, instance_id) == []
    with pytest.raises(ServiceError):
        instances.deliver_message(rt, instance_id, "Something else", "sue")
    instances.deliver_message(rt, instance_id, "Completed early help assessment received", "sue",
                              {"received_from": "St Mary's School"})
    finish(rt, instance_id, "Start the early help assessment work step", "sue", started="yes")
    assert queries.get_instance(rt, instance_id).end_event == "Assessment work step started"
    assert ("message_received", "Completed early help assessment received") in actions(rt, instance_id)
