"""Signing in with the council's identity provider, the parts a real provider is not needed for: the settings,
the sign-in page's offer, and the pages shown when the provider is unreachable or refuses (never a 500).
tests/browser/test_oidc_sign_in.py signs in through a real provider."""

from __future__ import annotations

import socket

import pytest

from bpmnrun.web import create_app
from bpmnrun.web.group_mapping import MappingError
from tests.web.conftest import Browser


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def groups_file(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text('[groups."CSC Social Workers"]\nteams = ["Social Worker"]\n')
    return path


@pytest.fixture
def settings(groups_file):
    return {"TESTING": True, "SECRET_KEY": "t", "OIDC_PROVIDER_NAME": "Example Council account",
            "OIDC_DISCOVERY_URL": f"http://127.0.0.1:{closed_port()}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": "bpmnrun", "OIDC_CLIENT_SECRET": "s3cret", "OIDC_GROUPS_FILE": str(groups_file)}


def test_without_a_provider_the_sign_in_page_offers_passwords_only(rt):
    visitor = Browser(create_app({"TESTING": True, "SECRET_KEY": "t"}, runtime=rt))
    assert b"Sign in with" not in visitor.get("/sign-in").data
    assert visitor.get("/sign-in/provider").status_code == 404


def test_the_sign_in_page_offers_the_councils_provider_and_keeps_where_to_go_next(rt, settings):
    page = Browser(create_app(settings, runtime=rt)).get("/sign-in?next=/cases").data.decode()
    assert "Sign in with Example Council account" in page
    assert 'href="/sign-in/provider?next=/cases"' in page
    assert "Or sign in with a bpmnrun user name and password" in page


def test_an_unreachable_provider_is_a_page_saying_so(rt, settings):
    response = Browser(create_app(settings, runtime=rt)).get("/sign-in/provider")
    assert response.status_code == 502
    page = response.data.decode()
    assert "You could not sign in with Example Council account" in page
    assert "Example Council account cannot be reached at the moment" in page
    assert "Traceback" not in page and "Connection" not in page and 'href="/sign-in"' in page


def test_a_refusal_by_the_provider_is_a_page_saying_so(rt, settings):
    response = Browser(create_app(settings, runtime=rt)).get(
        "/sign-in/provider/callback?error=access_denied&error_description=End-User+aborted&state=x")
    assert response.status_code == 401
    assert b"Example Council account did not let you sign in" in response.data


def test_an_answer_for_a_sign_in_this_browser_did_not_start_is_refused(rt, settings):
    response = Browser(create_app(settings, runtime=rt)).get("/sign-in/provider/callback?code=abc&state=forged")
    assert response.status_code == 400
    assert b"This sign-in had expired or was started in another window" in response.data


def test_the_settings_come_from_the_environment(rt, groups_file, monkeypatch):
    monkeypatch.setenv("BPMNRUN_OIDC_DISCOVERY_URL", "http://127.0.0.1:1/.well-known/openid-configuration")
    monkeypatch.setenv("BPMNRUN_OIDC_CLIENT_ID", "bpmnrun")
    monkeypatch.setenv("BPMNRUN_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("BPMNRUN_OIDC_GROUPS_FILE", str(groups_file))
    monkeypatch.setenv("BPMNRUN_OIDC_PROVIDER_NAME", "Lincolnshire account")
    page = Browser(create_app({"SECRET_KEY": "t"}, runtime=rt)).get("/sign-in").data
    assert b"Sign in with Lincolnshire account" in page


def test_a_provider_half_set_up_stops_the_app_naming_what_is_missing(rt, settings):
    with pytest.raises(ValueError, match="set BPMNRUN_OIDC_CLIENT_SECRET, BPMNRUN_OIDC_GROUPS_FILE too"):
        create_app({**settings, "OIDC_CLIENT_SECRET": None, "OIDC_GROUPS_FILE": ""}, runtime=rt)


def test_a_mapping_file_that_cannot_be_used_stops_the_app(rt, settings, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[groups.a]\nroles = ["Process Owner"]\n')
    with pytest.raises(MappingError, match="no role 'Process Owner'"):
        create_app({**settings, "OIDC_GROUPS_FILE": str(bad)}, runtime=rt)
