"""The diagram "New process" starts from: a start event, one user task in one lane, an end event, laid out so
the editor draws it (a pool holds the lane, as bpmn-js draws lanes only inside a pool)."""

from __future__ import annotations

from xml.sax.saxutils import escape

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_{pid}" targetNamespace="http://bpmnrun.example/bpmn/{pid}">
  <bpmn:collaboration id="Collaboration_{pid}">
    <bpmn:participant id="Participant_{pid}" name="{name}" processRef="{pid}"/>
  </bpmn:collaboration>
  <bpmn:process id="{pid}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_{pid}">
      <bpmn:lane id="Lane_1" name="{lane}">
        <bpmn:flowNodeRef>Start_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_1" name="Work starts">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_1" name="First task">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_1" name="Work done">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_1" targetRef="End_1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_{pid}">
    <bpmndi:BPMNPlane id="BPMNPlane_{pid}" bpmnElement="Collaboration_{pid}">
      <bpmndi:BPMNShape id="Participant_{pid}_di" bpmnElement="Participant_{pid}" isHorizontal="true">
        <dc:Bounds x="100" y="80" width="560" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_1_di" bpmnElement="Lane_1" isHorizontal="true">
        <dc:Bounds x="130" y="80" width="530" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Start_1_di" bpmnElement="Start_1">
        <dc:Bounds x="192" y="162" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_1_di" bpmnElement="Task_1">
        <dc:Bounds x="300" y="140" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_1_di" bpmnElement="End_1">
        <dc:Bounds x="492" y="162" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="228" y="180"/>
        <di:waypoint x="300" y="180"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2">
        <di:waypoint x="400" y="180"/>
        <di:waypoint x="492" y="180"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def new_process_xml(process_id: str, name: str, lane: str) -> str:
    """The template for `process_id` (already checked to be a plain id), named `name`, its lane `lane`."""
    attribute = {'"': "&quot;"}
    return TEMPLATE.format(pid=process_id, name=escape(name, attribute), lane=escape(lane, attribute))
