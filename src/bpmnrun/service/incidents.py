"""Incidents: work the engine could not move on, recorded for a process owner instead of an error page.

When the engine fails while work starts, a task is completed, a message is delivered or a timer fires, the use
case's transaction rolls back (the case stays at its last committed state) and `record` writes the incident in a
transaction of its own. The caseworker gets NeedsAttention (409) with a message fit to read; process owners list
the incidents, retry them after a fix (service/incident_retry.py) or move the case to a fixed version. A step that
succeeds later resolves the incident it failed in (`resolve`, called inside that step's own transaction).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import BindParameter, ColumnElement, Exists, Select, bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..engine.failures import Failure
from ..store.models import Case, Incident, Instance, ProcessVersion
from .errors import NotFound, ServiceError
from .persist import audit
from .runtime import Runtime

START, COMPLETE, MESSAGE, TIMER = "start_work", "complete_task", "deliver_message", "fire_timers"
ACTIONS = {START: "starting work", COMPLETE: "completing a task", MESSAGE: "delivering a message",
           TIMER: "firing a timer"}
# A failing timer is tried again after these waits, then once a day: a fix deployed meanwhile is picked up,
# and a broken diagram does not keep a worker busy.
BACK_OFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
            timedelta(hours=6), timedelta(days=1))


class NeedsAttention(ServiceError):
    """The work could not go on because of its diagram; an incident was recorded for a process owner."""

    status = 409

    def __init__(self, message: str, incident_id: int) -> None:
        super().__init__(message)
        self.incident_id = incident_id


@dataclass(frozen=True)
class Attempt:
    """What somebody (or the timer worker) tried: enough to find the case and to try it again."""

    action: str
    actor: str
    instance_id: int | None = None
    task_id: str | None = None
    case_id: int | None = None
    process_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """One open incident per case and failing step, however often it is tried."""
        where = f"instance:{self.instance_id}" if self.instance_id else f"case:{self.case_id}:{self.process_id}"
        return f"{self.action}:{where}:{self.task_id or self.data.get('message') or ''}"[:300]


@dataclass(frozen=True)
class IncidentView:
    id: int
    instance_id: int | None
    case_id: int | None
    family_name: str | None
    process_id: str
    version: int | None
    action: str
    task_id: str | None
    element_id: str | None
    element_name: str | None
    message: str
    raised_at: datetime
    raised_by: str
    last_at: datetime
    attempts: int
    next_try_at: datetime | None
    resolved: bool
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def doing(self) -> str:
        return ACTIONS.get(self.action, self.action)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("raised_at", "last_at", "next_try_at", "resolved_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def record(rt: Runtime, attempt: Attempt, failure: Failure, also: Callable[[Session], None] | None = None,
           back_off: bool = False) -> int:
    """Write (or update) the open incident of a failed attempt, in its own transaction; returns its id.

    Call it after the failed transaction rolled back. `also` runs in the same transaction (keeping a
    caseworker's answers as the task's draft, say). With `back_off` the next try waits (timers).
    """
    for _ in range(2):  # a second worker may insert the same open incident first: then update that one
        try:
            with rt.transaction() as session:
                incident = _write(session, rt.now(), attempt, failure, back_off)
                if also is not None:
                    also(session)
                return incident.id
        except IntegrityError:
            continue
    raise ServiceError("the incident could not be recorded; try again")


def needs_attention(rt: Runtime, attempt: Attempt, failure: Failure, what: str,
                    also: Callable[[Session], None] | None = None) -> NeedsAttention:
    """Record the incident and the caseworker's message: `what` says what was kept of their work."""
    incident_id = record(rt, attempt, failure, also)
    where = f" at {failure.element_name!r}" if failure.element_name else ""
    return NeedsAttention(f"This case needs attention: the procedure's diagram has a problem{where}, so the work "
                          f"cannot go on yet. {what} A process owner has been told (incident {incident_id}) and "
                          f"will put it right.", incident_id)


def resolve(session: Session, attempt: Attempt, now: datetime, how: str) -> None:
    """Close the open incident of this step, if there is one: the step has now succeeded (same transaction)."""
    # A plain statement on the table: the step's own unit of work holds no incident, and needs no flush first.
    session.connection().execute(_RESOLVE, {"b_key": attempt.key, "b_at": now, "b_by": attempt.actor, "b_how": how})


_RESOLVE = update(Incident.__table__).where(Incident.__table__.c.open_key == bindparam("b_key")).values(
    resolved=True, resolved_at=bindparam("b_at"), resolved_by=bindparam("b_by"), resolution=bindparam("b_how"),
    open_key=None)  # built once: every step that succeeds may close its incident


def is_open(key: ColumnElement[str]) -> Exists:
    """A condition: the step whose Attempt.key is `key` (a bound value or one built in SQL) has an open incident;
    read with the step's own statement, so that a step that succeeds closes one only when there is one."""
    return exists().where(Incident.__table__.c.open_key == key)


