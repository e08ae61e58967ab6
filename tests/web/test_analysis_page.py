"""The analysts' runtime page /analysis: real and simulated cases side by side, with figures counted by hand.

Real cases: the four of tests/analysis/test_runtime.py's known_cases (their times are worked out there). Simulated
cases: two more, in a simulation database of their own, with a "simulation run" event (contract 4 of issue 13).
"""

from __future__ import annotations

import csv
import io

import lxml.html
import pytest

from bpmnrun.analysis.runtime import SIMULATOR
from bpmnrun.service import cases, instances, tasks, users
from bpmnrun.service.persist import audit
from bpmnrun.service.runtime import Runtime
from bpmnrun.service.task_opened import record_opened
from bpmnrun.store.database import Database
from bpmnrun.store.models import Task
from tests.analysis.test_runtime import known_cases, local
from tests.conftest import SPECS
from tests.scenarios.test_authc_step_down import DUTY_EH_TM, E1, PROCESS, SC_TM, STEP_ONE, SW, step_one
from tests.support import SMITH_CHILDREN, add_users, deploy_library, only_task, smith_family
from tests.web.conftest import give_password

PROFILE = "Quick workers"
SIMULATED = f"Simulated: {PROFILE}"


@pytest.fixture
def people(rt):
    deploy_library(rt)
    add_users(rt, sw1=SW, sw2=SW, duty1=DUTY_EH_TM, tm1=SC_TM)
    users.add_user(rt, "ana", [], roles=["analyst"])
    users.add_user(rt, "po", [], roles=["process owner"])
    give_password(rt)
    return smith_family(rt)


@pytest.fixture
def simulation(tmp_path, clock, app):
    """Two simulated cases with known times: S1 waits 0.125 and works 1.0 (cycle 1.125); S2 waits 2.0 and works
    0.5 (cycle 2.5)."""
    sim = Runtime(Database(f"sqlite:///{tmp_path / 'simulation.sqlite'}"), clock, SPECS)
    deploy_library(sim)
    add_users(sim, sw1=SW, duty1=DUTY_EH_TM, tm1=SC_TM)
    users.add_user(sim, SIMULATOR, [], roles=["process owner"])
    ids = []
    for opened, done in ((local(2025, 6, 2, 12), local(2025, 6, 3, 12)), (local(2025, 6, 4, 9), local(2025, 6, 4, 21))):
        clock.set(local(2025, 6, 2, 9))
        family = cases.create_case(sim, "Simulated", SMITH_CHILDREN, SIMULATOR, is_test=True)
        ids.append(instances.start_work(sim, PROCESS, family.id, SIMULATOR))
        clock.set(opened)
        record_opened(sim, only_task(sim, ids[-1], STEP_ONE).id, "sw1")
        clock.set(done)
        step_one(sim, ids[-1], clear_plan="no")
    with sim.transaction() as session:
        audit(session, clock.now(), SIMULATOR, "simulation run", name=PROFILE, process_id=PROCESS, profile=PROFILE,
              cases=2, seed=7, failed=0, instance_ids=ids)
    app.config["BPMNRUN_SIMULATION_URL"] = str(sim.db.url)
    yield sim
    sim.db.dispose()


def table(page: bytes, table_id: str) -> list[list[str]]:
    """The table's rows (its head first) as the cells' text."""
    found = lxml.html.fromstring(page).get_element_by_id(table_id)
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")] for row in found.iter("tr")]


def test_real_and_simulated_figures_side_by_side_as_counted_by_hand(rt, clock, people, simulation, browser):
    known_cases(rt, clock, people)
    page = browser().sign_in("ana").get("/analysis")
    assert page.status_code == 200
    key = f"{PROCESS}-v1"
    assert table(page.data, f"{key}-summary") == [
        ["Figure", "Real", SIMULATED],
        ["Cases", "4", "2"],
        ["Ended", "3", "2"],
        ["Cycle time, median (working days)", "1.25", "1.81"],          # 1.0 1.25 2.5 | 1.125 2.5
        ["Cycle time, 90th percentile (working days)", "2.50", "2.50"],
        ["Cases with a task overdue", "0 (0%)", "0 (0%)"],
        ["Tasks completed without being seen opening (waiting and working not told apart)", "1", "0"],
    ]
    assert table(page.data, f"{key}-outcomes")[1:] == [[E1, "3 (75%)", "2 (100%)"],
                                                        ["Still running", "1 (25%)", "0 (0%)"]]
    assert table(page.data, f"{key}-cycle-time")[1:] == [
        ["Ended cases", "3", "2"], ["Least", "1.00", "1.12"], ["Lower quartile", "1.12", "1.47"],
        ["Median", "1.25", "1.81"], ["Upper quartile", "1.88", "2.16"], ["90th percentile", "2.50", "2.50"],
        ["Greatest", "2.50", "2.50"]]
    # Waiting: real 1.0, 1.0, 0.125 and simulated 0.125, 2.0; working: real 1.5, 0.25 and simulated 1.0, 0.5.
    assert table(page.data, f"{key}-activities") == [
        ["Task (lane)", "Cases from", "Waiting", "Working", "Not told apart", "Overdue"],
        [f"{STEP_ONE} ({SW})", "Real", "1.00 (3)", "0.88 (2)", "1.00 (1)", "0 (0%)"],
        [SIMULATED, "1.06 (2)", "0.75 (2)", "–", "0 (0%)"]]            # the task's name spans both rows
    assert table(page.data, f"{key}-variants") == [
        ["Tasks completed, in order", "Ending", "Real: cases (share)", f"{SIMULATED}: cases (share)"],
        [STEP_ONE, E1, "3 (75%)", "2 (100%)"], ["none yet", "(still running)", "1 (25%)", "0 (0%)"]]
    chart = lxml.html.fromstring(page.data).get_element_by_id(key).xpath(".//svg")[0]
    assert "real: 3 ended cases, least 1, lower quartile 1.12" in chart.findtext("desc")


