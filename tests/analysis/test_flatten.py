"""Flattening (library/flatten.py): each library process that calls others becomes one valid, drawn process
that PM4Py turns into a Petri net, and simulated cases of the real process replay on that net."""

from __future__ import annotations

import os
import warnings
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from bpmnrun.analysis.eventlog import write_xes
from bpmnrun.analysis.simulate import simulate
from bpmnrun.cli.main import cli
from bpmnrun.clock import MovableClock
from bpmnrun.library.bundles import load_bundles
from bpmnrun.library.files import NS
from bpmnrun.library.flatten import FlattenError, flatten
from bpmnrun.library.validation import read_diagram
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from tests.conftest import SPECS
from tests.support import LIBRARY, deploy_library, deploy_paths

pm4py = pytest.importorskip("pm4py")  # a test-only dependency (AGPL): never imported from src/

BUNDLES = load_bundles([LIBRARY])
CALLERS = sorted(pid for pid, bundle in BUNDLES.items() if bundle.calls)
PLAIN = ["york_step_up", "authc_step_down_sc_to_eh"]  # no call: timers and non-interrupting deadlines only
CAMUNDA = f"{{{NS['camunda']}}}"


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def _user_tasks(pid: str) -> list[tuple[str, str | None, str | None]]:
    """(name, lane, activity) of every user task a case of `pid` can meet, callees counted once per call."""
    bundle = BUNDLES[pid]
    process = etree.fromstring(bundle.xml).find(f"bpmn:process[@id='{pid}']", NS)
    lanes = {ref.text: lane.get("name") for lane in process.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    found = [(t.get("name"), lanes.get(t.get("id")), _activity(t)) for t in process.iterfind("bpmn:userTask", NS)]
    for call in process.iterfind("bpmn:callActivity", NS):
        found += _user_tasks(call.get("calledElement"))
    return found


def _activity(task: etree._Element) -> str | None:
    prop = task.find("bpmn:extensionElements/camunda:properties/camunda:property[@name='activity']", NS)
    return prop.get("value") if prop is not None else None


def test_the_library_has_the_callers_the_brief_names():
    assert len(CALLERS) == 12 and "york_step_down_cin_cp" in CALLERS and "lincs_step_out_internal_lp_no_eh" in CALLERS
    assert not any(BUNDLES[pid].calls for pid in PLAIN)


@pytest.mark.parametrize("for_mining", [False, True], ids=["faithful", "for-mining"])
@pytest.mark.parametrize("pid", CALLERS + PLAIN)
def test_flattened_is_one_valid_drawn_process_with_every_user_task(pid, for_mining, tmp_path):
    xml = flatten(BUNDLES[pid].sources(), pid, for_mining=for_mining)
    path = tmp_path / f"{pid}.bpmn"
    path.write_bytes(xml)
    assert read_diagram(str(path))[1] == []  # the BPMN 2.0 schema (XSD) finds nothing
    root = _tree(xml)
    [process] = root.iterfind("bpmn:process", NS)
    assert process.get("id") == pid and process.get("isExecutable") == "true"
    assert process.find("bpmn:callActivity", NS) is None
    lanes = {ref.text: lane.get("name") for lane in process.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    got = [(t.get("name"), lanes.get(t.get("id")), _activity(t)) for t in process.iterfind("bpmn:userTask", NS)]
    assert Counter(got) == Counter(_user_tasks(pid))  # name, lane and activity term kept, once per call
    ids = [e.get("id") for e in root.iter(f"{{{NS['bpmn']}}}*", f"{{{NS['bpmndi']}}}*") if e.get("id")]
    assert len(ids) == len(set(ids))
    drawn = {d.get("bpmnElement") for d in root.iter(f"{{{NS['bpmndi']}}}BPMNShape", f"{{{NS['bpmndi']}}}BPMNEdge")}
    elements = {e.get("id") for e in process if e.get("id") and etree.QName(e).localname != "laneSet"}
    assert elements <= drawn
    refs = {e.get(a) for e in process.iter() for a in ("sourceRef", "targetRef", "attachedToRef", "default")}
    assert refs - {None} <= set(ids)  # no flow or deadline left pointing at an element that went


def test_extension_elements_of_a_called_task_survive_whole():
    xml = flatten(BUNDLES["york_step_down_cin_cp"].sources(), "york_step_down_cin_cp")
    original = etree.fromstring(BUNDLES["york_case_closure"].xml).find(".//bpmn:userTask[@id='Task_close_case']", NS)
    copied = _tree(xml).find(".//bpmn:userTask[@id='Call_case_closure__Task_close_case']", NS)
    assert copied is not None and copied.get(f"{CAMUNDA}assignee") == original.get(f"{CAMUNDA}assignee")
    assert etree.tostring(copied.find("bpmn:extensionElements", NS)) == \
        etree.tostring(original.find("bpmn:extensionElements", NS))


def test_a_process_called_twice_is_copied_twice_under_each_call():
    root = _tree(flatten(BUNDLES["lincs_tac_monitoring_request_external_lp"].sources(),
                         "lincs_tac_monitoring_request_external_lp"))
    monitoring = sorted(t.get("id") for t in root.iterfind(".//bpmn:userTask[@name]", NS)
                        if t.get("id").endswith("__Task_tac_monitoring"))
    assert monitoring == ["Call_monitoring__Task_tac_monitoring", "Call_monitoring_direct__Task_tac_monitoring"]


def test_a_call_leaves_from_its_callees_outcomes_through_one_merge():
    """Front door screening ends three ways (Early Help locality, Future 4 Me, NFA): one exclusive gateway
    merges them into the call's one flow out, each arriving flow named after its outcome."""
    root = _tree(flatten(BUNDLES["lincs_external_lp_requests_eh_support"].sources(),
                         "lincs_external_lp_requests_eh_support"))
    merge = root.find(".//bpmn:exclusiveGateway[@id='Call_screen__done']", NS)
    flows = list(root.iter(f"{{{NS['bpmn']}}}sequenceFlow"))
    into = [f for f in flows if f.get("targetRef") == "Call_screen__done"]
    assert merge is not None and len(into) == 3
    assert {f.get("sourceRef") for f in into} == {"Call_screen__Gw_outcome"}
    assert [f.get("targetRef") for f in flows if f.get("sourceRef") == "Call_screen__done"] == ["Gw_screening"]
    conditions = {f.find("bpmn:conditionExpression", NS).text for f in into
                  if f.find("bpmn:conditionExpression", NS) is not None}
    screening = etree.fromstring(BUNDLES["lincs_front_door_screening"].xml)
    assert conditions == {c.text for c in screening.iterfind(
        ".//bpmn:sequenceFlow[@sourceRef='Gw_outcome']/bpmn:conditionExpression", NS)} and len(conditions) == 2
    assert root.find(".//bpmn:startEvent[@id='Call_screen__Start_screen']", NS) is None
    assert [f.get("targetRef") for f in flows if f.get("sourceRef") == "Split_requests"] == \
        ["Call_authorise__Task_authorise", "Call_screen__Task_screen"]


def _tiny(pid: str, body: str, extra: str = "") -> bytes:
    return f"""<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="{NS['bpmn']}" id="D_{pid}" targetNamespace="http://x">{extra}
  <bpmn:process id="{pid}" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>""".encode()


def _line(*steps: str) -> str:
    """start → steps → end, the steps call activities (`call:ID`) or user tasks."""
    nodes = ["<bpmn:startEvent id='S'/>"]
    for i, step in enumerate(steps):
        kind, _, called = step.partition(":")
        nodes.append(f"<bpmn:callActivity id='N{i}' calledElement='{called}'/>" if kind == "call"
                     else f"<bpmn:userTask id='N{i}' name='{step}'/>")
    nodes.append("<bpmn:endEvent id='E'/>")
    names = ["S", *[f"N{i}" for i in range(len(steps))], "E"]
    flows = [f"<bpmn:sequenceFlow id='F{i}' sourceRef='{a}' targetRef='{b}'/>" for i, (a, b) in
             enumerate(zip(names, names[1:]))]
    return "".join(nodes + flows)


def test_unknown_callee_and_call_cycles_are_refused_by_name():
    with pytest.raises(FlattenError, match="'N0' of process 'a' calls process 'ghost', which is not among"):
        flatten({"a": _tiny("a", _line("call:ghost"))}, "a")
    with pytest.raises(FlattenError, match="calls 'a', which is already calling it: a → b"):
        flatten({"a": _tiny("a", _line("call:b")), "b": _tiny("b", _line("call:a"))}, "a")
    with pytest.raises(FlattenError, match="no process 'c'"):
        flatten({"a": _tiny("a", _line("x"))}, "a".replace("a", "c"))


def test_an_undrawn_call_chain_flattens_to_a_line_of_prefixed_steps():
    sources = {"a": _tiny("a", _line("first", "call:b", "call:b")), "b": _tiny("b", _line("middle"))}
    root = _tree(flatten(sources, "a"))
    flows = {f.get("sourceRef"): f.get("targetRef") for f in root.iter(f"{{{NS['bpmn']}}}sequenceFlow")}
    assert flows == {"S": "N0", "N0": "N1__N0", "N1__N0": "N2__N0", "N2__N0": "E"}


def test_an_error_boundary_on_a_call_catches_the_callees_error_end():
    error = "<bpmn:error id='Err' errorCode='x'/>"
    callee = _tiny("b", "<bpmn:startEvent id='S'/><bpmn:userTask id='T' name='try'/><bpmn:exclusiveGateway id='G'/>"
                        "<bpmn:endEvent id='Ok'/><bpmn:endEvent id='Bad'><bpmn:errorEventDefinition errorRef='Err'/>"
                        "</bpmn:endEvent><bpmn:sequenceFlow id='f1' sourceRef='S' targetRef='T'/>"
                        "<bpmn:sequenceFlow id='f2' sourceRef='T' targetRef='G'/>"
                        "<bpmn:sequenceFlow id='f3' sourceRef='G' targetRef='Ok'/>"
                        "<bpmn:sequenceFlow id='f4' sourceRef='G' targetRef='Bad'/>", error)
    caller = _tiny("a", _line("call:b") + "<bpmn:boundaryEvent id='Caught' attachedToRef='N0'>"
                   "<bpmn:errorEventDefinition errorRef='Err'/></bpmn:boundaryEvent>"
                   "<bpmn:userTask id='Fix' name='fix'/><bpmn:endEvent id='E2'/>"
                   "<bpmn:sequenceFlow id='g1' sourceRef='Caught' targetRef='Fix'/>"
                   "<bpmn:sequenceFlow id='g2' sourceRef='Fix' targetRef='E2'/>", error)
    root = _tree(flatten({"a": caller, "b": callee}, "a"))
    flows = {(f.get("sourceRef"), f.get("targetRef")) for f in root.iter(f"{{{NS['bpmn']}}}sequenceFlow")}
    assert flows == {("S", "N0__T"), ("N0__T", "N0__G"), ("N0__G", "E"), ("N0__G", "Caught"), ("Caught", "Fix"),
                     ("Fix", "E2")}
    assert root.find(".//bpmn:exclusiveGateway[@id='Caught']", NS) is not None


def test_a_deadline_on_a_call_is_refused_with_the_reason():
    caller = _tiny("a", _line("call:b") + "<bpmn:boundaryEvent id='Late' attachedToRef='N0'>"
                   "<bpmn:timerEventDefinition/></bpmn:boundaryEvent>")
    with pytest.raises(FlattenError, match="'Late' on call activity 'N0': only an error boundary event"):
        flatten({"a": caller, "b": _tiny("b", _line("x"))}, "a")


# --- PM4Py: the flattened process as a Petri net ------------------------------------------------------------

def _petri_net(xml: bytes, tmp_path: Path):
    path = tmp_path / "flat.bpmn"
    path.write_bytes(xml)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm4py.convert_to_petri_net(pm4py.read_bpmn(str(path)))


def _reachable_labels(net, initial) -> set[str]:
    """Labels of transitions connected to the initial marking (the net's graph, arcs followed forward)."""
    seen, todo = set(), list(initial)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += [arc.target for arc in node.out_arcs]
    return {n.label for n in seen if getattr(n, "label", None)}


@pytest.mark.parametrize("pid", CALLERS + PLAIN)
def test_pm4py_reaches_every_user_task_of_the_flattened_process(pid, tmp_path):
    net, initial, _ = _petri_net(flatten(BUNDLES[pid].sources(), pid, for_mining=True), tmp_path)
    assert _reachable_labels(net, initial) == {name for name, _, _ in _user_tasks(pid)}


def test_without_the_mining_rewrite_pm4py_cuts_york_at_its_timers(tmp_path):
    """Why --for-mining exists: PM4Py converts no intermediate event, so the weekly transfer meeting's timer
    leaves everything after it unreachable in the plain flattened York step down."""
    pid = "york_step_down_single_assessment"
    net, initial, _ = _petri_net(flatten(BUNDLES[pid].sources(), pid), tmp_path)
    assert "Discuss the referral and ensure it is appropriate" not in _reachable_labels(net, initial)


# --- simulated cases of the real process, replayed on the flattened net ------------------------------------

# 30 cases of each of the 12 callers take about 250 s here (the engine runs every case step by step), so the
# suite simulates a few; BPMNRUN_FLATTEN_CASES=30 runs the brief's count.
CASES = int(os.environ.get("BPMNRUN_FLATTEN_CASES", "6"))


@pytest.fixture(scope="module")
def simulation(tmp_path_factory):
    """One runtime on a fresh SQLite file and a virtual clock, the whole library deployed once."""
    runtime = Runtime(Database(f"sqlite:///{tmp_path_factory.mktemp('flatten') / 'simulated.sqlite'}"),
                      MovableClock(datetime(2025, 6, 2, 9, 0)), SPECS)
    deploy_library(runtime)
    yield runtime
    runtime.db.dispose()


def _completed_tasks(path: Path):
    """The log's traces with only the completions of user tasks (what the flattened net labels)."""
    from pm4py.objects.log.obj import EventLog, Trace

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(path), return_legacy_log_object=True, show_progress_bar=False)
    return EventLog([Trace([e for e in trace if e.get("lifecycle:transition") == "complete"
                            and e.get("bpmnrun:element_type", "userTask") == "userTask"],
                           attributes=trace.attributes) for trace in log])


@pytest.mark.parametrize("pid", CALLERS)
def test_simulated_cases_of_the_real_process_fit_the_flattened_net(pid, simulation, tmp_path):
    result = simulate(simulation, pid, CASES, seed=13)
    assert len(result.instance_ids) == CASES and not result.given_up and not result.not_started
    write_xes(simulation, tmp_path / "cases.xes", [pid])
    log = _completed_tasks(tmp_path / "cases.xes")
    assert len(log) == CASES and all(len(trace) > 0 for trace in log)
    net, initial, final = _petri_net(flatten(BUNDLES[pid].sources(), pid, for_mining=True), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aligned = pm4py.conformance_diagnostics_alignments(log, net, initial, final, show_progress_bar=False)
        replayed = pm4py.fitness_token_based_replay(log, net, initial, final)
    # Alignments find, for every trace, a run of the net with the same user tasks in the same order.
    assert [a["fitness"] for a in aligned] == [1.0] * CASES
    names = Counter(name for name, _, _ in _user_tasks(pid))
    # PM4Py's token-based replay maps a name to ONE transition, so where the flattened process has a step twice
    # (a callee called from two places, or two steps of one name) it replays one copy only: a limit of that
    # replay, not of the model, which the alignments above show fits. Where every name is once, it fits too.
    if max(names.values()) == 1:
        assert replayed["log_fitness"] == 1.0 and replayed["perc_fit_traces"] == 100.0


# --- bpmnrun export-bpmn ----------------------------------------------------------------------------------------

def _cli(database_url: str, *args: str) -> object:
    return CliRunner().invoke(cli, ["--db", database_url, *map(str, args)], catch_exceptions=False)


def test_export_bpmn_flattens_the_newest_deployed_version_or_a_library(rt, database_url, tmp_path):
    pid = "york_step_down_mash"
    missing = _cli(database_url, "export-bpmn", pid, "--flatten", tmp_path / "x.bpmn")
    assert missing.exit_code == 1 and f"no process {pid!r} is deployed: deploy it first" in missing.output
    assert not (tmp_path / "x.bpmn").exists()
    deploy_paths(rt, LIBRARY / "york")
    done = _cli(database_url, "export-bpmn", pid, "--flatten", tmp_path / "flat.bpmn", "-o", tmp_path / "own.bpmn")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "flat.bpmn").read_bytes() == flatten(BUNDLES[pid].sources(), pid)
    assert (tmp_path / "own.bpmn").read_bytes() == BUNDLES[pid].xml
    mining = _cli(database_url, "export-bpmn", pid, "--library", LIBRARY, "--flatten", tmp_path / "m.bpmn",
                  "--for-mining")
    assert mining.exit_code == 0 and "flattened for mining" in mining.output
    assert (tmp_path / "m.bpmn").read_bytes() == flatten(BUNDLES[pid].sources(), pid, for_mining=True)


def test_export_bpmn_names_what_is_wrong(database_url, tmp_path):
    unknown = _cli(database_url, "export-bpmn", "york_step_dwon", "--library", LIBRARY, "--flatten", tmp_path / "x")
    assert unknown.exit_code == 1 and "no process 'york_step_dwon' in" in unknown.output
    assert "york_step_down_mash" in unknown.output  # the processes there are listed
    lonely = _cli(database_url, "export-bpmn", "york_step_down_mash", "--for-mining")
    assert lonely.exit_code == 2 and "--for-mining goes with --flatten FILE" in lonely.output


def test_a_call_reached_two_ways_starts_its_callee_at_one_merge():
    caller = _tiny("a", "<bpmn:startEvent id='S'/><bpmn:exclusiveGateway id='G' name='which?'/>"
                        "<bpmn:callActivity id='C' calledElement='b'/><bpmn:endEvent id='E'/>"
                        "<bpmn:sequenceFlow id='f1' sourceRef='S' targetRef='G'/>"
                        "<bpmn:sequenceFlow id='f2' sourceRef='G' targetRef='C'/>"
                        "<bpmn:sequenceFlow id='f3' sourceRef='G' targetRef='C'/>"
                        "<bpmn:sequenceFlow id='f4' sourceRef='C' targetRef='E'/>")
    root = _tree(flatten({"a": caller, "b": _tiny("b", _line("inside"))}, "a"))
    flows = sorted((f.get("sourceRef"), f.get("targetRef")) for f in root.iter(f"{{{NS['bpmn']}}}sequenceFlow"))
    assert flows == [("C__N0", "E"), ("C__S", "C__N0"), ("G", "C__S"), ("G", "C__S"), ("S", "G")]
    assert root.find(".//bpmn:exclusiveGateway[@id='C__S']", NS) is not None
