"""Event logs for process-mining tools: IEEE 1849 XES (eventlog_xes.py) or CSV (eventlog_csv.py), same events.

A trace is one piece of case work (an instance). Each human task gives a `start` event when it became ready
(it waited from then on) and a `complete` event when it was completed; the timers that fired, the messages
caught and the end events reached give one `complete` event each. Tasks carry their element id, every
activity vocabulary term the diagram gives them, their lane (org:role) and the person who completed them,
else their assignee (org:resource). eventlog_events.py says how events at equal times are ordered.

Reads the instance, task and audit rows, streaming in instance order, and each process version's diagrams
once: memory stays flat however many cases there are.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import IO, Iterable, Iterator

from sqlalchemy import case, null, select
from sqlalchemy.orm import Session

from ..service.errors import NotFound
from ..service.runtime import Runtime
from ..store.models import Event, Instance, ProcessVersion, Task
from . import eventlog_csv, eventlog_xes
from .eventlog_csv import CSV_COLUMNS
from .eventlog_events import (AUDIT_ACTIONS, COMPLETE, END_EVENT, ENGINE_ACTIONS, AuditRow, LogEvent, TaskRow,
                              Trace, engine_events, ordered, task_events, task_ranks)
from .eventlog_versions import VersionCache
from .eventlog_xes import OWN_EXTENSION, XES_NAMESPACE

__all__ = ["CSV_COLUMNS", "OWN_EXTENSION", "XES_NAMESPACE", "Exported", "LogEvent", "Trace", "require_deployed",
           "traces", "write_csv", "write_xes"]
Exported = eventlog_xes.Exported
BATCH = 2000


def traces(rt: Runtime, process_ids: Iterable[str] = ()) -> Iterator[Trace]:
    """Every instance of the chosen processes (all by default), in instance order, its events in time order."""
    wanted = list(dict.fromkeys(process_ids))
    with rt.reading() as session:
        _require_deployed(session, wanted)
        versions = VersionCache(session)
        heads = _stream(session, _heads(wanted))
        tasks = groupby(_stream(session, _tasks(wanted)), key=lambda r: r.instance_id)
        audit = groupby(_stream(session, _audit(wanted)), key=lambda r: r.instance_id)
        task_group, audit_group = next(tasks, None), next(audit, None)
        for head in heads:
            # The three streams are in instance order: take each one's rows of this instance, if any.
            while task_group is not None and task_group[0] < head.id:
                task_group = next(tasks, None)
            while audit_group is not None and audit_group[0] < head.id:
                audit_group = next(audit, None)
            own_tasks = list(task_group[1]) if task_group is not None and task_group[0] == head.id else []
            own_audit = list(audit_group[1]) if audit_group is not None and audit_group[0] == head.id else []
            yield _trace(head, own_tasks, own_audit, versions)


def require_deployed(rt: Runtime, process_ids: Iterable[str]) -> None:
    """NotFound naming the first of `process_ids` that is not deployed (check before opening a file)."""
    with rt.reading() as session:
        _require_deployed(session, list(process_ids))


def write_xes(rt: Runtime, target: Path | str, process_ids: Iterable[str] = ()) -> Exported:
    """Write an XES log, streaming."""
    process_ids = list(process_ids)
    require_deployed(rt, process_ids)
    return eventlog_xes.write(target, traces(rt, process_ids))


def write_csv(rt: Runtime, handle: IO[str], process_ids: Iterable[str] = ()) -> Exported:
    """The same events as CSV, one row per event (columns: CSV_COLUMNS, contract 1 of issue 13)."""
    process_ids = list(process_ids)
    require_deployed(rt, process_ids)
    return eventlog_csv.write(handle, traces(rt, process_ids))


def _require_deployed(session: Session, wanted: list[str]) -> None:
    known = set(session.scalars(select(ProcessVersion.process_id).where(ProcessVersion.process_id.in_(wanted))))
    missing = [pid for pid in wanted if pid not in known]
    if missing:
        raise NotFound(f"no process {missing[0]!r} is deployed")


def _stream(session: Session, query) -> Iterator:
    return iter(session.execute(query.execution_options(yield_per=BATCH)))


def _chosen(query, column, wanted: list[str]):
    return query.where(column.in_(wanted)) if wanted else query


def _heads(wanted: list[str]):
    query = select(Instance.id, Instance.case_id, Instance.process_version_id, Instance.status,
                   Instance.end_event, Instance.ended_at).order_by(Instance.id)
    return _chosen(query, Instance.process_id, wanted)


def _instance_ids(wanted: list[str]):
    return _chosen(select(Instance.id), Instance.process_id, wanted)


def _tasks(wanted: list[str]):
    query = select(Task.instance_id, Task.id, Task.process_id, Task.bpmn_id, Task.name, Task.lane, Task.assignee,
                   Task.position, Task.created_at, Task.completed_at, Task.completed_by)
    if wanted:
        query = query.where(Task.instance_id.in_(_instance_ids(wanted)))
    return query.order_by(Task.instance_id, Task.position)


def _audit(wanted: list[str]):
    # The detail (element id, process) of the engine's own events only: a completion's detail holds its answers.
    detail = case((Event.action.in_(list(ENGINE_ACTIONS)), Event.detail), else_=null())
    query = (select(Event.instance_id, Event.id, Event.at, Event.action, Event.task_id, Event.name,
                    detail.label("detail"))
             .where(Event.instance_id.is_not(None), Event.action.in_(AUDIT_ACTIONS)))
    if wanted:
        query = query.where(Event.instance_id.in_(_instance_ids(wanted)))
    return query.order_by(Event.instance_id, Event.id)


def _trace(head, task_rows: list, audit_rows: list, versions: VersionCache) -> Trace:
    facts = versions.facts(head.process_version_id)
    tasks = [TaskRow(r.id, r.process_id, r.bpmn_id, r.name, r.lane, r.assignee, r.position, r.created_at,
                     r.completed_at, r.completed_by) for r in task_rows]
    audit = [AuditRow(r.id, r.at, r.action, r.task_id, r.name, (r.detail or {}).get("element"),
                      (r.detail or {}).get("process")) for r in audit_rows]
    keyed = task_events(tasks, facts.terms_of)
    keyed += engine_events(audit, task_ranks(tasks), facts.process_id, facts.lane_of)
    outcome = head.end_event if head.status == "completed" else None
    if outcome and head.ended_at and not any(e.element_type == END_EVENT for _, e in keyed):
        # The audit no longer says (a family's events past retention): the end from the instance row itself.
        element = facts.end_events.get(outcome, "")
        keyed.append(((head.ended_at, 1 << 63, 0), LogEvent(outcome, element, END_EVENT, (), COMPLETE, None,
                                                            facts.lane_of(facts.process_id, element), head.ended_at)))
    return Trace(head.id, head.case_id, facts.authority, facts.process_id, facts.version, head.status, outcome,
                 ordered(keyed))
