"""The figures of the runtime report (analysis.runtime), built while the case rows stream past: one accumulator per
process (or process version), holding per-case numbers only, never the cases themselves.

Per task, "waiting" is ready → first opened or claimed, "working" is opened → completed (Task.opened_at, contract 3
of issue 13). A task completed without ever being seen opening (before that change, or through the API) has its
whole time counted apart, as "not told apart", never split by guess. Times are working days (analysis.working_time).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from ..calendar import is_working_day
from ..clock import LONDON
from .working_time import DAY_SECONDS, working_days_between

SIMULATOR = "simulator"  # the actor who starts simulated cases (analysis.simulate)


@dataclass(frozen=True)
class Spread:
    """Times in working days: how many, median, 90th percentile (nearest rank), and for a box plot the least,
    the quartiles (inclusive method, as a spreadsheet's QUARTILE.INC) and the greatest."""

    count: int
    median: float | None
    p90: float | None
    least: float | None = None
    q1: float | None = None
    q3: float | None = None
    greatest: float | None = None

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls(0, None, None)
        ordered = sorted(values)
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else ordered * 3
        return cls(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1],
                   ordered[0], q1, q3, ordered[-1])

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "median": self.median, "p90": self.p90, "least": self.least,
                "lower_quartile": self.q1, "upper_quartile": self.q3, "greatest": self.greatest}


@dataclass(frozen=True)
class ActivityTimes:
    """One task of the diagram over the cases chosen: how long it waited to be opened and was worked on."""

    name: str
    activity: str | None
    lane: str | None
    tasks: int
    completed: int
    waiting: Spread          # ready → first opened or claimed
    working: Spread          # first opened → completed
    not_told_apart: Spread   # ready → completed, for tasks nobody was seen opening
    overdue: int

    @property
    def overdue_rate(self) -> float:
        return self.overdue / self.tasks if self.tasks else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "activity": self.activity, "lane": self.lane, "tasks": self.tasks,
                "completed": self.completed, "waiting": self.waiting.to_json(), "working": self.working.to_json(),
                "not_told_apart": self.not_told_apart.to_json(), "overdue": self.overdue,
                "overdue_rate": self.overdue_rate}


@dataclass(frozen=True)
class TraceVariant:
    """Cases that completed the same tasks in the same order and ended the same way."""

    steps: tuple[str, ...]
    ending: str
    cases: int

    def to_json(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "ending": self.ending, "cases": self.cases}


@dataclass(frozen=True)
class Outcome:
    """The cases that ended at one end event (or are still running, or were cancelled)."""

    end_event: str | None
    status: str
    cases: int
    cycle_time: Spread
    overdue_cases: int
    handoffs: tuple[tuple[str, str, int], ...]  # (from lane, to lane, times taken), most taken first

    @property
    def overdue_rate(self) -> float:
        return self.overdue_cases / self.cases if self.cases else 0.0

    @property
    def handoffs_per_case(self) -> float:
        return sum(n for _, _, n in self.handoffs) / self.cases if self.cases else 0.0

    @property
    def label(self) -> str:
        return self.end_event or {"running": "Still running", "cancelled": "Cancelled"}.get(self.status, self.status)

    def to_json(self) -> dict[str, Any]:
        return {"end_event": self.end_event, "status": self.status, "cases": self.cases,
                "cycle_time_working_days": self.cycle_time.to_json(), "overdue_cases": self.overdue_cases,
                "overdue_rate": self.overdue_rate, "handoffs_per_case": self.handoffs_per_case,
                "handoffs": [{"from": a, "to": b, "count": n} for a, b, n in self.handoffs]}


@dataclass(frozen=True)
class VariantRuntime:
    """One process (or one version of it, `version` set) over the cases chosen: the totals and their parts."""

    process_id: str
    title: str
    authority: str
    cases: int
    outcomes: tuple[Outcome, ...]
    version: int | None = None
    sha256: str | None = None
    cycle_time: Spread = Spread(0, None, None)
    overdue_cases: int = 0
    activities: tuple[ActivityTimes, ...] = ()
    traces: tuple[TraceVariant, ...] = ()
    simulated_cases: int = 0
    profile: str | None = None  # the simulation run's profile, for simulated cases

    @property
    def overdue_rate(self) -> float:
        return self.overdue_cases / self.cases if self.cases else 0.0

    @property
    def source(self) -> str:
        """"real", "simulated", or both when a database holds both (said, never hidden)."""
        if not self.simulated_cases:
            return "real"
        return "simulated" if self.simulated_cases == self.cases else "real and simulated"

    @property
    def not_told_apart(self) -> int:
        return sum(a.not_told_apart.count for a in self.activities)

    def to_json(self) -> dict[str, Any]:
        return {"process_id": self.process_id, "title": self.title, "authority": self.authority,
                "version": self.version, "source": self.source, "profile": self.profile, "cases": self.cases,
                "cycle_time_working_days": self.cycle_time.to_json(), "overdue_cases": self.overdue_cases,
                "overdue_rate": self.overdue_rate, "outcomes": [o.to_json() for o in self.outcomes],
                "activities": [a.to_json() for a in self.activities], "trace_variants": [t.to_json() for t in self.traces]}


