"""Parts (1) and (2) of the HTTP benchmark, on SQLite files, the app in-process under werkzeug's server.

(1) one task completion: client-side latency, and the SQL statements and commits the request issues.
(2) a team's task list with 100 vs 2,000 open cases and 3 vs 500 users, the configurations alternated.
"""

from __future__ import annotations

import shutil
import statistics
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from http_harness import Client, SqlCounter, SqlTally, percentile, serve
from http_seed import PASSWORD, TEAM, WORKER, add_workers, deploy_diagram, ready_tasks, start_cases

from bpmnrun.service import tasks, users
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Task
from sqlalchemy import select

API_TASKS = "/api/v1/tasks"


def api_available(client: Client) -> bool:
    """The JSON API is being built alongside: until it answers, completions go through the service layer."""
    return client.get(API_TASKS, team=TEAM, limit=1).status == 200


@dataclass
class Completions:
    how: str
    cold: list[float]  # first completion of a case: its workflow restored from the stored state
    warm: list[float]  # the next one: the workflow taken from this worker's cache
    tallies: list[SqlTally]


def completion(tmp: Path, count: int, warmup: int, port: int) -> Completions:
    rt = Runtime(Database(f"sqlite:///{tmp}/completion.sqlite"))
    deploy_diagram(rt, tmp)
    add_workers(rt, 3)
    start_cases(rt, count + warmup)
    first = ready_tasks(rt)
    counter = SqlCounter(rt.db.engine)
    try:
        with serve(rt, port):
            client = Client(port, token=users.issue_token(rt, WORKER))
            complete, how = _completer(rt, client)
            out = Completions(how, [], [], [])
            for n, task_id in enumerate(first):
                with counter.window() as tally:
                    cold = complete(task_id)
                second = _next_task(rt, task_id)
                warm = complete(second)
                if n >= warmup:
                    out.cold.append(cold)
                    out.warm.append(warm)
                    out.tallies.append(tally)
            client.close()
    finally:
        counter.remove()
        rt.db.dispose()
    return out


def _completer(rt: Runtime, client: Client) -> tuple[Callable[[str], float], str]:
    if api_available(client):
        def through_api(task_id: str) -> float:
            reply = client.post_json(f"{API_TASKS}/{task_id}/complete", {"data": {"note": "done"}})
            if reply.status != 200:
                raise SystemExit(f"completion of {task_id}: HTTP {reply.status} {reply.body[:300]!r}")
            return reply.seconds
        return through_api, "POST /api/v1/tasks/<id>/complete (bearer token)"

    def through_service(task_id: str) -> float:
        t0 = time.perf_counter()
        tasks.complete_task(rt, task_id, WORKER, {"note": "done"})
        return time.perf_counter() - t0
    return through_service, "service layer (the JSON API is not there yet: NO HTTP in these figures)"


def _next_task(rt: Runtime, done: str) -> str:
    with rt.reading() as session:
        instance_id = session.scalar(select(Task.instance_id).where(Task.id == done))
        return session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.state == "ready"))


def summarise_tally(tallies: list[SqlTally]) -> dict[str, object]:
    """Per-completion counts; they should be the same for every completion, so say if they are not."""
    def spread(values: list[int]) -> str:
        low, high = min(values), max(values)
        return str(low) if low == high else f"{low}-{high} (median {statistics.median(values):g})"

    return {"statements": spread([t.statements for t in tallies]),
            "commits": spread([t.commits for t in tallies]),
            "in the unit of work": spread([len(t.committed) for t in tallies]),
            "outside it (user loading, reads)": spread([len(t.read) for t in tallies]),
            "sample": tallies[len(tallies) // 2]}


# --- (2) the team task list --------------------------------------------------------------------------

CONFIGS = {"100 cases, 3 users": (100, 3), "2,000 cases, 3 users": (2000, 3), "100 cases, 500 users": (100, 500)}


@dataclass
class ListFigures:
    medians: dict[str, dict[str, float]]  # page -> config -> seconds
    statements: dict[str, dict[str, int]]  # page -> config -> SQL statements of one request
    seeding: dict[str, float]
    api: bool


def build_configs(tmp: Path) -> tuple[dict[str, Path], dict[str, float]]:
    """The base database is built once and copied, so the three differ only in what is measured."""
    seeding: dict[str, float] = {}
    base = tmp / "list-base.sqlite"
    rt = Runtime(Database(f"sqlite:///{base}"))
    deploy_diagram(rt, tmp)
    add_workers(rt, 3)
    seeding["100 cases"] = start_cases(rt, 100)
    rt.db.dispose()  # closing the last connection checkpoints the WAL into the file we copy
    files = {}
    for name, (cases_wanted, users_wanted) in CONFIGS.items():
        path = tmp / f"list-{cases_wanted}-{users_wanted}.sqlite"
        shutil.copy(base, path)
        rt = Runtime(Database(f"sqlite:///{path}"))
        if cases_wanted > 100:
            seeding[f"{cases_wanted - 100:,} more cases"] = start_cases(rt, cases_wanted - 100)
        if users_wanted > 3:
            add_workers(rt, users_wanted - 3, first=3)
        rt.db.dispose()
        files[name] = path
    return files, seeding


def team_list(tmp: Path, rounds: int, first_port: int) -> ListFigures:
    files, seeding = build_configs(tmp)
    runtimes = {name: Runtime(Database(f"sqlite:///{path}")) for name, path in files.items()}
    pages = {"HTML team inbox  GET /?view=team": ("/", {"view": "team", "team": TEAM})}
    figures = ListFigures({}, {}, seeding, False)
    with _servers(runtimes, first_port) as ports:
        clients = {name: Client(port).sign_in(WORKER, PASSWORD) for name, port in ports.items()}
        api_clients = {name: Client(port, users.issue_token(runtimes[name], WORKER)) for name, port in ports.items()}
        if all(api_available(c) for c in api_clients.values()):
            figures.api = True
            pages[f"JSON API  GET {API_TASKS}?team="] = (API_TASKS, {"team": TEAM, "limit": 25})
        for page, (path, params) in pages.items():
            chosen = api_clients if path.startswith("/api/") else clients
            figures.medians[page] = _alternate(chosen, path, params, rounds)
            figures.statements[page] = {name: _statements_of(runtimes[name], chosen[name], path, params)
                                        for name in chosen}
        for client in [*clients.values(), *api_clients.values()]:
            client.close()
    for rt in runtimes.values():
        rt.db.dispose()
    return figures


def _alternate(clients: dict[str, Client], path: str, params: dict, rounds: int) -> dict[str, float]:
    """Each round asks every configuration once, so machine noise hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in clients}
    for n in range(rounds + 5):
        for name, client in clients.items():
            reply = client.get(path, **params)
            if reply.status != 200:
                raise SystemExit(f"{path} on {name}: HTTP {reply.status}")
            if n >= 5:  # the first rounds warm the caches and the connections
                times[name].append(reply.seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def _statements_of(rt: Runtime, client: Client, path: str, params: dict) -> int:
    counter = SqlCounter(rt.db.engine)
    try:
        with counter.window() as tally:
            client.get(path, **params)
        return tally.statements
    finally:
        counter.remove()


@contextmanager
def _servers(runtimes: dict[str, Runtime], first_port: int) -> Iterator[dict[str, int]]:
    """One in-process server per configuration, on consecutive ports."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(serve(rt, first_port + n)) for n, (name, rt) in enumerate(runtimes.items())}


def p90(values: list[float]) -> float:
    return percentile(values, 0.9)
