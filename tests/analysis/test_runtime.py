"""The runtime comparison from persisted cases, and working time (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bpmnrun.analysis.runtime import SIMULATOR, Filters, Spread, compare_runtime
from bpmnrun.analysis.runtime_figures import WorkingClock
from bpmnrun.analysis.working_time import add_working_days, working_days_between
from bpmnrun.clock import LONDON
from bpmnrun.service import cases, instances, tasks, users
from bpmnrun.service.persist import audit
from bpmnrun.service.task_opened import record_opened
from bpmnrun.cli.runtime_report import print_runtime
from bpmnrun.store.models import Task
from bpmnrun.service.errors import NotFound
from tests.scenarios.test_authc_step_down import (DUTY_EH_TM, E1, E3, LEAD_PROFESSIONAL, PROCESS, SC_TM, STEP_ONE,
                                                  STEP_TWO, SW, at_step_two, start, step_one, step_two)
from tests.support import SMITH_CHILDREN, add_users, deploy_library, only_task, smith_family


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize("start, end, days", [
    (local(2025, 6, 6, 9), local(2025, 6, 9, 9), 1.0),            # Friday to Monday: the weekend does not count
    (local(2025, 6, 2, 9), local(2025, 6, 2, 21), 0.5),
    (local(2025, 12, 24, 12), local(2025, 12, 29, 12), 1.0),      # Christmas and Boxing Day are bank holidays
    (local(2025, 3, 28, 12), local(2025, 3, 31, 12), 1.0),        # the clocks go forward on Sunday 30 March
    (local(2025, 6, 7, 10), local(2025, 6, 8, 10), 0.0),          # all on a weekend
    (local(2025, 6, 3, 9), local(2025, 6, 2, 9), 0.0),
])
def test_working_days_between_leaves_out_weekends_and_bank_holidays(start, end, days):
    assert working_days_between(start, end) == pytest.approx(days)


@pytest.mark.parametrize("start", [local(2025, 6, 6, 15), local(2025, 12, 23, 8), local(2025, 6, 7, 12)])
@pytest.mark.parametrize("days", [0.25, 1, 3.5, 10])
def test_adding_working_days_is_undone_by_measuring_them(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == pytest.approx(days)
    assert end > start


@pytest.fixture
def smiths(rt):
    deploy_library(rt)
    add_users(rt, sw1=SW, duty1=DUTY_EH_TM, tm1=SC_TM)  # the users the C1 scenario helpers act as
    return smith_family(rt)


def _no_plan_case(rt, clock, smiths, started, finished) -> int:
    clock.set(started)
    instance_id = start(rt, smiths)
    clock.set(finished)
    step_one(rt, instance_id, clear_plan="no")
    return instance_id


def test_comparison_per_end_event_counts_cycle_time_waits_and_hand_offs(rt, clock, smiths):
    _no_plan_case(rt, clock, smiths, local(2025, 6, 2, 9), local(2025, 6, 4, 9))     # 2 working days
    _no_plan_case(rt, clock, smiths, local(2025, 6, 6, 9), local(2025, 6, 10, 21))   # 2.5 over a weekend
    duty = at_step_two(rt, clock, smiths)  # started Fri 5 Sep 14:00; Step Two ready Tue 09:00:01; now 10:00
    step_two(rt, duty, actor="duty1", consent="no", plan="no", outcome=None)
    clock.set(local(2025, 9, 10, 9, 0))
    running = start(rt, smiths)

    [variant] = compare_runtime(rt, [PROCESS])
    assert (variant.process_id, variant.cases) == (PROCESS, 4)
    by_end = {(o.end_event, o.status): o for o in variant.outcomes}
    assert set(by_end) == {(E1, "completed"), (E3, "completed"), (None, "running")}

    no_plan = by_end[(E1, "completed")]
    assert no_plan.cases == 2
    assert (no_plan.cycle_time.median, no_plan.cycle_time.p90) == (pytest.approx(2.25), pytest.approx(2.5))
    assert no_plan.handoffs == () and no_plan.overdue_rate == 0

    no_consent = by_end[(E3, "completed")]
    # Fri 14:00 to Tue 10:00: ten hours of Friday, all of Monday, ten hours of Tuesday.
    assert no_consent.cycle_time.median == pytest.approx(1 + 20 / 24)
    assert no_consent.handoffs == ((SW, DUTY_EH_TM, 1),)
    assert no_consent.handoffs_per_case == 1

    still_open = by_end[(None, "running")]
    assert still_open.cases == 1 and still_open.cycle_time.count == 0
    # Nobody was seen opening these tasks: their whole time is "not told apart", never split.
    activities = {a.name: a for a in variant.activities}
    assert list(activities) == [STEP_ONE, LEAD_PROFESSIONAL, STEP_TWO]
    step_one_times = activities[STEP_ONE]
    assert (step_one_times.tasks, step_one_times.completed) == (4, 3)
    assert (step_one_times.waiting.count, step_one_times.working.count) == (0, 0)
    assert (step_one_times.not_told_apart.count, step_one_times.not_told_apart.median) == (3, pytest.approx(2.0))
    assert activities[STEP_TWO].not_told_apart.median == pytest.approx((59 * 60 + 59) / 86400)  # 09:00:01 → 10:00
    assert variant.not_told_apart == 5
    assert compare_runtime(rt, [PROCESS], instance_ids=[running])[0].cases == 1


def test_comparison_keeps_real_and_simulated_cases_apart(rt, clock, smiths):
    users.add_user(rt, SIMULATOR, [], roles=["process owner"])
    _no_plan_case(rt, clock, smiths, local(2025, 6, 2, 9), local(2025, 6, 3, 9))
    simulated_family = cases.create_case(rt, "Simulated 1", SMITH_CHILDREN, SIMULATOR, is_test=True)
    instances.start_work(rt, PROCESS, simulated_family.id, SIMULATOR)
    assert [v.cases for v in compare_runtime(rt, [PROCESS], simulated=False)] == [1]
    [simulated] = compare_runtime(rt, [PROCESS], simulated=True)
    assert [(o.status, o.cases) for o in simulated.outcomes] == [("running", 1)]
    assert [v.cases for v in compare_runtime(rt)] == [2]


def test_unknown_process_is_named(rt, smiths):
    with pytest.raises(NotFound, match="no process 'nope' is deployed"):
        compare_runtime(rt, ["nope"])
    assert compare_runtime(rt, [PROCESS]) == [compare_runtime(rt, [PROCESS])[0]]
    assert compare_runtime(rt, [PROCESS])[0].cases == 0


def _opened(rt, task_id) -> tuple:
    with rt.reading() as session:
        task = session.get(Task, task_id)
        return task.opened_at, task.opened_by


def test_a_task_is_opened_once_by_its_first_opener_and_by_claiming(rt, clock, smiths):
    clock.set(local(2025, 6, 2, 9))
    first = only_task(rt, start(rt, smiths), STEP_ONE)
    assert _opened(rt, first.id) == (None, None)            # ready, nobody has opened it yet
    clock.set(local(2025, 6, 2, 11))
    record_opened(rt, first.id, "sw1")
    clock.set(local(2025, 6, 3, 11))
    record_opened(rt, first.id, "tm1")                     # a later look does not move the start of work
    assert _opened(rt, first.id) == (local(2025, 6, 2, 11), "sw1")

    clock.set(local(2025, 6, 4, 9))
    second = only_task(rt, start(rt, smiths), STEP_ONE)
    clock.set(local(2025, 6, 4, 15, 30))
    tasks.claim(rt, second.id, "sw1")
    assert _opened(rt, second.id) == (local(2025, 6, 4, 15, 30), "sw1")

    clock.set(local(2025, 6, 5, 9))
    third = only_task(rt, start(rt, smiths), STEP_ONE)
    step_one(rt, third.instance_id, clear_plan="no")
    record_opened(rt, third.id, "sw1")                     # completed without opening: stays unknown
    assert _opened(rt, third.id) == (None, None)


def known_cases(rt, clock, family) -> dict[str, int]:
    """Four cases of the step-down with times checked by hand (see the test below); shared with the web test."""
    ids = {}
    clock.set(local(2025, 6, 2, 9))                      # A: Mon 09:00 ready
    ids["A"] = start(rt, family)
    clock.set(local(2025, 6, 3, 9))                      # claimed Tue 09:00: waited 1 day
    tasks.claim(rt, only_task(rt, ids["A"], STEP_ONE).id, "sw1")
    clock.set(local(2025, 6, 4, 21))                     # done Wed 21:00: worked 1.5 days; cycle 2.5
    step_one(rt, ids["A"], clear_plan="no")
    clock.set(local(2025, 6, 6, 9))                      # B: Fri 09:00 ready
    ids["B"] = start(rt, family)
    clock.set(local(2025, 6, 9, 9))                      # opened Mon 09:00: waited 1 day (not the weekend)
    record_opened(rt, only_task(rt, ids["B"], STEP_ONE).id, "sw1")
    clock.set(local(2025, 6, 9, 15))                     # done Mon 15:00: worked 0.25; cycle 1.25
    step_one(rt, ids["B"], clear_plan="no")
    clock.set(local(2025, 6, 10, 9))                     # C: Tue 09:00, done Wed 09:00 never opened: 1 day
    ids["C"] = start(rt, family)
    clock.set(local(2025, 6, 11, 9))
    step_one(rt, ids["C"], clear_plan="no")
    clock.set(local(2025, 6, 12, 9))                     # D: Thu 09:00, opened 12:00 (0.125), still running
    ids["D"] = start(rt, family)
    clock.set(local(2025, 6, 12, 12))
    record_opened(rt, only_task(rt, ids["D"], STEP_ONE).id, "sw1")
    return ids


def test_waiting_working_traces_and_spread_of_cases_with_known_times(rt, clock, smiths):
    known_cases(rt, clock, smiths)
    [variant] = compare_runtime(rt, [PROCESS], by_version=True)
    assert (variant.version, variant.cases, variant.source, variant.profile) == (1, 4, "real", None)
    assert [(o.label, o.cases) for o in variant.outcomes] == [(E1, 3), ("Still running", 1)]
    cycle = variant.cycle_time  # 1.0, 1.25, 2.5
    assert (cycle.count, cycle.least, cycle.median, cycle.p90, cycle.greatest) == (3, 1.0, 1.25, 2.5, 2.5)
    assert (cycle.q1, cycle.q3) == (pytest.approx(1.125), pytest.approx(1.875))
    [step_one_times] = variant.activities
    assert (step_one_times.tasks, step_one_times.completed, step_one_times.overdue) == (4, 3, 0)
    assert step_one_times.waiting == Spread.of([1.0, 1.0, 0.125])
    assert (step_one_times.waiting.median, step_one_times.working.median) == (1.0, pytest.approx(0.875))
    assert sorted([step_one_times.working.least, step_one_times.working.greatest]) == [0.25, 1.5]
    assert (step_one_times.not_told_apart.count, step_one_times.not_told_apart.median) == (1, 1.0)
    assert [(t.steps, t.ending, t.cases) for t in variant.traces] == [((STEP_ONE,), E1, 3), ((), "(still running)", 1)]
    assert variant.overdue_rate == 0


def test_filters_choose_cases_by_start_day_authority_and_version(rt, clock, smiths):
    known_cases(rt, clock, smiths)
    between = Filters(start=date(2025, 6, 6), end=date(2025, 6, 10))   # B and C, both days included
    assert [v.cases for v in compare_runtime(rt, [PROCESS], filters=between)] == [2]
    [variant] = compare_runtime(rt, [PROCESS])
    assert [v.cases for v in compare_runtime(rt, filters=Filters(authority=variant.authority))] == [4]
    assert compare_runtime(rt, filters=Filters(authority="nowhere")) == []
    assert compare_runtime(rt, filters=Filters(version=2), by_version=True) == []


@pytest.mark.parametrize("start_at, end_at", [
    (local(2025, 6, 6, 9), local(2025, 6, 9, 9)), (local(2025, 12, 24, 12), local(2025, 12, 29, 12)),
    (local(2025, 3, 28, 12), local(2025, 3, 31, 12)), (local(2025, 10, 24, 17), local(2025, 10, 27, 3)),
    (local(2025, 6, 7, 10), local(2025, 6, 8, 10)), (local(2024, 2, 28, 8), local(2026, 1, 2, 16, 30)),
    (local(1999, 12, 30, 12), local(2000, 1, 4, 12)),
])
def test_the_fast_working_clock_measures_as_working_days_between(start_at, end_at):
    assert WorkingClock().days_between(start_at, end_at) == pytest.approx(working_days_between(start_at, end_at))
    naive = [moment.astimezone(timezone.utc).replace(tzinfo=None) for moment in (start_at, end_at)]  # as stored
    assert WorkingClock().days_between(*naive) == pytest.approx(working_days_between(start_at, end_at))


def test_the_cli_report_gives_totals_waiting_working_variants_and_labels_simulated_cases(rt, clock, smiths, capsys):
    known_cases(rt, clock, smiths)
    print_runtime(compare_runtime(rt, [PROCESS]), as_json=False)
    text = capsys.readouterr().out
    assert f"{PROCESS} — " in text and "— real cases" in text
    assert "total: 4 case(s), 3 ended; overdue in 0 of 4 (0%)" in text
    assert "cycle time: median 1.25, p90 2.50 working days (least 1.00, quartiles 1.12–1.88, greatest 2.50)" in text
    assert f"{STEP_ONE} ({SW}): waiting 1.00 (3), working 0.88 (2), not told apart 1.00 (1); overdue 0 of 4" in text
    assert "1 task(s) completed without being seen opening" in text
    assert f"variant 3 (75%): {STEP_ONE} → {E1}" in text and "variant 1 (25%): (no task completed) → (still running)" in text

    users.add_user(rt, SIMULATOR, [], roles=["process owner"])
    family = cases.create_case(rt, "Simulated 1", SMITH_CHILDREN, SIMULATOR, is_test=True)
    simulated = instances.start_work(rt, PROCESS, family.id, SIMULATOR)
    with rt.transaction() as session:
        audit(session, clock.now(), SIMULATOR, "simulation run", name="Slow duty", process_id=PROCESS,
              profile="Slow duty", cases=1, seed=1, failed=0, instance_ids=[simulated])
    [variant] = compare_runtime(rt, [PROCESS], [simulated])
    assert (variant.source, variant.profile, variant.cases) == ("simulated", "Slow duty", 1)
    print_runtime([variant], as_json=False)
    assert "— simulated (profile: Slow duty) cases" in capsys.readouterr().out
    [both] = compare_runtime(rt, [PROCESS])
    assert (both.source, both.simulated_cases, both.cases) == ("real and simulated", 1, 5)
