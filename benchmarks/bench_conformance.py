"""Benchmark: `bpmnrun conformance` on a 10,000-case event log.

Simulates cases of one process through the engine (SQLite in a temporary folder, virtual clock), exports them as
XES, then writes a log of --cases cases made from those traces: most repeated as they are, 10% with one step
dropped, 10% with two neighbouring steps swapped (so the log has many distinct sequences, as a real one would).
Prints the seconds for the whole check (read the log, flatten the model, build the Petri net, token replay of
each distinct sequence once) and for the replay alone, with the log's fitness and the most frequent deviations.
Run: .venv/bin/python benchmarks/bench_conformance.py [--process ID] [--cases 10000] [--simulated 60]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support: the library's location

from bpmnrun.analysis.conformance import check, deployed_model, replay_cases  # noqa: E402
from bpmnrun.analysis.conformance_log import read_log  # noqa: E402
from bpmnrun.analysis.conformance_net import build_net  # noqa: E402
from bpmnrun.analysis.eventlog import write_xes  # noqa: E402
from bpmnrun.analysis.simulate import simulate  # noqa: E402
from bpmnrun.clock import MovableClock  # noqa: E402
from bpmnrun.library.bundles import SpecCache  # noqa: E402
from bpmnrun.service.runtime import Runtime  # noqa: E402
from bpmnrun.store.database import Database  # noqa: E402
from tests.support import deploy_library  # noqa: E402

XES = "http://www.xes-standard.org/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--process", default="lincs_step_out_external_lp_no_eh")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--simulated", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        rt = Runtime(Database(f"sqlite:///{base / 'sim.sqlite'}"), MovableClock(datetime(2025, 6, 2, 9)), SpecCache())
        deploy_library(rt)
        began = time.perf_counter()
        done = simulate(rt, args.process, args.simulated, seed=7)
        print(f"simulated {done.completed} cases of {args.process} in {time.perf_counter() - began:.1f} s")
        write_xes(rt, base / "simulated.xes", [args.process])
        model = deployed_model(rt, args.process)
        rt.db.dispose()
        traces = [[s.name for s in case.steps] for case in read_log(base / "simulated.xes")]
        big = base / "big.xes"
        events = _write_log(big, traces, args.cases, random.Random(11))
        print(f"log: {args.cases} cases, {events} events, {big.stat().st_size / 1e6:.1f} MB")

        began, cpu = time.perf_counter(), time.process_time()
        report = check(model, big)  # first, while nothing is cached
        whole, whole_cpu = time.perf_counter() - began, time.process_time() - cpu
        cases = read_log(big)
        began, cpu = time.perf_counter(), time.process_time()
        replay_cases(build_net(model.xml, args.process), cases)
        replay, replay_cpu = time.perf_counter() - began, time.process_time() - cpu
        # CPU seconds beside wall-clock ones: on a shared machine the wall clock also counts waiting for a core.
        print(f"whole check (read the log, flatten, net, replay): {whole:.2f} s ({whole_cpu:.2f} s CPU); "
              f"the replay alone: {replay:.2f} s ({replay_cpu:.2f} s CPU)")
        print(f"cases {len(report.cases)} ({len(cases)} read), distinct sequences {report.variants}, "
              f"fitting {report.fitting}, log fitness {report.fitness:.4f}")
        for deviation, count in report.frequent[:5]:
            print(f"  {count:>6}  {deviation}")


def _write_log(target: Path, traces: list[list[str]], count: int, rnd: random.Random) -> int:
    start = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
    events = 0
    with etree.xmlfile(str(target), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{XES}}}log", nsmap={None: XES}):
            for number in range(count):
                steps = list(rnd.choice(traces))
                roll = rnd.random()
                if roll < 0.1 and len(steps) > 1:
                    del steps[rnd.randrange(len(steps))]
                elif roll < 0.2 and len(steps) > 1:
                    i = rnd.randrange(len(steps) - 1)
                    steps[i], steps[i + 1] = steps[i + 1], steps[i]
                xf.write(_trace(str(number + 1), steps, start + timedelta(hours=number)))
                events += len(steps)
    return events


def _trace(case_id: str, steps: list[str], when: datetime) -> etree._Element:
    trace = etree.Element(f"{{{XES}}}trace")
    etree.SubElement(trace, f"{{{XES}}}string", key="concept:name", value=case_id)
    for i, name in enumerate(steps):
        event = etree.SubElement(trace, f"{{{XES}}}event")
        etree.SubElement(event, f"{{{XES}}}string", key="concept:name", value=name)
        etree.SubElement(event, f"{{{XES}}}string", key="lifecycle:transition", value="complete")
        etree.SubElement(event, f"{{{XES}}}date", key="time:timestamp",
                         value=(when + timedelta(minutes=i)).isoformat(timespec="milliseconds"))
    return trace


if __name__ == "__main__":
    main()
