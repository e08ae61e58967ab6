"""The process library: every deployed process and its versions, one process's page with its diagram, and the
upload with which a process owner deploys a new version: first the impact report, then — on a second, confirming
click — the deploy of exactly the file previewed (kept server-side by its hash and the uploader)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from ..library.svg import render_svg
from ..service import deploy, impact, incidents, library_views, staged_uploads
from ..service.errors import DiagramInvalid, Forbidden, InvalidInput
from . import incident_pages, move_pages
from .api_input import MAX_ID
from .context import has_role, runtime, username

bp = Blueprint("library_pages", __name__)
OWNER = "process owner"
ANALYST = "analyst"
SHA256 = re.compile(r"[0-9a-f]{64}")


@bp.get("/processes")
@login_required
def index():
    return _index_page()


@bp.get("/processes/<process_id>")
@login_required
def show(process_id: str):
    detail = library_views.process_detail(runtime(), process_id, _wanted_version())
    # Modelling notes are for the people who model and analyse the procedures, never for caseworkers.
    diagram, diagram_problem = _diagram(detail.xml, process_id, notes=has_role(OWNER) or has_role(ANALYST))
    open_incidents = incidents.list_incidents(runtime(), process_id=process_id) if has_role(OWNER) else []
    return render_template("process.html", detail=detail, diagram=diagram, diagram_problem=diagram_problem,
                           is_owner=has_role(OWNER), open_incidents=open_incidents)


@bp.get(f"/processes/<process_id>/versions/<int(min=1, max={MAX_ID}):version>/diagram.bpmn")
@login_required
def download(process_id: str, version: int):
    xml, _ = library_views.version_xml(runtime(), process_id, version)
    filename = f"{process_id}.v{version}.bpmn"
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/processes/upload")
@login_required
def upload():
    """Check the file and show what deploying it would change; nothing is deployed yet."""
    require_owner("deploy a diagram")
    sent = request.files.get("diagram")
    filename, content = (sent.filename or "", sent.read()) if sent else ("", b"")
    try:
        report = impact.impact_of_upload(runtime(), filename, content)
    except InvalidInput as exc:
        return _index_page(upload_error=exc.errors.get("file", str(exc)), status=422)
    except DiagramInvalid as exc:
        return render_template("upload_result.html", filename=deploy.upload_name(filename),
                               problems=exc.problems), 422
    name = deploy.upload_name(filename)
    if not report.processes:  # the same content as deployed: nothing to confirm
        deployed = deploy.deploy_upload(runtime(), filename, content, username())
        return render_template("upload_result.html", filename=name, problems=[], deployed=deployed)
    staged = staged_uploads.stage(runtime(), username(), name, content)
    return render_template("upload_preview.html", filename=name, report=report, sha256=staged.sha256)


@bp.post("/processes/upload/confirm")
@login_required
def confirm_upload():
    """Deploy the file this owner previewed, named by its hash: the request's body is not the file."""
    require_owner("deploy a diagram")
    sha256 = request.form.get("sha256", "")
    if not SHA256.fullmatch(sha256):
        abort(400, "The confirmation does not name a previewed file: upload the file again.")
    if request.form.get("_action") == "cancel":
        staged_uploads.discard(runtime(), username(), sha256)
        flash("Nothing was deployed.", "info")
        return redirect(url_for("library_pages.index"))
    staged = staged_uploads.take(runtime(), username(), sha256)
    try:
        deployed = deploy.deploy_upload(runtime(), staged.filename, staged.content, username())
    except DiagramInvalid as exc:  # the library changed since the preview
        return render_template("upload_result.html", filename=staged.filename, problems=exc.problems), 422
    staged_uploads.discard(runtime(), username(), sha256)
    return render_template("upload_result.html", filename=staged.filename, problems=[], deployed=deployed,
                           running=_running_elsewhere(deployed))


def require_owner(what: str) -> None:
    if not has_role(OWNER):
        raise Forbidden(f"Only process owners can {what}.")


def _running_elsewhere(deployed: deploy.Uploaded) -> dict[str, int]:
    """Process id → running cases on older versions, for each process given a new version."""
    listings = {p.process_id: p for p in library_views.list_processes(runtime())}
    found = {}
    for d in [*deployed.processes, *deployed.callers]:
        listing = listings.get(d.process_id)
        if d.new and listing is not None:
            found[d.process_id] = sum(v.running for v in listing.versions if v.version != d.version)
    return {pid: n for pid, n in found.items() if n}


def _index_page(upload_error: str | None = None, status: int = 200):
    listings = library_views.list_processes(runtime())
    owner = has_role(OWNER)
    open_count = incidents.count_open(runtime()) if owner else 0
    return render_template("processes.html", groups=library_views.by_authority(listings),
                           can_upload=owner, upload_error=upload_error, open_incidents=open_count), status


def _wanted_version() -> int | None:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        abort(400, "The version must be a whole number, for example ?version=2.")
    if int(raw) > MAX_ID:  # beyond the database's integers: no such version, rather than a failed query
        abort(404, f"There is no version {raw} of this process.")
    return int(raw)


def _diagram(xml: str, process_id: str, notes: bool) -> tuple[Markup | None, str | None]:
    """The diagram as inline SVG, or why it cannot be drawn (a file deployed without layout)."""
    try:
        # render_svg builds the SVG with lxml, which escapes every name taken from the diagram.
        return Markup(render_svg(xml.encode("utf-8"), process_id, notes=notes)), None
    except ValueError as exc:
        return None, str(exc)


move_pages.register(bp, require_owner)
incident_pages.register(bp, require_owner)
