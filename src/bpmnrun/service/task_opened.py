"""When a worker first opened a task (contract 3 of issue 13): the moment its waiting ends and its working begins.

Recorded the first time only, by the task page and by claiming (and by the simulator's workers); never
changed afterwards, so a task looked at again weeks later keeps the moment work on it began.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update

from ..store.models import Task
from .runtime import Runtime


def record_opened(rt: Runtime, task_id: str, user: str) -> None:
    """Set the task's opened_at (rt.clock.now()) and opened_by, unless already set or the task is closed.

    One UPDATE guarded by `opened_at IS NULL`: two workers opening at once cannot overwrite the first, and no
    row is read or locked beyond the task's own. An unknown task id does nothing (the caller's read said so).
    """
    with rt.transaction() as session:
        session.connection().execute(_RECORD, {"b_id": str(task_id), "b_at": rt.clock.now(), "b_by": user})


_TASK = Task.__table__
_RECORD = (update(_TASK).where(_TASK.c.id == bindparam("b_id"), _TASK.c.opened_at.is_(None), _TASK.c.state == "ready")
           .values(opened_at=bindparam("b_at"), opened_by=bindparam("b_by")))  # built once: every task page asks it
