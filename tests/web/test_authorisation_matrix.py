"""Who may do what: every demo user (one per lane, and the process owner), and nobody signed in, against every
page and API route, on the demo data. Each cell says allowed or refused as the rules say:

- nobody signed in: pages send them to sign in, the API answers 401; only sign-in, assets and the OpenAPI
  document are public;
- every signed-in user may use the task list, find families, start work, and read the process library and
  the comparison;
- a task is seen (page and API) by its teams and its assignee only, and worked on (Save and close, API draft)
  by its assignee, or by its teams while nobody holds it;
- a piece of work (API) and a case's history (page) are shown to whoever is involved in the case: they added
  the family, started work on it, or they or their team have or had one of its tasks;
- only a process owner may upload a diagram.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpmnrun.service import demo
from bpmnrun.store.models import Case, Instance, Task, TaskTeam, User
from tests.support import LIBRARY
from tests.web.conftest import Browser

PUBLIC = ["/sign-in", "/api/v1/openapi.json", "/static/bpmnrun.css", "/govuk/govuk-frontend.min.css"]
EVERY_USER = ["/", "/?view=mine", "/cases", "/cases?q=Smith", "/cases/{case}", "/cases/{case}/start", "/processes",
              "/processes/lincs_step_out_internal_lp_existing_eh",
              "/processes/lincs_step_out_internal_lp_existing_eh/versions/1/diagram.bpmn",
              "/compare?process=lincs_step_out_internal_lp_existing_eh&process=authc_step_down_sc_to_eh",
              "/api/v1/tasks", "/api/v1/cases/{case}"]


@pytest.fixture
def demo_site(rt, app):
    demo.seed(rt, LIBRARY)
    with rt.reading() as session:
        accounts = {u.username: (set(u.teams), set(u.roles)) for u in session.scalars(select(User))}
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
    assert len(accounts) > 20 and len(open_tasks) >= 4 and len(work) >= 4
    return app, accounts, open_tasks, involved, work


def signed_in(app, username: str) -> Browser:
    b = Browser(app)
    b.get("/sign-in")
    assert b.post("/sign-in", {"username": username, "password": demo.PASSWORD}).status_code == 302
    b.get("/")  # the page's CSRF token, for the form posts below
    return b


def test_nobody_signed_in_reaches_only_sign_in_assets_and_the_api_document(demo_site):
    app, _, open_tasks, _, work = demo_site
    anonymous = Browser(app)
    for path in PUBLIC:
        assert anonymous.get(path).status_code == 200, path
    task_id, case_id = next(iter(open_tasks)), next(iter(work.values()))
    for path in [p.format(case=case_id) for p in EVERY_USER if not p.startswith("/api/")] + [f"/tasks/{task_id}"]:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    for path in ["/api/v1/tasks", f"/api/v1/tasks/{task_id}", f"/api/v1/instances/{next(iter(work))}",
                 f"/api/v1/cases/{case_id}"]:
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code == 401


def test_every_demo_user_against_every_page_and_route(demo_site):
    app, accounts, open_tasks, involved, work = demo_site
    refused = allowed = 0
    for username, (teams, roles) in sorted(accounts.items()):
        b = signed_in(app, username)
        for path in EVERY_USER:
            path = path.format(case=next(iter(work.values())))
            assert b.get(path).status_code == 200, (username, path)
        for task_id, (case_id, assignee, task_teams) in open_tasks.items():
            sees = assignee == username or bool(teams & task_teams)
            works = assignee == username if assignee else bool(teams & task_teams)
            expected = 200 if sees else 403
            assert b.get(f"/tasks/{task_id}").status_code == expected, (username, task_id)
            assert b.get(f"/api/v1/tasks/{task_id}").status_code == expected, (username, task_id)
            saved = b.post(f"/tasks/{task_id}", {"_action": "save"})
            assert saved.status_code == (302 if works else 403), (username, task_id, saved.status_code)
            allowed, refused = allowed + works, refused + (not works)
        for instance_id, case_id in work.items():
            case_teams, people = involved[case_id]
            shown = username in people or bool(teams & case_teams)
            assert b.get(f"/api/v1/instances/{instance_id}").status_code == (200 if shown else 403), (
                username, instance_id)
            page = b.get(f"/cases/{case_id}").get_data(as_text=True)
            assert ("You have no work on this case" in page) is (not shown), (username, case_id)
        uploaded = b.post("/processes/upload", {})
        if "process owner" in roles:
            assert uploaded.status_code == 422, uploaded.status_code  # allowed in, refused for the empty upload
        else:
            assert uploaded.status_code == 403, username
    assert allowed and refused  # the matrix holds both kinds of cell
