"""When a worker first opened a task (contract 3 of issue 13): the moment its waiting ends and its working begins.

Recorded the first time only, by the task page and by claiming (and by the simulator's workers); never
changed afterwards, so a task looked at again weeks later keeps the moment work on it began.
"""

from __future__ import annotations

from sqlalchemy import update

from ..store.models import Task
from .runtime import Runtime


def record_opened(rt: Runtime, task_id: str, user: str) -> None:
    """Set the task's opened_at (rt.clock.now()) and opened_by, unless already set or the task is closed.

    One UPDATE guarded by `opened_at IS NULL`: two workers opening at once cannot overwrite the first, and no
    row is read or locked beyond the task's own. An unknown task id does nothing (the caller's read said so).
    """
    with rt.transaction() as session:
        session.execute(
            update(Task)
            .where(Task.id == str(task_id), Task.opened_at.is_(None), Task.state == "ready")
            .values(opened_at=rt.clock.now(), opened_by=user)
            .execution_options(synchronize_session=False))
