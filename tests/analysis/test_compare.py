"""Structural comparison of process variants: figures counted by hand from the XML of L1 and C1, paths
pruned by the path's own data, loop bound, boundary events, the CLI (text, JSON, HTML) and the /compare page."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from bpmnrun.analysis.compare import STEP_DOWN_SET, from_deployed, from_library
from bpmnrun.analysis.conditions import Facts, evaluate, learn
from bpmnrun.library.graph import read_graphs
from bpmnrun.analysis.paths import enumerate_paths
from bpmnrun.cli.main import cli
from bpmnrun.service.errors import InvalidInput, NotFound
from tests.conftest import REPO
from tests.support import deploy_library
from tests.web.conftest import app, browser, library  # noqa: F401  (the web fixtures, for the /compare page)

BPMN = REPO / "bpmn"
L1 = "lincs_step_out_internal_lp_existing_eh"
L2 = "lincs_step_out_internal_lp_no_eh"
Y2 = "york_step_down_single_assessment"
C1 = "authc_step_down_sc_to_eh"


@pytest.fixture(scope="module")
def step_down():
    return from_library([BPMN], list(STEP_DOWN_SET))


def variant(comparison, process_id):
    return next(v for v in comparison.variants if v.process_id == process_id)


def test_l1_figures_counted_by_hand(step_down):
    # By hand from the XML: L1 has 5 user tasks; S-CLOSE adds SC Social Care Case Closure and SC No Social Care
    # Intervention Required (its visit cancellation needs cancel_outstanding_visits_allowed, which L1 fixes
    # to false); S-AUTH adds its one task. Decisions: L1's closure gateway, S-CLOSE's two. No timer.
    l1 = variant(step_down, L1)
    s = l1.structure
    assert len(s.tasks) == 8
    assert "Cancel outstanding SC worksteps" not in {t.name for t in s.tasks}
    assert s.lanes == ["Social Worker", "Early Help Manager", "Early Help worker", "Manager (authoriser)"]
    assert len(s.decisions) == 3 and s.timers == [] and s.consent_gates == []
    assert [(t.name, t.self_authorisable) for t in s.authorisations] == [
        ("CS Manager: Please review and authorise", True)]
    # Two paths (closure from an assessment, or from a progress meeting / RCPC), each: send, finish, one
    # closure task, supervision, decision, authorisation, TAC plan = 7 tasks; hand-offs SW → EHM and
    # EHM → EH worker (self-authorisation counts 0, §9.5), 3 if a line manager authorises.
    paths = l1.paths.paths
    assert len(paths) == 2 and l1.paths.cut == 0
    closures = set()
    for p in paths:
        assert len(p.steps) == 7 and len(p.lanes()) == 3 and len(p.timers) == 0
        assert [(h.source_lane, h.target_lane) for h in p.handoffs()] == [
            ("Social Worker", "Early Help Manager"), ("Early Help Manager", "Early Help worker")]
        assert len(p.handoffs(line_manager=True)) == 3
        closures |= {s.name for s in p.steps if s.within}
        assert p.outcome.startswith("Case closed to SC – TAC (Internal LP)")
    assert closures == {"SC Social Care Case Closure", "SC No Social Care Intervention Required – Case to close",
                        "CS Manager: Please review and authorise"}
    assert l1.paths.figures() == {"steps": {"min": 7, "median": 7, "max": 7},
                                  "handoffs": {"min": 2, "median": 2, "max": 2}}


def test_c1_figures_counted_by_hand(step_down):
    # By hand from the XML: 12 user tasks in 6 lanes; 7 diverging gateways; a duty-morning wait and the
    # end-of-morning time limit on Step Two. Paths: no clear plan, LP not internal, then Graft or duty rota
    # times five outcomes (no consent, no step-down plan, not agreed, TAF plan not agreed, stepped down) = 12.
    c1 = variant(step_down, C1)
    s = c1.structure
    assert len(s.tasks) == 12
    assert s.lanes == ["Social Worker", "Duty EH TM", "TAF Team", "EH TM", "SC TM / ATM", "FFP/FSW"]
    assert len(s.decisions) == 7
    assert [(t.kind, t.limit) for t in s.timers] == [
        ("wait", "start of the next duty window (Tuesday, Wednesday, Thursday, 09:00–12:00)"),
        ("time limit", "end of the duty window (Tuesday, Wednesday, Thursday, 09:00–12:00)")]
    assert [g.end for g in s.consent_gates] == ["Step down cannot progress – no consent from family for Early Help"]
    assert s.authorisations == []
    paths = c1.paths.paths
    assert len(paths) == 12
    full = [p for p in paths if p.outcome.startswith("Stepped down to Early Help")]
    assert len(full) == 2  # by the duty rota (waits for the morning) or with the Graft TM at once
    for p in full:
        assert len(p.steps) == 11 and len(p.lanes()) == 6 and len(p.handoffs()) == 6
    assert sorted(len(p.timers) for p in full) == [1, 2]
    assert c1.paths.figures()["steps"] == {"min": 1, "median": 3, "max": 11}


def test_paths_follow_the_data_the_path_has_fixed(step_down):
    y2 = variant(step_down, Y2)
    names = {s.name for p in y2.paths.paths for s in p.steps}
    # Y2 sets route = single_assessment, so York's closure never takes its MASH or CiN/CP route.
    assert "Close early help recording form (manager oversight)" not in names
    assert "Close Case next action per child" not in names
    assert "Close early help recording form (manager oversight)" not in {t.name for t in y2.structure.tasks}
    targeted = [p for p in y2.paths.paths if p.outcome == "Targeted Intervention Service – allocated by the Practice Managers"]
    assert len(targeted) == 1
    # §9.5 says 12 tasks: ours adds York's 'Initiate Case Closure process' (Y5.0, an assumption of the model).
    assert len(targeted[0].steps) == 13 and len(targeted[0].lanes()) == 3 and len(targeted[0].handoffs()) == 3
    assert [t.kind for t in targeted[0].timers] == ["wait", "time limit"]
    l2 = variant(step_down, L2)
    locality = next(p for p in l2.paths.paths if "locality" in p.outcome)
    assert len(locality.steps) == 5 and len(locality.lanes()) == 4 and len(locality.handoffs()) == 4


def test_conditions_are_three_valued():
    facts = Facts()
    assert evaluate('route == "mash"', facts) is None
    learn('route == "single_assessment"', True, facts)
    assert evaluate('route == "mash"', facts) is False
    assert evaluate('route == "mash" or x == 1', facts) is None
    learn('support_type == "targeted_intervention" or other == "no"', False, facts)
    assert evaluate('support_type == "targeted_intervention"', facts) is False
    assert evaluate('support_type != "targeted_intervention"', facts) is True
    learn('any(s["a"] == "b" for s in subjects)', True, facts)
    assert evaluate('any(s["a"] == "b" for s in subjects)', facts) is True
    assert evaluate('x if route == "single_assessment" else y', Facts({"route": "single_assessment", "x": False})) is False
    assert evaluate("not a valid (", facts) is None


def _diagram(body: str) -> dict[str, bytes]:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet><bpmn:lane id="la" name="Social Worker"><bpmn:flowNodeRef>A</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lb" name="Manager"><bpmn:flowNodeRef>B</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    {body}
  </bpmn:process>
</bpmn:definitions>"""
    return {"p": xml.encode()}


