"""The analysts' pages: the structural comparison of process variants (`GET /compare?process=A&process=B`), and
one variant's diagram on its own (`GET /compare/diagram.svg?process=A&process=B&show=A`), to zoom in the browser."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import login_required

from ..analysis.compare import STEP_DOWN_SET, from_deployed
from ..analysis.compare_html import diagram, view
from ..service.catalogue import catalogue
from ..service.errors import InvalidInput
from .context import runtime

bp = Blueprint("analysis_pages", __name__)


@bp.get("/compare")
@login_required
def compare():
    """The variants ticked (by default the step-down set), compared as deployed; fewer than two is a form error."""
    deployed = [(e.process_id, e.summary.title, e.authority) for e in catalogue(runtime())]
    ids = {pid for pid, _, _ in deployed}
    wanted = request.args.getlist("process") or [pid for pid in STEP_DOWN_SET if pid in ids]
    try:
        comparison = from_deployed(runtime(), wanted)
    except InvalidInput as exc:
        return render_template("compare.html", deployed=deployed, wanted=wanted, errors=exc.errors), 422
    return render_template("compare.html", deployed=deployed, wanted=[v.process_id for v in comparison.variants],
                           errors={}, **view(comparison, request.args.get("zoom", "fit")))


@bp.get("/compare/diagram.svg")
@login_required
def compare_diagram():
    """The diagram of `show`, highlighted as in the comparison of the variants ticked, as an SVG image."""
    comparison = from_deployed(runtime(), request.args.getlist("process"))
    shown = next((v for v in comparison.variants if v.process_id == request.args.get("show")), None)
    if shown is None:
        abort(404)
    try:
        svg = diagram(comparison, shown)
    except ValueError:
        abort(404)  # a diagram without layout has no picture
    return Response(svg, mimetype="image/svg+xml")
