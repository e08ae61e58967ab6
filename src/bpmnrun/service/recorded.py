"""What has been recorded so far in a piece of work (its called processes included), step by step: what a
worker reads above a task's form so that nothing is asked twice — the Front Door screener sees the Social
Worker's Sections 1 and 2, TAC Admin the Note naming the External Lead Professional.

Read from the task rows (each keeps its form, so answers carry their own labels and option names) and the
start of the work; never from workflow state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import engine
from ..store.models import Event, Instance, Task
from .answers import answers
from .case_timeline import display_names
from .deploy import parsed_spec
from .runtime import Runtime
from .tasks import visible_task

STARTED = "Work started"


@dataclass(frozen=True)
class RecordedStep:
    """One finished step (or the start of the work) and its answers, in words."""

    name: str
    who: str
    at: datetime
    children: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "who": self.who, "at": self.at.isoformat(), "children": list(self.children),
                "answers": [{"label": label, "text": said} for label, said in self.answers]}


def recorded_so_far(rt: Runtime, task_id: str, actor: str) -> list[RecordedStep]:
    """The steps finished before this task in its piece of work, oldest first, with what each recorded."""
    with rt.reading() as session:
        task = visible_task(session, task_id, actor)
        return steps_of(rt, session, task.instance_id, before=task)


def steps_of(rt: Runtime, session: Session, instance_id: int, before: Task | None = None) -> list[RecordedStep]:
    people = display_names(session)
    query = select(Task).where(Task.instance_id == instance_id, Task.state == "completed")
    if before is not None:
        query = query.where(Task.id != before.id)
        if before.state == "completed" and before.completed_at is not None:
            query = query.where(Task.completed_at <= before.completed_at)
    rows = session.scalars(query.order_by(Task.completed_at, Task.position))
    steps = [_start(rt, session, instance_id, people)]
    for row in rows:
        fields = {f["id"]: f for f in row.form or []}
        said = tuple((label, text) for label, text in answers(row.data or {}, fields, people) if text)
        steps.append(RecordedStep(row.name, people.get(row.completed_by or "", row.completed_by or ""),
                                  row.completed_at, tuple(c.get("name") for c in row.children or []), said))
    return [s for s in steps if s is not None]


def _start(rt: Runtime, session: Session, instance_id: int, people: dict[str, str]) -> RecordedStep | None:
    """The start of the work: who started it, for which children, and its start form's answers."""
    event = session.scalars(select(Event).where(Event.instance_id == instance_id,
                                                Event.action == "instance_started").limit(1)).first()
    if event is None:
        return None
    detail = event.detail or {}
    instance = session.get(Instance, instance_id)
    form = engine.start_form(parsed_spec(rt, session, instance.process_version_id))[0]
    fields = {f["id"]: f for f in form.to_json()}
    said = tuple((label, text) for label, text in answers(detail.get("data") or {}, fields, people) if text)
    return RecordedStep(STARTED, people.get(event.actor, event.actor), event.at,
                        tuple(detail.get("subjects") or ()), said)
