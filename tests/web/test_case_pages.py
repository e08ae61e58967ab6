"""Finding and adding a family, starting work on it for chosen children, and the case page with its open
tasks, history and diagrams; who may see a case's work."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from bpmnrun.service import case_views, catalogue, queries, users
from bpmnrun.store.models import Instance
from tests.support import DIAGRAMS, deploy_paths, finish, only_task, open_to_everyone, subject_ids
from tests.web.conftest import CLOSURE, REQUEST, give_password

L1 = "lincs_step_out_internal_lp_existing_eh"
FIRST = "Send the request to the Early Help Manager"


def _state_of(page: str, element_id: str) -> str | None:
    found = re.search(rf'<g id="bpmn-{element_id}" class="([^"]*)"', page)
    assert found, f"no element {element_id} in the page's diagrams"
    state = re.search(r"bpmn-state-(\w+)", found.group(1))
    return state.group(1) if state else None


def _instances(rt, case_id: int) -> list[tuple[str, list]]:
    """(process id, subject ids) of each instance of the case, read straight from the store."""
    with rt.reading() as session:
        return [(i.process_id, i.subject_ids) for i in
                session.scalars(select(Instance).where(Instance.case_id == case_id).order_by(Instance.id))]


def _start_request(sam, case, *children: str):
    return sam.post(f"/cases/{case.id}/start", {"subject": [str(i) for i in subject_ids(case, *children)],
                                                "process_id": REQUEST})


# --- find or add a family ------------------------------------------------------------------------------

def test_cases_lists_recent_families_and_finds_them_by_family_or_child_name(browser, diagrams, rt):
    from bpmnrun.service import cases

    cases.create_case(rt, "Khan", [cases.Child("Aisha Khan", date(2012, 2, 11))], "sam")
    cases.create_case(rt, "Evans", [cases.Child("Ruby Evans", date(2017, 3, 15))], "admin")  # no work of sam's
    sam = browser().sign_in("sam")
    recent = sam.get("/cases").data.decode()
    assert "Smith" in recent and "Khan" in recent and "Josie Smith" in recent
    assert "Evans" not in recent  # lists show only the families the user may see
    by_child = sam.get("/cases?q=aisha").data.decode()
    assert "Khan" in by_child and 'href="/cases/%d"' % diagrams.id not in by_child
    assert "None of your families matches" in sam.get("/cases?q=Ruby").data.decode()
    nothing = sam.get("/cases?q=Nobody").data.decode()
    assert "None of your families matches" in nothing


def test_search_treats_wildcards_as_text(browser, diagrams):
    sam = browser().sign_in("sam")
    page = sam.get("/cases?q=%25").data.decode()
    assert "None of your families matches" in page and 'id="families"' not in page


def test_adding_a_family_with_children_ignores_blank_rows_and_goes_to_start_work(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    response = sam.post("/cases", {"family_name": " Jones ", "rows": "3",
                                   "child-1-name": "Ann Jones", "child-1-dob-day": "3", "child-1-dob-month": "6",
                                   "child-1-dob-year": "2019", "child-3-name": "Ben Jones"})
    assert response.status_code == 302
    found = case_views.find_cases(rt, "sam", "Jones")  # who adds a family sees it
    assert len(found) == 1 and found[0].children == ("Ann Jones", "Ben Jones")
    assert response.headers["Location"] == f"/cases/{found[0].id}/start"
    page = sam.get(response.headers["Location"]).data.decode()
    assert "The Jones family has been added" in page


def test_a_family_needs_a_name_and_a_child_and_dates_must_be_real(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    response = sam.post("/cases", {"family_name": "", "rows": "2", "child-1-name": "Ann Jones",
                                   "child-1-dob-day": "31", "child-1-dob-month": "2", "child-1-dob-year": "2019",
                                   "child-2-dob-day": "1", "child-2-dob-month": "", "child-2-dob-year": "2020"})
    page = response.data.decode()
    assert response.status_code == 422
    assert "govuk-error-summary" in page
    assert 'href="#family_name">Enter the family name' in page
    assert 'href="#child-1-dob-day">Date of birth must be a real date' in page
    assert 'href="#child-2-name">Enter the name of child 2' in page
    assert "Date of birth must include a month" in page
    assert 'value="Ann Jones"' in page  # what was typed is kept
    assert case_views.find_cases(rt, "sam", "Jones") == [] and len(case_views.find_cases(rt, "sam")) == 1


def test_a_family_without_any_child_is_refused(browser, diagrams):
    sam = browser().sign_in("sam")
    response = sam.post("/cases", {"family_name": "Jones", "rows": "3"})
    assert response.status_code == 422
    assert "Enter the name of at least one child" in response.data.decode()


def test_add_another_child_keeps_what_was_typed_and_adds_a_row(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    response = sam.post("/cases", {"action": "add-child", "family_name": "Jones", "rows": "3",
                                   "child-1-name": "Ann Jones"})
    page = response.data.decode()
    assert response.status_code == 200
    assert 'name="child-4-name"' in page and 'name="child-5-name"' not in page
    assert 'value="Ann Jones"' in page and 'value="Jones"' in page
    assert case_views.find_cases(rt, "sam", "Jones") == []


# --- start work ----------------------------------------------------------------------------------------

LEGEND = r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\s*(.*?)\s*</legend>'


def _groups(page: str) -> dict[str, str]:
    """The Start work page's groups of procedures, in order: legend → the page up to the next legend."""
    parts = re.split(LEGEND, page)
    return dict(zip(parts[1::2], parts[2::2]))