def test_loops_are_bounded_at_two_uses_of_a_flow():
    graphs = read_graphs(_diagram("""
    <bpmn:startEvent id="S"/>
    <bpmn:userTask id="A" name="Record"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="again" label="Again?" type="boolean"/></camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="G" default="Fdone"/><bpmn:endEvent id="E" name="Done"/>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A"/><bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="G"/>
    <bpmn:sequenceFlow id="Fdone" sourceRef="G" targetRef="E"/>
    <bpmn:sequenceFlow id="Fagain" name="Again" sourceRef="G" targetRef="A">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">again == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""))
    paths = enumerate_paths(graphs, "p")
    assert sorted(len(p.steps) for p in paths.paths) == [1, 2]
    assert paths.cut >= 1


def test_interrupting_boundary_starts_a_path_and_a_time_limit_does_not():
    body = """
    <bpmn:startEvent id="S"/><bpmn:userTask id="A" name="Visit"/><bpmn:userTask id="B" name="Escalate"/>
    <bpmn:boundaryEvent id="T" name="5 working days" attachedToRef="A" cancelActivity="{cancel}">
      <bpmn:timerEventDefinition><bpmn:timeDate>working_days(5)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="E1" name="Visited"/><bpmn:endEvent id="E2" name="Escalated"/>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A"/><bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="E1"/>
    <bpmn:sequenceFlow id="F3" sourceRef="T" targetRef="B"/><bpmn:sequenceFlow id="F4" sourceRef="B" targetRef="E2"/>"""
    interrupting = enumerate_paths(read_graphs(_diagram(body.format(cancel="true"))), "p").paths
    assert sorted(p.outcome for p in interrupting) == ["Escalated", "Visited"]
    escalated = next(p for p in interrupting if p.outcome == "Escalated")
    assert [(s.name, s.interrupted) for s in escalated.steps] == [("Visit", True), ("Escalate", False)]
    assert [(h.source_lane, h.target_lane) for h in escalated.handoffs()] == [("Social Worker", "Manager")]
    limit = enumerate_paths(read_graphs(_diagram(body.format(cancel="false"))), "p").paths
    assert [p.outcome for p in limit] == ["Visited"]
    assert [(t.name, t.kind) for t in limit[0].timers] == [("5 working days", "time limit")]


def test_alignment_highlights_and_differences(step_down):
    cells = dict(zip([v.process_id for v in step_down.variants], step_down.cells("obtain_consent")))
    assert cells[Y2] == ["Ensure informed consent to early help support (Social Worker)"]
    assert cells[L1] == []
    l1 = variant(step_down, L1)
    # EH TAC Plan and Review (first_tac_meeting) is absent from L2; the call into S-AUTH does an activity
    # (manager_authorisation) L2 lacks.
    assert {"Task_tac_plan", "Call_authorise"} <= step_down.highlight(l1)
    text = " ".join(step_down.to_json()["differences"])
    assert "Consent is an explicit gate (a 'no' ends the procedure) in Y2, Y3, C1; not in L1, L2, L3, L4." in text
    assert "Screening the contact or referral (screening) is a step in L2" in text


def test_cli_prints_a_table_within_120_columns_and_json_and_html(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["compare", "--library", str(BPMN), L1, C1, "--html", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert any(line.startswith("obtain consent") and "absent" in line for line in lines)
    assert "Paths of C1 (12)" in result.stdout
    html = (tmp_path / "c.html").read_text()
    assert html.count("<svg") == 2 and "bpmn-highlighted" in html
    as_json = json.loads(runner.invoke(cli, ["compare", "--library", str(BPMN), L1, C1, "--json"]).stdout)
    l1 = as_json["variants"][0]
    assert l1["process_id"] == L1 and len(l1["paths"]) == 2 and l1["consent_gate"] is False
    assert l1["paths"][0]["handoffs_if_authorised_by_line_manager"] == 3


def test_cli_bad_input_gets_one_clear_line():
    runner = CliRunner()
    one = runner.invoke(cli, ["compare", "--library", str(BPMN), L1])
    assert one.exit_code == 1 and "error: process: Choose at least two processes to compare" in one.stderr
    unknown = runner.invoke(cli, ["compare", "--library", str(BPMN), L1, "no_such_process"])
    assert unknown.exit_code == 1 and "no_such_process" in unknown.stderr and "Traceback" not in unknown.output


def test_compares_what_is_deployed(rt):
    with pytest.raises(NotFound):
        from_deployed(rt, [L1, C1])
    deploy_library(rt)
    comparison = from_deployed(rt, [L1, C1])
    assert [v.version for v in comparison.variants] == [1, 1]
    assert [len(v.paths.paths) for v in comparison.variants] == [2, 12]
    with pytest.raises(InvalidInput):
        from_deployed(rt, [L1])


def test_compare_page(browser, library):
    b = browser().sign_in("sam")
    page = b.get("/compare")
    assert page.status_code == 200
    body = page.data.decode()
    for pid in STEP_DOWN_SET:
        assert re.search(rf'value="{pid}" checked', body), pid
    assert body.count("<svg") == len(STEP_DOWN_SET)
    assert 'id="aligned"' in body and "Consent is an explicit gate" in body
    assert "more than half of the other 6 variants compared lack" in body
    two = b.get(f"/compare?process={L1}&process={Y2}").data.decode()
    assert two.count("<svg") == 2 and f'value="{C1}" checked' not in two
    one = b.get(f"/compare?process={L1}")
    assert one.status_code == 422 and b"govuk-error-summary" in one.data
    assert b"Choose at least two processes to compare" in one.data
    assert b.get(f"/compare?process={L1}&process=nope").status_code == 404


def test_the_start_event_counts_for_identifying_the_step_down(step_down):
    # §9.2: "start" for L1-L4, Y2, Y3 (the work begins with the step down considered); C1.1 is a task.
    cells = dict(zip([v.process_id for v in step_down.variants], step_down.cells("identify_step_down")))
    assert cells[L1] == ["start (Early Help Manager has agreed the case can step out to TAC)"]
    assert cells[Y2] == ["start (Single Assessment completed – recommendation is Early Help)"]
    assert cells[C1] == ["Step One – SC supervision or case discussion (Social Worker)"]
    assert all(cells[pid] for pid in STEP_DOWN_SET)
    text = " ".join(step_down.to_json()["differences"])
    assert "(identify_step_down)" not in text  # no variant lacks it any more
    c1 = variant(step_down, C1)
    assert "Task_step_one" not in step_down.highlight(c1)


def test_a_marked_start_event_and_precondition_field_count_for_their_activity():
    graphs = read_graphs(_diagram("""
    <bpmn:startEvent id="S" name="Family have consented"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="activity" value="obtain_consent"/></camunda:properties></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:userTask id="A" name="Record"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="plan_agreed" label="A plan has been agreed" type="boolean"><camunda:properties>
        <camunda:property id="activity" value="agree_plan"/></camunda:properties></camunda:formField>
      </camunda:formData><camunda:properties><camunda:property name="activity" value="send_request"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask><bpmn:endEvent id="E" name="Done"/>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A"/><bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="E"/>"""))
    from bpmnrun.analysis.structure import read_structure

    s = read_structure(graphs, "p")
    assert s.cell("obtain_consent") == ["start (Family have consented)"]
    assert s.cell("agree_plan") == ["start (precondition: A plan has been agreed)"]
    assert s.cell("identify_step_down") == ["start (Family have consented)"]  # no task considers the move
    assert s.cell("send_request") == ["Record (Social Worker)"]
    assert len(s.tasks) == 1  # a start mark is not a user task


