"""Who may see a family's records, and who may start work on a family.

A family's records (its children, its work, tasks and history) are for the people with a reason to see them:
- whoever added the family, or started work on it, or was given or completed one of its tasks;
- the members of the teams that have or had one of its tasks;
- the line managers of those people (a user's `line_manager`);
- whoever opened it by **break glass**: a reason given, for BREAK_GLASS_HOURS, reported to their line manager.
Anyone else finds a family only by an exact search (surname and a child's date of birth: see family_search.py)
that shows no more than is needed to ask for access. Starting a procedure takes both seeing the family and being
in a team of the procedure's starting lane; process owners see every test family and may start any procedure
on one.

Every read of a family's records is written to the audit as it happens (access_log.py): the family's access log.
The web pages, the JSON API and the CLI all ask this module, so no front end decides access on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Protocol, Sequence

from sqlalchemy import BindParameter, ColumnElement, Select, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from ..store.models import AccessGrant, Case, Instance, Task, TaskTeam, User
from .cases import PROCESS_OWNER
from .errors import Forbidden

BREAK_GLASS_HOURS = 8  # a working day: long enough to deal with what prompted it, short enough to lapse

# How a user came to see a family, as the access log says it.
THEIR_WORK = "their work"
THEIR_TEAM = "their team's work"
MANAGER = "line manager"
BREAK_GLASS = "break glass"
TEST_FAMILY = "process owner, test family"


@dataclass(frozen=True)
class Grant:
    """A break-glass grant, as the pages and the audit show it."""

    reason: str
    granted_at: datetime
    expires_at: datetime
    reported_to: str | None

    @classmethod
    def of(cls, row: AccessGrant) -> "Grant":
        return cls(row.reason, row.granted_at, row.expires_at, row.reported_to)


@dataclass(frozen=True)
class Access:
    """Why a user may see a family; `grant` is the break-glass grant when that is the reason."""

    why: str
    grant: Grant | None = None


class Family(Protocol):
    """A family as access is decided on: a Case, or the columns a use case read of it."""

    id: int
    is_test: bool


class Person(Protocol):
    """A user as access is decided on: a User, or the columns a use case read of them."""

    username: str
    teams: Sequence[str]
    roles: Sequence[str]


class NoAccess(Forbidden):
    """The family is not in the user's work. The message names no family: the id may have been guessed."""

    def __init__(self) -> None:
        super().__init__("This family is not in your work or your team's work. To open the records of a family "
                         "you have no work with, find it by surname and a child's date of birth, and give your "
                         "reason (break glass).")


def visible_cases(session: Session, account: User, now: datetime) -> ColumnElement[bool]:
    """A condition on Case: the families `account` may see (for lists and searches)."""
    reports = _reports(session, account)
    owner = PROCESS_OWNER in (account.roles or ())
    return or_(_involves(account.username, account.teams or ()),
               _involves_any({r.username for r in reports}, {t for r in reports for t in (r.teams or ())}),
               _granted(account.username, now), Case.is_test.is_(True) if owner else false())


def access_to(session: Session, case: Family, account: Person, now: datetime) -> Access | None:
    """Why `account` may see this family, or None."""
    mine = session.scalar(select(exists().where(Case.id == case.id, _involves(account.username, ()))))
    if mine:
        return Access(THEIR_WORK)
    teams = account.teams or ()
    if teams and session.scalar(select(exists().where(Case.id == case.id, _involves("", teams)))):
        return Access(THEIR_TEAM)
    reports = _reports(session, account)
    people = {r.username for r in reports}
    if reports and session.scalar(select(exists().where(
            Case.id == case.id, _involves_any(people, {t for r in reports for t in (r.teams or ())})))):
        return Access(MANAGER)
    if case.is_test and PROCESS_OWNER in (account.roles or ()):
        return Access(TEST_FAMILY)
    grant = session.scalars(select(AccessGrant).where(
        AccessGrant.case_id == case.id, AccessGrant.username == account.username, AccessGrant.expires_at > now)
        .order_by(AccessGrant.expires_at.desc()).limit(1)).first()
    return Access(BREAK_GLASS, Grant.of(grant)) if grant else None


