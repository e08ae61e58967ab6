"""The task page for steps that concern some of the children: a children picker (every child ticked until the
worker unticks some), a person picker from a team, one answer per child, and what has been recorded so far."""

from __future__ import annotations

import re

import pytest

from bpmnrun.service import instances, tasks
from tests.support import DIAGRAMS, add_users, deploy_paths, instance_data, only_task, smith_family, subject_ids
from tests.web.conftest import give_password


@pytest.fixture
def work(rt):
    deploy_paths(rt, DIAGRAMS / "test_children.bpmn", DIAGRAMS / "test_children_callee.bpmn")
    add_users(rt, alice="Team A", bob="Team B")
    from bpmnrun.service import users
    users.add_user(rt, "bea", ["Team B"], display_name="Bea Jones")
    give_password(rt)
    case = smith_family(rt)
    instance = instances.start_work(rt, "test_children", case.id, "alice", subject_ids(case, "Josie", "Joy"),
                                     {"reason": "the review of 2 June"})
    return case, instance


def page(response) -> str:
    assert response.status_code in (200, 422), response.status_code
    return response.data.decode()


def test_the_children_picker_ticks_every_child_and_the_person_picker_names_the_team(browser, rt, work):
    case, instance = work
    josie, joy = subject_ids(case, "Josie", "Joy")
    pick = only_task(rt, instance, "Pick the children")
    html = page(browser().sign_in("alice").get(f"/tasks/{pick.id}"))
    for child in (josie, joy):
        assert re.search(rf'<input[^>]*name="picked"[^>]*value="{child}"[^>]*checked', html)
    assert "Bea Jones" in html and re.search(r'name="worker"[^>]*value="bea"', html)
    # What the work started with is shown above the form, with the start form's label.
    assert "What has been recorded so far" in html and "Why now" in html and "the review of 2 June" in html


def test_unticking_a_child_and_choosing_a_person_moves_the_work_on_for_that_child(browser, rt, work):
    case, instance = work
    josie, joy = subject_ids(case, "Josie", "Joy")
    pick = only_task(rt, instance, "Pick the children")
    alice = browser().sign_in("alice")
    alice.get(f"/tasks/{pick.id}")
    response = alice.post(f"/tasks/{pick.id}", {"picked": str(joy), "picked-shown": "1", "worker": "bea",
                                                "_action": "finish"})
    assert response.status_code == 302
    answer = only_task(rt, instance, "Answer for each child")
    assert (answer.assignee, answer.children) == ("bea", ("Joy Smith",))


def test_a_per_child_field_has_a_row_per_child_and_names_the_child_left_unanswered(browser, rt, work):
    case, instance = work
    josie, joy = (str(i) for i in subject_ids(case, "Josie", "Joy"))
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice", {"worker": "bea"})
    answer = only_task(rt, instance, "Answer for each child")
    bea = browser().sign_in("bea")
    html = page(bea.get(f"/tasks/{answer.id}"))
    assert f'name="outcome--{josie}"' in html and f'name="outcome--{joy}"' in html
    assert f'name="seen_on--{joy}-day"' in html
    # Picked by Alice: her step is shown with the children she ticked and the person she chose, by name.
    assert "Pick the children" in html and "Bea Jones" in html

    html = page(bea.post(f"/tasks/{answer.id}", {f"outcome--{josie}": "stay", "_action": "finish"}))
    assert "Select the outcome for Joy Smith" in html
    response = bea.post(f"/tasks/{answer.id}", {f"outcome--{josie}": "stay", f"outcome--{joy}": "go",
                                                f"seen_on--{joy}-day": "3", f"seen_on--{joy}-month": "6",
                                                f"seen_on--{joy}-year": "2025", "_action": "finish"})
    assert response.status_code == 302
    data = instance_data(rt, instance)
    assert data["outcome"] == {josie: "stay", joy: "go"} and data["seen_on"] == {joy: "2025-06-03"}

    again = only_task(rt, instance, "Back to whoever picked")
    html = page(browser().sign_in("alice").get(f"/tasks/{again.id}"))
    assert "Josie Smith: Stay; Joy Smith: Go" in html and "Joy Smith: 3 June 2025" in html


def test_the_api_gives_the_recorded_steps_with_the_task(browser, rt, work, app):
    case, instance = work
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice", {"worker": "bea"})
    answer = only_task(rt, instance, "Answer for each child")
    from bpmnrun.service import users
    token = users.issue_token(rt, "bea")
    found = app.test_client().get(f"/api/v1/tasks/{answer.id}", headers={"Authorization": f"Bearer {token}"},
                                  base_url="https://localhost").get_json()
    steps = [(s["name"], [a["label"] for a in s["answers"]]) for s in found["recorded"]]
    assert steps == [("Work started", ["Why now"]),
                     ("Pick the children", ["Which children does this apply to?", "Who does the next step?"])]
    outcome = next(f for f in found["form"] if f["id"] == "outcome")
    assert outcome["per_child"] and [c["label"] for c in outcome["children"]] == ["Josie Smith", "Joy Smith"]


