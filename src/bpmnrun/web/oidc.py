"""Signing in with the council's identity provider (OpenID Connect, through Authlib).

Configured from the environment (README, "Signing in"): BPMNRUN_OIDC_DISCOVERY_URL, BPMNRUN_OIDC_CLIENT_ID,
BPMNRUN_OIDC_CLIENT_SECRET, BPMNRUN_OIDC_GROUPS_FILE (web/group_mapping.py), BPMNRUN_OIDC_PROVIDER_NAME, and if
need be BPMNRUN_OIDC_SCOPES, BPMNRUN_OIDC_GROUPS_CLAIM and BPMNRUN_OIDC_USERNAME_CLAIM. Authlib makes and checks
the state (no one else's sign-in can be slipped into a browser), the nonce (no ID token can be replayed) and PKCE.
This module only reads the claims, maps the groups and hands the person to the service, which makes or updates
their account. Whatever goes wrong with the provider is a page saying so, never a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import login_user
from joserfc.errors import JoseError

from ..service import provider_accounts
from ..service.errors import ServiceError
from .auth import SignedInUser, safe_next
from .context import runtime
from .group_mapping import GroupMapping, load_mapping

log = logging.getLogger(__name__)
bp = Blueprint("oidc", __name__)

ENVIRONMENT = {"OIDC_DISCOVERY_URL": "BPMNRUN_OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID": "BPMNRUN_OIDC_CLIENT_ID",
               "OIDC_CLIENT_SECRET": "BPMNRUN_OIDC_CLIENT_SECRET", "OIDC_GROUPS_FILE": "BPMNRUN_OIDC_GROUPS_FILE",
               "OIDC_PROVIDER_NAME": "BPMNRUN_OIDC_PROVIDER_NAME", "OIDC_SCOPES": "BPMNRUN_OIDC_SCOPES",
               "OIDC_GROUPS_CLAIM": "BPMNRUN_OIDC_GROUPS_CLAIM", "OIDC_USERNAME_CLAIM": "BPMNRUN_OIDC_USERNAME_CLAIM"}
DEFAULTS = {"OIDC_PROVIDER_NAME": "your council account", "OIDC_SCOPES": "openid profile email",
            "OIDC_GROUPS_CLAIM": "groups", "OIDC_USERNAME_CLAIM": "preferred_username"}
TIMEOUT_SECONDS = 10  # a provider that does not answer holds a web worker no longer than this
NEXT_KEY = "bpmnrun.oidc_next"
# What a provider that is down, refuses or answers nonsense raises (the network, OAuth, the ID token's checks).
PROVIDER_PROBLEMS = (requests.RequestException, AuthlibBaseError, JoseError, ValueError, KeyError, TypeError)


@dataclass(frozen=True)
class Provider:
    client: Any  # Authlib's Flask client for the provider
    name: str
    mapping: GroupMapping
    groups_claim: str
    username_claim: str


def settings_from_environment(env: Mapping[str, str]) -> dict[str, str | None]:
    return {key: env.get(variable) or DEFAULTS.get(key) for key, variable in ENVIRONMENT.items()}


def init_app(app: Flask) -> None:
    """Nothing without a discovery URL (local accounts only); otherwise every setting, and a usable mapping file,
    or the app does not start (a council finds a mistake when it deploys, not when someone signs in)."""
    config = app.config
    if not config.get("OIDC_DISCOVERY_URL"):
        return
    missing = [ENVIRONMENT[k] for k in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_GROUPS_FILE") if not config.get(k)]
    if missing:
        raise ValueError(f"BPMNRUN_OIDC_DISCOVERY_URL is set: set {', '.join(missing)} too")
    oauth = OAuth(app)
    client = oauth.register(
        "council", client_id=config["OIDC_CLIENT_ID"], client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=config["OIDC_DISCOVERY_URL"],
        client_kwargs={"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": TIMEOUT_SECONDS})
    app.extensions["bpmnrun.oidc"] = Provider(client, config["OIDC_PROVIDER_NAME"],
                                              load_mapping(config["OIDC_GROUPS_FILE"]),
                                              config["OIDC_GROUPS_CLAIM"], config["OIDC_USERNAME_CLAIM"])
    app.jinja_env.globals["sign_in_provider"] = config["OIDC_PROVIDER_NAME"]  # the sign-in page offers it


@bp.get("/sign-in/provider")
def start():
    provider = _provider()
    session[NEXT_KEY] = request.args.get("next") or ""
    try:
        return provider.client.authorize_redirect(url_for("oidc.callback", _external=True))
    except PROVIDER_PROBLEMS as exc:
        log.warning("identity provider unreachable at %s: %s", current_app.config["OIDC_DISCOVERY_URL"], exc)
        return _problem(provider, 502, f"{provider.name} cannot be reached at the moment. Try again in a few "
                                       "minutes. If it keeps happening, tell the service desk.")


@bp.get("/sign-in/provider/callback")
def callback():
    provider = _provider()
    try:
        claims = _claims(provider)
    except MismatchingStateError:
        return _problem(provider, 400, "This sign-in had expired or was started in another window. Start again.")
    except OAuthError as exc:
        log.info("identity provider refused the sign-in: %s %s", exc.error, exc.description)
        return _problem(provider, 401, f"{provider.name} did not let you sign in. Try again, or ask the service "
                                       "desk whether your account may use bpmnrun.")
    except PROVIDER_PROBLEMS as exc:
        log.warning("identity provider's answer could not be used: %r", exc)
        return _problem(provider, 502, f"{provider.name} could not be reached, or its answer could not be "
                                       "checked. Try again in a few minutes. If it keeps happening, tell the "
                                       "service desk.")
    try:
        user = provider_accounts.sign_in_from_provider(runtime(), _identity(provider, claims))
    except ServiceError as exc:
        return _problem(provider, exc.status, str(exc))
    login_user(SignedInUser(user))
    return redirect(safe_next(session.pop(NEXT_KEY, None)))


def _claims(provider: Provider) -> dict[str, Any]:
    """The ID token's claims (checked by Authlib), with the userinfo endpoint's for the same subject."""
    token = provider.client.authorize_access_token()
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise ValueError("the provider sent no ID token")
    if provider.client.load_server_metadata().get("userinfo_endpoint"):
        more = dict(provider.client.userinfo(token=token))
        if more.get("sub") != claims["sub"]:  # OpenID Connect Core 5.3.2: else the answer is not to be used
            raise ValueError("the userinfo answer is for another subject")
        claims.update(more)
    return claims


def _identity(provider: Provider, claims: dict[str, Any]) -> provider_accounts.ProviderIdentity:
    groups = claims.get(provider.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    teams, roles = provider.mapping.teams_and_roles(str(g) for g in groups)
    username = str(claims.get(provider.username_claim) or claims.get("email") or claims["sub"])
    return provider_accounts.ProviderIdentity(
        issuer=str(claims.get("iss") or provider.client.load_server_metadata().get("issuer", "")),
        subject=str(claims["sub"]), username=username, display_name=str(claims.get("name") or username),
        teams=teams, roles=roles)


def _provider() -> Provider:
    provider = current_app.extensions.get("bpmnrun.oidc")
    if provider is None:
        abort(404)
    return provider


def _problem(provider: Provider, status: int, message: str):
    return render_template("sign_in_problem.html", provider_name=provider.name, message=message), status
