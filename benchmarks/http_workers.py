"""Part (3) of the HTTP benchmark: completions per second with 1 and 2 gunicorn workers on PostgreSQL, then
an audit that nothing was lost: every completion the client saw as 200 left exactly one completed task row
and one `task_completed` event, each case's revision grew by its number of completions, and a completion
sent several times at once got exactly one 200 and 409 for the rest."""

from __future__ import annotations

import os
import queue
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import http_cpu
import http_profile
from http_harness import Client
from http_seed import WORKER, add_workers, deploy_diagram, ready_tasks, start_cases
from sqlalchemy import make_url, select, text

from bpmnrun.service import users
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Event, Instance, Task

COMPLETE = "/api/v1/tasks/{}/complete"
CLIENT_THREADS = 6  # more requests in flight than workers, so that neither configuration waits on the client
DUPLICATES = 4  # requests sent at once for the same task in the duplicate test


@dataclass
class Run:
    workers: int
    completions: int
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # web workers, database, client: CPU seconds
    machine_busy: float = 0.0  # share of all cores' time busy during the run, anyone's work

    @property
    def ours(self) -> float:
        """Cores' worth of CPU the run's own processes used."""
        return sum(self.cpu.values()) / self.seconds

    @property
    def per_second(self) -> float:
        return self.completions / self.seconds


@dataclass
class Ledger:
    """What the client saw: task id -> HTTP statuses of its completion requests."""

    seen: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, task_id: str, status: int) -> None:
        with self.lock:
            self.seen.setdefault(task_id, []).append(status)


def fresh_database(url: str) -> Runtime:
    """An empty schema in the benchmark's own database, migrated."""
    db = Database(url, migrate=False)
    if db.is_sqlite:
        raise SystemExit("part 3 needs PostgreSQL: pass --pg postgresql+psycopg://...")
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    db.migrate()
    return Runtime(db)


