"""Start work for a procedure that asks something first: its start form comes after the children and the
procedure are chosen, its answers are checked like a task's, and a sub-process is never offered."""

from __future__ import annotations

import pytest

from bpmnrun.service import queries
from tests.support import DIAGRAMS, add_users, deploy_paths, smith_family, subject_ids
from tests.web.conftest import give_password


@pytest.fixture
def family(rt):
    deploy_paths(rt, DIAGRAMS / "test_children.bpmn", DIAGRAMS / "test_children_callee.bpmn")
    add_users(rt, alice="Team A")
    give_password(rt)
    return smith_family(rt)


def test_the_start_form_is_asked_then_checked_then_the_work_starts(browser, rt, family):
    alice = browser().sign_in("alice")
    josie, joy = subject_ids(family, "Josie", "Joy")
    page = alice.get(f"/cases/{family.id}/start").data.decode()
    assert "test_children_callee" not in page and "Children callee" not in page  # called only: not offered
    asked = alice.post(f"/cases/{family.id}/start", {"subject": [str(josie), str(joy)], "process_id": "test_children"})
    html = asked.data.decode()
    assert asked.status_code == 200 and "Why now" in html and "For Josie Smith, Joy Smith" in html
    refused = alice.post(f"/cases/{family.id}/start", {"subject": [str(josie), str(joy)],
                                                        "process_id": "test_children", "start-form": "1"})
    assert refused.status_code == 422 and "Enter why now" in refused.data.decode()
    started = alice.post(f"/cases/{family.id}/start", {"subject": [str(josie), str(joy)], "start-form": "1",
                                                        "process_id": "test_children", "reason": "a review"})
    assert started.status_code == 302
    work = [t for t in queries.case_tasks(rt, family.id) if t.state == "ready"]
    assert [t.name for t in work] == ["Pick the children"]


def test_too_many_children_is_refused_on_the_first_page(browser, rt, family):
    alice = browser().sign_in("alice")
    every = [str(i) for i in subject_ids(family, "Johnny", "Josie", "Joy")]
    response = alice.post(f"/cases/{family.id}/start", {"subject": every, "process_id": "test_children",
                                                         "start-form": "1", "reason": "a review"})
    assert response.status_code == 422 and "at most 2 children" in response.data.decode()


def test_a_called_only_process_cannot_be_started_from_the_page(browser, rt, family):
    alice = browser().sign_in("alice")
    response = alice.post(f"/cases/{family.id}/start", {"subject": [str(subject_ids(family, "Josie")[0])],
                                                         "process_id": "test_children_callee"})
    assert response.status_code == 422 and "started by the procedures that use it" in response.data.decode()


def test_starting_a_procedure_already_running_for_a_child_asks_first(browser, rt, family):
    alice = browser().sign_in("alice")
    josie, joy = subject_ids(family, "Josie", "Joy")
    first = {"subject": [str(josie)], "process_id": "test_children", "start-form": "1", "reason": "a review"}
    assert alice.post(f"/cases/{family.id}/start", first).status_code == 302
    again = {"subject": [str(josie), str(joy)], "process_id": "test_children", "start-form": "1", "reason": "again"}
    warned = alice.post(f"/cases/{family.id}/start", again)
    html = " ".join(warned.data.decode().split())
    assert warned.status_code == 200 and "already running for Josie Smith (Work 1" in html
    assert len([t for t in queries.case_tasks(rt, family.id) if t.state == "ready"]) == 1
    asked = alice.post(f"/cases/{family.id}/start", {**again, "start-form": None, "start-anyway": "1"})
    assert 'name="start-anyway"' in asked.data.decode()  # the start form carries the answer on
    assert alice.post(f"/cases/{family.id}/start", {**again, "start-anyway": "1"}).status_code == 302
    assert len([t for t in queries.case_tasks(rt, family.id) if t.state == "ready"]) == 2