def test_downloads_carry_the_same_figures_under_the_same_filters(rt, clock, people, simulation, browser):
    known_cases(rt, clock, people)
    analyst = browser().sign_in("ana")
    page = analyst.get("/analysis?from=6/6/2025&to=2025-06-10")   # real cases B (cycle 1.25) and C (1.0)
    assert table(page.data, f"{PROCESS}-v1-summary")[1] == ["Cases", "2", "2"]
    links = lxml.html.fromstring(page.data).xpath("//a[contains(@href, '.csv') or contains(@href, '.svg')]/@href")
    assert all("from=6/6/2025" in link and "to=2025-06-10" in link for link in links) and len(links) == 6
    rows = list(csv.DictReader(io.StringIO(analyst.get(next(l for l in links if "activities" in l)).data.decode())))
    real, simulated = rows
    assert (real["cases_from"], real["waiting_median"], real["working_median"], real["not_told_apart_count"]) == (
        "real", "1.0", "0.25", "1")
    assert (simulated["cases_from"], simulated["waiting_median"]) == (f"simulated: {PROFILE}", "1.0625")
    chart = analyst.get(next(l for l in links if ".svg" in l))
    assert chart.mimetype == "image/svg+xml" and b"2 ended cases, least 1, lower quartile 1.06" in chart.data


def test_only_analysts_and_process_owners_see_it(rt, people, browser):
    assert browser().sign_in("po").get("/analysis").status_code == 200
    refused = browser().sign_in("sw1").get("/analysis")
    assert refused.status_code == 403 and b"Only analysts and process owners" in refused.data
    assert browser().sign_in("sw1").get("/analysis/summary.csv").status_code == 403


def test_without_a_simulation_database_it_says_how_to_make_one(rt, people, app, tmp_path, browser):
    app.config["BPMNRUN_SIMULATION_URL"] = f"sqlite:///{tmp_path / 'none.sqlite'}"
    page = browser().sign_in("ana").get("/analysis")
    note = lxml.html.fromstring(page.data).get_element_by_id("no-simulation").text_content()
    assert "There is no simulation database yet" in note and "bpmnrun simulate PROCESS" in note
    assert not (tmp_path / "none.sqlite").exists()  # looking never creates it


@pytest.mark.parametrize("query, field, words", [
    ("from=2025-02-30", "from", "The start date must be a real date"),
    ("from=31/6/2025", "from", "The start date must be a real date"),
    ("from=2025-06-10&to=2025-06-01", "to", "The end date must be the same as or after the start date"),
    ("version=two", "version", "The version must be a whole number"),
])
def test_a_bad_filter_is_named(rt, people, browser, query, field, words):
    page = browser().sign_in("ana").get(f"/analysis?{query}")
    assert page.status_code == 422
    summary = lxml.html.fromstring(page.data).xpath("//div[contains(@class, 'govuk-error-summary')]//a")
    assert [(a.get("href"), a.text_content().strip()[:len(words)]) for a in summary] == [(f"#{field}", words)]


def test_opening_the_task_page_starts_the_work_but_a_colleague_looking_does_not(rt, clock, people, browser):
    clock.set(local(2025, 6, 2, 9))
    first = only_task(rt, instances.start_work(rt, PROCESS, people.id, "sw1"), STEP_ONE)
    tasks.pass_to_worker(rt, first.id, "sw1", "sw2")
    clock.set(local(2025, 6, 2, 10))
    assert browser().sign_in("sw1").get(f"/tasks/{first.id}").status_code == 200   # sw2 holds it: just a look
    assert _opened(rt, first.id) == (None, None)
    clock.set(local(2025, 6, 2, 11))
    assert browser().sign_in("sw2").get(f"/tasks/{first.id}").status_code == 200
    assert _opened(rt, first.id) == (local(2025, 6, 2, 11), "sw2")


def _opened(rt, task_id):
    with rt.reading() as session:
        task = session.get(Task, task_id)
        return task.opened_at, task.opened_by


def test_figures_kept_between_looks_follow_every_change(rt, clock, people, simulation, browser):
    ids = known_cases(rt, clock, people)
    analyst = browser().sign_in("ana")
    key = f"{PROCESS}-v1"  # opening a task writes no event: the figures still follow it
    assert table(analyst.get("/analysis").data, f"{key}-summary")[1] == ["Cases", "4", "2"]
    clock.set(local(2025, 6, 13, 9))
    instances.start_work(rt, PROCESS, people.id, "sw1")                  # a new case: an event
    assert table(analyst.get("/analysis").data, f"{key}-summary")[1] == ["Cases", "5", "2"]
    clock.set(local(2025, 6, 13, 12))
    record_opened(rt, only_task(rt, max(ids.values()) + 1, STEP_ONE).id, "sw1")  # the new one: waited 0.125
    [row] = [r for r in table(analyst.get("/analysis").data, f"{key}-activities") if r[:2] == [f"{STEP_ONE} ({SW})", "Real"]]
    assert row[2] == "0.56 (4)"   # waiting 0.125, 0.125, 1.0, 1.0
