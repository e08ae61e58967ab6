"""What a caseworker new to bpmnrun meets, driven in Chromium on a desktop (1280 px) and a phone (375 px): the
task list, the page after Finish, errors in words, and the case page, each as the demo user who would see it.
Every page opened is checked with axe-core (WCAG 2.1 AA) and, on the phone, for sideways scrolling
(tests/browser/accessibility.py). One server with the demo seeded for the module and a signed-in browser context
per user and width (tests/browser/demo_site.py). Nothing here moves the clock.

The tests change only what they make themselves (a family added per width, work prepared per width) and a
draft, so the two widths see the same pages."""

from __future__ import annotations

import re
from datetime import date

from bpmnrun.service import cases, catalogue, demo, instances, queries
from bpmnrun.service.runtime import Runtime
from bpmnrun.web.filters import local_date, local_datetime
from tests.browser.demo_site import follow, nav, people, server, visit, words  # noqa: F401 (fixtures)

# A family of its own per width, for the tests that finish work: (family, child). No demo family has these names,
# so a link by family name is never ambiguous.
ADDED = {1280: ("Patel", "Priya Patel"), 375: ("Baker", "Billy Baker")}
STEPPING_UP = {1280: ("Sharma", "Sara Sharma"), 375: ("Clarke", "Leo Clarke")}


