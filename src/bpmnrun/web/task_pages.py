"""(placeholder: this blueprint is being built)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("task_pages", __name__)


@bp.get("/tasks/<task_id>")
def show(task_id: str):
    abort(404)