def dismiss(rt: Runtime, incident_id: int, actor: str, note: str = "") -> None:
    """A process owner closes an incident that needs nothing more (the work was cancelled, say)."""
    with rt.transaction() as session:
        incident = open_incident(session, incident_id)
        close(session, incident, rt.now(), actor, f"dismissed{': ' + note if note else ''}")


def close(session: Session, incident: Incident, now: datetime, actor: str, how: str) -> None:
    incident.resolved, incident.resolved_at, incident.resolved_by = True, now, actor
    incident.resolution, incident.open_key = how[:500], None
    audit(session, now, actor, "incident_resolved", case_id=incident.case_id, instance_id=incident.instance_id,
          name=incident.element_name, incident=incident.id, resolution=how)


def list_incidents(rt: Runtime, open_only: bool = True, process_id: str | None = None,
                   instance_id: int | None = None) -> list[IncidentView]:
    """Incidents, newest first; by default only those still open."""
    with rt.reading() as session:
        query = select(Incident).order_by(Incident.id.desc())
        if open_only:
            query = query.where(Incident.resolved.is_(False))
        if process_id:
            query = query.where(Incident.process_id == process_id)
        if instance_id:
            query = query.where(Incident.instance_id == instance_id)
        return _views(session, list(session.scalars(query)))


def count_open(rt: Runtime) -> int:
    with rt.reading() as session:
        return session.scalar(select(func.count()).select_from(Incident).where(Incident.resolved.is_(False)))


def get_incident(rt: Runtime, incident_id: int) -> IncidentView:
    with rt.reading() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        return _views(session, [incident])[0]


def retry_due(now: datetime | BindParameter) -> Select:
    """Instances whose failing timer waits for its next try: the timer worker leaves them until then."""
    # No NULL may reach the NOT IN this feeds (it would leave every timer out): timer incidents have a case.
    return select(Incident.instance_id).where(Incident.action == TIMER, Incident.resolved.is_(False),
                                              Incident.instance_id.is_not(None), Incident.next_try_at > now)


def retry_now(session: Session, instance_id: int) -> None:
    """The case changed (moved to a fixed version): its failing timer is tried again on the worker's next round."""
    session.execute(update(Incident).where(Incident.instance_id == instance_id, Incident.action == TIMER,
                                           Incident.resolved.is_(False)).values(next_try_at=None))


def back_off(attempts: int) -> timedelta:
    return BACK_OFF[min(max(attempts, 1), len(BACK_OFF)) - 1]


# --- internals ----------------------------------------------------------------------------------------------

def _write(session: Session, now: datetime, attempt: Attempt, failure: Failure, with_back_off: bool) -> Incident:
    incident = session.scalars(select(Incident).where(Incident.open_key == attempt.key)).first()
    if incident is not None:
        incident.attempts += 1
        incident.last_at, incident.message = now, failure.message
    else:
        incident = Incident(action=attempt.action, raised_at=now, raised_by=attempt.actor, last_at=now, attempts=1,
                            message=failure.message, element_id=failure.element_id,
                            element_name=failure.element_name, data=dict(attempt.data), task_id=attempt.task_id,
                            open_key=attempt.key, resolved=False, **_whose(session, attempt))
        session.add(incident)
        session.flush()
        audit(session, now, attempt.actor, "incident_raised", case_id=incident.case_id,
              instance_id=incident.instance_id, task_id=attempt.task_id, name=failure.element_name,
              incident=incident.id, error=failure.message, doing=ACTIONS.get(attempt.action))
    incident.next_try_at = now + back_off(incident.attempts) if with_back_off else None
    return incident


def _whose(session: Session, attempt: Attempt) -> dict[str, Any]:
    """The case, process and version the attempt was on, read again after the rollback."""
    instance = session.get(Instance, attempt.instance_id) if attempt.instance_id else None
    if instance is not None:
        return dict(instance_id=instance.id, case_id=instance.case_id, process_id=instance.process_id,
                    process_version_id=instance.process_version_id)
    newest = session.scalars(select(ProcessVersion.id).where(ProcessVersion.process_id == attempt.process_id)
                             .order_by(ProcessVersion.version.desc()).limit(1)).first()
    return dict(instance_id=None, case_id=attempt.case_id, process_id=attempt.process_id or "-",
                process_version_id=newest)


def open_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident.resolved:
        raise ServiceError(f"incident {incident_id} is already resolved ({incident.resolution})")
    return incident


def _views(session: Session, incidents: list[Incident]) -> list[IncidentView]:
    versions = dict(session.execute(select(ProcessVersion.id, ProcessVersion.version).where(
        ProcessVersion.id.in_({i.process_version_id for i in incidents if i.process_version_id}))).all())
    families = dict(session.execute(select(Case.id, Case.family_name).where(
        Case.id.in_({i.case_id for i in incidents if i.case_id}))).all())
    return [IncidentView(
        i.id, i.instance_id, i.case_id, families.get(i.case_id), i.process_id, versions.get(i.process_version_id),
        i.action, i.task_id, i.element_id, i.element_name, i.message, i.raised_at, i.raised_by, i.last_at,
        i.attempts, i.next_try_at, i.resolved, i.resolved_at, i.resolved_by, i.resolution, dict(i.data or {}))
        for i in incidents]

