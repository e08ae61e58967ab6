"""Writes the corpus of mistakes: small diagrams, each valid BPMN 2.0 with complete DI except for its one
mistake, and each saying at its top what `bpmnrun check` must answer (`expect:` lines, read by
tests/library/test_mistakes.py). The corpus itself lives in cases.py; run `python tests/diagrams/mistakes/build.py`
after changing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).parent
SIZES = {"event": (36, 36), "task": (100, 80), "gateway": (50, 50)}
KINDS = {
    "startEvent": "event", "endEvent": "event", "intermediateCatchEvent": "event", "boundaryEvent": "event",
    "userTask": "task", "callActivity": "task", "exclusiveGateway": "gateway", "parallelGateway": "gateway",
    "inclusiveGateway": "gateway",
}
LANE_HEIGHT = 250
ROW = 120  # a second row in a lane (the other branch of a gateway), below the first
COLUMN = 150
HEADER = 30


@dataclass
class Node:
    tag: str
    id: str
    name: str
    lane: int = 0
    column: int = 0
    attrs: str = ""
    head: str = ""  # documentation, extensionElements
    tail: str = ""  # loop characteristics, event definitions
    row: int = 0  # 1: below the first row of its lane (the other branch of a gateway)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    condition: str | None = None
    name: str = ""


@dataclass
class Process:
    id: str
    name: str
    lanes: list[str]
    nodes: list[Node]
    flows: list[Flow]
    startable: bool = True
    extra_xml: str = ""  # bpmn:message elements and the like, after the process


@dataclass
class Mistake:
    path: str  # relative to this folder: a file, or a file in a folder of its own (several processes)
    what: str
    expect: list[str]  # "Element_id: message" or "Element_id: warning: message"
    process: Process
    other_files: dict[str, Process] = field(default_factory=dict)


def _place(process: Process) -> dict[str, tuple[int, int, int, int]]:
    bounds = {}
    for node in process.nodes:
        width, height = SIZES[KINDS[node.tag]]
        if node.tag == "boundaryEvent":
            continue
        cx = 230 + node.column * COLUMN + 50
        cy = 80 + node.lane * LANE_HEIGHT + 75 + node.row * ROW
        bounds[node.id] = (cx - width // 2, cy - height // 2, width, height)
    for node in process.nodes:
        if node.tag == "boundaryEvent":
            host = re.search(r'attachedToRef="([^"]+)"', node.attrs).group(1)
            x, y, w, h = bounds[host]
            bounds[node.id] = (x + w - 30, y + h - 18, 36, 36)
    return bounds


def _edge(flow: Flow, bounds: dict, boundary: bool) -> list[tuple[int, int]]:
    sx, sy, sw, sh = bounds[flow.source]
    tx, ty, tw, th = bounds[flow.target]
    if boundary:
        start = (sx + sw // 2, sy + sh)
        return [start, (start[0], ty + th // 2), (tx, ty + th // 2)]
    start, end = (sx + sw, sy + sh // 2), (tx, ty + th // 2)
    if end[0] < start[0]:  # a loop back: under both shapes
        low = max(sy + sh, ty + th) + 25
        return [(sx + sw // 2, sy + sh), (sx + sw // 2, low), (tx + tw // 2, low), (tx + tw // 2, ty + th)]
    if start[1] == end[1] and end[0] - start[0] > COLUMN:  # skips a column: round the step in between
        low = max(sy + sh, ty + th) + 30
        return [(sx + sw // 2, sy + sh), (sx + sw // 2, low), (tx + tw // 2, low), (tx + tw // 2, ty + th)]
    if start[1] == end[1]:
        return [start, end]
    middle = (start[0] + end[0]) // 2
    return [start, (middle, start[1]), (middle, end[1]), end]


def _process_xml(p: Process) -> str:
    lines = []
    startable = "" if p.startable else ' camunda:isStartableInTasklist="false"'
    lines.append(f'  <bpmn:process id="{p.id}" name={quoteattr(p.name)} isExecutable="true"{startable}>')
    lines.append(f'    <bpmn:laneSet id="LaneSet_{p.id}">')
    for n, lane in enumerate(p.lanes):
        lines.append(f'      <bpmn:lane id="Lane_{p.id}_{n}" name={quoteattr(lane)}>')
        for node in p.nodes:
            if node.lane == n:
                lines.append(f"        <bpmn:flowNodeRef>{node.id}</bpmn:flowNodeRef>")
        lines.append("      </bpmn:lane>")
    lines.append("    </bpmn:laneSet>")
    for node in p.nodes:
        attrs = f" {node.attrs}" if node.attrs else ""
        lines.append(f'    <bpmn:{node.tag} id="{node.id}" name={quoteattr(node.name)}{attrs}>')
        if node.head:
            lines.append(f"      {node.head}")
        lines += [f"      <bpmn:incoming>{f.id}</bpmn:incoming>" for f in p.flows if f.target == node.id]
        lines += [f"      <bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in p.flows if f.source == node.id]
        if node.tail:
            lines.append(f"      {node.tail}")
        lines.append(f"    </bpmn:{node.tag}>")
    for flow in p.flows:
        name = f" name={quoteattr(flow.name)}" if flow.name else ""
        head = f'    <bpmn:sequenceFlow id="{flow.id}"{name} sourceRef="{flow.source}" targetRef="{flow.target}"'
        if flow.condition is None:
            lines.append(head + " />")
        else:
            lines.append(head + ">")
            lines.append('      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                         f"{escape(flow.condition, {chr(34): '&quot;'})}</bpmn:conditionExpression>")
            lines.append("    </bpmn:sequenceFlow>")
    lines.append("  </bpmn:process>")
    if p.extra_xml:
        lines.append(f"  {p.extra_xml}")
    return "\n".join(lines)


def _diagram_xml(p: Process) -> str:
    bounds = _place(p)
    width = max(x + w for x, _, w, _ in bounds.values()) + 80 - 150
    height = LANE_HEIGHT * len(p.lanes)
    lines = [f'  <bpmndi:BPMNDiagram id="Diagram_{p.id}">',
             f'    <bpmndi:BPMNPlane id="Plane_{p.id}" bpmnElement="Collab_{p.id}">',
             f'      <bpmndi:BPMNShape id="Pool_{p.id}_di" bpmnElement="Pool_{p.id}" isHorizontal="true">'
             f'<dc:Bounds x="120" y="80" width="{width + HEADER}" height="{height}" /></bpmndi:BPMNShape>']
    for n, _ in enumerate(p.lanes):
        lines.append(f'      <bpmndi:BPMNShape id="Lane_{p.id}_{n}_di" bpmnElement="Lane_{p.id}_{n}" '
                     f'isHorizontal="true"><dc:Bounds x="{120 + HEADER}" y="{80 + n * LANE_HEIGHT}" width="{width}" '
                     f'height="{LANE_HEIGHT}" /></bpmndi:BPMNShape>')
    for node in p.nodes:
        x, y, w, h = bounds[node.id]
        marker = ' isMarkerVisible="true"' if node.tag == "exclusiveGateway" else ""
        label = (f'<bpmndi:BPMNLabel><dc:Bounds x="{x - 22}" y="{y + h + 4}" width="80" height="27" />'
                 f"</bpmndi:BPMNLabel>") if KINDS[node.tag] != "task" else ""
        lines.append(f'      <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}"{marker}>'
                     f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />{label}</bpmndi:BPMNShape>')
    boundaries = {n.id for n in p.nodes if n.tag == "boundaryEvent"}
    for flow in p.flows:
        points = "".join(f'<di:waypoint x="{x}" y="{y}" />' for x, y in _edge(flow, bounds, flow.source in boundaries))
        lines.append(f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">{points}</bpmndi:BPMNEdge>')
    lines += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
    return "\n".join(lines)


def render(p: Process, what: str = "", expect: list[str] | None = None) -> str:
    comment = ""
    if what:
        said = "\n".join(f"     expect: {line}" for line in expect or [])
        assert "--" not in said, "an XML comment cannot hold --"
        comment = f"<!-- Mistake: {what}\n     bpmnrun check must say:\n{said}\n-->\n"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + comment +
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs_{p.id}" '
        'targetNamespace="http://bpmnrun.example/mistakes">\n'
        f'  <bpmn:collaboration id="Collab_{p.id}">\n'
        f'    <bpmn:participant id="Pool_{p.id}" name={quoteattr(p.name)} processRef="{p.id}" />\n'
        "  </bpmn:collaboration>\n" + _process_xml(p) + "\n" + _diagram_xml(p) + "\n</bpmn:definitions>\n"
    )


def main() -> None:
    from cases import MISTAKES  # noqa: PLC0415 - the corpus, next to this file

    for old in HERE.rglob("*.bpmn"):
        old.unlink()
    for mistake in MISTAKES:
        target = HERE / mistake.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(mistake.process, mistake.what, mistake.expect), encoding="utf-8")
        for name, other in mistake.other_files.items():
            (target.parent / name).write_text(render(other), encoding="utf-8")


if __name__ == "__main__":
    main()
