"""Event-log export (contract 1 of issue 13): XES and CSV of real cases, read back with PM4Py and pandas
(SQLite and PostgreSQL)."""

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
from bpmnrun.service import instances, timers
from bpmnrun.service.errors import NotFound
from bpmnrun.store.models import Event, Task
from tests.conftest import DIAGRAMS
from tests.scenarios.test_authc_step_down import (DUTY_EH_TM, DUTY_END, DUTY_MORNING, E4, LEAD_PROFESSIONAL, PROCESS,
                                                  SC_TM, STEP_ONE, STEP_TWO, STEP_TWO_OVERDUE, SW, at_step_two,
                                                  lead_professional, local, start, step_one, step_two)
from tests.support import LIBRARY, add_users, deploy_paths, finish, smith_family

C1_LANES = {"Task_step_one": SW, "Task_lead_professional": SW, "Task_step_two": DUTY_EH_TM}
KEYS = ["concept:name", "lifecycle:transition", "bpmnrun:element", "bpmnrun:element_type", "org:resource",
        "org:role", "bpmnrun:activity"]
MESSAGE = "Completed early help assessment received"
START_WORK = "Start the early help assessment work step"


@pytest.fixture
def smiths(rt):
    deploy_paths(rt, LIBRARY / "authc" / "authc_step_down_sc_to_eh.bpmn")
    add_users(rt, sw1=SW, duty1=DUTY_EH_TM, tm1=SC_TM)
    return smith_family(rt)


def read_xes(rt, tmp_path, process_ids=()) -> pd.DataFrame:
    target = tmp_path / "log.xes"
    eventlog.write_xes(rt, target, process_ids)
    return pm4py.read_xes(str(target))


def rows(log: pd.DataFrame, case: int) -> list[tuple]:
    """A trace's events in the order written: KEYS, with None for an attribute the event lacks."""
    trace = log[log["case:concept:name"] == str(case)]
    return [tuple(None if pd.isna(row[k]) else row[k] for k in KEYS) for _, row in trace.iterrows()]


def times(log: pd.DataFrame, case: int) -> list[datetime]:
    return [t.to_pydatetime() for t in log[log["case:concept:name"] == str(case)]["time:timestamp"]]


def test_at_equal_times_a_completion_comes_before_the_next_start(rt, clock, smiths, tmp_path):
    clock.set(local(2025, 9, 10, 10, 30))  # a Wednesday's duty morning: nothing waits, all at one instant
    iid = start(rt, smiths)
    step_one(rt, iid)
    lead_professional(rt, iid)
    log = read_xes(rt, tmp_path)
    assert rows(log, iid) == [
        (STEP_ONE, "start", "Task_step_one", "userTask", "sw1", SW, "identify_step_down"),
        (STEP_ONE, "complete", "Task_step_one", "userTask", "sw1", SW, "identify_step_down"),
        (LEAD_PROFESSIONAL, "start", "Task_lead_professional", "userTask", "sw1", SW,
         "identify_lead_professional book_meeting"),
        (LEAD_PROFESSIONAL, "complete", "Task_lead_professional", "userTask", "sw1", SW,
         "identify_lead_professional book_meeting"),
        (DUTY_MORNING, "complete", "Timer_duty_morning", "timer", None, SC_TM, None),  # in it: fires at once
        (STEP_TWO, "start", "Task_step_two", "userTask", None, DUTY_EH_TM, "step_down_decision obtain_consent"),
    ]  # nobody is named for the open Step Two: org:resource is a person, never the lane
    assert set(times(log, iid)) == {local(2025, 9, 10, 10, 30)}
    # The root of that order: each step's new tasks are placed after every task before them (the step after
    # the start once reused the start's positions, and time cannot tell them apart).
    with rt.reading() as session:
        positions = dict(session.execute(select(Task.name, Task.position).where(Task.instance_id == iid)).all())
    assert positions[STEP_ONE] < positions[LEAD_PROFESSIONAL] < positions[STEP_TWO]
    trace = log[log["case:concept:name"] == str(iid)].iloc[0]
    assert (trace["case:bpmnrun:authority"], trace["case:bpmnrun:process"], trace["case:bpmnrun:version"],
            trace["case:bpmnrun:status"], trace["case:bpmnrun:case"]) == ("Authority C", PROCESS, 1, "running",
                                                                          smiths.id)
    assert "case:bpmnrun:outcome" not in log.columns  # still running: no outcome yet