@contextmanager
def gunicorn(url: str, workers: int, port: int) -> Iterator[int]:
    """`gunicorn -w N 'bpmnrun.web.wsgi:app'` on loopback, back once every worker has loaded the app;
    stopped (TERM, then KILL) when the block ends. Yields the master's pid."""
    with tempfile.TemporaryDirectory() as ready:
        env = {**os.environ, "BPMNRUN_DATABASE_URL": url, "BPMNRUN_SECRET_KEY": secrets.token_hex(32),
               "BPMNRUN_BENCH_READY_DIR": ready}
        command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                   "-c", str(Path(__file__).with_name("gunicorn_ready.py")), "--log-level", "warning",
                   "bpmnrun.web.wsgi:app"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_until_up(port, process, Path(ready), workers)
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_until_up(port: int, process: subprocess.Popen, ready: Path, workers: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: {process.stderr.read().decode()[-2000:]}")
        if len(list(ready.iterdir())) >= workers:
            try:
                if Client(port).get("/sign-in").status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn's {workers} worker(s) were not all up on port {port} within {seconds:.0f} s")


def drive(port: int, token: str, task_ids: list[str], ledger: Ledger) -> float:
    """CLIENT_THREADS keep-alive clients complete the given tasks, each task once. Returns the seconds."""
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    for task_id in task_ids:
        work.put(task_id)

    def client_loop() -> None:
        client = Client(port, token)
        while True:
            try:
                task_id = work.get_nowait()
            except queue.Empty:
                break
            ledger.record(task_id, client.post_json(COMPLETE.format(task_id), {"data": {"note": "done"}}).status)
        client.close()

    threads = [threading.Thread(target=client_loop) for _ in range(CLIENT_THREADS)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return time.perf_counter() - t0


def duplicates(port: int, token: str, task_ids: list[str], ledger: Ledger) -> None:
    """Each task completed by DUPLICATES requests released together."""
    clients = [Client(port, token) for _ in range(DUPLICATES)]
    for task_id in task_ids:
        barrier = threading.Barrier(DUPLICATES)

        def send(client: Client, task_id: str = task_id, barrier: threading.Barrier = barrier) -> None:
            barrier.wait(timeout=30)
            ledger.record(task_id, client.post_json(COMPLETE.format(task_id), {"data": {"note": "twice"}}).status)

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    for client in clients:
        client.close()


@contextmanager
def _cpu_of(run: Run, master: int, database: str) -> Iterator[None]:
    web, db, client = http_cpu.children_cpu(master), http_cpu.database_cpu(database), http_cpu.own_cpu()
    busy, total = http_cpu.machine()
    yield
    busy_after, total_after = http_cpu.machine()
    run.machine_busy = (busy_after - busy) / max(total_after - total, 1e-9)
    run.cpu = {"web workers": http_cpu.spent(web, http_cpu.children_cpu(master)),
               "PostgreSQL": http_cpu.spent(db, http_cpu.database_cpu(database)),
               "client": http_cpu.own_cpu() - client}


def revisions(rt: Runtime) -> dict[int, int]:
    with rt.reading() as session:
        return dict(session.execute(select(Instance.id, Instance.revision)).all())


def audit(rt: Runtime, ledger: Ledger, before: dict[int, int], duplicated: list[str]) -> list[str]:
    """Problems found (none means nothing lost and nothing done twice)."""
    problems: list[str] = []
    with rt.reading() as session:
        rows = {r.id: r for r in session.execute(select(Task.id, Task.state, Task.completed_by, Task.instance_id)
                                                 .where(Task.id.in_(list(ledger.seen))))}
        events = Counter(session.scalars(select(Event.task_id).where(Event.action == "task_completed")))
    after = revisions(rt)
    answered = sum(statuses.count(200) for statuses in ledger.seen.values())
    if sum(events.values()) != answered:
        problems.append(f"{sum(events.values())} task_completed events in all for {answered} answers 200")
    expected: Counter = Counter()
    for task_id, statuses in ledger.seen.items():
        oks = statuses.count(200)
        if task_id in duplicated and (oks != 1 or statuses.count(409) != len(statuses) - 1):
            problems.append(f"task {task_id} sent {len(statuses)} times at once: statuses {sorted(statuses)}")
        elif task_id not in duplicated and statuses != [200]:
            problems.append(f"task {task_id}: statuses {statuses}")
        row = rows.get(task_id)
        if oks and (row is None or row.state != "completed" or row.completed_by != WORKER):
            problems.append(f"task {task_id} answered 200 but its row is {row and row.state}")
        if events[task_id] != min(oks, 1) or oks > 1:
            problems.append(f"task {task_id}: {oks} answers 200, {events[task_id]} task_completed events")
        if oks and row is not None:
            expected[row.instance_id] += 1
    for instance_id, count in expected.items():
        grown = after[instance_id] - before[instance_id]
        if grown != count:
            problems.append(f"case work {instance_id}: revision grew by {grown} for {count} completions")
    return problems


def report(url: str, port: int, quick: bool, row: Callable[[str, str, str, str], None], profile: bool = False) -> None:
    per_run, rounds, dupes = (100, 2, 10) if quick else (200, 5, 40)
    rt = fresh_database(url)
    with tempfile.TemporaryDirectory() as tmp:
        deploy_diagram(rt, Path(tmp))
    add_workers(rt, 3)
    warmup = 20
    needed = 2 * rounds * (per_run + warmup) + dupes
    seeded = start_cases(rt, needed)
    token = users.issue_token(rt, WORKER)
    todo = ready_tasks(rt)
    before = revisions(rt)
    ledger = Ledger()
    runs: list[Run] = []
    load_before = os.getloadavg()[0]
    for _ in range(rounds):  # alternate -w 1 and -w 2, so machine noise hits both alike
        for workers in (1, 2):
            with gunicorn(url, workers, port) as master:
                warm, todo = todo[:warmup], todo[warmup:]
                drive(port, token, warm, ledger)
                batch, todo = todo[:per_run], todo[per_run:]
                run = Run(workers, len(batch), 0.0)
                with _cpu_of(run, master, make_url(url).database):
                    run.seconds = drive(port, token, batch, ledger)
                run.statuses = Counter(s for t in batch for s in ledger.seen[t])
                runs.append(run)
    duplicated = todo[:dupes]
    with gunicorn(url, 2, port):
        duplicates(port, token, duplicated, ledger)
    problems = audit(rt, ledger, before, duplicated)
    if profile:
        http_profile.completions(rt, 100, "PostgreSQL")
    rt.db.dispose()
    _print(runs, per_run, rounds, seeded, needed, len(duplicated), len(ledger.seen), problems, row, load_before)


def _print(runs: list[Run], per_run: int, rounds: int, seeded: float, cases: int, dupes: int, audited: int,
           problems: list[str], row: Callable[[str, str, str, str], None], load_before: float) -> None:
    print(f"\n(3) completions per second through gunicorn on PostgreSQL, {CLIENT_THREADS} client threads, "
          f"{per_run} completions per run, {rounds} run(s) each, alternated; machine load (1 min) before them "
          f"{load_before:.2f}")
    print(f"    seeding: {cases:,} cases {seeded:.1f} s")
    rates = {w: sorted(r.per_second for r in runs if r.workers == w) for w in (1, 2)}
    for r in runs:
        cpu = ", ".join(f"{k} {v / r.completions * 1000:.1f}" for k, v in r.cpu.items())
        print(f"      -w {r.workers}: {r.completions} in {r.seconds:.2f} s = {r.per_second:.0f}/s, statuses "
              f"{dict(r.statuses)}; CPU ms per completion: {cpu}; cores used: ours {r.ours:.2f}, machine "
              f"{r.machine_busy * (os.cpu_count() or 1):.2f} of {os.cpu_count()}")
    median = {w: statistics.median(v) for w, v in rates.items()}
    row("completions/s, 1 worker (median run)", f"{median[1]:.0f}/s", "12.6/s", "")
    row("completions/s, 2 workers (median run)", f"{median[2]:.0f}/s", "", "")
    pairs = [two.per_second / one.per_second for one, two in zip(runs[::2], runs[1::2])]
    row(f"speed-up 2 workers / 1, median of {len(pairs)} back-to-back pairs", f"{statistics.median(pairs):.2f}x", "",
        ">= 1.7x")
    for part, goal in (("web workers", "<= 5 ms"), ("PostgreSQL", "")):
        cpu = {w: statistics.median(r.cpu[part] / r.completions for r in runs if r.workers == w) for w in (1, 2)}
        row(f"CPU per completion, {part}, -w 1 / -w 2 runs", f"{cpu[1] * 1000:.1f} / {cpu[2] * 1000:.1f} ms",
            "84 ms (all)" if part == "PostgreSQL" else "", goal)
    for w in (1, 2):
        busy = statistics.median(r.machine_busy for r in runs if r.workers == w) * (os.cpu_count() or 1)
        ours = statistics.median(r.ours for r in runs if r.workers == w)
        print(f"    -w {w} runs (median): {busy:.2f} of {os.cpu_count()} cores busy, {ours:.2f} of them ours; "
              "the rest was other work on the machine")
    print(f"    load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (others' work included)")
    row(f"lost updates ({audited} tasks audited, {dupes} sent {DUPLICATES}x at once)", str(len(problems)), "", "0")
    for problem in problems[:20]:
        print(f"      ! {problem}")
