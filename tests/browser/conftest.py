"""Browser fixtures: the real app behind a real HTTP server on 127.0.0.1, driven by Debian's Chromium.

Playwright's own browser download does not work on these machines, so the tests launch /usr/bin/chromium
(`.ci/run` installs it). When a test fails, a screenshot of each page it had open is saved under
`test-artifacts/` at the repository's top.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from typing import Iterator

import pytest
from werkzeug.serving import make_server

from bpmnrun.service import users
from bpmnrun.web import create_app
from tests.support import deploy_library, smith_family
from tests.web.conftest import give_password

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Quiet flags: this machine's network is closed, and Chromium's background services would only knock on it.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]

# Who walks the pages: one user per lane of the Lincolnshire step-out, and a process owner.
PEOPLE = {"sam": ["Social Worker"], "eve": ["Early Help Manager", "EH Awaiting Allocation"],
          "ella": ["Early Help worker"], "owner": []}


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory) -> Path:
    """The demo seeded once for the run: each module using tests/browser/demo_site.py serves a copy of it."""
    from tests.browser.demo_site import seed

    return seed(tmp_path_factory.mktemp("demo-seed"))


@pytest.fixture
def site(rt) -> Iterator[str]:
    """The library deployed, the walkers' accounts (password "secret"), the Smith family, and the app
    served on a free port; yields its base URL."""
    deploy_library(rt)
    for name, teams in PEOPLE.items():
        users.add_user(rt, name, teams, roles=["process owner"] if name == "owner" else [])
    give_password(rt)
    smith_family(rt)
    app = create_app({"SECRET_KEY": "browser-tests", "SIGN_IN_RATE_LIMIT": "1000 per minute"}, runtime=rt)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bpmnrun-browser-tests", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def open_page(chromium, request):
    """open_page() → a new page in its own browser context (its own cookies: one signed-in user each)."""
    contexts = []

    def make():
        context = chromium.new_context(viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{stem}-{n}-{m}.png"), full_page=True)
    for context in contexts:
        context.close()


def sign_in(page, base: str, username: str, password: str = "secret") -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))