def sees_family(session: Session, case_id: int, account: User, now: datetime | None) -> bool:
    """Whether the user may see the family; without `now`, only whether it is in their or their team's work."""
    if now is None:
        return bool(session.scalar(select(exists().where(
            Case.id == case_id, _involves(account.username, account.teams or ())))))
    case = session.get(Case, case_id)
    return case is not None and access_to(session, case, account, now) is not None


def require_access(session: Session, case: Family, account: Person, now: datetime) -> Access:
    found = access_to(session, case, account, now)
    if found is None:
        raise NoAccess()
    return found


def require_may_start(session: Session, case: Family, account: Person, start_lanes: Iterable[str], now: datetime,
                      title: str, in_their_work: bool = False) -> None:
    """Starting work makes its starter involved: only someone who sees the family, in a team of the lane the
    procedure starts in, may do it (a process owner on a test family, to try a procedure out).
    `in_their_work`: the family is already known to be in the starter's or their teams' work."""
    if not in_their_work:
        require_access(session, case, account, now)
    lanes = [lane for lane in start_lanes if lane]
    if not starts_in_team(account.teams or (), account.roles or (), case.is_test, lanes):
        raise Forbidden(f"{title} is started by the {' or '.join(lanes)} team{'s' if len(lanes) > 1 else ''}: "
                        f"you are not in {'those teams' if len(lanes) > 1 else 'that team'}, so you cannot start "
                        "it. Ask that team to start it.", case.id)


def starts_in_team(teams: Iterable[str], roles: Iterable[str], is_test: bool, start_lanes: Iterable[str]) -> bool:
    """Whether someone of these teams and roles may start a procedure that starts in these lanes (on a family
    they see): a member of one of its starting teams; a process owner on a test family; anyone, for a
    procedure drawn without lanes."""
    lanes = {lane for lane in start_lanes if lane}
    return not lanes or bool(lanes & set(teams)) or (PROCESS_OWNER in set(roles) and is_test)


def grant(session: Session, case: Case, account: User, reason: str, now: datetime) -> Grant:
    """Break glass: open a family's records for BREAK_GLASS_HOURS, reported to the user's line manager."""
    reason = reason.strip()
    if not reason:
        raise Forbidden("Give your reason for opening this family's records", case.id)
    made = AccessGrant(case_id=case.id, username=account.username, reason=reason, granted_at=now,
                       expires_at=now + timedelta(hours=BREAK_GLASS_HOURS), reported_to=account.line_manager)
    session.add(made)
    return Grant.of(made)


def _involves(username: str, teams: Iterable[str]) -> ColumnElement[bool]:
    return _involves_any({username} if username else set(), set(teams))


def _involves_any(usernames: set[str], teams: set[str]) -> ColumnElement[bool]:
    if not usernames and not teams:
        return false()
    found = [involves_people(usernames)] if usernames else []
    if teams:
        found.append(teams_of_family().where(TaskTeam.team.in_(teams)).exists())
    return or_(*found)


def involves_people(usernames: Iterable[str] | BindParameter) -> ColumnElement[bool]:
    """A condition on Case: families these people added, started work on, or were given or completed a task of
    (an expanding bind parameter in a statement built once: service/start_read.py)."""
    return or_(Case.created_by.in_(usernames),
               exists().where(Instance.case_id == Case.id, Instance.started_by.in_(usernames)),
               exists().where(Task.case_id == Case.id,
                              or_(Task.assignee.in_(usernames), Task.completed_by.in_(usernames))))


def teams_of_family(*columns: ColumnElement) -> Select:
    """The teams that have or had one of a family's tasks (correlated to Case): whose members see the family.
    `columns`: what to select of them (by default each team)."""
    return (select(*(columns or (TaskTeam.team,))).join_from(TaskTeam, Task, Task.id == TaskTeam.task_id)
            .where(Task.case_id == Case.id))


def _granted(username: str, now: datetime) -> ColumnElement[bool]:
    return exists().where(and_(AccessGrant.case_id == Case.id, AccessGrant.username == username,
                               AccessGrant.expires_at > now))


def _reports(session: Session, account: Person) -> list[User]:
    return list(session.scalars(select(User).where(User.line_manager == account.username)))
