"""GOV.UK Frontend's compiled CSS, JavaScript, fonts and images, served from its npm package."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from .files import govuk_dist

bp = Blueprint("assets", __name__)


def _govuk_dist():
    return govuk_dist(current_app.extensions["bpmnrun.web_dir"])


@bp.get("/assets/<path:filename>")
def govuk_asset(filename: str):
    # The compiled stylesheet refers to its fonts and images under /assets.
    return send_from_directory(_govuk_dist() / "assets", filename, max_age=86400)


@bp.get("/govuk/<any('govuk-frontend.min.css', 'govuk-frontend.min.js'):filename>")
def govuk_bundle(filename: str):
    folder = _govuk_dist()
    if not (folder / filename).is_file():
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)
