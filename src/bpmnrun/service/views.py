"""What the service layer's reads give the front ends: tasks, pieces of work and events as they show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TaskView:
    id: str
    name: str
    lane: str | None
    teams: tuple[str, ...]
    assignee: str | None
    state: str
    case_id: int
    family_name: str
    instance_id: int
    process_id: str
    subject_name: str | None
    activity: str | None
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    priority: str | None
    form: list[dict[str, Any]]
    draft: dict[str, Any]
    documentation: str | None
    completed_by: str | None
    completed_at: datetime | None
    data: dict[str, Any] | None
    procedure: str = ""
    authority: str = ""
    children: tuple[str, ...] = ()
    assignee_name: str | None = None  # the assignee as people know them
    completed_by_name: str | None = None  # and whoever completed it
    draft_saved_at: datetime | None = None
    draft_saved_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for key in ("created_at", "due_at", "completed_at", "draft_saved_at"):
            out[key] = out[key].isoformat() if out[key] else None
        out["teams"] = list(self.teams)
        out["children"] = list(self.children)
        return out


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    name: str | None
    task_id: str | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action, "name": self.name,
                "task_id": self.task_id, "detail": self.detail}


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a worklist shows: one team's inbox, the user's own, or both (the default)."""

    team: str | None = None
    mine: bool = False
    state: str = "ready"
    case_id: int | None = None
    process_id: str | None = None
    overdue: bool = False
    child: str | None = None  # part of a child's name: tasks for that child


@dataclass(frozen=True)
class InstanceView:
    id: int
    case_id: int
    process_id: str
    version: int
    title: str
    status: str
    end_event: str | None
    started_at: datetime
    started_by: str
    ended_at: datetime | None
    waiting_messages: tuple[str, ...]
