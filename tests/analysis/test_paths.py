"""Path enumeration on small diagrams: the branches a case can take on the path's data, what a call hands over
and takes back, form rules, loops, boundary events and start marks."""

from __future__ import annotations

from bpmnrun.analysis.diagrams import read_diagrams
from bpmnrun.analysis.explorer import enumerate_paths
from bpmnrun.analysis.structure import read_structure


def _process(pid: str, body: str, lanes: str = "") -> str:
    lanes = lanes or """<bpmn:laneSet><bpmn:lane id="la" name="Social Worker"><bpmn:flowNodeRef>A</bpmn:flowNodeRef>
      </bpmn:lane><bpmn:lane id="lb" name="Manager"><bpmn:flowNodeRef>B</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"""
    return f'<bpmn:process id="{pid}" isExecutable="true">{lanes}{body}</bpmn:process>'


def _diagrams(*processes: str):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="d" targetNamespace="t">{"".join(processes)}</bpmn:definitions>"""
    return read_diagrams({"p": xml.encode()})


def _task(tid: str, fields: str = "", extra: str = "") -> str:
    form = f"<camunda:formData>{fields}</camunda:formData>" if fields else ""
    return f'<bpmn:userTask id="{tid}" name="{tid}"><bpmn:extensionElements>{form}{extra}</bpmn:extensionElements>' \
           f'</bpmn:userTask>'


def _enum(fid: str, *options: str, rules: str = "<camunda:constraint name=\"required\"/>") -> str:
    values = "".join(f'<camunda:value id="{o}" name="{o}"/>' for o in options)
    return f'<camunda:formField id="{fid}" label="{fid}" type="enum"><camunda:validation>{rules}' \
           f'</camunda:validation>{values}</camunda:formField>'


def _flow(fid: str, source: str, target: str, condition: str | None = None, name: str = "") -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" name="{name}" sourceRef="{source}" targetRef="{target}"/>'
    return f'<bpmn:sequenceFlow id="{fid}" name="{name}" sourceRef="{source}" targetRef="{target}">' \
           f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>' \
           f'</bpmn:sequenceFlow>'


def test_a_branch_the_data_rules_out_is_not_walked():
    # A asks yes/no; G1 ends on "no", so at G2 the answer is "yes" and its "no" branch (to B) is no path.
    diagrams = _diagrams(_process("p", f"""<bpmn:startEvent id="S"/>{_task("A", _enum("consent", "yes", "no"))}
      <bpmn:exclusiveGateway id="G1" default="F3"/><bpmn:exclusiveGateway id="G2" default="F5"/>
      {_task("B")}<bpmn:endEvent id="E1" name="No"/><bpmn:endEvent id="E2" name="Yes"/>
      {_flow("F1", "S", "A")}{_flow("F2", "A", "G1")}{_flow("F4", "G1", "E1", 'consent == "no"')}
      {_flow("F3", "G1", "G2")}{_flow("F6", "G2", "B", 'value("consent") == "no"')}{_flow("F5", "G2", "E2")}
      {_flow("F7", "B", "E2")}"""))
    paths = enumerate_paths(diagrams, "p")
    assert sorted(p.outcome for p in paths.paths) == ["No", "Yes"]
    assert ("p", "B") not in paths.visited
    assert not paths.gateways[("p", "G2")].decides and paths.gateways[("p", "G1")].decides


def test_form_rules_and_the_first_true_condition_decide_together():
    # valid_if: support can only be ticked when some child proceeds; the inclusive gateway then takes the
    # consultant branch only together with "proceeds" (3 ways: none, proceeds, proceeds + support).
    support = '<camunda:formField id="support" label="s" type="boolean" defaultValue="false"><camunda:validation>' \
              '<camunda:constraint name="valid_if" config="not support or outcome == &quot;proceed&quot;"/>' \
              '</camunda:validation></camunda:formField>'
    diagrams = _diagrams(_process("p", f"""<bpmn:startEvent id="S"/>
      {_task("A", _enum("outcome", "proceed", "close") + support)}<bpmn:inclusiveGateway id="G"/>
      <bpmn:endEvent id="E1" name="Proceeds"/><bpmn:endEvent id="E2" name="Support"/><bpmn:endEvent id="E3" name="None"/>
      {_flow("F1", "S", "A")}{_flow("F2", "A", "G")}{_flow("F3", "G", "E1", 'outcome == "proceed"')}
      {_flow("F4", "G", "E2", "value('support', False) == True")}{_flow("F5", "G", "E3", 'outcome != "proceed"')}"""))
    outcomes = sorted(tuple(sorted(p.ends)) for p in enumerate_paths(diagrams, "p").paths)
    assert outcomes == [("None",), ("Proceeds",), ("Proceeds", "Support")]


def test_a_call_hands_over_its_mappings_and_the_caller_keeps_its_own_values():
    # The callee tests `route`, which the call sets to "a" (only its branch A is walked); after the call the
    # caller's own `route` ("b", from its form) is back, so the caller's gateway goes to its "b" end only.
    callee = _process("c", f"""<bpmn:startEvent id="CS"/><bpmn:exclusiveGateway id="CG" default="CF3"/>
      {_task("A")}{_task("B")}<bpmn:endEvent id="CE"/>
      {_flow("CF1", "CS", "CG")}{_flow("CF2", "CG", "A", 'route == "a"')}{_flow("CF3", "CG", "B")}
      {_flow("CF4", "A", "CE")}{_flow("CF5", "B", "CE")}""", lanes=" ")
    caller = _process("p", f"""<bpmn:startEvent id="S"/>{_task("R", _enum("route", "b"))}
      <bpmn:callActivity id="Call" name="Call" calledElement="c"><bpmn:extensionElements>
        <camunda:in sourceExpression="${{&quot;a&quot;}}" target="route"/></bpmn:extensionElements></bpmn:callActivity>
      <bpmn:exclusiveGateway id="G" default="F5"/><bpmn:endEvent id="Ea" name="a"/><bpmn:endEvent id="Eb" name="b"/>
      {_flow("F1", "S", "R")}{_flow("F2", "R", "Call")}{_flow("F3", "Call", "G")}
      {_flow("F4", "G", "Ea", 'route == "a"')}{_flow("F5", "G", "Eb")}""", lanes=" ")
    diagrams = _diagrams(caller, callee)
    paths = enumerate_paths(diagrams, "p")
    assert [([s.name for s in p.steps], p.outcome) for p in paths.paths] == [(["R", "A"], "b")]
    structure = read_structure(diagrams, "p", paths)
    assert [(t.name, t.reachable) for t in structure.tasks] == [("R", True), ("A", True), ("B", False)]


def test_loops_are_gone_round_once_more_at_most():
    diagrams = _diagrams(_process("p", f"""<bpmn:startEvent id="S"/>
      {_task("A", '<camunda:formField id="again" label="Again?" type="boolean"/>')}
      <bpmn:exclusiveGateway id="G" default="Fdone"/><bpmn:endEvent id="E" name="Done"/>
      {_flow("F1", "S", "A")}{_flow("F2", "A", "G")}{_flow("Fdone", "G", "E")}
      {_flow("Fagain", "G", "A", "again == True", name="Again")}"""))
    paths = enumerate_paths(diagrams, "p")
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
    interrupting = enumerate_paths(_diagrams(_process("p", body.format(cancel="true"))), "p").paths
    assert sorted(p.outcome for p in interrupting) == ["Escalated", "Visited"]
    escalated = next(p for p in interrupting if p.outcome == "Escalated")
    assert [(s.name, s.interrupted) for s in escalated.steps] == [("Visit", True), ("Escalate", False)]
    assert [(h.source_lane, h.target_lane) for h in escalated.handoffs()] == [("Social Worker", "Manager")]
    assert escalated.choices == ["Visit: 5 working days"]
    limit = enumerate_paths(_diagrams(_process("p", body.format(cancel="false"))), "p").paths
    assert [p.outcome for p in limit] == ["Visited"]
    assert [(t.name, t.kind) for t in limit[0].timers] == [("5 working days", "time limit")]


def test_a_marked_start_event_and_precondition_field_count_for_their_activity():
    diagrams = _diagrams(_process("p", """
    <bpmn:startEvent id="S" name="Family have consented"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="activity" value="obtain_consent"/></camunda:properties></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:userTask id="A" name="Record"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="plan_agreed" label="A plan has been agreed" type="boolean"><camunda:properties>
        <camunda:property id="activity" value="agree_plan"/></camunda:properties></camunda:formField>
      </camunda:formData><camunda:properties><camunda:property name="activity" value="send_request"/>
      <camunda:property name="activity3" value="notify_professionals"/>
      <camunda:property name="activity2" value="allocation"/></camunda:properties></bpmn:extensionElements>
    </bpmn:userTask><bpmn:endEvent id="E" name="Done"/>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A"/><bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="E"/>"""))
    s = read_structure(diagrams, "p", enumerate_paths(diagrams, "p"))
    assert s.cell("obtain_consent") == ["start (Family have consented)"]
    assert s.cell("agree_plan") == ["start (precondition: A plan has been agreed)"]
    assert s.cell("identify_step_down") == ["start (Family have consented)"]  # no task considers the move
    assert s.tasks[0].activities == ("send_request", "allocation", "notify_professionals")  # in number order
    assert s.cell("notify_professionals") == ["Record (Social Worker)"]
    assert len(s.tasks) == 1  # a start mark is not a user task
