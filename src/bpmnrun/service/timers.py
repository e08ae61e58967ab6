"""Firing due timers: what `bpmnrun worker` runs.

On PostgreSQL the due instances are claimed with SELECT … FOR UPDATE SKIP LOCKED, so several
workers share the work without firing one timer twice; on SQLite one writer runs at a time anyway.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..engine import engine
from ..engine.engine import EngineError
from ..store.models import Instance, Timer
from . import workflows
from .persist import apply_snapshot, audit
from .runtime import Runtime

WORKER = "timer"


def fire_due_timers(rt: Runtime, limit: int = 100) -> int:
    """Fire every timer past due, one instance per transaction. Returns how many instances moved.

    A timer is past due once the clock is beyond its due time (SpiffWorkflow compares strictly).
    """
    moved = 0
    for instance_id in _due_instances(rt, limit):
        if _fire_instance(rt, instance_id):
            moved += 1
    return moved


def _due_instances(rt: Runtime, limit: int) -> list[int]:
    with rt.reading() as session:
        query = (select(Timer.instance_id).where(Timer.due_at < rt.now())
                 .group_by(Timer.instance_id).order_by(Timer.instance_id).limit(limit))
        return list(session.scalars(query))


def _fire_instance(rt: Runtime, instance_id: int) -> bool:
    try:
        with rt.transaction() as session:
            query = select(Instance).where(Instance.id == instance_id, Instance.status == "running")
            if not rt.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            instance = session.scalars(query).first()
            if instance is None:
                return False  # another worker has it, or it ended
            workflow = workflows.load(rt, session, instance)
            try:
                snapshot = engine.fire_timers(workflow)
            except EngineError as exc:
                instance.status = "error"
                audit(session, rt.now(), WORKER, "instance_error", case_id=instance.case_id,
                      instance_id=instance.id, error=str(exc))
                return False
            apply_snapshot(session, instance, snapshot, WORKER, rt.now())
        workflows.remember(rt, instance, workflow)
        return any(e.kind == "timer_fired" for e in snapshot.events)
    except StaleDataError:
        return False  # a user moved the case at the same moment; the timer fires on the next round
