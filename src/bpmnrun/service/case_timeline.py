"""A case's history, read from the audit, in words a caseworker reads: who did what, when, with what answers.

Answers are shown with the form's own labels and option names (kept on the task rows), dates in full
("3 June 2025") and times in England's local time, so the page reads like the case record it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import LONDON
from ..store.models import Event, Task, User

ENGINE_ACTOR = "engine"
SYSTEM_NAME = "bpmnrun (automatic)"
DATE_FORMAT = "%-d %B %Y"
DATETIME_FORMAT = "%-d %B %Y %H:%M"

# What each audit action means, as a sentence about its subject (the event's name).
WHAT = {
    "case_created": "Family added",
    "instance_started": "Work started",
    "task_ready": "Task ready",
    "task_claimed": "Assigned to themselves",
    "task_unclaimed": "Returned to the team",
    "task_passed": "Passed to Worker",
    "draft_saved": "Saved and closed",
    "task_completed": "Task finished",
    "timer_fired": "Time limit reached",
    "message_received": "Message received",
    "message_delivered": "Message sent to the case",
    "overdue": "Overdue",
    "end_event": "Reached",
    "cancel_requested": "Cancellation requested",
    "instance_completed": "Work finished",
    "instance_cancelled": "Work cancelled",
    "instance_error": "Work stopped with an error",
}
# Detail keys worth showing for the actions that carry no form data, with their labels.
DETAIL_LABELS = {"lane": "Team", "assignee": "Assigned to", "subject": "For", "due_at": "Due", "to": "To",
                 "children": "Children", "subjects": "Children", "version": "Version", "reason": "Reason"}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    who: str
    action: str
    what: str
    name: str | None
    procedure: str | None
    details: tuple[tuple[str, str], ...]


def timeline(session: Session, case_id: int, procedures: dict[int, str]) -> list[TimelineEntry]:
    """Every audit event of the case, oldest first; `procedures` names each instance id."""
    events = list(session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)))
    people = dict(session.execute(select(User.username, User.display_name)
                                  .where(User.username.in_({e.actor for e in events}))).all())
    forms = {task_id: {f["id"]: f for f in form or []} for task_id, form in session.execute(
        select(Task.id, Task.form).where(Task.case_id == case_id)).all()}
    return [TimelineEntry(e.at, e.actor, _who(e.actor, people), e.action, WHAT.get(e.action, _words(e.action)),
                          e.name, procedures.get(e.instance_id), tuple(_details(e, forms.get(e.task_id, {}))))
            for e in events]


def _who(actor: str, people: dict[str, str]) -> str:
    if actor == ENGINE_ACTOR:
        return SYSTEM_NAME
    # The name people know each other by, as the case record shows it; the user name stays in `actor`.
    return people.get(actor) or actor


def _details(event: Event, fields: dict[str, dict]) -> list[tuple[str, str]]:
    detail = event.detail or {}
    if event.action in ("task_completed", "draft_saved", "instance_started", "message_delivered"):
        shown = [(label, text) for label, text in _answers(detail.get("data") or {}, fields) if text]
        if event.action == "instance_started":
            shown = _plain(detail, ("version", "subjects")) + shown
        return shown
    return _plain(detail, tuple(DETAIL_LABELS))


def _plain(detail: dict[str, Any], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(DETAIL_LABELS[k], _text(detail[k])) for k in keys if detail.get(k) not in (None, "", [])]


def _answers(data: dict[str, Any], fields: dict[str, dict]):
    """(label, readable value) per answer; rows of a repeatable table one line each."""
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for row in value:
                yield _words(key), "; ".join(f"{_label(k, fields)}: {_value(v, fields.get(k))}"
                                             for k, v in row.items())
            continue
        yield _label(key, fields), _value(value, fields.get(key))


def _label(key: str, fields: dict[str, dict]) -> str:
    return (fields.get(key) or {}).get("label") or _words(key)


def _value(value: Any, field: dict | None) -> str:
    options = {o["id"]: o["label"] for o in (field or {}).get("options", [])}
    if isinstance(value, list):
        return ", ".join(_value(v, field) for v in value)
    if isinstance(value, str) and value in options:
        return options[value]
    return _text(value)


def _text(value: Any) -> str:
    """A stored value as a person writes it: Yes/No, dates in full, lists with commas."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _date_text(value)
    return str(value)


def _date_text(text: str) -> str:
    try:
        if len(text) == 10:
            return date.fromisoformat(text).strftime(DATE_FORMAT)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(LONDON).strftime(DATETIME_FORMAT)


def _words(key: str) -> str:
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]
