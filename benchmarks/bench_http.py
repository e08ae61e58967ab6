"""Benchmark (issue 4): bpmnrun measured through HTTP on the small diagram (two lanes, three user tasks with a
one-field form), with the peer's figures (spiff-arena, one worker, this machine kind) and our goals beside ours.

(1) task completion latency (median, p90) and the SQL statements and commits of one completion (on PostgreSQL too
    with --pg);
(2) the team task list with 100 vs 2,000 open cases and 3 vs 500 users (configurations alternated);
(3) completions per second with 1 and 2 gunicorn workers on PostgreSQL, then a lost-update audit.

Run: .venv/bin/python benchmarks/bench_http.py [--quick] [--parts 1,2,3] [--pg URL] [--profile]
(parts 1 and 3 drop and re-create the schema of the --pg database: never point it at one holding data)
Loopback only (ports 5170-5179 by default); every loop is bounded and the servers stop by themselves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import http_latency  # noqa: E402
import http_workers  # noqa: E402

def part_completion(count: int, port: int, profile: bool, pg_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        found = http_latency.completion(Path(tmp), count, warmup=max(10, count // 10), port=port, profile=profile)
        starts = http_latency.starts(Path(tmp), max(30, count // 3), port=port + 4)
        on_pg = http_latency.completion(Path(tmp), count, warmup=max(10, count // 10), port=port + 3,
                                        pg_url=pg_url) if pg_url else None
    sql = http_latency.summarise_tally(found.tallies)
    print(f"\n(1) one task completion, {len(found.cold)} completions after warm-up, SQLite file; machine load "
          f"(1 min) {os.getloadavg()[0]:.2f}")
    print(f"    through: {found.how}; client and server share this process (werkzeug's server in a thread)")
    _row("latency median, case's first completion", _ms(statistics.median(found.cold)), "57.9 ms", "<= 5.8 ms")
    _row("latency p90, case's first completion", _ms(http_latency.p90(found.cold)), "", "")
    _row("latency median, next completion (cached)", _ms(statistics.median(found.warm)), "", "<= 5.8 ms")
    _row("same completion on the service layer, no HTTP", _ms(statistics.median(found.service)), "", "")
    _row("  HTTP and API share of the median", f"{1 - statistics.median(found.service) / statistics.median(found.cold):.0%}",
         "", "")
    _row("SQL statements per completion request", sql["statements"], "88", "<= 10")
    _row("  of which in the completion's transaction", sql["in the unit of work"], "", "")
    _row("    (of these, SQLite's BEGIN IMMEDIATE)", sql["BEGIN"], "", "")
    _row("  of which outside it (user loading, reads)", sql["outside it (user loading, reads)"], "", "")
    _row("  loading the signed-in user (user_account), in all", sql["user loading"], "", "1")
    _row("commits per completion", sql["commits"], "5", "1")
    if on_pg is not None:
        pg_sql = http_latency.summarise_tally(on_pg.tallies)
        _row("latency median, PostgreSQL (same completion)", _ms(statistics.median(on_pg.cold)), "79.1 ms",
             "<= 7.9 ms")
        _row("  next completion (cached), PostgreSQL", _ms(statistics.median(on_pg.warm)), "", "<= 7.9 ms")
        _row("  SQL statements, commits, PostgreSQL", f"{pg_sql['statements']}, {pg_sql['commits']}", "88, 5",
             "<= 10, 1")
    else:
        _row("latency median, PostgreSQL", "not run (--pg URL)", "79.1 ms", "<= 7.9 ms")
    start_sql = http_latency.summarise_tally(starts.tallies)
    _row("start work to first task (POST /api/v1/instances), median", _ms(statistics.median(starts.seconds)),
         "60.5 ms", "<= 6.05 ms")
    _row("  SQL statements, commits", f"{start_sql['statements']}, {start_sql['commits']}", "68, 7", "")
    sample = sql["sample"]
    print("    statements of one completion request (first 160 characters each):")
    for label, statements in (("read", sample.read), ("unit of work", sample.committed)):
        for statement in statements:
            print(f"      [{label}] {statement[:160]}")


def part_team_list(rounds: int, port: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        found = http_latency.team_list(Path(tmp), rounds, port, profile)
    print(f"\n(2) team task list (team inbox of '{http_latency.TEAM}', first page), median of {rounds} "
          "alternating rounds, SQLite files")
    print("    seeding: " + ", ".join(f"{k} {v:.1f} s" for k, v in found.seeding.items()))
    if not found.api:
        print("    (the JSON API is not there yet: the HTML page only)")
    for page, medians in found.medians.items():
        statements = found.statements[page]
        print(f"    {page}")
        for name, seconds in medians.items():
            _row(f"  {name} ({statements[name]} SQL)", _ms(seconds), "", "<= 5 ms")
        base = medians[http_latency.BASE]
        _row("  ratio 2,000 / 100 cases, same inbox", f"{medians[http_latency.SAME_INBOX] / base:.2f}", "",
             "flat (<= 1.2)")
        _row("  ratio 2,000 / 100 cases, all in the inbox", f"{medians[http_latency.BIG_INBOX] / base:.2f}", "",
             "flat (<= 1.2)")
        _row("  ratio 500 / 3 users", f"{medians[http_latency.MANY_USERS] / base:.2f}", "12 (peer's own ratio)",
             "flat (<= 1.2)")


def _row(label: str, ours: str, peer: str, goal: str) -> None:
    print(f"    {label:<52}{ours:>22}  {peer:>18}  {goal:>14}")


def _header() -> None:
    print(f"    {'':<52}{'bpmnrun':>22}  {'peer, issue 15':>18}  {'goal':>14}")
    print("    (the peer column: spiff-arena's figures as issue 15 measured them on this machine kind, not this run's;"
          " each goal is a tenth of them)")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and completions: a run of about a minute")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run, e.g. 1,2")
    parser.add_argument("--pg", default=os.environ.get("BPMNRUN_BENCH_DATABASE_URL"),
                        help="PostgreSQL URL for parts 1 and 3 (or BPMNRUN_BENCH_DATABASE_URL); its schema is dropped and "
                             "made again, so give the benchmark a database of its own")
    parser.add_argument("--port", type=int, default=5170, help="first of the loopback ports used (6 in all)")
    parser.add_argument("--profile", action="store_true", help="also print where the time of the slow requests goes")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    _header()
    if "1" in parts:
        part_completion(60 if args.quick else 300, args.port, args.profile, args.pg)
    if "2" in parts:
        part_team_list(30 if args.quick else 200, args.port + 1, args.profile)
    if "3" in parts and not args.pg:
        print("\n(3) skipped: give a PostgreSQL database of the benchmark's own with --pg or BPMNRUN_BENCH_DATABASE_URL")
    elif "3" in parts:
        http_workers.report(args.pg, args.port + 5, quick=args.quick, row=_row, profile=args.profile)


if __name__ == "__main__":
    main()
