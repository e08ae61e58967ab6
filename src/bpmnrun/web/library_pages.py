"""The process library: every deployed process and its versions, one process's page with its diagram,
and the upload with which a process owner deploys a new version."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import login_required
from markupsafe import Markup

from ..library.svg import render_svg
from ..service import deploy, library_views
from ..service.errors import DiagramInvalid, Forbidden, InvalidInput
from .api_input import MAX_ID
from .context import has_role, runtime, username

bp = Blueprint("library_pages", __name__)
OWNER = "process owner"


@bp.get("/processes")
@login_required
def index():
    return _index_page()


@bp.get("/processes/<process_id>")
@login_required
def show(process_id: str):
    detail = library_views.process_detail(runtime(), process_id, _wanted_version())
    diagram, diagram_problem = _diagram(detail.xml, process_id)
    return render_template("process.html", detail=detail, diagram=diagram, diagram_problem=diagram_problem)


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
    if not has_role(OWNER):
        raise Forbidden("Only process owners can deploy a diagram.")
    sent = request.files.get("diagram")
    filename, content = (sent.filename or "", sent.read()) if sent else ("", b"")
    try:
        deployed = deploy.deploy_upload(runtime(), filename, content, username())
    except InvalidInput as exc:
        return _index_page(upload_error=exc.errors.get("file", str(exc)), status=422)
    except DiagramInvalid as exc:
        return render_template("upload_result.html", filename=deploy.upload_name(filename),
                               problems=exc.problems), 422
    return render_template("upload_result.html", filename=deploy.upload_name(filename), problems=[],
                           deployed=deployed)


def _index_page(upload_error: str | None = None, status: int = 200):
    listings = library_views.list_processes(runtime())
    return render_template("processes.html", groups=library_views.by_authority(listings),
                           can_upload=has_role(OWNER), upload_error=upload_error), status


def _wanted_version() -> int | None:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        abort(400, "The version must be a whole number, for example ?version=2.")
    if int(raw) > MAX_ID:  # beyond the database's integers: no such version, rather than a failed query
        abort(404, f"There is no version {raw} of this process.")
    return int(raw)


def _diagram(xml: str, process_id: str) -> tuple[Markup | None, str | None]:
    """The diagram as inline SVG, or why it cannot be drawn (a file deployed without layout)."""
    try:
        # render_svg builds the SVG with lxml, which escapes every name taken from the diagram.
        return Markup(render_svg(xml.encode("utf-8"), process_id)), None
    except ValueError as exc:
        return None, str(exc)
