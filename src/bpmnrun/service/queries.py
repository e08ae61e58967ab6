"""Read-only views: worklists, a task, a case's history. None of them loads workflow state."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import String, cast, func, select, union
from sqlalchemy.orm import defer, joinedload, load_only

from ..engine.forms import Form
from ..store.models import Case, Event, Instance, ProcessVersion, Task, TaskTeam
from . import inbox
from .errors import Forbidden, NotFound
from .next_step import display_names
from .persist import READ_ACTIONS
from .runtime import Runtime
from .task_rows import read_listed, subject_names
from .tasks import visible_task
from .users import members_of, require_user, viewed_user
from .views import EventView, InstanceView, TaskFilter, TaskView  # noqa: F401 - the front ends read them here


# A listing shows no form: the large JSON columns stay in the database.
_LISTING = (defer(Task.form), defer(Task.draft), defer(Task.data), defer(Task.documentation))


def list_tasks(rt: Runtime, user: str, team: str | None = None, case_id: int | None = None,
               mine: bool = False, state: str = "ready", limit: int = 200, offset: int = 0,
               process_id: str | None = None, overdue: bool = False) -> list[TaskView]:
    """The user's worklist: tasks assigned to them and the open tasks of their teams."""
    wanted = TaskFilter(team, mine, state, case_id, process_id, overdue)
    with rt.reading() as session:
        return _listed(session, require_user(session, user), wanted, limit, offset)


@dataclass(frozen=True)
class TaskSlice:
    """Tasks of a worklist for a client that pages on: `total` is the list's count up to inbox.COUNT_BOUND
    (`exact` False: there are more), `next` the cursor that gives the tasks after these (None: no more)."""

    tasks: list[TaskView]
    total: int
    exact: bool
    next: str | None


_SKIP = "@"  # a cursor that skips tasks: the lists of a worker's own tasks, read in the task table's order


def task_slice(rt: Runtime, user: str, wanted: TaskFilter, limit: int, offset: int = 0,
               cursor: str | None = None) -> TaskSlice:
    """Up to `limit` tasks of a worklist, from the start, `offset` tasks in or where `cursor` (a `next` this
    gave) points, with the list's bounded count: an inbox, or "mine and my teams'", is read from the inbox
    index after the cursor's place, so its pages cost the same at any depth and in any size of inbox."""
    with rt.reading() as session:
        account = viewed_user(session, user)
        _require_team(account, wanted)
        per_team = inbox.team_counts(session, [wanted.team] if wanted.team else account.teams)
        counted = _bounded_total(session, account, wanted, per_team)
        total, exact = min(counted, inbox.COUNT_BOUND), counted <= inbox.COUNT_BOUND
        if cursor is not None and cursor.startswith(_SKIP):
            offset, cursor = int(cursor[1:]), None
        if wanted.mine or offset:
            listed = _listed(session, account, wanted, limit + 1, offset)
            more = len(listed) > limit
            return TaskSlice(listed[:limit], total, exact, f"{_SKIP}{offset + limit}" if more else None)
        found = _inbox_page(session, account, wanted, inbox.PageAt(after=cursor), limit)
        return TaskSlice(read_listed(session, found.ids), total, exact, found.last if found.more_after else None)


def is_cursor(text: str, wanted: TaskFilter) -> bool:
    """Whether a text could be a `next` task_slice gave for this list: a count of tasks to skip, or (for a list
    read from the inbox index, not a worker's own tasks) an inbox place."""
    skips = text.startswith(_SKIP) and text[1:].isdigit() and len(text) < 12
    return skips or (not wanted.mine and inbox.is_place(text))


