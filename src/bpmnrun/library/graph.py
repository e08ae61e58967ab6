"""A process's flow graph read from its BPMN: nodes, sequence flows, lanes, forms and data mappings.

Reads the XML only (lxml), runs nothing. One `ProcessGraph` per process id; call activities name their
callee, which the caller looks up in the same set of sources. The analysts' comparisons (analysis/) and
`bpmnrun check`'s data rules (library/) read the same graph, so it lives here, below both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from lxml import etree

from .files import NS, DiagramFile

CAMUNDA = f"{{{NS['camunda']}}}"
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
FLOW_NODES = GATEWAYS | {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                         "boundaryEvent", "userTask", "task", "manualTask", "serviceTask", "scriptTask",
                         "sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess"}
# "C1 (…", "catalogue L1", "§5.3 S-AUTH": the process catalogue's code for a diagram, cited in its documentation.
CODE = re.compile(r"(?:^|catalogue|§\d+(?:\.\d+)*)\s*\(?((?:[LYC]\d+)|S-[A-Z]+)\b")


@dataclass(frozen=True)
class FormField:
    id: str
    type: str
    options: tuple[str, ...]
    default: str | None
    readonly: bool
    label: str = ""
    activity: str | None = None  # a precondition field marked with the activity it confirms
    option_names: tuple[str, ...] = ()  # the labels of `options`, in the same order
    properties: tuple[tuple[str, str], ...] = ()
    constraints: tuple[tuple[str, str | None], ...] = ()
    line: int = 0

    def prop(self, name: str) -> str | None:
        return next((v for k, v in self.properties if k == name), None)

    def constraint(self, name: str) -> str | None:
        return next((v for k, v in self.constraints if k == name), None)

    @property
    def multiple(self) -> bool:
        return (self.prop("multiple") or "").strip() == "true"

    @property
    def per_child(self) -> bool:
        return (self.prop("per_child") or "").strip() == "true"

    @property
    def picks_children(self) -> bool:
        return (self.prop("choose_from") or "").strip() == "subjects"

    @property
    def picks_person(self) -> bool:
        return (self.prop("choose_from") or "").strip().startswith("team:")

    @property
    def row_of(self) -> str | None:
        return (self.prop("row_of") or "").strip() or None

    @property
    def pattern_choices(self) -> tuple[str, ...]:
        """The answers of a text field whose pattern is a plain list (`a|b|c`): an enum written as text."""
        pattern = (self.constraint("pattern") or "").strip()
        if self.type != "string" or not re.fullmatch(r"[\w\- ]+(\|[\w\- ]+)+", pattern):
            return ()
        return tuple(pattern.split("|"))

    @property
    def fixed_options(self) -> bool:
        """An enum whose options are the diagram's own (not children or people filled in at run time)."""
        return self.type == "enum" and not (self.picks_children or self.picks_person)


@dataclass(frozen=True)
class CallMapping:
    """A call activity's `camunda:in` or `camunda:out`: a source name or a source expression, and a target."""

    target: str
    source: str | None = None
    expression: str | None = None


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # the BPMN element's local name
    name: str
    lane: str | None
    activity: str | None = None
    activity2: str | None = None
    more_activities: tuple[str, ...] = ()  # activity3, activity4, …: a step may cover several vocabulary terms
    assignee: str | None = None
    multi_instance: bool = False
    fields: tuple[FormField, ...] = ()
    called: str | None = None  # callActivity's calledElement
    timer: str | None = None  # timer expression of a timer event
    event: str | None = None  # timer, message, error, … of an event
    attached_to: str | None = None
    interrupting: bool = True
    default_flow: str | None = None
    line: int = 0
    timer_kind: str | None = None  # timeDate, timeDuration or timeCycle
    due_date: str | None = None
    collection: str | None = None  # multi-instance camunda:collection
    element_variable: str | None = None
    inputs: tuple[tuple[str, str], ...] = ()  # camunda:inputParameter name → its text
    outputs: tuple[tuple[str, str], ...] = ()  # camunda:outputParameter name → its text (kept after the task)
    call_ins: tuple[CallMapping, ...] = ()
    call_outs: tuple[CallMapping, ...] = ()

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(a for a in (self.activity, self.activity2, *self.more_activities) if a)


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str
    condition: str | None
    line: int = 0


@dataclass
class ProcessGraph:
    process_id: str
    title: str
    code: str | None
    documentation: str
    lanes: tuple[str, ...]
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    outgoing: dict[str, list[Flow]] = field(default_factory=dict)
    incoming: dict[str, list[Flow]] = field(default_factory=dict)
    boundaries: dict[str, list[Node]] = field(default_factory=dict)
    # False for a process only other processes start (camunda:isStartableInTasklist="false").
    startable: bool = True
    path: str = ""

    def __post_init__(self) -> None:
        for flow in self.flows.values():
            self.outgoing.setdefault(flow.source, []).append(flow)
            self.incoming.setdefault(flow.target, []).append(flow)
        for node in self.nodes.values():
            if node.attached_to:
                self.boundaries.setdefault(node.attached_to, []).append(node)

    def starts(self) -> list[Node]:
        """Plain start events first: a process started by a timer or message still starts there."""
        return [n for n in self.nodes.values() if n.kind == "startEvent" and not n.attached_to]

    def of_kind(self, *kinds: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in kinds]


