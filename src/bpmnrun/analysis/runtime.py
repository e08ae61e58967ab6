"""What the persisted cases actually did, per variant (process, or process version): how many cases and how they
ended, their cycle time, per activity the time waiting to be opened and the time worked on, the trace variants,
and how often something went overdue (the figures: analysis.runtime_figures).

Reads the instance and task rows only, never workflow state, streamed in one ordered query and folded case by
case, so ten thousand cases are read without holding them. Times are working days (analysis.working_time).
Simulated cases (started by SIMULATOR) are told apart and named by the profile of their simulation run.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable

from sqlalchemy import DateTime, Select, func, select, type_coerce
from sqlalchemy.orm import Session

from ..clock import LONDON
from ..service.errors import NotFound
from ..service.runtime import Runtime
from ..store.models import Event, Instance, ProcessVersion, Task
from .runtime_figures import (SIMULATOR, Accumulator, ActivityTimes, Outcome, Spread, TraceVariant, VariantRuntime,
                              WorkingClock, handoffs_taken)

__all__ = ["SIMULATOR", "ActivityTimes", "Filters", "Outcome", "SimulationRun", "Spread", "TraceVariant",
           "VariantRuntime", "compare_runtime", "data_stamp", "handoffs_taken", "latest_runs"]

SIMULATION_RUN = "simulation run"  # the Event each `bpmnrun simulate` run leaves (contract 4 of issue 13)
STREAM_ROWS = 2000


@dataclass(frozen=True)
class Filters:
    """Which cases: started from `start` to `end` (London days, both included), of an authority, processes, a
    version number, or the versions with these contents (`sha256`, to find one version in another database)."""

    start: date | None = None
    end: date | None = None
    authority: str | None = None
    process_ids: tuple[str, ...] = ()
    version: int | None = None
    sha256: frozenset[str] | None = None

    def apply(self, query: Select) -> Select:
        if self.start is not None:
            query = query.where(Instance.started_at >= datetime.combine(self.start, time.min, LONDON))
        if self.end is not None:
            query = query.where(Instance.started_at < datetime.combine(self.end + timedelta(days=1), time.min, LONDON))
        if self.authority:
            query = query.where(ProcessVersion.authority == self.authority)
        if self.process_ids:
            query = query.where(Instance.process_id.in_(self.process_ids))
        if self.version is not None:
            query = query.where(ProcessVersion.version == self.version)
        if self.sha256 is not None:
            query = query.where(ProcessVersion.sha256.in_(sorted(self.sha256)))
        return query


@dataclass(frozen=True)
class SimulationRun:
    """The latest `simulate` run of a process in a database (its "simulation run" event)."""

    process_id: str
    profile: str
    cases: int
    seed: int | None
    at: datetime
    instance_ids: frozenset[int]


def compare_runtime(rt: Runtime, process_ids: Iterable[str] = (), instance_ids: Iterable[int] | None = None,
                    simulated: bool | None = None, *, filters: Filters | None = None,
                    by_version: bool = False) -> list[VariantRuntime]:
    """The runtime figures of the chosen processes (all by default), one per process, or per process version
    with `by_version`.

    `instance_ids` narrows it to some cases (one simulation run); `simulated` keeps only simulated (True) or only
    real (False) cases; `filters` chooses by dates, authority, version. A process named but not deployed is
    NotFound; a process deployed but without cases comes back with none.
    """
    wanted = tuple(dict.fromkeys(process_ids))
    filters = filters or Filters()
    if wanted:
        filters = Filters(filters.start, filters.end, filters.authority, wanted, filters.version, filters.sha256)
    ids = None if instance_ids is None else frozenset(instance_ids)
    with rt.reading() as session:
        versions = _versions(session, wanted)
        groups = _fold(session, _query(filters, ids, simulated), ids, by_version)
        runs = latest_runs(session) if any(acc.simulated for acc in groups.values()) else {}
    if not by_version:
        for pid in wanted:
            groups.setdefault((pid, None), Accumulator(WorkingClock()))
    return [_variant(key, acc, versions, runs) for key, acc in sorted(groups.items(), key=_order)]


def data_stamp(rt: Runtime) -> tuple:
    """What changes whenever the figures may: the newest event (every start, completion, timer and simulation run
    writes one), the cases, and the tasks seen opening (which writes no event). Three aggregates, no case read."""
    with rt.reading() as session:
        return (session.scalar(select(func.max(Event.id))), session.scalar(select(func.count(Instance.id))),
                session.scalar(select(func.count(Task.opened_at))))


def latest_runs(session: Session) -> dict[str, SimulationRun]:
    """Process id → its latest simulation run in this database (the last event wins)."""
    runs: dict[str, SimulationRun] = {}
    for event in session.scalars(select(Event).where(Event.action == SIMULATION_RUN).order_by(Event.id)):
        detail = event.detail or {}
        pid = detail.get("process_id")
        if pid:
            runs[pid] = SimulationRun(pid, event.name or "default profile", int(detail.get("cases") or 0),
                                      detail.get("seed"), event.at, frozenset(detail.get("instance_ids") or ()))
    return runs


def _order(item) -> tuple:
    (pid, version), _ = item
    return pid, version or 0


def _versions(session: Session, wanted: tuple[str, ...]) -> dict[tuple[str, int], tuple[str, str, str]]:
    rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.version, ProcessVersion.title,
                                  ProcessVersion.authority, ProcessVersion.sha256)).all()
    versions = {(pid, v): (title, authority, sha) for pid, v, title, authority, sha in rows}
    known = {pid for pid, _ in versions}
    missing = [pid for pid in wanted if pid not in known]
    if missing:
        raise NotFound(f"no process {missing[0]!r} is deployed")
    return versions


def _query(filters: Filters, ids: frozenset[int] | None, simulated: bool | None) -> Select:
    query = (select(Instance.id, Instance.process_id, ProcessVersion.version, Instance.status, Instance.end_event,
                    _utc(Instance.started_at), _utc(Instance.ended_at), Instance.started_by,
                    Task.name, Task.activity, Task.lane, Task.overdue, _utc(Task.created_at), _utc(Task.opened_at),
                    _utc(Task.completed_at), Task.position)
             .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
             .outerjoin(Task, Task.instance_id == Instance.id)
             .order_by(Instance.id, Task.position))
    if ids is not None:  # a range in SQL (a run's cases are numbered together), the exact set when folding
        query = query.where(Instance.id.between(min(ids), max(ids))) if ids else query.where(Instance.id < 0)
    if simulated is not None:
        query = query.where((Instance.started_by == SIMULATOR) if simulated else (Instance.started_by != SIMULATOR))
    return filters.apply(query)


def _utc(column):
    """The stored UTC time as it is, naive: the working clock reads naive times as UTC, and a hundred thousand
    times are not each given a time zone only to be turned into a number."""
    return type_coerce(column, DateTime).label(column.key)


def _fold(session: Session, query: Select, ids: frozenset[int] | None,
          by_version: bool) -> dict[tuple[str, int | None], Accumulator]:
    clock = WorkingClock()
    groups: dict[tuple[str, int | None], Accumulator] = {}
    # Core rows, streamed (a server-side cursor on PostgreSQL): no ORM objects for tens of thousands of rows.
    connection = session.connection().execution_options(stream_results=True, max_row_buffer=STREAM_ROWS)
    rows = connection.execute(query)
    for instance_id, case_rows in itertools.groupby(rows, key=lambda row: row.id):
        if ids is not None and instance_id not in ids:
            continue
        case_rows = list(case_rows)
        case = case_rows[0]
        tasks = [row for row in case_rows if row.name is not None]
        key = (case.process_id, case.version if by_version else None)
        groups.setdefault(key, Accumulator(clock)).add(case, tasks, case.started_by == SIMULATOR)
    return groups


def _variant(key: tuple[str, int | None], acc: Accumulator, versions: dict, runs: dict) -> VariantRuntime:
    pid, version = key
    shown = version if version is not None else max((v for p, v in versions if p == pid), default=None)
    title, authority, sha = versions.get((pid, shown), (pid, "", None))
    run = runs.get(pid)
    profile = (run.profile if run else "profile not recorded") if acc.simulated else None
    return VariantRuntime(pid, title, authority, acc.cases, acc.outcome_list(), version,
                          sha if version is not None else None, Spread.of(acc.cycle), acc.overdue_cases,
                          acc.activity_list(), acc.trace_list(), acc.simulated, profile)
