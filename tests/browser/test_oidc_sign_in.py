"""Signing in through the council's identity provider in a real browser: a real OpenID provider (oidc-provider,
started with node on loopback by tests/browser/oidc_provider.mjs), its own pages, the groups claim mapped to
teams, and the teams brought up to date when the person's groups change between two sign-ins."""

from __future__ import annotations

import json
import re
import selectors
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bpmnrun.web import create_app
from tests.support import deploy_library

HERE = Path(__file__).parent
PROVIDER_SCRIPT = HERE / "oidc_provider.mjs"
OIDC_PROVIDER = HERE.parents[1] / "web" / "node_modules" / "oidc-provider"
PROVIDER_NAME = "Example Council account"
GROUPS = """
[groups."csc-social-workers"]
teams = ["Social Worker"]

[groups."eh-managers"]
teams = ["Early Help Manager", "EH Awaiting Allocation"]
"""


@dataclass
class Council:
    site: str        # bpmnrun's address
    accounts: Path   # the provider's people, read again at each sign-in

    def set_groups(self, login: str, groups: list[str]) -> None:
        settings = json.loads(self.accounts.read_text())
        settings["accounts"][login]["groups"] = groups
        self.accounts.write_text(json.dumps(settings))


@pytest.fixture
def council(rt, tmp_path, chromium):
    """bpmnrun with the library deployed, signing in through oidc-provider; both on free loopback ports."""
    node = shutil.which("node")
    if node is None or not OIDC_PROVIDER.exists():
        pytest.skip("needs node and oidc-provider (cd web && npm ci)")
    deploy_library(rt)
    app_holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: app_holder["app"](environ, start), threaded=True)
    site = f"http://127.0.0.1:{server.server_port}"
    accounts = tmp_path / "provider.json"
    accounts.write_text(json.dumps({
        "client_id": "bpmnrun", "client_secret": "test-secret", "redirect_uri": f"{site}/sign-in/provider/callback",
        "accounts": {"alex": {"name": "Alex Smith", "groups": ["csc-social-workers"]}}}))
    with open(tmp_path / "provider.log", "w") as log:
        provider = subprocess.Popen([node, str(PROVIDER_SCRIPT), str(accounts)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        issuer = _issuer(provider, tmp_path / "provider.log")
        groups = tmp_path / "groups.toml"
        groups.write_text(GROUPS)
        app_holder["app"] = create_app({
            "SECRET_KEY": "browser-tests", "OIDC_DISCOVERY_URL": f"{issuer}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": "bpmnrun", "OIDC_CLIENT_SECRET": "test-secret", "OIDC_GROUPS_FILE": str(groups),
            "OIDC_PROVIDER_NAME": PROVIDER_NAME, "OIDC_SCOPES": "openid profile groups"}, runtime=rt)
        thread = threading.Thread(target=server.serve_forever, name="bpmnrun-oidc-tests", daemon=True)
        thread.start()
        yield Council(site, accounts)
        server.shutdown()
        thread.join(timeout=10)
    finally:
        provider.stdin.close()  # the script stops when its input closes
        try:
            provider.wait(timeout=10)
        except subprocess.TimeoutExpired:
            provider.terminate()
            provider.wait(timeout=10)
        provider.stdout.close()


def _issuer(provider: subprocess.Popen, log: Path) -> str:
    """The provider's first line says where it listens; a provider that does not start fails the test."""
    with selectors.DefaultSelector() as ready:
        ready.register(provider.stdout, selectors.EVENT_READ)
        line = provider.stdout.readline() if ready.select(timeout=20) else ""
    if not line.startswith("issuer "):
        raise RuntimeError(f"oidc-provider did not start: {line!r} {log.read_text()[-2000:]}")
    return line.split()[1]


def sign_in_with_the_provider(page, council: Council, login: str) -> None:
    page.goto(f"{council.site}/sign-in")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_url(lambda url: "/interaction/" in url or url.startswith(council.site))
    if "/interaction/" in page.url:  # the provider's own pages: who you are, then what bpmnrun may see
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("any password")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{council.site}/")


def test_a_council_worker_signs_in_with_the_provider_and_gets_the_teams_of_their_groups(council, open_page):
    page = open_page()
    sign_in_with_the_provider(page, council, "alex")
    expect(page.locator(".bpmnrun-account")).to_contain_text("Signed in as Alex Smith (Social Worker)")
    expect(page.locator(".govuk-tabs__list")).to_contain_text("Social Worker (0)")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")

    council.set_groups("alex", ["eh-managers"])  # moved to Early Help at the council
    sign_in_with_the_provider(page, council, "alex")
    account = page.locator(".bpmnrun-account")
    expect(account).to_contain_text("Alex Smith (Early Help Manager, EH Awaiting Allocation)")
    expect(account).not_to_contain_text("Social Worker")
    expect(page.locator(".govuk-tabs__list")).to_contain_text("Early Help Manager (")
    expect(page.locator(".govuk-tabs__list")).not_to_contain_text("Social Worker")


def test_cancelling_at_the_provider_shows_a_page_saying_so(council, open_page):
    page = open_page()
    page.goto(f"{council.site}/sign-in")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_role("link", name="[ Cancel ]").click()
    page.wait_for_url(re.compile(r".*/sign-in/provider/callback.*"))
    expect(page.locator("h1")).to_have_text(f"You could not sign in with {PROVIDER_NAME}")
    expect(page.locator("main")).to_contain_text(f"{PROVIDER_NAME} did not let you sign in")
    page.goto(f"{council.site}/")
    assert "/sign-in" in page.url
