"""Working a task: claim, unclaim, pass to worker, save a draft, complete."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..engine import engine, failures
from ..engine.engine import EngineError, TaskNotReady
from ..engine.forms import Form, FormInvalid
from ..store.models import Instance, Task, User
from . import access, incidents, input_limits, task_opened, users, workflows
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from .next_step import NextStep, steps_made_ready
from .open_task import OpenTask, read_open_task
from .persist import apply_snapshot, audit, close_task_row
from .runtime import Runtime
from .users import require_user


def claim(rt: Runtime, task_id: str, actor: str) -> None:
    with rt.transaction() as session:
        user, task = _open_task(session, task_id, actor)
        task.assignee = actor
        _audit_task(session, rt, actor, "task_claimed", task)
    task_opened.record_opened(rt, task_id, actor)  # claiming starts the work as opening it does (analysis)


def unclaim(rt: Runtime, task_id: str, actor: str) -> None:
    with rt.transaction() as session:
        user, task = _open_task(session, task_id, actor)
        if task.assignee != actor:
            raise Forbidden("only the worker who holds a task can give it back to the team")
        task.assignee = None
        _audit_task(session, rt, actor, "task_unclaimed", task)


def pass_to_worker(rt: Runtime, task_id: str, actor: str, worker: str) -> None:
    """Mosaic's "Pass to Worker": hand the task to a named member of one of its teams."""
    with rt.transaction() as session:
        user, task = _open_task(session, task_id, actor)
        target = require_user(session, worker)
        if not set(target.teams) & _teams(task):
            raise ServiceError(f"{worker} is not in {' or '.join(sorted(_teams(task)))}")
        task.assignee = worker
        _audit_task(session, rt, actor, "task_passed", task, to=worker)


