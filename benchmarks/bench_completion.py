"""Benchmark: one task completion through the service layer against SpiffWorkflow's naive round trip.

The naive round trip is what an application without a spec store does per completion: the whole instance, spec
embedded, deserialized, one task completed, the whole instance serialized again. Two diagrams: the 2-lane 3-task
diagram of the HTTP benchmark (the catalogue's median procedure has 4 user tasks) and york_step_up, walked as the
demo walks it (its answers, its workers). In each round both sides move the same case on by the same task with
the same answers; bpmnrun is timed twice, on a case whose workflow is in the worker's cache (the worker completed
the step before) and on one whose workflow is not (a worker that just started, or the case's last step done by
another worker). bpmnrun's figure includes its SQLite transaction: task rows, timers, audit, commit.

Prints medians, each ratio to the naive round trip measured in the same run beside its goal (≤ 0.6), the SQL
statements and commits of one completion, and the machine's load. Then where a cached completion's time goes: the
engine's step (task run, engine steps, state written), the same statements sent again through sqlite3 alone to a
twin database (sql_replay.py), and the rest (the service layer and SQLAlchemy); engine step plus SQL alone is the
least a completion kept in SQLite could cost, and its ratio to the naive round trip says how far a goal can be
reached at all. About a minute.
Run: .venv/bin/python benchmarks/bench_completion.py [--rounds 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import event
from SpiffWorkflow.util.task import TaskState

sys.path.insert(0, str(Path(__file__).parent))
import synthetic  # noqa: E402
from naive_serializer import naive_serializer  # noqa: E402
from sql_replay import SqlReplay  # noqa: E402

from bpmnrun.engine import engine  # noqa: E402
from bpmnrun.service import cases, demo, deploy, instances, queries, tasks, users  # noqa: E402
from bpmnrun.service.demo import today  # noqa: E402
from bpmnrun.service.demo_walks import WALKS, answers_for, plausible_answers  # noqa: E402
from bpmnrun.service.runtime import Runtime  # noqa: E402
from bpmnrun.store.database import Database  # noqa: E402
from bpmnrun.store.models import Instance, Task  # noqa: E402

LIBRARY = Path(__file__).resolve().parent.parent / "bpmn"
GOAL = 0.6
NAIVE = naive_serializer()


@dataclass
class Case:
    """One case on both sides: bpmnrun's instance and the naive side's serialized workflow (spec embedded)."""

    instance_id: int
    naive_state: str
    visits: dict[str, int] = field(default_factory=dict)


@dataclass
class Round:
    """One step on both sides: the naive seconds, bpmnrun's, the engine's step within bpmnrun's, the same
    statements through sqlite3 alone, and the SQL statements and commits of bpmnrun's completion."""

    naive: float
    service: float
    engine: float
    store: float
    statements: int
    commits: int


@dataclass
class Step:
    task_id: str
    bpmn_id: str
    actor: str
    answers: dict[str, Any]


class Side:
    """A diagram deployed into its own SQLite file, with the means to say the next step of a case."""

    def __init__(self, rt: Runtime, process_id: str, start: Callable[[], int], next_step: Callable[[Case], Step]):
        self.rt, self.process_id, self._start, self.next_step = rt, process_id, start, next_step
        self.tally = {"statements": 0, "commits": 0}
        self.replay: SqlReplay | None = None
        self.engine_seconds = 0.0

    def new_case(self) -> Case:
        instance_id = self._start()
        with self.rt.reading() as session:
            instance = session.get(Instance, instance_id)
            workflow = engine.restore(instance.state, deploy.parsed_spec(self.rt, session, instance.process_version_id))
        return Case(instance_id, NAIVE.serialize_json(workflow))

    def both(self, case: Case) -> Round:
        """Move the case on by one step on both sides (and on the twin database, once there is one)."""
        step = self.next_step(case)
        t0 = time.perf_counter()
        case.naive_state = _naive_step(case.naive_state, step)
        t1 = time.perf_counter()
        before = dict(self.tally)
        if self.replay:
            self.replay.sent.clear()  # the reads that chose the step are not the completion's
        self.engine_seconds = 0.0
        tasks.complete_task(self.rt, step.task_id, step.actor, step.answers)
        t2 = time.perf_counter()
        return Round(t1 - t0, t2 - t1, self.engine_seconds, self.replay.replay() if self.replay else 0.0,
                     self.tally["statements"] - before["statements"], self.tally["commits"] - before["commits"])

    def forget(self, case: Case) -> None:
        with self.rt.reading() as session:
            self.rt.workflows.take(case.instance_id, session.get(Instance, case.instance_id).revision)

    def count_sql(self) -> None:
        event.listen(self.rt.db.engine, "before_cursor_execute", lambda *a: self._bump("statements"))
        event.listen(self.rt.db.engine, "commit", lambda *a: self._bump("commits"))

    def time_the_parts(self, twin: Path) -> None:
        """From now on, time the engine's step within each completion and replay its statements on a twin."""
        self.replay = SqlReplay(self.rt.db.engine, Path(self.rt.db.engine.url.database), twin)
        complete = engine.complete

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return complete(*args, **kwargs)
            finally:
                self.engine_seconds += time.perf_counter() - began
        engine.complete = timed
        self._untimed = complete

    def close(self) -> None:
        if self.replay:
            engine.complete = self._untimed
            self.replay.close()
        self.rt.db.dispose()

    def _bump(self, key: str) -> None:
        self.tally[key] += 1


def _naive_step(state: str, step: Step) -> str:
    workflow = NAIVE.deserialize_json(state)
    workflow.script_engine = engine.SCRIPT_ENGINE  # the diagrams' own functions (working days, dates)
    task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == step.bpmn_id)
    task.set_data(**step.answers)
    task.run()
    workflow.do_engine_steps()
    return NAIVE.serialize_json(workflow)


