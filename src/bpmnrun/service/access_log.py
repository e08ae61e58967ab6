"""A family's access log: who read its records, what, when, how they came to see it (and why, for break glass).

For the data protection officer (role "data protection officer") and for line managers who see the family.
Line managers also see the break-glass grants their staff made (reported_to them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from ..store.models import AccessGrant, Case, Event, Instance, User
from . import access
from .case_timeline import display_names
from .cases import require_case
from .errors import Forbidden
from .persist import BROKE_GLASS, EXPORTED, READ_ACTIONS
from .records import EVERY_PROCEDURE
from .runtime import Runtime
from .users import require_user

DATA_PROTECTION_OFFICER = "data protection officer"


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    who: str  # as people know them
    username: str
    action: str  # viewed | listed | exported | break_glass
    what: str
    how: str  # their work, their team's work, line manager, break glass
    reason: str | None


@dataclass(frozen=True)
class ReportedGrant:
    granted_at: datetime
    who: str
    case_id: int
    reason: str
    expires_at: datetime


def may_read_log(rt: Runtime, user: str, case_id: int) -> bool:
    with rt.reading() as session:
        account = require_user(session, user)
        return _may_read(session, account, require_case(session, case_id), rt.now())


def access_log(rt: Runtime, user: str, case_id: int) -> list[AccessEntry]:
    """Every read of the family's records, newest first, including exports of procedures it had work in."""
    with rt.reading() as session:
        account = require_user(session, user)
        case = require_case(session, case_id)
        if not _may_read(session, account, case, rt.now()):
            raise Forbidden("A family's access log is for the data protection officer and the line managers of "
                            "the people working with the family", case_id)
    return entries(rt, case_id)


def entries(rt: Runtime, case_id: int) -> list[AccessEntry]:
    """The log itself, for whoever may read it (the pages check; the command line runs with the database's
    rights)."""
    with rt.reading() as session:
        require_case(session, case_id)
        people = display_names(session)
        rows = session.scalars(select(Event).where(_reads_of(session, case_id)).order_by(Event.id.desc()))
        return [AccessEntry(e.at, people.get(e.actor, e.actor), e.actor, e.action, e.name or "", _how(e),
                            e.detail.get("reason")) for e in rows]


def manages_anyone(rt: Runtime, user: str) -> bool:
    """Whether anyone reports to `user` (whose break-glass access is then reported to them)."""
    with rt.reading() as session:
        return bool(session.scalar(select(func.count()).select_from(User).where(User.line_manager == user)))


def reported_to(rt: Runtime, manager: str) -> list[ReportedGrant]:
    """The break-glass grants made by the people who report to `manager`, newest first."""
    with rt.reading() as session:
        people = display_names(session)
        grants = session.scalars(select(AccessGrant).where(AccessGrant.reported_to == manager)
                                 .order_by(AccessGrant.granted_at.desc()))
        return [ReportedGrant(g.granted_at, people.get(g.username, g.username), g.case_id, g.reason, g.expires_at)
                for g in grants]


def _may_read(session, account: User, case: Case, now: datetime) -> bool:
    if DATA_PROTECTION_OFFICER in (account.roles or ()):
        return True
    manages = session.scalar(select(func.count()).select_from(User).where(User.line_manager == account.username))
    return bool(manages) and access.access_to(session, case, account, now) is not None


def _reads_of(session, case_id: int):
    """Reads of this family, and exports of the procedures it had work in once that work had started."""
    work = session.execute(select(Instance.process_id, func.min(Instance.started_at))
                           .where(Instance.case_id == case_id).group_by(Instance.process_id)).all()
    exports = [and_(Event.action == EXPORTED, Event.at >= started, _names(process_id)) for process_id, started in work]
    return or_(and_(Event.case_id == case_id, Event.action.in_(READ_ACTIONS)), *exports)


def _names(process_id: str):
    """An export event's name lists its procedures, ", "-separated (records.log_export)."""
    return or_(Event.name == process_id, Event.name == EVERY_PROCEDURE,
               Event.name.startswith(f"{process_id}, ", autoescape=True),
               Event.name.endswith(f", {process_id}", autoescape=True),
               Event.name.contains(f", {process_id}, ", autoescape=True))


def _how(event: Event) -> str:
    if event.action == BROKE_GLASS:
        return access.BREAK_GLASS
    if event.action == EXPORTED:
        return f"{event.detail.get('export', 'export')} of {event.detail.get('pieces_of_work', 0)} pieces of work"
    return event.detail.get("access", "")
