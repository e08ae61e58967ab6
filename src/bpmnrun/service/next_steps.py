"""What happens after a task is finished: the steps it made ready (with their team or person and due date), or
the end the work reached. Read from the task rows a completion wrote in the same moment; no workflow state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..store.models import Event, Instance, Task
from .next_step import NextStep, display_names
from .runtime import Runtime
from .tasks import visible_task


@dataclass(frozen=True)
class AfterCompletion:
    task_id: str
    task_name: str
    case_id: int
    instance_id: int
    status: str
    end_event: str | None
    next_steps: tuple[NextStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "end_event": self.end_event,
                "next_steps": [s.to_json() for s in self.next_steps]}


def _made_ready_by(session, task: Task) -> list[Task]:
    """The tasks this task's completion made ready: their audit events name it (`after`)."""
    events = session.execute(select(Event.task_id, Event.detail).where(
        Event.instance_id == task.instance_id, Event.action == "task_ready", Event.id > _completed_event(session, task)))
    ids = [task_id for task_id, detail in events if (detail or {}).get("after") == task.id]
    if not ids:
        return []
    return list(session.scalars(select(Task).where(Task.id.in_(ids)).options(selectinload(Task.teams))
                                .order_by(Task.position)))


def _completed_event(session, task: Task) -> int:
    found = session.scalar(select(Event.id).where(Event.task_id == task.id, Event.action == "task_completed")
                           .order_by(Event.id.desc()).limit(1))
    return found or 0


def after_completion(rt: Runtime, task_id: str, user: str) -> AfterCompletion:
    """Where the work went when this (finished) task was completed."""
    with rt.reading() as session:
        task = visible_task(session, task_id, user, done_by_them=True)
        instance = session.get(Instance, task.instance_id)
        made = _made_ready_by(session, task)
        people = display_names(session, (t.assignee for t in made))
        steps = tuple(NextStep(t.name, tuple(team.team for team in t.teams) or (t.lane or "",),
                               people.get(t.assignee, t.assignee) if t.assignee else None, t.due_at,
                               tuple(c.get("name") for c in t.children or []))
                      for t in made if t.state != "cancelled")
        return AfterCompletion(task.id, task.name, task.case_id, instance.id, instance.status, instance.end_event,
                               steps)
