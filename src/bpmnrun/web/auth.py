"""Signing in and out (Flask-Login; local passwords throttled per account and per client address by
service/sign_in.py; the council's identity provider in web/oidc.py), and bearer tokens for the API."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from ..service import users
from ..service.errors import NotFound
from ..service.sign_in import TooManyAttempts, sign_in_with_password
from .context import runtime

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SignedInUser(UserMixin):
    def __init__(self, view: users.UserView) -> None:
        self.view = view

    def get_id(self) -> str:
        return self.view.username


PUBLIC_ENDPOINTS = {"auth.sign_in", "oidc.start", "oidc.callback", "static", "assets.govuk_asset",
                    "assets.govuk_bundle", "api.openapi"}


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see your tasks."
    login_manager.login_message_category = "info"
    app.before_request(_require_sign_in)


def _require_sign_in():
    """Every page but sign-in needs a user, whether or not its view remembers to say so."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        return jsonify({"error": "Sign in to continue", "message": "send a session cookie or a bearer token"}), 401
    return login_manager.unauthorized()


@login_manager.user_loader
def _load(username: str) -> SignedInUser | None:
    try:
        return SignedInUser(users.get_user(runtime(), username))
    except NotFound:
        return None


@login_manager.request_loader
def _from_bearer_token(req) -> SignedInUser | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    found = users.user_for_token(runtime(), header.removeprefix("Bearer ").strip())
    return SignedInUser(found) if found else None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("worklist.index"))
    error, status = None, 200
    if request.method == "POST":
        try:
            found = sign_in_with_password(runtime(), request.form.get("username", ""),
                                          request.form.get("password", ""), request.remote_addr,
                                          current_app.config["SIGN_IN_THROTTLE"])
        except TooManyAttempts as exc:
            error, status = str(exc), 429
        else:
            if found is not None:
                login_user(SignedInUser(found))
                return redirect(safe_next(request.args.get("next")))
            error, status = "Enter a correct user name and password", 401
    return render_template("sign_in.html", error=error, username=request.form.get("username", "")), status


@bp.post("/sign-out")
@login_required
def sign_out():
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("worklist.index")
