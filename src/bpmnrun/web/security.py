"""CSRF on every form POST, security headers with a per-request CSP nonce, and the client's address behind the
council's proxy (sign-in throttling counts failures per address: service/throttle.py)."""

from __future__ import annotations

import secrets

from flask import Flask, abort, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    _trust_proxies(app)
    app.before_request(_nonce)
    app.before_request(_refuse_nul)
    app.after_request(_headers)
    app.context_processor(lambda: {"cspNonce": g.get("csp_nonce", "")})


def trusted_proxies(value: object) -> int:
    """BPMNRUN_TRUSTED_PROXIES: how many proxies in front of bpmnrun add themselves to X-Forwarded-For."""
    try:
        count = int(str(value or 0).strip())
    except ValueError:
        count = -1
    if count < 0:
        raise ValueError(f"BPMNRUN_TRUSTED_PROXIES is the number of proxies in front of bpmnrun (0, 1, 2 …), "
                         f"not {value!r}")
    return count


def _trust_proxies(app: Flask) -> None:
    """Behind N trusted proxies, the client's address is the Nth from the right of X-Forwarded-For (each proxy
    appends the address it was reached from), and the scheme and host are the ones the browser used (for the
    identity provider's return address). Without a trusted proxy the headers are ignored: anyone can send them."""
    count = trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


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