def test_the_case_page_says_where_each_child_stands(browser, rt, work):
    case, instance = work
    josie, joy = subject_ids(case, "Josie", "Joy")
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice",
                        {"picked": [str(joy)], "worker": "bea"})
    html = page(browser().sign_in("alice").get(f"/cases/{case.id}"))
    josie_card = html[html.index(f'id="child-{josie}"'):html.index(f'id="child-{joy}"')]
    joy_card = html[html.index(f'id="child-{joy}"'):]
    assert "Last step: Pick the children" in josie_card  # Josie was left out of the next step
    assert "Waiting for: Answer for each child" in joy_card[:600]


def test_work_is_numbered_and_the_history_filters_by_work_and_by_child(browser, rt, work):
    case, instance = work
    josie, joy = subject_ids(case, "Josie", "Joy")
    second = instances.start_work(rt, "test_children", case.id, "alice", [josie], {"reason": "another"})
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice",
                        {"picked": [str(joy)], "worker": "bea"})
    alice = browser().sign_in("alice")
    html = page(alice.get(f"/cases/{case.id}"))
    assert "Work 1: Children" in html and "Work 2: Children" in html
    assert "for Josie Smith, Joy Smith, started 2 June 2025" in html
    assert "with Bea Jones" in html  # people by the names they are known by

    def history(**args) -> str:
        text = page(alice.get(f"/cases/{case.id}", query_string=args))
        return text[text.index('id="timeline"'):]

    only_second = history(work=second)
    assert only_second.count("Work 2: Children") > 1 and "Work 1: Children</span>" not in only_second
    for_josie = history(child=josie)
    # Josie was left out of Work 1's next step: its "Answer for each child" (for Joy) is not in her history.
    assert "Answer for each child" not in for_josie and "Pick the children" in for_josie
    assert "Answer for each child" in history(child=joy)


def test_a_wide_diagram_has_a_full_size_page(browser, rt, work):
    case, instance = work
    alice = browser().sign_in("alice")
    html = page(alice.get(f"/cases/{case.id}"))
    assert "view the diagram full size" in html
    full = alice.get(f"/cases/{case.id}/work/{instance}/diagram", query_string={"process": "test_children"})
    assert full.status_code == 200 and "<svg" in full.data.decode() and "Scroll sideways" in full.data.decode()
    assert alice.get(f"/cases/{case.id}/work/{instance}/diagram", query_string={"process": "nope"}).status_code == 404


def test_the_task_list_marks_drafts_filters_by_child_and_names_people(browser, rt, work):
    case, instance = work
    josie, joy = subject_ids(case, "Josie", "Joy")
    instances.start_work(rt, "test_children", case.id, "alice", [josie], {"reason": "for Josie alone"})
    pick = only_task(rt, instance, "Pick the children")
    tasks.save_draft(rt, pick.id, "alice", {"worker": "bea"})
    alice = browser().sign_in("alice")
    html = page(alice.get("/", query_string={"view": "all"}))
    row = html[html.index(f'data-task-id="{pick.id}"'):][:1500]
    assert "Draft" in row and "by you" in row
    assert html.count("data-task-id=") == 2
    only_joy = page(alice.get("/", query_string={"view": "all", "child": "joy"}))
    assert only_joy.count("data-task-id=") == 1 and f'data-task-id="{pick.id}"' in only_joy
    tasks.complete_task(rt, pick.id, "alice", {"worker": "bea"})
    assert "with Bea Jones" in page(browser().sign_in("bea").get("/", query_string={"view": "mine"}))


def test_after_finish_the_page_says_what_happens_next_and_who_has_it(browser, rt, work):
    case, instance = work
    pick = only_task(rt, instance, "Pick the children")
    alice = browser().sign_in("alice")
    alice.get(f"/tasks/{pick.id}")
    response = alice.post(f"/tasks/{pick.id}", {"worker": "bea", "_action": "finish"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{pick.id}/done")
    html = " ".join(page(alice.get(response.headers["Location"])).split())
    assert "Pick the children is complete" in html
    assert "Answer for each child</strong> – with Bea Jones, for Josie Smith, Joy Smith." in html


def test_the_done_page_names_the_end_the_work_reached(browser, rt, work):
    case, instance = work
    josie, joy = (str(i) for i in subject_ids(case, "Josie", "Joy"))
    tasks.complete_task(rt, only_task(rt, instance, "Pick the children").id, "alice", {"worker": "bea"})
    tasks.complete_task(rt, only_task(rt, instance, "Answer for each child").id, "bea",
                        {"outcome": {josie: "stay", joy: "stay"}})
    tasks.complete_task(rt, only_task(rt, instance, "Back to whoever picked").id, "alice", {})
    last = only_task(rt, instance, "Record for the children given")
    tasks.complete_task(rt, last.id, "bob", {"callee_note": "none went"})
    html = " ".join(page(browser().sign_in("bob").get(f"/tasks/{last.id}/done")).split())
    assert "This work has ended: <strong>Done</strong>" in html, html[html.find("What happens next"):][:600]


def test_the_api_completion_answer_carries_the_next_steps(rt, work, app):
    case, instance = work
    from bpmnrun.service import users
    token = users.issue_token(rt, "alice")
    pick = only_task(rt, instance, "Pick the children")
    found = app.test_client().post(f"/api/v1/tasks/{pick.id}/complete", json={"data": {"worker": "bob"}},
                                   headers={"Authorization": f"Bearer {token}"},
                                   base_url="https://localhost").get_json()
    assert [(s["name"], s["person"], s["children"]) for s in found["next_steps"]] == [
        ("Answer for each child", "bob", ["Josie Smith", "Joy Smith"])]
