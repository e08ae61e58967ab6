"""The task page: what the task is, its form drawn from the diagram, Save and close, Finish, and what a
caseworker sees when the answers fail, when someone else finished first, or when the task is not theirs."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bpmnrun.service import instances, queries, tasks, timers, users
from tests.support import actions, finish, only_task, open_tasks, subject_ids
from tests.web.conftest import CONTACTS, MEETING, REQUEST, give_password

SEND = "Send the request to the Early Help Manager"
FINISH_WORKSTEP = "Update the workstep, and Finish it adding the appropriate Next Action"
SUPERVISION = "EH Early Help Case Supervision"
DECISION = "EH Decision on Significant Information"
SC_CLOSURE = "SC Social Care Case Closure"
CANCEL_VISITS = "Cancel outstanding SC worksteps"
CONTACTS_TASK = "Record the contacts made"
DISCUSS = "Discuss with family and key professionals (TAC&F)"
MASH_DECISION = "Decision on next steps (MASH)"


@pytest.fixture
def request_work(rt, diagrams):
    """The test request started by sam for Josie and Joy; sara is a second Social Worker."""
    users.add_user(rt, "sara", ["Social Worker"])
    give_password(rt)
    return instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Josie", "Joy"))


def page_of(response) -> str:
    return response.data.decode()


def radio(page: str, name: str, value: str) -> str:
    """The <input> tag of one radio or checkbox, to check it is there and whether it is checked."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="{re.escape(value)}"[^>]*>', page)
    assert found, f"no input {name}={value}"
    return found.group(0)


def send_answers(**overrides) -> dict[str, str]:
    """The request as a browser posts it: option ids, "true" for Yes."""
    return {"originating_sc_workstep": "sc_review_child_protection_conference", "eh_manager_agreed": "true",
            "pass_to": "eh_awaiting_allocation", "approving_eh_manager": "", "note": "Agreed with Eve",
            "_action": "finish", **overrides}


# --- what the page shows ------------------------------------------------------------------------------------


def test_the_page_shows_the_task_its_family_children_procedure_and_documentation(browser, request_work, rt):
    task = only_task(rt, request_work)
    page = page_of(browser().sign_in("sam").get(f"/tasks/{task.id}"))
    assert re.search(rf"<h1[^>]*>{re.escape(SEND)}</h1>", page)
    assert "Josie Smith, Joy Smith" in page and "Johnny Smith" not in page
    assert "Step out request" in page
    assert re.search(r"Authority\s*</dt>\s*<dd[^>]*>\s*Other\s*</dd>", page)  # a test diagram's authority
    assert f'href="/cases/{task.case_id}"' in page
    assert "Social Worker" in page and "Nobody yet" in page and "2 Jun 2025 09:00" in page  # waiting since
    # The diagram's documentation, as text: its quotes come out escaped, not as markup.
    assert "Send the request from the clipboard of the social care workstep" in page
    assert "Pass to Worker: &#39;find the Early Help Manager that has approved the step out to TAC&#39;" in page


def test_each_field_type_gets_its_gov_uk_component(browser, request_work, rt):
    page = page_of(browser().sign_in("sam").get(f"/tasks/{only_task(rt, request_work).id}"))
    # enum: radios with the options' words; the default is chosen.
    assert 'type="radio"' in radio(page, "originating_sc_workstep", "sc_child_and_family_assessment")
    assert "SC Review Child Protection Conference" in page
    assert "checked" in radio(page, "request", "step_out_to_tac")
    assert "checked" not in radio(page, "request", "step_out_to_early_help")
    assert "checked" not in radio(page, "pass_to", "eh_awaiting_allocation")
    # a required boolean (a confirmation): one tick box, no "No" to answer; string: an input; a note: a
    # textarea; hints under the fields.
    assert 'type="checkbox"' in radio(page, "eh_manager_agreed", "true") and "checked" not in radio(page, "eh_manager_agreed", "true")
    assert not re.search(r'name="eh_manager_agreed"[^>]*value="false"', page)
    assert re.search(r'<input\s+class="govuk-input"[^>]*id="approving_eh_manager"[^>]*type="text"', page)
    assert re.search(r'<textarea[^>]*name="note"', page)
    assert "Optional free text sent with the request." in page
    assert "Note (optional)" in page
    assert "Finish" in page and "Save and close" in page


