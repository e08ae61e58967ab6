"""Writing what the engine did: instance state, task rows, timers and audit events, in one go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from ..engine.snapshot import ReadyTask, Snapshot
from ..store.models import Case, Event, Instance, Task, TaskTeam, Timer, inbox_sort_key


AUDIT_KEY = "bpmnrun.audit"
# Audit actions that record someone reading a family's records (records.py), not a change to them: the
# family's access log shows these, its history the others.
VIEWED, LISTED, EXPORTED, BROKE_GLASS = "viewed", "listed", "exported", "break_glass"
READ_ACTIONS = (VIEWED, LISTED, EXPORTED, BROKE_GLASS)


def audit(session: Session, at: datetime, actor: str, action: str, *, case_id: int | None = None,
          instance_id: int | None = None, task_id: str | None = None, name: str | None = None,
          **detail: Any) -> None:
    """Queue an audit event; the unit of work writes all of a use case's events last, in one statement."""
    session.info.setdefault(AUDIT_KEY, []).append(
        dict(at=at, actor=actor, action=action, case_id=case_id, instance_id=instance_id,
             task_id=task_id, name=name, detail=_json_safe(detail)))


def write_audit(session: Session) -> None:
    rows = session.info.pop(AUDIT_KEY, [])
    if rows:
        # A plain executemany on the table: audit rows are never read back as objects here.
        session.connection().execute(insert(Event.__table__), rows)


def apply_snapshot(session: Session, instance: Instance, snapshot: Snapshot, actor: str, now: datetime,
                   after_task: str | None = None) -> None:
    """`after_task`: the task whose completion made this step (each task it made ready says so in the audit)."""
    instance.state = snapshot.state
    instance.status = snapshot.status
    instance.waiting_messages = list(snapshot.messages)
    if snapshot.status != "running":
        instance.ended_at = now
        instance.end_event = snapshot.end_event
    # The revision check happens when this flushes: a concurrent change raises StaleDataError.
    _sync_tasks(session, instance, snapshot, now, after_task)
    _sync_timers(session, instance, snapshot)
    _remember_case_status(session, instance, snapshot)
    for event in snapshot.events:
        if event.kind == "overdue":
            _flag_overdue(session, event.detail["task_id"])
        audit(session, now, actor, event.kind, case_id=instance.case_id, instance_id=instance.id,
              task_id=event.detail.get("task_id"), name=event.name, element=event.element_id,
              process=event.process_id, **{k: v for k, v in event.detail.items() if k != "task_id"})
    if snapshot.status != "running":
        audit(session, now, actor, f"instance_{snapshot.status}", case_id=instance.case_id,
              instance_id=instance.id, name=snapshot.end_event)


def _remember_case_status(session: Session, instance: Instance, snapshot: Snapshot) -> None:
    """The case keeps the Case Status its work last recorded (the step that recorded it is in the audit), for
    the next piece of work to start with. One conditional UPDATE: nothing read, nothing written unchanged."""
    status = snapshot.data.get("case_status")
    if isinstance(status, str) and status:
        session.execute(update(Case).where(Case.id == instance.case_id, or_(
            Case.case_status.is_(None), Case.case_status != status)).values(case_status=status))


def _sync_tasks(session: Session, instance: Instance, snapshot: Snapshot, now: datetime,
                after_task: str | None) -> None:
    # The ids alone, without a flush first: a row this unit of work already closed is known by its state.
    with session.no_autoflush:
        open_ids = set(session.scalars(select(Task.id).where(Task.instance_id == instance.id, Task.state == "ready")))
    ready = {t.id: t for t in snapshot.ready_tasks}
    position = None  # read only when a task becomes ready
    for task_id in open_ids - ready.keys():
        row = session.get(Task, task_id)
        if row.state == "ready":
            row.state = "cancelled"
            for team in row.teams:
                team.ready = False
    for task_id, task in ready.items():
        if task_id not in open_ids:
            position = _next_step_block(session, instance.id) if position is None else position + 1
            session.add(_new_task_row(instance, task, now, position))
            audit(session, now, "engine", "task_ready", case_id=instance.case_id, instance_id=instance.id,
                  task_id=task_id, name=task.name, lane=task.lane, assignee=task.assignee,
                  subject=(task.subject or {}).get("name"), children=[c.get("name") for c in task.children],
                  **({"after": after_task} if after_task else {}),
                  due_at=task.due_at)


def _next_step_block(session: Session, instance_id: int) -> int:
    """The first position of this step's new tasks: a block of 1000 above every task the instance has, so each
    task made ready by a step comes after every task before it (the event log's order at equal times rests on
    it). Not the revision: the start inserts the instance at revision 1 and leaves it there, so the step after
    the start would reuse the start's block."""
    with session.no_autoflush:
        highest = session.scalar(select(func.max(Task.position)).where(Task.instance_id == instance_id)) or 0
    pending = [row.position for row in session.new if isinstance(row, Task) and row.instance_id == instance_id]
    return (max([highest, *pending]) // 1000 + 1) * 1000 + 1


def _new_task_row(instance: Instance, task: ReadyTask, now: datetime, position: int) -> Task:
    row = Task(
        id=task.id, instance_id=instance.id, position=position, case_id=instance.case_id, process_id=task.process_id,
        bpmn_id=task.bpmn_id, name=task.name, lane=task.lane, activity=task.activity,
        subject_name=(task.subject or {}).get("name"), children=[dict(c) for c in task.children],
        state="ready", assignee=task.assignee,
        due_at=task.due_at, priority=task.priority, overdue=False, form=task.form.to_json(),
        documentation=task.documentation, draft={}, created_at=now,
    )
    place = inbox_sort_key(task.due_at, now, instance.id, position)
    row.teams = [TaskTeam(team=team, ready=True, sort_key=place) for team in dict.fromkeys(task.teams)]
    return row


def _sync_timers(session: Session, instance: Instance, snapshot: Snapshot) -> None:
    if not instance.timer_count and not snapshot.timers:
        return  # nothing was waiting and nothing waits now: no need to look
    instance.timer_count = len(snapshot.timers)
    stored = {t.task_id: t for t in session.scalars(select(Timer).where(Timer.instance_id == instance.id))}
    waiting = {t.task_id: t for t in snapshot.timers}
    for task_id, row in stored.items():
        if task_id not in waiting or waiting[task_id].due_at != row.due_at:
            session.delete(row)
    for task_id, timer in waiting.items():
        if task_id not in stored or stored[task_id].due_at != timer.due_at:
            session.add(Timer(instance_id=instance.id, task_id=task_id, name=timer.name, due_at=timer.due_at))


def _flag_overdue(session: Session, task_id: str) -> None:
    row = session.get(Task, task_id)
    if row is not None:
        row.overdue = True


def close_task_row(row: Task, actor: str, now: datetime, data: dict[str, Any]) -> None:
    row.state = "completed"
    row.completed_at = now
    row.completed_by = actor
    row.data = _json_safe(data)
    for team in row.teams:
        team.ready = False


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
