"""Benchmark: a web worker's memory as completions go by, from 100 to 20,000 (issue 15's last row: flat).

One process serves the app (Flask's test client, in-process: one worker's memory) on a SQLite file, with the
worker's own workflow cache as `bpmnrun serve` makes it: bounded by the bytes of the states it holds (32 MB), so
it fills as cases are worked and then drops the least recently used. 20,000 cases of the 3-task diagram of the
HTTP benchmark are started first; then the first task of each is completed through the JSON API, each completion
leaving the case's workflow in the cache. The resident memory (VmRSS, after a garbage collection) is printed after
100 to 20,000 completions with the ratio to the first figure, both measured in the same run, and the machine's
load. The goal is judged once the cache is full and the memory of the workflows it dropped is reused (the last
quarter of the run): memory must not grow with the number of completions. About three minutes.
Run: .venv/bin/python benchmarks/bench_memory.py [--completions 20000]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from http_profile import test_client  # noqa: E402
from http_seed import WORKER, add_workers, deploy_diagram, ready_tasks, start_cases  # noqa: E402

from bpmnrun.service import users  # noqa: E402
from bpmnrun.service.runtime import Runtime  # noqa: E402
from bpmnrun.store.database import Database  # noqa: E402

GOAL_RATIO = 1.05  # "flat": memory after all the completions against three quarters of the way


def resident_mb() -> float:
    gc.collect()
    with open("/proc/self/status") as status:
        kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kilobytes / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completions", type=int, default=20_000)
    args = parser.parse_args()
    steady = args.completions * 3 // 4
    marks = sorted({m for m in (100, 1_000, 5_000, 10_000, steady, args.completions) if m <= args.completions})
    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(Database(f"sqlite:///{tmp}/memory.sqlite"))
        deploy_diagram(rt, Path(tmp))
        add_workers(rt, 3)
        seeded = start_cases(rt, args.completions)
        rt.workflows = type(rt.workflows)()  # the worker starts with an empty cache, as a new process does
        client = test_client(rt, users.issue_token(rt, WORKER))
        todo = ready_tasks(rt)
        print(f"one worker's resident memory (VmRSS) as completions go by; {args.completions:,} cases seeded in "
              f"{seeded:.0f} s; machine load (1 min) {os.getloadavg()[0]:.2f}, 2 cores")
        first, at_steady, began = None, None, time.perf_counter()
        for done, task_id in enumerate(todo[:args.completions], start=1):
            reply = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "done"}})
            if reply.status_code != 200:
                raise SystemExit(f"completion of {task_id}: HTTP {reply.status_code}")
            if done in marks:
                now = resident_mb()
                first = first or now
                at_steady = now if done == steady else at_steady
                print(f"    after {done:>6,} completions {now:7.1f} MB  ratio {now / first:4.2f}  "
                      f"(workflows cached: {len(rt.workflows):,}; {time.perf_counter() - began:.0f} s)", flush=True)
        verdict = "met" if now / at_steady <= GOAL_RATIO else "NOT met"
        print(f"    after {steady:,} -> {args.completions:,} completions: ratio {now / at_steady:.2f}; goal: flat once "
              f"the cache is full (<= {GOAL_RATIO}): {verdict}; machine load (1 min) at the end "
              f"{os.getloadavg()[0]:.2f}")
        rt.db.dispose()


if __name__ == "__main__":
    main()
