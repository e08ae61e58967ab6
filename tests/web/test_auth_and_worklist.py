"""Signing in and out, the task list with its inboxes and filters, claim / release / Pass to Worker, and
the protections every page has (sign-in required, CSRF, security headers, no stack traces)."""

from __future__ import annotations

import pytest

from bpmnrun.service import instances, queries, users
from tests.support import only_task, subject_ids
from tests.web.conftest import MEETING, REQUEST, give_password


@pytest.fixture
def request_started(rt, diagrams):
    """The test request started by sam for Josie and Joy; sara is a second Social Worker."""
    users.add_user(rt, "sara", ["Social Worker"])
    give_password(rt)
    instance_id = instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Josie", "Joy"))
    return instance_id


def test_every_page_but_sign_in_needs_a_user(browser, diagrams):
    anonymous = browser()
    for path in ("/", "/cases", "/processes", "/tasks/00000000-0000-0000-0000-000000000000"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in"), path
    assert anonymous.get("/sign-in").status_code == 200


def test_sign_in_with_a_wrong_password_is_refused_and_says_so(browser, diagrams):
    visitor = browser()
    visitor.get("/sign-in")
    response = visitor.post("/sign-in", {"username": "sam", "password": "wrong"})
    assert response.status_code == 401
    assert b"Enter a correct user name and password" in response.data
    assert b"govuk-error-summary" in response.data
    assert visitor.get("/").status_code == 302


def test_sign_in_redirects_only_within_the_site(browser, diagrams):
    visitor = browser()
    visitor.get("/sign-in?next=//evil.example/")
    response = visitor.post("/sign-in?next=//evil.example/", {"username": "sam", "password": "secret"})
    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(browser, diagrams):
    sam = browser().sign_in("sam")
    assert sam.get("/").status_code == 200
    assert sam.post("/sign-out").status_code == 302
    assert sam.get("/").status_code == 302


def test_a_post_without_the_csrf_token_is_refused(browser, diagrams, request_started, rt):
    sam = browser().sign_in("sam")
    task = only_task(rt, request_started)
    response = sam.post(f"/tasks/{task.id}/claim", {}, csrf=False)
    assert response.status_code == 400
    assert b"expired or was not sent from this site" in response.data
    assert queries.get_task(rt, task.id, "sam").assignee is None


def test_sign_in_is_throttled(browser, diagrams):
    """The rule itself is tested in tests/service/test_sign_in_throttle.py and tests/web/test_sign_in_proxy.py."""
    visitor = browser()
    visitor.get("/sign-in")
    codes = [visitor.post("/sign-in", {"username": "sam", "password": "wrong"}).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]


def test_the_task_list_shows_my_teams_tasks_with_family_children_and_procedure(browser, request_started, rt):
    sam = browser().sign_in("sam")
    page = sam.get("/").data.decode()
    row = page[page.index(f'data-task-id="{only_task(rt, request_started).id}"'):]
    row = row[:row.index("</tr>")]
    assert "Send the request to the Early Help Manager" in row
    assert "Josie Smith, Joy Smith" in row and "Johnny Smith" not in page
    assert "Step out request" in row and '<span class="govuk-body-s">Other</span>' in row  # procedure, authority
    assert "Social Worker (1)" in page
    other_team = browser().sign_in("fran").get("/").data.decode()
    assert "There are no tasks here." in other_team


def test_claim_release_and_pass_to_worker(browser, request_started, rt):
    sam = browser().sign_in("sam")
    task = only_task(rt, request_started)
    assert sam.post(f"/tasks/{task.id}/claim", {"back": "/"}).status_code == 302
    assert queries.get_task(rt, task.id, "sam").assignee == "sam"
    mine = sam.get("/?view=mine").data.decode()
    assert "My tasks (1)" in mine and "Return to team" in mine
    assert sam.post(f"/tasks/{task.id}/pass", {"worker": "sara"}).status_code == 302
    assert queries.get_task(rt, task.id, "sara").assignee == "sara"
    sara = browser().sign_in("sara")
    assert sara.post(f"/tasks/{task.id}/release", {}).status_code == 302
    assert queries.get_task(rt, task.id, "sam").assignee is None


def test_another_team_cannot_claim_or_pass_a_task(browser, request_started, rt):
    task = only_task(rt, request_started)
    fran = browser().sign_in("fran")
    assert fran.post(f"/tasks/{task.id}/claim", {}).status_code == 403
    sam = browser().sign_in("sam")
    response = sam.post(f"/tasks/{task.id}/pass", {"worker": "fran"})
    assert response.status_code == 400 and b"is not in Social Worker" in response.data
    assert sam.post("/tasks/00000000-0000-0000-0000-000000000000/claim", {}).status_code == 404


def test_filters_by_procedure_and_overdue(browser, request_started, rt):
    sam = browser().sign_in("sam")
    assert "1 task" in sam.get(f"/?view=all&process={REQUEST}").data.decode()
    assert "0 tasks" in sam.get(f"/?view=all&process={MEETING}").data.decode()
    assert "0 tasks" in sam.get("/?view=all&overdue=1").data.decode()
    assert sam.get("/?view=team&team=Front+Door").status_code == 403
    past_the_end = sam.get(f"/?view=all&process={REQUEST}&page=99999999999999999999")
    assert past_the_end.status_code == 200 and "1 task" in past_the_end.data.decode()


def test_security_headers_and_error_pages(browser, diagrams):
    sam = browser().sign_in("sam")
    response = sam.get("/no-such-page")
    assert response.status_code == 404 and b"Page not found" in response.data
    assert b"Traceback" not in response.data
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_and_http_only(browser, diagrams):
    sam = browser()
    sam.get("/sign-in")
    response = sam.post("/sign-in", {"username": "sam", "password": "secret"})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_unexpected_error_is_a_page_not_a_trace(app, browser, diagrams, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bpmnrun.web.worklist.queries.worklist", broken)
    response = browser().sign_in("sam").get("/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.data
    assert b"database on fire" not in response.data and b"Traceback" not in response.data


def test_govuk_frontend_assets_are_served_when_installed(browser, app):
    dist = app.extensions["bpmnrun.web_dir"] / "node_modules" / "govuk-frontend" / "dist" / "govuk"
    if not dist.is_dir():
        pytest.skip("GOV.UK Frontend is not installed (make test installs it with npm)")
    visitor = browser()
    assert visitor.get("/govuk/govuk-frontend.min.css").status_code == 200
    assert visitor.get("/assets/images/favicon.svg").status_code == 200


def test_an_inbox_longer_than_it_counts_says_more_than_and_pages_by_next_and_previous(browser, rt, diagrams,
                                                                                     monkeypatch):
    from bpmnrun.service import inbox
    give_password(rt)
    for _ in range(7):
        instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Josie"))
    monkeypatch.setattr(inbox, "COUNT_BOUND", 4)
    monkeypatch.setattr("bpmnrun.web.worklist.PAGE_SIZE", 3)
    sam = browser().sign_in("sam")
    first = sam.get("/?view=team&team=Social+Worker").get_data(as_text=True)
    assert "Social Worker (more than 4)" in first and "More than 4 tasks" in first
    assert "Page 2" in first and "Previous" not in first  # Next says where it leads; no numbered pages
    after = first.split("after=")[1].split('"')[0]
    second = sam.get(f"/?view=team&team=Social+Worker&page=2&after={after}").get_data(as_text=True)
    assert "Page 1" in second and "Page 3" in second and second.count("/tasks/") >= 3
