"""One trace's events, put in the order they happened (the event log's model; eventlog.py reads the rows).

Order at equal times. A step (one transaction) happens at one instant, and steps follow each other at the same
instant when nobody's clock moved, so time alone does not order a trace. Task rows carry `position`: every
task a step makes ready gets a position in a block of 1000 above every task before it (service/persist.py).
The tasks are ranked by (position, became ready) — the second only for rows written before that rule, when
the step after the start reused the start's block — and at equal times a task's `start` sorts at 2·rank and
its `complete` at 2·rank + 1: its own start comes before its own complete, and a completion before the start
of any task made ready after it.

Timer, message and end events come from the audit rows (actions timer_fired, message_received, end_event) and
are placed after the task event the audit recorded last before them at the same time: after a completion,
or, when the engine's step made tasks ready (it audits them first), just before those tasks' starts; with
no task event before them at their time, first at their time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

START, COMPLETE = "start", "complete"
USER_TASK, END_EVENT, TIMER, MESSAGE = "userTask", "endEvent", "timer", "message"
ENGINE_ACTIONS = {"timer_fired": TIMER, "message_received": MESSAGE, "end_event": END_EVENT}
# The audit rows read: the task rows, the rows that open a step (an engine event after one of these and no
# task_ready row is not of the step that made the tasks before it ready), and the engine's own events.
STEP_ACTIONS = ("task_ready", "task_completed", "instance_started", "message_delivered", "cancel_requested")
AUDIT_ACTIONS = (*STEP_ACTIONS, *ENGINE_ACTIONS)


@dataclass(frozen=True)
class LogEvent:
    name: str  # the task's name, or the end/timer/message event's
    element_id: str
    element_type: str  # userTask | endEvent | timer | message
    terms: tuple[str, ...]  # the task's activity vocabulary terms (empty for events)
    lifecycle: str  # start | complete
    resource: str | None  # a person: who completed the task, else its assignee
    role: str | None  # the lane
    timestamp: datetime


@dataclass(frozen=True)
class Trace:
    instance_id: int
    case_id: int
    authority: str
    process_id: str
    version: int
    status: str
    outcome: str | None  # the end event the work ended at
    events: tuple[LogEvent, ...]


@dataclass(frozen=True)
class TaskRow:
    id: str
    process_id: str
    bpmn_id: str
    name: str
    lane: str | None
    assignee: str | None
    position: int
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action: str
    task_id: str | None
    name: str | None
    element: str | None
    process: str | None


def task_events(tasks: Iterable[TaskRow], terms_of) -> list[tuple[tuple, LogEvent]]:
    """(sort key, event) for each task's start and, once completed, its complete. `terms_of(process, element)`
    gives a task's activity terms."""
    keyed = []
    for rank, t in enumerate(in_order(tasks)):
        person = t.completed_by or t.assignee  # the lane is never a person: then nobody is named
        terms = terms_of(t.process_id, t.bpmn_id)
        keyed.append(((t.created_at, 2 * rank, 0),
                      LogEvent(t.name, t.bpmn_id, USER_TASK, terms, START, person, t.lane, t.created_at)))
        if t.completed_at is not None:
            keyed.append(((t.completed_at, 2 * rank + 1, 0),
                          LogEvent(t.name, t.bpmn_id, USER_TASK, terms, COMPLETE, person, t.lane, t.completed_at)))
    return keyed


def in_order(tasks: Iterable[TaskRow]) -> list[TaskRow]:
    return sorted(tasks, key=lambda t: (t.position, t.created_at))


def task_ranks(tasks: Iterable[TaskRow]) -> dict[str, tuple[int, int]]:
    """Task id -> (its rank, the rank of the first task its step made ready: same block, same instant)."""
    first: dict[tuple, int] = {}
    found = {}
    for rank, t in enumerate(in_order(tasks)):
        found[t.id] = (rank, first.setdefault((t.position // 1000, t.created_at), rank))
    return found


def engine_events(audit: Iterable[AuditRow], ranks: dict[str, tuple[int, int]], process_id: str,
                  lanes_of) -> list[tuple[tuple, LogEvent]]:
    """(sort key, event) for the timers that fired, messages caught and end events of the work's own process
    (a called process's end only ends its call activity), from the instance's audit rows in id order.
    `lanes_of(process, element)` gives the lane of an event, if it stands in one."""
    keyed = []
    last: tuple[AuditRow, int, int] | None = None  # the last task row the audit recorded: (row, rank, first)
    new_step = False  # a step began since it (its tasks were made ready before this step)
    for row in audit:
        kind = ENGINE_ACTIONS.get(row.action)
        if row.action in ("task_ready", "task_completed") and row.task_id in ranks:
            last, new_step = (row, *ranks[row.task_id]), False
        elif row.action in STEP_ACTIONS:
            new_step = True
        if kind is None or (kind == END_EVENT and row.process not in (None, process_id)):
            continue
        element = row.element or ""
        keyed.append(((row.at, _place(last, new_step, row.at), row.id),
                      LogEvent(row.name or element, element, kind, (), COMPLETE, None,
                               lanes_of(row.process or process_id, element), row.at)))
    return keyed


def _place(last: tuple[AuditRow, int, int] | None, new_step: bool, at: datetime) -> int:
    """An engine event's order among the task events at its time (the row id breaks a tie after a task event)."""
    if last is None or last[0].at != at:
        return -1  # the first thing at its time
    row, rank, first = last
    if row.action == "task_completed":
        return 2 * rank + 1  # after that completion
    # Audited after the tasks its step made ready: before their starts; in a later step, after them.
    return 2 * rank if new_step else 2 * first - 1


def ordered(keyed: list[tuple[tuple, LogEvent]]) -> tuple[LogEvent, ...]:
    return tuple(event for _, event in sorted(keyed, key=lambda item: item[0]))
