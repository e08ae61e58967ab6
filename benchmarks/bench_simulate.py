"""Benchmark: `bpmnrun simulate` speed — cases per second for york_step_up (1,000 cases by default) and a longer
variant, each into a fresh SQLite file, deploy and report excluded (the simulation loop itself).

Prints wall seconds, CPU seconds of this process (less disturbed by other work on a shared machine) and cases/s.
With --compare, each process is also run with the simulation's own optimisations turned off in the same run
(task rows read whole, through the ORM, in four statements, as before; answers not checked against the form's
own rules and optional fields a `required_if` makes required left for the engine to refuse), and the ratio is
printed. Both include what issue 13 added per task (record_opened: one more transaction).
The goal: 1,000 york_step_up cases in ≤ 10 s.

Run: .venv/bin/python benchmarks/bench_simulate.py [--cases 1000] [--long-cases 300] [--compare]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bpmnrun.analysis import simulate as simulate_module
from bpmnrun.analysis import simulation_answers
from bpmnrun.analysis.simulate import simulate
from bpmnrun.analysis.simulation_state import OpenTask, Waiting
from bpmnrun.clock import LONDON, MovableClock
from bpmnrun.service import deploy
from bpmnrun.service.runtime import Runtime, WorkflowCache
from bpmnrun.store.database import Database
from bpmnrun.store.models import Instance, Task, Timer

LIBRARY = Path(__file__).resolve().parent.parent / "bpmn"
SHORT, LONG = "york_step_up", "york_step_down_single_assessment"
GOAL_SECONDS = 10.0  # for 1,000 york_step_up cases (issue 13)


def _waiting_before(rt: Runtime, instance_id: int) -> Waiting:
    """simulation_state.waiting as it was: whole task rows through the ORM, statements built per call."""
    with rt.reading() as session:
        status, messages, timer_count = session.execute(
            select(Instance.status, Instance.waiting_messages, Instance.timer_count)
            .where(Instance.id == instance_id)).one()
        if status != "running":
            return Waiting(status, (), (), None)
        rows = session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
                               .options(selectinload(Task.teams)).order_by(Task.position))
        open_tasks = tuple(OpenTask(t.id, t.bpmn_id, t.name, t.lane, tuple(team.team for team in t.teams),
                                    t.assignee, list(t.form or [])) for t in rows)
        due = session.scalar(select(func.min(Timer.due_at)).where(Timer.instance_id == instance_id)) \
            if timer_count else None
        return Waiting(status, tuple(messages or ()), open_tasks, due)


@contextlib.contextmanager
def optimisations_off() -> Iterator[None]:
    saved = simulate_module.waiting, simulation_answers._required_by, simulation_answers.Answers.settle
    simulate_module.waiting = _waiting_before
    simulation_answers._required_by = lambda spec, values: False
    simulation_answers.Answers.settle = lambda self, form, values, tried, tries: values
    try:
        yield
    finally:
        simulate_module.waiting, simulation_answers._required_by, simulation_answers.Answers.settle = saved


def run(process_id: str, cases: int, folder: Path, label: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one simulation of `cases` cases into a fresh database."""
    path = folder / f"{process_id}-{label}.sqlite"
    rt = Runtime(Database(f"sqlite:///{path}"), MovableClock(datetime(2025, 6, 2, 9, tzinfo=LONDON)),
                 workflows=WorkflowCache(max_bytes=256 * 1024 * 1024))
    try:
        began = time.perf_counter()
        deploy.deploy(rt, [str(LIBRARY)], "simulator")
        deployed = time.perf_counter() - began
        began = time.perf_counter()
        deploy.deploy(rt, [str(LIBRARY)], "simulator")  # as `simulate` does on a database it filled before
        redeployed = time.perf_counter() - began
        wall, cpu = time.perf_counter(), time.process_time()
        result = simulate(rt, process_id, cases, seed=1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        rt.db.dispose()
    print(f"{process_id:<36} {label:<7} {cases:>5} cases {wall:7.1f} s wall {cpu:7.1f} s CPU"
          f" {cases / wall:7.1f} cases/s ({result.steps} steps, {result.completed} completed,"
          f" {len(result.failures)} failed; deploy {deployed:.1f} s, again {redeployed:.1f} s)", flush=True)
    if process_id == SHORT:
        goal = GOAL_SECONDS * cases / 1000
        print(f"{'':<36} goal: {cases} cases in <= {goal:.1f} s: {'met' if wall <= goal else 'NOT met'}"
              f" (load average {os.getloadavg()[0]:.2f})", flush=True)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help=f"{SHORT} cases")
    parser.add_argument("--long", default=LONG, help="the longer variant")
    parser.add_argument("--long-cases", type=int, default=300)
    parser.add_argument("--compare", action="store_true", help="also run with the optimisations off")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for process_id, cases in ((SHORT, args.cases), (args.long, args.long_cases)):
            now = run(process_id, cases, folder, "now")
            if args.compare:
                with optimisations_off():
                    before = run(process_id, cases, folder, "before")
                print(f"{'':<36} ratio now/before: {now[0] / before[0]:.2f} wall, {now[1] / before[1]:.2f} CPU",
                      flush=True)


if __name__ == "__main__":
    main()
