"""(placeholder: this blueprint is being built)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("analysis_pages", __name__)


@bp.get("/compare")
def compare():
    abort(404)