def test_timers_and_end_events_are_in_the_log_in_the_order_they_happened(rt, clock, smiths, tmp_path):
    iid = at_step_two(rt, clock, smiths)  # Fri 5 Sep 14:00 Steps One and LP; duty morning timer Tue 09:00:01
    clock.set(local(2025, 9, 9, 12, 0, 1))
    assert timers.fire_due_timers(rt) == 1  # Step Two overdue: the non-interrupting branch ends
    step_two(rt, iid, plan="no")  # at the same instant as the timer
    log = read_xes(rt, tmp_path)
    friday, tuesday, noon = local(2025, 9, 5, 14), local(2025, 9, 9, 9, 0, 1), local(2025, 9, 9, 12, 0, 1)
    assert [r[:4] + r[5:6] for r in rows(log, iid)] == [
        (STEP_ONE, "start", "Task_step_one", "userTask", SW),
        (STEP_ONE, "complete", "Task_step_one", "userTask", SW),
        (LEAD_PROFESSIONAL, "start", "Task_lead_professional", "userTask", SW),
        (LEAD_PROFESSIONAL, "complete", "Task_lead_professional", "userTask", SW),
        (DUTY_MORNING, "complete", "Timer_duty_morning", "timer", SC_TM),
        (STEP_TWO, "start", "Task_step_two", "userTask", DUTY_EH_TM),
        (DUTY_END, "complete", "Timer_end_of_duty_morning", "timer", DUTY_EH_TM),
        (STEP_TWO_OVERDUE, "complete", "End_step_two_overdue", "endEvent", DUTY_EH_TM),
        (STEP_TWO, "complete", "Task_step_two", "userTask", DUTY_EH_TM),
        (E4, "complete", "End_no_step_down_plan", "endEvent", DUTY_EH_TM),
    ]
    assert times(log, iid) == [friday] * 4 + [tuesday] * 2 + [noon] * 4
    step_two_rows = [r for r in rows(log, iid) if r[0] == STEP_TWO]
    assert {r[4] for r in step_two_rows} == {"duty1"}  # the person who completed it, on its start too
    assert all(r[4] is None for r in rows(log, iid) if r[3] != "userTask")  # the engine's events: no person
    trace = log[log["case:concept:name"] == str(iid)].iloc[0]
    assert (trace["case:bpmnrun:outcome"], trace["case:bpmnrun:status"]) == (E4, "completed")


@pytest.fixture
def message_case(rt, clock):
    """test_message: the message caught, its task made ready, completed and the end reached, all at 10:00."""
    deploy_paths(rt, DIAGRAMS / "test_message.bpmn")
    add_users(rt, sue="Supporting Families Team")
    case = smith_family(rt)
    clock.set(local(2025, 6, 2, 9))
    iid = instances.start_work(rt, "test_message", case.id, "sue")
    clock.set(local(2025, 6, 2, 10))
    instances.deliver_message(rt, iid, MESSAGE, "sue")
    finish(rt, iid, START_WORK, "sue", started="yes")
    return case, iid


def test_a_caught_message_and_the_end_reached_are_events(rt, message_case, tmp_path):
    _case, iid = message_case
    team = "Supporting Families Team"
    assert rows(read_xes(rt, tmp_path), iid) == [
        (MESSAGE, "complete", "Catch", "message", None, team, None),
        (START_WORK, "start", "StartWork", "userTask", "sue", team, "assessment"),
        (START_WORK, "complete", "StartWork", "userTask", "sue", team, "assessment"),
        ("Assessment work step started", "complete", "EndEvt", "endEvent", None, team, None),
    ]


def test_csv_has_the_contract_columns_and_one_row_per_event(rt, message_case, tmp_path):
    case, iid = message_case
    target = tmp_path / "log.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        done = eventlog.write_csv(rt, handle)
    table = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert tuple(table.columns) == (
        "case_id", "authority", "process", "version", "outcome", "status", "element_id", "element_type", "activity",
        "activity_terms", "lifecycle", "resource", "role", "timestamp")
    head = [str(iid), "Other", "test_message", "1", "Assessment work step started", "completed"]
    ten = "2025-06-02T09:00:00.000+00:00"  # 10:00 in London (BST)
    team = "Supporting Families Team"
    assert table.values.tolist() == [
        head + ["Catch", "message", MESSAGE, "", "complete", "", team, ten],
        head + ["StartWork", "userTask", START_WORK, "assessment", "start", "sue", team, ten],
        head + ["StartWork", "userTask", START_WORK, "assessment", "complete", "sue", team, ten],
        head + ["EndEvt", "endEvent", "Assessment work step started", "", "complete", "", team, ten],
    ]
    assert (done.traces, done.events) == (1, 4)
    assert pd.to_datetime(table["timestamp"]).iloc[0] == pd.Timestamp(local(2025, 6, 2, 10))


# --- simulated cases: read back with PM4Py --------------------------------------------------------------------


