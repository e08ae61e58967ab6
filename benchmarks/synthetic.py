"""Synthetic diagrams for benchmarks: N user tasks in two lanes, an exclusive gateway every fifth task.

Generated with full DI so they deploy through `bpmnrun check` like any process owner's file.
"""

from __future__ import annotations

from pathlib import Path

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmnrun/benchmarks">
  <bpmn:collaboration id="Collab"><bpmn:participant id="Pool" name="{pid}" processRef="{pid}" /></bpmn:collaboration>
  <bpmn:process id="{pid}" isExecutable="true">
"""
FORM = ('<bpmn:extensionElements><camunda:formData><camunda:formField id="note" label="Note" type="string">'
        '<camunda:validation><camunda:constraint name="required" /></camunda:validation></camunda:formField>'
        '</camunda:formData></bpmn:extensionElements>')


def write(path: Path, process_id: str, tasks: int) -> Path:
    """A process of `tasks` user tasks alternating between lanes A and B, each with a one-field form."""
    nodes = [("StartEvt", "startEvent", "A", "")]
    flows = []
    prev = "StartEvt"
    for i in range(1, tasks + 1):
        lane = "A" if i % 2 else "B"
        nodes.append((f"Task{i}", "userTask", lane, FORM))
        flows.append((f"Flow{i}", prev, f"Task{i}", None))
        prev = f"Task{i}"
        if i % 5 == 0 and i < tasks:
            gw, skip = f"Gw{i}", f"Skip{i}"
            nodes.append((gw, "exclusiveGateway", lane, ""))
            flows.append((f"ToGw{i}", prev, gw, None))
            flows.append((skip, gw, f"Task{i + 1}", 'note == "skip"'))
            prev = gw
    nodes.append(("EndEvt", "endEvent", "A", ""))
    flows.append(("FlowEnd", prev, "EndEvt", None))
    defaults = {f"Gw{i}": f"Flow{i + 1}" for i in range(5, tasks, 5)}
    path.write_text(_xml(process_id, nodes, flows, defaults))
    return path


def _xml(pid, nodes, flows, defaults) -> str:
    pos = {n[0]: (150 + k * 150, 120 if n[2] == "A" else 320) for k, n in enumerate(nodes)}
    out = [HEAD.format(pid=pid), '    <bpmn:laneSet id="Lanes">']
    for lane in "AB":
        refs = "".join(f"<bpmn:flowNodeRef>{n[0]}</bpmn:flowNodeRef>" for n in nodes if n[2] == lane)
        out.append(f'      <bpmn:lane id="Lane{lane}" name="Team {lane}">{refs}</bpmn:lane>')
    out.append("    </bpmn:laneSet>")
    for nid, kind, _lane, inner in nodes:
        default = f' default="{defaults[nid]}"' if nid in defaults else ""
        name = f"Step {nid[4:]}" if kind == "userTask" else nid
        ins = "".join(f"<bpmn:incoming>{f[0]}</bpmn:incoming>" for f in flows if f[2] == nid)
        outs = "".join(f"<bpmn:outgoing>{f[0]}</bpmn:outgoing>" for f in flows if f[1] == nid)
        out.append(f'    <bpmn:{kind} id="{nid}" name="{name}"{default}>{inner}{ins}{outs}</bpmn:{kind}>')
    for fid, src, tgt, cond in flows:
        body = f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{cond.replace(chr(34), "&quot;")}</bpmn:conditionExpression>' if cond else ""
        out.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{tgt}">{body}</bpmn:sequenceFlow>')
    out.append("  </bpmn:process>")
    out.append('  <bpmndi:BPMNDiagram id="Diagram"><bpmndi:BPMNPlane id="Plane" bpmnElement="Collab">')
    width = 150 * len(nodes) + 100
    out.append(f'    <bpmndi:BPMNShape id="Pool_di" bpmnElement="Pool" isHorizontal="true"><dc:Bounds x="60" y="60" width="{width}" height="400" /></bpmndi:BPMNShape>')
    for k, lane in enumerate("AB"):
        out.append(f'    <bpmndi:BPMNShape id="Lane{lane}_di" bpmnElement="Lane{lane}" isHorizontal="true"><dc:Bounds x="90" y="{60 + 200 * k}" width="{width - 30}" height="200" /></bpmndi:BPMNShape>')
    for nid, (x, y) in pos.items():
        out.append(f'    <bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"><dc:Bounds x="{x}" y="{y}" width="100" height="80" /></bpmndi:BPMNShape>')
    for fid, src, tgt, _ in flows:
        (x1, y1), (x2, y2) = pos[src], pos[tgt]
        out.append(f'    <bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}"><di:waypoint x="{x1 + 100}" y="{y1 + 40}" /><di:waypoint x="{x2}" y="{y2 + 40}" /></bpmndi:BPMNEdge>')
    out.append("  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn:definitions>\n")
    return "\n".join(out)