@dataclass(frozen=True)
class Worklist:
    """One page of a task list, with the counts its tabs show. Counts are exact up to inbox.COUNT_BOUND; a
    count above it means "more than that", and then the number of pages is not known (None)."""

    tasks: list[TaskView]
    total: int
    page: int
    pages: int | None
    mine: int  # tasks assigned to the user
    per_team: dict[str, int]  # open tasks in each of the user's team inboxes
    first_place: str | None = None  # the inbox places of the page's first and last task (Previous and Next)
    last_place: str | None = None
    more_before: bool = False
    more_after: bool = False


def worklist(rt: Runtime, user: str, wanted: TaskFilter, page: int, page_size: int,
             after: str | None = None, before: str | None = None) -> Worklist:
    """The task list page: its tasks, the total, and every tab's count, read together. A numbered page past
    the end is the last page; `after`/`before` (a task's inbox place) give the page after or before it."""
    with rt.reading() as session:
        account = viewed_user(session, user)
        per_team = inbox.team_counts(session, account.teams)
        total = _bounded_total(session, account, wanted, per_team)
        pages = max(1, -(-total // page_size)) if total <= inbox.COUNT_BOUND else None
        page = max(1, min(page, pages or inbox.COUNT_BOUND // page_size + 1) if not (after or before) else page)
        mine = inbox.held_count(session, account.username)
        if wanted.state != "ready" or wanted.mine:
            listed = _listed(session, account, wanted, page_size, (page - 1) * page_size)
            return Worklist(listed, total, page, pages, mine, per_team, more_after=pages is not None and page < pages,
                            more_before=page > 1)
        _require_team(account, wanted)
        found = _inbox_page(session, account, wanted, inbox.PageAt(page, after, before), page_size)
        return Worklist(read_listed(session, found.ids), total, page, pages, mine, per_team,
                        found.first, found.last, found.more_before, found.more_after)


def _inbox_page(session, account, wanted: TaskFilter, at: inbox.PageAt, size: int) -> inbox.Slice:
    """A page of one team's inbox, or of "mine and my teams'" (every team's inbox and the tasks the worker holds)."""
    return inbox.page(session, [wanted.team] if wanted.team else list(account.teams),
                      None if wanted.team else account.username, _narrowing(wanted), at, size)


def _narrowing(wanted: TaskFilter):
    """The list's filters, for a query with task joined; None when it has none (the inbox index alone serves)."""
    if wanted.case_id is None and not wanted.process_id and not wanted.overdue and not wanted.child:
        return None

    def narrow(query):
        if wanted.case_id is not None:
            query = query.where(Task.case_id == wanted.case_id)
        if wanted.process_id:
            query = query.join(Instance, Instance.id == Task.instance_id).where(
                Instance.process_id == wanted.process_id)
        if wanted.overdue:
            query = query.where(Task.overdue.is_(True))
        return _child_filter(query, wanted.child)
    return narrow


def _listed(session, account, wanted: TaskFilter, limit: int, offset: int) -> list[TaskView]:
    # One team's open tasks are read in the inbox index's order, so a page costs the same however long the inbox.
    order = (TaskTeam.sort_key,) if _one_inbox(wanted) else (
        Task.due_at.is_(None), Task.due_at, Task.created_at, Task.instance_id, Task.position)
    return read_listed(session, list(session.scalars(_listed_ids(account, wanted).order_by(*order)
                                                     .limit(limit).offset(offset))))


def _child_filter(query, child: str | None):
    """Tasks whose children include a name containing `child`. The task's children are JSON text, in which
    a non-ASCII letter is escaped: the search text is escaped the same way."""
    if not child:
        return query
    escaped = json.dumps(child.lower())[1:-1]
    return query.where(func.lower(cast(Task.children, String)).like(f"%{_like(escaped)}%", escape="!"))


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _listed_ids(account, wanted: TaskFilter):
    """The ids of the tasks a list shows, read from the index that list is read from (unordered: to count them, or
    to order a page of them)."""
    if _one_inbox(wanted):
        query = select(TaskTeam.task_id).join(Task, Task.id == TaskTeam.task_id)
        if wanted.process_id:
            query = query.join(Instance, Instance.id == Task.instance_id)
        return _inbox_filters(query, account, wanted)
    if wanted.mine and wanted.state == "ready" and _narrowing(wanted) is None:
        return select(Task.id).where(Task.state == "ready", Task.assignee == account.username)
    return _task_ids(account, wanted)


def _bounded_total(session, account, wanted: TaskFilter, per_team: dict[str, int]) -> int:
    """A list's count, exact up to inbox.COUNT_BOUND: an unfiltered inbox is counted by its index alone, and
    "Mine and my teams'" is more than the bound when one of its inboxes is."""
    if wanted.state == "ready" and not wanted.mine and _narrowing(wanted) is None:
        if wanted.team:
            _require_team(account, wanted)
            return per_team[wanted.team]
        if any(n > inbox.COUNT_BOUND for n in per_team.values()):
            return inbox.COUNT_BOUND + 1
    return session.scalar(inbox.bounded(_listed_ids(account, wanted)))


def _one_inbox(wanted: TaskFilter) -> bool:
    return bool(wanted.team) and not wanted.mine and wanted.state == "ready"


def _inbox_filters(query, account, wanted: TaskFilter):
    """One team's open tasks, narrowed as the list asks; the query has task_team and task joined."""
    _require_team(account, wanted)
    query = query.where(TaskTeam.team == wanted.team, TaskTeam.ready.is_(True))
    if wanted.case_id is not None:
        query = query.where(Task.case_id == wanted.case_id)
    if wanted.process_id:
        query = query.where(Instance.process_id == wanted.process_id)
    if wanted.overdue:
        query = query.where(Task.overdue.is_(True))
    return _child_filter(query, wanted.child)


def _require_team(account, wanted: TaskFilter) -> None:
    if wanted.team and wanted.team not in account.teams:
        raise Forbidden(f"{account.username} is not in {wanted.team}")


def _task_ids(account, wanted: TaskFilter):
    """Task ids of a worklist, starting from the (team, ready) index of task_team or the (state,
    assignee) index of task, so the cost follows the size of the list, not the number of cases."""
    _require_team(account, wanted)
    assigned = select(Task.id).where(Task.state == wanted.state, Task.assignee == account.username)
    teams = [wanted.team] if wanted.team else list(account.teams)
    in_teams = select(TaskTeam.task_id).where(TaskTeam.team.in_(teams), TaskTeam.ready.is_(wanted.state == "ready"))
    ids = assigned if wanted.mine else in_teams if wanted.team else union(in_teams, assigned)
    narrowed = select(Task.id).where(Task.id.in_(ids))
    if wanted.state != "ready":
        narrowed = narrowed.where(Task.state == wanted.state)
    if wanted.case_id is not None:
        narrowed = narrowed.where(Task.case_id == wanted.case_id)
    if wanted.process_id:
        narrowed = narrowed.join(Instance, Instance.id == Task.instance_id).where(Instance.process_id == wanted.process_id)
    if wanted.overdue:
        narrowed = narrowed.where(Task.overdue.is_(True))
    return _child_filter(narrowed, wanted.child)


def _people_named(session, task: Task) -> dict[str, str | None]:
    names = display_names(session, {task.assignee, task.completed_by})
    return {"assignee_name": names.get(task.assignee, task.assignee),
            "completed_by_name": names.get(task.completed_by, task.completed_by)}


def get_task(rt: Runtime, task_id: str, user: str) -> TaskView:
    with rt.reading() as session:
        task = visible_task(session, task_id, user, now=rt.now())
        # The task page names the procedure and the children, as the worklist row does.
        family, subject_ids, title, authority = session.execute(
            select(Case.family_name, Instance.subject_ids, ProcessVersion.title, ProcessVersion.authority)
            .join(Case, Case.id == Instance.case_id)
            .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
            .where(Instance.id == task.instance_id)).one()
        names = subject_names(session, set(subject_ids))
        view = _task_view(task, family, (title, authority), tuple(names[i] for i in subject_ids if i in names))
        # A person picker offers the members of its teams as they are now, by the names people know.
        view = replace(view, form=Form.from_json(task.form).with_people(members_of(session)).to_json(),
                       **_people_named(session, task))
        return view


def case_tasks(rt: Runtime, case_id: int) -> list[TaskView]:
    with rt.reading() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        rows = session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.created_at, Task.instance_id, Task.position))
        return [_task_view(t, case.family_name) for t in rows]


def instance_tasks(rt: Runtime, instance_id: int, state: str = "ready") -> list[TaskView]:
    """One piece of work's tasks in a state, as a listing (no forms, drafts or data)."""
    with rt.reading() as session:
        return _instance_tasks(session, instance_id, state)


def _instance_tasks(session, instance_id: int, state: str) -> list[TaskView]:
    family = session.scalar(select(Case.family_name).join(Instance, Instance.case_id == Case.id)
                            .where(Instance.id == instance_id))
    if family is None:
        raise NotFound(f"no case work {instance_id}")
    rows = session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == state)
                           .options(joinedload(Task.teams), *_LISTING).order_by(Task.position)).unique()
    return [_task_view(t, family, listing=True) for t in rows]


