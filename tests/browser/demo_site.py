"""The demo served for the browser checks of what caseworkers see: one server per test module with `demo.seed`
(the library, a user per team with password "demo", families with every procedure under way) on a SQLite file
and a clock that stands at START, and a signed-in page per user and width. Plus the few moves a user makes,
each page checked for accessibility as it arrives (tests/browser/accessibility.py)."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bpmnrun.clock import MovableClock
from bpmnrun.library.bundles import SpecCache
from bpmnrun.service import demo
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.web import create_app
from tests.browser.accessibility import check_page
from tests.support import LIBRARY

START = datetime(2025, 6, 2, 9, 0)
WIDTHS = (1280, 375)  # a desktop, and a phone


def seed(folder: Path) -> Path:
    """A SQLite file in `folder` with the demo seeded (conftest.py's `seeded_demo` makes it once per run:
    seeding takes most of a minute here)."""
    path = folder / "demo.sqlite"
    rt = Runtime(Database(f"sqlite:///{path}"), MovableClock(START), SpecCache())
    demo.seed(rt, LIBRARY)
    rt.db.dispose()
    return path


@pytest.fixture(scope="module")
def server(seeded_demo):
    """(runtime, base URL) of the demo, served on a free port, on a copy of the seeded file: what one module
    changes, the next does not see."""
    folder = tempfile.mkdtemp(prefix="bpmnrun-demo-site-")
    shutil.copyfile(seeded_demo, Path(folder) / "demo.sqlite")
    rt = Runtime(Database(f"sqlite:///{Path(folder) / 'demo.sqlite'}"), MovableClock(START), SpecCache())
    app = create_app({"SECRET_KEY": "demo-site", "SIGN_IN_RATE_LIMIT": "10000 per minute"}, runtime=rt)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="bpmnrun-demo-site", daemon=True)
    thread.start()
    yield rt, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)
    rt.db.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def people(request, chromium, server):
    """people(username) → that demo user's signed-in page at this width, made when first needed and kept for
    the module (`people.width` says the width). The sign-in page is checked once per width."""
    rt, base = server
    width = request.param
    pages = {}

    def page_of(username: str):
        if username not in pages:
            context = chromium.new_context(viewport={"width": width, "height": 900})
            context.set_default_timeout(15_000)  # a local server, but CI runs two test workers on two cores
            page = pages[username] = context.new_page()
            page.goto(f"{base}/sign-in")
            if len(pages) == 1:
                check_page(page, "sign in")
            page.get_by_label("User name").fill(username)
            page.get_by_label("Password").fill(demo.PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))
        return pages[username]

    page_of.width = width
    yield page_of
    for page in pages.values():
        page.context.close()


def visit(page, url: str, what: str, status: int = 200):
    """Open a page by its address (as a bookmark would) and check it."""
    response = page.goto(url)
    assert response.status == status, (url, response.status)
    check_page(page, what)
    return response


def follow(page, target, what: str, status: int = 200):
    """Click a link or a button that loads a page, and check the page that comes."""
    with page.expect_navigation() as loaded:
        target.click()
    assert loaded.value.status == status, (what, loaded.value.status, page.url)
    check_page(page, what)
    return loaded.value


def nav(page, name: str) -> None:
    """Follow a link of the service navigation; on a phone it is behind the Menu button."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    follow(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True), name)


def words(locator) -> str:
    """The text a user reads, white space as one space."""
    return " ".join(locator.inner_text().split())
