"""What starting work reads, in one statement: the starter, the family and its children, the newest version of
the procedure, whether the family is in the starter's or their teams' work, and whether an incident of this start
is open (the start's hot path; service/instances.py). Who else may see the family (line managers, break glass,
process owners on test families) is asked of access.py only when the family is not in the starter's work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, case as when, func, select
from sqlalchemy.orm import Session

from ..store.models import Case, ProcessVersion, Subject, TaskTeam, User
from . import incidents
from .access import involves_people, teams_of_family
from .cases import SubjectView
from .deploy import latest_version
from .errors import NotFound
from .open_task import SEPARATOR, split_joined
from .users import UserView, require_user, view


@dataclass(frozen=True)
class Family:
    """The family work starts on, as access.py and the start need it."""

    id: int
    family_name: str
    case_status: str | None
    is_test: bool
    subjects: tuple[SubjectView, ...]
    teams: frozenset[str]  # the teams that have or had one of its tasks; left unread (empty) when it is the starter's


@dataclass(frozen=True)
class VersionRow:
    id: int
    process_id: str
    version: int
    title: str
    sha256: str


@dataclass(frozen=True)
class StartRead:
    user: UserView
    family: Family
    version: VersionRow
    in_their_work: bool  # the family is in the starter's work or their teams' (access.THEIR_WORK, THEIR_TEAM)
    incident_open: bool


def read_start(session: Session, username: str, case_id: int, process_id: str, incident_key: str) -> StartRead:
    """NotFound names the user, the family or the procedure that does not exist, in that order."""
    rows = session.connection().execute(_QUERY, {"username": username, "usernames": [username],
                                                 "case_id": case_id, "process_id": process_id,
                                                 "incident_key": incident_key}).all()
    if not rows:
        require_user(session, username)
        raise NotFound(f"no case {case_id}")
    first = rows[0]
    if first.username is None:
        require_user(session, username)
    if first.version_id is None:
        latest_version(session, process_id)
    user = view(first)
    case_teams = split_joined(first.case_teams)
    family = Family(first.case_id, first.family_name, first.case_status, bool(first.is_test),
                    tuple(SubjectView(r.subject_id, r.subject_name, r.date_of_birth)
                          for r in rows if r.subject_id is not None), case_teams)
    version = VersionRow(first.version_id, process_id, first.version, first.title, first.sha256)
    return StartRead(user, family, version, bool(first.mine) or bool(case_teams & set(user.teams)),
                     bool(first.incident_open))


def _query():
    """Built once: the statement is the same for every start, its values bound at each call."""
    case, subject, version, user = Case.__table__, Subject.__table__, ProcessVersion.__table__, User.__table__
    latest = (select(version.c.id).where(version.c.process_id == bindparam("process_id"))
              .order_by(version.c.version.desc()).limit(1).scalar_subquery())
    mine = involves_people(bindparam("usernames", expanding=True))
    # The family's teams are read only when it is not the starter's own work (a family may have many tasks).
    case_teams = when((mine, None), else_=teams_of_family(
        func.aggregate_strings(TaskTeam.__table__.c.team, SEPARATOR)).scalar_subquery())
    return (select(case.c.id.label("case_id"), case.c.family_name, case.c.case_status, case.c.is_test,
                   subject.c.id.label("subject_id"), subject.c.name.label("subject_name"), subject.c.date_of_birth,
                   user.c.username, user.c.display_name, user.c.teams, user.c.roles, user.c.line_manager,
                   version.c.id.label("version_id"), version.c.version, version.c.title, version.c.sha256,
                   mine.label("mine"), case_teams.label("case_teams"),
                   incidents.is_open(bindparam("incident_key")).label("incident_open"))
            .select_from(case)
            .outerjoin(subject, subject.c.case_id == case.c.id)
            .outerjoin(user, user.c.username == bindparam("username"))
            .outerjoin(version, version.c.id == latest)
            .where(case.c.id == bindparam("case_id"))
            .order_by(subject.c.id))


_QUERY = _query()
