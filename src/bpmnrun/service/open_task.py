"""A task read to be worked on: the task, its teams, its case work, the worker's teams and whether an incident
of this step is open, in one statement (the completion's hot path; service/tasks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, String, bindparam, cast, func, select
from sqlalchemy.orm import Session

from ..store.models import Case, Instance, Task, TaskTeam, User
from . import incidents
from .persist import InstanceRef

SEPARATOR = "\x1f"  # never in a team name or a task id


@dataclass
class OpenTask:
    id: str
    name: str
    case_id: int
    state: str
    assignee: str | None
    draft: dict[str, Any]
    teams: frozenset[str]
    instance: InstanceRef
    open_ids: frozenset[str]  # the case work's open task rows, this one among them
    case_status: str | None
    user_teams: frozenset[str] | None  # None: no such user
    incident_open: bool

    def workable_by(self, username: str) -> bool:
        """Open, and the worker's: theirs, or, while nobody holds it, one of their teams'."""
        if self.state != "ready" or self.user_teams is None:
            return False
        if self.assignee:
            return self.assignee == username
        return bool(self.teams & self.user_teams)


def read_open_task(session: Session, task_id: str, username: str, action: str) -> OpenTask | None:
    """None when there is no such task. `action`: the incident action this step resolves when it succeeds."""
    row = session.connection().execute(_QUERY, {"task_id": str(task_id), "username": username,
                                                "key_head": f"{action}:instance:", "key_tail": f":{task_id}"}
                                       ).one_or_none()
    if row is None:
        return None
    instance = InstanceRef(id=row.instance_id, case_id=row.case_id, revision=row.revision, status=row.status,
                           timer_count=row.timer_count, process_version_id=row.process_version_id,
                           end_event=row.end_event)
    user_teams = None if row.user_teams is None else frozenset(row.user_teams)
    return OpenTask(id=row.id, name=row.name, case_id=row.case_id, state=row.state, assignee=row.assignee,
                    draft=row.draft or {}, teams=split_joined(row.teams), instance=instance,
                    open_ids=split_joined(row.open_ids), case_status=row.case_status, user_teams=user_teams,
                    incident_open=bool(row.incident_open))


def _query():
    """Built once: the statement is the same for every task, its values bound at each call."""
    task, team, instance, case = Task.__table__, TaskTeam.__table__, Instance.__table__, Case.__table__
    teams = select(func.aggregate_strings(team.c.team, SEPARATOR)).where(team.c.task_id == task.c.id)
    user_teams = select(User.__table__.c.teams).where(User.__table__.c.username == bindparam("username"))
    # The key incidents.Attempt gives this step (action:instance:<id>:<task id>), built in SQL.
    key = bindparam("key_head", type_=String) + cast(instance.c.id, String) + bindparam("key_tail", type_=String)
    return (select(task.c.id, task.c.name, task.c.case_id, task.c.state, task.c.assignee, task.c.draft,
                   task.c.instance_id, instance.c.revision, instance.c.status, instance.c.timer_count,
                   instance.c.process_version_id, instance.c.end_event, case.c.case_status,
                   teams.scalar_subquery().label("teams"), open_task_ids(task.c.instance_id).label("open_ids"),
                   user_teams.scalar_subquery().label("user_teams"), incidents.is_open(key).label("incident_open"))
            .join_from(task, instance, instance.c.id == task.c.instance_id)
            .join(case, case.c.id == task.c.case_id)
            .where(task.c.id == bindparam("task_id")))


def open_task_ids(instance_id: ColumnElement[int]) -> ScalarSelect:
    """The ids of a case work's open tasks, joined by SEPARATOR (split_joined reads them), read with a step's own
    statement: the step then needs no read of them before it writes."""
    others = Task.__table__.alias("open_task")
    return select(func.aggregate_strings(others.c.id, SEPARATOR)).where(
        others.c.instance_id == instance_id, others.c.state == "ready").scalar_subquery()


_QUERY = _query()


def split_joined(joined: str | None) -> frozenset[str]:
    """The values of an aggregate_strings(…, SEPARATOR) read: ids or team names."""
    return frozenset(joined.split(SEPARATOR)) if joined else frozenset()
