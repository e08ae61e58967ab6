"""Simulation through the real engine on a virtual clock (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bpmnrun.analysis.compare import STEP_DOWN_SET
from bpmnrun.analysis import simulate as simulate_module
from bpmnrun.analysis.runtime import SIMULATION_RUN, SIMULATOR, compare_runtime
from bpmnrun.analysis.simulate import profile_vocabulary, simulate
from bpmnrun.analysis.simulation_answers import Answers
from bpmnrun.analysis.simulation_people import People, worker_name
from bpmnrun.analysis.simulation_profile import Profile, load_profile, profile_from
from bpmnrun.calendar import is_working_day
from bpmnrun.cli.main import cli
from bpmnrun.cli.simulate import progress
from bpmnrun.clock import LONDON, MovableClock
from bpmnrun.service import cases, tasks, users
from bpmnrun.service.errors import NotFound, ServiceError
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Case, Event, Instance, Task
from tests.conftest import SPECS
from tests.scenarios.test_authc_step_down import DUTY_EH_TM, E1, E3, PROCESS, STEP_ONE, STEP_TWO
from tests.support import LIBRARY, deploy_library

YORK = "york_step_down_cin_cp"
L1 = "lincs_step_out_internal_lp_existing_eh"
L5 = "lincs_tac_monitoring_request_external_lp"


def _rows(rt, model, *where):
    with rt.reading() as session:
        rows = list(session.scalars(select(model).where(*where)))
        session.expunge_all()  # keep what was read: the reading session rolls back on leaving
        return rows


def test_simulated_cases_run_to_their_end_and_are_marked(rt, clock):
    deploy_library(rt)
    began = clock.now()
    result = simulate(rt, YORK, 15, seed=3)
    assert len(result.instance_ids) == 15 and result.given_up == {} and result.not_started == []
    ended = _rows(rt, Instance, Instance.id.in_(result.instance_ids))
    assert {i.status for i in ended} == {"completed"} and all(i.end_event for i in ended)
    assert {i.started_by for i in ended} == {SIMULATOR}
    assert all(c.family_name.startswith("Simulated ") for c in _rows(rt, Case))
    done = _rows(rt, Task, Task.state == "completed")
    assert done and all(t.completed_by.startswith(f"{SIMULATOR}: ") for t in done)
    assert clock.now() > began  # the virtual clock moved, nobody waited

    [variant] = compare_runtime(rt, [YORK], result.instance_ids)
    assert variant.cases == 15
    assert Counter({o.end_event: o.cases for o in variant.outcomes}) == Counter(i.end_event for i in ended)
    assert sum(o.overdue_cases for o in variant.outcomes) == len({t.instance_id for t in _rows(rt, Task, Task.overdue)})


@pytest.mark.parametrize("process_id", STEP_DOWN_SET)
def test_every_default_variant_runs_its_cases_to_an_end(rt, clock, process_id):
    deploy_library(rt)
    result = simulate(rt, process_id, 10, seed=8)
    assert (result.completed, result.given_up, result.not_started, result.failures) == (10, {}, [], [])


def test_profile_steers_choices_and_durations(rt, clock):
    deploy_library(rt)
    profile = profile_from({"choices": {"clear_plan_from_completed_assessment": {"no": 1, "yes": 0}},
                            "durations": {STEP_ONE: 1}, "default_wait": 0})
    result = simulate(rt, PROCESS, 12, seed=5, profile=profile)
    [variant] = compare_runtime(rt, [PROCESS], result.instance_ids)
    [outcome] = variant.outcomes
    assert (outcome.end_event, outcome.cases) == (E1, 12)
    assert (outcome.cycle_time.median, outcome.cycle_time.p90) == (pytest.approx(1.0), pytest.approx(1.0))


def test_timers_fire_as_the_virtual_clock_passes_them(rt, clock):
    """Without Graft, Step Two waits for a duty morning (Tue–Thu 09:00–12:00): it becomes ready in one."""
    deploy_library(rt)
    profile = profile_from({"choices": {"clear_plan_from_completed_assessment": {"yes": 1}, "graft_involved": {"no": 1},
                                        "lp_is_internal_early_help": {"yes": 1}, "family_consent": {"no": 1}}})
    result = simulate(rt, PROCESS, 8, seed=11, profile=profile)
    assert result.given_up == {}
    step_two = _rows(rt, Task, Task.name == STEP_TWO)
    assert len(step_two) == 8
    for task in step_two:
        ready = task.created_at.astimezone(LONDON)
        assert ready.strftime("%A") in ("Tuesday", "Wednesday", "Thursday") and is_working_day(ready.date())
        assert 9 <= ready.hour < 12
        assert task.completed_by == worker_name(DUTY_EH_TM)
        assert users.get_user(rt, task.data["sc_tm_atm"]).teams == ("SC TM / ATM",)  # a person picker's answer
    assert {i.end_event for i in _rows(rt, Instance)} == {E3}


def test_children_pickers_people_pickers_and_per_child_answers(rt, clock):
    deploy_library(rt)
    l1 = simulate(rt, L1, 6, seed=2, profile=profile_from({"children": {"3": 1}}))
    assert l1.completed == 6
    for instance in _rows(rt, Instance, Instance.id.in_(l1.instance_ids)):
        ids = {str(i) for i in instance.subject_ids}
        [supervision] = _rows(rt, Task, Task.instance_id == instance.id, Task.bpmn_id == "Task_supervision")
        picked = supervision.data["decision_subjects"]
        assert picked and set(picked) <= ids  # a list of the case's child ids
        [decision] = _rows(rt, Task, Task.instance_id == instance.id, Task.bpmn_id == "Task_decision")
        assert "Early Help worker" in users.get_user(rt, decision.data["lead_professional"]).teams
    # L5 started on its own: the assessment's outcome is a map child id → answer for the children assessed.
    profile = profile_from({"choices": {"case_status": {"child_and_family_assessment_early_help": 1},
                                        "assessment_already_completed": {"no": 1}}, "children": {"2": 1}})
    l5 = simulate(rt, L5, 5, seed=4, profile=profile)
    assert l5.completed == 5 and l5.given_up == {}
    assessed = _rows(rt, Task, Task.instance_id.in_(l5.instance_ids), Task.bpmn_id == "Task_assessment")
    assert len(assessed) == 5
    for task in assessed:
        outcome = task.data["assessment_outcome"]
        assert isinstance(outcome, dict) and outcome and all(isinstance(k, str) for k in outcome)


def test_start_data_is_the_start_forms_answers(rt, clock):
    deploy_library(rt)
    every = simulate(rt, "york_step_up", 16, seed=4)
    assert every.given_up == {} and every.completed == 16
    advice = "advice_of_a_social_worker_is_required"
    pinned = simulate(rt, "york_step_up", 6, seed=4, profile=profile_from({"start_data": {"start_route": advice}}))
    assert pinned.completed == 6
    started = {e.instance_id: e.detail["data"] for e in _rows(
        rt, Event, Event.action == "instance_started", Event.instance_id.in_(every.instance_ids + pinned.instance_ids))}
    fields = {"start_route", "lp_type", "concern_summary", "immediate_concern", "previous_step_down_from_cin_cp_on",
              "previous_social_worker"}
    assert all(set(data) <= fields for data in started.values())
    routes = [started[i]["start_route"] for i in every.instance_ids + pinned.instance_ids]
    assert set(routes[:16]) == {"concerns_raised_or_the_early_help_plan_is_not_progressing",
                                "child_protection_concern_raised", advice}
    assert set(routes[16:]) == {advice}
    assert all(started[i]["lp_type"] == "targeted_early_help" for i in pinned.instance_ids
               if "lp_type" in started[i])  # the form's rule for the advice route, met by drawing again


def test_same_seed_same_cases(tmp_path):
    def run(name, seed):
        rt = Runtime(Database(f"sqlite:///{tmp_path / name}.sqlite"), MovableClock(datetime(2025, 6, 2, 9)), SPECS)
        try:
            deploy_library(rt)
            result = simulate(rt, YORK, 8, seed=seed)
            return [(t.name, t.completed_at) for t in _rows(rt, Task, Task.instance_id.in_(result.instance_ids))]
        finally:
            rt.db.dispose()

    first = run("one", 42)
    assert first == run("two", 42)
    assert first != run("three", 43)


def test_bad_requests_are_named(rt):
    deploy_library(rt)
    with pytest.raises(NotFound, match="no process 'nope' is deployed"):
        simulate(rt, "nope", 3, seed=1)
    with pytest.raises(ServiceError, match="at least one case"):
        simulate(rt, YORK, 0, seed=1)


@pytest.mark.parametrize("raw, message", [
    ({"speed": 2}, "unknown setting 'speed'"),
    ({"durations": {"X": {"distribution": "normal"}}}, "durations.X: distribution must be one of"),
    ({"durations": {"X": {"low": 3, "mode": 1, "high": 5}}}, "needs low <= mode <= high"),
    ({"choices": {"f": {"yes": -1}}}, "weights are not negative"),
    ({"durations": {"X": "soon"}}, "must be a number of working days or an object"),
])
def test_profile_mistakes_get_a_clear_message(raw, message):
    with pytest.raises(ServiceError, match=message):
        profile_from(raw)


def test_profile_files_in_json_and_toml(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps({"durations": {"A": {"distribution": "fixed", "value": 2}}}))
    (tmp_path / "p.toml").write_text('[durations.A]\ndistribution = "uniform"\nlow = 1\nhigh = 2\nunit = "hours"\n')
    assert load_profile(tmp_path / "p.json").durations["A"].value == 2
    assert load_profile(tmp_path / "p.toml").durations["A"].unit == "hours"
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ServiceError, match="is not valid json"):
        load_profile(tmp_path / "bad.json")


def test_simulate_command_fills_its_own_database_and_prints_the_comparison(tmp_path, monkeypatch):
    monkeypatch.setenv("BPMNRUN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BPMNRUN_DATABASE_URL", raising=False)
    runner = CliRunner()
    done = runner.invoke(cli, ["simulate", PROCESS, "--cases", "6", "--seed", "2", "--start", "2025-06-02",
                               "--library", str(LIBRARY)])
    assert done.exit_code == 0, done.output
    assert "SIMULATED cases — profile: default profile (seed 2)" in done.stdout  # labelled, naming its profile
    assert f"6 simulated case(s) of {PROCESS} from 02 Jun 2025 09:00" in done.stdout
    assert "cycle time median" in done.stdout
    # stderr is not a terminal here: a line each time another tenth is done (6 cases: 1/6 is past 10 %, 2/6 past
    # 30 %, 3/6 = 50 %, 4/6 past 60 %, 5/6 past 80 %).
    assert [line for line in done.stderr.splitlines() if line.startswith("simulating")] == [
        f"simulating {PROCESS} (default profile): {p}% ({n} of 6 cases)"
        for p, n in ((10, 1), (30, 2), (50, 3), (60, 4), (80, 5), (100, 6))]
    assert (tmp_path / "simulation.sqlite").exists() and not (tmp_path / "bpmnrun.sqlite").exists()

    shown = runner.invoke(cli, ["--db", f"sqlite:///{tmp_path / 'simulation.sqlite'}", "runtime", "--simulated",
                                "--json"])
    assert shown.exit_code == 0, shown.output
    [variant] = json.loads(shown.output)["variants"]
    assert variant["process_id"] == PROCESS and variant["cases"] == 6

    (tmp_path / "quiet_week.json").write_text(json.dumps({"default_wait": 0}))
    named = runner.invoke(cli, ["simulate", PROCESS, "--cases", "2", "--json", "--library", str(LIBRARY),
                                "--profile", str(tmp_path / "quiet_week.json")])
    assert named.exit_code == 0, named.output
    out = json.loads(named.stdout)
    assert (out["simulated"], out["profile"], out["simulation"]["profile"]) == (True, "quiet_week", "quiet_week")

    (tmp_path / "typo.json").write_text(json.dumps({"choices": {"clear_plan_from_completed_assesment": {"no": 1}}}))
    refused = runner.invoke(cli, ["simulate", PROCESS, "--cases", "2", "--library", str(LIBRARY),
                                  "--profile", str(tmp_path / "typo.json")])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "did you mean 'clear_plan_from_completed_assessment'?" in refused.stderr

    wrong = runner.invoke(cli, ["simulate", "nope", "--cases", "2", "--library", str(LIBRARY)])
    assert wrong.exit_code == 1 and "error: no process 'nope' is deployed" in wrong.output


def _enum(fid: str, *options: str) -> dict:
    return {"id": fid, "type": "enum", "options": [{"id": o} for o in options], "constraints": {},
            "multiple": False, "required": True, "readonly": False, "properties": {}, "default": None}


def test_a_refusal_redraws_only_the_fields_it_names_and_not_an_option_refused_before(rt):
    answers = Answers(random.Random(1), Profile(), People(rt), lambda: datetime(2025, 6, 2, 9))
    form = [_enum("route", "mash", "cin_cp"), _enum("origin", "a", "b", "c")]
    drawn = [answers.redraw(form, {"route": "cin_cp", "origin": "a"}, {"origin": "does not fit"}, {})
             for _ in range(30)]
    assert {d["route"] for d in drawn} == {"cin_cp"}  # the answer that fitted is kept
    assert {d["origin"] for d in drawn} == {"b", "c"}  # not the refused one again
    # Errors naming no field of the form (a rule of the whole form): everything is drawn again.
    again = [answers.redraw(form, {"route": "cin_cp", "origin": "a"}, {"form": "x"}, {})["route"] for _ in range(30)]
    assert set(again) == {"mash", "cin_cp"}
    tried: dict = {}
    values, seen = {"origin": "a"}, ["a"]
    for _ in range(2):
        values = answers.redraw(form[1:], values, {"origin": "does not fit"}, tried)
        seen.append(values["origin"])
    assert sorted(seen) == ["a", "b", "c"]  # three tries, three different options


def _local_times(rt, ids):
    return [t.completed_at.astimezone(LONDON) for t in _rows(rt, Task, Task.instance_id.in_(ids),
                                                               Task.completed_by.like(f"{SIMULATOR}: %"))]


def test_simulated_work_is_done_in_working_hours_unless_the_profile_says_otherwise(rt, clock):
    deploy_library(rt)
    result = simulate(rt, YORK, 12, seed=7)
    times = _local_times(rt, result.instance_ids)
    assert times and all(is_working_day(t.date()) and (9, 0) <= (t.hour, t.minute) and
                         (t.hour, t.minute, t.second) <= (17, 0, 0) for t in times)
    round_the_clock = simulate(rt, YORK, 12, seed=7, profile=profile_from({"working_hours": False}))
    night = _local_times(rt, round_the_clock.instance_ids)
    assert any(not 9 <= t.hour < 17 or not is_working_day(t.date()) for t in night)
    late = profile_from({"working_hours": {"start": "12:00", "end": "20:00"}})
    assert late.day_hours == 8 and late.working_hours[0].hour == 12
    with pytest.raises(ServiceError, match="start must be before end"):
        profile_from({"working_hours": {"start": "17:00", "end": "09:00"}})


def test_office_time_keeps_whole_days_and_spreads_fractions_over_working_hours():
    from datetime import time

    from bpmnrun.analysis.working_time import add_office_time

    def at(*args):
        return datetime(*args, tzinfo=LONDON)

    nine, five = time(9), time(17)
    assert add_office_time(at(2025, 6, 2, 9), 1, nine, five) == at(2025, 6, 3, 9)  # Monday → Tuesday
    assert add_office_time(at(2025, 6, 2, 15), 0.5, nine, five) == at(2025, 6, 3, 11)  # 2 h today, 2 h tomorrow
    assert add_office_time(at(2025, 6, 6, 23), 0.25, nine, five) == at(2025, 6, 9, 11)  # Friday night → Monday
    assert add_office_time(at(2025, 8, 22, 16), 1.5, nine, five) == at(2025, 8, 27, 12)  # over the bank holiday


# --- issue 13: profiles checked against the diagrams, failures recorded, progress, the run's event, waits ---------

@pytest.mark.parametrize("raw, message", [
    ({"durations": {"Step One – SC supervision or case discusion": 1}},
     f"durations.Step One – SC supervision or case discusion: no task of this process has that id or name "
     f"(did you mean {STEP_ONE!r}?)"),
    ({"waits": {"Task_stepp_one": 1}}, "waits.Task_stepp_one: no task"),
    ({"choices": {"clear_plan_from_completed_assesment": {"no": 1}}},
     "choices.clear_plan_from_completed_assesment: no form of this process has a field "
     "'clear_plan_from_completed_assesment' (did you mean 'clear_plan_from_completed_assessment'?)"),
    ({"choices": {"clear_plan_from_completed_assessment": {"yse": 1}}},
     "choices.clear_plan_from_completed_assessment: 'yse' is not one of its options (no, yes) (did you mean 'yes'?)"),
    ({"values": {"graft_involvd": "no"}}, "values.graft_involvd: no form of this process has a field"),
])
def test_a_profile_naming_what_the_diagrams_lack_is_refused_before_any_case(rt, raw, message):
    deploy_library(rt)
    with pytest.raises(ServiceError) as refused:
        simulate(rt, PROCESS, 3, seed=1, profile=profile_from(raw, name="team_a"))
    assert message in str(refused.value) and str(refused.value).startswith("the profile team_a names")
    assert _rows(rt, Case) == []  # refused before any case ran


def test_profile_settings_and_start_data_are_checked_with_did_you_mean(rt):
    deploy_library(rt)
    with pytest.raises(ServiceError, match=r"unknown setting 'duration' \(did you mean 'durations'\?\)"):
        profile_from({"duration": {}})
    fields = set(profile_vocabulary(rt, "york_step_down_single_assessment").fields)
    with pytest.raises(ServiceError, match="unknown setting 'informed_consnt' .did you mean the form field "
                                           "'informed_consent'. its answers go under \"choices\" or \"values\""):
        profile_from({"informed_consnt": {"yes": 1}}, fields=fields)
    bad = profile_from({"start_data": {"start_route": {"child_protection_concern_raisd": 1}},
                        "choices": {"concern_summary": {"a": 1}}})
    with pytest.raises(ServiceError) as refused:
        simulate(rt, "york_step_up", 2, seed=1, profile=bad)
    assert "start_data.start_route: 'child_protection_concern_raisd' is not one of its options" in str(refused.value)
    assert "(did you mean 'child_protection_concern_raised'?)" in str(refused.value)
    assert "choices.concern_summary: a string field has no options to choose between" in str(refused.value)


def test_a_failing_case_is_recorded_and_the_run_goes_on(rt, clock, monkeypatch):
    deploy_library(rt)
    real_complete, real_create = tasks.complete_task, cases.create_case
    quick = profile_from({"choices": {"clear_plan_from_completed_assessment": {"no": 1}}})  # one task per case

    def complete(rt_, task_id, actor, values):
        [task] = _rows(rt_, Task, Task.id == task_id)
        if _rows(rt_, Case, Case.id == task.case_id)[0].family_name == "Simulated 2":
            raise RuntimeError("the disk is full")  # an unexpected error in one case's step
        return real_complete(rt_, task_id, actor, values)

    def create(rt_, name, *args, **kwargs):
        if name == "Simulated 4":
            raise KeyError("no such family")
        return real_create(rt_, name, *args, **kwargs)

    monkeypatch.setattr(simulate_module.tasks, "complete_task", complete)
    monkeypatch.setattr(simulate_module.cases, "create_case", create)
    result = simulate(rt, PROCESS, 5, seed=3, profile=quick)
    assert sorted((f.case, f.task, f.reason) for f in result.failures) == [
        ("Simulated 2", STEP_ONE, "RuntimeError: the disk is full"),
        ("Simulated 4", None, "KeyError: 'no such family'")]
    assert result.completed == 3 and len(result.instance_ids) == 4  # cases 1, 3 and 5 went on to their end
    [two] = [f.instance_id for f in result.failures if f.case == "Simulated 2"]
    failed = _rows(rt, Instance, Instance.id == two)[0]
    assert failed.status == "cancelled"
    [run] = _rows(rt, Event, Event.action == SIMULATION_RUN)
    assert run.detail["failed"] == 2 and {f["case"] for f in run.detail["failures"]} == {"Simulated 2", "Simulated 4"}


def test_progress_is_a_line_per_tenth_when_not_on_a_terminal():
    out = io.StringIO()
    with progress(20, "simulating x", out) as step:
        for _ in range(20):
            step(1)
    assert out.getvalue().splitlines() == [f"simulating x: {10 * k}% ({2 * k} of 20 cases)" for k in range(1, 11)]


def test_each_run_leaves_its_event_and_tasks_wait_then_are_worked_on(rt, clock):
    deploy_library(rt)
    profile = profile_from({"choices": {"clear_plan_from_completed_assessment": {"no": 1}},
                            "waits": {STEP_ONE: 2}, "durations": {STEP_ONE: 1}}, name="slow_start")
    result = simulate(rt, PROCESS, 1, seed=5, profile=profile)
    [task] = _rows(rt, Task, Task.instance_id.in_(result.instance_ids))
    # Ready on Monday 2 June 09:00 (the first case arrives as the clock starts), first opened two working days
    # later, completed one working day after that.
    assert task.created_at == datetime(2025, 6, 2, 9, 0, tzinfo=LONDON)
    assert task.opened_at - task.created_at == timedelta(days=2)
    assert task.completed_at - task.opened_at == timedelta(days=1)
    assert task.opened_by == task.completed_by == worker_name(_rows(rt, Task)[0].lane or "")

    again = simulate(rt, PROCESS, 4, seed=6)  # the default wait: opened between ready and completed
    opened = _rows(rt, Task, Task.instance_id.in_(again.instance_ids))
    assert opened and all(t.created_at <= t.opened_at <= t.completed_at for t in opened)
    runs = _rows(rt, Event, Event.action == SIMULATION_RUN)
    assert [(e.actor, e.case_id, e.instance_id, e.name) for e in runs] == [
        (SIMULATOR, None, None, "slow_start"), (SIMULATOR, None, None, "default profile")]
    assert {k: runs[1].detail[k] for k in ("process_id", "profile", "cases", "seed", "failed", "instance_ids")} == {
        "process_id": PROCESS, "profile": "default profile", "cases": 4, "seed": 6, "failed": 0,
        "instance_ids": again.instance_ids}
