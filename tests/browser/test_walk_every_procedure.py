"""Every procedure walked through the real pages in Chromium to one of its ends: work started on the Start work
page (its start form answered there), each task opened and finished on its task page by a user of its lane (or
its assignee), with the demo's answers. Timers fire as the clock is moved; a message the work waits for is
recorded as a user would (the service call the `bpmnrun message` command makes). The walks are the demo's
(service/demo.py), finished on the pages instead of through the service. One server for all walks."""

from __future__ import annotations

import re
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bpmnrun.clock import MovableClock
from bpmnrun.library.bundles import SpecCache
from bpmnrun.service import demo, instances, queries
from bpmnrun.service.demo_walks import answers_for, plausible_answers
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Instance
from bpmnrun.web import create_app
from tests.browser.conftest import sign_in
from tests.support import LIBRARY

START = datetime(2025, 6, 2, 9, 0)


@pytest.fixture(scope="module")
def server():
    """The library deployed with the demo's users (password "demo") and families, served on a free port."""
    folder = tempfile.mkdtemp(prefix="bpmnrun-walk-")
    clock = MovableClock(START)
    rt = Runtime(Database(f"sqlite:///{Path(folder) / 'walk.sqlite'}"), clock, SpecCache())
    demo.seed_users_and_library(rt, LIBRARY)
    app = create_app({"SECRET_KEY": "walk", "SIGN_IN_RATE_LIMIT": "10000 per minute"}, runtime=rt)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="bpmnrun-walk", daemon=True)
    thread.start()
    yield rt, clock, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)
    rt.db.dispose()


@pytest.fixture(scope="module")
def people(chromium, server):
    """A signed-in page per user, opened when first needed and kept for every walk."""
    rt, clock, base = server
    pages = {}

    def page_of(username: str):
        if username not in pages:
            context = chromium.new_context(viewport={"width": 1280, "height": 1000})
            context.set_default_timeout(15_000)
            pages[username] = context.new_page()
            sign_in(pages[username], base, username, demo.PASSWORD)
        return pages[username]

    yield page_of
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("walk", demo.WALKS, ids=lambda w: w.process_id)
def test_walk_a_procedure_through_the_pages_to_an_end(server, people, walk):
    rt, clock, base = server
    clock.set(START)
    case = demo.family(rt, walk.family, demo.starter(rt, walk.process_id))
    instance_id = _start_on_the_page(rt, people(demo.starter(rt, walk.process_id)), base, case, walk)

    def on_the_page(rt, walk, task, visit):
        _finish_on_the_page(rt, people(demo.actor_for(task)), base, task, answers_for(walk, task.name, visit))

    demo.walk_on(rt, walk, instance_id, None, clock=clock, finish=on_the_page)
    info = queries.get_instance(rt, instance_id)
    ends = [e.name for e in queries.history(rt, instance_id=instance_id) if e.action == "end_event"]
    assert info.status == "completed" and info.end_event in ends, (walk.process_id, info.status, ends)
    # The case page shows the work finished with its end, in the words caseworkers read.
    page = people(demo.starter(rt, walk.process_id))
    page.goto(f"{base}/cases/{case.id}?work={instance_id}")  # a new query string: a fresh page, not a jump
    shown = page.locator(f"#instance-{instance_id} .govuk-summary-list").inner_text()
    assert info.end_event in " ".join(shown.split()), shown


def _start_on_the_page(rt, page, base: str, case, walk) -> int:
    page.goto(f"{base}/cases/{case.id}/start")
    for child in case.subjects:
        box = page.locator(f'input[name="subject"][value="{child.id}"]')
        box.set_checked(walk.children is None or child.name.split()[0] in walk.children)
    page.locator(f'input[name="process_id"][value="{walk.process_id}"]').check()
    _submit(page, re.compile("^Start"))
    if page.locator("#already-running").count():
        _submit(page, "Start it anyway")
    if page.locator('input[name="start-form"]').count():
        form = instances.start_form(rt, walk.process_id).to_json()
        _fill(page, form, dict(walk.start))
        _submit(page, "Start work")
    _no_errors(page, f"starting {walk.process_id}")
    with rt.reading() as session:
        return session.scalars(select(Instance.id).where(Instance.case_id == case.id,
                                                         Instance.process_id == walk.process_id)
                               .order_by(Instance.id.desc()).limit(1)).one()


def _finish_on_the_page(rt, page, base: str, task, given) -> None:
    actor = demo.actor_for(task)
    form = queries.get_task(rt, task.id, actor).form
    page.goto(f"{base}/tasks/{task.id}")
    assert task.name in page.locator("h1").inner_text()
    _fill(page, form, plausible_answers(form, rt.now().date().isoformat(), given))
    _submit(page, "Finish")
    _no_errors(page, f"finishing {task.name!r} as {actor}")


def _fill(page, form: list[dict], values: dict) -> None:
    fields = {f["id"]: f for f in form}
    for field_id, value in values.items():
        f = fields[field_id]
        if f.get("per_child"):
            for child, answer in value.items():
                _fill_one(page, {**f, "per_child": False}, f"{field_id}--{child}", answer)
        else:
            _fill_one(page, f, field_id, value)


def _fill_one(page, f: dict, name: str, value) -> None:
    if f["type"] == "date":
        year, month, day = str(value).split("-")
        for part, text in (("day", day), ("month", month), ("year", year)):
            page.locator(f'input[name="{name}-{part}"]').fill(str(int(text)))
    elif f["type"] == "enum" and f["multiple"]:
        chosen = set(value)
        for option in f["options"]:
            page.locator(f'input[name="{name}"][value="{option["id"]}"]').set_checked(option["id"] in chosen)
    elif f["type"] == "enum" and page.locator(f'select[name="{name}"]').count():
        page.locator(f'select[name="{name}"]').select_option(str(value))
    elif f["type"] in ("enum", "boolean"):
        word = ("true" if value else "false") if isinstance(value, bool) else str(value)
        box = page.locator(f'input[name="{name}"][value="{word}"]')
        if box.count():
            box.check()
        # an unticked single tick box ("false") is left as it is
    else:
        page.locator(f'[name="{name}"]').fill(str(value))


def _submit(page, button) -> None:
    """Press a form's button and wait for the answer to load: the next look at the page, or at the database,
    must see what this submission did."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _no_errors(page, doing: str) -> None:
    summary = page.locator(".govuk-error-summary")
    assert not summary.count(), f"{doing}: {summary.first.inner_text()}"
