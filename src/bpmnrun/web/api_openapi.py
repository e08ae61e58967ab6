"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Written as data in Python rather than a file beside the code so that it ships with the package and
its repeated parts (error bodies, ids) are written once. tests/web/test_api.py checks that every
route under /api/v1 is described here and that the document is valid OpenAPI 3.1. The limits it gives
(maxLength, maximum, …) are the ones the app enforces, taken from the same constants, so clients and
tests/web/test_api_fuzz.py know them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..service import input_limits
from ..service.inbox import COUNT_BOUND
from ..service.input_limits import MAX_JSON_INT
from .api_input import MAX_BODY_BYTES, MAX_ID, MAX_OFFSET
from .request_limits import MAX_URL_BYTES

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _body(schema: str, description: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "description": description, "content": {JSON: {"schema": _ref(schema)}}}


def _ok(schema: str, description: str, status: str = "200", **headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if headers:
        answer["headers"] = {k: {"description": v, "schema": {"type": "string"}} for k, v in headers.items()}
    return {status: answer}


def _errors(*statuses: int) -> dict[str, Any]:
    """Every route may answer 400 (a NUL character in the address), 401 (no sign-in) and 414 (too long an
    address); the others are listed per route."""
    return {str(s): {"$ref": f"#/components/responses/{ERROR_RESPONSES[s][0]}"}
            for s in sorted({400, 401, 414, *statuses})}


ERROR_RESPONSES = {
    400: ("BadRequest", "Bad JSON (nested too deep, NaN or Infinity), a wrong type, an unknown field, a parameter "
                        "out of range, a NUL character in the address, or (session only) no valid X-CSRFToken",
          "Error"),
    401: ("Unauthorized", "No session cookie or bearer token, or the token is not known", "Error"),
    403: ("Forbidden", "The task, case or work belongs to teams the user is not in", "Error"),
    404: ("NotFound", "No such task, case, work or process", "Error"),
    409: ("Conflict", "The task was already completed (or is no longer open)", "ConflictError"),
    413: ("ContentTooLarge", f"A body over {MAX_BODY_BYTES // 1024} kB, or a draft over "
                             f"{input_limits.MAX_ANSWERS_BYTES // 1024} kB of answers (`errors` names the field)",
          "Error"),
    414: ("UriTooLong", f"An address (path and query) longer than {MAX_URL_BYTES} characters", "Error"),
    415: ("UnsupportedMediaType", "A body that is not sent as application/json", "Error"),
    422: ("Unprocessable", "Values that fail the form's rules or cannot be stored: a text longer than its limit or "
                           "holding NUL or half of a surrogate pair, a whole number beyond ±2^53−1, a field the "
                           "form does not have; `errors` names each field", "ValidationError"),
}

TASK_ID = {"name": "task_id", "in": "path", "required": True, "description": "The task's id (a UUID)",
           "schema": {"type": "string", "minLength": 1, "maxLength": input_limits.TASK_ID}}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": ID}
INSTANCE_ID = {"name": "instance_id", "in": "path", "required": True, "schema": ID}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


FLAG = {"type": "string", "enum": ["", "0", "1", "true", "false"], "description": "1 or true to turn on"}

TASK_LIST_PARAMETERS = [
    _query("team", "One team's inbox (a team of the user's; another team answers 403)",
           {"type": "string", "maxLength": input_limits.TEAM}),
    _query("mine", "1: only the tasks assigned to the user", FLAG),
    _query("process", "Only tasks of this process id", {"type": "string", "maxLength": input_limits.PROCESS_ID}),
    _query("overdue", "1: only tasks past their time limit", FLAG),
    _query("case", "Only tasks of this case (family) id", ID),
    _query("limit", "How many tasks to return (default 50)", {"type": "integer", "minimum": 1, "maximum": 500}),
    _query("offset", "How many tasks to skip (default 0). A deep offset reads every task it skips: page on with `after`",
           {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
    _query("after", "The `next` of the answer before: the tasks after those (not with offset)",
           {"type": "string", "maxLength": input_limits.CURSOR}),
]

DATE_TIME = {"type": "string", "format": "date-time"}
NO_NUL = "Text never holds NUL (\\u0000) or half of a surrogate pair"


def _name(limit: int) -> dict[str, Any]:
    return {"type": "string", "pattern": "\\S", "maxLength": limit, "description": f"Not blank. {NO_NUL}."}


SCALAR = {"type": ["string", "number", "boolean", "null"], "minimum": -MAX_JSON_INT, "maximum": MAX_JSON_INT}
FORM_VALUE = {"oneOf": [SCALAR, {"type": "array", "items": SCALAR}]}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string", "description": "A short title for the kind of error"},
        "message": {"type": "string", "description": "What went wrong, fit to show to a user"}}},
    "ValidationError": {"allOf": [_ref("Error"), {"type": "object", "required": ["errors"], "properties": {
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Form field id -> why its value was refused"}}}]},
    "ConflictError": {"allOf": [_ref("Error"), {"type": "object", "properties": {
        "completed_by": {"type": "string"}, "completed_at": _nullable("string", format="date-time")}}]},
    "FormField": {"type": "object", "required": ["id", "label", "type"], "properties": {
        "id": {"type": "string"}, "label": {"type": "string"},
        "type": {"type": "string", "description": "string, long, boolean, date or enum"},
        "default": _nullable("string"), "required": {"type": "boolean"}, "readonly": {"type": "boolean"},
        "multiple": {"type": "boolean", "description": "An enum where several options may be ticked"},
        "per_child": {"type": "boolean",
                      "description": "One answer per child: send an object child id → answer (children lists them)"},
        "picks_children": {"type": "boolean", "description": "The options are the task's children (ids)"},
        "picked_teams": {"type": "array", "items": {"type": "string"},
                         "description": "A person picker: the options are these teams' members (user names)"},
        "options": {"type": "array", "items": {"type": "object", "required": ["id", "label"], "properties": {
            "id": {"type": "string"}, "label": {"type": "string"}}}},
        "children": {"type": "array", "description": "A per-child field's rows: the task's children",
                     "items": {"type": "object", "required": ["id", "label"], "properties": {
                         "id": {"type": "string"}, "label": {"type": "string"}}}},
        "constraints": {"type": "object", "additionalProperties": _nullable("string")},
        "properties": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "Task": {"type": "object", "required": ["id", "name", "state", "case_id", "instance_id", "process_id"],
             "description": "A human task. In a list, form is [], draft {}, data and documentation null.",
             "properties": {
                 "id": {"type": "string"}, "name": {"type": "string"}, "lane": _nullable("string"),
                 "teams": {"type": "array", "items": {"type": "string"}}, "assignee": _nullable("string"),
                 "assignee_name": _nullable("string"), "completed_by_name": _nullable("string"),
                 "state": {"type": "string", "enum": ["ready", "completed", "cancelled"]},
                 "case_id": {"type": "integer"}, "family_name": {"type": "string"},
                 "instance_id": {"type": "integer"}, "process_id": {"type": "string"},
                 "subject_name": _nullable("string"), "activity": _nullable("string"),
                 "created_at": DATE_TIME, "due_at": _nullable("string", format="date-time"),
                 "overdue": {"type": "boolean"}, "priority": _nullable("string"),
                 "form": {"type": "array", "items": _ref("FormField")},
                 "draft": {"type": "object", "description": "Values saved with Save and Close"},
                 "documentation": _nullable("string"), "completed_by": _nullable("string"),
                 "completed_at": _nullable("string", format="date-time"), "data": _nullable("object"),
                 "procedure": {"type": "string"}, "authority": {"type": "string"},
                 "children": {"type": "array", "items": {"type": "string"},
                              "description": "The children this task is for"},
                 "recorded": {"type": "array", "items": _ref("RecordedStep"),
                              "description": "One task: what its piece of work recorded before it, step by step"}}},
    "RecordedStep": {"type": "object", "required": ["name", "who", "at", "children", "answers"], "properties": {
        "name": {"type": "string"}, "who": {"type": "string"}, "at": DATE_TIME,
        "children": {"type": "array", "items": {"type": "string"}},
        "answers": {"type": "array", "items": {"type": "object", "required": ["label", "text"], "properties": {
            "label": {"type": "string"}, "text": {"type": "string"}}}}}},
    "TaskList": {"type": "object", "required": ["tasks", "total", "total_exact", "next"], "properties": {
        "tasks": {"type": "array", "items": _ref("Task")},
        "total": {"type": "integer", "minimum": 0, "maximum": COUNT_BOUND,
                  "description": f"The tasks matching the filters, ignoring limit, offset and after, counted up to "
                                 f"{COUNT_BOUND:,}"},
        "total_exact": {"type": "boolean", "description": f"false: there are more than {COUNT_BOUND:,}"},
        "next": {"type": ["string", "null"],
                 "description": "Pass as `after` for the tasks after these; null when there are no more"}}},
    "FormData": {"type": "object", "required": ["data"], "additionalProperties": False, "properties": {
        "data": {"type": "object", "additionalProperties": FORM_VALUE,
                 "description": "Form field id -> value: an option's id or label, a date as YYYY-MM-DD, "
                                "true/false, a number, or a list of options. Only the form's own fields; a draft "
                                f"holds at most {input_limits.MAX_ANSWERS_BYTES // 1024} kB of answers as JSON. "
                                f"{NO_NUL}; numbers are finite, within ±2^53−1."}}},
    "Completed": {"type": "object", "required": ["task_id", "data", "instance", "next_steps"], "properties": {
        "task_id": {"type": "string"}, "data": {"type": "object", "description": "The clean data recorded"},
        "instance": _ref("Instance"),
        "next_steps": {"type": "array", "description": "The steps this completion made ready: empty when the work "
                                                       "ended (instance.end_event) or waits for a time or a message",
                       "items": {"type": "object", "required": ["name", "teams", "person", "due_at", "children"],
                                 "properties": {"name": {"type": "string"},
                                                "teams": {"type": "array", "items": {"type": "string"}},
                                                "person": _nullable("string"),
                                                "due_at": _nullable("string", format="date-time"),
                                                "children": {"type": "array", "items": {"type": "string"}}}}}}},
    "Draft": {"type": "object", "required": ["task_id", "draft"], "properties": {
        "task_id": {"type": "string"}, "draft": {"type": "object"}}},
    "Claim": {"type": "object", "additionalProperties": False, "not": {"required": ["to", "release"]},
              "description": "Empty: claim for yourself. `to`: Pass to Worker. `release`: back to the team.",
              "properties": {"to": {"type": "string", "maxLength": input_limits.USERNAME,
                                    "description": "User name of a member of the task's team"},
                             "release": {"type": "boolean"}}},
    "Claimed": {"type": "object", "required": ["task_id", "assignee"], "properties": {
        "task_id": {"type": "string"}, "assignee": _nullable("string")}},
    "NewCase": {"type": "object", "required": ["family_name"], "additionalProperties": False, "properties": {
        "family_name": _name(input_limits.FAMILY_NAME),
        "children": {"type": "array", "items": {
            "type": "object", "required": ["name"], "additionalProperties": False, "properties": {
                "name": _name(input_limits.CHILD_NAME),
                "date_of_birth": _nullable("string", format="date")}}}}},
    "Subject": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "date_of_birth": _nullable("string", format="date")}},
    "Case": {"type": "object", "required": ["id", "family_name", "subjects"], "properties": {
        "id": {"type": "integer"}, "family_name": {"type": "string"},
        "subjects": {"type": "array", "items": _ref("Subject")}}},
    "NewInstance": {"type": "object", "required": ["process_id", "case_id"], "additionalProperties": False,
                    "properties": {
                        "process_id": {"type": "string", "maxLength": input_limits.PROCESS_ID,
                                       "description": "A deployed process id"},
                        "case_id": ID,
                        "subject_ids": {"type": "array", "items": ID,
                                        "description": "The children the work is for (all, if left out)"},
                        "data": {"type": "object", "additionalProperties": FORM_VALUE,
                                 "description": "Answers to the procedure's start form: only its fields (never "
                                                "bpmnrun's own keys, such as subjects or case_id)"}}},
    "Instance": {"type": "object", "required": ["id", "case_id", "process_id", "status", "tasks"], "properties": {
        "id": {"type": "integer"}, "case_id": {"type": "integer"}, "process_id": {"type": "string"},
        "version": {"type": "integer"}, "title": {"type": "string"},
        "status": {"type": "string", "enum": ["running", "completed", "cancelled", "error"]},
        "end_event": _nullable("string"), "started_at": DATE_TIME, "started_by": {"type": "string"},
        "ended_at": _nullable("string", format="date-time"),
        "waiting_messages": {"type": "array", "items": {"type": "string"}},
        "tasks": {"type": "array", "items": _ref("Task"), "description": "Its open tasks, without forms"}}},
    "Event": {"type": "object", "required": ["at", "actor", "action"], "properties": {
        "at": DATE_TIME, "actor": {"type": "string"}, "action": {"type": "string"}, "name": _nullable("string"),
        "task_id": _nullable("string"), "detail": {"type": "object"}}},
    "InstanceWithHistory": {"allOf": [_ref("Instance"), {"type": "object", "required": ["history"], "properties": {
        "history": {"type": "array", "items": _ref("Event"), "description": "The audit trail, oldest first"}}}]},
}

PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document", "security": [], "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI document", "content": {JSON: {"schema": {"type": "object"}}}}}}},
    "/api/v1/tasks": {"get": {
        "operationId": "listTasks", "summary": "The user's worklist: their own tasks and their teams' inboxes",
        "tags": ["tasks"], "parameters": TASK_LIST_PARAMETERS,
        "responses": {**_ok("TaskList", "Open tasks, soonest due first"), **_errors(400, 403)}}},
    "/api/v1/tasks/{task_id}": {"get": {
        "operationId": "getTask", "summary": "A task with its form, draft and documentation", "tags": ["tasks"],
        "parameters": [TASK_ID], "responses": {**_ok("Task", "The task"), **_errors(403, 404)}}},
    "/api/v1/tasks/{task_id}/complete": {"post": {
        "operationId": "completeTask", "summary": "Finish the task with its form's values", "tags": ["tasks"],
        "parameters": [TASK_ID], "requestBody": _body("FormData", "The form's values (a saved draft fills gaps)"),
        "responses": {**_ok("Completed", "Completed; the work has moved on"),
                      **_errors(400, 403, 404, 409, 413, 415, 422)}}},
    "/api/v1/tasks/{task_id}/draft": {"post": {
        "operationId": "saveDraft", "summary": "Save and Close: keep the values, unchecked; the task stays open",
        "tags": ["tasks"], "parameters": [TASK_ID], "requestBody": _body("FormData", "The values typed so far"),
        "responses": {**_ok("Draft", "The saved draft"), **_errors(400, 403, 404, 409, 413, 415, 422)}}},
    "/api/v1/tasks/{task_id}/claim": {"post": {
        "operationId": "claimTask", "summary": "Claim the task, Pass to Worker, or give it back to the team",
        "tags": ["tasks"], "parameters": [TASK_ID], "requestBody": _body("Claim", "Optional", required=False),
        "responses": {**_ok("Claimed", "Who holds the task now"), **_errors(400, 403, 404, 409, 413, 415, 422)}}},
    "/api/v1/cases": {"post": {
        "operationId": "createCase", "summary": "Add a family and its children", "tags": ["cases"],
        "requestBody": _body("NewCase", "The family"),
        "responses": {**_ok("Case", "Created", "201", Location="The new case's address"),
                      **_errors(400, 413, 415, 422)}}},
    "/api/v1/cases/{case_id}": {"get": {
        "operationId": "getCase", "summary": "A family and its children", "tags": ["cases"],
        "description": "A family and its children, for users who work with it (their own or their team's work, as "
                       "line manager, or by break glass on the web); the read is in the family's access log.",
        "parameters": [CASE_ID], "responses": {**_ok("Case", "The case"), **_errors(403, 404)}}},
    "/api/v1/instances": {"post": {
        "operationId": "startWork", "summary": "Start the newest version of a procedure on a family",
        "tags": ["instances"], "requestBody": _body("NewInstance", "Which procedure, family and children"),
        "responses": {**_ok("Instance", "Started", "201", Location="The new work's address"),
                      **_errors(400, 403, 404, 409, 413, 415, 422)}}},
    "/api/v1/instances/{instance_id}": {"get": {
        "operationId": "getInstance", "summary": "Work on a family: where it stands, its open tasks and history",
        "tags": ["instances"], "parameters": [INSTANCE_ID],
        "description": "For users involved in its case: its creator, whoever started work on it, and users "
                       "whose teams have or had one of its tasks or who were given or completed one.",
        "responses": {**_ok("InstanceWithHistory", "The work"), **_errors(403, 404)}}},
}

DESCRIPTION = """\
The caseworkers' use cases as JSON: worklists, tasks and their forms, families and work on them.

**Signing in.** Send `Authorization: Bearer <token>` (an administrator issues tokens), or use the web app's
session cookie. Requests with a bearer token need no CSRF token. Session-authenticated POSTs must send the
session's CSRF token in the `X-CSRFToken` header (it is the `csrf_token` field of every page's forms) and,
over https, a `Referer` of this site; otherwise they are refused with 400.

**Errors** are JSON objects with `error` (a title) and `message` (what went wrong); a form that fails its
rules (422) adds `errors` (field id -> reason), and a task someone completed first (409) adds `completed_by`
and `completed_at`. Times are ISO 8601 in UTC, dates `YYYY-MM-DD`.
"""


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "bpmnrun API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "tags": [{"name": n} for n in ("tasks", "cases", "instances", "meta")],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token of the user"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The web app's session; POSTs also need the X-CSRFToken header"},
            },
            "schemas": SCHEMAS,
            "responses": {name: {"description": text, "content": {JSON: {"schema": _ref(schema)}}}
                          for name, text, schema in ERROR_RESPONSES.values()},
        },
    }
