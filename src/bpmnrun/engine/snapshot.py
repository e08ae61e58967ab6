"""What the engine tells the layers above after each step: plain data, no SpiffWorkflow objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .forms import Form


@dataclass(frozen=True)
class ReadyTask:
    """A user task the engine has made READY: one row of somebody's worklist."""

    id: str
    bpmn_id: str
    name: str
    lane: str | None
    candidate_groups: tuple[str, ...]
    assignee: str | None
    due_at: datetime | None
    priority: str | None
    activity: str | None
    process_id: str
    documentation: str | None
    form: Form
    subject: dict | None = None
    children: tuple[dict, ...] = ()  # the children the task is for: [{"id": 7, "name": "Josie Smith"}]

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(t for t in (self.lane, *self.candidate_groups) if t)


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    name: str
    due_at: datetime


@dataclass(frozen=True)
class EngineEvent:
    """Something the engine did by itself in this step, for the audit trail."""

    kind: str  # timer_fired | message_received | end_event | overdue
    element_id: str
    name: str
    process_id: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    state: str
    status: str  # running | completed | cancelled
    ready_tasks: tuple[ReadyTask, ...]
    timers: tuple[WaitingTimer, ...]
    messages: tuple[str, ...]
    events: tuple[EngineEvent, ...]
    end_event: str | None
    data: dict[str, Any]