def three_task_side(tmp: Path) -> Side:
    folder = tmp / "three"
    folder.mkdir()
    synthetic.write(folder / "bench_3.bpmn", "bench_3", 3)
    rt = Runtime(Database(f"sqlite:///{tmp}/three.sqlite"))
    deploy.deploy(rt, [folder], "bench")
    users.add_user(rt, "u", ["Team A", "Team B"])
    family = cases.create_case(rt, "Bench", [cases.Child("C")], "u")

    def next_step(case: Case) -> Step:
        task = queries.instance_tasks(rt, case.instance_id)[0]
        return Step(task.id, _bpmn_id(rt, task.id), "u", {"note": "done"})

    return Side(rt, "bench_3", lambda: instances.start_work(rt, "bench_3", family.id, "u"), next_step)


def york_side(tmp: Path) -> Side:
    rt = Runtime(Database(f"sqlite:///{tmp}/york.sqlite"))
    demo.seed_users_and_library(rt, LIBRARY)
    walk = next(w for w in WALKS if w.process_id == "york_step_up")
    family = demo.family(rt, walk.family, demo.starter(rt, walk.process_id))

    def next_step(case: Case) -> Step:
        task = queries.instance_tasks(rt, case.instance_id)[0]
        visit = case.visits.get(task.name, 0)
        case.visits[task.name] = visit + 1
        actor = demo.actor_for(task)
        form = queries.get_task(rt, task.id, actor).form
        return Step(task.id, _bpmn_id(rt, task.id), actor,
                    plausible_answers(form, today(), answers_for(walk, task.name, visit)))

    return Side(rt, walk.process_id, lambda: demo.start_walk(rt, walk, family), next_step)


def _bpmn_id(rt: Runtime, task_id: str) -> str:
    with rt.reading() as session:
        return session.get(Task, task_id).bpmn_id


@dataclass
class Figures:
    naive: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)
    store: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    commits: list[int] = field(default_factory=list)


def measure(side: Side, rounds: int, advance: int, twin: Path) -> Figures:
    """`advance` steps are taken first on every case (untimed), so the step timed has history behind it."""
    warm_cases = [side.new_case() for _ in range(rounds)]
    cold_cases = [side.new_case() for _ in range(rounds)]
    for case in warm_cases + cold_cases:
        for _ in range(advance):
            side.both(case)  # untimed: the steps before the one measured
    side.count_sql()
    side.time_the_parts(twin)
    figures = Figures()
    for warm, cold in zip(warm_cases, cold_cases):  # alternated, so machine noise hits all alike
        done = side.both(warm)
        figures.naive.append(done.naive)
        figures.cached.append(done.service)
        figures.engine.append(done.engine)
        figures.store.append(done.store)
        figures.statements.append(done.statements)
        figures.commits.append(done.commits)
        side.forget(cold)  # its workflow is read and restored from the database
        done = side.both(cold)
        figures.naive.append(done.naive)
        figures.cold.append(done.service)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    print(f"one task completion, median of {args.rounds} rounds per figure; machine load (1 min) {load_before:.2f}, "
          f"{os.cpu_count()} cores")
    print(f"{'':<32}{'naive':>10}{'bpmnrun cached':>16}{'ratio':>7}{'bpmnrun cold':>14}{'ratio':>7}{'goal':>8}"
          f"{'SQL':>5}{'commits':>9}")
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, make, advance in (("3-task diagram, at task 2", three_task_side, 1),
                                     ("york_step_up, at its 3rd step", york_side, 2)):
            side = make(Path(tmp))
            found = measure(side, args.rounds, advance, Path(tmp) / f"{side.process_id}-twin.sqlite")
            side.close()
            naive, cached, cold = (statistics.median(v) for v in (found.naive, found.cached, found.cold))
            print(f"{label:<32}{naive * 1000:>7.2f} ms{cached * 1000:>13.2f} ms{cached / naive:>7.2f}"
                  f"{cold * 1000:>11.2f} ms{cold / naive:>7.2f}{'<= ' + str(GOAL):>8}"
                  f"{statistics.median(found.statements):>5g}{statistics.median(found.commits):>9g}")
            parts.append((label, naive, cached, statistics.median(found.engine), statistics.median(found.store)))
    print(f"machine load (1 min) at the end {os.getloadavg()[0]:.2f}; SQL: statements of one completion "
          "(SQLite's BEGIN IMMEDIATE included), commits: its transactions")
    print_parts(parts)


def print_parts(parts: list[tuple[str, float, float, float, float]]) -> None:
    """Where a cached completion's time goes, and the least any completion kept in SQLite could cost: the
    engine's step (run, engine steps, state written) plus the same statements sent by sqlite3 alone."""
    print("\nwhere a cached completion's time goes (medians of the same rounds)")
    print(f"{'':<32}{'engine step':>13}{'SQL alone':>11}{'the rest':>10}{'floor':>9}{'floor ratio':>13}")
    for label, naive, cached, engine_step, store in parts:
        floor = engine_step + store
        print(f"{label:<32}{engine_step * 1000:>10.2f} ms{store * 1000:>8.2f} ms"
              f"{(cached - floor) * 1000:>7.2f} ms{floor * 1000:>6.2f} ms{floor / naive:>13.2f}")
    print("SQL alone: the completion's statements and commit sent again through sqlite3, no SQLAlchemy, to a twin "
          "database; floor: engine step + SQL alone, floor ratio: floor / naive")


if __name__ == "__main__":
    main()
