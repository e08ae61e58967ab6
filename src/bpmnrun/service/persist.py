"""Writing what the engine did: instance state, task rows, timers and audit events, in one go.

Written with a few Core statements, not the ORM's unit of work: a step is the hottest path of the runtime, and
its writes are known in advance (one guarded instance update, the new task rows, the audit rows). A use case
that holds ORM objects of the same rows sees them brought up to date here (`_sync_loaded`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Union

from sqlalchemy import BindParameter, Connection, bindparam, delete, insert, inspect, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..engine.snapshot import ReadyTask, Snapshot
from ..store.models import Case, Event, Instance, Task, TaskTeam, Timer, inbox_sort_key


AUDIT_KEY = "bpmnrun.audit"
# Audit actions that record someone reading a family's records (records.py), not a change to them: the
# family's access log shows these, its history the others.
VIEWED, LISTED, EXPORTED, BROKE_GLASS = "viewed", "listed", "exported", "break_glass"
READ_ACTIONS = (VIEWED, LISTED, EXPORTED, BROKE_GLASS)
# Each step's new tasks take positions in a block of their own above every earlier task's: the block of the
# revision the step writes (the event log's order at equal times rests on it).
STEP_BLOCK = 1000


@dataclass
class InstanceRef:
    """What a step needs of the case work it moves on, read without the ORM (tasks.complete_task)."""

    id: int
    case_id: int
    revision: int
    status: str
    timer_count: int
    process_version_id: int
    end_event: str | None = None
    ended_at: datetime | None = None


Worked = Union[Instance, InstanceRef]


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
        session.connection().execute(_SQL.insert_events, rows)


def insert_instance(session: Session, case_id: int, version_id: int, process_id: str, snapshot: Snapshot,
                    subject_ids: list[int], actor: str, now: datetime) -> InstanceRef:
    """New case work of a deployed version, as the engine began it: one INSERT. Then
    apply_snapshot(..., started=True) writes its first tasks, timers and events."""
    ended = snapshot.status != "running"
    row = dict(case_id=case_id, process_version_id=version_id, process_id=process_id, status=snapshot.status,
               state=snapshot.state, revision=1, subject_ids=subject_ids, started_at=now, started_by=actor,
               waiting_messages=list(snapshot.messages), timer_count=len(snapshot.timers),
               ended_at=now if ended else None, end_event=snapshot.end_event if ended else None)
    instance_id = session.connection().execute(_SQL.insert_instance, row).scalar_one()
    return InstanceRef(id=instance_id, case_id=case_id, revision=1, status=snapshot.status,
                       timer_count=len(snapshot.timers), process_version_id=version_id,
                       end_event=row["end_event"], ended_at=row["ended_at"])


def apply_snapshot(session: Session, instance: Worked, snapshot: Snapshot, actor: str, now: datetime,
                   after_task: str | None = None, open_ids: Iterable[str] | None = None,
                   case_status: str | None = None, moved_to: int | None = None, started: bool = False) -> None:
    """`after_task`: the task whose completion made this step (each task it made ready says so in the audit).
    `open_ids` (the instance's open task rows) and `case_status` (the case's) spare a read when already known.
    `moved_to`: the version a move puts the instance on, written with the step (one revision per step).
    `started`: the instance was inserted in this transaction from the snapshot (instances.start_work).

    Raises StaleDataError when the instance changed since it was read (optimistic locking on its revision)."""
    session.flush()  # ORM changes the use case made before the step are written first: the step's reads see them
    conn = session.connection()
    had_timers = bool(instance.timer_count)
    if started:  # inserted just now with what the engine gave: nothing to update, no task yet
        revision, open_ids = instance.revision, ()
    else:
        revision = _update_instance(conn, instance, snapshot, now, moved_to)
    if open_ids is None:
        open_ids = conn.scalars(_SQL.open_ids, {"b_id": instance.id})
    _sync_tasks(session, conn, instance, snapshot, now, after_task, set(open_ids), revision * STEP_BLOCK + 1)
    _sync_timers(conn, instance, snapshot, had_timers)
    _remember_case_status(conn, instance, snapshot, case_status)
    for event in snapshot.events:
        if event.kind == "overdue":
            _flag_overdue(session, conn, event.detail["task_id"])
        audit(session, now, actor, event.kind, case_id=instance.case_id, instance_id=instance.id,
              task_id=event.detail.get("task_id"), name=event.name, element=event.element_id,
              process=event.process_id, **{k: v for k, v in event.detail.items() if k != "task_id"})
    if snapshot.status != "running":
        audit(session, now, actor, f"instance_{snapshot.status}", case_id=instance.case_id,
              instance_id=instance.id, name=snapshot.end_event)


def _update_instance(conn: Connection, instance: Worked, snapshot: Snapshot, now: datetime,
                     moved_to: int | None) -> int:
    """One UPDATE guarded by the revision read; returns the new revision."""
    values: dict[str, Any] = dict(state=snapshot.state, status=snapshot.status, waiting_messages=list(snapshot.messages),
                                  timer_count=len(snapshot.timers), revision=instance.revision + 1)
    ended = snapshot.status != "running"
    if ended:
        values.update(ended_at=now, end_event=snapshot.end_event)
    statement = _SQL.ended if ended else _SQL.moved_on
    if moved_to is not None:
        values["process_version_id"] = moved_to
        statement = statement.values(process_version_id=bindparam("b_process_version_id"))
    done = conn.execute(statement, {"b_id": instance.id, "b_read": instance.revision,
                                    **{f"b_{key}": value for key, value in values.items()}})
    if done.rowcount != 1:
        raise StaleDataError(f"case work {instance.id} changed since revision {instance.revision} was read")
    _sync_loaded(instance, values)
    return values["revision"]


def _sync_loaded(target: Any, values: dict[str, Any]) -> None:
    """The object the caller holds shows what was written: as committed state when the ORM maps it, so its own
    unit of work does not write it again; an InstanceRef keeps what it has fields for."""
    mapped = inspect(target, raiseerr=False) is not None
    for key, value in values.items():
        if mapped:
            set_committed_value(target, key, value)
        elif hasattr(target, key):
            setattr(target, key, value)


def _remember_case_status(conn: Connection, instance: Worked, snapshot: Snapshot, known: str | None) -> None:
    """The case keeps the Case Status its work last recorded (the step that recorded it is in the audit), for
    the next piece of work to start with. One conditional UPDATE, and none when the case already holds it."""
    status = snapshot.data.get("case_status")
    if isinstance(status, str) and status and status != known:
        conn.execute(_SQL.case_status, {"b_id": instance.case_id, "b_status": status})


def _sync_tasks(session: Session, conn: Connection, instance: Worked, snapshot: Snapshot, now: datetime,
                after_task: str | None, open_ids: set[str], first_position: int) -> None:
    ready = {t.id: t for t in snapshot.ready_tasks}
    _cancel_tasks(session, conn, sorted(open_ids - ready.keys()))
    new = [task for task_id, task in ready.items() if task_id not in open_ids]
    rows, teams = [], []
    for position, task in enumerate(new, start=first_position):
        row, row_teams = _new_task_row(instance, task, now, position)
        rows.append(row)
        teams.extend(row_teams)
        audit(session, now, "engine", "task_ready", case_id=instance.case_id, instance_id=instance.id,
              task_id=task.id, name=task.name, lane=task.lane, assignee=task.assignee,
              subject=(task.subject or {}).get("name"), children=[c.get("name") for c in task.children],
              **({"after": after_task} if after_task else {}),
              due_at=task.due_at)
    if rows:
        conn.execute(_SQL.insert_tasks, rows)
    if teams:
        conn.execute(_SQL.insert_teams, teams)


def _new_task_row(instance: Worked, task: ReadyTask, now: datetime, position: int) -> tuple[dict, list[dict]]:
    row = dict(
        id=task.id, instance_id=instance.id, position=position, case_id=instance.case_id, process_id=task.process_id,
        bpmn_id=task.bpmn_id, name=task.name, lane=task.lane, activity=task.activity,
        subject_name=(task.subject or {}).get("name"), children=[dict(c) for c in task.children],
        state="ready", assignee=task.assignee,
        due_at=task.due_at, priority=task.priority, overdue=False, form=task.form.to_json(),
        documentation=task.documentation, draft={}, data=None, created_at=now,
        completed_at=None, completed_by=None, opened_at=None, opened_by=None,
    )
    place = inbox_sort_key(task.due_at, now, instance.id, position)
    return row, [dict(task_id=task.id, team=team, ready=True, sort_key=place) for team in dict.fromkeys(task.teams)]


def _sync_timers(conn: Connection, instance: Worked, snapshot: Snapshot, had_timers: bool) -> None:
    if not had_timers and not snapshot.timers:
        return  # nothing was waiting and nothing waits now: no need to look
    stored = {row.task_id: row for row in conn.execute(_SQL.timers_of, {"b_id": instance.id})}
    waiting = {t.task_id: t for t in snapshot.timers}
    gone = [row.id for task_id, row in stored.items()
            if task_id not in waiting or waiting[task_id].due_at != row.due_at]
    if gone:
        conn.execute(_SQL.delete_timers, {"b_ids": gone})
    added = [dict(instance_id=instance.id, task_id=task_id, name=timer.name, due_at=timer.due_at)
             for task_id, timer in waiting.items() if task_id not in stored or stored[task_id].due_at != timer.due_at]
    if added:
        conn.execute(_SQL.insert_timers, added)


def close_task_row(session: Session, task_id: str, actor: str, now: datetime, data: dict[str, Any]) -> None:
    """The task is done: raises StaleDataError when it was no longer open (a concurrent completion)."""
    conn = session.connection()
    done = conn.execute(_SQL.close_task, {"b_id": task_id, "b_at": now, "b_by": actor, "b_data": _json_safe(data)})
    if done.rowcount != 1:
        raise StaleDataError(f"task {task_id} is no longer open")
    conn.execute(_SQL.leave_inbox, {"b_id": task_id})
    _forget_loaded(session, [task_id])


def _cancel_tasks(session: Session, conn: Connection, task_ids: list[str]) -> None:
    if task_ids:
        conn.execute(_SQL.cancel_tasks, {"b_ids": task_ids})  # a task closed by now stays as it was closed
        _leave_inboxes(session, conn, task_ids)


def _flag_overdue(session: Session, conn: Connection, task_id: str) -> None:
    conn.execute(_SQL.flag_overdue, {"b_id": task_id})
    _forget_loaded(session, [task_id])


def _leave_inboxes(session: Session, conn: Connection, task_ids: list[str]) -> None:
    conn.execute(_SQL.leave_inboxes, {"b_ids": task_ids})
    _forget_loaded(session, task_ids)


def _forget_loaded(session: Session, task_ids: list[str]) -> None:
    """An ORM copy of a task row the session holds is read again when next used."""
    for task_id in task_ids:
        loaded = session.identity_map.get(identity_key(Task, task_id))
        if loaded is not None:
            session.expire(loaded)


class _Statements:
    """Built once, their values bound at each step: building a statement costs more than running it here."""

    def __init__(self) -> None:
        task, team, instance = Task.__table__, TaskTeam.__table__, Instance.__table__
        timer, case = Timer.__table__, Case.__table__
        moved_on = {key: bindparam(f"b_{key}") for key in ("state", "status", "waiting_messages", "timer_count",
                                                           "revision")}
        guard = (instance.c.id == bindparam("b_id"), instance.c.revision == bindparam("b_read"))
        self.insert_instance = insert(instance).returning(instance.c.id)
        self.moved_on = update(instance).where(*guard).values(**moved_on)
        self.ended = update(instance).where(*guard).values(**moved_on, ended_at=bindparam("b_ended_at"),
                                                           end_event=bindparam("b_end_event"))
        self.open_ids = select(task.c.id).where(task.c.instance_id == bindparam("b_id"), task.c.state == "ready")
        self.insert_tasks, self.insert_teams = insert(task), insert(team)
        self.close_task = update(task).where(task.c.id == bindparam("b_id"), task.c.state == "ready").values(
            state="completed", completed_at=bindparam("b_at"), completed_by=bindparam("b_by"),
            data=bindparam("b_data"))
        self.cancel_tasks = update(task).where(task.c.id.in_(_many()), task.c.state == "ready").values(
            state="cancelled")
        self.flag_overdue = update(task).where(task.c.id == bindparam("b_id")).values(overdue=True)
        self.leave_inboxes = update(team).where(team.c.task_id.in_(_many())).values(ready=False)
        # One task's rows by id: no IN list to expand on a completion's path.
        self.leave_inbox = update(team).where(team.c.task_id == bindparam("b_id")).values(ready=False)
        self.timers_of = select(timer.c.id, timer.c.task_id, timer.c.due_at).where(
            timer.c.instance_id == bindparam("b_id"))
        self.delete_timers = delete(timer).where(timer.c.id.in_(_many()))
        self.insert_timers = insert(timer)
        self.case_status = update(case).where(case.c.id == bindparam("b_id"), or_(
            case.c.case_status.is_(None), case.c.case_status != bindparam("b_status"))).values(
            case_status=bindparam("b_status"))
        self.insert_events = insert(Event.__table__)


def _many() -> BindParameter:
    return bindparam("b_ids", expanding=True)


_SQL = _Statements()


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
