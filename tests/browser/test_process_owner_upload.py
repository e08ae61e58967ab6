"""A process owner uploads a broken diagram through the real page, reads the check report (file, line,
element), uploads the fixed one and sees it deployed as a new version; caseworkers get no upload form."""

from __future__ import annotations

import re
import threading
from typing import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bpmnrun.service import users
from bpmnrun.web import create_app
from tests.browser.conftest import sign_in
from tests.support import deploy_paths
from tests.web.conftest import WEB_DIAGRAMS, give_password

MEETING = WEB_DIAGRAMS / "test_web_meeting.bpmn"
CONDITION = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">discussed_with_family == "no"'
             '</bpmn:conditionExpression>')
PEOPLE = {"sam": ["Social Worker"], "owner": []}
DOCUMENTATION = "<bpmn:documentation>Discuss the concern, then decide the next steps in a day.</bpmn:documentation>"


@pytest.fixture
def site(rt) -> Iterator[str]:
    """The web test diagrams deployed (not the process library), a caseworker and a process owner (password
    "secret"), and the app served on a free port; yields its base URL."""
    deploy_paths(rt, *sorted(WEB_DIAGRAMS.glob("*.bpmn")))
    for name, teams in PEOPLE.items():
        users.add_user(rt, name, teams, roles=["process owner"] if name == "owner" else [])
    give_password(rt)
    app = create_app({"SECRET_KEY": "browser-tests", "SIGN_IN_RATE_LIMIT": "1000 per minute"}, runtime=rt)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bpmnrun-browser-tests", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def upload(page, site: str, filename: str, content: str) -> None:
    page.goto(f"{site}/processes")
    page.get_by_label("Diagram (.bpmn file)").set_input_files(
        {"name": filename, "mimeType": "application/xml", "buffer": content.encode()})
    with page.expect_navigation():
        page.get_by_role("button", name="Check", exact=True).click()
    expect(page).to_have_title(re.compile(re.escape(filename)))
    deploy = page.get_by_role("button", name=f"Deploy {filename}")
    if deploy.count():  # the impact preview: confirm it
        # The preview's title names the file too: wait for the answer to the click, not for the title.
        with page.expect_navigation():
            deploy.click()
        expect(page).to_have_title(re.compile(re.escape(filename)))


def test_a_process_owner_uploads_a_broken_then_a_fixed_diagram(site, open_page):
    original = MEETING.read_text(encoding="utf-8")
    assert CONDITION in original and DOCUMENTATION in original
    broken = original.replace(CONDITION, "", 1)
    broken_line = next(n for n, line in enumerate(broken.splitlines(), 1) if 'id="Flow_discussed_no"' in line)
    fixed = original.replace(DOCUMENTATION, DOCUMENTATION.replace("in a day.", "in a day (reviewed by the owner)."), 1)
    assert fixed != original

    owner = open_page()
    sign_in(owner, site, "owner")
    upload(owner, site, "test_web_meeting.bpmn", broken)
    assert "test_web_meeting.bpmn was not deployed" in owner.inner_text("main")
    report = owner.inner_text("#problems")
    assert "Flow_discussed_no" in report and str(broken_line) in report
    assert f"test_web_meeting.bpmn:{broken_line}: Flow_discussed_no:" in owner.inner_text("pre")

    upload(owner, site, "test_web_meeting.bpmn", fixed)
    assert "Process test_web_meeting version 2 deployed" in owner.inner_text("main")
    owner.goto(f"{site}/processes/test_web_meeting")
    versions = owner.inner_text("main")
    assert re.search(r"\b2\b", versions) and "owner" in versions
    assert "(reviewed by the owner)" in versions
    assert owner.locator("svg").count() > 0


def test_a_caseworker_sees_the_library_but_no_upload(site, open_page):
    worker = open_page()
    sign_in(worker, site, "sam")
    worker.goto(f"{site}/processes")
    assert "Step up meeting" in worker.inner_text("main")
    assert worker.get_by_label("Diagram (.bpmn file)").count() == 0
