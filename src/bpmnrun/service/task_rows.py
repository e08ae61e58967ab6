"""Tasks as a list shows them (no form, draft, data or documentation), read by id as plain rows in one
statement with their teams, family and procedure: a task list page's hot path builds no ORM objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..store.models import Case, Event, Instance, ProcessVersion, Subject, Task, TaskTeam
from .next_step import display_names
from .views import TaskView

LISTED = tuple(c.label(f"task_{c.key}") for c in (
    Task.id, Task.name, Task.lane, Task.assignee, Task.state, Task.case_id, Task.instance_id, Task.process_id,
    Task.subject_name, Task.activity, Task.created_at, Task.due_at, Task.overdue, Task.priority,
    Task.completed_by, Task.completed_at, Task.children))


def listed_view(row: Any, family_name: str, teams: tuple[str, ...], procedure: tuple[str, str] = ("", ""),
                children: tuple[str, ...] = (), **more: Any) -> TaskView:
    """A row of LISTED as a listing shows the task (queries._task_view's listing, from plain columns); `more`
    gives the fields a list adds (who holds it by name, when its draft was saved)."""
    return TaskView(
        id=row.task_id, name=row.task_name, lane=row.task_lane, teams=teams, assignee=row.task_assignee,
        state=row.task_state, case_id=row.task_case_id, family_name=family_name, instance_id=row.task_instance_id,
        process_id=row.task_process_id, subject_name=row.task_subject_name, activity=row.task_activity,
        created_at=row.task_created_at, due_at=row.task_due_at, overdue=row.task_overdue,
        priority=row.task_priority, form=[], draft={}, documentation=None, completed_by=row.task_completed_by,
        completed_at=row.task_completed_at, data=None, procedure=procedure[0], authority=procedure[1],
        children=tuple(c.get("name") for c in row.task_children) if row.task_children else children, **more)


# A list page's statements, built once: a page runs them with its task ids (an expanding IN).
_IDS = bindparam("ids", expanding=True)
_LISTED_WITH_TEAMS = (
    select(*LISTED, Case.family_name, Instance.subject_ids, ProcessVersion.title, ProcessVersion.authority,
           TaskTeam.team)
    .join_from(Task, Case, Case.id == Task.case_id).join(Instance, Instance.id == Task.instance_id)
    .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
    .outerjoin(TaskTeam, TaskTeam.task_id == Task.id)
    .where(Task.id.in_(_IDS)).order_by(Task.id, TaskTeam.team))
_LAST_DRAFTS = select(Event.task_id, Event.at, Event.actor).where(Event.id.in_(
    select(func.max(Event.id)).where(Event.task_id.in_(_IDS), Event.action == "draft_saved").group_by(Event.task_id)))
_SUBJECT_NAMES = select(Subject.id, Subject.name).where(Subject.id.in_(_IDS))


def read_listed(session: Session, ids: list[str]) -> list[TaskView]:
    """These tasks, in this order, each with its teams, the children its work is for, who holds it and when its
    draft was last saved."""
    if not ids:
        return []
    rows, teams = with_teams(session.connection().execute(_LISTED_WITH_TEAMS, {"ids": ids}))
    found = [rows[i] for i in ids if i in rows]
    names = subject_names(session, {i for row in found for i in row.subject_ids})
    drafts = drafts_saved(session, [row.task_id for row in found])
    people = display_names(session, {row.task_assignee for row in found} | {d[1] for d in drafts.values()})
    listed = []
    for row in found:
        saved_at, saved_by = drafts.get(row.task_id, (None, None))
        listed.append(listed_view(
            row, row.family_name, teams[row.task_id], (row.title, row.authority),
            tuple(names[i] for i in row.subject_ids if i in names),
            assignee_name=people.get(row.task_assignee or "", row.task_assignee), draft_saved_at=saved_at,
            draft_saved_by=people.get(saved_by or "", saved_by)))
    return listed


def with_teams(rows) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
    """Rows of LISTED joined with task_team (a row per team, `team` None for none): each task's first row, in the
    order read, and its teams."""
    first: dict[str, Any] = {}
    teams: dict[str, list[str]] = {}
    for row in rows:
        if row.task_id is not None:
            first.setdefault(row.task_id, row)
            teams.setdefault(row.task_id, []).extend([row.team] if row.team else [])
    return first, {task_id: tuple(names) for task_id, names in teams.items()}


def drafts_saved(session: Session, task_ids: list[str]) -> dict[str, tuple[datetime, str]]:
    """When each of these tasks' draft was last saved, and by whom (from the audit: one query for a page)."""
    if not task_ids:
        return {}
    found = session.connection().execute(_LAST_DRAFTS, {"ids": task_ids})
    return {task_id: (at, actor) for task_id, at, actor in found}


def subject_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.connection().execute(_SUBJECT_NAMES, {"ids": list(ids)}).all())