def test_highlights_what_sets_a_variant_apart_not_what_one_other_lacks(step_down):
    l1, l2 = variant(step_down, L1), variant(step_down, L2)
    # Of the six others only C1 lacks a social care closure, only L1 and L3 an allocation: not highlighted.
    assert "sc_case_closure" not in step_down.absent_elsewhere(l1)
    assert "allocation" not in step_down.absent_elsewhere(l2)
    # Screening: L2 alone. Manager authorisation: four of L1's six others lack it.
    assert step_down.absent_elsewhere(l2) == {"screening"}
    assert "manager_authorisation" in step_down.absent_elsewhere(l1)
    assert "more than half of the other 6 variants" in step_down.highlight_meaning()
    # With two variants: whatever the other lacks.
    pair = from_library([BPMN], [L1, C1])
    assert "sc_case_closure" in pair.absent_elsewhere(variant(pair, L1))
    assert "absent from the other variant" in pair.highlight_meaning()


def test_html_key_says_what_the_highlight_means(tmp_path):
    from bpmnrun.analysis.compare_html import render_html

    html = render_html(from_library([BPMN], [L1, C1]))
    assert "an activity absent from the other variant." in html


def test_l4_reads_its_any_child_test_as_the_one_l5_decided(step_down):
    # By hand: 2 closure routes × (assessment uploaded: L5's 'any child proceeds?' Yes with or without TAC
    # consultant support, or No; assessment already completed: L4's test undecided, both ends) = 2 × 5.
    # Before L4's s.get(...) test was matched with L5's s[...] one, every L5 outcome took both L4 ends: 16.
    l4 = variant(step_down, "lincs_step_out_external_lp_no_eh")
    assert len(l4.paths.paths) == 10
    uploaded = [p for p in l4.paths.paths if "EH Child and Family Assessment Required" in p.choices]
    assert sorted((len(p.steps), p.outcome.startswith("Case closed to SC – TAC Monitoring")) for p in uploaded) == [
        (10, False), (10, False), (11, True), (11, True), (12, True), (12, True)]
    facts = Facts()
    learn('any(s["k"] == "x" for s in subjects)', False, facts)
    assert evaluate('not any(s.get("k", "x") == "x" for s in subjects)', facts) is True
    learned_get = Facts()
    learn('any(s.get("k", "x") == "x" for s in subjects)', False, learned_get)
    assert evaluate('any(s["k"] == "x" for s in subjects)', learned_get) is None  # not the other way round


def test_paths_come_with_the_over_approximation_note():
    result = CliRunner().invoke(cli, ["compare", "--library", str(BPMN), L1, C1])
    assert "paths may include combinations the data rules exclude" in " ".join(result.stdout.split())


def test_seven_variants_print_readably_in_a_terminal(step_down):
    from bpmnrun.analysis.compare_text import render_text

    text = render_text(step_down, 120)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    words = set(text.split())
    # Every word of every cell is printed whole: no name is cut into stubs across lines.
    for activity in step_down.activities():
        for cell in step_down.cells(activity):
            for word in " ".join(cell).split():
                assert word in words or any(word in w for w in words), (activity, word)
    at = lines.index("obtain consent")
    assert lines[at + 1].startswith("  Y2  Ensure informed consent to early help support (Social Worker)")
    assert "  absent: L1, L2, L3, L4" in lines[at + 1:at + 6]
    assert "  L1 8   L2 6   L3 8   L4 13   Y2 15   Y3 15   C1 12" in lines