def audited_paths(rt) -> Counter:
    """Each case's completed tasks, timers fired, messages caught and own end events in the order the audit
    recorded them (the row ids): independent of the export's ordering."""
    wanted = ("task_completed", "timer_fired", "message_received", "end_event")
    with rt.reading() as session:
        found = session.execute(select(Event.instance_id, Event.action, Event.name, Event.detail)
                                .where(Event.action.in_(wanted), Event.instance_id.is_not(None))
                                .order_by(Event.id)).all()
    paths: dict[int, list[str]] = {}
    for instance_id, action, name, detail in found:
        if action != "end_event" or detail.get("process") == PROCESS:
            paths.setdefault(instance_id, []).append(name)
    return Counter(tuple(p) for p in paths.values())


def inversions(log: pd.DataFrame, case_key: str, name: str, lifecycle: str, time: str) -> int:
    """`start` events written before the `complete` of another activity at the very same time."""
    found = 0
    for _, trace in log.groupby(case_key, sort=False):
        events = list(zip(trace[name], trace[lifecycle], trace[time]))
        for i, (activity, kind, when) in enumerate(events):
            if kind == "start":
                found += sum(1 for a, k, w in events[i + 1:] if k == "complete" and w == when and a != activity)
    return found


def variants(log: pd.DataFrame) -> Counter:
    completed = log[log["lifecycle:transition"] == "complete"]
    return Counter({tuple(v): n for v, n in pm4py.get_variants(completed).items()})


def test_simulated_cases_read_back_by_pm4py_in_the_order_they_happened(rt, smiths, tmp_path):
    simulate(rt, PROCESS, 25, seed=4)
    expected = audited_paths(rt)
    log = read_xes(rt, tmp_path)
    assert log["case:concept:name"].nunique() == 25 and len(expected) > 3  # the seed takes several paths
    assert inversions(log, "case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp") == 0
    for _, trace in log.groupby("case:concept:name"):
        assert trace["time:timestamp"].is_monotonic_increasing
    assert variants(log) == expected
    tasks = log[log["bpmnrun:element_type"] == "userTask"]
    assert set(tasks["org:role"]) <= {SW, DUTY_EH_TM, SC_TM, "TAF Team", "EH TM", "FFP/FSW", "Graft TM"}
    assert tasks["org:resource"].str.startswith("simulator: ").all()  # a (simulated) person, never a lane
    step_one_terms = set(tasks[tasks["bpmnrun:element"] == "Task_step_one"]["bpmnrun:activity"])
    assert step_one_terms == {"identify_step_down"}

    # The CSV, read by pandas, holds the same events in the same order.
    target = tmp_path / "log.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        eventlog.write_csv(rt, handle)
    table = pd.read_csv(target)
    table["timestamp"] = pd.to_datetime(table["timestamp"], utc=True)
    assert len(table) == len(log)
    assert inversions(table, "case_id", "activity", "lifecycle", "timestamp") == 0
    table = pm4py.format_dataframe(table, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    assert variants(table.rename(columns={"lifecycle": "lifecycle:transition"})) == expected
    assert set(table["element_type"]) == {"userTask", "endEvent", "timer"}  # C1 catches no message


def test_an_end_the_audit_no_longer_has_comes_from_the_instance(rt, message_case, tmp_path):
    """Past retention a family's audit rows may be gone: the end event is then the instance's own."""
    _case, iid = message_case
    with rt.transaction() as session:
        for row in session.scalars(select(Event).where(Event.action == "end_event")):
            session.delete(row)
    ends = [r for r in rows(read_xes(rt, tmp_path), iid) if r[3] == "endEvent"]
    assert ends == [("Assessment work step started", "complete", "EndEvt", "endEvent", None,
                     "Supporting Families Team", None)]


def test_export_names_an_unknown_process_and_writes_nothing(rt, tmp_path):
    deploy_paths(rt, DIAGRAMS / "test_message.bpmn")
    with pytest.raises(NotFound, match="no process 'nope' is deployed"):
        eventlog.write_xes(rt, tmp_path / "log.xes", ["nope"])
    assert not (tmp_path / "log.xes").exists()


def test_export_command(rt, message_case, tmp_path):
    runner = CliRunner()
    for name, kind in (("log.xes", "XES"), ("log.csv", "CSV")):
        done = runner.invoke(cli, ["--db", rt.db.url, "export-xes", "--process", "test_message", str(tmp_path / name)])
        assert done.exit_code == 0, done.output
        assert done.output.strip().endswith(f"1 case(s), 4 event(s) written to {tmp_path / name} ({kind})")
    wrong = runner.invoke(cli, ["--db", rt.db.url, "export-xes", "--process", "nope", str(tmp_path / "x.csv")])
    assert wrong.exit_code == 1 and "error: no process 'nope' is deployed" in wrong.output
    assert not (tmp_path / "x.csv").exists()
    helped = runner.invoke(cli, ["export-xes", "--help"]).output
    assert "org:resource" in helped and "endEvent" in helped and "activity_terms" in helped
