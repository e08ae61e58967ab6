"""Event logs for process-mining tools: IEEE 1849 XES, or CSV with the same events.

A trace is one piece of case work (an instance); each human task gives a `start` event when it became
ready (it waited from then on: bpmnrun does not record when somebody opened it) and a `complete`
event when it was completed. `concept:name` is the task's name from the diagram, `bpmnrun:activity`
its activity vocabulary term, `org:role` its lane and `org:resource` the user who completed it (the
assignee or the lane while it was open). Reads the instance and task rows only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import IO, Iterable, Iterator

from lxml import etree
from sqlalchemy import select

from ..service.errors import NotFound
from ..service.runtime import Runtime
from ..store.models import Instance, ProcessVersion, Task

XES_NAMESPACE = "http://www.xes-standard.org/"
EXTENSIONS = (("Concept", "concept"), ("Lifecycle", "lifecycle"), ("Organizational", "org"), ("Time", "time"))
# IEEE 1849 lets a log declare its own extension: our `bpmnrun:` keys (process, case, status, end_event on
# a trace; activity, the vocabulary term, on an event). A URN: nothing is fetched from it.
OWN_EXTENSION = ("bpmnrun", "bpmnrun", "urn:bpmnrun:xes:extension:bpmnrun")
CSV_COLUMNS = ("case_id", "activity", "activity_term", "lifecycle", "resource", "lane", "timestamp")


@dataclass(frozen=True)
class LogEvent:
    activity: str
    term: str | None
    lifecycle: str  # start | complete
    resource: str | None
    lane: str | None
    timestamp: datetime


@dataclass(frozen=True)
class Trace:
    instance_id: int
    process_id: str
    case_id: int
    status: str
    end_event: str | None
    events: tuple[LogEvent, ...]


@dataclass(frozen=True)
class Exported:
    traces: int
    events: int


def traces(rt: Runtime, process_ids: Iterable[str] = ()) -> Iterator[Trace]:
    """Every instance of the chosen processes (all by default) with its task events in time order."""
    wanted = list(dict.fromkeys(process_ids))
    with rt.reading() as session:
        _require_deployed(session, wanted)
        instances = select(Instance.id, Instance.process_id, Instance.case_id, Instance.status, Instance.end_event)
        if wanted:
            instances = instances.where(Instance.process_id.in_(wanted))
        heads = {row.id: row for row in session.execute(instances)}
        query = (select(Task.instance_id, Task.name, Task.activity, Task.lane, Task.assignee, Task.created_at,
                        Task.completed_at, Task.completed_by, Task.position)
                 .order_by(Task.instance_id, Task.position))
        if wanted:
            query = query.where(Task.instance_id.in_(select(instances.with_only_columns(Instance.id).subquery())))
        rows = session.execute(query.execution_options(yield_per=2000))
        seen: set[int] = set()
        for instance_id, task_rows in groupby(rows, key=lambda r: r.instance_id):
            seen.add(instance_id)
            yield _trace(heads[instance_id], list(task_rows))
        for instance_id in sorted(set(heads) - seen):
            yield _trace(heads[instance_id], [])


def require_deployed(rt: Runtime, process_ids: Iterable[str]) -> None:
    """NotFound naming the first of `process_ids` that is not deployed (check before opening a file)."""
    with rt.reading() as session:
        _require_deployed(session, list(process_ids))


def _require_deployed(session, wanted: list[str]) -> None:
    known = set(session.scalars(select(ProcessVersion.process_id).where(ProcessVersion.process_id.in_(wanted))))
    missing = [pid for pid in wanted if pid not in known]
    if missing:
        raise NotFound(f"no process {missing[0]!r} is deployed")


def _trace(head, task_rows: list) -> Trace:
    keyed = []
    for t in task_rows:
        # Ties in time keep the engine's order: a task starts before it completes, and a completion
        # comes before the start of the task it made ready.
        keyed.append(((t.created_at, 2 * t.position),
                      LogEvent(t.name, t.activity, "start", t.assignee or t.lane, t.lane, t.created_at)))
        if t.completed_at is not None:
            keyed.append(((t.completed_at, 2 * t.position + 1),
                          LogEvent(t.name, t.activity, "complete", t.completed_by, t.lane, t.completed_at)))
    events = tuple(e for _, e in sorted(keyed, key=lambda item: item[0]))
    return Trace(head.id, head.process_id, head.case_id, head.status, head.end_event, events)


def write_xes(rt: Runtime, target: Path | str, process_ids: Iterable[str] = ()) -> Exported:
    """Write an XES log, streaming: memory stays flat however many cases there are."""
    require_deployed(rt, process_ids)
    count_traces = count_events = 0
    with etree.xmlfile(str(target), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_tag("log"), {"xes.version": "1849-2016", "xes.features": "nested-attributes"},
                        nsmap={None: XES_NAMESPACE}):
            for element in _log_header():
                xf.write(element, pretty_print=True)
            for trace in traces(rt, process_ids):
                xf.write(_trace_element(trace), pretty_print=True)
                count_traces += 1
                count_events += len(trace.events)
    return Exported(count_traces, count_events)


def _log_header() -> list[etree._Element]:
    parts = [_element("extension", name=name, prefix=prefix, uri=f"{XES_NAMESPACE}{prefix}.xesext")
             for name, prefix in EXTENSIONS]
    name, prefix, uri = OWN_EXTENSION
    parts.append(_element("extension", name=name, prefix=prefix, uri=uri))
    trace_globals = _element("global", scope="trace")
    _attribute(trace_globals, "string", "concept:name", "__INVALID__")
    event_globals = _element("global", scope="event")
    _attribute(event_globals, "string", "concept:name", "__INVALID__")
    _attribute(event_globals, "string", "lifecycle:transition", "complete")
    _attribute(event_globals, "date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
    parts += [trace_globals, event_globals,
              _element("classifier", name="Activity", keys="concept:name"),
              _element("classifier", name="Activity and lifecycle", keys="concept:name lifecycle:transition")]
    name = _element("string", key="concept:name", value="bpmnrun event log")
    return parts + [name]


def _trace_element(trace: Trace) -> etree._Element:
    element = _element("trace")
    _attribute(element, "string", "concept:name", str(trace.instance_id))
    _attribute(element, "string", "bpmnrun:process", trace.process_id)
    _attribute(element, "int", "bpmnrun:case", str(trace.case_id))
    _attribute(element, "string", "bpmnrun:status", trace.status)
    if trace.end_event:
        _attribute(element, "string", "bpmnrun:end_event", trace.end_event)
    for event in trace.events:
        item = etree.SubElement(element, _tag("event"))
        _attribute(item, "string", "concept:name", event.activity)
        _attribute(item, "string", "lifecycle:transition", event.lifecycle)
        _attribute(item, "date", "time:timestamp", _xes_time(event.timestamp))
        if event.resource:
            _attribute(item, "string", "org:resource", event.resource)
        if event.lane:
            _attribute(item, "string", "org:role", event.lane)
        if event.term:
            _attribute(item, "string", "bpmnrun:activity", event.term)
    return element


def _attribute(parent: etree._Element, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, _tag(kind), key=key, value=value)


def _element(tag: str, **attributes: str) -> etree._Element:
    return etree.Element(_tag(tag), attributes, nsmap={None: XES_NAMESPACE})


def _tag(name: str) -> str:
    return f"{{{XES_NAMESPACE}}}{name}"


def _xes_time(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def write_csv(rt: Runtime, handle: IO[str], process_ids: Iterable[str] = ()) -> Exported:
    """The same events as CSV, one row per event, for tools that read tables (columns: CSV_COLUMNS)."""
    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    count_traces = count_events = 0
    for trace in traces(rt, process_ids):
        count_traces += 1
        for e in trace.events:
            writer.writerow([trace.instance_id, e.activity, e.term or "", e.lifecycle, e.resource or "",
                             e.lane or "", _xes_time(e.timestamp)])
            count_events += 1
    return Exported(count_traces, count_events)
