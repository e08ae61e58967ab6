"""CSRF on every form POST, security headers with a per-request CSP nonce, rate limits."""

from __future__ import annotations

import secrets

from flask import Flask, abort, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(_nonce)
    app.before_request(_refuse_nul)
    app.after_request(_headers)
    app.context_processor(lambda: {"cspNonce": g.get("csp_nonce", "")})


def _nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _refuse_nul() -> None:
    """No name, id or answer holds a NUL character, and PostgreSQL refuses one in text: a 400, not a 500."""
    # Form fields only: an uploaded file's bytes are the deploy check's business.
    sent = [request.path, *request.args.keys(), *request.args.values(), *request.form.keys(), *request.form.values()]
    if any("\x00" in text for text in sent):
        abort(400, "The request holds a character that cannot be part of a name or an answer.")


def _headers(response):
    nonce = g.get("csp_nonce", "")
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
