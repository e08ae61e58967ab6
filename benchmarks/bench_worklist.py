"""Benchmark (b): one team's READY tasks with 1k and with 100k open instances (SQLite).

The worklist reads task rows only, never workflow state, so its cost should not grow with the number of open
cases: goal ratio (100k / 1k) <= 1.2. The team under test holds the same 40 tasks in both databases; every
other instance has an open task in one of 50 other teams and a completed task behind it.
Run: .venv/bin/python benchmarks/bench_worklist.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from bpmnrun.service import cases, queries, users
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Instance, ProcessVersion, Task, TaskTeam

TEAM = "Front Door"
TEAM_TASKS = 40
ROUNDS = 200


def populate(rt: Runtime, instances: int) -> None:
    users.add_user(rt, "fiona", [TEAM])
    case = cases.create_case(rt, "Bench", [cases.Child("C")], "fiona")
    now = datetime(2025, 6, 2, tzinfo=timezone.utc)
    with rt.transaction() as session:
        version = ProcessVersion(process_id="bench", version=1, sha256="0" * 64, title="Bench", authority="Other",
                                 source_path="-", xml="", calls={}, deployed_at=now, deployed_by="bench")
        session.add(version)
        session.flush()
        for start in range(0, instances, 5000):
            batch = range(start, min(start + 5000, instances))
            session.execute(insert(Instance), [
                {"id": i + 1, "case_id": case.id, "process_version_id": version.id, "process_id": "bench",
                 "status": "running", "state": "{}", "revision": 1, "subject_ids": [], "started_at": now,
                 "started_by": "bench", "waiting_messages": []} for i in batch])
            tasks, teams = [], []
            for i in batch:
                team = TEAM if i < TEAM_TASKS else f"Team {i % 50}"
                for position, state in ((1, "completed"), (2, "ready")):
                    task_id = str(uuid.uuid4())
                    tasks.append({"id": task_id, "instance_id": i + 1, "position": position, "case_id": case.id,
                                  "process_id": "bench", "bpmn_id": f"T{position}", "name": f"Step {position}",
                                  "lane": team, "state": state, "overdue": False, "form": [], "draft": {},
                                  "created_at": now + timedelta(seconds=i), "due_at": now + timedelta(days=i % 9)})
                    teams.append({"task_id": task_id, "team": team, "ready": state == "ready"})
            session.execute(insert(Task), tasks)
            session.execute(insert(TaskTeam), teams)


def main() -> None:
    """Both databases are built first, then queried in alternation, so machine noise hits both alike."""
    with tempfile.TemporaryDirectory() as tmp:
        runtimes = {}
        for size in (1_000, 100_000):
            rt = Runtime(Database(f"sqlite:///{tmp}/bench-{size}.sqlite"))
            populate(rt, size)
            assert len(queries.list_tasks(rt, "fiona", team=TEAM)) == TEAM_TASKS
            runtimes[size] = rt
        times: dict[int, list[float]] = {size: [] for size in runtimes}
        for _ in range(ROUNDS):
            for size, rt in runtimes.items():
                t0 = time.perf_counter()
                queries.list_tasks(rt, "fiona", team=TEAM)
                times[size].append(time.perf_counter() - t0)
        for rt in runtimes.values():
            rt.db.dispose()
    small, large = (statistics.median(times[s]) for s in (1_000, 100_000))
    print(f"team worklist ({TEAM_TASKS} tasks), median of {ROUNDS} alternating rounds:")
    print(f"  1,000 open instances:   {small * 1000:.2f} ms")
    print(f"  100,000 open instances: {large * 1000:.2f} ms")
    print(f"  ratio: {large / small:.2f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
