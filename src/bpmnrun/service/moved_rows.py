"""Task rows of a case moved to another version: an open task keeps its row (SpiffWorkflow keeps its id), but
its name, lane, form and teams are now the new version's, so the row and its inboxes (task_team) follow.

persist.apply_snapshot adds the rows of new tasks and cancels those of vanished ones; it leaves an open row as it
is, since in an ordinary step an open task does not change. A move is the one step where it does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..engine.snapshot import ReadyTask, Snapshot
from ..store.models import Instance, Task, TaskTeam, Timer, inbox_sort_key


def resync_open_tasks(session: Session, instance: Instance, snapshot: Snapshot, was_open: set[str]) -> None:
    """Bring the rows of tasks open before and after the move (`was_open`: row ids open before it) up to date."""
    ready = {t.id: t for t in snapshot.ready_tasks if t.id in was_open}
    if not ready:
        return
    rows = session.scalars(select(Task).where(Task.id.in_(ready)).options(selectinload(Task.teams)))
    for row in rows:
        if row.state == "ready":
            _update(row, ready[row.id], instance)


def rename_timers(session: Session, instance: Instance, snapshot: Snapshot) -> None:
    """Timer rows kept by the move (same task, same due time) take the new version's names."""
    names = {t.task_id: t.name for t in snapshot.timers}
    for row in session.scalars(select(Timer).where(Timer.instance_id == instance.id)):
        if row.task_id in names and row.name != names[row.task_id]:
            row.name = names[row.task_id]


def open_task_ids(session: Session, instance_id: int) -> set[str]:
    with session.no_autoflush:
        return set(session.scalars(select(Task.id).where(Task.instance_id == instance_id, Task.state == "ready")))


def _update(row: Task, task: ReadyTask, instance: Instance) -> None:
    row.bpmn_id, row.name, row.lane, row.activity = task.bpmn_id, task.name, task.lane, task.activity
    row.process_id, row.form, row.documentation = task.process_id, task.form.to_json(), task.documentation
    row.priority, row.due_at = task.priority, task.due_at
    row.children = [dict(c) for c in task.children]
    row.subject_name = (task.subject or {}).get("name")
    # Someone may have taken the task meanwhile: their claim stands; else the new version's assignee, if any.
    row.assignee = row.assignee or task.assignee
    _sync_teams(row, task, instance)


def _sync_teams(row: Task, task: ReadyTask, instance: Instance) -> None:
    place = inbox_sort_key(task.due_at, row.created_at, instance.id, row.position)
    wanted = list(dict.fromkeys(task.teams))
    for team in list(row.teams):
        if team.team not in wanted:
            row.teams.remove(team)  # delete-orphan: the task leaves that inbox
        else:
            team.sort_key, team.ready = place, True
    have = {t.team for t in row.teams}
    row.teams.extend(TaskTeam(team=name, ready=True, sort_key=place) for name in wanted if name not in have)

