"""A piece of work and its open tasks, as the API answers a start or a completion: one prebuilt statement, read
as plain rows (no ORM objects to build on the hot path)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, select

from ..store.models import Case, Instance, ProcessVersion, Task, TaskTeam
from .errors import NotFound
from .queries import INSTANCE_COLUMNS, InstanceView, TaskView
from .runtime import Runtime

_TASK = (Task.id, Task.name, Task.lane, Task.assignee, Task.state, Task.case_id, Task.instance_id, Task.process_id,
         Task.subject_name, Task.activity, Task.created_at, Task.due_at, Task.overdue, Task.priority,
         Task.completed_by, Task.completed_at, Task.children)
_QUERY = (select(*INSTANCE_COLUMNS, Case.family_name, *(c.label(f"task_{c.key}") for c in _TASK), TaskTeam.team)
          .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
          .join(Case, Case.id == Instance.case_id)
          .outerjoin(Task, and_(Task.instance_id == Instance.id, Task.state == "ready", Instance.status == "running"))
          .outerjoin(TaskTeam, TaskTeam.task_id == Task.id)
          .where(Instance.id == bindparam("instance_id")).order_by(Task.position))


def instance_overview(rt: Runtime, instance_id: int) -> tuple[InstanceView, list[TaskView]]:
    """The work, and its open tasks (none once it has ended) with their teams, as a listing shows them."""
    with rt.reading() as session:
        rows = session.connection().execute(_QUERY, {"instance_id": instance_id}).all()
    if not rows:
        raise NotFound(f"no case work {instance_id}")
    first = rows[0]
    view = InstanceView(*first[:len(INSTANCE_COLUMNS) - 1], tuple(first.waiting_messages or ()))
    teams: dict[str, list[str]] = {}
    tasks: dict[str, object] = {}
    for row in rows:
        if row.task_id is not None:
            tasks.setdefault(row.task_id, row)
            teams.setdefault(row.task_id, []).extend([row.team] if row.team else [])
    return view, [_listed(row, first.family_name, tuple(teams[task_id])) for task_id, row in tasks.items()]


def _listed(row, family_name: str, teams: tuple[str, ...]) -> TaskView:
    """As queries._task_view lists a task: without its form, draft, data or documentation."""
    return TaskView(
        id=row.task_id, name=row.task_name, lane=row.task_lane, teams=teams, assignee=row.task_assignee,
        state=row.task_state, case_id=row.task_case_id, family_name=family_name, instance_id=row.task_instance_id,
        process_id=row.task_process_id, subject_name=row.task_subject_name, activity=row.task_activity,
        created_at=row.task_created_at, due_at=row.task_due_at, overdue=row.task_overdue,
        priority=row.task_priority, form=[], draft={}, documentation=None, completed_by=row.task_completed_by,
        completed_at=row.task_completed_at, data=None,
        children=tuple(c.get("name") for c in row.task_children) if row.task_children else ())
