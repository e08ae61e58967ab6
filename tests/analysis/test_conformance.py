"""Conformance checking: bpmnrun's own cases replayed on their model, logs with deviations, logs from another
system, cross-variant replay by activity term, and agreement with PM4Py's token replay (test-only)."""

from __future__ import annotations

import csv
import json
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from bpmnrun.analysis.conformance import check, deployed_model, library_model, replay_cases
from bpmnrun.analysis.conformance_log import LogError, read_log
from bpmnrun.analysis.conformance_net import build_net
from bpmnrun.analysis.conformance_replay import Replayer
from bpmnrun.analysis.eventlog import write_xes
from bpmnrun.analysis.simulate import simulate
from bpmnrun.analysis.structure import VOCABULARY
from bpmnrun.clock import MovableClock
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from tests.cli.conftest import bpmnrun  # noqa: F401  (the command-line fixture)
from tests.conftest import SPECS
from tests.support import LIBRARY, deploy_library

L1 = "lincs_step_out_internal_lp_existing_eh"  # every task name once: PM4Py's replay is deterministic on it
YORK = "york_step_down_cin_cp"
REQUEST = "CS Early Help Manager: Social Care involvement ended, step out to TAC (Internal LP)"
SUPERVISION = "EH Early Help Case Supervision"
DECISION = "EH Decision on Significant Information"
AUTHORISE = "CS Manager: Please review and authorise"
PLAN = "EH TAC Plan and Review"
CLOSURE = "SC Social Care Case Closure"
XES = "{http://www.xes-standard.org/}"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Simulated cases of L1 and of York's single-assessment step-down, as XES, and L1's flattened model."""
    folder = tmp_path_factory.mktemp("conformance")
    rt = Runtime(Database(f"sqlite:///{folder / 'sim.sqlite'}"), MovableClock(datetime(2025, 6, 2, 9)), SPECS)
    try:
        deploy_library(rt)
        assert simulate(rt, L1, 24, seed=3).completed == 24
        assert simulate(rt, YORK, 12, seed=4).completed == 12
        write_xes(rt, folder / "l1.xes", [L1])
        write_xes(rt, folder / "york.xes", [YORK])
        model = deployed_model(rt, L1)
    finally:
        rt.db.dispose()
    (folder / "l1.bpmn").write_bytes(model.xml)
    return {"folder": folder, "l1": folder / "l1.xes", "york": folder / "york.xes", "model": model,
            "bpmn": folder / "l1.bpmn"}


def _edited(source: Path, target: Path, edit) -> Path:
    """The XES at `source` with `edit(trace_element, position)` applied to every trace, written to `target`."""
    tree = etree.parse(str(source))
    for position, trace in enumerate(tree.getroot().iter(f"{XES}trace")):
        edit(trace, position)
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


def _value(element, key: str) -> str | None:
    found = element.find(f"*[@key='{key}']")
    return None if found is None else found.get("value")


def _events(trace, name: str) -> list:
    return [e for e in trace.iter(f"{XES}event") if _value(e, "concept:name") == name]


def _case_id(trace) -> str:
    return _value(trace, "concept:name")


def test_own_cases_fit_their_model(simulated):
    report = check(simulated["model"], simulated["l1"])
    assert (len(report.cases), report.fitness, report.fitting) == (24, 1.0, 24)
    assert all(c.fitness == 1.0 and c.deviations == () and c.steps == 6 for c in report.cases)
    assert report.frequent == [] and report.log_processes == {L1: 24}


def test_a_skipped_step_is_named(simulated, tmp_path):
    edited = set()

    def drop_decision(trace, position):
        if position % 3 == 0:
            for event in _events(trace, DECISION):
                trace.remove(event)
            edited.add(_case_id(trace))

    log = _edited(simulated["l1"], tmp_path / "skipped.xes", drop_decision)
    report = check(simulated["model"], log)
    assert len(edited) == 8
    for case in report.cases:
        if case.case_id in edited:
            # Hand-counted on the net: request 1→2, closure branch 1→1 twice, supervision, authorise (its token
            # missing), plan, the join 2→1: 9 consumed + the final token, 10 produced; one token left before
            # the decision. ½(1 − 1/10) + ½(1 − 1/10) = 0.9.
            assert case.fitness == pytest.approx(0.9)
            assert case.deviations == (f"skipped: {DECISION} (before {AUTHORISE})",)
        else:
            assert case.fitness == 1.0 and case.deviations == ()
    assert report.frequent == [(f"skipped: {DECISION}", 8)]
    # A fitting case consumes 10 tokens + the final one and produces 11: 16 × 11 + 8 × 10 = 256 each way.
    assert report.fitness == pytest.approx(1 - 8 / 256)


def test_steps_out_of_order_are_named(simulated, tmp_path):
    def swap(trace, position):
        if position < 5:  # names swapped, times kept: the decision is done before the supervision
            [supervision] = [e for e in _events(trace, SUPERVISION) if _value(e, "lifecycle:transition") == "complete"]
            [decision] = [e for e in _events(trace, DECISION) if _value(e, "lifecycle:transition") == "complete"]
            supervision.find("*[@key='concept:name']").set("value", DECISION)
            decision.find("*[@key='concept:name']").set("value", SUPERVISION)

    report = check(simulated["model"], _edited(simulated["l1"], tmp_path / "swapped.xes", swap))
    swapped = report.cases[:5]
    assert all(c.deviations == (f"out of order: {DECISION} (done before {SUPERVISION})",) for c in swapped)
    assert all(c.fitness < 1.0 for c in swapped) and all(c.fitness == 1.0 for c in report.cases[5:])
    assert report.frequent == [(f"out of order: {DECISION}", 5)]


def test_a_step_the_model_does_not_have_is_named(simulated, tmp_path):
    def extra(trace, position):
        if position == 0:
            [first] = [e for e in _events(trace, REQUEST) if _value(e, "lifecycle:transition") == "complete"]
            added = etree.fromstring(etree.tostring(first))
            added.find("*[@key='concept:name']").set("value", "Phone the grandparents")
            trace.append(added)
        if position == 1:  # bpmnrun's own end event (contract 1's element type): not a step, left out
            [first] = [e for e in _events(trace, REQUEST) if _value(e, "lifecycle:transition") == "complete"]
            added = etree.fromstring(etree.tostring(first))
            added.find("*[@key='concept:name']").set("value", "TAC set up with an internal Lead Professional")
            etree.SubElement(added, f"{XES}string", key="bpmnrun:element_type", value="endEvent")
            trace.append(added)

    report = check(simulated["model"], _edited(simulated["l1"], tmp_path / "extra.xes", extra))
    first = report.cases[0]
    # A step the net has no transition for is not replayed (as in PM4Py): the fitness is untouched.
    assert first.deviations == ("not in the model: Phone the grandparents",) and first.fitness == 1.0
    assert (report.cases[1].steps, report.cases[1].deviations) == (6, ())
    assert report.frequent == [("not in the model: Phone the grandparents", 1)]


def _pm4py_fitness(log_path: Path, bpmn_path: Path) -> tuple[dict[str, float], float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm4py = pytest.importorskip("pm4py")
        frame = pm4py.read_xes(str(log_path))
        frame = frame[frame["lifecycle:transition"] == "complete"]
        if "bpmnrun:element_type" in frame.columns:  # bpmnrun's end, timer and message events are not steps
            frame = frame[frame["bpmnrun:element_type"].fillna("userTask") == "userTask"]
        net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(bpmn_path)))
        log = pm4py.convert_to_event_log(frame)
        diagnostics = pm4py.conformance_diagnostics_token_based_replay(log, net, im, fm)
        whole = pm4py.fitness_token_based_replay(log, net, im, fm)["log_fitness"]
    return {trace.attributes["concept:name"]: d["trace_fitness"] for trace, d in zip(log, diagnostics)}, whole


def test_fitness_agrees_with_pm4py_token_replay(simulated, tmp_path):
    def perturb(trace, position):
        if position % 4 == 1:
            for event in _events(trace, SUPERVISION):
                trace.remove(event)
        elif position % 4 == 2:
            for event in _events(trace, PLAN):
                trace.remove(event)
        elif position % 4 == 3:
            for event in _events(trace, REQUEST):
                trace.remove(event)

    for log in (simulated["l1"], _edited(simulated["l1"], tmp_path / "perturbed.xes", perturb)):
        theirs, their_log_fitness = _pm4py_fitness(log, simulated["bpmn"])
        report = check(simulated["model"], log)
        assert {c.case_id: c.fitness for c in report.cases} == pytest.approx(theirs, abs=0.01)
        assert report.fitness == pytest.approx(their_log_fitness, abs=0.01)
    assert report.fitness < 0.99  # the perturbed log does deviate


def test_a_csv_from_another_system(tmp_path):
    """Other column names, a start event to leave out, an open case, a step skipped, a step unknown."""
    cancel = "Cancel outstanding SC Child in Need Visit, SC Child Protection Visit and SC Core Group Meeting worksteps"
    log = tmp_path / "other.csv"
    with log.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([
            ["Case ID", "Activity", "Complete Timestamp", "Lifecycle", "Status"],
            ["A-1", cancel, "2025-03-01 11:00:00", "complete", "closed"],
            ["A-1", CLOSURE, "2025-03-01 10:00:00", "complete", "closed"],  # earlier: the rows are put in time order
            ["A-1", cancel, "2025-03-01 09:00:00", "start", "closed"],
            ["A-2", cancel, "2025-03-02T11:00:00+00:00", "complete", "closed"],
            ["A-3", CLOSURE, "2025-03-03T09:00:00Z", "complete", "running"],
            ["A-4", "Phone the grandparents", "2025-03-04T09:00:00", "complete", "closed"],
            ["A-4", CLOSURE, "2025-03-04T10:00:00", "complete", "closed"],
        ])
    report = check(library_model([LIBRARY], "lincs_sc_case_closure"), log)
    by_case = {c.case_id: c for c in report.cases}
    assert (by_case["A-1"].steps, by_case["A-1"].fitness, by_case["A-1"].deviations) == (2, 1.0, ())
    # A-2 cancels visits without either closure step. Hand-counted on the net: the cancelling lacks its token
    # (1 missing), then the silent end fires into the final place; consumed 1 + 1 + the final 1 = 3, produced
    # the initial 1 + 1 + 1 = 3, the initial token is left: ½(1 − 1/3) + ½(1 − 1/3) = 2/3.
    assert by_case["A-2"].fitness == pytest.approx(2 / 3)
    assert by_case["A-2"].deviations == (
        f"skipped: SC No Social Care Intervention Required – Case to close or {CLOSURE} (before {cancel})",)
    assert by_case["A-3"].fitness == 1.0 and by_case["A-3"].deviations == ()
    assert by_case["A-4"].deviations == ("not in the model: Phone the grandparents",)


def test_a_csv_without_a_needed_column_says_which(tmp_path):
    log = tmp_path / "no_time.csv"
    log.write_text("case_id,activity\n1,Step One\n", encoding="utf-8")
    with pytest.raises(LogError, match=r"no timestamp column \(expected one of: timestamp, time:timestamp"):
        read_log(log)
    bad = tmp_path / "bad_time.csv"
    bad.write_text("case_id,activity,timestamp\n1,Step One,yesterday\n", encoding="utf-8")
    with pytest.raises(LogError, match="line 2: 'yesterday' is not an ISO 8601 timestamp"):
        read_log(bad)


def test_york_cases_on_lincolnshires_model_by_activity(simulated):
    report = check(simulated["model"], simulated["york"], by_activity=True)
    assert len(report.cases) == 12 and 0.0 < report.fitness < 1.0
    assert report.by == "activity" and report.frequent
    terms = set(VOCABULARY)
    for deviation, cases in report.frequent:
        kind, _, steps = deviation.partition(": ")
        assert kind in ("skipped", "out of order", "not in the model") and 1 <= cases <= 12
        assert set(steps.split(" or ")) <= terms, deviation  # vocabulary terms, not either side's task names
    # By name no York step is a Lincolnshire task: nothing replays, the figure says nothing.
    by_name = check(simulated["model"], simulated["york"])
    assert by_name.fitness == 0.0 < report.fitness
    steps = {c.case_id: {s.name for s in c.steps} for c in read_log(simulated["york"])}
    for case in by_name.cases:
        unknown = {d.removeprefix("not in the model: ") for d in case.deviations if d.startswith("not in the model")}
        assert unknown == steps[case.case_id]


def test_a_multi_term_step_counts_as_each_term(simulated):
    """A step covering several terms counts as each, in order; the model's task does the same."""
    york_cases = read_log(simulated["york"])
    assert any(len(step.terms) > 1 for case in york_cases for step in case.steps)
    net = build_net(simulated["model"].xml, L1, by_activity=True)
    own = replay_cases(net, read_log(simulated["l1"]), by_activity=True)
    assert own.fitness == 1.0  # L1's own cases by term fit L1 by term


