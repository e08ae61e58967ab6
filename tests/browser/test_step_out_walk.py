"""A whole Lincolnshire step out to TAC (L1, internal Lead Professional, existing Early Help involvement)
walked through the real pages by three people: the Social Worker starts it and sends the request, the Early
Help Manager supervises, decides and authorises it herself, and the Early Help worker finishes the TAC plan.
Each signs in in a browser of their own; every click is a real one."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bpmnrun.service import queries
from tests.browser.conftest import sign_in

L1_TITLE = "Step out to TAC – Internal LP, existing Early Help involvement"
REQUEST = "Send the Request – CS Early Help Manager: Social Care involvement ended, step out to TAC (Internal LP)"
FINISH_WORKSTEP = "Update the workstep, and Finish it adding the appropriate Next Action"
SC_CLOSURE = "SC Social Care Case Closure"
SUPERVISION = "EH Early Help Case Supervision"
DECISION = "EH Decision on Significant Information"
AUTHORISE = "CS Manager: Please review and authorise"
TAC_PLAN = "EH TAC Plan and Review"
END = "Case closed to SC – TAC (Internal LP): EH TAC Plan and Review with the Internal Lead Professional"


def starts_with(text: str) -> re.Pattern:
    # Escape only what JavaScript's RegExp treats as special: Playwright matches the pattern in the page,
    # against the label's text as written (GOV.UK's macros indent it).
    return re.compile(r"^\s*" + re.sub(r"([.*+?^${}()|\[\]\\/])", r"\\\1", text))


def choose(page, question: str, answer: str) -> None:
    """Tick the radio or checkbox `answer` of the question whose legend starts with `question`."""
    page.get_by_role("group", name=starts_with(question)).get_by_label(answer, exact=True).check()


def write(page, label: str, text: str) -> None:
    page.get_by_label(starts_with(label)).fill(text)


def open_task(page, site: str, name: str) -> None:
    """From the task list (mine and my teams'), open the task called `name`."""
    page.goto(f"{site}/?view=all")
    page.get_by_role("link", name=name, exact=True).first.click()
    expect(page.locator("h1")).to_contain_text(name)


def finish(page, name: str) -> None:
    page.get_by_role("button", name="Finish").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} is complete")


def test_social_worker_early_help_manager_and_worker_step_a_family_out_to_tac(site, open_page, rt):
    social_worker, manager, worker = open_page(), open_page(), open_page()

    # The Social Worker finds the Smith family and starts the step out for Josie and Joy.
    sign_in(social_worker, site, "sam")
    social_worker.get_by_role("link", name="Cases").click()
    write(social_worker, "Family or child’s name", "Smith")
    social_worker.get_by_role("button", name="Search").click()
    social_worker.locator("#families").get_by_role("link", name="Smith").click()
    social_worker.get_by_role("button", name="Start work").click()
    social_worker.get_by_label("Josie Smith").check()
    social_worker.get_by_label("Joy Smith").check()
    social_worker.get_by_label(L1_TITLE, exact=True).check()
    social_worker.get_by_role("button", name="Start work").click()
    expect(social_worker.locator(".govuk-notification-banner")).to_be_visible()
    expect(social_worker.locator("h1")).to_contain_text("Smith family")
    assert REQUEST in social_worker.inner_text("#open-tasks + .bpmnrun-scroll table")

    # The request: its Save and close keeps the note, and Finish sends it to EH Awaiting Allocation.
    open_task(social_worker, site, REQUEST)
    choose(social_worker, "Request", "CS Early Help Manager: Social Care involvement ended, step out to TAC (Internal LP)")
    write(social_worker, "Note", "Agreed with Eve at the Review Child Protection Conference on 30/05/2025")
    social_worker.get_by_role("button", name="Save and close").click()
    open_task(social_worker, site, REQUEST)
    assert "Review Child Protection Conference on 30/05/2025" in social_worker.get_by_label(starts_with("Note")).input_value()
    choose(social_worker, "Originating SC workstep", "SC Review Child Protection Conference")
    choose(social_worker, "It has been agreed by the Early Help Manager", "Yes")
    choose(social_worker, "Pass to Worker", "EH Awaiting Allocation")
    finish(social_worker, REQUEST)

    open_task(social_worker, site, FINISH_WORKSTEP)
    choose(social_worker, "Finish the workstep adding the appropriate Next Action", "Yes")
    finish(social_worker, FINISH_WORKSTEP)
    open_task(social_worker, site, SC_CLOSURE)
    choose(social_worker, "Completed", "Yes")
    finish(social_worker, SC_CLOSURE)

    # The Early Help Manager takes the supervision from the team's inbox and decides.
    sign_in(manager, site, "eve")
    open_task(manager, site, SUPERVISION)
    manager.get_by_role("button", name="Assign to me").click()
    choose(manager, "Next action", "EH Decision on Significant Information")
    choose(manager, "Send Immediately?", "Yes")
    choose(manager, "Pass to Worker", "Assign to Me")
    finish(manager, SUPERVISION)

    open_task(manager, site, DECISION)
    manager.get_by_role("button", name="Finish").click()  # nothing filled in: the page says what is missing
    expect(manager.locator(".govuk-error-summary")).to_contain_text("What has triggered this decision?")
    choose(manager, "What has triggered this decision?",
           "Step down from Social Care to TAC (Internal LP) - send TAC Plan and Review to self")
    write(manager, "Please add further detail", "Social Care involvement has ended; the family agree to TAC.")
    choose(manager, "Has there been a change to the Case Status", "Yes, please detail below")
    manager.get_by_role("group", name=re.compile(r"^\s*Case Status(\s*\(optional\))?\s*$")).get_by_label(
        "TAC (Internal LP)", exact=True).check()
    choose(manager, "Completed by", "Yes")
    choose(manager, "Next actions", "EH TAC Plan and Review")
    write(manager, "Find and allocate this to the Early Help worker", "ella")
    choose(manager, "Clipboard Request", "REQUIRED CS Manager: Please review and authorise")
    write(manager, "Pass to Worker – Find and add yourself", "eve")
    finish(manager, DECISION)

    open_task(manager, site, AUTHORISE)
    choose(manager, "Completed", "Yes")
    finish(manager, AUTHORISE)

    # The Early Help worker finds the TAC plan in her own list and finishes it.
    sign_in(worker, site, "ella")
    worker.goto(f"{site}/?view=mine")
    assert TAC_PLAN in worker.inner_text("main")
    open_task(worker, site, TAC_PLAN)
    assert "Josie Smith" in worker.inner_text("main") and "Johnny" not in worker.inner_text("main")
    choose(worker, "EH TAC Plan and Review completed", "Yes")
    finish(worker, TAC_PLAN)

    # Where it ended, as the service sees it and as the case page shows it.
    [work] = [i for i in _instances(rt) if i.process_id == "lincs_step_out_internal_lp_existing_eh"]
    assert (work.status, work.end_event) == ("completed", END)
    social_worker.goto(f"{site}/cases/{work.case_id}")
    page_text = social_worker.inner_text("main")
    assert "Completed" in page_text and "eve" in page_text and "ella" in page_text
    assert social_worker.locator("svg .bpmn-state-completed").count() > 0


def _instances(rt):
    from sqlalchemy import select

    from bpmnrun.store.models import Instance

    with rt.reading() as session:
        ids = session.scalars(select(Instance.id)).all()
    return [queries.get_instance(rt, i) for i in ids]
