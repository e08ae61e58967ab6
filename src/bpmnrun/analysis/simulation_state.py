"""What a simulated case waits for, and what a process asks at its start, read from the store and the deployed
diagram (never a workflow's state): open tasks with their forms, awaited messages, the next timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..library.files import NS
from ..service import instances
from ..service.catalogue import deployed_sources
from ..service.runtime import Runtime
from ..store.models import Instance, Task, Timer


@dataclass(frozen=True)
class OpenTask:
    id: str
    bpmn_id: str
    name: str
    lane: str | None
    teams: tuple[str, ...]
    assignee: str | None
    form: list[dict[str, Any]]


@dataclass(frozen=True)
class Waiting:
    status: str
    messages: tuple[str, ...]
    tasks: tuple[OpenTask, ...]
    next_timer: datetime | None


def waiting(rt: Runtime, instance_id: int) -> Waiting:
    """What one case waits for, from its instance, task and timer rows."""
    with rt.reading() as session:
        status, messages, timer_count = session.execute(
            select(Instance.status, Instance.waiting_messages, Instance.timer_count)
            .where(Instance.id == instance_id)).one()
        if status != "running":
            return Waiting(status, (), (), None)
        rows = session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
                               .options(selectinload(Task.teams)).order_by(Task.position))
        open_tasks = tuple(OpenTask(t.id, t.bpmn_id, t.name, t.lane, tuple(team.team for team in t.teams),
                                    t.assignee, list(t.form or [])) for t in rows)
        due = session.scalar(select(func.min(Timer.due_at)).where(Timer.instance_id == instance_id)) \
            if timer_count else None
        return Waiting(status, tuple(messages or ()), open_tasks, due)


@dataclass(frozen=True)
class Start:
    """What starting the process asks: its start form's fields, and the most children one piece of work is for."""

    form: list[dict[str, Any]]
    most_children: int | None


def start_of(rt: Runtime, process_id: str) -> Start:
    form = instances.start_form(rt, process_id).to_json()
    xml = deployed_sources(rt, process_id).sources[process_id]
    tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    most = None
    for prop in tree.iterfind(f"bpmn:process[@id='{process_id}']/bpmn:startEvent/bpmn:extensionElements/"
                              "camunda:properties/camunda:property", NS):
        if prop.get("name") == "max_children" and (prop.get("value") or "").strip().isdigit():
            most = int(prop.get("value").strip())
    return Start(form, most)
