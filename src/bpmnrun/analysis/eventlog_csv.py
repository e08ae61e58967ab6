"""Writing traces as CSV, one row per event, for tools that read tables (contract 1 of issue 13)."""

from __future__ import annotations

import csv
from typing import IO, Iterable

from .eventlog_events import Trace
from .eventlog_xes import Exported, xes_time

# case_id = the piece of work (the XES trace's concept:name); activity = the event's name (concept:name);
# activity_terms = the task's vocabulary terms, space-separated.
CSV_COLUMNS = ("case_id", "authority", "process", "version", "outcome", "status", "element_id", "element_type",
               "activity", "activity_terms", "lifecycle", "resource", "role", "timestamp")


def write(handle: IO[str], traces: Iterable[Trace]) -> Exported:
    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    count_traces = count_events = 0
    for trace in traces:
        count_traces += 1
        head = [trace.instance_id, trace.authority, trace.process_id, trace.version, trace.outcome or "",
                trace.status]
        for e in trace.events:
            writer.writerow([*head, e.element_id, e.element_type, e.name, " ".join(e.terms), e.lifecycle,
                             e.resource or "", e.role or "", xes_time(e.timestamp)])
            count_events += 1
    return Exported(count_traces, count_events)
