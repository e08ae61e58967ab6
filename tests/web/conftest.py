"""Web fixtures: the Flask app on the test database, and signed-in clients."""

from __future__ import annotations

import functools
import re

import pytest

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bpmnrun.store.models import User
from bpmnrun.web import create_app
from tests.support import DIAGRAMS, deploy_library, deploy_paths, smith_family

# The diagrams the generic page tests drive (tests/diagrams/web, made by /work/tools/testdiagrams/web.py), so
# that they test the pages apart from the process library.
WEB_DIAGRAMS = DIAGRAMS / "web"
REQUEST = "test_web_request"    # every widget, two branches at once, a read-only field, two sub-processes
CLOSURE = "test_web_closure"    # called by REQUEST: a multiple choice
AUTHORISATION = "test_web_authorisation"  # called by REQUEST
CONTACTS = "test_web_contacts"  # a table of rows with a date column, then a task per child
MEETING = "test_web_meeting"    # a date to escape and check, a gateway, a due date with its overdue timer
# One user per lane of the library's Lincolnshire step-out; the test diagrams use the same team names.
PEOPLE = {"sam": ["Social Worker"], "eve": ["Early Help Manager"], "ella": ["Early Help worker"],
          "fran": ["Front Door"], "tia": ["TAC Admin"], "mo": ["Manager (authoriser)"],
          "ps": ["Practice Supervisor"], "owner": []}


class Browser:
    """A Flask test client over https that signs in and sends the CSRF token like a browser form."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.client.environ_base["wsgi.url_scheme"] = "https"
        self.token = ""

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        found = re.search(rb'name="csrf_token" value="([^"]+)"', response.data)
        if found:
            self.token = found.group(1).decode()
        return response

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        if csrf and not self.token:
            self.get("/sign-in")
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.token)
        return self.client.post(path, data=form, **kwargs)

    def sign_in(self, username: str, password: str = "secret"):
        self.get("/sign-in")
        response = self.post("/sign-in", {"username": username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return self


@pytest.fixture
def app(rt):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SIGN_IN_RATE_LIMIT": "1000 per minute"}, runtime=rt)
    return app


@pytest.fixture
def browser(app):
    return lambda: Browser(app)


@pytest.fixture
def library(rt):
    """The process library deployed, users for the Lincolnshire step-out lanes, and the Smith family."""
    deploy_library(rt)
    return _people_and_family(rt)


@pytest.fixture
def diagrams(rt):
    """The web test diagrams (tests/diagrams/web) deployed, the same users as `library`, and the Smith family."""
    deploy_paths(rt, *sorted(WEB_DIAGRAMS.glob("*.bpmn")))
    return _people_and_family(rt)


def _people_and_family(rt):
    from bpmnrun.service import users

    for name, teams in PEOPLE.items():
        users.add_user(rt, name, teams, roles=["process owner"] if name == "owner" else [])
    give_password(rt)
    return smith_family(rt, outsiders=("fran",))  # the Front Door has no work with the Smiths until it is given some


@functools.lru_cache(maxsize=1)
def _secret_hash() -> str:
    return generate_password_hash("secret")


def give_password(rt, password_hash: str | None = None) -> None:
    """Every user without a password gets "secret" (hashed once: a real hash takes a tenth of a second)."""
    with rt.transaction() as session:
        for user in session.scalars(select(User).where(User.password_hash.is_(None))):
            user.password_hash = password_hash or _secret_hash()
