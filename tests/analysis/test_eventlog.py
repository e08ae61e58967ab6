"""Event-log export: XES and CSV, loaded back with PM4Py (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pandas as pd
import pm4py
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bpmnrun.analysis import eventlog
from bpmnrun.analysis.simulate import simulate
from bpmnrun.cli.main import cli
from bpmnrun.clock import LONDON
from bpmnrun.service.errors import NotFound
from bpmnrun.store.models import Task
from tests.scenarios.test_authc_step_down import (DUTY_EH_TM, LEAD_PROFESSIONAL, PROCESS, SC_TM, STEP_ONE, STEP_TWO,
                                                  SW, at_step_two, lead_professional, start, step_one, step_two)
from tests.support import add_users, deploy_library, smith_family

YORK = "york_step_down_cin_cp"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def paths_taken(rt) -> Counter:
    """Each case's completed task names in the order they were completed, from the task rows."""
    with rt.reading() as session:
        rows = session.execute(select(Task.instance_id, Task.name, Task.completed_at, Task.position)
                               .where(Task.state == "completed")).all()
    by_case: dict[int, list] = {}
    for row in sorted(rows, key=lambda r: (r.instance_id, r.completed_at, r.position)):
        by_case.setdefault(row.instance_id, []).append(row.name)
    return Counter(tuple(names) for names in by_case.values())


def pm4py_variants(log: pd.DataFrame) -> Counter:
    completed = log[log["lifecycle:transition"] == "complete"]
    return Counter({tuple(variant): count for variant, count in pm4py.get_variants(completed).items()})


@pytest.fixture
def known_paths(rt, clock):
    """Four cases down three different paths of Authority C's step down (driven as its scenario tests do)."""
    deploy_library(rt)
    add_users(rt, sw1=SW, duty1=DUTY_EH_TM, tm1=SC_TM)
    smiths = smith_family(rt)
    for day in (2, 3):
        clock.set(local(2025, 6, day, 9))
        step_one(rt, start(rt, smiths), clear_plan="no")  # no clear plan: ends at Step One
    clock.set(local(2025, 6, 4, 9))
    outside = start(rt, smiths)
    step_one(rt, outside)
    clock.advance(hours=2)
    lead_professional(rt, outside, internal="no")  # the Lead Professional is not internal Early Help
    duty = at_step_two(rt, clock, smiths)  # Step Two ready on Tue 9 Sep at the duty morning, now 10:00
    clock.advance(minutes=30)
    step_two(rt, duty, actor="duty1", consent="no", plan="no", outcome=None)
    return smiths


def test_xes_round_trip_through_pm4py_gives_the_paths_the_cases_took(rt, known_paths, tmp_path):
    target = tmp_path / "log.xes"
    done = eventlog.write_xes(rt, target, [PROCESS])
    expected = Counter({(STEP_ONE,): 2, (STEP_ONE, LEAD_PROFESSIONAL): 1, (STEP_ONE, LEAD_PROFESSIONAL, STEP_TWO): 1})
    assert paths_taken(rt) == expected
    assert (done.traces, done.events) == (4, 2 * (2 + 2 + 3))

    log = pm4py.read_xes(str(target))
    assert pm4py_variants(log) == expected
    assert set(log["lifecycle:transition"]) == {"start", "complete"}
    step_two_done = log[(log["concept:name"] == STEP_TWO) & (log["lifecycle:transition"] == "complete")].iloc[0]
    assert (step_two_done["org:resource"], step_two_done["org:role"]) == ("duty1", DUTY_EH_TM)
    assert step_two_done["bpmnrun:activity"] == "step_down_decision"  # its first term
    assert step_two_done["time:timestamp"] == pd.Timestamp(local(2025, 9, 9, 10, 30))
    assert step_two_done["case:bpmnrun:process"] == PROCESS
    # Every attribute key's prefix is a declared extension, ours (bpmnrun:) included.
    from lxml import etree

    tree = etree.parse(str(target))
    ns = {"x": eventlog.XES_NAMESPACE}
    declared = {e.get("prefix"): e.get("uri") for e in tree.iterfind("x:extension", ns)}
    used = {k.split(":")[0] for k in tree.xpath("//@key") if ":" in k}
    assert used <= set(declared) and declared["bpmnrun"].startswith("urn:bpmnrun:")


def test_csv_has_the_same_events(rt, known_paths, tmp_path):
    target = tmp_path / "log.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        done = eventlog.write_csv(rt, handle, [PROCESS])
    table = pd.read_csv(target)
    assert tuple(table.columns) == eventlog.CSV_COLUMNS and len(table) == done.events == 14
    table["timestamp"] = pd.to_datetime(table["timestamp"], utc=True)
    log = pm4py.format_dataframe(table, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    log = log.rename(columns={"lifecycle": "lifecycle:transition"})
    assert pm4py_variants(log) == paths_taken(rt)


def test_simulated_cases_export_as_the_paths_they_took(rt, clock, tmp_path):
    deploy_library(rt)
    simulate(rt, YORK, 30, seed=9)
    target = tmp_path / "simulated.xes"
    eventlog.write_xes(rt, target)
    expected = paths_taken(rt)
    assert len(expected) > 2  # the seed sends the cases down several paths
    assert pm4py_variants(pm4py.read_xes(str(target))) == expected


def test_export_names_an_unknown_process_and_writes_nothing(rt, tmp_path):
    deploy_library(rt)
    with pytest.raises(NotFound, match="no process 'nope' is deployed"):
        eventlog.write_xes(rt, tmp_path / "log.xes", ["nope"])
    assert not (tmp_path / "log.xes").exists()


def test_export_command(rt, known_paths, tmp_path):
    runner = CliRunner()
    for name, kind in (("log.xes", "XES"), ("log.csv", "CSV")):
        done = runner.invoke(cli, ["--db", rt.db.url, "export-xes", "--process", PROCESS, str(tmp_path / name)])
        assert done.exit_code == 0, done.output
        assert done.output.strip().endswith(f"4 case(s), 14 event(s) written to {tmp_path / name} ({kind})")
    wrong = runner.invoke(cli, ["--db", rt.db.url, "export-xes", "--process", "nope", str(tmp_path / "x.csv")])
    assert wrong.exit_code == 1 and "error: no process 'nope' is deployed" in wrong.output
    assert not (tmp_path / "x.csv").exists()
