"""Parts (1) and (2) of the HTTP benchmark, on SQLite files, the app in-process under werkzeug's server.

(1) one task completion: client-side latency, and the SQL statements and commits the request issues (also on
    PostgreSQL, given its URL).
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

import http_profile
from http_workers import fresh_database
from http_harness import Client, SqlCounter, SqlTally, percentile, serve
from http_seed import PASSWORD, PROCESS, TEAM, WORKER, add_workers, deploy_diagram, ready_tasks, start_cases

from bpmnrun.service import cases, tasks, users
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
    service: list[float]  # the same completion called in-process on the service layer, alternated with HTTP


def completion(tmp: Path, count: int, warmup: int, port: int, profile: bool = False,
               pg_url: str | None = None) -> Completions:
    """On a SQLite file, or with `pg_url` on PostgreSQL (its schema made afresh)."""
    rt = fresh_database(pg_url) if pg_url else Runtime(Database(f"sqlite:///{tmp}/completion.sqlite"))
    folder = tmp / ("pg" if pg_url else "sqlite")
    folder.mkdir()
    deploy_diagram(rt, folder)
    add_workers(rt, 3)
    start_cases(rt, 2 * (count + warmup))
    first, beside = ready_tasks(rt)[::2], ready_tasks(rt)[1::2]
    counter = SqlCounter(rt.db.engine)
    try:
        with serve(rt, port):
            client = Client(port, token=users.issue_token(rt, WORKER))
            complete, how = _completer(rt, client)
            out = Completions(how, [], [], [], [])
            for n, (task_id, other) in enumerate(zip(first, beside)):
                with counter.window() as tally:
                    cold = complete(task_id)
                warm = complete(_next_task(rt, task_id))
                service = _through_service(rt, other)
                if n >= warmup:
                    out.cold.append(cold)
                    out.warm.append(warm)
                    out.tallies.append(tally)
                    out.service.append(service)
            client.close()
        if profile and out.how.startswith("POST"):
            http_profile.completions(rt, count, "PostgreSQL" if pg_url else "SQLite")
    finally:
        counter.remove()
        rt.db.dispose()
    return out


@dataclass
class Starts:
    seconds: list[float]
    tallies: list[SqlTally]


def starts(tmp: Path, count: int, port: int) -> Starts:
    """Work started through the API (POST /api/v1/instances) up to its first task, after 10 to warm up."""
    rt = Runtime(Database(f"sqlite:///{tmp}/starts.sqlite"))
    (tmp / "starts").mkdir()
    deploy_diagram(rt, tmp / "starts")
    add_workers(rt, 3)
    family = cases.create_case(rt, "Bench", [cases.Child("Child")], WORKER)
    counter = SqlCounter(rt.db.engine)
    out = Starts([], [])
    try:
        with serve(rt, port):
            client = Client(port, token=users.issue_token(rt, WORKER))
            for n in range(count + 10):
                with counter.window() as tally:
                    reply = client.post_json("/api/v1/instances", {"process_id": PROCESS, "case_id": family.id})
                if reply.status != 201:
                    raise SystemExit(f"start: HTTP {reply.status} {reply.body[:300]!r}")
                if n >= 10:
                    out.seconds.append(reply.seconds)
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

    return lambda task_id: _through_service(rt, task_id), \
        "service layer (the JSON API is not there yet: NO HTTP in these figures)"


def _through_service(rt: Runtime, task_id: str) -> float:
    t0 = time.perf_counter()
    tasks.complete_task(rt, task_id, WORKER, {"note": "done"})
    return time.perf_counter() - t0


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
            "BEGIN": spread([sum(s.startswith("BEGIN") for s in t.committed) for t in tallies]),
            "outside it (user loading, reads)": spread([len(t.read) for t in tallies]),
            # A statement of its own that reads users (the completion's task read names the worker's teams too).
            "user loading": spread([sum(s.lstrip().startswith("SELECT user_account") for s in t.committed + t.read)
                                    for t in tallies]),
            "sample": tallies[len(tallies) // 2]}


# --- (2) the team task list --------------------------------------------------------------------------

BASE = "100 cases, 3 users"
SAME_INBOX = "2,000 cases, same inbox"  # 1,900 more cases, moved on to task 2 (Team B's inbox)
BIG_INBOX = "2,000 cases, all in the inbox"  # 1,900 more cases, all at task 1 (Team A's inbox)
MANY_USERS = "100 cases, 500 users"
CONFIGS = {BASE: (0, False, 0), SAME_INBOX: (1900, True, 0), BIG_INBOX: (1900, False, 0), MANY_USERS: (0, False, 497)}


@dataclass
class ListFigures:
    medians: dict[str, dict[str, float]]  # page -> config -> seconds
    statements: dict[str, dict[str, int]]  # page -> config -> SQL statements of one request
    seeding: dict[str, float]
    api: bool


def build_configs(tmp: Path) -> tuple[dict[str, Path], dict[str, float]]:
    """The base database is built once and copied, so the configurations differ only in what is measured."""
    seeding: dict[str, float] = {}
    base = tmp / "list-base.sqlite"
    rt = Runtime(Database(f"sqlite:///{base}"))
    deploy_diagram(rt, tmp)
    add_workers(rt, 3)
    seeding["100 cases"] = start_cases(rt, 100)
    rt.db.dispose()  # closing the last connection checkpoints the WAL into the file we copy
    files = {}
    for n, (name, (more_cases, moved_on, more_users)) in enumerate(CONFIGS.items()):
        path = tmp / f"list-{n}.sqlite"
        shutil.copy(base, path)
        rt = Runtime(Database(f"sqlite:///{path}"))
        if more_cases:
            t0 = time.perf_counter()
            known = set(ready_tasks(rt))
            start_cases(rt, more_cases)
            if moved_on:
                for task_id in ready_tasks(rt):
                    if task_id not in known:
                        tasks.complete_task(rt, task_id, WORKER, {"note": "done"})
            seeding[f"{more_cases:,} more cases{', task 1 done' if moved_on else ''}"] = time.perf_counter() - t0
        if more_users:
            add_workers(rt, more_users, first=3)
        rt.db.dispose()
        files[name] = path
    return files, seeding


def team_list(tmp: Path, rounds: int, first_port: int, profile: bool = False) -> ListFigures:
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
    if profile:
        _profile_lists(runtimes, figures.api, rounds)
    for rt in runtimes.values():
        rt.db.dispose()
    return figures


def _profile_lists(runtimes: dict[str, Runtime], api: bool, rounds: int) -> None:
    for name in (MANY_USERS, BIG_INBOX):
        rt = runtimes[name]
        page = http_profile.test_client(rt, users.issue_token(rt, WORKER))
        http_profile.sign_in(page, WORKER, PASSWORD)
        http_profile.profile(f"the HTML team inbox, {name}", lambda: page.get(f"/?view=team&team={TEAM}"), rounds)
        if api:
            client = http_profile.test_client(rt, users.issue_token(rt, WORKER))
            http_profile.profile(f"GET {API_TASKS}, {name}", lambda: client.get(f"{API_TASKS}?team={TEAM}&limit=25"),
                                 rounds)


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
