"""(placeholder: this blueprint is being built)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("cases", __name__)


@bp.get("/cases")
def index():
    abort(404)


@bp.get("/cases/<int:case_id>")
def show(case_id: int):
    abort(404)
