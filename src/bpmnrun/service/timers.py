"""Firing due timers: what `bpmnrun worker` runs.

On PostgreSQL the due instances are claimed with SELECT … FOR UPDATE SKIP LOCKED, so several
workers share the work without firing one timer twice; on SQLite one writer runs at a time anyway.

A timer whose firing fails (the diagram's next step cannot be evaluated) is never lost: its transaction rolls
back, so the timer row stays, and an incident records the failure with the attempts so far and the time of the
next try. The worker leaves the instance alone until then (incidents.BACK_OFF), and the step that finally
succeeds — after a fix, or after the case was moved to a fixed version — resolves the incident.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm.exc import StaleDataError

from ..engine import engine, failures
from ..engine.engine import EngineError
from ..store.models import Instance, Timer
from . import incidents, workflows
from .open_task import open_task_ids, split_joined
from .persist import InstanceRef, apply_snapshot
from .runtime import Runtime

WORKER = "timer"


def fire_due_timers(rt: Runtime, limit: int = 100) -> int:
    """Fire every timer past due, one instance per transaction. Returns how many instances moved.

    A timer is past due once the clock is beyond its due time (SpiffWorkflow compares strictly).
    """
    moved = 0
    for instance_id in _due_instances(rt, limit):
        try:
            if fire_instance(rt, instance_id):
                moved += 1
        except incidents.NeedsAttention:
            continue  # recorded, with its next try; the other instances still fire
    return moved


def fire_instance(rt: Runtime, instance_id: int, actor: str = WORKER) -> bool:
    """Fire the instance's due timers now. Returns whether one fired; raises NeedsAttention when the diagram
    fails (the incident records it, with back-off for the worker)."""
    attempt = incidents.Attempt(incidents.TIMER, actor, instance_id=instance_id)
    try:
        with rt.transaction() as session:
            row = session.connection().execute(_RUNNING if rt.db.is_sqlite else _RUNNING_LOCKED,
                                               {"b_id": instance_id, "b_key": attempt.key}).one_or_none()
            if row is None:
                return False  # another worker has it, or it ended
            instance = InstanceRef(*row[:len(_INSTANCE_COLUMNS)])
            workflow = workflows.load(rt, session, instance)
            snapshot = engine.fire_timers(workflow)
            apply_snapshot(session, instance, snapshot, actor, rt.now(), open_ids=split_joined(row.open_ids))
            fired = any(e.kind == "timer_fired" for e in snapshot.events)
            if fired and row.incident_open:
                incidents.resolve(session, attempt, rt.now(), "the timer fired")
        workflows.remember(rt, instance, workflow, len(snapshot.state))
        return fired
    except StaleDataError:
        return False  # a user moved the case at the same moment; the timer fires on the next round
    except EngineError as exc:
        incident_id = incidents.record(rt, attempt, failures.describe(exc), back_off=True)
        raise incidents.NeedsAttention(f"the timers of case work {instance_id} could not fire: see incident "
                                       f"{incident_id}", incident_id) from None


def _due_instances(rt: Runtime, limit: int) -> list[int]:
    with rt.one_read() as connection:
        return list(connection.scalars(_DUE, {"b_now": rt.now(), "b_limit": limit}))


_INSTANCE_COLUMNS = tuple(f.name for f in fields(InstanceRef))


def _running() -> tuple[Select, Select]:
    """Built once: the case work a timer moves on, as a step needs it (its state is read only when the workflow
    is not cached), with its open tasks' ids and whether an incident of its timers is open; on PostgreSQL
    locked, skipping work another worker holds."""
    instance = Instance.__table__
    query = (select(*(instance.c[name] for name in _INSTANCE_COLUMNS), open_task_ids(instance.c.id).label("open_ids"),
                    incidents.is_open(bindparam("b_key")).label("incident_open"))
             .where(instance.c.id == bindparam("b_id"), instance.c.status == "running"))
    return query, query.with_for_update(of=instance, skip_locked=True)


_RUNNING, _RUNNING_LOCKED = _running()
# Built once: the worker asks it every round.
_DUE = (select(Timer.instance_id).where(Timer.due_at < bindparam("b_now"))
        .where(Timer.instance_id.not_in(incidents.retry_due(bindparam("b_now"))))
        .group_by(Timer.instance_id).order_by(Timer.instance_id).limit(bindparam("b_limit")))
