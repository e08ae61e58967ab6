"""Who may do what: every demo user (one per lane, and the process owner), and nobody signed in, against every
page and API route, on the demo data. Each cell says allowed or refused as the rules say:

- nobody signed in: pages send them to sign in, the API answers 401; only sign-in, assets and the OpenAPI
  document are public;
- every signed-in user may use the task list, their families' list, the exact search, and read the process
  library and the comparison;
- a task is seen (page and API) by its teams and its assignee only, and worked on (Save and close, API draft)
  by its assignee, or by its teams while nobody holds it;
- a family (its page, Start work, the API's case and pieces of work) is shown to whoever works with it: they
  added the family, started work on it, or they or their team have or had one of its tasks; and to their line
  managers; to nobody else (403) until they break glass;
- work is started only by someone who sees the family and is in a team the procedure starts in;
- a family's access log is for the data protection officer, and for line managers who see the family;
- only a process owner may upload a diagram.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpmnrun.service import catalogue, demo
from bpmnrun.store.models import Case, Instance, Task, TaskTeam, User
from tests.support import LIBRARY
from tests.web.conftest import Browser

PUBLIC = ["/sign-in", "/api/v1/openapi.json", "/static/bpmnrun.css", "/govuk/govuk-frontend.min.css"]
EVERY_USER = ["/", "/?view=mine", "/cases", "/cases?q=Smith", "/cases/find?surname=Smith&dob-day=3&dob-month=9&dob-year=2020",
              "/processes", "/processes/lincs_step_out_internal_lp_existing_eh",
              "/processes/lincs_step_out_internal_lp_existing_eh/versions/1/diagram.bpmn",
              "/compare?process=lincs_step_out_internal_lp_existing_eh&process=authc_step_down_sc_to_eh",
              "/api/v1/tasks", "/break-glass"]
FAMILY_PAGES = ["/cases/{case}", "/cases/{case}/start", "/api/v1/cases/{case}"]
NOT_A_CHILD = 2**31 - 1  # a start that passes the access checks is then refused for its child (400), not made


@pytest.fixture
def demo_site(rt, app):
    demo.seed(rt, LIBRARY)
    with rt.reading() as session:
        accounts = {u.username: (set(u.teams), set(u.roles)) for u in session.scalars(select(User))}
        managers = {u.username: u.line_manager for u in session.scalars(select(User)) if u.line_manager}
        open_tasks = {t.id: (t.case_id, t.assignee, {team.team for team in t.teams})
                      for t in session.scalars(select(Task).where(Task.state == "ready"))}
        involved = {}
        for case in session.scalars(select(Case)):
            teams = set(session.scalars(select(TaskTeam.team).join(Task, Task.id == TaskTeam.task_id)
                                        .where(Task.case_id == case.id)))
            people = {case.created_by, *session.scalars(select(Instance.started_by).where(Instance.case_id == case.id)),
                      *session.scalars(select(Task.completed_by).where(Task.case_id == case.id))}
            involved[case.id] = (teams, people)
        work = {i.id: i.case_id for i in session.scalars(select(Instance))}
        first_work = {case_id: process_id for case_id, process_id in session.execute(
            select(Instance.case_id, Instance.process_id).order_by(Instance.id.desc()))}
    starts = {e.process_id: set(e.summary.start_lanes) for e in catalogue.catalogue(rt)}
    assert len(accounts) > 20 and len(open_tasks) >= 4 and len(work) >= 4 and managers
    sees = {(name, case_id): _works_with(name, accounts, involved[case_id])
            or any(_works_with(report, accounts, involved[case_id])
                   for report, manager in managers.items() if manager == name)
            for name in accounts for case_id in involved}
    first = {c: (p, starts[p]) for c, p in first_work.items()}
    return app, accounts, open_tasks, work, sees, first, set(managers.values())


def _works_with(name: str, accounts, involved_in) -> bool:
    case_teams, people = involved_in
    return name in people or bool(accounts[name][0] & case_teams)


def signed_in(app, username: str) -> Browser:
    b = Browser(app)
    b.get("/sign-in")
    assert b.post("/sign-in", {"username": username, "password": demo.PASSWORD}).status_code == 302
    b.get("/")  # the page's CSRF token, for the form posts below
    return b


def test_nobody_signed_in_reaches_only_sign_in_assets_and_the_api_document(demo_site):
    app, _, open_tasks, work, _, _, _ = demo_site
    anonymous = Browser(app)
    for path in PUBLIC:
        assert anonymous.get(path).status_code == 200, path
    task_id, case_id = next(iter(open_tasks)), next(iter(work.values()))
    pages = [p.format(case=case_id) for p in EVERY_USER + FAMILY_PAGES if not p.startswith("/api/")]
    for path in pages + [f"/tasks/{task_id}", f"/cases/{case_id}/access-log", f"/cases/{case_id}/break-glass"]:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    for path in ["/api/v1/tasks", f"/api/v1/tasks/{task_id}", f"/api/v1/instances/{next(iter(work))}",
                 f"/api/v1/cases/{case_id}"]:
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code == 401


def test_every_demo_user_against_every_page_and_route(demo_site):
    app, accounts, open_tasks, work, sees, first_work, managers = demo_site
    refused = allowed = 0
    starters = set()
    first_instances = {min(i for i, c in work.items() if c == case_id): case_id for case_id in set(work.values())}
    for username, (teams, roles) in sorted(accounts.items()):
        b = signed_in(app, username)
        for path in EVERY_USER:
            assert b.get(path).status_code == 200, (username, path)
        for task_id, (case_id, assignee, task_teams) in open_tasks.items():
            sees_task = assignee == username or bool(teams & task_teams)
            works = assignee == username if assignee else bool(teams & task_teams)
            expected = 200 if sees_task else 403
            assert b.get(f"/tasks/{task_id}").status_code == expected, (username, task_id)
            assert b.get(f"/api/v1/tasks/{task_id}").status_code == expected, (username, task_id)
            saved = b.post(f"/tasks/{task_id}", {"_action": "save"})
            assert saved.status_code == (302 if works else 403), (username, task_id, saved.status_code)
            allowed, refused = allowed + works, refused + (not works)
        for instance_id, case_id in first_instances.items():  # a piece of work is shown as its family is
            expected = 200 if sees[username, case_id] else 403
            assert b.get(f"/api/v1/instances/{instance_id}").status_code == expected, (username, instance_id)
        rendered = set()  # the pages (slow to draw) for one family the user sees and one they do not; the API for all
        for case_id, (process_id, start_lanes) in first_work.items():
            shown = sees[username, case_id]
            paths = FAMILY_PAGES if shown not in rendered else [p for p in FAMILY_PAGES if p.startswith("/api/")]
            rendered.add(shown)
            for path in paths:
                assert b.get(path.format(case=case_id)).status_code == (200 if shown else 403), (username, path)
            log = b.get(f"/cases/{case_id}/access-log").status_code
            reads_log = "data protection officer" in roles or (shown and username in managers)
            assert log == (200 if reads_log else 403), (username, case_id, log)
            started = b.client.post("/api/v1/instances", json={"process_id": process_id, "case_id": case_id,
                                                               "subject_ids": [NOT_A_CHILD]},
                                    headers={"X-CSRFToken": b.token, "Referer": "https://localhost/"})
            may_start = shown and bool(teams & start_lanes)
            starters |= {username} if may_start else set()
            assert (started.status_code != 403) is may_start, (username, case_id, process_id, started.status_code)
        uploaded = b.post("/processes/upload", {})
        if "process owner" in roles:
            assert uploaded.status_code == 422, uploaded.status_code  # allowed in, refused for the empty upload
        else:
            assert uploaded.status_code == 403, username
    assert allowed and refused  # the matrix holds both kinds of cell
    assert any(sees.values()) and not all(sees.values())
    assert len(starters) >= 5 and len(starters) < len(accounts) / 2, starters

