"""The analysts' pages: the structural comparison of process variants (`GET /compare?process=A&process=B`)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from ..analysis.compare import STEP_DOWN_SET, from_deployed
from ..analysis.compare_html import view
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
                           errors={}, **view(comparison))