def test_date_fields_are_day_month_year_and_rows_show_the_recorded_ones(browser, rt, diagrams):
    instance_id = instances.start_work(rt, CONTACTS, diagrams.id, "tia", subject_ids(diagrams, "Josie", "Joy"))
    task = only_task(rt, instance_id, CONTACTS_TASK)
    tia = browser().sign_in("tia")
    page = page_of(tia.get(f"/tasks/{task.id}"))
    for part in ("day", "month", "year"):
        assert re.search(rf'<input[^>]*id="contact_date-{part}"[^>]*name="contact_date-{part}"', page)
    assert "Nothing recorded yet." in page

    response = tia.post(f"/tasks/{task.id}", {"contact_date-day": "9", "contact_date-month": "6",
                                             "contact_date-year": "2025", "persons_contacted": "Health Visitor Anna Lee",
                                             "contact_details": "Chased the assessment by phone", "_action": "save"})
    assert response.status_code == 302
    assert queries.get_task(rt, task.id, "tia").draft["_rows"]["record_of_contacts"] == [{
        "contact_date": "2025-06-09", "persons_contacted": "Health Visitor Anna Lee",
        "contact_details": "Chased the assessment by phone"}]
    page = page_of(tia.get(f"/tasks/{task.id}"))
    table = page[page.index('id="record_of_contacts"'):]
    assert "9 June 2025" in table and "Chased the assessment by phone" in table


def test_per_child_tasks_name_their_child(browser, rt, diagrams):
    instance_id = instances.start_work(rt, CONTACTS, diagrams.id, "tia", subject_ids(diagrams, "Josie", "Joy"))
    finish(rt, instance_id, CONTACTS_TASK, "tia")
    per_child = {t.subject_name: t for t in open_tasks(rt, instance_id)}
    assert sorted(per_child) == ["Josie Smith", "Joy Smith"]
    tia = browser().sign_in("tia")
    for child, task in per_child.items():
        page = page_of(tia.get(f"/tasks/{task.id}"))
        assert f"Smith family – for {child}" in page
        assert 'name="assessment_outcome"' in page


def test_read_only_fields_are_a_summary_list_of_the_case_data(browser, request_work, rt):
    finish(rt, request_work, SEND, "sam", originating_sc_workstep="SC Review Child Protection Conference",
           eh_manager_agreed=True, pass_to="EH Awaiting Allocation")
    finish(rt, request_work, SUPERVISION, "eve", case_status_prior="Open to Social Care")
    page = page_of(browser().sign_in("eve").get(f"/tasks/{only_task(rt, request_work, DECISION).id}"))
    readonly = page[page.index('id="readonly"'):]
    readonly = readonly[:readonly.index("</dl>")]
    assert "Case Status (prior to decision)" in readonly
    assert "Open to Social Care" in readonly and "open_to_social_care" not in readonly  # the option's words, not its id
    assert 'name="case_status_prior"' not in page  # nothing to type for it


