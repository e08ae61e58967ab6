"""What the case pages show: the families a user may see, found by name, and one case with its work, tasks and
history. Who may see a family is access.py's rule; each case page read is logged (records.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..store.models import Case, Incident, Instance, ProcessVersion, Subject, Task
from . import access, case_timeline, queries, records
from .access import Access
from .case_diagrams import InstanceDiagram, instance_diagrams
from .case_timeline import TimelineEntry
from .cases import CaseView, case_view, require_case
from .queries import TaskView
from .runtime import Runtime
from .users import require_user

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class CaseSummary:
    id: int
    family_name: str
    children: tuple[str, ...]
    created_at: datetime
    open_tasks: int
    running: int
    is_test: bool = False


@dataclass(frozen=True)
class InstanceDetail:
    id: int
    number: int  # "Work 2": the pieces of work of a case, numbered in the order they started
    process_id: str
    title: str
    authority: str
    version: int
    status: str
    end_event: str | None
    children: tuple[str, ...]
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    diagrams: tuple[InstanceDiagram, ...]
    needs_attention: bool = False  # an incident is open: the procedure could not go on


@dataclass(frozen=True)
class ChildWork:
    """Where one piece of work stands for one child."""

    instance_id: int
    procedure: str
    state: str        # "waiting" (a step for the child is open), "between steps", or the work's status
    steps: tuple[str, ...]  # the open steps for the child, or the last step the child had
    end_event: str | None


@dataclass(frozen=True)
class ChildState:
    id: int
    name: str
    work: tuple[ChildWork, ...]


@dataclass(frozen=True)
class CaseDetail:
    case: CaseView
    created_at: datetime
    created_by: str
    access: Access
    open_tasks: tuple[TaskView, ...]
    instances: tuple[InstanceDetail, ...]
    timeline: tuple[TimelineEntry, ...]
    children: tuple[ChildState, ...] = ()
    people: dict[str, str] = field(default_factory=dict)  # user name → the name people know them by

    def person(self, username: str | None) -> str:
        return self.people.get(username or "", username or "")


def find_cases(rt: Runtime, user: str, name: str = "", limit: int = SEARCH_LIMIT) -> list[CaseSummary]:
    """The families `user` may see whose name, or a child's name, contains `name`; newest first."""
    with rt.reading() as session:
        account = require_user(session, user)
        query = (select(Case).options(selectinload(Case.subjects))
                 .where(access.visible_cases(session, account, rt.now()))
                 .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
        words = name.split()
        for word in words:
            pattern = f"%{_escape_like(word.lower())}%"
            child = exists().where(Subject.case_id == Case.id, func.lower(Subject.name).like(pattern, escape="\\"))
            query = query.where(or_(func.lower(Case.family_name).like(pattern, escape="\\"), child))
        found = list(session.scalars(query))
        return _summaries(session, found)


@dataclass(frozen=True)
class HistoryFilter:
    """Which history lines a case page shows: one piece of work's, one child's, or all."""

    work: int | None = None
    child: int | None = None


def case_detail(rt: Runtime, case_id: int, user: str, only: HistoryFilter = HistoryFilter(),
                what: str | None = None) -> CaseDetail:
    """One case, for a user who may see it (NoAccess otherwise); the read is logged as `what` (the family's page,
    or the history of one piece of work or one child)."""
    with rt.reading() as session:
        account = require_user(session, user)
        case = require_case(session, case_id)
        found = access.require_access(session, case, account, rt.now())
        people = case_timeline.display_names(session)
        names = {s.id: s.name for s in case.subjects}
        instances = session.scalars(select(Instance).where(Instance.case_id == case.id).order_by(Instance.id))
        details = tuple(_instance_detail(session, i, n, names) for n, i in enumerate(instances, start=1))
        timeline = case_timeline.timeline(session, case.id, {i.id: f"Work {i.number}: {i.title}" for i in details})
        timeline = tuple(_filtered(session, case, timeline, only))
        summary = (case_view(case), case.created_at, case.created_by)
        children = _child_states(session, case, details)
    open_tasks = tuple(t for t in queries.case_tasks(rt, case_id) if t.state == "ready")
    records.log_read(rt, user, case_id, what or _what(only, details, summary[0]), found, instance_id=only.work)
    return CaseDetail(*summary, found, open_tasks, details, timeline, children, people)


def _what(only: HistoryFilter, details: tuple[InstanceDetail, ...], case: CaseView) -> str:
    if only.work is not None:
        number = next((d.number for d in details if d.id == only.work), None)
        return f"the history of Work {number}" if number else records.FAMILY_PAGE
    if only.child is not None:
        name = next((s.name for s in case.subjects if s.id == only.child), None)
        return f"the history for {name}" if name else records.FAMILY_PAGE
    return records.FAMILY_PAGE


def _filtered(session: Session, case: Case, timeline: list[TimelineEntry], only: HistoryFilter):
    """The history lines of one piece of work, or those concerning one child: the work started for them, and
    in it the steps for them (a step for other children of the same work is not theirs)."""
    if only.work is not None:
        timeline = [e for e in timeline if e.instance_id == only.work]
    if only.child is None:
        return timeline
    works = {i for i, subjects in session.execute(select(Instance.id, Instance.subject_ids)
                                                   .where(Instance.case_id == case.id)).all()
             if only.child in (subjects or [])}
    others = {t for t, children in session.execute(select(Task.id, Task.children).where(Task.case_id == case.id)).all()
              if children and only.child not in [c.get("id") for c in children]}
    return [e for e in timeline if e.instance_id is None or (e.instance_id in works and e.task_id not in others)]


def _child_states(session: Session, case: Case, details: tuple[InstanceDetail, ...]) -> tuple[ChildState, ...]:
    """Each child's current state in each piece of work started for them: the steps open for them, or the last
    step they had (a child left out of a next action gets no further step in that branch)."""
    rows = session.execute(select(Task.instance_id, Task.name, Task.state, Task.children, Instance.subject_ids)
                           .join(Instance, Instance.id == Task.instance_id)
                           .where(Task.case_id == case.id, Task.state != "cancelled")
                           .order_by(Task.completed_at.is_(None), Task.completed_at, Task.position)).all()
    states = []
    for child in case.subjects:
        work = []
        for detail in details:
            mine = [r for r in rows if r.instance_id == detail.id and _concerns(r, child.id)]
            if child.name not in detail.children:
                continue
            open_steps = tuple(r.name for r in mine if r.state == "ready")
            done = [r.name for r in mine if r.state == "completed"]
            if open_steps:
                work.append(ChildWork(detail.id, detail.title, "waiting", open_steps, None))
            else:
                state = "between steps" if detail.status == "running" else detail.status
                work.append(ChildWork(detail.id, detail.title, state, tuple(done[-1:]), detail.end_event))
        states.append(ChildState(child.id, child.name, tuple(work)))
    return tuple(states)


def _concerns(row, child_id: int) -> bool:
    """A task concerns the children it names; an older task row names none, and then concerns its work's."""
    named = [c.get("id") for c in row.children or []]
    return child_id in named if named else child_id in (row.subject_ids or [])


@dataclass(frozen=True)
class RunningWork:
    number: int
    started_at: datetime
    started_by: str
    children: tuple[str, ...]


def running_for(rt: Runtime, case_id: int, process_id: str, child_ids: list[int]) -> list[RunningWork]:
    """Pieces of work of this procedure still running on the case for any of these children: starting it
    again is usually a mistake, so the Start work page asks first."""
    with rt.reading() as session:
        case = require_case(session, case_id)
        names = {s.id: s.name for s in case.subjects}
        people = case_timeline.display_names(session)
        rows = session.execute(select(Instance.id, Instance.process_id, Instance.status, Instance.subject_ids,
                                      Instance.started_at, Instance.started_by)
                               .where(Instance.case_id == case_id).order_by(Instance.id)).all()
        return [RunningWork(n, r.started_at, people.get(r.started_by, r.started_by),
                            tuple(names[i] for i in r.subject_ids if i in names))
                for n, r in enumerate(rows, start=1)
                if r.process_id == process_id and r.status == "running" and set(r.subject_ids) & set(child_ids)]


def _instance_detail(session: Session, instance: Instance, number: int, names: dict[int, str]) -> InstanceDetail:
    version = session.get(ProcessVersion, instance.process_version_id)
    return InstanceDetail(
        instance.id, number, instance.process_id, version.title, version.authority, version.version, instance.status,
        instance.end_event, tuple(names[i] for i in instance.subject_ids if i in names), instance.started_by,
        instance.started_at, instance.ended_at, tuple(instance_diagrams(session, instance)),
        session.scalar(select(exists().where(Incident.instance_id == instance.id, Incident.resolved.is_(False)))))


def _summaries(session: Session, found: list[Case]) -> list[CaseSummary]:
    ids = [c.id for c in found]
    if not ids:
        return []
    open_tasks = dict(session.execute(select(Task.case_id, func.count()).where(
        Task.case_id.in_(ids), Task.state == "ready").group_by(Task.case_id)).all())
    running = dict(session.execute(select(Instance.case_id, func.count()).where(
        Instance.case_id.in_(ids), Instance.status == "running").group_by(Instance.case_id)).all())
    return [CaseSummary(c.id, c.family_name, tuple(s.name for s in c.subjects), c.created_at,
                        open_tasks.get(c.id, 0), running.get(c.id, 0), bool(c.is_test)) for c in found]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
