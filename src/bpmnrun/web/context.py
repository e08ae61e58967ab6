"""What every view needs: the runtime and the signed-in user, in their service-layer form."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from ..service.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["bpmnrun"]


def username() -> str:
    return current_user.get_id()


def has_role(role: str) -> bool:
    return current_user.is_authenticated and role in current_user.view.roles
