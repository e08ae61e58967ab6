"""The pages for a family one has no work with: the exact search, break glass, the access log and a manager's
list of break-glass access, as the Front Door worker (fran, no work with the Smiths), her line manager (mona) and
the data protection officer (dora) use them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from bpmnrun.service import access_log, instances, users
from bpmnrun.store.models import User
from tests.web.conftest import REQUEST, give_password

FIND = "/cases/find?surname={surname}&dob-day=14&dob-month=6&dob-year=2015"  # Josie Smith's birthday


@pytest.fixture
def people(rt, diagrams):
    users.add_user(rt, "mona", [], display_name="Mona Reid")
    users.add_user(rt, "dora", [], display_name="Dora Kent", roles=[access_log.DATA_PROTECTION_OFFICER])
    with rt.transaction() as session:
        session.execute(update(User).where(User.username == "fran").values(line_manager="mona",
                                                                          display_name="Fran Hill"))
    give_password(rt)
    return diagrams


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.data.decode()).split())


def test_the_exact_search_shows_only_what_is_needed_to_ask_for_access(browser, people):
    fran = browser().sign_in("fran")
    found = fran.get(FIND.format(surname="smith"))
    assert found.status_code == 200
    said = words(found)
    assert f"Case {people.id}: Smith family" in said and "open the records by break glass" in said
    assert "Josie" not in said and "Johnny" not in said  # no child's name before access
    assert "No family found" in words(fran.get(FIND.format(surname="Smit")))
    refused = fran.get("/cases/find?surname=&dob-day=&dob-month=&dob-year=")
    assert refused.status_code == 422
    assert "Enter the family’s surname" in words(refused) and "Enter a child’s date of birth" in words(refused)


def test_break_glass_asks_a_reason_then_opens_the_records_and_tells_the_manager(browser, people, rt):
    fran = browser().sign_in("fran")
    assert fran.get(f"/cases/{people.id}").status_code == 403
    fran.get(f"/cases/{people.id}/break-glass")
    empty = fran.post(f"/cases/{people.id}/break-glass", {"reason": "  "})
    assert empty.status_code == 422 and "Enter your reason for opening this family’s records" in words(empty)
    opened = fran.post(f"/cases/{people.id}/break-glass", {"reason": "Police called about Josie out of hours"})
    assert opened.status_code == 302 and opened.headers["Location"] == f"/cases/{people.id}"
    page = words(fran.get(f"/cases/{people.id}"))
    assert "Josie Smith" in page and "You opened this family’s records by break glass, until" in page
    assert "Your reason: “Police called about Josie out of hours”" in page
    assert "Access log" not in page  # a caseworker does not read the access log

    mona = browser().sign_in("mona")
    assert 'href="/break-glass"' in mona.get("/cases").data.decode()
    assert 'href="/break-glass"' not in fran.get("/cases").data.decode()
    reported = words(mona.get("/break-glass"))
    assert f"Fran Hill Case {people.id} Police called about Josie out of hours" in reported
    # Break glass is personal: her staff's grant does not open the family to her.
    assert mona.get(f"/cases/{people.id}").status_code == 403


def test_the_access_log_lists_each_read_for_the_dpo_and_managers_only(browser, people, rt):
    fran = browser().sign_in("fran")
    fran.get(f"/cases/{people.id}/break-glass")
    fran.post(f"/cases/{people.id}/break-glass", {"reason": "Referral out of hours"})
    fran.get(f"/cases/{people.id}")
    assert fran.get(f"/cases/{people.id}/access-log").status_code == 403
    dora = browser().sign_in("dora")  # reads the log, not the records: she finds the family by the exact search
    assert dora.get(f"/cases/{people.id}").status_code == 403
    found = dora.get(FIND.format(surname="Smith")).data.decode()
    assert f'href="/cases/{people.id}/access-log"' in found
    log = dora.get(f"/cases/{people.id}/access-log")
    body = log.data.decode().split("<tbody", 1)[1]
    cells = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    assert len(cells) == 2, cells
    assert "Fran Hill The family’s page Break glass Reason: “Referral out of hours”" in cells[0]
    assert "Fran Hill Opened by break glass" in cells[1]
    assert browser().sign_in("mona").get(f"/cases/{people.id}/access-log").status_code == 403
    instances.start_work(rt, REQUEST, people.id, "sam")  # sam works with the Smiths; lisa is his line manager
    sam = browser().sign_in("sam")
    users.add_user(rt, "lisa", [], display_name="Lisa Ward")
    with rt.transaction() as session:
        session.execute(update(User).where(User.username == "sam").values(line_manager="lisa"))
    give_password(rt)
    lisa = browser().sign_in("lisa")
    assert "Access log: who has looked" in words(lisa.get(f"/cases/{people.id}"))
    assert "Lisa Ward The family’s page Line manager" in words(lisa.get(f"/cases/{people.id}/access-log"))
    assert sam.get(f"/cases/{people.id}/access-log").status_code == 403


def test_names_in_the_access_log_are_shown_as_text_never_as_markup(browser, people, rt):
    from bpmnrun.service import records
    from bpmnrun.service.access import Access

    records.log_read(rt, "fran", people.id, "the history for <b>Josie</b>", Access("break glass"))
    page = browser().sign_in("dora").get(f"/cases/{people.id}/access-log").data.decode()
    assert "The history for &lt;b&gt;Josie&lt;/b&gt;" in page  # and the name keeps its capital
