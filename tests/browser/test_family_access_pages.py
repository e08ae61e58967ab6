"""Reaching a family one has no work with, in Chromium at 1280 px and 375 px on the demo: the Front Door worker
finds a family by surname and a child's date of birth and opens it by break glass; the data protection officer
reads its access log; the service manager sees the break glass reported. Every page is checked with axe-core and
for sideways scrolling (tests/browser/accessibility.py)."""

from __future__ import annotations

import pytest

from bpmnrun.service import access, cases
from bpmnrun.store.models import Case, User
from tests.browser.demo_site import follow, people, server, visit, words  # noqa: F401 (fixtures)

WORKER = "front-door"


def family_not_seen_by(rt, username: str, skip: set[int]) -> cases.CaseView:
    """A demo family the user has no work with (and that no earlier width used)."""
    with rt.reading() as session:
        account = session.query(User).filter_by(username=username).one()
        for case in session.query(Case).order_by(Case.id):
            if case.id not in skip and access.access_to(session, case, account, rt.now()) is None:
                return cases.case_view(case)
    pytest.fail(f"every demo family is in {username}'s work")


USED: set[int] = set()


def test_a_worker_finds_a_family_by_exact_search_and_opens_it_by_break_glass(server, people):
    rt, base = server
    family = family_not_seen_by(rt, WORKER, USED)
    USED.add(family.id)
    child = family.subjects[0]
    page = people(WORKER)
    visit(page, f"{base}/cases/{family.id}", "a family not in one's work", status=403)
    assert "find it by surname and a child's date of birth" in words(page.locator("main"))
    follow(page, page.get_by_role("link", name="Find a family by surname and a child’s date of birth"),
           "the exact search")
    page.get_by_label("Surname").fill(family.family_name.upper())
    page.get_by_label("Day").fill(str(child.date_of_birth.day))
    page.get_by_label("Month").fill(str(child.date_of_birth.month))
    page.get_by_label("Year").fill(str(child.date_of_birth.year))
    follow(page, page.get_by_role("button", name="Find the family"), "what the exact search found")
    found = words(page.locator("#found-families"))
    assert found.startswith(f"Case {family.id}: {family.family_name} family") and child.name not in found

    follow(page, page.get_by_role("link", name=f"open the records by break glass (case {family.id})"),
           "break glass")
    follow(page, page.get_by_role("button", name="Open the records"), "break glass without a reason", status=422)
    assert "Enter your reason for opening this family’s records" in words(page.locator(".govuk-error-summary"))
    reason = f"A referral about {child.name} came to the Front Door out of hours"
    page.get_by_label("Why do you need to open this family’s records?").fill(reason)
    follow(page, page.get_by_role("button", name="Open the records"), "the family opened by break glass")
    assert child.name in words(page.locator("main"))
    inset = words(page.locator("#break-glass"))
    assert "You opened this family’s records by break glass, until" in inset and reason in inset
    assert "your line manager has been told" in inset and "<strong>" not in inset
    until = inset.split("until ")[1].split(".")[0]
    assert f"You can see this family’s records until {until}." in words(page.locator(".govuk-notification-banner"))

    officer = people("data-protection-officer")
    visit(officer, f"{base}/cases/find?surname={family.family_name}&dob-day={child.date_of_birth.day}"
                   f"&dob-month={child.date_of_birth.month}&dob-year={child.date_of_birth.year}",
          "the exact search, for the data protection officer")
    follow(officer, officer.get_by_role("link", name=f"read its access log (case {family.id})"), "an access log")
    log = words(officer.locator("#access-log tbody"))
    assert "Front Door (demo) The family’s page Break glass Reason:" in log and reason in log
    assert "Front Door (demo) Opened by break glass" in log

    manager = people("service-manager")
    visit(manager, f"{base}/cases", "a manager's families")
    follow(manager, manager.get_by_role("link", name="Break-glass access by the people who report to you"),
           "break glass reported to a manager")
    assert f"Front Door (demo) Case {family.id} {reason}" in words(manager.locator("#break-glass-reports"))
