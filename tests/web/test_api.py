"""The JSON API under /api/v1: each route's answer and error statuses, bearer tokens and session CSRF,
and the OpenAPI document, which must describe every route and every answer's shape."""

from __future__ import annotations

import re
from urllib.parse import quote

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from bpmnrun.service import access_log, inbox, instances, queries, users
from bpmnrun.web.api_openapi import openapi_document
from tests.support import only_task, subject_ids
from tests.web.conftest import MEETING, REQUEST

SEND = "Send the request to the Early Help Manager"
FINISH_WORKSTEP = "Update the workstep, and Finish it adding the appropriate Next Action"
SEND_VALUES = {"originating_sc_workstep": "SC Review Child Protection Conference", "eh_manager_agreed": True,
               "pass_to": "EH Awaiting Allocation"}
MISSING_TASK = "00000000-0000-0000-0000-000000000000"
SMITH = object()  # stands for the Smith family's case id in parameters


class Api:
    """A client that speaks JSON with a bearer token, and checks each answer against the OpenAPI document."""

    def __init__(self, app, token: str | None) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kwargs):
        return checked("get", path, self.client.get(path, headers=self.headers, **kwargs))

    def post(self, path: str, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return checked("post", path, self.client.post(path, headers=self.headers, **kwargs))


def checked(method: str, path: str, response):
    """The answer's body must match the schema the document gives for its path, method and status."""
    doc = openapi_document()
    template = _template_of(path.split("?")[0])
    answers = doc["paths"][template][method]["responses"]
    assert str(response.status_code) in answers, f"{method} {path} answered {response.status_code}, not documented"
    answer = answers[str(response.status_code)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    jsonschema.validate(response.get_json(), {**schema, "components": doc["components"]})
    return response


def _template_of(path: str) -> str:
    for template in openapi_document()["paths"]:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


@pytest.fixture
def api(app, rt, diagrams):
    users.add_user(rt, "sara", ["Social Worker"])
    tokens = {name: users.issue_token(rt, name) for name in ("sam", "sara", "fran", "eve")}
    return lambda name: Api(app, tokens[name])


@pytest.fixture
def work(rt, diagrams):
    return instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Josie", "Joy"))


# --- the document ------------------------------------------------------------------------------------

def test_the_openapi_document_is_public_valid_and_describes_every_route(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    validate_openapi(doc)
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    routed = {(re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "session"}


# --- signing in and CSRF ------------------------------------------------------------------------------

def test_without_a_session_or_a_valid_token_the_answer_is_401_json(app, diagrams):
    for token in (None, "not-a-token"):
        response = Api(app, token).get("/api/v1/tasks")
        assert response.status_code == 401 and response.get_json()["error"] == "Sign in to continue"


def test_a_bearer_token_needs_no_csrf_token(api, work, rt):
    task = only_task(rt, work)
    assert api("sam").post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
    assert queries.get_task(rt, task.id, "sam").assignee == "sam"


def test_a_session_post_needs_the_x_csrftoken_header(browser, work, rt):
    sam = browser().sign_in("sam")
    task = only_task(rt, work)
    path = f"/api/v1/tasks/{task.id}/claim"
    refused = checked("post", path, sam.client.post(path, json={}))
    assert refused.status_code == 400 and "not sent from this site" in refused.get_json()["message"]
    assert queries.get_task(rt, task.id, "sam").assignee is None
    sent = sam.client.post(path, json={}, headers={"X-CSRFToken": sam.token, "Referer": "https://localhost/"})
    assert checked("post", path, sent).status_code == 200
    assert queries.get_task(rt, task.id, "sam").assignee == "sam"
    # A session's reads need no token.
    assert sam.client.get(f"/api/v1/tasks/{task.id}").status_code == 200


# --- tasks ------------------------------------------------------------------------------------------

def test_the_worklist_with_its_filters_and_total(api, work, rt, diagrams):
    sam = api("sam")
    listed = sam.get("/api/v1/tasks").get_json()
    assert listed["total"] == 1 and [t["name"] for t in listed["tasks"]] == [SEND]
    assert listed["tasks"][0]["children"] == ["Josie Smith", "Joy Smith"]
    assert listed["tasks"][0]["form"] == []  # a list leaves the forms out
    filtered = sam.get(f"/api/v1/tasks?team=Social+Worker&process={REQUEST}&case={diagrams.id}").get_json()
    assert filtered["total"] == 1
    assert sam.get("/api/v1/tasks?mine=1").get_json()["total"] == 0
    assert sam.get("/api/v1/tasks?overdue=1").get_json()["total"] == 0
    assert sam.get(f"/api/v1/tasks?process={MEETING}").get_json()["total"] == 0
    paged = sam.get("/api/v1/tasks?limit=1&offset=1").get_json()
    assert (paged["tasks"], paged["total"], paged["next"]) == ([], 1, None)
    assert api("fran").get("/api/v1/tasks").get_json() == {"tasks": [], "total": 0, "total_exact": True, "next": None}


@pytest.mark.parametrize("query", ["team=Social+Worker", "", "mine=1"])
def test_the_worklist_pages_on_by_its_next_cursor_with_a_bounded_total(api, rt, diagrams, monkeypatch, query):
    started = [instances.start_work(rt, REQUEST, diagrams.id, "sam") for _ in range(5)]
    if query == "mine=1":
        for iid in started:
            task = queries.instance_tasks(rt, iid)[0]
            assert api("sam").post(f"/api/v1/tasks/{task.id}/claim", {}).status_code == 200
    monkeypatch.setattr(inbox, "COUNT_BOUND", 3)  # a list longer than the bound: "more than 3"
    sam, seen, after = api("sam"), [], ""
    while True:
        answer = sam.get(f"/api/v1/tasks?{query}&limit=2{after}").get_json()
        assert (answer["total"], answer["total_exact"]) == (3, False) and len(answer["tasks"]) <= 2
        seen += [t["instance_id"] for t in answer["tasks"]]
        if answer["next"] is None:
            break
        after = f"&after={answer['next']}"
    assert seen == started  # each task once, in the list's order (started one after the other, none due)


def test_a_cursor_the_list_did_not_give_is_refused(api, work, rt, diagrams):
    instances.start_work(rt, REQUEST, diagrams.id, "sam")  # a second task: the first page of one has a next
    place = quote(queries.task_slice(rt, "sam", queries.TaskFilter(), 1).next)  # an inbox place: not for mine=1
    for query in ("after=page2", "after=@x", "after=@1&offset=1", f"after={'9' * 81}", f"mine=1&after={place}"):
        response = api("sam").get(f"/api/v1/tasks?{query}")
        assert response.status_code == 400 and "after" in response.get_json()["message"], query


def test_the_worklist_refuses_bad_parameters_and_other_teams(api, work):
    sam = api("sam")
    for query in ("limit=0", "limit=501", "limit=ten", "offset=-1", "case=x", "case=", "case=2147483648",
                  "mine=maybe"):
        response = sam.get(f"/api/v1/tasks?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.get_json()["message"]
    assert sam.get("/api/v1/tasks?team=Front+Door").status_code == 403


def test_a_task_with_its_form_draft_and_documentation(api, work, rt):
    task = only_task(rt, work)
    shown = api("sam").get(f"/api/v1/tasks/{task.id}").get_json()
    assert shown["name"] == SEND and shown["draft"] == {} and "documentation" in shown
    assert "originating_sc_workstep" in [f["id"] for f in shown["form"]]
    assert api("fran").get(f"/api/v1/tasks/{task.id}").status_code == 403
    assert api("sam").get(f"/api/v1/tasks/{MISSING_TASK}").status_code == 404


def test_completing_a_task_records_its_data_and_moves_the_work_on(api, work, rt):
    task = only_task(rt, work)
    done = api("sam").post(f"/api/v1/tasks/{task.id}/complete", {"data": SEND_VALUES})
    assert done.status_code == 200
    body = done.get_json()
    assert body["task_id"] == task.id
    assert body["data"]["originating_sc_workstep"] == "sc_review_child_protection_conference"
    assert body["instance"]["id"] == work and body["instance"]["status"] == "running"
    assert FINISH_WORKSTEP in [t["name"] for t in body["instance"]["tasks"]]
    assert queries.get_task(rt, task.id, "sam").completed_by == "sam"


def test_a_form_that_fails_is_422_naming_each_field(api, work, rt):
    task = only_task(rt, work)
    response = api("sam").post(f"/api/v1/tasks/{task.id}/complete",
                               {"data": {**SEND_VALUES, "originating_sc_workstep": "Not a workstep", "colour": "red"}})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"originating_sc_workstep", "colour"}
    assert errors["colour"] == "is not a field of this form"
    assert queries.get_task(rt, task.id, "sam").state == "ready"


def test_a_second_completion_is_409_naming_who_completed_it(api, work, rt):
    task = only_task(rt, work)
    assert api("sam").post(f"/api/v1/tasks/{task.id}/complete", {"data": SEND_VALUES}).status_code == 200
    again = api("sara").post(f"/api/v1/tasks/{task.id}/complete", {"data": SEND_VALUES})
    assert again.status_code == 409
    body = again.get_json()
    assert body["completed_by"] == "sam" and body["completed_at"].startswith("2025-06-02T")


def test_completing_another_teams_or_an_unknown_task_is_refused(api, work, rt):
    task = only_task(rt, work)
    assert api("fran").post(f"/api/v1/tasks/{task.id}/complete", {"data": SEND_VALUES}).status_code == 403
    assert api("sam").post(f"/api/v1/tasks/{MISSING_TASK}/complete", {"data": SEND_VALUES}).status_code == 404
    assert queries.get_task(rt, task.id, "sam").state == "ready"


@pytest.mark.parametrize("body, says", [
    ("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object"), ('{"data": [1]}', "data must be"),
    ('{"data": {"note": {"a": 1}}}', "data.note must be"), ('{"values": {}}', "unknown field 'values'"),
    ("{}", "data is required"), ("", "send a JSON object"),
])
def test_a_body_of_the_wrong_shape_is_400_saying_why(api, work, rt, body, says):
    task = only_task(rt, work)
    response = api("sam").post(f"/api/v1/tasks/{task.id}/complete", data=body, content_type="application/json")
    assert response.status_code == 400 and says in response.get_json()["message"]


def test_a_body_not_sent_as_json_is_415(api, work, rt):
    task = only_task(rt, work)
    response = api("sam").post(f"/api/v1/tasks/{task.id}/complete", data='{"data": {}}', content_type="text/plain")
    assert response.status_code == 415


def test_save_and_close_keeps_the_values_and_the_task_open(api, work, rt):
    task = only_task(rt, work)
    saved = api("sam").post(f"/api/v1/tasks/{task.id}/draft", {"data": {"note": "spoke to mum"}})
    assert saved.status_code == 200 and saved.get_json()["draft"]["note"] == "spoke to mum"
    shown = api("sam").get(f"/api/v1/tasks/{task.id}").get_json()
    assert (shown["state"], shown["draft"]["note"]) == ("ready", "spoke to mum")
    assert api("fran").post(f"/api/v1/tasks/{task.id}/draft", {"data": {}}).status_code == 403


def test_claim_pass_to_worker_and_release(api, work, rt):
    task = only_task(rt, work)
    path = f"/api/v1/tasks/{task.id}/claim"
    assert api("sam").post(path).get_json() == {"task_id": task.id, "assignee": "sam"}
    assert api("sam").post(path, {"to": "sara"}).get_json()["assignee"] == "sara"
    assert queries.get_task(rt, task.id, "sara").assignee == "sara"
    assert api("sam").post(path).status_code == 403  # it is with sara now
    assert api("sara").post(path, {"release": True}).get_json()["assignee"] is None
    assert queries.get_task(rt, task.id, "sam").assignee is None
    assert api("sam").post(path, {"to": "fran"}).status_code == 400  # not in Social Worker
    assert api("sam").post(path, {"to": "sara", "release": False}).status_code == 400
    assert api("sam").post(path, {"release": "yes"}).status_code == 400
    assert api("sam").post(f"/api/v1/tasks/{MISSING_TASK}/claim").status_code == 404


# --- cases and work on them ---------------------------------------------------------------------------

def test_adding_a_family_and_reading_it_back(api, rt):
    created = api("sam").post("/api/v1/cases", {"family_name": "Jones", "children": [
        {"name": "Ada Jones", "date_of_birth": "2016-02-29"}, {"name": "Ben Jones"}]})
    assert created.status_code == 201
    case = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/cases/{case['id']}")
    assert [(s["name"], s["date_of_birth"]) for s in case["subjects"]] == [("Ada Jones", "2016-02-29"),
                                                                          ("Ben Jones", None)]
    assert api("sam").get(f"/api/v1/cases/{case['id']}").get_json() == case  # sam added the family
    assert api("fran").get(f"/api/v1/cases/{case['id']}").status_code == 403  # the Front Door has no work with it
    assert api("sam").get("/api/v1/cases/99999").status_code == 404
    reads = [(e.username, e.what) for e in access_log.entries(rt, case["id"])]
    assert reads == [("sam", "the family (API)")]


@pytest.mark.parametrize("body, says", [
    ({"family_name": 7}, "family_name must be a string"),
    ({"children": []}, "family_name is required"),
    ({"family_name": "Jones", "children": {"name": "Ada"}}, "children must be a list"),
    ({"family_name": "Jones", "children": ["Ada"]}, "children[0] must be an object"),
    ({"family_name": "Jones", "children": [{"name": "Ada", "date_of_birth": "2016-02-30"}]}, "real date"),
    ({"family_name": "Jones", "children": [{"name": "Ada", "age": 9}]}, "unknown field 'age'"),
    ({"family_name": "  "}, "a family needs a name"),
])
def test_a_family_of_the_wrong_shape_is_400(api, body, says):
    response = api("sam").post("/api/v1/cases", body)
    assert response.status_code == 400 and says in response.get_json()["message"]


def test_starting_work_and_reading_its_history(api, rt, diagrams):
    started = api("sam").post("/api/v1/instances", {
        "process_id": REQUEST, "case_id": diagrams.id, "subject_ids": subject_ids(diagrams, "Josie")})
    assert started.status_code == 201
    work = started.get_json()
    assert started.headers["Location"].endswith(f"/api/v1/instances/{work['id']}")
    assert (work["process_id"], work["status"], work["started_by"]) == (REQUEST, "running", "sam")
    # each task names the children it is for
    assert [(t["name"], t["children"]) for t in work["tasks"]] == [(SEND, ["Josie Smith"])]
    shown = api("sam").get(f"/api/v1/instances/{work['id']}").get_json()
    assert [e["action"] for e in shown["history"]][:2] == ["instance_started", "task_ready"]
    assert shown["history"][0]["detail"]["subjects"] == ["Josie Smith"]


def test_work_is_for_those_involved_in_the_case(api, work, rt):
    assert api("sara").get(f"/api/v1/instances/{work}").status_code == 200  # her team has its task
    assert api("fran").get(f"/api/v1/instances/{work}").status_code == 403
    assert api("sam").get("/api/v1/instances/99999").status_code == 404
    assert api("sam").get(f"/api/v1/instances/{2**63}").status_code == 404  # beyond any id: no such work


def test_a_method_a_route_does_not_take_is_405_saying_which_do(api):
    response = api("sam").client.delete("/api/v1/cases", headers=api("sam").headers)
    assert response.status_code == 405 and "POST" in response.headers["Allow"].split(", ")
    assert response.get_json()["error"] == "This cannot be done here"


@pytest.mark.parametrize("body, status, says", [
    ({"process_id": "no_such_process", "case_id": None}, 400, "case_id must be a whole number"),
    ({"process_id": REQUEST, "case_id": True}, 400, "case_id must be a whole number"),
    ({"process_id": REQUEST, "case_id": SMITH, "subject_ids": "1"}, 400, "subject_ids must be a list"),
    ({"process_id": REQUEST, "case_id": SMITH, "data": []}, 400, "data must be a JSON object"),
    ({"case_id": SMITH}, 400, "process_id is required"),
    ({"process_id": "no_such_process", "case_id": SMITH}, 404, "no_such_process"),
    ({"process_id": REQUEST, "case_id": 99999}, 404, "no case 99999"),
    ({"process_id": REQUEST, "case_id": SMITH, "subject_ids": [99999]}, 400, "not in the Smith family"),
    ({"process_id": REQUEST, "case_id": 2**80}, 400, "case_id must be between 1 and 2147483647"),
    ({"process_id": REQUEST, "case_id": SMITH, "subject_ids": [-(2**70)]}, 400, "subject_ids[] must be between"),
])
def test_starting_work_refuses_bad_input(api, diagrams, body, status, says):
    body = {**body, "case_id": diagrams.id} if body.get("case_id") is SMITH else body
    response = api("sam").post("/api/v1/instances", body)
    assert response.status_code == status and says in response.get_json()["message"]
