"""What a simulated case waits for, and what a process asks at its start, read from the store and the deployed
diagram (never a workflow's state): open tasks with their forms, awaited messages, the next timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import and_, bindparam, func, select

from ..library.files import NS
from ..service import instances
from ..service.catalogue import deployed_sources
from ..service.runtime import Runtime
from ..store.models import Instance, Task, TaskTeam, Timer

# Built once, and asked in one statement without an ORM session: a simulation asks it after every step of every
# case, and reads only the columns a simulated worker needs (never a task's data, draft or documentation). The
# teams are ordered by name so that "the task's first team" is the same on every database.
_NEXT_TIMER = select(func.min(Timer.due_at)).where(Timer.instance_id == Instance.id).scalar_subquery()
_STATE = (select(Instance.status, Instance.waiting_messages, _NEXT_TIMER.label("next_timer"), Task.id, Task.bpmn_id,
                 Task.name, Task.lane, Task.assignee, Task.form, TaskTeam.team)
          .select_from(Instance)
          .outerjoin(Task, and_(Task.instance_id == Instance.id, Task.state == "ready"))
          .outerjoin(TaskTeam, TaskTeam.task_id == Task.id)
          .where(Instance.id == bindparam("instance_id"))
          .order_by(Task.position, TaskTeam.team))


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
    with rt.db.engine.connect() as connection:
        rows = connection.execute(_STATE, {"instance_id": instance_id}).all()
    status, messages, next_timer = rows[0].status, rows[0].waiting_messages, rows[0].next_timer
    if status != "running":
        return Waiting(status, (), (), None)
    tasks: dict[str, tuple] = {}
    teams: dict[str, list[str]] = {}
    for row in rows:
        if row.id is not None:
            tasks.setdefault(row.id, (row.id, row.bpmn_id, row.name, row.lane, row.assignee, list(row.form or [])))
            if row.team is not None:
                teams.setdefault(row.id, []).append(row.team)
    open_tasks = tuple(OpenTask(tid, bpmn_id, name, lane, tuple(teams.get(tid, ())), assignee, form)
                       for tid, bpmn_id, name, lane, assignee, form in tasks.values())
    return Waiting(status, tuple(messages or ()), open_tasks, next_timer)  # func.min keeps UTCDateTime


@dataclass(frozen=True)
class Start:
    """What starting the process asks: its start form's fields, and the most children one piece of work is for."""

    form: list[dict[str, Any]]
    most_children: int | None
    sources: dict[str, bytes]  # the process's diagram and those it calls (a profile is checked against them)


def start_of(rt: Runtime, process_id: str) -> Start:
    form = instances.start_form(rt, process_id).to_json()
    sources = deployed_sources(rt, process_id).sources
    tree = etree.fromstring(sources[process_id], etree.XMLParser(resolve_entities=False, no_network=True))
    most = None
    for prop in tree.iterfind(f"bpmn:process[@id='{process_id}']/bpmn:startEvent/bpmn:extensionElements/"
                              "camunda:properties/camunda:property", NS):
        if prop.get("name") == "max_children" and (prop.get("value") or "").strip().isdigit():
            most = int(prop.get("value").strip())
    return Start(form, most, sources)