def test_distinct_sequences_are_replayed_once(simulated, monkeypatch):
    calls = []
    original = Replayer.replay
    monkeypatch.setattr(Replayer, "replay", lambda self, labels, finished=True: calls.append(labels) or
                        original(self, labels, finished))
    report = check(simulated["model"], simulated["l1"])
    assert len(calls) == report.variants == len({tuple(s.name for s in c.steps) for c in read_log(simulated["l1"])})
    assert report.variants < len(report.cases)


def test_command_line(rt, bpmnrun, simulated, tmp_path):
    deploy_library(rt)
    log = simulated["l1"]
    text = bpmnrun("conformance", log, "--process", L1, "--cases", "2").output
    assert f"to {L1} version 1 (steps matched by task name)" in text
    assert "Fitness of the whole log: 1.000" in text and "fitting the model: 24" in text
    assert "… and 22 more" in text
    data = json.loads(bpmnrun("conformance", log, "--process", L1, "--json").output)
    assert (data["fitness"], data["cases"], len(data["per_case"])) == (1.0, 24, 24)
    page = tmp_path / "report.html"
    result = bpmnrun("conformance", simulated["york"], "--process", L1, "--by", "activity", "--html", page)
    html = page.read_text(encoding="utf-8")
    assert "<table" in html and "<script" not in html and "Most frequent deviations" in html
    assert "steps matched by activity" in result.output
    from_library = bpmnrun("conformance", log, "--process", L1, "--library", LIBRARY, "--cases", "0").output
    assert "Fitness of the whole log: 1.000" in from_library and "version" not in from_library.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["--process", "nope"], "error: no process 'nope' is deployed"),
    (["--process", L1, "--library", str(LIBRARY / "authc")], f"error: no process '{L1}' in the diagrams read"),
])
def test_command_line_errors(rt, bpmnrun, simulated, args, message):
    deploy_library(rt)
    result = bpmnrun("conformance", simulated["l1"], *args, ok=False)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_command_line_unreadable_log(rt, bpmnrun, tmp_path):
    deploy_library(rt)
    missing = bpmnrun("conformance", tmp_path / "none.xes", "--process", L1, ok=False)
    assert missing.exit_code == 1 and "none.xes: no such file" in missing.output
    broken = tmp_path / "broken.xes"
    broken.write_text("<log><trace>", encoding="utf-8")
    result = bpmnrun("conformance", broken, "--process", L1, ok=False)
    assert result.exit_code == 1 and "not a readable XES file" in result.output
