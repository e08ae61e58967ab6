"""What the persisted cases actually did, per variant (process) and per end event: how many cases, their
cycle time, how long each activity waited, how often something went overdue, and the hand-offs taken.

Reads the instance and task rows only, never workflow state, so it costs the same however the diagrams
are built. Times are working days (analysis.working_time).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select

from ..service.errors import NotFound
from ..service.runtime import Runtime
from ..store.models import Instance, ProcessVersion, Task
from .working_time import working_days_between

SIMULATOR = "simulator"  # the actor who starts simulated cases (analysis.simulate)


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile (nearest rank) of some times in working days."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls(0, None, None)
        ordered = sorted(values)
        return cls(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1])

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "median": self.median, "p90": self.p90}


@dataclass(frozen=True)
class ActivityWait:
    """One task of the diagram: how long it waited from becoming ready to being completed."""

    name: str
    activity: str | None
    lane: str | None
    wait: Spread
    overdue: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "activity": self.activity, "lane": self.lane, "wait": self.wait.to_json(),
                "overdue": self.overdue}


@dataclass(frozen=True)
class Outcome:
    """The cases of one variant that ended at one end event (or are still running, or were cancelled)."""

    end_event: str | None
    status: str
    cases: int
    cycle_time: Spread
    overdue_cases: int
    handoffs: tuple[tuple[str, str, int], ...]  # (from lane, to lane, times taken), most taken first
    waits: tuple[ActivityWait, ...]

    @property
    def overdue_rate(self) -> float:
        return self.overdue_cases / self.cases if self.cases else 0.0

    @property
    def handoffs_per_case(self) -> float:
        return sum(n for _, _, n in self.handoffs) / self.cases if self.cases else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"end_event": self.end_event, "status": self.status, "cases": self.cases,
                "cycle_time_working_days": self.cycle_time.to_json(), "overdue_cases": self.overdue_cases,
                "overdue_rate": self.overdue_rate, "handoffs_per_case": self.handoffs_per_case,
                "handoffs": [{"from": a, "to": b, "count": n} for a, b, n in self.handoffs],
                "waits": [w.to_json() for w in self.waits]}


@dataclass(frozen=True)
class VariantRuntime:
    process_id: str
    title: str
    authority: str
    cases: int
    outcomes: tuple[Outcome, ...]

    def to_json(self) -> dict[str, Any]:
        return {"process_id": self.process_id, "title": self.title, "authority": self.authority,
                "cases": self.cases, "outcomes": [o.to_json() for o in self.outcomes]}


@dataclass
class _Case:
    status: str
    end_event: str | None
    started_at: datetime
    ended_at: datetime | None
    tasks: list[Any]


def compare_runtime(rt: Runtime, process_ids: Iterable[str] = (), instance_ids: Iterable[int] | None = None,
                    simulated: bool | None = None) -> list[VariantRuntime]:
    """The runtime comparison of the chosen processes (all by default), from their persisted cases.

    `instance_ids` narrows it to some cases (one simulation run); `simulated` keeps only simulated
    (True) or only real (False) cases.
    """
    wanted = list(dict.fromkeys(process_ids))
    with rt.reading() as session:
        titles = _titles(session, wanted)
        cases = _cases(session, wanted, None if instance_ids is None else list(instance_ids), simulated)
    by_process: dict[str, list[_Case]] = defaultdict(list)
    for process_id, case in cases:
        by_process[process_id].append(case)
    return [VariantRuntime(pid, *titles[pid], len(by_process[pid]), _outcomes(by_process[pid]))
            for pid in (wanted or sorted(by_process)) if pid in titles]


def _titles(session, wanted: list[str]) -> dict[str, tuple[str, str]]:
    rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.title, ProcessVersion.authority)
                           .order_by(ProcessVersion.version)).all()
    titles = {pid: (title, authority) for pid, title, authority in rows}
    missing = [pid for pid in wanted if pid not in titles]
    if missing:
        raise NotFound(f"no process {missing[0]!r} is deployed")
    return titles


def _cases(session, wanted: list[str], instance_ids: list[int] | None,
           simulated: bool | None) -> list[tuple[str, _Case]]:
    query = select(Instance.id, Instance.process_id, Instance.status, Instance.end_event, Instance.started_at,
                   Instance.ended_at).order_by(Instance.id)
    if wanted:
        query = query.where(Instance.process_id.in_(wanted))
    if instance_ids is not None:
        query = query.where(Instance.id.in_(instance_ids))
    if simulated is not None:
        query = query.where((Instance.started_by == SIMULATOR) if simulated else (Instance.started_by != SIMULATOR))
    cases = {row.id: (row.process_id, _Case(row.status, row.end_event, row.started_at, row.ended_at, []))
             for row in session.execute(query)}
    if not cases:
        return []
    task_query = (select(Task.instance_id, Task.name, Task.activity, Task.lane, Task.state, Task.overdue,
                         Task.created_at, Task.completed_at, Task.position)
                  .order_by(Task.instance_id, Task.position))
    if instance_ids is not None or wanted or simulated is not None:
        task_query = task_query.where(Task.instance_id.in_(select(query.with_only_columns(Instance.id).subquery())))
    for row in session.execute(task_query):
        if row.instance_id in cases:
            cases[row.instance_id][1].tasks.append(row)
    return list(cases.values())


def _outcomes(cases: list[_Case]) -> tuple[Outcome, ...]:
    groups: dict[tuple[str | None, str], list[_Case]] = defaultdict(list)
    for case in cases:
        groups[(case.end_event, case.status)].append(case)
    made = [_outcome(end_event, status, members) for (end_event, status), members in groups.items()]
    return tuple(sorted(made, key=lambda o: (-o.cases, o.status, o.end_event or "")))


def _outcome(end_event: str | None, status: str, cases: list[_Case]) -> Outcome:
    cycle = [working_days_between(c.started_at, c.ended_at) for c in cases if c.ended_at is not None]
    overdue = sum(1 for c in cases if any(t.overdue for t in c.tasks))
    handoffs: Counter[tuple[str, str]] = Counter()
    for case in cases:
        handoffs.update(handoffs_taken(case.tasks))
    ordered = tuple((a, b, n) for (a, b), n in sorted(handoffs.items(), key=lambda item: (-item[1], item[0])))
    return Outcome(end_event, status, len(cases), Spread.of(cycle), overdue, ordered, _waits(cases))


def handoffs_taken(tasks: list[Any]) -> list[tuple[str, str]]:
    """Lane changes between one completed task and the next, in the order they were completed."""
    done = sorted((t for t in tasks if t.completed_at is not None and t.lane),
                  key=lambda t: (t.completed_at, t.position))
    return [(a.lane, b.lane) for a, b in zip(done, done[1:]) if a.lane != b.lane]


def _waits(cases: list[_Case]) -> tuple[ActivityWait, ...]:
    times: dict[tuple[str, str | None, str | None], list[float]] = defaultdict(list)
    overdue: Counter[tuple[str, str | None, str | None]] = Counter()
    first_seen: dict[tuple[str, str | None, str | None], int] = {}
    for case in cases:
        for t in case.tasks:
            key = (t.name, t.activity, t.lane)
            first_seen.setdefault(key, len(first_seen))
            overdue[key] += bool(t.overdue)
            if t.completed_at is not None:
                times[key].append(working_days_between(t.created_at, t.completed_at))
    return tuple(ActivityWait(*key, Spread.of(times[key]), overdue[key])
                 for key in sorted(first_seen, key=first_seen.get))