def history(rt: Runtime, instance_id: int | None = None, case_id: int | None = None) -> list[EventView]:
    with rt.reading() as session:
        if instance_id is not None and session.get(Instance, instance_id, options=[load_only(Instance.id)]) is None:
            raise NotFound(f"no case work {instance_id}")
        query = select(Event).where(Event.action.not_in(READ_ACTIONS)).order_by(Event.id)
        query = query.where(Event.instance_id == instance_id) if instance_id is not None else query
        query = query.where(Event.case_id == case_id) if case_id is not None else query
        return [EventView(e.at, e.actor, e.action, e.name, e.task_id, e.detail) for e in session.scalars(query)]


def get_instance(rt: Runtime, instance_id: int) -> InstanceView:
    with rt.reading() as session:
        return _instance_view(session, instance_id)


def _instance_view(session, instance_id: int) -> InstanceView:
    # Everything but the workflow state and the diagram's XML.
    row = session.execute(
        select(*INSTANCE_COLUMNS)
        .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.id == instance_id)).one_or_none()
    if row is None:
        raise NotFound(f"no case work {instance_id}")
    return InstanceView(*row[:-1], tuple(row.waiting_messages or ()))


INSTANCE_COLUMNS = (Instance.id, Instance.case_id, Instance.process_id, ProcessVersion.version, ProcessVersion.title,
                     Instance.status, Instance.end_event, Instance.started_at, Instance.started_by, Instance.ended_at,
                     Instance.waiting_messages)  # InstanceView's fields, in order


def _task_view(task: Task, family_name: str, procedure: tuple[str, str] = ("", ""),
               children: tuple[str, ...] = (), listing: bool = False) -> TaskView:
    """A task as the front ends see it; in a listing without its form, draft, data and documentation."""
    return TaskView(
        id=task.id, name=task.name, lane=task.lane, teams=tuple(t.team for t in task.teams),
        assignee=task.assignee, state=task.state, case_id=task.case_id, family_name=family_name,
        instance_id=task.instance_id, process_id=task.process_id, subject_name=task.subject_name,
        activity=task.activity, created_at=task.created_at, due_at=task.due_at, overdue=task.overdue,
        priority=task.priority, form=[] if listing else task.form,
        draft={} if listing else (task.draft or {}), documentation=None if listing else task.documentation,
        completed_by=task.completed_by, completed_at=task.completed_at, data=None if listing else task.data,
        procedure=procedure[0], authority=procedure[1],
        children=tuple(c.get("name") for c in task.children) if task.children else children,
    )
