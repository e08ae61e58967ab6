"""Reading an event log for conformance checking: XES (streamed) or CSV, from bpmnrun or from another system.

Only what replay needs is kept: per case its completed task events in time order, each with its name and its
activity vocabulary terms. A `start` event is left out (a step counts once, when it was completed); so are
bpmnrun's own end, timer and message events (told apart by their element type), which are not steps anybody did.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from lxml import etree

from ..service.errors import ServiceError

TASK_TYPES = ("", "usertask", "task")  # element types that are steps (absent: a log from another system)
# Column names a CSV may use for each field, lower case; the first three are required.
COLUMNS = {
    "case": ("case_id", "case:concept:name", "case", "caseid", "case id", "case_identifier"),
    "activity": ("activity", "concept:name", "activity name", "activity_name", "task", "event", "step"),
    "timestamp": ("timestamp", "time:timestamp", "time", "completed_at", "complete timestamp", "end time"),
    "terms": ("activity_terms", "activity_term", "bpmnrun:activity", "terms"),
    "lifecycle": ("lifecycle", "lifecycle:transition", "transition", "event_type"),
    "element_type": ("element_type", "bpmnrun:element_type"),
    "status": ("status", "bpmnrun:status"),
    "process": ("process", "bpmnrun:process"),
    "version": ("version", "bpmnrun:version"),
}
REQUIRED = ("case", "activity", "timestamp")


class LogError(ServiceError):
    """The log cannot be read: one line saying which file, and what is wrong with it."""


@dataclass(frozen=True)
class Step:
    name: str
    terms: tuple[str, ...]


@dataclass
class LogCase:
    case_id: str
    steps: list[Step] = field(default_factory=list)
    status: str | None = None
    process: str | None = None
    version: str | None = None


def read_log(path: str | Path) -> list[LogCase]:
    """Every case of the log with its completed task steps in time order; LogError if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(512).lstrip()
    try:
        if head.startswith(b"<") or path.suffix.lower() == ".xes":
            return list(_xes_cases(path))
        return list(_csv_cases(path))
    except UnicodeDecodeError:
        raise LogError(f"{path}: not a text file (expected XES or CSV in UTF-8)") from None


# --- XES ------------------------------------------------------------------------------------------------------

def _xes_cases(path: Path) -> Iterator[LogCase]:
    try:
        for _, trace in etree.iterparse(str(path), events=("end",), tag="{*}trace", huge_tree=True):
            yield _xes_case(trace)
            trace.clear()  # streaming: a read trace is dropped, memory stays flat
            while trace.getprevious() is not None:
                del trace.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise LogError(f"{path}: not a readable XES file ({exc.msg})") from None
    except LogError as exc:
        raise LogError(f"{path}: {exc}") from None


def _xes_case(trace) -> LogCase:
    head: dict[str, str] = {}
    timed = []
    for position, child in enumerate(trace):  # one pass: the trace's own attributes, then its events
        if not isinstance(child.tag, str):
            continue  # a comment
        key = child.get("key")
        if key is not None:
            head[key] = child.get("value")
            continue
        values = {item.get("key"): item.get("value") for item in child if isinstance(item.tag, str)}
        step = _step(values.get("concept:name"), values.get("bpmnrun:activity"),
                     values.get("lifecycle:transition"), values.get("bpmnrun:element_type"))
        if step is not None:
            timed.append((_time(values.get("time:timestamp")), position, step))
    case = LogCase(head.get("concept:name") or "?", status=head.get("bpmnrun:status"),
                   process=head.get("bpmnrun:process"), version=head.get("bpmnrun:version"))
    case.steps = [step for _, _, step in sorted(timed, key=lambda item: item[:2])]
    return case


# --- CSV ------------------------------------------------------------------------------------------------------

def _csv_cases(path: Path) -> Iterator[LogCase]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise LogError(f"{path}: the file is empty")
        where = _columns(path, header)
        cases: dict[str, LogCase] = {}
        timed: dict[str, list] = {}
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            value = {name: (row[i].strip() if i < len(row) else "") for name, i in where.items()}
            case_id = value["case"]
            if not case_id:
                raise LogError(f"{path}: line {number}: the case id is empty")
            case = cases.get(case_id)
            if case is None:
                case = cases[case_id] = LogCase(case_id, status=value.get("status") or None,
                                                process=value.get("process") or None,
                                                version=value.get("version") or None)
                timed[case_id] = []
            step = _step(value["activity"], value.get("terms"), value.get("lifecycle"), value.get("element_type"))
            if step is not None:
                try:
                    when = _time(value["timestamp"])
                except LogError as exc:
                    raise LogError(f"{path}: line {number}: {exc}") from None
                timed[case_id].append((when, number, step))
    for case_id, case in cases.items():
        case.steps = [step for _, _, step in sorted(timed[case_id], key=lambda item: item[:2])]
        yield case


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    where = {}
    for key, aliases in COLUMNS.items():
        found = next((names.index(a) for a in aliases if a in names), None)
        if found is not None:
            where[key] = found
    missing = [key for key in REQUIRED if key not in where]
    if missing:
        key = missing[0]
        raise LogError(f"{path}: no {key} column (expected one of: {', '.join(COLUMNS[key])}); "
                       f"the columns are: {', '.join(header)}")
    return where


# --- shared ---------------------------------------------------------------------------------------------------

_STEPS: dict[tuple, Step | None] = {}  # a log repeats a few dozen steps many thousand times: each read once


def _step(name: str | None, terms: str | None, lifecycle: str | None, element_type: str | None) -> Step | None:
    key = (name, terms, lifecycle, element_type)
    if key not in _STEPS:
        if len(_STEPS) > 10_000:
            _STEPS.clear()
        _STEPS[key] = _new_step(*key)
    return _STEPS[key]


def _new_step(name: str | None, terms: str | None, lifecycle: str | None, element_type: str | None) -> Step | None:
    if (lifecycle or "complete").strip().lower() != "complete":
        return None
    if (element_type or "").strip().lower() not in TASK_TYPES:
        return None  # bpmnrun's end, timer and message events: not a step of the work
    name = " ".join((name or "").split())
    if not name:
        return None
    return Step(name, tuple((terms or "").split()))


def _time(text: str | None) -> datetime:
    """A timestamp to order a case's steps by; a time without an offset is read as UTC."""
    if not text:
        raise LogError("an event has no timestamp")
    try:
        when = datetime.fromisoformat(text.strip().replace(" ", "T", 1) if "T" not in text else text.strip())
    except ValueError:
        raise LogError(f"{text!r} is not an ISO 8601 timestamp") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
