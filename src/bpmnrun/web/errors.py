"""Errors as pages (or JSON under /api): a clear message and the right status, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..service.access import NoAccess
from ..service.errors import Conflict, InvalidInput, ServiceError
from ..service.incidents import NeedsAttention
from . import request_limits

log = logging.getLogger(__name__)
NEEDS_ATTENTION = "This case needs attention"

TITLES = {
    400: "There is a problem with the request", 401: "Sign in to continue", 403: "You cannot see this page",
    404: "Page not found", 405: "This cannot be done here", 409: "Someone else has already done this",
    413: "The file is too big", 414: "The web address is too long", 422: "There is a problem with what you entered",
    429: "Too many attempts", 500: "Sorry, there is a problem with the service",
}
API_TITLES = {**TITLES, 413: "The request is too big"}


def init_app(app: Flask) -> None:
    request_limits.init_app(app)  # its 414 is answered here, as JSON or a page
    app.register_error_handler(NeedsAttention, _needs_attention)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def respond(status: int, message: str, case_id: int | None = None, find_family: bool = False, **extra):
    if request.path.startswith("/api/"):
        return jsonify({"error": API_TITLES.get(status, "Error"), "message": message, **extra}), status
    return render_template("error.html", status=status, title=TITLES.get(status, "Error"), message=message,
                           case_id=case_id, find_family=find_family), status


def _service_error(exc: ServiceError):
    extra = {}
    if isinstance(exc, InvalidInput):
        extra["errors"] = exc.errors
    if isinstance(exc, Conflict) and exc.completed_by:
        extra.update(completed_by=exc.completed_by,
                     completed_at=exc.completed_at.isoformat() if exc.completed_at else None)
    return respond(exc.status, str(exc), case_id=getattr(exc, "case_id", None),
                   find_family=isinstance(exc, NoAccess), **extra)


def _needs_attention(exc: NeedsAttention):
    """The diagram failed under the caseworker's step: the case waits for a process owner (an incident), and the
    caseworker is told so plainly — a 409, never a 500, and nothing about expressions or stack frames."""
    if request.path.startswith("/api/"):
        return jsonify({"error": NEEDS_ATTENTION, "message": str(exc), "incident": exc.incident_id}), 409
    # The page's heading already says it needs attention: the message goes on from there.
    message = str(exc).removeprefix(NEEDS_ATTENTION + ": ")
    return render_template("needs_attention.html", title=NEEDS_ATTENTION, message=message[:1].upper() + message[1:],
                           incident=exc.incident_id), 409


def _csrf_error(exc: CSRFError):
    return respond(400, "The form had expired or was not sent from this site. Go back, reload it and try again.")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    # A 405 says which methods would do (RFC 9110), as werkzeug's own answer would.
    allow = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else {}
    return (*respond(status, _description(exc, status) if status < 500 else "Try again later."), allow)


def _description(exc: HTTPException, status: int) -> str:
    if status == 413 and exc.description == RequestEntityTooLarge.description:
        # werkzeug's own words when a body is over MAX_CONTENT_LENGTH: say what the limit is.
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return f"What was sent must be smaller than {limit // (1024 * 1024)} MB"
    return exc.description


def _unexpected(exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return respond(500, "Try again later. If it keeps happening, tell the service desk what you were doing.")
