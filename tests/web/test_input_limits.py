"""Hostile input to the API and the pages is refused with a 4xx that says why, never a 500: JSON nested too deep,
texts longer than their column or holding NUL or half a surrogate pair, numbers JSON does not allow, offsets
beyond any list, addresses and bodies over the limits, drafts and start data that are not the form's own.
Each answer from the API is also checked against the OpenAPI document (its status and shape)."""

from __future__ import annotations

import http.client
import json
import os
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from gunicorn.config import Config

from bpmnrun.service import input_limits, instances, queries, users
from bpmnrun.service.input_limits import MAX_ANSWERS_BYTES, MAX_JSON_DEPTH
from bpmnrun.web.api_input import MAX_BODY_BYTES
from bpmnrun.web.request_limits import MAX_URL_BYTES
from tests.support import only_task, subject_ids
from tests.web.conftest import REQUEST
from tests.web.test_api import Api

FAMILY = input_limits.FAMILY_NAME
GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
NUL = "A\\u0000B"          # as JSON text: the escape, which json.loads turns into the character
SURROGATE = "A\\ud800B"    # half of a surrogate pair, on its own


@pytest.fixture
def sam(app, rt, diagrams):
    return Api(app, users.issue_token(rt, "sam"))


@pytest.fixture
def task_id(rt, diagrams):
    work = instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Josie"))
    return only_task(rt, work).id


def post_raw(api: Api, path: str, body: str):
    """A body sent as it is written (JSON the test client would not write: escapes, NaN, deep nesting)."""
    return api.post(path, data=body, content_type="application/json")


# --- nesting ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 990, 100_000])
def test_json_nested_deeper_than_the_limit_is_400(sam, task_id, depth):
    nested = "[" * depth + "]" * depth
    for path, body in ((f"/api/v1/tasks/{task_id}/draft", f'{{"data": {{"note": {nested}}}}}'),
                       ("/api/v1/cases", f'{{"family_name": "Jones", "children": {nested}}}')):
        response = post_raw(sam, path, body)
        assert response.status_code == 400, (path, response.data[:300])
        assert f"nested more than {MAX_JSON_DEPTH} levels deep" in response.get_json()["message"]


def test_json_nested_within_the_limit_is_read_and_answered_on_its_merits(sam, task_id):
    nested = "[" * (MAX_JSON_DEPTH - 2) + "]" * (MAX_JSON_DEPTH - 2)  # inside {"data": {"note": …}}
    response = post_raw(sam, f"/api/v1/tasks/{task_id}/draft", f'{{"data": {{"note": {nested}}}}}')
    assert response.status_code == 400 and "data.note must be" in response.get_json()["message"]


# --- texts: length, NUL, surrogates ------------------------------------------------------------------

