"""Benchmark: a task list page through the service layer (queries.worklist: the page's 25 tasks, the list's
count and every tab's count) with a team inbox of 2,000 open tasks against one of 100,000.

Three databases: the team's inbox holds 2,000 open tasks (the base); it holds 100,000; it holds 2,000 and
98,000 more are open in 50 other teams. Each case's audit holds its first task's completion (and a draft saved
for a tenth of the open tasks), so a read that scanned the audit would show. In each, the inbox's first page
and its 40th (reached by Next, as a worker reaches it), and the first page of "Mine and my teams'" (this
team's inbox merged with another team's of 2,000 and the tasks the worker holds) are read in alternation, so
that machine noise hits all alike.
Prints medians, each beside the base and the goal (ratio ≤ 1.2, and ≤ 5 ms on SQLite), the SQL statements of one
page, and the machine's load. SQLite by default; --pg URL measures PostgreSQL too, in three schemas of that
database made afresh (bench_worklist_0-2). A few minutes each.
Run: .venv/bin/python benchmarks/bench_worklist.py [--rounds 100] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, insert, text

from bpmnrun.service import cases, queries, users
from bpmnrun.service.queries import TaskFilter
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Event, Instance, ProcessVersion, Task, TaskTeam, inbox_sort_key

TEAM, OTHER = "Front Door", "Early Help"
WORKER = "fiona"
PAGE_SIZE = 25
CONFIGS = {  # name: (open tasks in the team's inbox, open tasks in 50 other teams)
    "2,000 in the inbox": (2_000, 0),
    "100,000 in the inbox": (100_000, 0),
    "2,000 in it, 98,000 elsewhere": (2_000, 98_000),
}
BASE = "2,000 in the inbox"
SQLITE_GOAL_MS = 5.0


def populate(rt: Runtime, in_inbox: int, elsewhere: int) -> None:
    users.add_user(rt, WORKER, [TEAM, OTHER])
    case = cases.create_case(rt, "Bench", [cases.Child("C")], WORKER)
    now = datetime(2025, 6, 2, tzinfo=timezone.utc)
    teams = [TEAM] * in_inbox + [OTHER] * 2_000 + [f"Team {i % 50}" for i in range(elsewhere)]
    with rt.transaction() as session:
        version = ProcessVersion(process_id="bench", version=1, sha256="0" * 64, title="Bench", authority="Other",
                                 source_path="-", xml="", calls={}, deployed_at=now, deployed_by="bench")
        session.add(version)
        session.flush()
        for start in range(0, len(teams), 5000):
            _insert_batch(session, version.id, case.id, teams, range(start, min(start + 5000, len(teams))), now)


def _insert_batch(session, version_id: int, case_id: int, teams: list[str], batch: range, now: datetime) -> None:
    """Each instance has an open task in its team and a completed one behind it, and their audit: the first
    task's completion and, for every tenth open task, a draft saved; the worker holds 20 of the team's."""
    session.execute(insert(Instance), [
        {"id": i + 1, "case_id": case_id, "process_version_id": version_id, "process_id": "bench",
         "status": "running", "state": "{}", "revision": 1, "subject_ids": [], "started_at": now,
         "started_by": "bench", "waiting_messages": []} for i in batch])
    rows, inboxes, audit = [], [], []
    for i in batch:
        for position, state in ((1, "completed"), (2, "ready")):
            task_id = str(uuid.uuid4())
            created, due = now + timedelta(seconds=i), now + timedelta(days=i % 9)
            rows.append({"id": task_id, "instance_id": i + 1, "position": position, "case_id": case_id,
                         "process_id": "bench", "bpmn_id": f"T{position}", "name": f"Step {position}",
                         "lane": teams[i], "state": state, "overdue": False, "form": [], "draft": {},
                         "assignee": WORKER if state == "ready" and teams[i] == TEAM and i % 100 == 0 and i < 2_000 else None,
                         "created_at": created, "due_at": due})
            inboxes.append({"task_id": task_id, "team": teams[i], "ready": state == "ready",
                            "sort_key": inbox_sort_key(due, created, i + 1, position)})
            if state == "completed" or i % 10 == 0:
                audit.append({"at": created, "actor": "bench", "case_id": case_id, "instance_id": i + 1,
                              "task_id": task_id, "name": f"Step {position}", "detail": {},
                              "action": "task_completed" if state == "completed" else "draft_saved"})
    session.execute(insert(Task), rows)
    session.execute(insert(TaskTeam), inboxes)
    session.execute(insert(Event), audit)


def _settled(rt: Runtime) -> None:
    """After a bulk load, the statistics and visibility map PostgreSQL's autovacuum would have made by the time
    anyone reads the inbox (without them the planner takes a 100,000-row table for an empty one)."""
    if rt.db.is_sqlite:
        return
    with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


@dataclass
class Reads:
    """The three page reads of one database, with the place the 40th page starts after."""

    rt: Runtime
    fortieth_after: str

    def first_page(self) -> queries.Worklist:
        return queries.worklist(self.rt, WORKER, TaskFilter(team=TEAM), 1, PAGE_SIZE)

    def fortieth_page(self) -> queries.Worklist:
        return queries.worklist(self.rt, WORKER, TaskFilter(team=TEAM), 40, PAGE_SIZE, after=self.fortieth_after)

    def mixed_page(self) -> queries.Worklist:
        return queries.worklist(self.rt, WORKER, TaskFilter(), 1, PAGE_SIZE)


def prepare(rt: Runtime) -> Reads:
    """Walk Next to the 40th page once (untimed), as a worker would, to know where it starts."""
    shown = queries.worklist(rt, WORKER, TaskFilter(team=TEAM), 1, PAGE_SIZE)
    for number in range(2, 40):
        shown = queries.worklist(rt, WORKER, TaskFilter(team=TEAM), number, PAGE_SIZE, after=shown.last_place)
    return Reads(rt, shown.last_place)


def measure(url_for: dict[str, str], rounds: int) -> tuple[dict, dict]:
    reads: dict[str, Reads] = {}
    for name, (in_inbox, elsewhere) in CONFIGS.items():
        t0 = time.perf_counter()
        rt = Runtime(Database(url_for[name]))
        populate(rt, in_inbox, elsewhere)
        _settled(rt)
        reads[name] = prepare(rt)
        print(f"    seeded {name}: {time.perf_counter() - t0:.1f} s")
    pages = ("first page", "40th page (Next)", "Mine and my teams', first page")
    times = {name: {p: [] for p in pages} for name in CONFIGS}
    statements = {name: {} for name in CONFIGS}
    for _ in range(rounds):
        for name, r in reads.items():
            for label, read in zip(pages, (r.first_page, r.fortieth_page, r.mixed_page)):
                t0 = time.perf_counter()
                read()
                times[name][label].append(time.perf_counter() - t0)
    for name, r in reads.items():
        for label, read in zip(pages, (r.first_page, r.fortieth_page, r.mixed_page)):
            statements[name][label] = _statements(r.rt, read)
        r.rt.db.dispose()
    return {n: {p: statistics.median(v) for p, v in t.items()} for n, t in times.items()}, statements


def _statements(rt: Runtime, read) -> int:
    count = [0]
    listener = lambda *a: count.__setitem__(0, count[0] + 1)  # noqa: E731
    event.listen(rt.db.engine, "before_cursor_execute", listener)
    read()
    event.remove(rt.db.engine, "before_cursor_execute", listener)
    return count[0]


def report(database: str, medians: dict, statements: dict, absolute_goal: float | None) -> None:
    print(f"\n  {database}: median of the rounds; ratio to '{BASE}' measured in the same run")
    goal = f"<= 1.2{f' and <= {absolute_goal:g} ms' if absolute_goal else ''}"
    print(f"    {'':<34}{'page':<32}{'median':>10}{'ratio':>7}{'SQL':>5}  goal")
    for name in CONFIGS:
        for page, seconds in medians[name].items():
            ratio = seconds / medians[BASE][page]
            met = ratio <= 1.2 and (absolute_goal is None or seconds * 1000 <= absolute_goal)
            print(f"    {name:<34}{page:<32}{seconds * 1000:>7.2f} ms{ratio:>7.2f}{statements[name][page]:>5}  "
                  f"{goal} {'met' if met else 'NOT met'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--pg", default=os.environ.get("BPMNRUN_BENCH_DATABASE_URL"),
                        help="also PostgreSQL, in schemas bench_worklist_0-2 of this database (dropped and made again)")
    args = parser.parse_args(argv)
    print(f"task list page ({PAGE_SIZE} tasks, with the list's and the tabs' counts) through the service layer; "
          f"machine load (1 min) {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        medians, statements = measure({n: f"sqlite:///{tmp}/bench-{i}.sqlite" for i, n in enumerate(CONFIGS)},
                                      args.rounds)
    report("SQLite", medians, statements, SQLITE_GOAL_MS)
    if args.pg:
        medians, statements = measure(_postgresql_schemas(args.pg), args.rounds)
        report("PostgreSQL", medians, statements, None)
    print(f"\nmachine load (1 min) at the end {os.getloadavg()[0]:.2f}")


def _postgresql_schemas(url: str) -> dict[str, str]:
    """A schema of each configuration's own in the benchmark's database, made afresh; each URL selects one."""
    db = Database(url, migrate=False)
    with db.engine.begin() as conn:
        for i in range(len(CONFIGS)):
            conn.execute(text(f"DROP SCHEMA IF EXISTS bench_worklist_{i} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA bench_worklist_{i}"))
    db.dispose()
    joiner = "&" if "?" in url else "?"
    return {name: f"{url}{joiner}options=-csearch_path%3Dbench_worklist_{i}" for i, name in enumerate(CONFIGS)}


if __name__ == "__main__":
    main()
