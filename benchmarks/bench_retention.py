"""Benchmark: retention over a database of 1,000,000 audit events (20,000 families), on SQLite (a file in /tmp)
and, with --postgres URL, on PostgreSQL (that database's tables are dropped and rebuilt).

Each family has 1–3 children and two pieces of work of ten steps each: 20 task rows (and their inbox rows), a
serialized workflow state holding the children and the answers, and 50 audit events (the family added, each
piece started, every step made ready and completed with its answers, the ends, three reads of its records).
The database is built with bulk inserts, not through the engine. On the clock's day (1 January 2026), under
the policy below, 60% of the families are due for deletion (work ended 2008–2017), 5% for anonymising (York,
ended 2008–2017), and 35% stay: 10% under a 30-year rule, 15% closed since 2022, 10% with running work.

Prints, for the dry run and for apply (batches of 500 families), the time and the peak memory of a fresh process
(VmHWM, beside one that only starts up), Python's own peak allocations in a second dry run (tracemalloc), what
was deleted, anonymised and kept; then checks that exactly the families the generator made due are gone, each
with its audit event. Run: .venv/bin/python benchmarks/bench_retention.py [--families 20000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

NOW = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
POLICY = """
[default]
years = 7
action = "delete"
[[rule]]
name = "York"
authority = "York"
years = 7
action = "anonymise"
[[rule]]
name = "York step up"
process = "york_step_up"
years = 30
action = "anonymise"
"""
STEPS, WORK, READS = 10, 2, 3  # steps per piece of work, pieces of work per family, reads of a family's records
CHUNK = 500  # families per insert round
VERSIONS = [(1, "lincs_step_down", "Lincolnshire"), (2, "york_step_down_mash", "York"), (3, "york_step_up", "York")]
FIRST = ["Ottoline", "Barnaby", "Josie", "Johnny", "Joy", "Amir", "Zofia", "Kai", "Maya", "Leo"]
SURNAMES = ["Smith", "Jones", "Quenneville", "Okafor", "Nowak", "Patel", "Murphy", "Evans", "Khan", "Brown"]


# --- building ------------------------------------------------------------------------------------------------

def kind_of(n: int) -> tuple[str, int]:
    """(what the family is, its process version) by its number: 12 in 20 due for deletion, 1 for anonymising,
    2 kept by a longer rule, 3 closed recently, 2 running."""
    slot = n % 20
    return (("delete", 1) if slot < 12 else ("anonymise", 2) if slot == 12 else ("longer", 3) if slot < 15
            else ("recent", 1) if slot < 18 else ("running", 1))


def build(url: str, families: int) -> None:
    """Bulk inserts (an executemany per table) of CHUNK families per transaction."""
    from bpmnrun.store.database import Database
    from bpmnrun.store.models import Case, Event, Instance, ProcessVersion, Subject, Task, TaskTeam, User

    db = Database(url)  # creates the schema
    rng = random.Random(1)
    with db.transaction() as session:
        session.execute(insert(ProcessVersion), [
            {"id": vid, "process_id": pid, "version": 1, "sha256": f"{vid:064d}", "title": pid, "authority": authority,
             "source_path": "-", "xml": "", "calls": {}, "deployed_at": NOW - timedelta(days=9000),
             "deployed_by": "bench"} for vid, pid, authority in VERSIONS])
        session.execute(insert(User), [{"id": 1, "username": "sam", "display_name": "Sam", "teams": ["Social Worker"],
                                        "roles": [], "created_at": NOW}])
    ids = {"subject": 0, "instance": 0, "event": 0}
    tables = {"case": Case, "subject": Subject, "instance": Instance, "task": Task, "task_team": TaskTeam,
              "event": Event}
    for start in range(0, families, CHUNK):
        rows: dict[str, list[dict]] = {name: [] for name in tables}
        for n in range(start, min(start + CHUNK, families)):
            _family(n + 1, rng, rows, ids)
        # As they come over the years, a family's events and tasks lie among other families' rows, not together.
        rows["event"].sort(key=lambda row: row["at"])
        for k, row in enumerate(rows["event"], start=ids["event"] - len(rows["event"]) + 1):
            row["id"] = k
        rows["task"].sort(key=lambda row: row["created_at"])
        with db.transaction() as session:
            conn = session.connection()  # core inserts: no ORM objects
            for name, model in tables.items():
                conn.execute(insert(model.__table__), rows[name])
    if not db.is_sqlite:  # (bpmnrun never runs ANALYZE on SQLite; PostgreSQL's autovacuum would here)
        with db.engine.begin() as conn:
            for table in ("case", "subject", "instance", "event", "process_version", "user_account"):
                # the ids were given: the sequences move past them, for the audit events retention adds
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT max(id) FROM \"{table}\"))"))
            conn.execute(text("ANALYZE"))
    db.dispose()


def _family(case_id: int, rng: random.Random, rows: dict, ids: dict) -> None:
    kind, version = kind_of(case_id - 1)
    surname = f"{rng.choice(SURNAMES)}{case_id}"
    if kind in ("delete", "anonymise", "longer"):
        ended = datetime(2008, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.randrange(3650))
    else:
        ended = datetime(2022, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.randrange(1400))
    began = ended - timedelta(days=200)
    rows["case"].append({"id": case_id, "family_name": surname, "created_at": began, "created_by": "sam",
                         "is_test": False})
    children = []
    for _ in range(rng.randrange(1, 4)):
        ids["subject"] += 1
        child = {"id": ids["subject"], "name": f"{rng.choice(FIRST)} {surname}",
                 "date_of_birth": date(2008 + rng.randrange(15), 1 + rng.randrange(12), 1 + rng.randrange(28))}
        rows["subject"].append({**child, "case_id": case_id})
        children.append(child)
    _event(rows, ids, began, "case_created", case_id, None, None, surname, {"children": [c["name"] for c in children]})
    for w in range(WORK):
        running = kind == "running" and w == WORK - 1
        _work(case_id, version, children, began + timedelta(days=90 * w), ended, running, rows, ids)
    for r in range(READS):
        _event(rows, ids, ended - timedelta(days=r), "viewed", case_id, None, None, f"the case of {surname}",
               {"access": "their work"})


def _work(case_id, version, children, began, ended, running, rows, ids) -> None:
    ids["instance"] += 1
    iid = ids["instance"]
    kids = [{"id": c["id"], "name": c["name"]} for c in children]
    answers = {"note": f"spoke to {children[0]['name']} at school", "decision": "approve", "reviewed_on": "2019-03-04"}
    rows["instance"].append({
        "id": iid, "case_id": case_id, "process_version_id": version, "process_id": VERSIONS[version - 1][1],
        "status": "running" if running else "completed", "state": _state(iid, children, answers, running),
        "revision": STEPS + 1, "subject_ids": [c["id"] for c in children], "started_at": began, "started_by": "sam",
        "ended_at": None if running else ended, "end_event": None if running else "Done", "waiting_messages": [], "timer_count": 0})
    _event(rows, ids, began, "instance_started", case_id, iid, None, VERSIONS[version - 1][1],
           {"subjects": [c["name"] for c in children], "data": {"reason": "referral"}})
    for k in range(STEPS):
        at = began + (ended - began) * k / STEPS
        task_id = f"{iid:08d}-0000-4000-8000-{k:012d}"
        done = not (running and k == STEPS - 1)
        rows["task"].append({
            "id": task_id, "instance_id": iid, "position": k + 1, "case_id": case_id, "process_id": "p",
            "bpmn_id": f"Task{k}", "name": f"Step {k}", "lane": "Social Worker", "activity": "assessment",
            "subject_name": None, "children": kids, "state": "completed" if done else "ready", "assignee": None,
            "overdue": False, "form": [{"id": "note", "label": "Note", "type": "string"}], "draft": {},
            "data": answers if done else None, "created_at": at, "completed_at": at if done else None,
            "completed_by": "sam" if done else None})
        rows["task_team"].append({"task_id": task_id, "team": "Social Worker", "ready": not done, "sort_key": ""})
        _event(rows, ids, at, "task_ready", case_id, iid, task_id, f"Step {k}",
               {"lane": "Social Worker", "children": [c["name"] for c in children]})
        _event(rows, ids, at, "task_completed" if done else "task_claimed", case_id, iid, task_id, f"Step {k}",
               {"data": answers} if done else {})
    for action, name, detail in ((("draft_saved", "Step 9", {"data": answers}), ("viewed", "Step 9", {})) if running
                                 else (("end_event", "Done", {}), ("instance_completed", "Done", {}))):
        _event(rows, ids, ended, action, case_id, iid, None, name, detail)


def _event(rows, ids, at, action, case_id, instance_id, task_id, name, detail) -> None:
    ids["event"] += 1
    rows["event"].append({"id": ids["event"], "at": at, "actor": "sam", "action": action, "case_id": case_id,
                          "instance_id": instance_id, "task_id": task_id, "name": name, "detail": detail})


def _state(iid: int, children: list[dict], answers: dict, running: bool) -> str:
    """A serialized workflow as bpmnrun stores it (SpiffWorkflow's task tree and data, without the spec)."""
    subjects = [{**c, "date_of_birth": c["date_of_birth"].isoformat()} for c in children]
    data = {"subjects": subjects, "family": children[0]["name"].split()[-1], "case_id": iid, **answers}
    task_ids = [f"{iid:08d}-1111-4000-8000-{k:012d}" for k in range(STEPS + 2)]
    tasks = {tid: {"id": tid, "parent": task_ids[k - 1] if k else None,
                   "children": [task_ids[k + 1]] if k + 1 < len(task_ids) else [], "last_state_change": 1.7e9 + k,
                   "state": 64, "task_spec": f"Task{k}", "triggered": False, "internal_data": {},
                   "data": data if k in (0, len(task_ids) - 1) else {},
                   "delta": {"updates": answers, "deletions": []}, "typename": "Task"}
             for k, tid in enumerate(task_ids)}
    return json.dumps({"data": data, "correlations": {}, "last_task": task_ids[-1], "success": True,
                       "completed": not running, "tasks": tasks, "root": task_ids[0], "subprocesses": {},
                       "bpmn_events": [], "typename": "BpmnWorkflow", "format": "bpmnrun-state/1"},
                      separators=(",", ":"))


# --- measuring (each phase in a fresh process, so its peak memory is its own) --------------------------------

def phase(url: str, which: str, policy_file: str) -> dict:
    from bpmnrun.clock import MovableClock
    from bpmnrun.service import retention
    from bpmnrun.service.retention_policy import load_policy
    from bpmnrun.service.runtime import Runtime
    from bpmnrun.store.database import Database

    rt = Runtime(Database(url), MovableClock(NOW))
    policy = load_policy(policy_file)
    traced = which == "dry-traced"
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    run = None
    if which == "apply":
        run = retention.apply(rt, policy, "bench")
    elif which != "baseline":
        run = retention.preview(rt, policy)
    figures = {"seconds": time.perf_counter() - t0, "peak_rss_mb": _peak_rss_mb()}
    if traced:
        figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    if run:
        figures["run"] = run.to_json()
    rt.db.dispose()
    return figures


def _peak_rss_mb() -> float:
    """This process's own high-water mark. Not ru_maxrss: Linux carries that across exec from the parent that
    forked the phase, and the parent has held the rows it built."""
    status = Path("/proc/self/status")
    if status.exists():  # Linux
        return int(status.read_text().split("VmHWM:")[1].split()[0]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(url: str, which: str, policy_file: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", which, "--db", url, "--policy", policy_file],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- checking: the families the generator made due are gone, exactly those, each with its audit --------------

FAMILY_ROWS = ("subject", "instance", "task", "event")


def snapshot(url: str) -> dict[int, tuple[str | None, tuple[int, ...]]]:
    """Per family: its name (None once the family is gone) and its rows of each kind in FAMILY_ROWS."""
    engine = create_engine(url)
    with engine.connect() as conn:
        names = dict(conn.execute(text('SELECT id, family_name FROM "case"')).all())
        counts = {cid: [0] * len(FAMILY_ROWS) for cid in names}
        for k, table in enumerate(FAMILY_ROWS):
            for cid, n in conn.execute(text(f'SELECT case_id, count(*) FROM "{table}" WHERE case_id IS NOT NULL '
                                            f'GROUP BY case_id')):
                counts.setdefault(cid, [0] * len(FAMILY_ROWS))[k] = n
    engine.dispose()
    return {cid: (names.get(cid), tuple(c)) for cid, c in counts.items()}


def check(url: str, families: int, before: dict, after: dict) -> list[str]:
    from bpmnrun.service.retention_rows import family_label
    from bpmnrun.store.models import Event

    kinds = {n + 1: kind_of(n)[0] for n in range(families)}  # as generated, not as retention says
    gone = {cid for cid, kind in kinds.items() if kind == "delete"}
    anonymised = {cid for cid, kind in kinds.items() if kind == "anonymise"}
    kept, problems = set(kinds) - gone - anonymised, []
    left = {cid for cid, (name, _) in after.items() if name is not None}
    if left != kept | anonymised:
        problems.append(f"families left: {len(left - kept - anonymised)} that should be gone, "
                        f"{len((kept | anonymised) - left)} missing that should be there")
    if rows_left := sorted(cid for cid in gone if cid in after):
        problems.append(f"{len(rows_left)} deleted families still have rows (case {rows_left[0]})")
    if changed := sorted(cid for cid in kept if after.get(cid) != before[cid]):
        problems.append(f"{len(changed)} families that are kept were changed (case {changed[0]})")
    plus_audit = {cid: (family_label(cid), before[cid][1][:3] + (before[cid][1][3] + 1,)) for cid in anonymised}
    if wrong := sorted(cid for cid in anonymised if after.get(cid) != plus_audit[cid]):
        problems.append(f"{len(wrong)} anonymised families not as expected (case {wrong[0]}: {after.get(wrong[0])})")
    engine = create_engine(url)
    with engine.connect() as conn:
        audits = conn.execute(select(Event.action, Event.case_id, Event.detail).where(
            Event.action.in_(("case_deleted", "case_anonymised")))).all()
        deleted = [(a.case_id, a.detail["case"]) for a in audits if a.action == "case_deleted"]
        if sorted(d for _, d in deleted) != sorted(gone) or any(c is not None for c, _ in deleted):
            problems.append(f"case_deleted events: {len(deleted)} for {len(gone)} deleted families")
        done = sorted(a.case_id for a in audits if a.action == "case_anonymised")
        if done != sorted(anonymised):
            problems.append(f"case_anonymised events: {len(done)} for {len(anonymised)} anonymised families")
        orphans = conn.scalar(text("SELECT count(*) FROM event e WHERE e.instance_id IS NOT NULL AND NOT EXISTS "
                                   "(SELECT 1 FROM instance i WHERE i.id = e.instance_id)"))
        if orphans:
            problems.append(f"{orphans} events name work that is gone")
        if named := _still_named(conn, sorted(anonymised), before):
            problems.append(f"{len(named)} anonymised families still named somewhere (case {named[0]})")
    engine.dispose()
    return problems


def _still_named(conn, ids: list[int], before: dict) -> list[int]:
    """Anonymised families with a child's date of birth left, or whose surname (in every child's name, the answers
    and the workflow state) is still in any row of theirs."""
    found = set()
    for start in range(0, len(ids), 500):
        chunk = ",".join(str(i) for i in ids[start:start + 500])
        found.update(conn.scalars(text(f"SELECT case_id FROM subject WHERE case_id IN ({chunk}) "
                                       f"AND date_of_birth IS NOT NULL")))
        for sql in ("SELECT case_id, coalesce(name, '') || CAST(detail AS TEXT) FROM event",
                    "SELECT case_id, coalesce(subject_name, '') || CAST(children AS TEXT) || "
                    "coalesce(CAST(data AS TEXT), '') || CAST(draft AS TEXT) || CAST(form AS TEXT) FROM task",
                    "SELECT case_id, state FROM instance", "SELECT case_id, name FROM subject",
                    'SELECT id, family_name || coalesce(case_status, \'\') FROM "case"'):
            where = "id" if '"case"' in sql else "case_id"
            found.update(cid for cid, blob in conn.execute(text(f"{sql} WHERE {where} IN ({chunk})"))
                         if before[cid][0] in blob)
    return sorted(found)


# --- the run -------------------------------------------------------------------------------------------------

def bench(url: str, label: str, families: int, policy_file: str) -> list[str]:
    t0 = time.perf_counter()
    build(url, families)
    before = snapshot(url)
    events = sum(rows[3] for _, rows in before.values())
    print(f"\n{label}: built {events:,} audit events, {len(before):,} families, "
          f"{sum(r[1] for _, r in before.values()):,} pieces of work, {sum(r[2] for _, r in before.values()):,} tasks "
          f"in {time.perf_counter() - t0:.0f} s (bulk inserts)")
    base = _in_child(url, "baseline", policy_file)
    print(f"  start-up only:     peak RSS {base['peak_rss_mb']:4.0f} MB")
    got = {which: _in_child(url, which, policy_file) for which in ("dry", "dry-traced", "apply")}
    for which, title in (("dry", "dry run"), ("apply", "apply")):
        run = got[which]
        print(f"  {title + ':':<18} {run['seconds']:5.1f} s  peak RSS {run['peak_rss_mb']:4.0f} MB "
              f"(+{run['peak_rss_mb'] - base['peak_rss_mb']:.0f} MB over start-up), {run['run']['families']:,} "
              f"families in {run['run']['batches']} batches of 500")
    print(f"  dry run again:     {got['dry-traced']['seconds']:5.1f} s  Python's peak allocations "
          f"{got['dry-traced']['traced_peak_mb']:.1f} MB (tracemalloc on)")
    after = snapshot(url)
    done = got["apply"]["run"]["rules"]
    gf, ge, gc, gw, gt = (sum(r[key] for r in done if r["action"] == "delete")
                          for key in ("families", "events", "children", "work", "tasks"))
    af, ae = (sum(r[key] for r in done if r["action"] == "anonymise") for key in ("families", "events"))
    kept = [rows for cid, (name, rows) in before.items() if kind_of(cid - 1)[0] not in ("delete", "anonymise")]
    left = sum(rows[3] for _, rows in after.values())
    print(f"  deleted:    {gf:7,} families with {ge:9,} events, {gc:,} children, {gw:,} pieces of work, {gt:,} tasks")
    print(f"  anonymised: {af:7,} families with {ae:9,} events (kept, without their details)")
    print(f"  untouched:  {len(kept):7,} families with {sum(r[3] for r in kept):9,} events")
    print(f"  events:     {events:,} before, {left:,} after ({events:,} - {ge:,} deleted + {gf + af:,} audit "
          f"events of the removals); apply {got['apply']['seconds'] / (gf + af) * 1000:.1f} ms per family, "
          f"{got['apply']['seconds'] / got['dry']['seconds']:.1f}x the dry run")
    again = _in_child(url, "dry", policy_file)
    print(f"  a dry run after:   {again['seconds']:5.1f} s, {again['run']['families']} families due")
    problems = check(url, families, before, after)
    dry_rules = [(r["name"], r["families"], r["events"]) for r in got["dry"]["run"]["rules"]]
    if dry_rules != [(r["name"], r["families"], r["events"]) for r in got["apply"]["run"]["rules"]]:
        problems.append(f"the dry run said {dry_rules}, apply did otherwise")
    if again["run"]["families"]:
        problems.append("families still due after apply")
    print(f"  check: {'; '.join(problems)}" if problems else
          f"  check: exactly the {gf:,} families due for deletion are gone, with every row, and each has its "
          f"case_deleted event; the {af:,} due for anonymising keep their rows (one event more) with no surname or "
          f"date of birth left, each with its case_anonymised event; the other {len(kept):,} are as they were")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=20_000, help="families of 50 audit events each")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database: its tables are "
                                                          "dropped and rebuilt, so give it one of its own")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    for hidden in ("--phase", "--db", "--policy"):  # a phase, run in a child process
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.db, args.phase, args.policy)))
        return
    if args.postgres and args.postgres == os.environ.get("BPMNRUN_TEST_DATABASE_URL"):
        parser.error("--postgres names the tests' database; the benchmark drops its tables: give it its own")
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        policy_file = str(Path(tmp) / "retention.toml")
        Path(policy_file).write_text(POLICY)
        print(f"retention: {args.families:,} families x {1 + WORK * (STEPS * 2 + 3) + READS} audit events; policy: "
              f"default 7 years delete, York 7 years anonymise, york_step_up 30 years anonymise; now {NOW:%Y-%m-%d}")
        if not args.no_sqlite:
            problems += bench(f"sqlite:///{tmp}/bench.sqlite", "SQLite (a file in /tmp)", args.families, policy_file)
        if args.postgres:
            _reset(args.postgres)
            problems += bench(args.postgres, "PostgreSQL", args.families, policy_file)
    if problems:
        sys.exit(1)


def _reset(url: str) -> None:
    from bpmnrun.store.models import Base

    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


if __name__ == "__main__":
    main()
