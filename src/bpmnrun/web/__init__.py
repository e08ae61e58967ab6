"""The caseworkers' web app and the JSON API: parse input, call the service layer, render.

Flask app factory with one blueprint per concern. Templates and our own static files live in the
repository's `web/` folder; GOV.UK Frontend's assets are installed there by npm and served, never committed.
An installed wheel carries copies of them (web/files.py).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from ..clock import Clock
from ..service.runtime import Runtime
from ..service.throttle import DEFAULT_POLICY
from ..store.database import Database
from . import (analysis_pages, api, assets, auth, cases, errors, family_access, filters, library_pages, oidc,
               process_editor, security, task_pages, worklist)
from .files import web_dir
from .row_links import row_url

WEB_DIR = web_dir()


def create_app(config: Mapping[str, Any] | None = None, runtime: Runtime | None = None,
               clock: Clock | None = None) -> Flask:
    app = Flask(__name__, static_folder=str(WEB_DIR / "static"), static_url_path="/static")
    app.config.update(
        SECRET_KEY=os.environ.get("BPMNRUN_SECRET_KEY") or os.urandom(32).hex(),
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BPMNRUN_DATABASE_URL=None,
        BPMNRUN_LIBRARY="bpmn",
        SIGN_IN_THROTTLE=DEFAULT_POLICY,
        TRUSTED_PROXIES=os.environ.get("BPMNRUN_TRUSTED_PROXIES", "0"),
        **oidc.settings_from_environment(os.environ),
    )
    app.config.update(config or {})
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(WEB_DIR / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    if runtime is None:
        runtime = Runtime(Database(app.config["BPMNRUN_DATABASE_URL"]))
    if clock is not None:
        runtime.clock = clock
    app.extensions["bpmnrun"] = runtime
    app.extensions["bpmnrun.web_dir"] = WEB_DIR

    security.init_app(app)
    auth.init_app(app)
    oidc.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    app.add_template_global(row_url)
    for module in (assets, auth, oidc, worklist, task_pages, cases, family_access, library_pages, analysis_pages, api):
        app.register_blueprint(module.bp)
    app.register_blueprint(process_editor.bp)  # the diagram editor for process owners
    return app
