"""The runtime page's tables in GOV.UK Frontend's table form (head, rows of cells), real and simulated side by
side: one column per side, so each figure reads across. The same figures as the CSV downloads
(analysis.runtime_csv), rounded for reading: working days to two decimals, shares to whole per cent."""

from __future__ import annotations

from typing import Any

from ..analysis.runtime_csv import heading, side_label, sides
from ..analysis.runtime_figures import Spread, VariantRuntime
from ..analysis.runtime_sources import Pair

NONE = "–"
MOST_VARIANTS = 10  # trace variants shown on the page; the CSV holds them all


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def share(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.0f}%)" if whole else str(part)


def _cell(text: Any, numeric: bool = True) -> dict[str, Any]:
    return {"text": str(text), "format": "numeric"} if numeric else {"text": str(text)}


def _head(first: str, pair: Pair, suffix: str = "") -> list[dict[str, Any]]:
    return [{"text": first}] + [{"text": heading(v) + suffix, "format": "numeric"} for v in sides(pair)]


def _row(label: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{"text": label}] + [_cell(v) for v in values]


def summary(pair: Pair) -> dict[str, Any]:
    vs = sides(pair)
    rows = [
        _row("Cases", [v.cases for v in vs]),
        _row("Ended", [v.cycle_time.count for v in vs]),
        _row("Cycle time, median (working days)", [days(v.cycle_time.median) for v in vs]),
        _row("Cycle time, 90th percentile (working days)", [days(v.cycle_time.p90) for v in vs]),
        _row("Cases with a task overdue", [share(v.overdue_cases, v.cases) for v in vs]),
        _row("Tasks completed without being seen opening (waiting and working not told apart)",
             [v.not_told_apart for v in vs]),
    ]
    return {"head": _head("Figure", pair), "rows": rows}


def outcomes(pair: Pair) -> dict[str, Any]:
    vs = sides(pair)
    labels = list(dict.fromkeys(o.label for v in vs for o in v.outcomes))
    counts = [{o.label: o.cases for o in v.outcomes} for v in vs]
    rows = [_row(label, [share(c.get(label, 0), v.cases) for c, v in zip(counts, vs)]) for label in labels]
    return {"head": _head("Outcome", pair, ": cases (share)"), "rows": rows}


def cycle_time(pair: Pair) -> dict[str, Any]:
    vs = sides(pair)
    figures = [("Ended cases", lambda s: s.count), ("Least", lambda s: days(s.least)),
               ("Lower quartile", lambda s: days(s.q1)), ("Median", lambda s: days(s.median)),
               ("Upper quartile", lambda s: days(s.q3)), ("90th percentile", lambda s: days(s.p90)),
               ("Greatest", lambda s: days(s.greatest))]
    return {"head": _head("Working days", pair),
            "rows": [_row(name, [f(v.cycle_time) for v in vs]) for name, f in figures]}


def _spread(s: Spread) -> str:
    return f"{days(s.median)} ({s.count})" if s.count else NONE


def activities(pair: Pair) -> dict[str, Any]:
    """Per task, a row per side (real, simulated): waiting and working medians (with how many tasks each), the
    time of tasks nobody was seen opening, and the overdue. The task's name spans its rows."""
    vs = sides(pair)
    head = [{"text": "Task (lane)"}, {"text": "Cases from"}, {"text": "Waiting", "format": "numeric"},
            {"text": "Working", "format": "numeric"}, {"text": "Not told apart", "format": "numeric"},
            {"text": "Overdue", "format": "numeric"}]
    keys = list(dict.fromkeys((a.name, a.lane) for v in vs for a in v.activities))
    found = [(heading(v), {(a.name, a.lane): a for a in v.activities}) for v in vs]
    rows = []
    for name, lane in keys:
        for n, (who, by_key) in enumerate(found):
            a = by_key.get((name, lane))
            row = [{"text": f"{name} ({lane})" if lane else name, "rowspan": len(found)}] if n == 0 else []
            row.append({"text": who})
            row += ([_cell(_spread(a.waiting)), _cell(_spread(a.working)), _cell(_spread(a.not_told_apart)),
                     _cell(share(a.overdue, a.tasks))] if a else [_cell("not reached")] + [_cell(NONE)] * 3)
            rows.append(row)
    return {"head": head, "rows": rows}


def variants(pair: Pair) -> dict[str, Any]:
    """The most frequent trace variants over both sides; how many more there are is said below the table."""
    vs = sides(pair)
    counts = [{(t.steps, t.ending): t.cases for t in v.traces} for v in vs]
    keys = sorted({k for c in counts for k in c}, key=lambda k: (-sum(c.get(k, 0) for c in counts), k))
    rows = [[{"text": " → ".join(steps) if steps else "none yet"}, {"text": ending}]
            + [_cell(share(c.get((steps, ending), 0), v.cases)) for c, v in zip(counts, vs)]
            for steps, ending in keys[:MOST_VARIANTS]]
    head = [{"text": "Tasks completed, in order"}, {"text": "Ending"}] + _head("", pair, ": cases (share)")[1:]
    return {"head": head, "rows": rows, "more": max(len(keys) - MOST_VARIANTS, 0), "total": len(keys)}


def tables(pair: Pair) -> dict[str, dict[str, Any]]:
    return {"summary": summary(pair), "outcomes": outcomes(pair), "cycle-time": cycle_time(pair),
            "activities": activities(pair), "variants": variants(pair)}


def simulated_label(v: VariantRuntime | None) -> str | None:
    return side_label(v) if v is not None else None
