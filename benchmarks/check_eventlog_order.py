"""Check (issue 13): export the event log of simulated databases as XES, timed, and count in it the `start`
events written before the `complete` of another task at the same time (a lifecycle-aware miner reads those
as an overlap that never happened: 0 expected) and the events per trace.

Run: .venv/bin/python benchmarks/check_eventlog_order.py sqlite:////tmp/ev_authc_step_down_sc_to_eh.sqlite …
(fill each database first: bpmnrun simulate PROCESS --cases 1000 --into URL).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from lxml import etree

from bpmnrun.analysis import eventlog
from bpmnrun.clock import SystemClock
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database

NS = {"x": eventlog.XES_NAMESPACE}


def inversions(events: list[dict[str, str]]) -> int:
    """Pairs (a task's start, a later-written complete of another element at the very same time)."""
    found = 0
    for i, event in enumerate(events):
        if event["lifecycle:transition"] != "start":
            continue
        found += sum(1 for later in events[i + 1:] if later["lifecycle:transition"] == "complete"
                     and later["time:timestamp"] == event["time:timestamp"]
                     and later.get("bpmnrun:element") != event.get("bpmnrun:element"))
    return found


def check(url: str) -> None:
    rt = Runtime(Database(url), SystemClock())
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "log.xes"
        began = time.perf_counter()
        done = eventlog.write_xes(rt, target)
        seconds = time.perf_counter() - began
        per_trace, kinds, bad, bad_traces = [], Counter(), 0, 0
        for _, trace in etree.iterparse(str(target), tag=f"{{{eventlog.XES_NAMESPACE}}}trace"):
            events = [{a.get("key"): a.get("value") for a in e} for e in trace.iterfind("x:event", NS)]
            per_trace.append(len(events))
            kinds.update(e.get("bpmnrun:element_type") for e in events)
            found = inversions(events)
            bad += found
            bad_traces += bool(found)
            trace.clear()
    rt.db.dispose()
    if not per_trace:
        print(f"{url}: no events exported (no case got as far as a task: see the simulation's failures)")
        return
    print(f"{url}: {done.traces} traces, {done.events} events exported in {seconds:.2f} s; "
          f"inversions {bad} (in {bad_traces} traces); events per trace median {statistics.median(per_trace)}, "
          f"max {max(per_trace)}, mean {statistics.fmean(per_trace):.1f}; by type {dict(kinds)}")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        check(argument)
