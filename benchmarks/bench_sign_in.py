"""Benchmark: how long a refused sign-in takes for a user name that is an account and for one that is not.

The answer's time must not tell which names are accounts: a name that is no account checks a dummy hash
(service/sign_in.py). Measured through the web app (Flask's test client: form, CSRF, throttle rows, hash) and
through the service alone, attempts of the two kinds interleaved; also the old path (users.authenticate, which
skipped the hash for an unknown name) for comparison. Goal: unknown / known within 10 % at the median.
Run: .venv/bin/python benchmarks/bench_sign_in.py [--rounds 40] [--db URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from typing import Callable

from bpmnrun.service import sign_in, users
from bpmnrun.service.errors import ServiceError
from bpmnrun.service.runtime import Runtime
from bpmnrun.service.throttle import ThrottlePolicy
from bpmnrun.store.database import Database
from bpmnrun.web import create_app

# No lock-out during the run: the refusals are timed, not the throttle's answer to them.
NO_LOCKS = ThrottlePolicy(account_failures=10**9, address_failures=10**9)


def timed(attempt: Callable[[int], object], rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds of attempt(0) (known) and attempt(1) (unknown), interleaved so drift hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for n in range(rounds * 2):
        start = time.perf_counter()
        attempt(n % 2)
        times[n % 2].append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, known: list[float], unknown: list[float]) -> None:
    k, u = statistics.median(known), statistics.median(unknown)
    p90 = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
    print(f"{label:<34} known {k:7.1f} ms (p90 {p90(known):6.1f})   unknown {u:7.1f} ms (p90 {p90(unknown):6.1f})"
          f"   unknown/known {u / k:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--db", help="a SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-sign-in-")
    rt = Runtime(Database(args.db or f"sqlite:///{folder}/bench.sqlite"))
    try:
        users.add_user(rt, "sam", ["Social Worker"], password="the right one")
    except ServiceError:  # a database used before
        users.set_password(rt, "sam", "the right one")
    names = ("sam", "samm")

    known, unknown = timed(lambda n: users.authenticate(rt, names[n], "wrong"), args.rounds)
    report("before (users.authenticate)", known, unknown)

    known, unknown = timed(lambda n: sign_in.sign_in_with_password(rt, names[n], "wrong", f"192.0.2.{n}",
                                                                   NO_LOCKS), args.rounds)
    report("service (sign_in_with_password)", known, unknown)

    app = create_app({"SECRET_KEY": "bench", "SIGN_IN_THROTTLE": NO_LOCKS}, runtime=rt)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    token = re.search(rb'name="csrf_token" value="([^"]+)"', client.get("/sign-in").data).group(1).decode()

    def post(n: int) -> None:
        response = client.post("/sign-in", data={"username": names[n], "password": "wrong", "csrf_token": token})
        assert response.status_code == 401, response.status_code

    known, unknown = timed(post, args.rounds)
    report("web (POST /sign-in)", known, unknown)
    rt.db.dispose()


if __name__ == "__main__":
    main()
