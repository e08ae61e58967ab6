"""Limits on a request as a whole, answered by the app itself: JSON under /api/v1, a page elsewhere.

gunicorn (gunicorn.conf.py) lets request lines of up to 8190 bytes through, so an address longer than
MAX_URL_BYTES reaches the app and gets its clear 414 rather than gunicorn's bare one. A body larger than the
app's MAX_CONTENT_LENGTH is refused by werkzeug as it is read (413); the API reads less still (api_input).
"""

from __future__ import annotations

from flask import Flask, abort, request

# Every address bpmnrun makes is far shorter; a list's filters fit many times over.
MAX_URL_BYTES = 4096


def init_app(app: Flask) -> None:
    # First of all the app's checks: an address too long is refused before sign-in is looked at (a bearer
    # token's lookup is a database read) or a form is parsed.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_long_url)


def _refuse_long_url() -> None:
    if url_length() > MAX_URL_BYTES:
        abort(414, f"The address must be at most {MAX_URL_BYTES} characters long")


def url_length() -> int:
    """The address as the client sent it (gunicorn's RAW_URI, werkzeug's REQUEST_URI), else as read."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return len(raw) if raw else len(request.full_path)
