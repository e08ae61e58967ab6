"""The runtime comparison from persisted cases, and working time (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bpmnrun.analysis.runtime import SIMULATOR, compare_runtime
from bpmnrun.analysis.working_time import add_working_days, working_days_between
from bpmnrun.clock import LONDON
from bpmnrun.service import cases, instances, users
from bpmnrun.service.errors import NotFound
from tests.scenarios.test_authc_step_down import (DUTY_EH_TM, E1, E3, LEAD_PROFESSIONAL, PROCESS, SC_TM, STEP_ONE,
                                                  STEP_TWO, SW, at_step_two, start, step_one, step_two)
from tests.support import SMITH_CHILDREN, add_users, deploy_library, smith_family


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
    assert [(w.name, w.lane, w.wait.count) for w in no_plan.waits] == [(STEP_ONE, SW, 2)]
    assert no_plan.handoffs == () and no_plan.overdue_rate == 0

    no_consent = by_end[(E3, "completed")]
    # Fri 14:00 to Tue 10:00: ten hours of Friday, all of Monday, ten hours of Tuesday.
    assert no_consent.cycle_time.median == pytest.approx(1 + 20 / 24)
    assert no_consent.handoffs == ((SW, DUTY_EH_TM, 1),)
    assert no_consent.handoffs_per_case == 1
    waits = {w.name: w.wait.median for w in no_consent.waits}
    assert set(waits) == {STEP_ONE, LEAD_PROFESSIONAL, STEP_TWO}
    assert waits[STEP_TWO] == pytest.approx((59 * 60 + 59) / 86400)   # ready 09:00:01, done 10:00

    still_open = by_end[(None, "running")]
    assert still_open.cases == 1 and still_open.cycle_time.count == 0
    assert [(w.name, w.wait.count) for w in still_open.waits] == [(STEP_ONE, 0)]
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