def test_start_work_offers_children_and_the_procedures_that_start_in_the_users_team(browser, library, rt):
    sam = browser().sign_in("sam")  # a Social Worker
    page = sam.get(f"/cases/{library.id}/start").data.decode()
    for child in ("Johnny Smith", "Josie Smith", "Joy Smith"):
        assert child in page
    groups = _groups(page)
    assert list(groups) == ["Lincolnshire", "York", "Authority C"]
    offered = set(re.findall(r'name="process_id"[^>]*value="([^"]+)"', page))
    starts_here = {e.process_id for e in catalogue.catalogue(rt)
                   if e.summary.startable and "Social Worker" in e.summary.start_lanes}
    assert offered == starts_here and f"{L1}" in offered and "authc_step_down_sc_to_eh" in offered
    # A procedure another team starts is not offered: Early Help's request for support, say.
    assert 'value="lincs_external_lp_requests_eh_support"' not in page
    # The shared sub-processes (bpmn/shared/) and York's case closure are only called: none is offered.
    for called in ("lincs_sc_case_closure", "lincs_manager_authorisation", "lincs_front_door_screening",
                   "lincs_tac_monitoring", "york_case_closure"):
        assert f'value="{called}"' not in page, called


def test_start_work_offers_a_startable_shared_sub_process_last(browser, diagrams, rt):
    deploy_paths(rt, DIAGRAMS / "web" / "shared" / "test_web_shared_review.bpmn")
    sam = browser().sign_in("sam")
    page = sam.get(f"/cases/{diagrams.id}/start").data.decode()
    groups = _groups(page)
    assert list(groups) == ["Other", "Shared sub-processes"]  # test diagrams have no authority of the three
    assert 'value="test_web_shared_review"' in groups["Shared sub-processes"]
    assert f'value="{REQUEST}"' in groups["Other"] and f'value="{REQUEST}"' not in groups["Shared sub-processes"]
    assert f'value="{CLOSURE}"' not in page  # called only


