"""A step a completion made ready, as the worker who finished the task is told of it: its name, its team or
person, its due date and the children it is for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..engine.snapshot import ReadyTask
from ..store.models import User


@dataclass(frozen=True)
class NextStep:
    name: str
    teams: tuple[str, ...]
    person: str | None  # who has it, by the name people know them, when it is assigned
    due_at: datetime | None
    children: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "teams": list(self.teams), "person": self.person,
                "due_at": self.due_at.isoformat() if self.due_at else None, "children": list(self.children)}


_DISPLAY_NAMES = select(User.username, User.display_name).where(User.username.in_(bindparam("names", expanding=True)))


def display_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """Display names by user name; no query when nobody is named."""
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    return dict(session.connection().execute(_DISPLAY_NAMES, {"names": list(wanted)}).all())


def steps_made_ready(session: Session, ready: Iterable[ReadyTask]) -> tuple[NextStep, ...]:
    """The steps of the tasks a completion has just made ready, from the engine's own account of them."""
    ready = list(ready)
    people = display_names(session, (t.assignee for t in ready))
    return tuple(NextStep(t.name, tuple(dict.fromkeys(t.teams)) or (t.lane or "",), people.get(t.assignee, t.assignee) if t.assignee else None,
                          t.due_at, tuple(c.get("name") for c in t.children)) for t in ready)