def test_a_family_name_longer_than_its_column_is_422_naming_the_limit(sam, rt):
    response = sam.post("/api/v1/cases", {"family_name": "J" * (FAMILY + 1), "children": [{"name": "Ada"}]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"family_name": f"must be {FAMILY} characters or less"}
    longest = sam.post("/api/v1/cases", {"family_name": "J" * FAMILY, "children": [{"name": "Ada"}]})
    assert longest.status_code == 201 and longest.get_json()["family_name"] == "J" * FAMILY


def test_a_childs_name_longer_than_its_column_is_422_naming_the_child_and_the_limit(sam):
    limit = input_limits.CHILD_NAME
    response = sam.post("/api/v1/cases", {"family_name": "Jones",
                                          "children": [{"name": "Ada"}, {"name": "B" * (limit + 1)}]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"children[1].name": f"must be {limit} characters or less"}


def test_a_user_name_or_process_id_longer_than_any_is_422(sam, task_id, diagrams):
    to = sam.post(f"/api/v1/tasks/{task_id}/claim", {"to": "u" * (input_limits.USERNAME + 1)})
    assert to.status_code == 422 and "to" in to.get_json()["errors"]
    started = sam.post("/api/v1/instances", {"process_id": "p" * (input_limits.PROCESS_ID + 1),
                                             "case_id": diagrams.id})
    assert started.status_code == 422
    assert started.get_json()["errors"] == {"process_id": f"must be {input_limits.PROCESS_ID} characters or less"}


@pytest.mark.parametrize("bad, says", [(NUL, "NUL"), (SURROGATE, "surrogate pair")])
def test_nul_and_lone_surrogates_are_422_wherever_they_are_sent(sam, task_id, diagrams, rt, bad, says):
    sent = {
        "/api/v1/cases": [f'{{"family_name": "{bad}"}}',
                          f'{{"family_name": "Jones", "children": [{{"name": "{bad}"}}]}}'],
        f"/api/v1/tasks/{task_id}/draft": [f'{{"data": {{"note": "{bad}"}}}}', f'{{"data": {{"{bad}": "x"}}}}'],
        f"/api/v1/tasks/{task_id}/complete": [f'{{"data": {{"note": "{bad}"}}}}'],
        f"/api/v1/tasks/{task_id}/claim": [f'{{"to": "{bad}"}}'],
        "/api/v1/instances": [f'{{"process_id": "{bad}", "case_id": {diagrams.id}}}',
                              f'{{"process_id": "{REQUEST}", "case_id": {diagrams.id}, "data": {{"note": "{bad}"}}}}'],
    }
    for path, bodies in sent.items():
        for body in bodies:
            response = post_raw(sam, path, body)
            assert response.status_code == 422, (body, response.data[:300])
            assert says in " ".join(response.get_json()["errors"].values()), body
    assert queries.get_task(rt, task_id, "sam").draft == {}


@pytest.mark.parametrize("query", ["team=Social%00Worker", "process=%00", "%00=1"])
def test_a_query_parameter_holding_nul_is_400(sam, task_id, query):
    response = sam.get(f"/api/v1/tasks?{query}")
    assert response.status_code == 400 and "a character that cannot be" in response.get_json()["message"]


# --- numbers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused_in_drafts_answers_and_start_data(sam, task_id, diagrams, rt, number):
    for path, body in ((f"/api/v1/tasks/{task_id}/draft", f'{{"data": {{"note": {number}}}}}'),
                       (f"/api/v1/tasks/{task_id}/complete", f'{{"data": {{"note": {number}}}}}'),
                       ("/api/v1/instances", f'{{"process_id": "{REQUEST}", "case_id": {diagrams.id}, '
                                             f'"data": {{"note": {number}}}}}')):
        response = post_raw(sam, path, body)
        assert response.status_code == 400, (path, response.data[:300])
        assert "not a number JSON allows" in response.get_json()["message"]
    assert queries.get_task(rt, task_id, "sam").draft == {}


def test_a_whole_number_beyond_what_json_clients_hold_is_422(sam, task_id):
    response = sam.post(f"/api/v1/tasks/{task_id}/draft", {"data": {"note": 2**53}})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"data.note": f"must be a number between -{2**53 - 1} and {2**53 - 1}"}


@pytest.mark.parametrize("query", ["offset=9223372036854775808", "offset=-1", "offset=2147483648",
                                   "limit=0", "limit=" + "9" * 40, "case=9223372036854775808"])
def test_list_parameters_out_of_range_are_400_naming_them(sam, task_id, query):
    response = sam.get(f"/api/v1/tasks?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_json()["message"]


def test_the_last_offset_allowed_is_an_empty_page(sam, task_id):
    response = sam.get("/api/v1/tasks?offset=2147483647")
    assert response.status_code == 200 and response.get_json()["tasks"] == []


# --- drafts and start data: only the form's own fields ------------------------------------------------

def test_a_draft_keeps_only_the_forms_own_fields(sam, task_id, rt):
    response = sam.post(f"/api/v1/tasks/{task_id}/draft", {"data": {"note": "spoke to mum", "colour": "red",
                                                                    "subjects": []}})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"colour": "is not a field of this form",
                                             "subjects": "is not a field of this form"}
    assert queries.get_task(rt, task_id, "sam").draft == {}


def test_a_draft_over_the_size_limit_is_413_naming_the_field(sam, task_id, rt):
    half = "x" * (MAX_ANSWERS_BYTES // 2 + 100)
    assert sam.post(f"/api/v1/tasks/{task_id}/draft", {"data": {"note": half}}).status_code == 200
    # What is kept counts: a second answer that would take the saved draft over the limit is refused.
    response = sam.post(f"/api/v1/tasks/{task_id}/draft", {"data": {"approving_eh_manager": half}})
    assert response.status_code == 413
    errors = response.get_json()["errors"]
    assert list(errors) == ["approving_eh_manager"] and f"at most {MAX_ANSWERS_BYTES // 1024} kB" in errors[
        "approving_eh_manager"]
    assert queries.get_task(rt, task_id, "sam").draft.get("approving_eh_manager") is None


@pytest.mark.parametrize("data, says", [
    ({"subjects": [{"id": 1, "name": "A child not in the family"}]}, "is set by bpmnrun"),
    ({"family": "Jones"}, "is set by bpmnrun"), ({"case_id": 1}, "is set by bpmnrun"),
    ({"colour": "red"}, "is not a field of this procedure's start form"),
])
def test_start_data_may_not_set_engine_keys_or_fields_the_start_form_lacks(sam, diagrams, rt, data, says):
    before = len(queries.case_tasks(rt, diagrams.id))
    response = sam.post("/api/v1/instances", {"process_id": REQUEST, "case_id": diagrams.id, "data": data})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {key: says + ("" if says.startswith("is not") else ", not by start data")
                                             for key in data}
    assert len(queries.case_tasks(rt, diagrams.id)) == before  # nothing started


# --- the request as a whole: its address and its size --------------------------------------------------

def test_an_address_over_the_limit_is_the_apps_414_as_json_under_the_api(sam, task_id):
    padding = "x" * (MAX_URL_BYTES - len("/api/v1/tasks?team=") + 1)
    response = sam.get(f"/api/v1/tasks?team={padding}")
    assert response.status_code == 414
    assert response.get_json()["message"] == f"The address must be at most {MAX_URL_BYTES} characters long"
    # One character less is read, and answered on its merits (no team has so long a name).
    assert sam.get(f"/api/v1/tasks?team={padding[1:]}").status_code == 400


def test_an_address_over_the_limit_is_a_page_elsewhere(browser, diagrams):
    page = browser().sign_in("sam").get("/cases?q=" + "x" * MAX_URL_BYTES)
    assert page.status_code == 414 and page.mimetype == "text/html"
    assert "The web address is too long" in page.data.decode()


def test_a_body_over_the_apis_limit_is_413_as_json(sam, task_id, rt):
    note = "x" * MAX_BODY_BYTES
    response = sam.post(f"/api/v1/tasks/{task_id}/draft", {"data": {"note": note}})
    assert response.status_code == 413
    assert response.get_json() == {"error": "The request is too big",
                                   "message": f"The request body must be at most {MAX_BODY_BYTES // 1024} kB"}
    assert queries.get_task(rt, task_id, "sam").draft == {}


def test_a_body_over_the_apps_limit_is_413_as_json_under_the_api_and_a_page_elsewhere(app, sam, task_id, browser):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = post_raw(sam, f"/api/v1/tasks/{task_id}/draft", json.dumps({"data": {"note": "x" * limit}}))
    assert response.status_code == 413 and response.mimetype == "application/json"
    page = browser().sign_in("sam").post("/cases", {"family_name": "x" * limit})
    assert page.status_code == 413 and page.mimetype == "text/html"
    assert f"What was sent must be smaller than {limit // 1024 // 1024} MB" in page.data.decode()


# --- the add a family page ----------------------------------------------------------------------------

def test_the_add_a_family_page_refuses_a_name_longer_than_its_column(browser, diagrams, rt):
    sam = browser().sign_in("sam")
    response = sam.post("/cases", {"family_name": "J" * (FAMILY + 1), "child-1-name": "Ada"})
    assert response.status_code == 422
    assert f"The family name must be {FAMILY} characters or less" in response.data.decode()
    assert "J" * (FAMILY + 1) in response.data.decode()  # what was typed is kept, to be shortened


def test_an_address_over_the_limit_is_refused_before_sign_in_is_asked_for(app):
    response = app.test_client().get("/api/v1/tasks?team=" + "x" * MAX_URL_BYTES)
    assert response.status_code == 414 and response.is_json


# --- gunicorn.conf.py: the server in front lets such requests through to the app -----------------------

def gunicorn_settings() -> Config:
    """gunicorn.conf.py read as gunicorn reads it: every name in it must be one of gunicorn's settings, and
    each value one gunicorn takes."""
    config = Config()
    for name, value in runpy.run_path(str(GUNICORN_CONF)).items():
        if not name.startswith("_"):
            assert name in config.settings, f"gunicorn.conf.py: {name} is not a gunicorn setting"
            config.set(name, value)
    return config


def test_gunicorn_lets_every_address_the_app_refuses_reach_the_app():
    config = gunicorn_settings()
    # The request line is "METHOD <address> HTTP/1.1": room for an address just over the app's limit, and more.
    assert config.limit_request_line >= MAX_URL_BYTES + len("OPTIONS  HTTP/1.1") + 1
    assert config.limit_request_line <= 8190  # gunicorn's most: beyond it, it would silently use 8190
    assert 0 < config.timeout <= 300 and config.limit_request_field_size >= 4096


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn started with gunicorn.conf.py on a loopback socket opened here and handed over (fd://): a
    request waits in the socket's queue until the worker is up. Returns a function sending a GET."""
    listener = socket.create_server(("127.0.0.1", 0))
    env = {**os.environ, "BPMNRUN_SECRET_KEY": "test", "BPMNRUN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", str(GUNICORN_CONF), "-w", "1",
         "-b", f"fd://{listener.fileno()}", "--log-level", "warning", "bpmnrun.web.wsgi:app"],
        pass_fds=[listener.fileno()], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def get(path: str) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(*listener.getsockname(), timeout=60)
        connection.request("GET", path)
        return connection.getresponse()

    yield get
    server.terminate()
    _, errors = server.communicate(timeout=60)
    listener.close()
    assert b"Traceback" not in errors, errors.decode()[-2000:]


def test_through_gunicorn_a_long_address_gets_the_apps_414(gunicorn):
    api = gunicorn("/api/v1/tasks?team=" + "x" * 5000)
    assert (api.status, api.getheader("Content-Type")) == (414, "application/json")
    assert json.loads(api.read())["message"] == f"The address must be at most {MAX_URL_BYTES} characters long"
    page = gunicorn("/cases?q=" + "x" * 5000)
    assert page.status == 414 and "The web address is too long" in page.read().decode()
    # Beyond gunicorn's own limit it answers itself, as it must: no server reads a line without end.
    assert gunicorn("/api/v1/tasks?team=" + "x" * 9000).status in (400, 414)
