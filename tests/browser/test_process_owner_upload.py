"""A process owner uploads a broken diagram through the real page, reads the check report (file, line,
element), uploads the fixed one and sees it deployed as a new version; caseworkers get no upload form."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.support import LIBRARY

PATHWAYS = LIBRARY / "york" / "york_pathways_step_down.bpmn"
CONDITION = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">continued_support_required == "no"</bpmn:conditionExpression>'


def upload(page, site: str, filename: str, content: str) -> None:
    page.goto(f"{site}/processes")
    page.get_by_label("Diagram (.bpmn file)").set_input_files(
        {"name": filename, "mimeType": "application/xml", "buffer": content.encode()})
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page).to_have_title(re.compile(re.escape(filename)))
    if page.get_by_role("button", name=f"Deploy {filename}").count():  # the impact preview: confirm it
        page.get_by_role("button", name=f"Deploy {filename}").click()
        expect(page).to_have_title(re.compile(re.escape(filename)))


def test_a_process_owner_uploads_a_broken_then_a_fixed_diagram(site, open_page):
    original = PATHWAYS.read_text(encoding="utf-8")
    assert CONDITION in original
    broken = original.replace(CONDITION, "", 1)
    broken_line = next(n for n, line in enumerate(broken.splitlines(), 1) if 'id="Flow_g1_no"' in line)
    fixed = original.replace("Process catalogue §6.2 Y6;", "Process catalogue §6.2 Y6 (reviewed by the owner);", 1)
    assert fixed != original

    owner = open_page()
    sign_in(owner, site, "owner")
    upload(owner, site, "york_pathways_step_down.bpmn", broken)
    assert "york_pathways_step_down.bpmn was not deployed" in owner.inner_text("main")
    report = owner.inner_text("#problems")
    assert "Flow_g1_no" in report and str(broken_line) in report
    assert f"york_pathways_step_down.bpmn:{broken_line}: Flow_g1_no:" in owner.inner_text("pre")

    upload(owner, site, "york_pathways_step_down.bpmn", fixed)
    assert "Process york_pathways_step_down version 2 deployed" in owner.inner_text("main")
    owner.goto(f"{site}/processes/york_pathways_step_down")
    versions = owner.inner_text("main")
    assert re.search(r"\b2\b", versions) and "owner" in versions
    assert owner.locator("svg").count() > 0


def test_a_caseworker_sees_the_library_but_no_upload(site, open_page):
    worker = open_page()
    sign_in(worker, site, "sam")
    worker.goto(f"{site}/processes")
    assert "Pathways Service" in worker.inner_text("main")
    assert worker.get_by_label("Diagram (.bpmn file)").count() == 0