def test_starting_work_for_two_of_three_children_makes_the_first_task_ready_in_its_lane(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    response = _start_request(sam, diagrams, "Josie", "Joy")
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{diagrams.id}"
    assert _instances(rt, diagrams.id) == [(REQUEST, subject_ids(diagrams, "Josie", "Joy"))]
    (instance,) = case_views.case_detail(rt, diagrams.id, "sam").instances
    assert instance.process_id == REQUEST and instance.children == ("Josie Smith", "Joy Smith")
    task = only_task(rt, instance.id)
    assert task.name == FIRST and task.state == "ready" and task.lane == "Social Worker"
    page = sam.get(response.headers["Location"]).data.decode()
    assert "has started for Josie Smith, Joy Smith" in page and "govuk-notification-banner" in page


@pytest.mark.parametrize("form, message", [
    ({"process_id": REQUEST}, "Select the children this work is for"),
    ({"subject": ["1"]}, "Select the procedure to start"),
    ({"subject": ["1"], "process_id": "no_such_process"}, "Select the procedure to start"),
])
def test_start_work_without_children_or_procedure_shows_the_error_summary(browser, diagrams, rt, form, message):
    sam = browser().sign_in("sam")
    response = sam.post(f"/cases/{diagrams.id}/start", form)
    page = response.data.decode()
    assert response.status_code == 422
    assert "govuk-error-summary" in page and message in page
    assert _instances(rt, diagrams.id) == []


def test_start_work_for_a_child_of_another_family_is_refused(browser, diagrams, rt):
    from bpmnrun.service import cases

    other = cases.create_case(rt, "Khan", [cases.Child("Aisha Khan")], "admin")
    sam = browser().sign_in("sam")
    response = sam.post(f"/cases/{diagrams.id}/start", {"subject": [str(other.subjects[0].id)], "process_id": REQUEST})
    assert response.status_code == 400
    assert "not in the Smith family" in response.data.decode()


# --- the case page -------------------------------------------------------------------------------------

def test_the_case_page_shows_children_open_tasks_work_history_and_the_diagram(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    _start_request(sam, diagrams, "Josie", "Joy")
    page = sam.get(f"/cases/{diagrams.id}").data.decode()
    assert "Johnny Smith, born 3 September 2020" in page and "Josie Smith, born 14 June 2015" in page
    task = queries.case_tasks(rt, diagrams.id)[0]
    assert f'href="/tasks/{task.id}"' in page and FIRST in page
    assert "Step out request" in page and "In progress" in page
    assert "2 June 2025 09:00" in page  # the test clock, in England's local time
    assert 'data-action="instance_started"' in page and 'data-action="task_ready"' in page
    assert "<svg" in page
    assert _state_of(page, "Task_send") == "active"
    assert _state_of(page, "Start_request") == "completed"


def test_the_history_shows_answers_with_the_form_labels_and_the_diagram_moves_on(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    _start_request(sam, diagrams, "Josie", "Joy")
    instance_id = case_views.case_detail(rt, diagrams.id, "sam").instances[0].id
    finish(rt, instance_id, FIRST, "sam", originating_sc_workstep="sc_review_child_protection_conference",
           eh_manager_agreed="true", pass_to="eh_awaiting_allocation", note="Spoke to mum")
    page = sam.get(f"/cases/{diagrams.id}").data.decode()
    finished = page[page.index('data-action="task_completed"'):]
    finished = finished[:finished.index("</tr>")]
    assert "Originating SC workstep" in finished and "SC Review Child Protection Conference" in finished
    assert "<dd>Yes</dd>" in finished and "Spoke to mum" in finished
    assert _state_of(page, "Task_send") == "completed"
    assert _state_of(page, "Task_finish_workstep") == "active"
    assert _state_of(page, "Task_supervision") == "active"


def test_a_called_sub_process_is_drawn_with_its_own_task_marked(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    _start_request(sam, diagrams, "Josie")
    instance_id = case_views.case_detail(rt, diagrams.id, "sam").instances[0].id
    finish(rt, instance_id, FIRST, "sam", originating_sc_workstep="sc_review_child_protection_conference",
           eh_manager_agreed="true", pass_to="eh_awaiting_allocation")
    finish(rt, instance_id, "Update the workstep, and Finish it adding the appropriate Next Action", "sam")
    page = sam.get(f"/cases/{diagrams.id}").data.decode()
    assert f'id="diagram-{instance_id}-{CLOSURE}"' in page
    closure = only_task(rt, instance_id, "SC Social Care Case Closure")
    assert closure.process_id == CLOSURE
    assert _state_of(page, "Task_sc_closure") == "active"


def test_a_user_with_no_work_with_the_family_is_refused_and_shown_how_to_ask(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    _start_request(sam, diagrams, "Josie", "Joy")
    fran = browser().sign_in("fran")  # Front Door: no work with the Smiths
    response = fran.get(f"/cases/{diagrams.id}")
    page = response.data.decode()
    assert response.status_code == 403
    assert "This family is not in your work or your team" in page and 'href="/cases/find"' in page
    assert "Smith" not in page and FIRST not in page  # the refusal names no family: the id may be a guess
    assert "Smith" not in fran.get("/cases").data.decode()
    assert fran.get(f"/cases/{diagrams.id}/start").status_code == 403


def test_an_unknown_case_is_not_found(browser, diagrams):
    sam = browser().sign_in("sam")
    for path in ("/cases/9999", "/cases/9999/start"):
        response = sam.get(path)
        assert response.status_code == 404, path
        assert "no case 9999" in response.data.decode()
    assert sam.post("/cases/9999/start", {"subject": ["1"], "process_id": REQUEST}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(browser, diagrams, rt):
    visitor = browser()
    for path in ("/cases", f"/cases/{diagrams.id}", f"/cases/{diagrams.id}/start"):
        response = visitor.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in"), path
    response = visitor.post(f"/cases/{diagrams.id}/start", {"subject": ["1"], "process_id": REQUEST})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert _instances(rt, diagrams.id) == []


def test_the_history_names_people_as_they_are_known_not_by_user_name(browser, diagrams, rt):
    users.add_user(rt, "sue", ["Social Worker"], display_name="Sue Brown")
    open_to_everyone(rt, diagrams)
    give_password(rt)
    sue = browser().sign_in("sue")
    _start_request(sue, diagrams, "Josie")
    page = sue.get(f"/cases/{diagrams.id}").data.decode()
    started = page[page.index('data-action="instance_started"'):]
    who = re.search(r'<td class="govuk-table__cell">([^<]*)</td>', started[started.index("</td>"):]).group(1)
    assert who.strip() == "Sue Brown"
    assert "Sue Brown (sue)" not in page


# --- odd input never fails the page ----------------------------------------------------------------------

HUGE = "9" * 25  # beyond every database's integers
ODD_GETS = [f"/tasks/{HUGE}", "/tasks/%00", f"/cases/{HUGE}", f"/cases/{HUGE}/start", "/cases/0", "/cases?q=%00",
            "/cases?q=" + "a" * 3000, "/processes/nope?version=1", f"/processes/{REQUEST}?version={HUGE}",
            f"/processes/{REQUEST}?version=99", f"/processes/{REQUEST}?version=-1", f"/processes/{REQUEST}?version=%00",
            f"/processes/{REQUEST}/versions/{HUGE}/diagram.bpmn", f"/processes/{REQUEST}/versions/7/diagram.bpmn",
            "/processes/%00", "/compare?process=%00", "/compare?process=nope&process=nope2"]


def test_odd_ids_and_query_strings_get_a_clear_4xx_never_a_500(browser, diagrams):
    sam = browser().sign_in("sam")
    for url in ODD_GETS:
        response = sam.get(url)
        # a search for odd words finds nothing (200); everything else is refused with a 4xx page
        assert response.status_code < 500 and (response.status_code != 200 or "?q=" in url), (url, response.status_code)
        assert "Traceback" not in response.data.decode(), url
    posts = [(f"/cases/{HUGE}/start", {"subject": HUGE, "process_id": REQUEST}),
             (f"/cases/{diagrams.id}/start", {"subject": HUGE, "process_id": REQUEST}),
             ("/cases", {"rows": HUGE, "family_name": "Lee"}),
             ("/cases", {"family_name": "Lee", "child-1-name": "Ann Lee", "child-1-dob-day": HUGE,
                         "child-1-dob-month": "1", "child-1-dob-year": "2020"}),
             (f"/tasks/{HUGE}", {"_action": "finish"}), ("/cases", {"family_name": "Lee\x00"})]
    for url, data in posts:
        response = sam.post(url, data)
        assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_process_owner_adds_a_test_family_marked_as_such_and_no_one_else_can(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    assert 'name="is_test"' not in sam.get("/cases").data.decode()
    sam.post("/cases", {"family_name": "Jones", "rows": "1", "child-1-name": "Ann Jones", "is_test": "yes"})
    assert [c.is_test for c in case_views.find_cases(rt, "sam", "Jones")] == [False]  # the tick is ignored
    owner = browser().sign_in("owner")
    assert 'name="is_test"' in owner.get("/cases").data.decode()
    added = owner.post("/cases", {"family_name": "Trial", "rows": "1", "child-1-name": "Tess Trial", "is_test": "yes"})
    [trial] = case_views.find_cases(rt, "owner", "Trial")
    assert trial.is_test and added.headers["Location"] == f"/cases/{trial.id}/start"
    assert "Test family</strong>" in owner.get(f"/cases/{trial.id}").data.decode()
    assert ">Test</strong>" in owner.get("/cases").data.decode()
