"""bpmnrun's rules on one diagram's structure: what the engine needs of lanes, flows, forms, calls and DI.

Each rule reads the XML of one file (schema-valid already) and says what is wrong at the element at fault;
the rules that need the flow of data across steps and processes are in expression_rules.py.
"""

from __future__ import annotations

import re
from typing import Callable

from lxml import etree

from .caseworker_text import text_warnings
from .files import BPMN_NS, NS, DiagramFile
from .identifiers import called_process_problem, data_name_problem
from .problems import ERROR, Problem
from .sites import element_id

FORM_TYPES = {"string", "long", "boolean", "date", "enum"}
DRAWN = ("participant", "lane", "sequenceFlow", "messageFlow", "textAnnotation", "association")
FLOW_NODE_TAGS = (
    "startEvent endEvent intermediateCatchEvent intermediateThrowEvent boundaryEvent task userTask "
    "manualTask serviceTask scriptTask sendTask receiveTask businessRuleTask callActivity subProcess "
    "exclusiveGateway parallelGateway inclusiveGateway eventBasedGateway complexGateway"
).split()
RESERVED_IDS = {"Start", "End", "Root"}

Say = Callable[[etree._Element, str], None]


def structure_problems(diagram: DiagramFile, known_processes: set[str], allow_scripts: bool) -> list[Problem]:
    problems: list[Problem] = []

    def say(el: etree._Element, message: str, severity: str = ERROR, element: str | None = None) -> None:
        problems.append(Problem(diagram.path, el.sourceline or 0, element or element_id(el), message, severity))

    tree = diagram.tree
    if not diagram.process_ids:
        say(tree, "no executable process in this file")
    for process in tree.iterfind("bpmn:process", NS):
        for el in process.iterfind(".//*[@id]"):
            if el.get("id") in RESERVED_IDS:
                say(el, f"the id {el.get('id')!r} is reserved by the engine: rename the element")
        _lanes(process, say)
        _gateways(process, say)
        _loops(process, say)
        _calls(process, known_processes, say)
        _forms(process, say)
        if not allow_scripts:
            for script in process.iterfind(".//bpmn:scriptTask", NS):
                say(script, "script tasks are not allowed (run check with --allow-scripts to permit them)")
    _diagram_interchange(tree, say)
    return problems + text_warnings(diagram.path, tree)


def _lanes(process, say) -> None:
    in_lane = {ref.text.strip() for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
    for task in process.iterfind(".//bpmn:userTask", NS):
        if task.get("id") not in in_lane:
            say(task, f"user task {task.get('name')!r} is in no lane: its lane names the team that does it")


def _gateways(process, say) -> None:
    flows = {f.get("id"): f for f in process.iterfind(".//bpmn:sequenceFlow", NS)}
    nodes = {el.get("id") for el in process.iter() if el.get("id")}
    for flow in flows.values():
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in nodes:
                say(flow, f"sequence flow {end} {flow.get(end)!r} names no element of this process")
    for gateway in process.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            if flow.get("id") == gateway.get("default"):
                continue
            if flow.find("bpmn:conditionExpression", NS) is None:
                say(flow, f"flow out of exclusive gateway {gateway.get('id')} has no condition and is not its default")


def _loops(process, say) -> None:
    for loop in process.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
        if loop.find("bpmn:loopCardinality", NS) is not None:
            say(loop, "multi-instance by loopCardinality is not supported: use camunda:collection")
        elif loop.get(f"{{{NS['camunda']}}}collection") is None:
            say(loop, "multi-instance needs camunda:collection (a loopDataInputRef name is dropped by bpmn.io)")


def _calls(process, known: set[str], say) -> None:
    for call in process.iterfind(".//bpmn:callActivity", NS):
        problem = called_process_problem(call.get("calledElement"), known)
        if problem:
            say(call, problem)
        for tag in ("in", "out"):
            for mapping in call.iterfind(f"bpmn:extensionElements/camunda:{tag}", NS):
                target = mapping.get("target")
                if mapping.get("variables") == "all" or not target:
                    continue
                found = data_name_problem(target, f"camunda:{tag} target")
                if found:
                    say(mapping, found[1], found[0], call.get("id"))


def _forms(process, say) -> None:
    for owner in [*process.iterfind(".//bpmn:userTask", NS), *process.iterfind(".//bpmn:startEvent", NS)]:
        seen: set[str] = set()
        for field in owner.iterfind(".//camunda:formField", NS):
            fid, ftype = field.get("id"), field.get("type")
            if not fid:
                say(field, "form field has no id")
            elif fid in seen:
                say(field, f"form field id {fid!r} is used twice in this form")
            else:
                found = data_name_problem(fid, "form field id", field=True)
                if found:
                    say(field, found[1], found[0])
            seen.add(fid or "")
            if ftype not in FORM_TYPES:
                say(field, f"form field {fid!r} has type {ftype!r}; allowed: {', '.join(sorted(FORM_TYPES))}")
            if ftype == "enum" and field.find("camunda:value", NS) is None and not _filled_at_run_time(field):
                say(field, f"enum field {fid!r} has no options")
            for constraint in field.iterfind(".//camunda:constraint", NS):
                if constraint.get("name") == "pattern":
                    try:
                        re.compile(constraint.get("config") or "")
                    except re.error as exc:
                        say(constraint, f"pattern of {fid!r} is not a regular expression: {exc}")
        for kind in ("input", "output"):
            for param in owner.iterfind(f"bpmn:extensionElements/camunda:inputOutput/camunda:{kind}Parameter", NS):
                found = data_name_problem(param.get("name") or "", f"{kind} parameter name")
                if found:
                    say(param, found[1], found[0], owner.get("id"))


def _filled_at_run_time(field) -> bool:
    """A children or person picker: its options are the task's children or a team's members."""
    return any((p.get("id") or p.get("name")) == "choose_from"
               for p in field.iterfind("camunda:properties/camunda:property", NS))


def _diagram_interchange(tree, say) -> None:
    drawn = {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    drawn |= {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    for el in tree.iter(*(f"{{{BPMN_NS}}}{t}" for t in FLOW_NODE_TAGS + list(DRAWN))):
        if el.get("id") not in drawn:
            say(el, f"{etree.QName(el).localname} has no diagram shape (BPMN DI): a modeller would not show it")
