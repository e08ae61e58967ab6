"""Where a request's time goes: the same app, called in-process under cProfile (the standard library's
profiler, so the benchmark needs no extra package). Used by `bench_http.py --profile` when a goal is missed."""

from __future__ import annotations

import cProfile
import io
import pstats
from typing import Callable

from http_harness import Reply
from http_seed import WORKER, ready_tasks, start_cases

from bpmnrun.service import users
from bpmnrun.service.runtime import Runtime
from bpmnrun.web import create_app


def test_client(rt: Runtime, token: str):
    """A Flask test client with the bearer token (API) and, after `sign_in`, a session (pages)."""
    app = create_app({"SECRET_KEY": "bench", "SIGN_IN_RATE_LIMIT": "100000 per minute", "WTF_CSRF_ENABLED": False},
                     runtime=rt)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def sign_in(client, username: str, password: str) -> None:
    del client.environ_base["HTTP_AUTHORIZATION"]  # pages use the session, as a browser does
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302, response.status_code


def profile(title: str, call: Callable[[], Reply | object], rounds: int, top: int = 14) -> None:
    """Print the functions with the most cumulative time, ours and the libraries', over `rounds` calls."""
    call()  # warm caches first: the steady state is what is measured
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt / rounds
    stats.sort_stats("cumulative").print_stats(r"bpmnrun/|sqlalchemy/orm/(query|session|loading)|jinja2/environment"
                                              r"|json/encoder|werkzeug/security|spiff", top)
    print(f"\n    profile of {title}: {total * 1000:.2f} ms per request under the profiler, "
          f"top {top} of our and the libraries' functions by cumulative time (per {rounds} requests):")
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    for line in lines[start:start + top + 1]:
        if line.strip():
            print("      " + line[:150])


def completions(rt: Runtime, count: int, where: str) -> None:
    """Each case's first completion through the JSON API, as the benchmark measures it."""
    known = set(ready_tasks(rt))
    start_cases(rt, count + 1)
    todo = [t for t in ready_tasks(rt) if t not in known]
    client = test_client(rt, users.issue_token(rt, WORKER))
    profile(f"POST /api/v1/tasks/<id>/complete on {where}",
            lambda: client.post(f"/api/v1/tasks/{todo.pop()}/complete", json={"data": {"note": "done"}}), count)