def test_multiple_choice_is_checkboxes_and_posts_a_list(browser, request_work, rt):
    finish(rt, request_work, SEND, "sam", originating_sc_workstep="SC Review Child Protection Conference",
           eh_manager_agreed=True, pass_to="EH Awaiting Allocation")
    finish(rt, request_work, FINISH_WORKSTEP, "sam")
    finish(rt, request_work, SC_CLOSURE, "sam")
    task = only_task(rt, request_work, CANCEL_VISITS)
    ps = browser().sign_in("ps")
    page = page_of(ps.get(f"/tasks/{task.id}"))
    assert 'type="checkbox"' in radio(page, "visits_cancelled", "sc_child_protection_visit")

    response = ps.client.post(f"/tasks/{task.id}", data={
        "csrf_token": ps.token, "visits_cancelled-shown": "1", "_action": "finish",
        "visits_cancelled": ["sc_child_protection_visit", "sc_core_group_meeting"]})
    assert response.status_code == 302
    assert queries.get_task(rt, task.id, "ps").data == {
        "visits_cancelled": ["sc_child_protection_visit", "sc_core_group_meeting"]}


# --- Save and close, Finish ---------------------------------------------------------------------------------


def test_save_and_close_keeps_a_draft_and_the_task_open(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    response = sam.post(f"/tasks/{task.id}", {"originating_sc_workstep": "sc_child_and_family_assessment",
                                             "note": "Spoke to mum", "_action": "save"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "have been saved. The task is still open." in page_of(sam.get("/"))

    saved = queries.get_task(rt, task.id, "sam")
    assert saved.state == "ready"
    assert (saved.draft["originating_sc_workstep"], saved.draft["note"]) == (
        "sc_child_and_family_assessment", "Spoke to mum")
    assert ("draft_saved", SEND) in actions(rt, request_work)
    assert ("task_completed", SEND) not in actions(rt, request_work)
    page = page_of(sam.get(f"/tasks/{task.id}"))  # the form opens as it was left
    assert "checked" in radio(page, "originating_sc_workstep", "sc_child_and_family_assessment")
    assert re.search(r"<textarea[^>]*>\s*Spoke to mum</textarea>", page)


def test_finish_completes_the_task_and_moves_the_process_on(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    response = sam.post(f"/tasks/{task.id}", send_answers())
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{task.id}/done"
    done_page = " ".join(page_of(sam.get(response.headers["Location"])).split())
    assert f"{SEND} is complete" in done_page and "What happens next" in done_page

    done = queries.get_task(rt, task.id, "sam")
    assert (done.state, done.completed_by) == ("completed", "sam")
    assert (done.data["originating_sc_workstep"], done.data["eh_manager_agreed"], done.data["pass_to"],
            done.data["note"]) == ("sc_review_child_protection_conference", True, "eh_awaiting_allocation",
                                   "Agreed with Eve")
    assert only_task(rt, request_work, FINISH_WORKSTEP).state == "ready"
    assert ("task_completed", SEND) in actions(rt, request_work)
    page = page_of(sam.get(f"/tasks/{task.id}"))  # a closed task shows who did it and no form
    assert "Completed by sam on 2 Jun 2025 09:00" in page and 'id="task-form"' not in page
    assert "SC Review Child Protection Conference" in page[page.index('id="recorded"'):]


def test_finish_with_a_draft_and_the_rest_typed_now(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    sam.post(f"/tasks/{task.id}", {"pass_to": "eh_awaiting_allocation", "_action": "save"})
    answers = send_answers()
    del answers["pass_to"]  # a radio left as the draft had it is still sent by a browser; here it is not
    assert sam.post(f"/tasks/{task.id}", answers).status_code == 302
    assert queries.get_task(rt, task.id, "sam").data["pass_to"] == "eh_awaiting_allocation"


# --- what goes wrong ----------------------------------------------------------------------------------------


def test_invalid_answers_come_back_with_the_error_summary_and_what_was_typed(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    response = sam.post(f"/tasks/{task.id}", {"originating_sc_workstep": "sc_child_and_family_assessment",
                                             "note": "Typed before the error", "_action": "finish"})
    assert response.status_code == 422
    page = page_of(response)
    summary = page[page.index("govuk-error-summary"):page.index("</ul>", page.index("govuk-error-summary"))]
    assert 'href="#eh_manager_agreed"' in summary and 'href="#pass_to"' in summary
    assert "Tick to confirm: it has been agreed by the Early Help Manager that the case can step out to TAC" in summary
    assert re.search(r'id="pass_to-error"[^>]*>\s*<span[^>]*>Error:</span> Select the pass to worker', page)
    assert "checked" in radio(page, "originating_sc_workstep", "sc_child_and_family_assessment")
    assert "Typed before the error" in page
    assert page.count("<title>Error: ") == 1
    assert queries.get_task(rt, task.id, "sam").state == "ready"


def test_an_impossible_date_is_refused_on_its_field(browser, rt, diagrams):
    instance_id = instances.start_work(rt, MEETING, diagrams.id, "ella", subject_ids(diagrams, "Josie"))
    task = only_task(rt, instance_id)
    ella = browser().sign_in("ella")
    page = page_of(ella.get(f"/tasks/{task.id}"))
    assert 'name="tacf_date-day"' in page
    response = ella.post(f"/tasks/{task.id}", {
        "concern_summary": "Plan not progressing", "discussed_with_family": "yes",
        "tacf_date-day": "31", "tacf_date-month": "2", "tacf_date-year": "2025", "_action": "finish"})
    assert response.status_code == 422
    page = page_of(response)
    assert 'href="#tacf_date-day"' in page and "TAC&amp;F meeting date must be a real date" in page
    assert re.search(r'id="tacf_date-day"[^>]*value="31"|value="31"[^>]*id="tacf_date-day"', page)

    response = ella.post(f"/tasks/{task.id}", {
        "concern_summary": "Plan not progressing", "discussed_with_family": "yes",
        "tacf_date-day": "28", "tacf_date-month": "2", "tacf_date-year": "2025", "_action": "finish"})
    assert response.status_code == 302
    assert queries.get_task(rt, task.id, "ella").data["tacf_date"] == "2025-02-28"


def test_a_task_someone_else_finished_first_is_a_409_naming_them(browser, request_work, rt, clock):
    task = only_task(rt, request_work)
    sara = browser().sign_in("sara")
    sara.get(f"/tasks/{task.id}")  # sara opens the form ...
    clock.set(datetime(2025, 6, 2, 9, 30))
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    assert sam.post(f"/tasks/{task.id}", send_answers()).status_code == 302  # ... sam finishes first
    response = sara.post(f"/tasks/{task.id}", send_answers(note="Sara's note"))
    assert response.status_code == 409
    assert f"{SEND} was already completed by sam at 2 Jun 2025 09:30." in page_of(response)
    assert queries.get_task(rt, task.id, "sam").data["note"] == "Agreed with Eve"
    assert actions(rt, request_work).count(("task_completed", SEND)) == 1


def test_another_teams_task_is_403_and_an_unknown_one_404(browser, request_work, rt):
    task = only_task(rt, request_work)
    eve = browser().sign_in("eve")
    refused = eve.get(f"/tasks/{task.id}")
    assert refused.status_code == 403
    said = " ".join(page_of(refused).split())
    # It names the team that has the task and offers the family's case; no task id, no user name.
    assert f"{task.name} is a task for the Social Worker team. You are not in that team" in said
    assert f'href="/cases/{task.case_id}"' in said and task.id not in said and "eve" not in said.split("Signed in")[0]
    eve.get("/")
    assert eve.post(f"/tasks/{task.id}", send_answers()).status_code == 403
    assert queries.get_task(rt, task.id, "sam").state == "ready"
    assert eve.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404
    assert eve.post("/tasks/00000000-0000-0000-0000-000000000000", send_answers()).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    response = sam.post(f"/tasks/{task.id}", send_answers(), csrf=False)
    assert response.status_code == 400
    assert queries.get_task(rt, task.id, "sam").state == "ready"


def test_a_task_with_someone_else_has_no_form_and_says_who(browser, request_work, rt):
    task = only_task(rt, request_work)
    tasks.claim(rt, task.id, "sara")
    page = page_of(browser().sign_in("sam").get(f"/tasks/{task.id}"))
    assert "This task is with sara." in page and 'id="task-form"' not in page


# --- Assign to me, Return to team, Pass to Worker from the page -------------------------------------------


def test_claim_release_and_pass_to_worker_come_back_to_the_task_page(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    page = page_of(sam.get(f"/tasks/{task.id}"))
    assert f'action="/tasks/{task.id}/claim"' in page and f'value="/tasks/{task.id}"' in page
    response = sam.post(f"/tasks/{task.id}/claim", {"back": f"/tasks/{task.id}"})
    assert response.headers["Location"] == f"/tasks/{task.id}"
    assert queries.get_task(rt, task.id, "sam").assignee == "sam"

    page = page_of(sam.get(f"/tasks/{task.id}"))
    assert f'action="/tasks/{task.id}/release"' in page and '<option value="sara">' in page
    response = sam.post(f"/tasks/{task.id}/pass", {"worker": "sara", "back": f"/tasks/{task.id}"})
    assert response.headers["Location"] == f"/tasks/{task.id}"
    assert queries.get_task(rt, task.id, "sam").assignee == "sara"


def test_the_due_date_and_the_overdue_tag(browser, rt, diagrams, clock):
    instance_id = instances.start_work(rt, MEETING, diagrams.id, "ella", subject_ids(diagrams, "Josie"))
    finish(rt, instance_id, DISCUSS, "ella", concern_summary="Plan not progressing", discussed_with_family="Yes")
    decision = only_task(rt, instance_id, MASH_DECISION)
    fran = browser().sign_in("fran")
    page = page_of(fran.get(f"/tasks/{decision.id}"))
    assert "3 Jun 2025" in page and "Overdue" not in page  # one working day after Monday 2 June

    clock.set(datetime(2025, 6, 4, 9, 0))
    timers.fire_due_timers(rt)
    page = page_of(fran.get(f"/tasks/{decision.id}"))
    assert re.search(r'govuk-tag--red">Overdue<', page)


def test_a_required_yes_no_is_a_tick_box_and_unticking_it_is_refused_on_finish(browser, request_work, rt):
    task = only_task(rt, request_work)
    sam = browser().sign_in("sam")
    # Saved ticked, then unticked on Finish: the hidden marker tells the page it was shown and left empty.
    assert sam.post(f"/tasks/{task.id}", send_answers(_action="save")).status_code == 302
    assert queries.get_task(rt, task.id, "sam").draft["eh_manager_agreed"] == "true"
    unticked = {k: v for k, v in send_answers().items() if k != "eh_manager_agreed"}
    response = sam.post(f"/tasks/{task.id}", {**unticked, "eh_manager_agreed-shown": "1"})
    assert response.status_code == 422
    page = page_of(response)
    assert 'href="#eh_manager_agreed"' in page
    assert "checked" not in radio(page, "eh_manager_agreed", "true")
    assert queries.get_task(rt, task.id, "sam").state == "ready"


def test_a_date_in_a_new_table_row_must_be_a_real_date(browser, rt, diagrams):
    instance_id = instances.start_work(rt, CONTACTS, diagrams.id, "tia", subject_ids(diagrams, "Josie", "Joy"))
    task = only_task(rt, instance_id, CONTACTS_TASK)
    tia = browser().sign_in("tia")
    response = tia.post(f"/tasks/{task.id}", {"contact_date-day": "31", "contact_date-month": "2",
                                             "contact_date-year": "2025", "persons_contacted": "Health Visitor",
                                             "contact_details": "Phoned", "_action": "save"})
    assert response.status_code == 422
    page = page_of(response)
    assert 'href="#contact_date-day"' in page and "must be a real date" in page
    assert re.search(r'<input[^>]*id="contact_date-day"[^>]*value="31"', page)  # kept as typed
    assert not queries.get_task(rt, task.id, "tia").draft.get("_rows")
