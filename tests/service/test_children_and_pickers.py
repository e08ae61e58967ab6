"""The children each step is for, children and person pickers, per-child answers, start forms, `completed_by`
and call-activity mappings (bpmn/README.md), driven through the service layer."""

from __future__ import annotations

import pytest

from bpmnrun.service import instances, queries, tasks
from bpmnrun.service.errors import Forbidden, InvalidInput
from tests.support import DIAGRAMS, add_users, deploy_paths, instance_data, only_task, smith_family, subject_ids


@pytest.fixture
def family(rt):
    deploy_paths(rt, DIAGRAMS / "test_children.bpmn", DIAGRAMS / "test_children_callee.bpmn")
    add_users(rt, alice="Team A", ann="Team A", bob="Team B", bea="Team B")
    return smith_family(rt)


def _start(rt, case, *children, **data):
    return instances.start_work(rt, "test_children", case.id, "alice", subject_ids(case, *children),
                                {"reason": "a review", **data})


def test_start_form_is_checked_and_max_children_holds(rt, family):
    with pytest.raises(InvalidInput) as caught:
        instances.start_work(rt, "test_children", family.id, "alice", subject_ids(family, "Josie", "Joy"), {})
    assert caught.value.errors == {"reason": "Enter why now"}
    with pytest.raises(InvalidInput) as caught:
        _start(rt, family, "Johnny", "Josie", "Joy")
    assert "at most 2 children" in caught.value.errors["subject"]
    with pytest.raises(InvalidInput) as caught:
        _start(rt, family, "Josie", subjects=[])
    assert caught.value.errors == {"subjects": "is set by bpmnrun, not by start data"}
    assert [f.id for f in instances.start_form(rt, "test_children").fields] == ["reason"]


def test_a_step_for_some_children_gets_exactly_those_children(rt, family):
    instance = _start(rt, family, "Josie", "Joy")
    pick = only_task(rt, instance, "Pick the children")
    form = {f["id"]: f for f in queries.get_task(rt, pick.id, "alice").form}
    josie, joy = subject_ids(family, "Josie", "Joy")
    assert form["picked"]["options"] == [{"id": str(josie), "label": "Josie Smith"},
                                         {"id": str(joy), "label": "Joy Smith"}]
    # The person picker offers Team B's members by display name; someone outside the team is refused.
    assert [o["id"] for o in form["worker"]["options"]] == ["bea", "bob"]
    errors = _invalid(rt, pick.id, "alice", {"picked": [str(joy)], "worker": "ann"})
    assert "worker" in errors
    tasks.complete_task(rt, pick.id, "alice", {"picked": [str(joy)], "worker": "bob"})

    answer = only_task(rt, instance, "Answer for each child")
    assert answer.children == ("Joy Smith",)
    assert answer.assignee == "bob"
    rows = {f["id"]: f for f in queries.get_task(rt, answer.id, "bob").form}["outcome"]["children"]
    assert rows == [{"id": str(joy), "label": "Joy Smith"}]
    # The input parameter is local: the steps after it see the process's own children again.
    tasks.complete_task(rt, answer.id, "bob", {"outcome": {str(joy): "go"}})
    assert [s["name"] for s in instance_data(rt, instance)["subjects"]] == ["Josie Smith", "Joy Smith"]
    again = only_task(rt, instance, "Back to whoever picked")
    assert again.assignee == "alice" and again.children == ("Josie Smith", "Joy Smith")


def test_children_picker_defaults_to_every_child_and_needs_one(rt, family):
    instance = _start(rt, family, "Josie", "Joy")
    pick = only_task(rt, instance, "Pick the children")
    assert _invalid(rt, pick.id, "alice", {"picked": [], "worker": "bob"}) == {
        "picked": "Tick the children this applies to"}
    tasks.complete_task(rt, pick.id, "alice", {"worker": "bob"})  # left as it was offered: every child
    assert only_task(rt, instance, "Answer for each child").children == ("Josie Smith", "Joy Smith")


def test_per_child_answers_need_every_child_and_route_each_group(rt, family):
    instance = _start(rt, family, "Josie", "Joy")
    josie, joy = (str(i) for i in subject_ids(family, "Josie", "Joy"))
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice", {"worker": "bea"})
    answer = only_task(rt, instance, "Answer for each child")
    assert _invalid(rt, answer.id, "bea", {"outcome": {josie: "go"}}) == {"outcome": "Select the outcome for Joy Smith"}
    assert "Josie Smith" in _invalid(rt, answer.id, "bea", {"outcome": {josie: "fly", joy: "go"}})["outcome"]
    assert "not one of this task's children" in _invalid(rt, answer.id, "bea", {"outcome": {"999": "go"}})["outcome"]
    tasks.complete_task(rt, answer.id, "bea", {"outcome": {josie: "stay", joy: "Go"},
                                               "seen_on": {joy: "2025-06-03"}})
    assert instance_data(rt, instance)["outcome"] == {josie: "stay", joy: "go"}
    tasks.complete_task(rt, only_task(rt, instance, "Back to whoever picked").id, "alice", {})

    callee = only_task(rt, instance, "Record for the children given")
    assert callee.children == ("Joy Smith",)  # camunda:in: only the children whose answer is Go
    note = next(f for f in queries.get_task(rt, callee.id, "bob").form if f["id"] == "callee_note")
    assert note["default"] == "a review"  # a default written ${reason}: prefilled from another value
    tasks.complete_task(rt, callee.id, "bob", {"callee_note": "joined the group"})
    data = instance_data(rt, instance)
    assert data["goers_note"] == "joined the group"  # camunda:out
    assert data["note_length"] == len("joined the group")  # an output parameter, computed on completion
    assert [s["name"] for s in data["subjects"]] == ["Josie Smith", "Joy Smith"]  # the caller keeps its own
    assert queries.get_instance(rt, instance).end_event == "Done"


def test_only_the_assignee_may_complete_an_assigned_step(rt, family):
    instance = _start(rt, family, "Josie")
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice", {"worker": "bob"})
    answer = only_task(rt, instance, "Answer for each child")
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, answer.id, "bea", {"outcome": {str(subject_ids(family, "Josie")[0]): "stay"}})


def _invalid(rt, task_id, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task_id, actor, values)
    return caught.value.errors


def test_the_case_status_recorded_by_one_piece_of_work_starts_the_next(rt, family):
    from bpmnrun.store.models import Case
    first = _start(rt, family, "Josie")
    assert "case_status" not in instance_data(rt, first)  # none recorded on the case yet
    tasks.complete_task(rt, only_task(rt, first, "Pick the children").id, "alice", {"worker": "bob"})
    josie = str(subject_ids(family, "Josie")[0])
    tasks.complete_task(rt, only_task(rt, first, "Answer for each child").id, "bob", {"outcome": {josie: "stay"}})
    tasks.complete_task(rt, only_task(rt, first, "Back to whoever picked").id, "alice",
                        {"case_status": "tac_external_lp"})
    with rt.reading() as session:
        assert session.get(Case, family.id).case_status == "tac_external_lp"
    second = _start(rt, family, "Joy")
    assert instance_data(rt, second)["case_status"] == "tac_external_lp"