class WorkingClock:
    """working_days_between in constant time: W(t) is the working seconds from EPOCH to t, so a span is
    W(end) − W(start). The working seconds before each day are counted once and kept, so ten thousand cases
    cost a look-up each instead of a walk over their days. Moments before EPOCH use working_days_between."""

    EPOCH = date(2000, 1, 1)

    def __init__(self) -> None:
        self._before = [0.0]  # working seconds before EPOCH + i days
        self._hours: dict[float, tuple[float, bool]] = {}  # UTC hour → (W at its start, in a working day)
        self._epoch = datetime.combine(self.EPOCH, time.min, LONDON).timestamp()

    def days_between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        if _stamp(start) < self._epoch:
            return working_days_between(_aware(start), _aware(end))
        return max(0.0, self._seconds(end) - self._seconds(start)) / DAY_SECONDS

    def _seconds(self, moment: datetime) -> float:
        # London's offsets are whole hours, so a UTC hour lies in one London day: W is known per hour.
        stamp = _stamp(moment)
        hour = stamp - stamp % 3600
        known = self._hours.get(hour)
        if known is None:
            known = self._hours[hour] = self._at_hour(datetime.fromtimestamp(hour, timezone.utc))
        base, working = known
        return base + (stamp - hour if working else 0.0)

    def _at_hour(self, moment: datetime) -> tuple[float, bool]:
        day = moment.astimezone(LONDON).date()
        index = (day - self.EPOCH).days
        while len(self._before) <= index:
            counted = self.EPOCH + timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + (_length(counted) if is_working_day(counted) else 0.0))
        working = is_working_day(day)
        today = (moment - _midnight(day)).total_seconds() if working else 0.0
        return self._before[index] + today, working


_UNIX = datetime(1970, 1, 1)  # naive moments are UTC, as the store keeps them


def _stamp(moment: datetime) -> float:
    return moment.timestamp() if moment.tzinfo is not None else (moment - _UNIX).total_seconds()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LONDON).astimezone(timezone.utc)


def _length(day: date) -> float:
    """Seconds in a London day: 23 or 25 hours on the days the clocks change."""
    return (_midnight(day + timedelta(days=1)) - _midnight(day)).total_seconds()


@dataclass
class Accumulator:
    """The figures of one group of cases, added one case (with its task rows) at a time."""

    clock: WorkingClock
    cases: int = 0
    simulated: int = 0
    cycle: list[float] = field(default_factory=list)
    overdue_cases: int = 0
    outcomes: dict[tuple[str | None, str], "Accumulator"] = field(default_factory=dict)
    handoffs: Counter = field(default_factory=Counter)
    traces: Counter = field(default_factory=Counter)
    times: dict[tuple, dict[str, list[float]]] = field(default_factory=dict)
    counts: dict[tuple, Counter] = field(default_factory=dict)

    def add(self, case: Any, tasks: list[Any], simulated: bool) -> None:
        """One case: its figures are worked out once, then counted in the total and in its outcome's."""
        cycle = self.clock.days_between(case.started_at, case.ended_at) if case.ended_at is not None else None
        overdue = any(t.overdue for t in tasks)
        done = sorted((t for t in tasks if t.completed_at is not None), key=lambda t: (t.completed_at, t.position))
        lanes = [t.lane for t in done if t.lane]
        handoffs = [(a, b) for a, b in zip(lanes, lanes[1:]) if a != b]
        outcome = self.outcomes.setdefault((case.end_event, case.status), Accumulator(self.clock))
        for acc in (self, outcome):
            acc.cases += 1
            acc.simulated += simulated
            if cycle is not None:
                acc.cycle.append(cycle)
            acc.overdue_cases += overdue
            acc.handoffs.update(handoffs)
        self.traces[(tuple(t.name for t in done), _ending(case))] += 1
        for t in tasks:
            self._task(t)

    def _task(self, t: Any) -> None:
        key = (t.name, t.activity, t.lane)
        times = self.times.get(key)
        if times is None:
            times = self.times[key] = {"waiting": [], "working": [], "not_told_apart": []}
            self.counts[key] = Counter()
        counts = self.counts[key]
        counts["tasks"] += 1
        counts["overdue"] += bool(t.overdue)
        span = self.clock.days_between
        if t.completed_at is not None:
            counts["completed"] += 1
        if t.opened_at is not None:
            times["waiting"].append(span(t.created_at, t.opened_at))
            if t.completed_at is not None:
                times["working"].append(span(t.opened_at, t.completed_at))
        elif t.completed_at is not None:
            times["not_told_apart"].append(span(t.created_at, t.completed_at))

    def outcome_list(self) -> tuple[Outcome, ...]:
        made = [Outcome(end, status, acc.cases, Spread.of(acc.cycle), acc.overdue_cases, _ordered(acc.handoffs))
                for (end, status), acc in self.outcomes.items()]
        return tuple(sorted(made, key=lambda o: (-o.cases, o.status, o.end_event or "")))

    def activity_list(self) -> tuple[ActivityTimes, ...]:
        return tuple(ActivityTimes(*key, self.counts[key]["tasks"], self.counts[key]["completed"],
                                   Spread.of(t["waiting"]), Spread.of(t["working"]), Spread.of(t["not_told_apart"]),
                                   self.counts[key]["overdue"])
                     for key, t in self.times.items())  # in the order the tasks were first met

    def trace_list(self) -> tuple[TraceVariant, ...]:
        ordered = sorted(self.traces.items(), key=lambda item: (-item[1], item[0]))
        return tuple(TraceVariant(steps, ending, n) for (steps, ending), n in ordered)


def _ending(case: Any) -> str:
    if case.status == "running":
        return "(still running)"
    return case.end_event or f"({case.status})"


def _ordered(handoffs: Counter) -> tuple[tuple[str, str, int], ...]:
    return tuple((a, b, n) for (a, b), n in sorted(handoffs.items(), key=lambda item: (-item[1], item[0])))


def handoffs_taken(tasks: list[Any]) -> list[tuple[str, str]]:
    """Lane changes between one completed task and the next, in the order they were completed."""
    done = sorted((t for t in tasks if t.completed_at is not None and t.lane),
                  key=lambda t: (t.completed_at, t.position))
    return [(a.lane, b.lane) for a, b in zip(done, done[1:]) if a.lane != b.lane]
