"""Benchmark: moving 1,000 running cases to a new version on SQLite, each in its own transaction.

The cases wait at different places of tests/diagrams/change_v1/test_change.bpmn (a user task, a timer, a user
task with a boundary timer); version 2 renames a task, changes a form, a timer and a gateway. The move runs on a
fresh runtime (no workflow cached), as a process owner's move after a deploy would. Prints the milliseconds per
case (mean and median), the total, and the preview's cost. The goal is ≤ 20 ms per case.
Run: .venv/bin/python benchmarks/bench_migrate.py [--cases 1000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bpmnrun.clock import MovableClock
from bpmnrun.service import cases, deploy, instances, moves, tasks, timers, users
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Task
from sqlalchemy import select

DIAGRAMS = Path(__file__).resolve().parents[1] / "tests" / "diagrams"
PROCESS = "test_change"


def seed(rt: Runtime, clock: MovableClock, folder: Path, count: int) -> None:
    """`count` cases on version 1: a half at Record request, a quarter at the review date, a quarter at Review."""
    shutil.copy(DIAGRAMS / "change_v1" / f"{PROCESS}.bpmn", folder)
    deploy.deploy(rt, [folder], "bench")
    users.add_user(rt, "sam", ["Social Worker"])
    case = cases.create_case(rt, "Bench", [cases.Child("Child")], "sam")
    started = [instances.start_work(rt, PROCESS, case.id, "sam") for _ in range(count)]
    for n, instance_id in enumerate(started):
        if n % 2:
            task_id = _open_task(rt, instance_id)
            tasks.complete_task(rt, task_id, "sam", {"family_size": "1", "review_on": clock.now().date().isoformat()})
    clock.advance(days=1, hours=1)
    fired = 0
    for _ in range(count // 4 // 100 + 1):  # half of those waiting see their review date come
        fired += timers.fire_due_timers(rt, limit=min(100, count // 4 - fired))
        if fired >= count // 4:
            break


def _open_task(rt: Runtime, instance_id: int) -> str:
    with rt.reading() as session:
        return session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.state == "ready"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    count = parser.parse_args().cases
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "bpmn")
        folder.mkdir()
        url = f"sqlite:///{tmp}/bench.sqlite"
        clock = MovableClock(datetime(2025, 6, 2, 9, 0))
        t0 = time.perf_counter()
        seed(Runtime(Database(url), clock), clock, folder, count)
        shutil.copy(DIAGRAMS / "change_v2" / f"{PROCESS}.bpmn", folder)
        deploy.deploy(Runtime(Database(url), clock), [folder], "bench")
        print(f"seeded {count} cases in {time.perf_counter() - t0:.1f} s")

        rt = Runtime(Database(url), clock)  # nothing cached: every case is read from the database
        t0 = time.perf_counter()
        preview = moves.preview(rt, PROCESS, 2)
        previewed = time.perf_counter() - t0
        assert preview.movable == count, (preview.movable, count)

        rt = Runtime(Database(url), clock)
        marks = [time.perf_counter()]
        run = moves.move_cases(rt, PROCESS, 2, "bench", progress=lambda _: marks.append(time.perf_counter()))
        total = marks[-1] - marks[0]
        assert run.count("moved") == count, run.count("moved")
        each = [(b - a) * 1000 for a, b in zip(marks, marks[1:])]
        print(f"preview: {previewed * 1000 / count:.2f} ms per case, {previewed:.2f} s in all")
        print(f"move: {total * 1000 / count:.2f} ms per case (median {statistics.median(each):.2f} ms, "
              f"p90 {statistics.quantiles(each, n=10)[-1]:.2f} ms), {total:.2f} s for {count} cases")
        print("goal: ≤ 20 ms per case")


if __name__ == "__main__":
    main()
