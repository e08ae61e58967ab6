"""Values a name can hold at run time, for trying expressions before any case exists.

`samples` gives a few representative values (for timers: a weekday, a weekend day, a bank holiday, Christmas);
`domain` gives EVERY value when there are few (an enum's options, True/False), so a gateway's coverage can be
proven by trying them all. Both follow the stored types of bpmn/README.md.
"""

from __future__ import annotations

from itertools import chain, combinations
from typing import Any, Iterable

from .graph import FormField

UNSET = object()  # the name is not set at all (read through defined()/value())
SAMPLE_DAYS = ("2025-06-04", "2025-06-07", "2025-04-18", "2025-12-25")  # Wednesday, Saturday, Good Friday, Christmas
SUBJECTS = [{"id": n, "name": name, "date_of_birth": born} for n, (name, born) in enumerate(
    [("Josie Smith", "2015-06-14"), ("Joy Smith", "2022-10-03"), ("Johnny Smith", "2012-01-30"),
     ("Jade Smith", "2019-08-21")], start=1)]
CHILD_IDS = [str(s["id"]) for s in SUBJECTS]
ENGINE_SAMPLES: dict[str, list[Any]] = {
    "subjects": [SUBJECTS], "family": ["Smith"], "case_id": [1], "started_by": ["sam"],
    "done_by": [{"Task_example": "sam"}],
}
MAX_MULTIPLE = 5  # options of a multiple choice tried in every combination
MAX_PER_CHILD = 4  # options of a per-child answer tried in every combination of children's answers


def _one(f: FormField) -> list[Any]:
    """Sample answers of one field, as stored for ONE answer (one child's answer, for a per-child field)."""
    if f.type == "enum":
        if f.picks_children:
            return [["1"], ["1", "2"]] if f.multiple else ["1"]
        if f.picks_person:
            return ["sam"]
        options = list(f.options)
        return [[o] for o in options] + ([options] if len(options) > 1 else []) if f.multiple else options
    if f.pattern_choices:
        return list(f.pattern_choices)
    return {"date": list(SAMPLE_DAYS), "long": [0, 5], "boolean": [True, False]}.get(f.type, ["some text"])


def samples(fields: Iterable[FormField]) -> list[Any]:
    """A few values the name may hold, from every field that sets it (first ones first)."""
    found: list[Any] = []
    for f in fields:
        for value in _one(f):
            value = {child: value for child in CHILD_IDS} if f.per_child else value
            if value not in found:
                found.append(value)
    return found


def domain(fields: list[FormField]) -> list[Any] | None:
    """Every value the name may hold, or None when there are too many to try them all."""
    if not fields:
        return None
    values: list[Any] = []
    for f in fields:
        own = _every(f)
        if own is None:
            return None
        values.extend(v for v in own if v not in values)
    return values


def _every(f: FormField) -> list[Any] | None:
    if f.type == "boolean" and not f.per_child:
        return [True, False]
    at_least = 1 if "required" in dict(f.constraints) else 0  # a required multiple choice has a tick
    if f.picks_children and not f.per_child:  # which of the (sample) children were ticked
        if not f.multiple:
            return list(CHILD_IDS)
        return [list(chosen) for chosen in _subsets(CHILD_IDS) if len(chosen) >= at_least]
    if f.pattern_choices and not f.per_child:
        return list(f.pattern_choices)
    if f.type != "enum" or not f.fixed_options or not f.options:
        return None
    options = [o for o in f.options if o != f.constraint("refuse")] if not f.per_child else list(f.options)
    if f.per_child:
        if len(options) > MAX_PER_CHILD:
            return None
        # which answers the children gave, in every combination: every child answers, each answer of the
        # combination is given by at least one child, no other answer is given
        return [{child: chosen[n % len(chosen)] for n, child in enumerate(CHILD_IDS)}
                for chosen in _subsets(options) if chosen]
    if f.multiple:
        if len(options) > MAX_MULTIPLE:
            return None
        return [list(chosen) for chosen in _subsets(options) if len(chosen) >= at_least]
    return options


def _subsets(options: list[str]) -> Iterable[tuple[str, ...]]:
    return chain.from_iterable(combinations(options, n) for n in range(len(options) + 1))


def shown(value: Any) -> str:
    """A sample value as a process owner would write it in a condition."""
    if value is UNSET:
        return "not set"
    if isinstance(value, list) and all(v in CHILD_IDS for v in value):
        return f"ticked for {len(value)} of {len(CHILD_IDS)} children"
    if isinstance(value, list):
        return "ticked: " + ", ".join(f'"{v}"' for v in value) if value else "nothing ticked"
    if isinstance(value, dict):
        return "answered " + ", ".join(sorted({f'"{v}"' for v in value.values()})) + " for the children"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)
