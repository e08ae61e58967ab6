"""(placeholder: this blueprint is being built)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("library_pages", __name__)


@bp.get("/processes")
def index():
    abort(404)
