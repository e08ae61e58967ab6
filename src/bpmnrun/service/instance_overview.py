"""A piece of work and its open tasks, as the API answers a start or a completion: one prebuilt statement, read
as plain rows (no ORM objects to build on the hot path)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, select

from ..store.models import Case, Instance, ProcessVersion, Task, TaskTeam
from .errors import NotFound
from .queries import INSTANCE_COLUMNS
from .runtime import Runtime
from .task_rows import LISTED, listed_view, with_teams
from .views import InstanceView, TaskView

_QUERY = (select(*INSTANCE_COLUMNS, Case.family_name, *LISTED, TaskTeam.team)
          .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
          .join(Case, Case.id == Instance.case_id)
          .outerjoin(Task, and_(Task.instance_id == Instance.id, Task.state == "ready", Instance.status == "running"))
          .outerjoin(TaskTeam, TaskTeam.task_id == Task.id)
          .where(Instance.id == bindparam("instance_id")).order_by(Task.position, TaskTeam.team))


def instance_overview(rt: Runtime, instance_id: int) -> tuple[InstanceView, list[TaskView]]:
    """The work, and its open tasks (none once it has ended) with their teams, as a listing shows them."""
    with rt.one_read() as connection:
        rows = connection.execute(_QUERY, {"instance_id": instance_id}).all()
    if not rows:
        raise NotFound(f"no case work {instance_id}")
    first = rows[0]
    view = InstanceView(*first[:len(INSTANCE_COLUMNS) - 1], tuple(first.waiting_messages or ()))
    tasks, teams = with_teams(rows)
    return view, [listed_view(row, first.family_name, teams[task_id]) for task_id, row in tasks.items()]
