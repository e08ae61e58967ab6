"""Accounts of people who sign in through the council's identity provider (OpenID Connect).

The account is made at a person's first sign-in and brought up to date at every one after: name, teams and roles
as the provider's groups give them now (the web layer maps the groups through the council's mapping file). The
provider's (issuer, subject) is linked to the account, so a person keeps their account when the provider sends
another user name, and someone later given an old user name does not get its account. An existing account is
taken up by a person of the same user name only if it has no password and no link yet (made for them by
`bpmnrun user add` without a password): an account that signs in with a password stays its owner's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import IdentityLink, User
from .errors import Forbidden, ServiceError
from .persist import audit
from .runtime import Runtime
from .users import UserView, _canonical_teams, find_user, view

KNOWN_ROLES = ("process owner", "analyst")  # what the pages and the access rules look for
ACTOR = "identity provider"
NO_TEAMS = ("None of your groups at the identity provider gives you a team in bpmnrun. Ask your manager to add you "
            "to your team's group.")


@dataclass(frozen=True)
class ProviderIdentity:
    issuer: str
    subject: str
    username: str
    display_name: str
    teams: tuple[str, ...]
    roles: tuple[str, ...]


class NoTeams(Forbidden):
    """Signed in at the provider, but none of the person's groups gives a team or a role here."""


def sign_in_from_provider(rt: Runtime, identity: ProviderIdentity) -> UserView:
    """The person's account, made or brought up to date; NoTeams when their groups give them nothing (the
    account is still updated, so one who lost their groups loses their teams)."""
    if not identity.subject or not identity.username.strip():
        raise ServiceError("The identity provider sent no subject or user name, so bpmnrun cannot tell who you are.")
    with rt.transaction() as session:
        teams = _teams(session, identity)
        link = session.get(IdentityLink, (identity.issuer, identity.subject))
        if link is None and not teams and not identity.roles:
            raise NoTeams(NO_TEAMS)  # no account is made for someone who may not use bpmnrun
        user = _linked_user(session, link) if link else _new_link(session, rt, identity, teams)
        _bring_up_to_date(session, rt, user, identity, teams)
        session.get(IdentityLink, (identity.issuer, identity.subject)).last_sign_in_at = rt.now()
        signed_in = view(user)
    if not signed_in.teams and not signed_in.roles:
        raise NoTeams(NO_TEAMS)
    return signed_in


def _teams(session: Session, identity: ProviderIdentity) -> list[str]:
    try:
        return _canonical_teams(session, list(identity.teams))
    except ServiceError as exc:
        raise ServiceError(f"The group mapping needs correcting before you can sign in: {exc}") from None


def _linked_user(session: Session, link: IdentityLink) -> User:
    user = find_user(session, link.username)
    if user is None:  # the row is referenced by the link: only a hand-made change of the database gets here
        raise ServiceError(f"The account {link.username!r} linked to you is missing. Ask your bpmnrun administrator.")
    return user


def _new_link(session: Session, rt: Runtime, identity: ProviderIdentity, teams: list[str]) -> User:
    username = identity.username.strip()
    user = find_user(session, username)
    if user is None:
        user = User(username=username, display_name=identity.display_name or username, teams=teams,
                    roles=list(identity.roles), created_at=rt.now())
        session.add(user)
        session.flush()  # the link refers to it
        audit(session, rt.now(), ACTOR, "user_added", name=username, teams=teams, roles=list(identity.roles),
              issuer=identity.issuer)
    elif user.password_hash or _is_linked(session, username):
        raise Forbidden(f"There is already a bpmnrun account named {username!r} for someone else. Ask your "
                        "bpmnrun administrator to link it to your council account.")
    session.add(IdentityLink(issuer=identity.issuer, subject=identity.subject, username=username,
                             linked_at=rt.now(), last_sign_in_at=rt.now()))
    audit(session, rt.now(), ACTOR, "identity_linked", name=username, issuer=identity.issuer)
    return user


def _is_linked(session: Session, username: str) -> bool:
    return session.scalars(select(IdentityLink.subject).where(IdentityLink.username == username)).first() is not None


def _bring_up_to_date(session: Session, rt: Runtime, user: User, identity: ProviderIdentity,
                      teams: list[str]) -> None:
    display_name = identity.display_name or user.display_name
    was = {"teams": list(user.teams), "roles": list(user.roles), "display_name": user.display_name}
    now = {"teams": teams, "roles": list(identity.roles), "display_name": display_name}
    if was != now:
        user.teams, user.roles, user.display_name = now["teams"], now["roles"], display_name
        audit(session, rt.now(), ACTOR, "user_updated", name=user.username,
              **{key: {"was": was[key], "now": now[key]} for key in now if was[key] != now[key]})
