"""The runtime page's tables as rows (analysis.runtime_sources pairs): the page shows them, a CSV download holds
them. Each table's rows name their process, version and side (real, or "simulated: <profile>"), so one file
holds every process version the filters chose. Times are working days, full precision in the CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Callable, Iterable, Iterator

from .runtime_figures import Spread, VariantRuntime
from .runtime_sources import Pair

TABLES: dict[str, str] = {
    "summary": "Cases, cycle time and overdue rate",
    "outcomes": "How the cases ended",
    "cycle-time": "Cycle time spread",
    "activities": "Waiting and working per activity",
    "variants": "Trace variants",
}
KEY = ["process_id", "version", "cases_from"]


def side_label(variant: VariantRuntime) -> str:
    """"real", or "simulated: <profile>" (or both, should one database hold both)."""
    return f"{variant.source}: {variant.profile}" if variant.simulated_cases else variant.source


def heading(variant: VariantRuntime) -> str:
    """The side's label to head a column or a row: "Real", "Simulated: <profile>"."""
    label = side_label(variant)
    return label[:1].upper() + label[1:]


def sides(pair: Pair) -> list[VariantRuntime]:
    return [v for v in (pair.real, pair.simulated) if v is not None]


def _key(pair: Pair, v: VariantRuntime) -> list[Any]:
    return [pair.process_id, "" if pair.version is None else pair.version, side_label(v)]


def _spread(s: Spread) -> list[Any]:
    return [s.count, s.median, s.p90]


def summary(pairs: Iterable[Pair]) -> Iterator[list[Any]]:
    yield KEY + ["title", "authority", "cases", "ended", "cycle_time_median", "cycle_time_p90", "overdue_cases",
                 "overdue_rate", "tasks_not_told_apart"]
    for pair in pairs:
        for v in sides(pair):
            yield _key(pair, v) + [pair.title, pair.authority, v.cases, v.cycle_time.count, v.cycle_time.median,
                                   v.cycle_time.p90, v.overdue_cases, v.overdue_rate, v.not_told_apart]


def outcomes(pairs: Iterable[Pair]) -> Iterator[list[Any]]:
    yield KEY + ["outcome", "status", "cases", "share", "cycle_time_median", "cycle_time_p90", "overdue_cases"]
    for pair in pairs:
        for v in sides(pair):
            for o in v.outcomes:
                yield _key(pair, v) + [o.label, o.status, o.cases, o.cases / v.cases, o.cycle_time.median,
                                       o.cycle_time.p90, o.overdue_cases]


def cycle_time(pairs: Iterable[Pair]) -> Iterator[list[Any]]:
    yield KEY + ["ended_cases", "least", "lower_quartile", "median", "upper_quartile", "p90", "greatest"]
    for pair in pairs:
        for v in sides(pair):
            s = v.cycle_time
            yield _key(pair, v) + [s.count, s.least, s.q1, s.median, s.q3, s.p90, s.greatest]


def activities(pairs: Iterable[Pair]) -> Iterator[list[Any]]:
    yield KEY + ["task", "lane", "activity", "tasks", "completed",
                 "waiting_count", "waiting_median", "waiting_p90", "working_count", "working_median", "working_p90",
                 "not_told_apart_count", "not_told_apart_median", "not_told_apart_p90", "overdue", "overdue_rate"]
    for pair in pairs:
        for v in sides(pair):
            for a in v.activities:
                yield (_key(pair, v) + [a.name, a.lane or "", a.activity or "", a.tasks, a.completed]
                       + _spread(a.waiting) + _spread(a.working) + _spread(a.not_told_apart)
                       + [a.overdue, a.overdue_rate])


def variants(pairs: Iterable[Pair]) -> Iterator[list[Any]]:
    yield KEY + ["cases", "share", "tasks_completed_in_order", "ending"]
    for pair in pairs:
        for v in sides(pair):
            for t in v.traces:
                yield _key(pair, v) + [t.cases, t.cases / v.cases, " → ".join(t.steps), t.ending]


ROWS: dict[str, Callable[[Iterable[Pair]], Iterator[list[Any]]]] = {
    "summary": summary, "outcomes": outcomes, "cycle-time": cycle_time, "activities": activities,
    "variants": variants}


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The rows as CSV text, a line at a time (a download streams; None is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else _cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet must not run a task name as a formula
    return value
