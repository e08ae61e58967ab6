"""The JSON API under /api/v1: the caseworkers' use cases for other systems and scripts.

Each route parses its input (api_input), calls one service function and returns JSON; errors become
`{"error", "message", ...}` through web/errors.py. The OpenAPI document (api_openapi) describes every
route here, and a test keeps the two in step.

Clients sign in with a bearer token (`bpmnrun` issues them) or use the web session; a session's POSTs
must send its CSRF token in `X-CSRFToken`, since a browser would send the cookie for any site's page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, session, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from ..service import cases, input_limits, instances, queries, records, tasks
from ..service.instance_overview import instance_overview
from ..service.queries import TaskFilter
from ..service.recorded import recorded_so_far
from .api_input import (MAX_ID, MAX_OFFSET, flag_arg, form_values, int_arg, iso_date, json_body, object_field,
                        record_id, text, text_arg)
from .api_openapi import openapi_document
from .context import runtime, username
from .security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 500

# Token requests carry no cookie a browser could replay, so CSRF applies only to the session ones.
csrf.exempt(bp)


@bp.before_request
def _csrf_for_sessions() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not _by_bearer_token():
        csrf.protect()


def _by_bearer_token() -> bool:
    # Flask-Login asks the bearer-token loader only when the session names no user, so a signed-in
    # user without "_user_id" in the session came in by token.
    return (current_user.is_authenticated and "_user_id" not in session
            and request.headers.get("Authorization", "").startswith("Bearer "))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


# --- tasks --------------------------------------------------------------------------------------

@bp.get("/tasks")
def list_tasks():
    wanted = TaskFilter(team=text_arg("team", input_limits.TEAM), mine=flag_arg("mine"),
                        case_id=int_arg("case", None, low=1, high=MAX_ID),
                        process_id=text_arg("process", input_limits.PROCESS_ID), overdue=flag_arg("overdue"))
    limit = int_arg("limit", 50, low=1, high=MAX_LIMIT)
    offset = int_arg("offset", 0, low=0, high=MAX_OFFSET)
    cursor = text_arg("after", input_limits.CURSOR)
    if cursor is not None and (offset or not queries.is_cursor(cursor, wanted)):
        raise BadRequest("after must be the 'next' of an earlier answer of this list, without offset")
    found = queries.task_slice(runtime(), username(), wanted, limit, offset, cursor)
    records.log_listed(runtime(), username(), [t.case_id for t in found.tasks], "the API's task list")
    return jsonify({"tasks": [t.to_json() for t in found.tasks], "total": found.total, "total_exact": found.exact,
                    "next": found.next})


@bp.get("/tasks/<task_id>")
def show_task(task_id: str):
    found = records.read_task(runtime(), task_id, username()).to_json()
    found["recorded"] = [step.to_json() for step in recorded_so_far(runtime(), task_id, username())]
    return jsonify(found)


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    values = form_values(json_body({"data"}, {"data"}))
    done = tasks.complete_task(runtime(), task_id, username(), values)
    return jsonify({"task_id": task_id, "data": _plain(done.data), "instance": _instance_json(done.instance_id),
                    "next_steps": [s.to_json() for s in done.next_steps]})


@bp.post("/tasks/<task_id>/draft")
def save_draft(task_id: str):
    values = form_values(json_body({"data"}, {"data"}))
    draft = tasks.save_draft(runtime(), task_id, username(), values)
    return jsonify({"task_id": task_id, "draft": _plain(draft)})


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    """Claim (no body), Pass to Worker (`to`), or give back to the team (`release`)."""
    body = json_body({"to", "release"}, optional_body=True)
    if "to" in body and "release" in body:
        raise BadRequest("send either to or release, not both")
    if "release" in body and not isinstance(body["release"], bool):
        raise BadRequest("release must be true or false")
    if "to" in body:
        worker = text(body, "to", input_limits.USERNAME).strip()
        tasks.pass_to_worker(runtime(), task_id, username(), worker)
        return jsonify({"task_id": task_id, "assignee": worker})
    if body.get("release"):
        tasks.unclaim(runtime(), task_id, username())
        return jsonify({"task_id": task_id, "assignee": None})
    tasks.claim(runtime(), task_id, username())
    return jsonify({"task_id": task_id, "assignee": username()})


# --- cases --------------------------------------------------------------------------------------

@bp.post("/cases")
def create_case():
    body = json_body({"family_name", "children"}, {"family_name"})
    children = body.get("children", [])
    if not isinstance(children, list):
        raise BadRequest("children must be a list")
    # The service checks the names against their columns, naming family_name or children[i].name.
    created = cases.create_case(runtime(), text(body, "family_name"), [_child(c, i) for i, c in enumerate(children)],
                                username())
    response = jsonify(_case_json(created))
    return response, 201, {"Location": url_for("api.show_case", case_id=created.id)}


@bp.get(f"/cases/<int(min=1, max={MAX_ID}):case_id>")
def show_case(case_id: int):
    return jsonify(_case_json(records.read_case(runtime(), username(), case_id, "the family (API)")))


def _child(item: Any, index: int) -> cases.Child:
    where = f"children[{index}]"
    if not isinstance(item, dict):
        raise BadRequest(f"{where} must be an object with name and date_of_birth")
    unknown = sorted(set(item) - {"name", "date_of_birth"})
    if unknown:
        raise BadRequest(f"{where}: unknown field {unknown[0]!r}; expected date_of_birth, name")
    if not isinstance(item.get("name"), str):
        raise BadRequest(f"{where}.name must be a string")
    return cases.Child(item["name"], iso_date(item.get("date_of_birth"), f"{where}.date_of_birth"))


def _case_json(case: cases.CaseView) -> dict[str, Any]:
    return {"id": case.id, "family_name": case.family_name, "subjects": [s.as_data() for s in case.subjects]}


# --- work on a case (instances) -------------------------------------------------------------------

@bp.post("/instances")
def start_work():
    body = json_body({"process_id", "case_id", "subject_ids", "data"}, {"process_id", "case_id"})
    subject_ids = body.get("subject_ids")
    if subject_ids is not None:
        if not isinstance(subject_ids, list):
            raise BadRequest("subject_ids must be a list of whole numbers")
        subject_ids = [record_id(s, "subject_ids[]") for s in subject_ids]
    instance_id = instances.start_work(runtime(), text(body, "process_id", input_limits.PROCESS_ID),
                                       record_id(body["case_id"], "case_id"),
                                       username(), subject_ids, object_field(body, "data"))
    response = jsonify(_instance_json(instance_id))
    return response, 201, {"Location": url_for("api.show_instance", instance_id=instance_id)}


@bp.get(f"/instances/<int(min=1, max={MAX_ID}):instance_id>")
def show_instance(instance_id: int):
    records.require_instance_access(runtime(), username(), instance_id)
    found = _instance_json(instance_id)
    found["history"] = [e.to_json() for e in queries.history(runtime(), instance_id=instance_id)]
    return jsonify(found)


def _instance_json(instance_id: int) -> dict[str, Any]:
    """The work's state and its open tasks (listed without their forms)."""
    view, open_tasks = instance_overview(runtime(), instance_id)
    return {
        "id": view.id, "case_id": view.case_id, "process_id": view.process_id, "version": view.version,
        "title": view.title, "status": view.status, "end_event": view.end_event,
        "started_at": view.started_at.isoformat(), "started_by": view.started_by,
        "ended_at": view.ended_at.isoformat() if view.ended_at else None,
        "waiting_messages": list(view.waiting_messages),
        "tasks": [t.to_json() for t in open_tasks],
    }


def _plain(value: Any) -> Any:
    """Recorded data as JSON with ISO dates (Flask would write dates in the HTTP format)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
