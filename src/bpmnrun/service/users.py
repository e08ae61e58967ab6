"""Users, their teams (lane names) and roles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..store.models import User
from .catalogue import lane_names
from .errors import InvalidInput, NotFound, ServiceError
from .input_limits import DISPLAY_NAME, USERNAME, text_problem
from .persist import audit
from .runtime import Runtime


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    teams: tuple[str, ...]
    roles: tuple[str, ...]
    line_manager: str | None


def add_user(rt: Runtime, username: str, teams: list[str], *, display_name: str | None = None,
             roles: list[str] = (), password: str | None = None, line_manager: str | None = None,
             actor: str = "admin") -> UserView:
    username = username.strip()
    if not username:
        raise ServiceError("a user needs a name")
    problems = {"username": text_problem(username, USERNAME),
                "display_name": text_problem(display_name, DISPLAY_NAME) if display_name else None}
    if any(problems.values()):
        raise InvalidInput({k: v for k, v in problems.items() if v}, "the user cannot be added")
    with rt.transaction() as session:
        if find_user(session, username) is not None:
            raise ServiceError(f"user {username!r} already exists")
        teams = _canonical_teams(session, teams)
        user = User(username=username, display_name=display_name or username, teams=list(teams),
                    roles=list(roles), line_manager=line_manager, created_at=rt.now(),
                    password_hash=generate_password_hash(password) if password else None)
        session.add(user)
        audit(session, rt.now(), actor, "user_added", name=username, teams=list(teams), roles=list(roles))
        return view(user)


def team_key(name: str) -> str:
    """Team names are compared without regard to capitals or spacing: "social  worker" is "Social Worker"."""
    return " ".join(name.split()).casefold()


def _canonical_teams(session: Session, teams: list[str]) -> list[str]:
    """The teams as the library and the other users spell them; one spelt differently is refused, naming the
    spelling in use (two inboxes for one team would split its work)."""
    known: dict[str, str] = {}
    for (lanes,) in session.execute(select(User.teams)):
        for team in lanes or ():
            known.setdefault(team_key(team), team)
    for lane in lane_names(session):
        known[team_key(lane)] = lane  # the diagrams' spelling wins
    for team in teams:
        spelt = known.get(team_key(team))
        if spelt is not None and spelt != team:
            raise ServiceError(f"the team {team!r} is spelt {spelt!r} in the process library and by other users: "
                               f"use {spelt!r}")
    return [" ".join(t.split()) for t in teams]


def authenticate(rt: Runtime, username: str, password: str) -> UserView | None:
    with rt.reading() as session:
        user = find_user(session, username)
        if user is None or not user.password_hash or not check_password_hash(user.password_hash, password):
            return None
        return view(user)


def issue_token(rt: Runtime, username: str, actor: str = "admin") -> str:
    """A new API bearer token for the user (the old one stops working). Only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with rt.transaction() as session:
        user = require_user(session, username)
        user.api_token_sha256 = hashlib.sha256(token.encode()).hexdigest()
        audit(session, rt.now(), actor, "api_token_issued", name=username)
    return token


def user_for_token(rt: Runtime, token: str) -> UserView | None:
    """The API's signed-in user, read on every request: the columns a UserView needs, as a plain row."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    with rt.one_read() as connection:
        row = connection.execute(_BY_TOKEN, {"digest": digest}).first()
    return view(row) if row is not None else None


# What a UserView shows (never the password hash), read as a plain row on every request.
_VIEWED = (User.username, User.display_name, User.teams, User.roles, User.line_manager)
_BY_TOKEN = select(*_VIEWED).where(User.api_token_sha256 == bindparam("digest")).limit(1)
_BY_NAME = select(*_VIEWED).where(User.username == bindparam("username"))


def set_password(rt: Runtime, username: str, password: str, actor: str = "admin") -> None:
    with rt.transaction() as session:
        require_user(session, username).password_hash = generate_password_hash(password)
        audit(session, rt.now(), actor, "password_set", name=username)


def get_user(rt: Runtime, username: str) -> UserView:
    """The signed-in user of a page (read on every request)."""
    with rt.one_read() as connection:
        return _viewed(connection, username)


def team_members(rt: Runtime, team: str) -> list[UserView]:
    # Teams are a JSON list, which SQLite and PostgreSQL search differently: read the few columns a
    # member list shows (never the password hashes) and pick the team's members here.
    with rt.reading() as session:
        return [view(r) for r in session.execute(select(*_VIEWED).order_by(User.username)) if team in r.teams]


def members_of(session: Session) -> Callable[[tuple[str, ...]], list[tuple[str, str]]]:
    """For a person picker: the (user name, display name) of the members of any of the given teams, by name."""
    def members(teams: tuple[str, ...]) -> list[tuple[str, str]]:
        wanted = set(teams)
        rows = session.execute(select(User.username, User.display_name, User.teams))
        return sorted(((r.username, r.display_name) for r in rows if wanted & set(r.teams)), key=lambda p: p[1])
    return members


def viewed_user(session: Session, username: str) -> UserView:
    """require_user for a read that needs only what a UserView shows (a list's teams): one plain row."""
    return _viewed(session.connection(), username)


def _viewed(connection: Connection, username: str) -> UserView:
    row = connection.execute(_BY_NAME, {"username": username}).first()
    if row is None:
        raise NotFound(f"no user {username!r}")
    return view(row)


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def require_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def view(user: User | Row) -> UserView:
    """A user as pages show them: from the ORM object or a row of the columns in _VIEWED."""
    return UserView(user.username, user.display_name, tuple(user.teams), tuple(user.roles), user.line_manager)
