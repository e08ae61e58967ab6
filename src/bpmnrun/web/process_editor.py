"""The process editor in the browser (process owners only): the page with bpmn-js's Modeler, and the JSON calls
it makes under /processes/<id>/edit/… to open, check, save and discard a draft, compare it with the deployed
version (the impact report) and deploy it. "New process" makes a draft from a small template (a plain form).

The JSON calls send the CSRF token in the X-CSRFToken header, which Flask-WTF checks as it checks forms.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from ..library.problems import Problem
from ..service import drafts
from ..service.errors import DiagramInvalid, Forbidden, InvalidInput, ServiceError
from .context import has_role, runtime, username
from .errors import respond
from .filters import local_datetime

bp = Blueprint("process_editor", __name__)
SHA256 = re.compile(r"[0-9a-f]{64}")
EDIT = "/processes/<process_id>/edit"


def _owner_only() -> None:
    if not has_role(drafts.OWNER):
        raise Forbidden("Only process owners can edit diagrams.")


@bp.before_request
@login_required
def _signed_in_owner():
    """Every page and call here is for process owners: anyone else gets a 403 before any work is done."""
    _owner_only()


@bp.errorhandler(ServiceError)
def _json_error(exc: ServiceError):
    if not request.path.startswith("/processes/new") and request.accept_mimetypes.best == "application/json":
        body = {"message": str(exc)}
        if isinstance(exc, InvalidInput):
            body["errors"] = exc.errors
        return jsonify(body), exc.status
    return respond(exc.status, str(exc))


@bp.get(EDIT)
def page(process_id: str):
    opened = drafts.open_for_edit(runtime(), username(), process_id)
    built = (current_app.extensions["bpmnrun.web_dir"] / "static" / "modeller" / "editor.js").is_file()
    return render_template("process_editor.html", opened=opened, built=built)


@bp.get(EDIT + "/diagram")
def diagram(process_id: str):
    opened = drafts.open_for_edit(runtime(), username(), process_id)
    draft = opened.draft
    return jsonify({"xml": opened.xml, "source": "draft" if draft else "deployed",
                    "saved_at": _when(draft.saved_at) if draft else None,
                    "deployed_version": opened.deployed_version, "deployed_xml": opened.deployed_xml})


@bp.post(EDIT + "/check")
def check(process_id: str):
    return jsonify(_problems_json(drafts.check(runtime(), username(), process_id, _sent_xml())))


@bp.post(EDIT + "/draft")
def save_draft(process_id: str):
    """Save the draft, then check it: the owner sees on save what a deploy would refuse."""
    draft = drafts.save(runtime(), username(), process_id, _sent_xml())
    found = drafts.check(runtime(), username(), process_id, draft.xml)
    return jsonify({"saved_at": _when(draft.saved_at), "sha256": draft.sha256, **_problems_json(found)})


@bp.post(EDIT + "/draft/discard")
def discard_draft(process_id: str):
    return jsonify({"discarded": drafts.discard(runtime(), username(), process_id)})


@bp.post(EDIT + "/impact")
def impact(process_id: str):
    """The impact report on running cases of deploying the saved draft, as HTML for the compare view."""
    sha256 = _sent_sha256()
    try:
        report = drafts.impact_of_draft(runtime(), username(), process_id, sha256)
    except DiagramInvalid as exc:
        html = render_template("process_editor_impact.html", report=None, problems=exc.problems)
        return jsonify({"html": html, "deployable": False, **_problems_json(exc.problems)})
    target = next((p for p in report.processes if p.process_id == process_id), None)
    html = render_template("process_editor_impact.html", report=report, problems=[])
    return jsonify({"html": html, "deployable": target is not None,
                    "to_version": target.to_version if target else None})


@bp.post(EDIT + "/deploy")
def deploy(process_id: str):
    """Deploy the draft compared (named by its hash): the same deploy as an uploaded file's."""
    done = drafts.deploy_draft(runtime(), username(), process_id, _sent_sha256())
    mine = next(d for d in done.processes if d.process_id == process_id)
    callers = "".join(f" {d.title} gets version {d.version} too, as it calls it." for d in done.callers)
    message = (f"Version {mine.version} of {mine.title} deployed: new work starts on it, and running cases stay "
               f"on their version.{callers}" if mine.new else "Nothing to deploy: it is the same as the deployed version.")
    return jsonify({"message": message, "version": mine.version,
                    "process_url": url_for("library_pages.show", process_id=process_id)})


@bp.route("/processes/new", methods=["GET", "POST"])
def new_process():
    """A new process from the template (start, one user task in one lane, end), opened in the editor."""
    form = {k: request.form.get(k, "").strip() for k in ("process_id", "name", "lane")}
    if request.method == "GET":
        return render_template("process_editor_new.html", form=form, errors={})
    try:
        drafts.new_process(runtime(), username(), form["process_id"], form["name"], form["lane"])
    except InvalidInput as exc:
        return render_template("process_editor_new.html", form=form, errors=exc.errors), 422
    return redirect(url_for("process_editor.page", process_id=form["process_id"]))


def _sent() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput({"body": "Send a JSON object"})
    return body


def _sent_xml() -> str:
    xml = _sent().get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidInput({"xml": "Send the diagram's XML as the text of \"xml\""})
    return xml


def _sent_sha256() -> str:
    sha256 = _sent().get("sha256")
    if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
        raise InvalidInput({"sha256": "Name the saved draft by its SHA-256 (64 hexadecimal digits)"})
    return sha256


def _problems_json(problems: list[Problem]) -> dict:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    summary = f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}"
    return {"summary": summary, "problems": [
        {"element_id": p.element_id, "line": p.line, "message": p.message, "severity": p.severity}
        for p in problems]}


def _when(moment) -> str:
    return local_datetime(moment)  # the pages' own way of writing a time