def save_draft(rt: Runtime, task_id: str, actor: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """"Save and Close": keep what was typed, unvalidated; the task stays open. Returns the draft.

    A table row added here is a record in its own right (a Record of contacts entry), so its cells must be
    valid now; the task's other answers are checked on Finish. A draft keeps only the form's own fields, and at
    most MAX_ANSWERS_BYTES of them: it is read on every view of the task (InvalidInput names what is refused).
    """
    input_limits.check_values(values)
    with rt.transaction() as session:
        user, task = _open_task(session, task_id, actor)
        form = Form.from_json(task.form)
        _only_own_fields(form, values)
        try:
            form.validate_rows(form.take_rows(values, {})[1])
        except FormInvalid as exc:
            raise InvalidInput(exc.errors) from None
        draft = dict(task.draft or {})
        fields, rows = form.take_rows(values, draft.get("_rows", {}))
        draft.update(fields)
        draft["_rows"] = rows
        _within_draft_size(draft, values)
        task.draft = draft
        _audit_task(session, rt, actor, "draft_saved", task, data=dict(values))
        return draft


def _only_own_fields(form: Form, values: Mapping[str, Any]) -> None:
    strangers = sorted(set(values) - {f.id for f in form.fields})
    if strangers:
        raise InvalidInput({name: "is not a field of this form" for name in strangers}, "the draft was not saved")


def _within_draft_size(draft: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """A draft over the limit is refused naming the largest answer sent, where the worker can cut it short."""
    size = input_limits.answers_size(draft)
    if size > input_limits.MAX_ANSWERS_BYTES:
        largest = max(values, key=lambda name: input_limits.answers_size({name: values[name]}), default="draft")
        limit = input_limits.MAX_ANSWERS_BYTES // 1024
        raise input_limits.InputTooLarge(
            {largest: f"is too long to save: a draft holds at most {limit} kB of answers in all "
                      f"(this one would hold {-(-size // 1024)} kB)"}, "the draft was not saved")


@dataclass(frozen=True)
class Completed:
    """What a completion did: the data recorded, and where the piece of work now stands."""

    data: dict[str, Any]
    instance_id: int
    status: str
    end_event: str | None
    next_steps: tuple[NextStep, ...] = ()  # the steps it made ready


def complete_task(rt: Runtime, task_id: str, actor: str, values: Mapping[str, Any]) -> Completed:
    """"Finish": validate the form, complete the task and run the process on.

    Optimistic locking: a second, concurrent completion raises Conflict naming who completed it. When the
    diagram fails after the task (a gateway no condition of which holds, say), nothing is committed, the
    answers are kept as the task's draft and NeedsAttention names the incident a process owner was given.
    """
    input_limits.check_values(values)  # before anything is kept, even as a draft when the diagram fails
    attempt = incidents.Attempt(incidents.COMPLETE, actor, task_id=str(task_id))
    try:
        with rt.transaction() as session:
            task = _workable(session, str(task_id), actor)
            attempt = dataclasses.replace(attempt, instance_id=task.instance.id)
            workflow = workflows.load(rt, session, task.instance)
            form, current = engine.form_of(workflow, task_id)
            form = form.with_people(users.members_of(session))
            submitted, rows = _with_draft(form, task.draft, values)
            try:
                clean = form.validate(submitted, current)
                form.validate_rows(rows)
            except FormInvalid as exc:
                rt.workflows.give_back(task.instance.id, task.instance.revision, workflow)
                raise InvalidInput(exc.errors) from None
            clean.update({table: current.get(table, []) + new for table, new in rows.items()})
            # A field left empty is still answered, with nothing: the steps after it may test it.
            unanswered = {f.id: None for f in form.fields if not f.row_of and f.id not in clean}
            snapshot = engine.complete(workflow, task_id, {**unanswered, **clean}, actor)
            audit(session, rt.now(), actor, "task_completed", case_id=task.case_id, instance_id=task.instance.id,
                  task_id=task.id, name=task.name, data=clean)
            # The case work's row first, then its tasks', as every step writes them: two steps racing on one case
            # (a completion and a move) wait for each other instead of deadlocking.
            apply_snapshot(session, task.instance, snapshot, actor, rt.now(), after_task=task.id,
                           open_ids=task.open_ids - {task.id}, case_status=task.case_status)
            close_task_row(session, task.id, actor, rt.now(), clean)
            if task.incident_open:
                incidents.resolve(session, attempt, rt.now(), "the task was completed")
            made = steps_made_ready(session, (t for t in snapshot.ready_tasks if t.id not in task.open_ids))
        workflows.remember(rt, task.instance, workflow, len(snapshot.state))
        return Completed(clean, task.instance.id, task.instance.status, task.instance.end_event, made)
    except (StaleDataError, TaskNotReady):
        raise _completed_conflict(rt, task_id) from None
    except EngineError as exc:
        raise incidents.needs_attention(
            rt, attempt, failures.describe(exc), "Your answers are saved with the task.",
            also=lambda session: _keep_as_draft(session, str(task_id), values)) from None


def _workable(session: Session, task_id: str, actor: str) -> OpenTask:
    """The task, read in one statement when the worker may work on it; else the reason why not (the checks of
    `_open_task`, which name the team or person that has it)."""
    task = read_open_task(session, task_id, actor, incidents.COMPLETE)
    if task is None or not task.workable_by(actor):
        _open_task(session, task_id, actor)
        raise Conflict("the case changed; try again")  # checked again and found workable: it changed meanwhile
    return task


def _keep_as_draft(session: Session, task_id: str, values: Mapping[str, Any]) -> None:
    """The answers of a completion the diagram could not take, kept as a draft: nothing typed is lost, and a
    retry after the fix completes the task with them."""
    task = session.get(Task, task_id)
    if task is None or task.state != "ready":
        return
    draft = dict(task.draft or {})
    fields, rows = Form.from_json(task.form).take_rows(values, draft.get("_rows", {}))
    draft.update(fields)
    draft["_rows"] = rows
    task.draft = draft


def form_values(rt: Runtime, task_id: str, actor: str) -> dict[str, Any]:
    """What an open task's form fields (and row tables) hold in the case data now, to prefill the form.

    Empty for a task that is no longer open. Reads workflow state: for one task page, never a list.
    """
    with rt.reading() as session:
        task = visible_task(session, task_id, actor)
        if task.state != "ready":
            return {}
        instance = session.get(Instance, task.instance_id)
        workflow = workflows.load(rt, session, instance)
        try:
            form, current = engine.form_of(workflow, task_id)
        except TaskNotReady:
            return {}
        workflows.remember(rt, instance, workflow, len(instance.state))  # read only: still the current revision
    wanted = {f.id for f in form.fields} | {f.row_of for f in form.fields if f.row_of}
    return {k: v for k, v in current.items() if k in wanted and v is not None}  # None: left empty


def _with_draft(form: Form, draft: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[dict, dict[str, list]]:
    saved = {k: v for k, v in draft.items() if k != "_rows"}
    fields, rows = form.take_rows({**saved, **values}, draft.get("_rows", {}))
    return fields, rows


def visible_task(session: Session, task_id: str, actor: str, *, done_by_them: bool = False,
                 now: datetime | None = None) -> Task:
    """The task, if `actor` may see it (their team's, or theirs); with `done_by_them`, also one they completed.
    NotFound or Forbidden (naming the team that has it) otherwise; the Forbidden offers the family's page when
    the user may see the family (given `now`, break glass counts too)."""
    return _visible(session, task_id, actor, done_by_them, now)[1]


def _visible(session: Session, task_id: str, actor: str, done_by_them: bool = False,
             now: datetime | None = None) -> tuple[User, Task]:
    user = require_user(session, actor)
    task = session.get(Task, str(task_id), options=[joinedload(Task.teams)])
    if task is None:
        raise NotFound(f"no task {task_id}")
    if not may_see(user, task) and not (done_by_them and task.completed_by == user.username):
        raise not_your_team(task, access.sees_family(session, task.case_id, user, now))
    return user, task


def _open_task(session: Session, task_id: str, actor: str) -> tuple[User, Task]:
    user, task = _visible(session, task_id, actor)
    if task.state != "ready":
        raise _closed_conflict(task)
    if not may_work_on(user, task):
        holder = session.scalar(select(User.display_name).where(User.username == task.assignee)) or task.assignee
        raise Forbidden(f"{task.name} is with {holder}: ask them to pass it on if you need to work on it",
                        task.case_id)
    return user, task


def not_your_team(task: Task, case_link: bool = False) -> Forbidden:
    """A task of another team: say which team has it, never an id or a user name; offer the family's case page
    when the user works with the family."""
    teams = sorted(_teams(task)) or [task.lane or "another"]
    which = " or ".join(teams)
    return Forbidden(f"{task.name} is a task for the {which} team{'s' if len(teams) > 1 else ''}. You are not in "
                     f"{'those teams' if len(teams) > 1 else 'that team'}, so you cannot open it.",
                     task.case_id if case_link else None)


def may_work_on(user: User, task: Task) -> bool:
    """A task is for its assignee, or, while nobody holds it, for the members of its teams."""
    if task.assignee:
        return task.assignee == user.username
    return bool(_teams(task) & set(user.teams))


def may_see(user: User, task: Task) -> bool:
    return task.assignee == user.username or bool(_teams(task) & set(user.teams))


def _teams(task: Task) -> set[str]:
    return {t.team for t in task.teams}


def _closed_conflict(task: Task) -> Conflict:
    if task.state == "completed":
        when = task.completed_at.strftime("%d %b %Y %H:%M") if task.completed_at else "earlier"
        return Conflict(f"task {task.name!r} was already completed by {task.completed_by} at {when}",
                        task.completed_by, task.completed_at)
    if task.state == "ready":
        # The task is still open: the case itself changed at the same moment (moved to a new version, say).
        return Conflict(f"the case of task {task.name!r} was changed by someone else at the same moment; "
                        f"open the task again and finish it")
    return Conflict(f"task {task.name!r} is no longer open ({task.state})")


def _completed_conflict(rt: Runtime, task_id: str) -> Conflict:
    with rt.reading() as session:
        task = session.get(Task, str(task_id))
        return _closed_conflict(task) if task is not None else Conflict("the case changed; try again")


def _audit_task(session: Session, rt: Runtime, actor: str, action: str, task: Task, **detail: Any) -> None:
    audit(session, rt.now(), actor, action, case_id=task.case_id, instance_id=task.instance_id,
          task_id=task.id, name=task.name, **detail)