def rows(page, selector: str = "#tasks tbody tr") -> list[list[str]]:
    return [[" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()]
            for row in page.locator(selector).all()]


# --- 3. the task list -------------------------------------------------------------------------------------

def test_the_task_list_has_one_tab_per_team_marks_drafts_and_filters(server, people):
    rt, base = server
    page = people("early-help-manager")
    visit(page, f"{base}/", "task list")
    canonical = {lane for e in catalogue.catalogue(rt) for lane in e.summary.lanes}
    tabs = page.locator(".govuk-tabs__tab").all_inner_texts()
    assert tabs[:2] == [tabs[0], "Mine and my teams’"] and tabs[0].startswith("My tasks (")
    teams = [re.sub(r" \(\d+\)$", "", t) for t in tabs[2:]]
    assert teams == ["Early Help Manager"]
    shown = set(teams) | {row[3].split(" with ")[0] for row in rows(page)}
    # Every team named on the page is spelt as the library spells it, and none twice in another spelling.
    assert shown <= canonical and len({" ".join(t.casefold().split()) for t in shown}) == len(shown), shown

    follow(page, page.get_by_role("link", name=re.compile(r"^Early Help Manager \(\d+\)")), "team tab")
    # The list shown is the one marked as current (on a phone the tabs are a plain list of links).
    assert re.fullmatch(r"Early Help Manager \(\d+\)", words(page.locator(".govuk-tabs [aria-current=page]")))
    inbox = rows(page)
    assert inbox and all(row[3].startswith("Early Help Manager") for row in inbox), inbox

    # A draft: Save and close on a task, and the list says whose draft it is and when it was saved.
    smith = page.locator("#tasks tbody tr", has_text="Smith").first
    task_name = smith.locator("td").first.get_by_role("link").inner_text()
    follow(page, smith.locator("td").first.get_by_role("link"), "task page")
    page.get_by_role("checkbox", name="Joy Smith").set_checked(False)
    follow(page, page.get_by_role("button", name="Save and close"), "task list after Save and close")
    assert f"Your answers to {task_name} have been saved" in words(page.locator(".govuk-notification-banner"))
    saved = words(page.locator("#tasks tbody tr", has_text="Smith").first)
    assert f"Draft saved {local_datetime(rt.now())} by you" in saved, saved

    # The procedure filter: my authority's procedures first, never a sub-process that only others start.
    groups = page.locator("#process optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups[0] == "Lincolnshire" and sorted(groups) != groups, groups  # not merely alphabetical
    offered = set(page.locator("#process option").evaluate_all("os => os.map(o => o.value)")) - {""}
    called_only = {e.process_id for e in catalogue.catalogue(rt) if not e.summary.startable}
    assert called_only and not offered & called_only
    step_out = "Social Care step out to TAC – Internal Lead Professional, existing Early Help involvement"
    page.locator("#process").select_option(label=step_out)
    follow(page, page.get_by_role("button", name="Filter"), "task list filtered by procedure")
    assert rows(page) and all(step_out in row[2] for row in rows(page)), rows(page)

    # A filter by child.
    page.locator("#process").select_option("")
    page.get_by_label("Child’s name").fill("Omar")
    follow(page, page.get_by_role("button", name="Filter"), "task list filtered by child")
    found = rows(page)
    assert found and all("Omar Khan" in row[1] for row in found) and len(found) < len(inbox), found


def test_a_york_worker_is_offered_york_procedures_first_in_the_filter(server, people):
    rt, base = server
    page = people("mash")  # MASH is a lane of York's procedures alone
    visit(page, f"{base}/", "task list")
    groups = page.locator("#process optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups[0] == "York", groups


def test_start_work_offers_a_york_worker_york_procedures_first(server, people):
    rt, base = server
    page = people("mash")
    visit(page, f"{base}/cases", "cases")
    follow(page, page.get_by_role("link", name="Ahmed", exact=True), "case page")  # MASH started its step down
    follow(page, page.get_by_role("button", name="Start work"), "start work")
    legends = [" ".join(t.split()) for t in page.locator("form fieldset legend").all_inner_texts()]
    assert legends[0] == "Which children is this work for?" and legends[1] == "York", legends


# --- 4. after Finish ----------------------------------------------------------------------------------------

def test_after_finish_the_page_says_what_happens_next_or_how_the_work_ended(server, people):
    rt, base = server
    family, child = ADDED[people.width]
    page = people("early-help-manager")
    visit(page, f"{base}/", "task list")
    nav(page, "Cases")
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Full name").first.fill(child)
    follow(page, page.get_by_role("button", name="Add the family"), "start work for a new family")
    page.get_by_role("checkbox", name=child).check()
    page.get_by_role("radio", name="EH Decision on Significant Information").check()
    follow(page, page.get_by_role("button", name="Start work"), "case page after starting work")
    assert f"has started for {child}" in words(page.locator(".govuk-notification-banner"))

    follow(page, page.locator("table").get_by_role("link", name="EH Decision on Significant Information",
                                                   exact=True), "task page")
    page.get_by_role("radio", name="Transfer TAC (Internal / External)").check()
    page.get_by_label("Significant Information – Please add further detail").fill("School has raised concerns")
    page.get_by_role("group", name="Has there been a change to the Case Status").get_by_label("No").check()
    page.get_by_role("group", name=re.compile("Pass to Worker")).get_by_label("Early Help Manager (demo)").check()
    follow(page, page.get_by_role("button", name="Finish"), "done page")
    assert re.search(r"/tasks/[0-9a-f-]{36}/done$", page.url), page.url
    assert words(page.locator("h1")) == "EH Decision on Significant Information is complete"
    assert words(page.locator("#next-steps")) == (
        f"CS Manager: Please review and authorise – with Early Help Manager (demo), for {child}.")

    follow(page, page.get_by_role("link", name="Go to your tasks"), "task list")
    row = page.locator("#tasks tbody tr", has_text=family)
    follow(page, row.get_by_role("link", name="CS Manager: Please review and authorise", exact=True), "task page")
    follow(page, page.get_by_role("button", name="Finish"), "done page, work ended")
    assert words(page.locator("#next-steps")) == "This work has ended: Decision recorded."


def test_the_done_page_names_the_team_inbox_or_the_person_and_the_due_date(server, people):
    rt, base = server
    page = people("social-worker")  # the demo has two of these steps waiting: one for each width
    visit(page, f"{base}/", "task list")
    step = "Add the lead practitioner's details to the Professional Relationships"
    follow(page, page.get_by_role("link", name=step, exact=True).first, "task page")
    children = _summary_value(page, "Children")
    follow(page, page.get_by_role("button", name="Finish"), "done page")
    assert words(page.locator("#next-steps")) == (
        f"Ending visit and endings letter – in the Social Worker inbox, for {children}.")

    family, child = STEPPING_UP[people.width]
    work = _stepping_up_at_the_allocation(rt, family, child)
    page = people("mash")
    visit(page, f"{base}/?child={child.split()[0]}", "task list filtered by child")
    follow(page, page.get_by_role("link", name="Record the allocation to social care", exact=True), "task page")
    for part, value in (("Day", "2"), ("Month", "6"), ("Year", "2025")):
        page.get_by_role("group", name="Date of allocation to social care").get_by_label(part).fill(value)
    page.get_by_label("Social Worker (demo)").check()
    follow(page, page.get_by_role("button", name="Finish"), "done page")
    due = next(t.due_at for t in queries.instance_tasks(rt, work) if t.name.startswith("Joint visit"))
    assert due is not None and words(page.locator("#next-steps")) == (
        "Joint visit to introduce social worker to the child and family – with Social Worker (demo), "
        f"for {child}, due {local_date(due)}.")


def _summary_value(page, key: str) -> str:
    row = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text=re.compile(rf"^\s*{key}\s*$")))
    return words(row.locator("dd").first)


def _stepping_up_at_the_allocation(rt: Runtime, family: str, child: str) -> int:
    """York's step up for a family of its own, walked (as the demo walks it) to MASH's allocation step."""
    walk = next(w for w in demo.WALKS if w.process_id == "york_step_up")
    case = cases.create_case(rt, family, [cases.Child(child, date(2014, 3, 1))], "targeted-early-help")
    work = instances.start_work(rt, walk.process_id, case.id, "targeted-early-help",
                                [s.id for s in case.subjects], dict(walk.start))
    demo.walk_on(rt, walk, work, 3)
    assert [t.name for t in queries.instance_tasks(rt, work)] == ["Record the allocation to social care"]
    return work


# --- 5. errors in words ---------------------------------------------------------------------------------------

def test_the_error_summary_says_what_to_do_and_links_to_each_field(server, people):
    rt, base = server
    page = people("duty-eh-tm")
    visit(page, f"{base}/", "task list")
    follow(page, page.get_by_role("link", name="Step Two – Step Down Discussion", exact=True), "task page")
    follow(page, page.get_by_role("button", name="Finish"), "task page with errors", status=422)
    assert page.title().startswith("Error: ")
    _each_error_links_to_its_field(page, [
        "Select the SC TM / ATM discussing the step down",
        "Select yes if consent has been gained from the family for Early Help",
        "Select yes if there is a clear step-down plan",
    ])


def test_a_start_form_refused_says_what_to_enter(server, people):
    rt, base = server
    page = people("tac-admin")
    visit(page, f"{base}/", "task list")
    nav(page, "Cases")
    follow(page, page.get_by_role("link", name="Evans", exact=True), "case page")
    follow(page, page.get_by_role("button", name="Start work"), "start work")
    page.get_by_role("checkbox", name="Ruby Evans").check()
    page.get_by_role("checkbox", name="Alfie Evans").uncheck()
    page.get_by_role("radio", name="Change of Lead Professional from External to Internal").check()
    follow(page, page.get_by_role("button", name="Start work"), "start work: already running")
    assert "already running for Ruby Evans" in words(page.locator("#already-running"))
    follow(page, page.get_by_role("button", name="Start it anyway"), "start form")
    assert words(page.locator("h1")) == "Change of Lead Professional from External to Internal"
    follow(page, page.get_by_role("button", name="Start work"), "start form with errors", status=422)
    _each_error_links_to_its_field(page, ["Enter the external lead professional"])
    # Leaving the form starts nothing.
    follow(page, page.get_by_role("link", name="Change the children or the procedure"), "start work")


def _each_error_links_to_its_field(page, expected: list[str]) -> None:
    summary = page.locator(".govuk-error-summary")
    assert words(summary.locator(".govuk-error-summary__title")) == "There is a problem"
    links = summary.locator(".govuk-error-summary__list a")
    assert links.all_inner_texts() == expected
    for n, message in enumerate(expected):
        target = links.nth(n).get_attribute("href").removeprefix("#")
        field = page.locator(f"[id='{target}']")
        assert field.count() == 1, (message, target)
        group = page.locator(".govuk-form-group--error", has=field)
        assert message in words(group.locator(".govuk-error-message").first), message  # said at the field too
        links.nth(n).click()
        assert page.evaluate("() => document.activeElement.id") == target, message


def test_another_teams_task_names_its_team_and_offers_the_case(server, people):
    rt, base = server
    page = people("front-door")
    visit(page, f"{base}/", "task list")
    follow(page, page.locator("#tasks tbody tr", has_text="Evans").get_by_role("link", name="Evans"), "case page")
    theirs = page.locator("#open-tasks + .bpmnrun-scroll tbody tr").filter(has_not_text="Front Door").first
    task, team = words(theirs.locator("td a")), theirs.locator("td").nth(2).inner_text().splitlines()[0]
    follow(page, theirs.locator("td a"), "403 page", status=403)
    said = words(page.locator("main"))
    assert words(page.locator("h1")) == "You cannot see this page"
    assert f"{task} is a task for the {team} team" in said, said
    follow(page, page.get_by_role("link", name="See the family’s case"), "case page")
    assert words(page.locator("h1")) == "Evans family"


# --- 6. the case page ---------------------------------------------------------------------------------------

def test_the_case_page_numbers_the_work_filters_the_history_and_fits_its_diagrams(server, people):
    rt, base = server
    page = people("social-worker")
    visit(page, f"{base}/", "task list")
    nav(page, "Cases")
    follow(page, page.get_by_role("link", name="Smith", exact=True), "case page")
    headings = [" ".join(h.split()) for h in page.locator(".bpmnrun-instance h3").all_inner_texts()]
    assert len(headings) >= 2
    for n, heading in enumerate(headings, start=1):
        assert re.fullmatch(rf"Work {n}: .+ for (\w+ Smith)(, \w+ Smith)*, started \d+ \w+ \d{{4}}", heading), heading

    # Diagrams fit the column; a wide one has a full-size page, a plain link (no script needed).
    for region in page.locator(".bpmnrun-diagram").all():
        fits = region.evaluate("r => r.querySelector('svg').getBoundingClientRect().width <= r.clientWidth")
        assert fits
    served = page.request.get(page.url).text()
    assert "<svg" in served and "view the diagram full size" in served

    # The history: by piece of work, by child, each line naming its piece of work.
    work_2 = headings[1].split(" for ")[0]
    page.locator("#history-filter select[name=work]").select_option(label=work_2)
    follow(page, page.get_by_role("button", name="Show history"), "case page, history of one piece of work")
    history = rows(page, ".bpmnrun-timeline tbody tr")
    assert history and all(work_2 in row[2] for row in history), history
    page.locator("#history-filter select[name=work]").select_option("")
    page.get_by_label("Child", exact=True).select_option(label="Johnny Smith")
    follow(page, page.get_by_role("button", name="Show history"), "case page, history of one child")
    johnnys = {h.split(" for ")[0] for h in headings if "Johnny Smith" in h.split(" for ")[1]}
    history = rows(page, ".bpmnrun-timeline tbody tr")
    assert history and all(any(w in row[2] for w in johnnys) for row in history if "Work " in row[2]), history

    follow(page, page.get_by_role("link", name=re.compile("view the diagram full size")).first, "full-size diagram")
    assert "Scroll sideways to see all of it." in words(page.locator("main"))
    region = page.locator(".bpmnrun-diagram--full")
    if people.width == 375:  # the diagram scrolls in its own region, not the page
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")
    follow(page, page.get_by_role("link", name="Back to the Smith family"), "case page")

    # Starting a procedure already running for the same children asks first.
    follow(page, page.get_by_role("button", name="Start work"), "start work")
    for name, wanted in (("Johnny Smith", False), ("Josie Smith", True), ("Joy Smith", True)):
        page.get_by_role("checkbox", name=name).set_checked(wanted)
    page.locator('input[name="process_id"][value="lincs_step_out_internal_lp_existing_eh"]').check()
    follow(page, page.get_by_role("button", name="Start work"), "start work: already running")
    warning = words(page.locator("#already-running"))
    # It names the procedure: the choice is far below, in a long list.
    assert ("Social Care step out to TAC – Internal Lead Professional, existing Early Help involvement is already "
            "running for Josie Smith, Joy Smith (Work 1, started 2 June 2025 by Social Worker (demo))") in warning, \
        warning
    follow(page, page.get_by_role("link", name="Go back to the case"), "case page")


def test_people_are_named_as_they_are_known_never_by_user_name(server, people):
    rt, base = server
    page = people("early-help-manager")
    user_names = [u.username for u in demo.demo_users(rt) if "-" in u.username]  # "manager" would match words
    visit(page, f"{base}/", "task list")
    task = page.locator("#tasks tbody tr", has_text="Smith").first.locator("td").first.get_by_role("link")
    follow(page, task, "task page")
    seen = {"task page": words(page.locator("main"))}
    follow(page, page.get_by_role("link", name=re.compile(r"^Smith \(case \d+\)$")), "case page")
    seen["case page"] = words(page.locator("main"))
    assert "Early Help Manager (demo)" in seen["case page"]
    shown = {where: [u for u in user_names if re.search(rf"\b{re.escape(u)}\b", text)] for where, text in seen.items()}
    assert shown == {"task page": [], "case page": []}, shown
