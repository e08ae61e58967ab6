"""Sign-in throttling through the web app: the page a locked-out person sees, and the client address behind the
council's proxy (X-Forwarded-For counts only from as many proxies as BPMNRUN_TRUSTED_PROXIES trusts)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from bpmnrun.service import sign_in
from bpmnrun.web import create_app
from tests.web.conftest import Browser, give_password

PROXY = "10.0.0.2"  # the council's proxy, as the app sees it
ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def quick(rt, diagrams, monkeypatch):
    """Quick hashes: these tests count attempts (benchmarks/bench_sign_in.py times the hash work)."""
    monkeypatch.setattr(sign_in, "_NO_ACCOUNT_HASH", generate_password_hash("x", method="pbkdf2:sha256:1"))
    give_password(rt, generate_password_hash("secret", method="pbkdf2:sha256:1"))


def visitor(app, forwarded_for: str | None = None) -> Browser:
    """A browser reaching the app through the proxy, which says in X-Forwarded-For whom it forwards."""
    client = Browser(app)
    client.client.environ_base["REMOTE_ADDR"] = PROXY
    if forwarded_for:
        client.client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    client.get("/sign-in")
    return client


def guess(client: Browser, username: str, password: str = "wrong") -> int:
    return client.post("/sign-in", {"username": username, "password": password}).status_code


def test_a_locked_out_person_is_told_plainly_when_to_try_again(app, quick):
    client = visitor(app)
    assert [guess(client, "sam") for _ in range(5)] == [401] * 4 + [429]
    page = client.post("/sign-in", {"username": "sam", "password": "secret"})
    assert page.status_code == 429
    assert b"govuk-error-summary" in page.data and b"Try again in 1 minute." in page.data
    assert b"Traceback" not in page.data
    assert client.get("/").status_code == 302  # not signed in


def test_behind_a_trusted_proxy_one_guessing_client_locks_out_only_itself(rt, quick, clock):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "TRUSTED_PROXIES": "1"}, runtime=rt)
    attacker = visitor(app, f"{ATTACKER}")
    assert [guess(attacker, f"guess{n}") for n in range(20)] == [401] * 19 + [429]
    assert guess(attacker, "sam", "secret") == 429
    # A spoofed header is only the first of the chain: the proxy appends the address it really saw.
    assert guess(visitor(app, f"{OFFICE}, {ATTACKER}"), "sam", "secret") == 429
    assert guess(visitor(app, OFFICE), "sam", "secret") == 302
    clock.advance(minutes=1, seconds=1)
    assert guess(attacker, "sam", "secret") == 302


def test_without_a_trusted_proxy_the_forwarded_address_is_ignored(rt, quick):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "TRUSTED_PROXIES": "0"}, runtime=rt)
    codes = [guess(visitor(app, f"192.0.2.{n}"), f"guess{n}") for n in range(20)]
    assert codes == [401] * 19 + [429]  # every client is the proxy: sending another header does not help
    assert guess(visitor(app, OFFICE), "sam", "secret") == 429


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_trusted_proxies_setting_that_is_no_count_stops_the_app(rt, value):
    with pytest.raises(ValueError, match="BPMNRUN_TRUSTED_PROXIES is the number of proxies"):
        create_app({"SECRET_KEY": "t", "TRUSTED_PROXIES": value}, runtime=rt)


def test_the_proxy_setting_is_read_from_the_environment(rt, monkeypatch):
    monkeypatch.setenv("BPMNRUN_TRUSTED_PROXIES", "2")
    assert create_app({"SECRET_KEY": "t"}, runtime=rt).wsgi_app.x_for == 2
