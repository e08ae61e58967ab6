"""One process with every call activity replaced by what it calls: a diagram process-mining tools can read.

Mining tools (PM4Py and others) turn a BPMN diagram into a Petri net but cannot follow a call activity, so a
process that calls others is inlined into one process, drawn (flatten_layout.py), in one BPMN 2.0 document:

- A called process's elements are copied in with ids prefixed by the call's id and `__` (a process called
  twice is copied twice: `Call_a__Task_x`, `Call_b__Task_x`); the top process keeps its own ids.
- The call's incoming flow goes to the element after the callee's start event (the start event goes); with
  several flows in or out of the start, the start event becomes a gateway merging them (exclusive) or
  splitting them (parallel), as a start event with several outgoing flows does.
- The callee's end events reached from its start are its outcomes, one of which is reached: with one flow
  into them and one flow out of the call, that flow goes straight on; otherwise an exclusive gateway
  `CALL__done` merges them. The flows keep their conditions and names; an unnamed flow out of a choice
  takes its end event's name (the outcome, e.g. "NFA"). An end event reached only from a non-interrupting boundary
  event ends that side branch only, in the callee as here, so it stays an end event.
- An error boundary event on a call activity catches the callee's error end events: the flows into those go
  where the boundary event's flow went. Any other boundary event on a call activity (a deadline on the whole
  called process) has no faithful place in a flat process, so flattening refuses it, naming it; the library
  has none.
- User tasks keep their name, extension elements (activity terms, form, assignee) and lane: one laneSet,
  lanes merged by name. The call's data mappings (camunda:in/out) have no equivalent in one data scope.

`for_mining=True` also rewrites what PM4Py's BPMN-to-Petri-net conversion drops (it only converts tasks,
start and end events and gateways, so a flow through anything else is cut): see flatten_mining.py.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Mapping

from lxml import etree

from . import flatten_layout as layout
from . import flatten_mining
from .files import BPMN_NS, NS, DiagramFile
from .flatten_fragment import B, Fragment, add_flow, become, flows_of, local, new_node

KEEP_OUT = {"laneSet", "documentation", "extensionElements", "ioSpecification", "property"}
REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "default")
ROOT_ITEMS = {"message", "error", "signal", "escalation"}


class FlattenError(ValueError):
    """A process that cannot be flattened: the message names the process or element and the reason."""


def flatten(sources: Mapping[str, bytes], process_id: str, *, for_mining: bool = False) -> bytes:
    """One BPMN 2.0 document with one executable process `process_id`, every call activity inlined.

    `sources`: path or id → BPMN XML of the process and every process it calls (bundles' sources()).
    Raises FlattenError for an unknown process, a call to a process not in `sources`, or a call cycle.
    """
    diagrams = _diagrams(sources)
    if process_id not in diagrams:
        raise FlattenError(f"no process {process_id!r} in the diagrams given")
    fragment = _inline(diagrams, process_id, "", (process_id,))
    if for_mining:
        flatten_mining.rewrite(fragment)
    return _document(diagrams, process_id, fragment)


def _diagrams(sources: Mapping[str, bytes]) -> dict[str, DiagramFile]:
    found: dict[str, DiagramFile] = {}
    for path, xml in sources.items():
        diagram = DiagramFile.parse(str(path), xml)
        for pid in diagram.process_ids:
            found[pid] = diagram
    return found


def _inline(diagrams: dict[str, DiagramFile], process_id: str, prefix: str, chain: tuple[str, ...]) -> Fragment:
    diagram = diagrams[process_id]
    process = etree.Element(f"{B}process")
    for child in diagram.process(process_id):
        if local(child) and local(child) not in KEEP_OUT:
            process.append(copy.deepcopy(child))
    _prefix(process, prefix)
    lane_of = {prefix + (ref.text or "").strip(): lane.get("name") or lane.get("id")
               for lane in diagram.process(process_id).iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    ids = {e.get("id") for e in process.iter() if e.get("id")}
    fragment = Fragment(process, lane_of, layout.read_geometry(diagram, process_id, prefix, ids))
    for call in list(process.iterfind("bpmn:callActivity", NS)):
        callee = (call.get("calledElement") or "").strip()
        where = f"call activity {call.get('id')!r} of process {process_id!r}"
        if callee not in diagrams:
            raise FlattenError(f"{where} calls process {callee!r}, which is not among the diagrams given")
        if callee in chain:
            raise FlattenError(f"{where} calls {callee!r}, which is already calling it: {' → '.join(chain)}")
        _splice(fragment, call, _inline(diagrams, callee, call.get("id") + "__", chain + (callee,)))
    return fragment


def _prefix(process: etree._Element, prefix: str) -> None:
    """Prefix every BPMN id and reference to one (messages and errors are the document's: not theirs)."""
    for element in list(process.iter(f"{B}*")):
        if element.get("id"):
            element.set("id", prefix + element.get("id"))
        for attribute in REFERENCES:
            if element.get(attribute):
                element.set(attribute, prefix + element.get(attribute))
        if local(element) in ("incoming", "outgoing", "flowNodeRef"):
            element.getparent().remove(element)  # written again from the flows at the end


# --- replacing one call activity --------------------------------------------------------------------------

def _splice(outer: Fragment, call: etree._Element, inner: Fragment) -> None:
    call_id = call.get("id")
    flows = flows_of(outer.process)
    ins = [f for f in flows if f.get("targetRef") == call_id]
    outs = [f for f in flows if f.get("sourceRef") == call_id]
    boundaries = [b for b in outer.process.iterfind("bpmn:boundaryEvent", NS) if b.get("attachedToRef") == call_id]
    starts = [s for s in inner.process.iterfind("bpmn:startEvent", NS) if not _definitions(s)]
    if len(starts) != 1:
        raise FlattenError(f"call activity {call_id!r}: the called process has {len(starts)} plain start events, "
                           "flattening needs exactly one")
    start = starts[0]
    ends = _outcomes(inner.process, start)
    layout.place(outer.geometry, call_id, inner.geometry, outer.lane_of.get(call_id))
    for key, lane in inner.lane_of.items():
        outer.lane_of[key] = lane if lane is not None else outer.lane_of.get(call_id)
    for element in list(inner.process):
        outer.process.insert(outer.process.index(call), element)
    for boundary in boundaries:
        _catch_errors(outer, boundary, call_id)
    if ins:
        _enter(outer, ins, start)
    if outs:
        _leave(outer, call_id, outs, [e for e in ends if e.getparent() is not None])
    _drop(outer, call)


def _definitions(event: etree._Element) -> list[etree._Element]:
    return [d for d in event if local(d).endswith("EventDefinition")]


def _outcomes(process: etree._Element, start: etree._Element) -> list[etree._Element]:
    """Plain end events reached from the start along flows and interrupting boundary events."""
    flows = flows_of(process)
    boundaries = [b for b in process.iterfind("bpmn:boundaryEvent", NS) if b.get("cancelActivity") != "false"]
    seen, todo = set(), [start.get("id")]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo += [f.get("targetRef") for f in flows if f.get("sourceRef") == node]
        todo += [b.get("id") for b in boundaries if b.get("attachedToRef") == node]
    return [e for e in process.iterfind("bpmn:endEvent", NS) if e.get("id") in seen and not _definitions(e)]


def _enter(outer: Fragment, ins: list[etree._Element], start: etree._Element) -> None:
    firsts = [f for f in flows_of(outer.process) if f.get("sourceRef") == start.get("id")]
    if len(ins) == 1 and len(firsts) == 1:
        _retarget(outer, ins[0], firsts[0].get("targetRef"))
        _drop(outer, firsts[0])
        _drop(outer, start)
        return
    kind = "parallelGateway" if len(firsts) > 1 else "exclusiveGateway"
    gateway = become(outer, start, kind)
    if kind == "parallelGateway" and len(ins) > 1:  # a parallel gateway with several flows in would join them
        key = gateway.get("id")
        merge = new_node(outer, "exclusiveGateway", f"{key}__merge", gateway, near=key, dx=-70)
        add_flow(outer, merge.get("id"), gateway.get("id"))
        gateway = merge
    for flow in ins:
        _retarget(outer, flow, gateway.get("id"))


def _leave(outer: Fragment, call_id: str, outs: list[etree._Element], ends: list[etree._Element]) -> None:
    if not ends:
        raise FlattenError(f"call activity {call_id!r}: the called process never reaches a plain end event")
    into = [f for f in flows_of(outer.process) if f.get("targetRef") in {e.get("id") for e in ends}]
    names = {e.get("id"): e.get("name") for e in ends}
    sources = Counter(f.get("sourceRef") for f in flows_of(outer.process))
    choices = {e.get("id") for e in outer.process if local(e).endswith("Gateway") and sources[e.get("id")] > 1}
    for flow in into:  # the outcome's name shows which way a choice went (any other flow needs none)
        if flow.get("sourceRef") in choices and not flow.get("name") and names.get(flow.get("targetRef")):
            flow.set("name", names[flow.get("targetRef")])
    if len(into) == 1 and len(outs) == 1:
        _retarget(outer, into[0], outs[0].get("targetRef"))
        _drop(outer, outs[0])
    else:
        last = max(ends, key=lambda e: _x(outer, e.get("id")))
        merge = new_node(outer, "exclusiveGateway", f"{call_id}__done", last, near=last.get("id"), dx=0)
        for flow in into:
            _retarget(outer, flow, merge.get("id"))
        exit_from = merge.get("id")
        if len(outs) > 1:  # an activity with several flows out starts them all
            split = new_node(outer, "parallelGateway", f"{call_id}__split", merge, near=merge.get("id"), dx=70)
            add_flow(outer, merge.get("id"), split.get("id"))
            exit_from = split.get("id")
        for flow in outs:
            flow.set("sourceRef", exit_from)
            outer.geometry.edges[flow.get("id")] = None
    for end in ends:
        _drop(outer, end)


def _catch_errors(outer: Fragment, boundary: etree._Element, call_id: str) -> None:
    """The callee's error end events lead where the error boundary event on its call led."""
    error = next((d for d in _definitions(boundary) if local(d) == "errorEventDefinition"), None)
    if error is None:
        raise FlattenError(f"boundary event {boundary.get('id')!r} on call activity {call_id!r}: only an error "
                           "boundary event on a call activity can be flattened (a deadline on a whole called "
                           "process has no faithful place in one flat process)")
    after = [f for f in flows_of(outer.process) if f.get("sourceRef") == boundary.get("id")]
    catcher = become(outer, boundary, "exclusiveGateway")
    for end in list(outer.process.iterfind("bpmn:endEvent", NS)):
        thrown = next((d for d in _definitions(end) if local(d) == "errorEventDefinition"), None)
        if end.get("id", "").startswith(call_id + "__") and thrown is not None and \
                (not error.get("errorRef") or error.get("errorRef") == thrown.get("errorRef")):
            for flow in flows_of(outer.process):
                if flow.get("targetRef") == end.get("id"):
                    _retarget(outer, flow, catcher.get("id"))
            _drop(outer, end)
    if not after:
        _drop(outer, catcher)


# --- small edits --------------------------------------------------------------------------------------------

def _x(outer: Fragment, key: str) -> float:
    item = outer.geometry.items.get(key)
    return item.spot.x if item else 0.0


def _retarget(outer: Fragment, flow: etree._Element, target: str) -> None:
    flow.set("targetRef", target)
    outer.geometry.edges[flow.get("id")] = None


def _drop(outer: Fragment, element: etree._Element) -> None:
    key = element.get("id")
    if element.getparent() is not None:
        element.getparent().remove(element)
    for flow in list(outer.process.iterfind("bpmn:association", NS)):
        if key in (flow.get("sourceRef"), flow.get("targetRef")):
            outer.process.remove(flow)
            outer.geometry.edges.pop(flow.get("id"), None)
    outer.geometry.items.pop(key, None)
    outer.geometry.edges.pop(key, None)
    outer.lane_of.pop(key, None)


# --- the document ---------------------------------------------------------------------------------------------

def _document(diagrams: dict[str, DiagramFile], process_id: str, fragment: Fragment) -> bytes:
    top = diagrams[process_id]
    root = etree.Element(f"{B}definitions", nsmap={"bpmn": BPMN_NS, "bpmndi": NS["bpmndi"], "dc": layout.DC,
                                                   "di": layout.DI, "camunda": NS["camunda"],
                                                   "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
                         id=f"Definitions_{process_id}_flattened", targetNamespace=top.tree.get("targetNamespace")
                         or "http://bpmn.io/schema/bpmn", exporter="bpmnrun flatten", exporterVersion="1")
    collaboration = etree.SubElement(root, f"{B}collaboration", id=f"Collaboration_{process_id}")
    etree.SubElement(collaboration, f"{B}participant", id=f"Participant_{process_id}",
                     name=top.title(process_id), processRef=process_id)
    _root_items(root, diagrams, fragment.process)
    process = _process(top, process_id, fragment)
    root.append(process)
    diagram = etree.SubElement(root, f"{{{NS['bpmndi']}}}BPMNDiagram", id=f"BPMNDiagram_{process_id}")
    plane = etree.SubElement(diagram, f"{{{NS['bpmndi']}}}BPMNPlane", id=f"BPMNPlane_{process_id}",
                             bpmnElement=collaboration.get("id"))
    lanes = {lane.get("name"): lane.get("id") for lane in process.iterfind("bpmn:laneSet/bpmn:lane", NS)}
    kinds = {e.get("id"): local(e) for e in process if e.get("id")}
    connections = flows_of(process) + list(process.iterfind("bpmn:association", NS))
    layout.draw(fragment.geometry, plane, f"Participant_{process_id}", lanes, connections, kinds)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _root_items(root: etree._Element, diagrams: dict[str, DiagramFile], process: etree._Element) -> None:
    """Messages, errors, signals and escalations the inlined elements refer to, once each."""
    wanted = {d.get(a) for d in process.iter() for a in ("messageRef", "errorRef", "signalRef", "escalationRef")}
    done: set[str] = set()
    for diagram in {id(d): d for d in diagrams.values()}.values():
        for item in diagram.tree:
            if local(item) in ROOT_ITEMS and item.get("id") in wanted and item.get("id") not in done:
                root.append(copy.deepcopy(item))
                done.add(item.get("id"))


def _process(top: DiagramFile, process_id: str, fragment: Fragment) -> etree._Element:
    source = top.process(process_id)
    process = etree.Element(f"{B}process", {k: v for k, v in source.attrib.items() if k != "isExecutable"},
                            isExecutable="true")
    for child in source:
        if local(child) in ("documentation", "extensionElements"):
            process.append(copy.deepcopy(child))
    lanes = list(dict.fromkeys(n for n in fragment.geometry.heights if n is not None))
    lanes += [n for n in dict.fromkeys(fragment.lane_of.values()) if n is not None and n not in lanes]
    nodes = [e for e in fragment.process if local(e) not in ("sequenceFlow", "textAnnotation", "association")]
    if lanes:
        lane_set = etree.SubElement(process, f"{B}laneSet", id=f"LaneSet_{process_id}")
        for number, name in enumerate(lanes, 1):
            lane = etree.SubElement(lane_set, f"{B}lane", id=f"Lane_{number}_{process_id}", name=name)
            for node in nodes:
                if fragment.lane_of.get(node.get("id")) == name:
                    etree.SubElement(lane, f"{B}flowNodeRef").text = node.get("id")
    flows = flows_of(fragment.process)
    for node in nodes:
        _connect(node, flows)
    order = {"sequenceFlow": 1, "textAnnotation": 2, "association": 3}
    for element in sorted(fragment.process, key=lambda e: order.get(local(e), 0)):
        process.append(element)
    return process


def _connect(node: etree._Element, flows: list[etree._Element]) -> None:
    """bpmn:incoming and bpmn:outgoing, where the schema wants them: after documentation and extensions."""
    at = sum(1 for c in node if local(c) in ("documentation", "extensionElements"))
    refs = [("incoming", f.get("id")) for f in flows if f.get("targetRef") == node.get("id")]
    refs += [("outgoing", f.get("id")) for f in flows if f.get("sourceRef") == node.get("id")]
    for offset, (kind, key) in enumerate(refs):
        ref = etree.Element(f"{B}{kind}")
        ref.text = key
        node.insert(at + offset, ref)
