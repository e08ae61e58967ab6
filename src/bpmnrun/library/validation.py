"""`bpmnrun check`: every problem in a set of diagrams, each as PATH:LINE: ELEMENT_ID: message.

Four passes, each on what the previous ones left readable: XML well-formedness, the BPMN 2.0 XSD
(shipped inside SpiffWorkflow), SpiffWorkflow's own parse, and bpmnrun's rules (lanes, gateway
conditions, expressions, call activities, script tasks, DI). A broken file never raises: it
yields problems.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Iterator

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from ..expressions import ExpressionError, compile_expression
from .files import BPMN_NS, NS, DiagramFile, find_diagrams
from .parser import BpmnrunParser
from .problems import Problem

FORM_TYPES = {"string", "long", "boolean", "date", "enum"}
JUEL = re.compile(r"^\$\{(.*)\}$", re.S)
DRAWN = ("participant", "lane", "sequenceFlow", "messageFlow", "textAnnotation", "association")
FLOW_NODE_TAGS = (
    "startEvent endEvent intermediateCatchEvent intermediateThrowEvent boundaryEvent task userTask "
    "manualTask serviceTask scriptTask sendTask receiveTask businessRuleTask callActivity subProcess "
    "exclusiveGateway parallelGateway inclusiveGateway eventBasedGateway complexGateway"
).split()

RESERVED_IDS = {"Start", "End", "Root"}

_schema: etree.XMLSchema | None = None


def _xsd() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        _schema = etree.XMLSchema(etree.parse(XSD_PATH))
    return _schema


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _element_id(el: etree._Element | None) -> str:
    while el is not None:
        if el.get("id"):
            return el.get("id")
        el = el.getparent()
    return "-"


class Checker:
    def __init__(self, allow_scripts: bool = False) -> None:
        self.allow_scripts = allow_scripts

    def check(self, paths: Iterable[str | Path], library: Iterable[str | Path] = ()) -> list[Problem]:
        """Problems of the diagrams in `paths`; call activities may also resolve into `library`."""
        problems: list[Problem] = []
        readable = []
        for path in find_diagrams(paths):
            diagram, found = read_diagram(str(path))
            problems.extend(found)
            if diagram is not None:
                readable.append(diagram)
        checked = {str(Path(d.path).resolve()) for d in readable}
        known = {pid for d in readable for pid in d.process_ids}
        extra = [d for d in self._library(library, checked)]
        known |= {pid for d in extra for pid in d.process_ids}
        for diagram in readable:
            problems.extend(self.rules(diagram, known))
        if not problems:
            problems.extend(spiff_parse(readable, extra))
        return sorted(set(problems))

    @staticmethod
    def _library(library: Iterable[str | Path], checked: set[str]) -> Iterator[DiagramFile]:
        for path in find_diagrams(p for p in library if Path(p).exists()):
            if str(path.resolve()) in checked:
                continue
            diagram, found = read_diagram(str(path))
            if diagram is not None and not found:
                yield diagram

    def rules(self, diagram: DiagramFile, known_processes: set[str]) -> list[Problem]:
        problems: list[Problem] = []
        say = lambda el, msg: problems.append(Problem(diagram.path, el.sourceline or 0, _element_id(el), msg))  # noqa: E731
        tree = diagram.tree
        if not diagram.process_ids:
            say(tree, "no executable process in this file")
        for process in tree.iterfind("bpmn:process", NS):
            for el in process.iterfind(".//*[@id]"):
                if el.get("id") in RESERVED_IDS:
                    say(el, f"the id {el.get('id')!r} is reserved by the engine: rename the element")
            self._lanes(process, say)
            self._gateways(process, say)
            self._expressions(process, say)
            self._calls(process, known_processes, say)
            self._forms(process, say)
            if not self.allow_scripts:
                for script in process.iterfind(".//bpmn:scriptTask", NS):
                    say(script, "script tasks are not allowed (run check with --allow-scripts to permit them)")
        self._diagram_interchange(tree, say)
        return problems

    @staticmethod
    def _lanes(process, say) -> None:
        in_lane = {ref.text.strip() for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS) if ref.text}
        for task in process.iterfind(".//bpmn:userTask", NS):
            if task.get("id") not in in_lane:
                say(task, f"user task {task.get('name')!r} is in no lane: its lane names the team that does it")

    @staticmethod
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

    @staticmethod
    def _expressions(process, say) -> None:
        def check(el, text: str | None, what: str) -> None:
            if text is None or not text.strip():
                say(el, f"{what} is empty")
                return
            try:
                compile_expression(text.strip())
            except ExpressionError as exc:
                say(el, f"{what}: {exc.reason}")

        for cond in process.iterfind(".//bpmn:conditionExpression", NS):
            check(cond, cond.text, "condition")
        for tag in ("timeDate", "timeDuration", "timeCycle"):
            for timer in process.iterfind(f".//bpmn:{tag}", NS):
                check(timer, timer.text, f"timer {tag}")
        for prop in process.iterfind(".//bpmn:userTask/bpmn:extensionElements/camunda:properties/"
                                     "camunda:property[@name='for_children']", NS):
            check(prop, prop.get("value"), "for_children")
        for task in process.iterfind(".//bpmn:userTask", NS):
            for attr in ("assignee", "dueDate"):
                value = task.get(f"{{{NS['camunda']}}}{attr}")
                match = JUEL.match(value.strip()) if value else None
                if match:
                    check(task, match.group(1), f"camunda:{attr}")
        for loop in process.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
            if loop.find("bpmn:loopCardinality", NS) is not None:
                say(loop, "multi-instance by loopCardinality is not supported: use camunda:collection")
            elif loop.get(f"{{{NS['camunda']}}}collection") is None:
                say(loop, "multi-instance needs camunda:collection (a loopDataInputRef name is dropped by bpmn.io)")
            else:
                check(loop, loop.get(f"{{{NS['camunda']}}}collection"), "camunda:collection")

    @staticmethod
    def _calls(process, known: set[str], say) -> None:
        for call in process.iterfind(".//bpmn:callActivity", NS):
            called = call.get("calledElement")
            if not called:
                say(call, "call activity names no calledElement")
            elif called not in known:
                say(call, f"call activity calls process {called!r}, which is not in the library")

    @staticmethod
    def _forms(process, say) -> None:
        for task in process.iterfind(".//bpmn:userTask", NS):
            seen: set[str] = set()
            for field in task.iterfind(".//camunda:formField", NS):
                fid, ftype = field.get("id"), field.get("type")
                if not fid:
                    say(field, "form field has no id")
                elif fid in seen:
                    say(field, f"form field id {fid!r} is used twice in this form")
                seen.add(fid or "")
                if ftype not in FORM_TYPES:
                    say(field, f"form field {fid!r} has type {ftype!r}; allowed: {', '.join(sorted(FORM_TYPES))}")
                picker = field.find("camunda:properties/camunda:property[@id='choose_from']", NS) is not None
                if ftype == "enum" and field.find("camunda:value", NS) is None and not picker:
                    say(field, f"enum field {fid!r} has no options")
                for constraint in field.iterfind(".//camunda:constraint", NS):
                    _check_constraint(field, constraint, say)

    @staticmethod
    def _diagram_interchange(tree, say) -> None:
        drawn = {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNShape", NS)}
        drawn |= {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
        for el in tree.iter(*(f"{{{BPMN_NS}}}{t}" for t in FLOW_NODE_TAGS + list(DRAWN))):
            if el.get("id") not in drawn:
                say(el, f"{_local(el)} has no diagram shape (BPMN DI): a modeller would not show it")


def _check_constraint(field, constraint, say) -> None:
    name, config = constraint.get("name"), constraint.get("config")
    if name in ("required_if", "valid_if"):
        try:
            compile_expression(config or "")
        except ExpressionError as exc:
            say(constraint, f"{name} of {field.get('id')!r}: {exc.reason}")
    elif name == "pattern":
        try:
            re.compile(config or "")
        except re.error as exc:
            say(constraint, f"pattern of {field.get('id')!r} is not a regular expression: {exc}")


def read_diagram(path: str) -> tuple[DiagramFile | None, list[Problem]]:
    """Parse and schema-validate one file; never raises for a bad file."""
    try:
        xml = Path(path).read_bytes()
    except OSError as exc:
        return None, [Problem(path, 0, "-", f"cannot read file: {exc.strerror}")]
    try:
        diagram = DiagramFile.parse(path, xml)
    except etree.XMLSyntaxError as exc:
        return None, [Problem(path, exc.lineno or 0, "-", f"not well-formed XML: {exc.msg}")]
    schema = _xsd()
    if schema.validate(etree.ElementTree(diagram.tree)):
        return diagram, []
    problems = []
    for error in schema.error_log:
        element = _element_at_line(diagram.tree, error.line)
        problems.append(Problem(path, error.line, _element_id(element), f"BPMN schema: {error.message}"))
    return None, problems


def _element_at_line(tree, line: int):
    for el in tree.iter():
        if el.sourceline == line:
            return el
    return None


def spiff_parse(diagrams: list[DiagramFile], extra: Iterable[DiagramFile] = ()) -> list[Problem]:
    """What SpiffWorkflow itself refuses, located by line (its exceptions carry none)."""
    parser = BpmnrunParser()
    by_process: dict[str, DiagramFile] = {}
    for diagram in [*diagrams, *extra]:
        try:
            parser.add_bpmn_xml(etree.fromstring(diagram.xml), filename=diagram.path)
        except ValidationException as exc:
            return [_from_spiff(diagram, exc)]
        for pid in diagram.process_ids:
            by_process[pid] = diagram
    problems = []
    for diagram in diagrams:
        for pid in diagram.process_ids:
            try:
                parser.get_spec(pid)
                parser.get_subprocess_specs(pid)
            except ValidationException as exc:
                problems.append(_from_spiff(by_process.get(pid, diagram), exc))
            except Exception as exc:  # SpiffWorkflow raises plain errors for some broken models
                problems.append(Problem(diagram.path, diagram.process(pid).sourceline or 0, pid,
                                        f"cannot be parsed: {type(exc).__name__}: {exc}"))
    return problems


def _from_spiff(diagram: DiagramFile, exc: ValidationException) -> Problem:
    element_id = getattr(exc, "id", None) or "-"
    line = getattr(exc, "line_number", None) or 0
    if element_id != "-" and not line:
        node = diagram.tree.find(f".//*[@id='{element_id}']")
        line = node.sourceline if node is not None else 0
    path = getattr(exc, "file_name", None) or diagram.path
    message = getattr(exc, "msg", None) or str(exc).splitlines()[0]
    return Problem(os.fspath(path), int(line), element_id, message.strip())
