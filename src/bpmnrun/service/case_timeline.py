"""A case's history, read from the audit, in words a caseworker reads: who did what, when, with what answers.

Answers are shown with the form's own labels and option names (kept on the task rows), dates in full
("3 June 2025") and times in England's local time, so the page reads like the case record it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Event, Task, User
from .answers import answers, text, words
from .persist import READ_ACTIONS

ENGINE_ACTOR = "engine"
SYSTEM_NAME = "bpmnrun (automatic)"

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
    "incident_raised": "Needs attention: the procedure could not go on, and a process owner has been told",
    "incident_resolved": "No longer needs attention",
    "moved_to_version": "Moved to a new version of the procedure",
}
# Detail keys worth showing for the actions that carry no form data, with their labels.
DETAIL_LABELS = {"lane": "Team", "assignee": "Assigned to", "subject": "For", "due_at": "Due", "to": "To",
                 "children": "Children", "subjects": "Children", "version": "Version", "reason": "Reason",
                 "from_version": "From version", "to_version": "To version"}
PERSON_KEYS = ("assignee", "to")


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
    instance_id: int | None = None
    task_id: str | None = None


def timeline(session: Session, case_id: int, procedures: dict[int, str]) -> list[TimelineEntry]:
    """Every audit event of the case, oldest first; `procedures` names each instance id."""
    events = list(session.scalars(select(Event).where(Event.case_id == case_id, Event.action.not_in(READ_ACTIONS))
                                  .order_by(Event.id)))
    people = display_names(session)
    forms = {task_id: {f["id"]: f for f in form or []} for task_id, form in session.execute(
        select(Task.id, Task.form).where(Task.case_id == case_id)).all()}
    return [TimelineEntry(e.at, e.actor, _who(e.actor, people), e.action, WHAT.get(e.action, words(e.action)),
                          e.name, procedures.get(e.instance_id), tuple(_details(e, forms.get(e.task_id, {}), people)),
                          e.instance_id, e.task_id)
            for e in events]


def display_names(session: Session) -> dict[str, str]:
    """User name → the name people know each other by (a council's users number in the hundreds)."""
    return dict(session.execute(select(User.username, User.display_name)).all())


def _who(actor: str, people: dict[str, str]) -> str:
    if actor == ENGINE_ACTOR:
        return SYSTEM_NAME
    # The name people know each other by, as the case record shows it; the user name stays in `actor`.
    return people.get(actor) or actor


def _details(event: Event, fields: dict[str, dict], people: dict[str, str]) -> list[tuple[str, str]]:
    detail = event.detail or {}
    if event.action == "instance_started":
        fields = {f["id"]: f for f in detail.get("form") or []}
    if event.action in ("task_completed", "draft_saved", "instance_started", "message_delivered"):
        shown = [(label, said) for label, said in answers(detail.get("data") or {}, fields, people) if said]
        if event.action == "instance_started":
            shown = _plain(detail, ("version", "subjects")) + shown
        return shown
    return _plain(detail, tuple(DETAIL_LABELS), people)


def _plain(detail: dict[str, Any], keys: tuple[str, ...],
           people: dict[str, str] | None = None) -> list[tuple[str, str]]:
    # A person is shown as people know them (the user name stays in the audit).
    named = {k: people[detail[k]] for k in PERSON_KEYS
             if people and isinstance(detail.get(k), str) and detail[k] in people}
    return [(DETAIL_LABELS[k], named.get(k) or text(detail[k])) for k in keys if detail.get(k) not in (None, "", [])]
