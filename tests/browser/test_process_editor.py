"""A process owner edits C1 in the browser: inserts a user task with a form field into the Social Worker lane,
saves a draft, sees bpmnrun's check mark an error on the new task and list it, fixes it, compares with the
deployed version (the new task coloured as added, the impact beside it) and deploys; a case started on the new
version puts the new task in the Social Worker inbox. The saved XML passes the modeller conformance tool. A
caseworker gets a 403 on the editor. Screenshots of the editor, the problem and the diff go to /tmp/editor_*.png."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bpmnrun.service import instances, library_views
from bpmnrun.store.models import Case
from bpmnrun.web.files import web_dir
from tests.browser.conftest import sign_in

C1 = "authc_step_down_sc_to_eh"
NEW_TASK = "Check the family's wishes"
WEB = web_dir()
BPMN_CHECK = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "tools" / "bpmn-check",
                               Path("/work/shared/tools/bpmn-check")) if p.exists()), None)


@pytest.fixture(autouse=True)
def editor_built():
    if not (WEB / "static" / "modeller" / "editor.js").is_file():
        pytest.fail("the process editor is not bundled: `make test` builds it (cd web && node modeller/build.mjs)")


def insert_user_task_after_the_start(page) -> str:
    """Drop a task from the palette onto the flow out of the start event (bpmn-js splices it into the flow and
    its lane), name it, make it a user task; returns its id."""
    flow = page.locator('g.djs-connection[data-element-id="Flow_Start_step_down_Task_step_one"]').bounding_box()
    x, y = flow["x"] + flow["width"] / 2, flow["y"] + flow["height"] / 2
    page.locator(".djs-palette .entry.bpmn-icon-task").click()
    page.mouse.move(x - 30, y, steps=3)
    page.mouse.move(x, y, steps=3)
    page.mouse.click(x, y)
    # bpmn-js opens the new task's label for editing once the drop is done: typing before that is lost
    label = page.locator(".djs-direct-editing-parent")
    expect(label).to_be_visible()
    label.focus()
    page.keyboard.type(NEW_TASK)
    expect(label).to_contain_text(NEW_TASK)
    page.keyboard.press("Enter")  # ends the label's editing; the new task stays selected
    expect(page.locator(".bio-properties-panel-header")).to_contain_text(NEW_TASK)
    page.locator('.djs-context-pad .entry[data-action="replace"]').click()
    page.locator('.djs-popup [data-id="replace-with-user-task"]').click()
    expect(page.locator(".bio-properties-panel-header")).to_contain_text("User Task")
    return page.input_value("#bio-properties-panel-id")


def add_form_field(page, task_id: str) -> None:
    page.locator('[data-group-id="group-CamundaPlatform__Form"] .bio-properties-panel-group-header').click()
    page.select_option("#bio-properties-panel-formType", "formData")
    fields = page.locator('[data-group-id="group-CamundaPlatform__FormData"]')
    fields.locator(".bio-properties-panel-add-entry").first.click()
    page.fill(f"#bio-properties-panel-{task_id}-formField-0-formFieldID", "family_wishes")
    page.fill(f"#bio-properties-panel-{task_id}-formField-0-formFieldLabel", "What does the family want?")
    page.select_option(f"#bio-properties-panel-{task_id}-formField-0-formFieldType", "enum")  # no options yet


def test_a_process_owner_edits_checks_compares_and_deploys_c1(site, open_page, rt, tmp_path):
    page = open_page()
    sign_in(page, site, "owner")
    page.goto(f"{site}/processes/{C1}")
    page.get_by_role("link", name="Edit in the browser").click()
    expect(page.locator("#editor-status")).to_contain_text("Version 1, as deployed")
    page.screenshot(path="/tmp/editor_open.png")

    task_id = insert_user_task_after_the_start(page)
    add_form_field(page, task_id)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#editor-status")).to_contain_text("Draft saved")
    problem = page.locator("#editor-problem-list button", has_text="enum field 'family_wishes' has no options")
    expect(problem).to_have_count(1)
    expect(page.locator(f'g.djs-shape.editor-problem[data-element-id="{task_id}"]')).to_have_count(1)
    page.locator('g.djs-shape[data-element-id="Gateway_clear_plan"]').click()
    expect(page.locator(".bio-properties-panel-header")).to_contain_text("Clear plan from a completed assessment?")
    problem.click()  # the list selects the element it names
    expect(page.locator(".bio-properties-panel-header")).to_contain_text(NEW_TASK)
    page.screenshot(path="/tmp/editor_problem.png")

    type_of_field = page.locator(f"#bio-properties-panel-{task_id}-formField-0-formFieldType")
    if not type_of_field.is_visible():  # the panel shows the re-selected task with its sections closed
        fields = page.locator('[data-group-id="group-CamundaPlatform__FormData"]')
        if not fields.locator(f'[data-entry-id="{task_id}-formField-0"]').is_visible():
            fields.locator(".bio-properties-panel-group-header").click()
        fields.locator(f'[data-entry-id="{task_id}-formField-0"] .bio-properties-panel-collapsible-entry-header').click()
    type_of_field.select_option("string")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#editor-status")).to_contain_text("Draft saved")
    expect(page.locator(f'g.djs-shape.editor-problem[data-element-id="{task_id}"]')).to_have_count(0)
    expect(page.locator("#editor-problem-list .editor-problems__item--error")).to_have_count(0)

    page.get_by_role("button", name="Compare with the deployed version").click()
    expect(page.locator("#editor-compare")).to_be_visible()
    expect(page.locator(f'#compare-new g.diff-added[data-element-id="{task_id}"]')).to_have_count(1)
    expect(page.locator("#compare-impact")).to_contain_text("version 1 → version 2")
    page.locator("#editor-compare").screenshot(path="/tmp/editor_diff.png")
    page.get_by_role("button", name="Deploy version 2").click()
    expect(page.locator("#editor-status")).to_contain_text("Version 2 of")

    detail = library_views.process_detail(rt, C1)
    assert (detail.shown.version, detail.shown.deployed_by) == (2, "owner")
    assert f'<bpmn:flowNodeRef>{task_id}</bpmn:flowNodeRef>' in detail.xml.split('name="SC TM / ATM"')[0]
    if BPMN_CHECK is not None:  # the modeller conformance tool: XSD, bpmnlint, bpmn-js import and round trip
        saved = tmp_path / f"{C1}.bpmn"
        saved.write_text(detail.xml, encoding="utf-8")
        checked = subprocess.run([str(BPMN_CHECK), str(saved)], capture_output=True, text=True, timeout=300)
        assert checked.returncode == 0, checked.stdout + checked.stderr

    with rt.reading() as session:
        smiths = session.scalars(select(Case.id).where(Case.family_name == "Smith")).first()
    instances.start_work(rt, C1, smiths, "sam")
    sam = open_page()
    sign_in(sam, site, "sam")
    expect(sam.locator("main")).to_contain_text(NEW_TASK)


def test_a_caseworker_gets_403_on_the_editor(site, open_page):
    page = open_page()
    sign_in(page, site, "sam")
    assert page.goto(f"{site}/processes/{C1}/edit").status == 403
    response = page.request.get(f"{site}/processes/{C1}/edit/diagram", headers={"Accept": "application/json"})
    assert response.status == 403
