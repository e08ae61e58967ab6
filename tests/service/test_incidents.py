"""Incidents instead of errors: an engine failure while starting work, completing a task, delivering a message
or firing a timer leaves the case at its last committed state, tells the caseworker plainly, and records an
incident a process owner can list, retry after a fix, or dismiss. A failing timer is retried with back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bpmnrun.service import incident_retry, incidents, instances, queries, tasks, timers
from bpmnrun.service.errors import ServiceError
from bpmnrun.store.models import Instance, Timer
from tests.service.change_support import PROCESS, V1, Library, stuck_at_completion, stuck_at_timer, team_of_v1
from tests.support import DIAGRAMS, actions, add_users, only_task, smith_family

STEPS = DIAGRAMS / "test_incident_steps.bpmn"
STEPS_FIX = ("start_of_day(add_days(review_on, 1))", 'start_of_day(add_days(value("review_on", None) or today(), 1))')


def _revision(rt, instance_id: int) -> int:
    with rt.reading() as session:
        return session.get(Instance, instance_id).revision


def test_a_completion_the_diagram_cannot_take_becomes_an_incident_and_keeps_the_answers(rt, tmp_path):
    Library(rt, tmp_path / "bpmn").deploy(V1)
    case = team_of_v1(rt)
    instance_id = instances.start_work(rt, PROCESS, case.id, "sam")
    task = only_task(rt, instance_id)
    before = _revision(rt, instance_id)

    with pytest.raises(incidents.NeedsAttention) as raised:
        tasks.complete_task(rt, task.id, "sam", {"family_size": "1"})
    message = str(raised.value)
    assert raised.value.status == 409
    assert message.startswith("This case needs attention")
    assert "'Review date'" in message and "Your answers are saved" in message
    assert f"A process owner has been told (incident {raised.value.incident_id})" in message
    assert "Traceback" not in message and "SpiffWorkflow" not in message

    # The case is where it was: same revision, the task still open, the answers kept as its draft.
    assert _revision(rt, instance_id) == before
    still = only_task(rt, instance_id)
    assert still.id == task.id and still.state == "ready"
    assert queries.get_task(rt, task.id, "sam").draft["family_size"] == "1"

    [incident] = incidents.list_incidents(rt)
    assert (incident.instance_id, incident.case_id, incident.process_id, incident.version) == (
        instance_id, case.id, PROCESS, 1)
    assert (incident.action, incident.task_id, incident.element_id, incident.element_name) == (
        "complete_task", task.id, "Wait", "Review date")
    assert "no date was given" in incident.message and incident.raised_by == "sam"
    assert not incident.resolved and incident.attempts == 1
    assert ("incident_raised", "Review date") in actions(rt, instance_id)

    # Trying again on the same bad version counts an attempt on the same incident.
    with pytest.raises(incidents.NeedsAttention):
        tasks.complete_task(rt, task.id, "sam", {})
    [again] = incidents.list_incidents(rt)
    assert again.id == incident.id and again.attempts == 2


def test_a_failing_timer_is_kept_retried_with_back_off_and_listed(rt, clock, tmp_path):
    Library(rt, tmp_path / "bpmn").deploy(V1)
    case = team_of_v1(rt)
    instance_id = stuck_at_timer(rt, clock, case.id)

    [incident] = incidents.list_incidents(rt)
    assert (incident.action, incident.element_id, incident.raised_by) == ("fire_timers", "Gw", "timer")
    assert "no condition on the gateway's outgoing flows is true" in incident.message
    assert incident.attempts == 1 and incident.next_try_at == clock.now() + timedelta(minutes=1)
    with rt.reading() as session:
        assert session.query(Timer).filter_by(instance_id=instance_id).count() == 1  # never lost
        assert session.get(Instance, instance_id).status == "running"

    assert timers.fire_due_timers(rt) == 0  # skipped until its next try
    assert incidents.get_incident(rt, incident.id).attempts == 1
    clock.advance(minutes=2)
    assert timers.fire_due_timers(rt) == 0
    tried = incidents.get_incident(rt, incident.id)
    assert tried.attempts == 2 and tried.next_try_at == clock.now() + timedelta(minutes=5)
    assert len(incidents.list_incidents(rt)) == 1

    # A retry by hand ignores the back-off and says it failed again.
    outcome = incident_retry.retry(rt, incident.id, "owner")
    assert not outcome.succeeded and "failed again" in outcome.message
    assert incidents.get_incident(rt, incident.id).attempts == 3


def test_starting_work_that_fails_at_once_starts_nothing_and_is_retried_after_a_fix(rt, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(STEPS)
    add_users(rt, sam="Social Worker")
    case = smith_family(rt)

    with pytest.raises(incidents.NeedsAttention) as raised:
        instances.start_work(rt, "test_incident_steps", case.id, "sam", data={"report_first": "false"})
    assert "Nothing was started" in str(raised.value)
    with rt.reading() as session:
        assert session.query(Instance).filter_by(case_id=case.id).count() == 0
    [incident] = incidents.list_incidents(rt)
    assert (incident.action, incident.instance_id, incident.case_id, incident.element_id) == (
        "start_work", None, case.id, "Wait_review")

    library.deploy(STEPS, replace=STEPS_FIX)
    outcome = incident_retry.retry(rt, incident.id, "owner")
    assert outcome.succeeded and "the work started as case work" in outcome.message
    instance_id = int(outcome.message.rsplit(" ", 1)[-1])
    assert queries.get_instance(rt, instance_id).version == 2
    assert [e.actor for e in queries.history(rt, instance_id=instance_id) if e.action == "instance_started"] == ["sam"]
    resolved = incidents.get_incident(rt, incident.id)
    assert resolved.resolved and resolved.resolved_by == "owner" and "retried by owner" in resolved.resolution


def test_a_message_whose_next_step_fails_is_an_incident_and_not_recorded(rt, tmp_path):
    Library(rt, tmp_path / "bpmn").deploy(STEPS)
    add_users(rt, sam="Social Worker")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_incident_steps", case.id, "sam", data={"report_first": "true"})
    before = _revision(rt, instance_id)

    with pytest.raises(ServiceError, match="nothing in this case is waiting for the message 'Nope'"):
        instances.deliver_message(rt, instance_id, "Nope", "sam")  # a user's mistake, not an incident
    with pytest.raises(incidents.NeedsAttention, match="The message was not recorded"):
        instances.deliver_message(rt, instance_id, "Report received", "sam", {"pages": 3})
    assert _revision(rt, instance_id) == before
    assert queries.get_instance(rt, instance_id).waiting_messages == ("Report received",)
    [incident] = incidents.list_incidents(rt)
    assert (incident.action, incident.element_id, incident.data["message"]) == (
        "deliver_message", "Wait_review", "Report received")

    incidents.dismiss(rt, incident.id, "owner", "the family moved away")
    assert incidents.list_incidents(rt) == []
    closed = incidents.get_incident(rt, incident.id)
    assert closed.resolved and closed.resolution == "dismissed: the family moved away"
    with pytest.raises(ServiceError, match="already resolved"):
        incident_retry.retry(rt, incident.id, "owner")


def test_the_caseworker_finishing_the_task_after_a_fix_resolves_the_incident(rt, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    instance_id, task_id = stuck_at_completion(rt, case.id)
    # A fix that needs no move: the caseworker gives a review date, which version 1 can take.
    tasks.complete_task(rt, task_id, "sam", {"review_on": "2025-06-10"})
    assert incidents.list_incidents(rt) == []
    [incident] = incidents.list_incidents(rt, open_only=False)
    assert incident.resolved and incident.resolution == "the task was completed" and incident.resolved_by == "sam"
    assert queries.get_instance(rt, instance_id).status == "running"