def read_graphs(sources: Mapping[str, bytes]) -> dict[str, ProcessGraph]:
    """Every executable process defined in `sources` (process id → XML), by id."""
    graphs: dict[str, ProcessGraph] = {}
    for path, xml in sources.items():
        diagram = DiagramFile.parse(path, xml)
        for pid in diagram.process_ids:
            graphs[pid] = read_graph(diagram, pid)
    return graphs


def read_graph(diagram: DiagramFile, process_id: str) -> ProcessGraph:
    process = diagram.process(process_id)
    lane_of = {ref.text.strip(): lane.get("name")
               for lane in process.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    doc = process.find("bpmn:documentation", NS)
    documentation = (doc.text or "").strip() if doc is not None else ""
    code = CODE.search(documentation)
    # An element without an id cannot be joined by a flow; the check reports what else is wrong with it.
    nodes = {el.get("id"): _node(el, lane_of) for el in process
             if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODES and el.get("id")}
    flows = {el.get("id"): _flow(el) for el in process.iterfind("bpmn:sequenceFlow", NS) if el.get("id")}
    return ProcessGraph(process_id, diagram.title(process_id), code.group(1) if code else None, documentation,
                        tuple(dict.fromkeys(lane.get("name") for lane in process.iterfind(".//bpmn:lane", NS))),
                        nodes, flows,
                        startable=process.get(f"{CAMUNDA}isStartableInTasklist", "true").strip().lower() != "false",
                        path=diagram.path)


def _node(el: etree._Element, lane_of: dict[str, str]) -> Node:
    kind = etree.QName(el).localname
    props = {p.get("name"): p.get("value")
             for p in el.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS)}
    timer = el.find("bpmn:timerEventDefinition", NS)
    definition = next((etree.QName(d).localname.removesuffix("EventDefinition")
                       for d in el if etree.QName(d).localname.endswith("EventDefinition")), None)
    loop = el.find("bpmn:multiInstanceLoopCharacteristics", NS)
    timer_kind = next((etree.QName(c).localname for c in timer if isinstance(c.tag, str)), None) \
        if timer is not None else None
    return Node(
        id=el.get("id") or "", kind=kind, name=(el.get("name") or el.get("id") or "").strip(),
        lane=lane_of.get(el.get("id")),
        activity=props.get("activity"), activity2=props.get("activity2"),
        more_activities=tuple(props[k] for k in sorted((k for k in props if re.fullmatch(r"activity([3-9]|\d\d+)", k)),
                                                        key=lambda k: int(k[8:])) if props[k]),
        assignee=el.get(f"{CAMUNDA}assignee"),
        multi_instance=el.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None,
        fields=tuple(_field(f) for f in el.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", NS)),
        called=el.get("calledElement"),
        timer=next(((c.text or "").strip() for c in timer if c.text), "") if timer is not None else None,
        event=definition, attached_to=el.get("attachedToRef"),
        interrupting=el.get("cancelActivity", "true") != "false",
        default_flow=el.get("default"),
        line=el.sourceline or 0,
        timer_kind=timer_kind,
        due_date=el.get(f"{CAMUNDA}dueDate"),
        collection=loop.get(f"{CAMUNDA}collection") if loop is not None else None,
        element_variable=loop.get(f"{CAMUNDA}elementVariable") if loop is not None else None,
        inputs=tuple((p.get("name"), (p.text or "").strip()) for p in el.iterfind(
            "bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", NS) if p.get("name")),
        outputs=tuple((p.get("name"), (p.text or "").strip()) for p in el.iterfind(
            "bpmn:extensionElements/camunda:inputOutput/camunda:outputParameter", NS) if p.get("name")),
        call_ins=_mappings(el, "in"),
        call_outs=_mappings(el, "out"),
    )


def _mappings(el: etree._Element, direction: str) -> tuple[CallMapping, ...]:
    found = []
    for m in el.iterfind(f"bpmn:extensionElements/camunda:{direction}", NS):
        if m.get("variables") == "all" or not m.get("target"):
            continue  # "all" is what a call does anyway; a mapping without a target maps nothing
        expression = (m.get("sourceExpression") or "").strip()
        if expression.startswith("${") and expression.endswith("}"):
            expression = expression[2:-1].strip()
        found.append(CallMapping(m.get("target").strip(), (m.get("source") or "").strip() or None, expression or None))
    return tuple(found)


def _field(el: etree._Element) -> FormField:
    constraints = tuple((c.get("name"), c.get("config"))
                        for c in el.iterfind("camunda:validation/camunda:constraint", NS) if c.get("name"))
    props = {p.get("id") or p.get("name"): p.get("value") or ""
             for p in el.iterfind("camunda:properties/camunda:property", NS)}
    values = list(el.iterfind("camunda:value", NS))
    return FormField(el.get("id"), el.get("type") or "string",
                     tuple(v.get("id") for v in values),
                     el.get("defaultValue"), "readonly" in dict(constraints),
                     (el.get("label") or el.get("id") or "").strip(),
                     props.get("activity"), tuple(v.get("name") or "" for v in values),
                     tuple((k, v) for k, v in props.items() if k), constraints, el.sourceline or 0)


def _flow(el: etree._Element) -> Flow:
    condition = el.find("bpmn:conditionExpression", NS)
    text = (condition.text or "").strip() if condition is not None else ""
    return Flow(el.get("id"), el.get("sourceRef"), el.get("targetRef"), (el.get("name") or "").strip(), text or None,
                el.sourceline or 0)
