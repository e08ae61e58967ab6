"""Workflow state ⇄ JSON, without the spec.

SpiffWorkflow embeds the whole spec in every serialized instance (about 55% of its bytes and 70% of
its deserialization time). bpmnrun keeps specs once per deployed version, so this converter writes
only the instance's own state and is handed the (cached) spec objects when restoring.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

from .. import json_text
from ..library.bundles import ParsedSpec

FORMAT = "bpmnrun-state/1"


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], parsed: ParsedSpec | None = None) -> BpmnWorkflow:
        workflow = self.target_class(parsed.spec, parsed.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry():
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = _StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer.configure(config)


_serializer = BpmnWorkflowSerializer(_registry())


def dumps(workflow: BpmnWorkflow) -> str:
    state = _serializer.to_dict(workflow)
    state["format"] = FORMAT
    return json_text.dumps(state)


def loads(text: str, parsed: ParsedSpec) -> BpmnWorkflow:
    state = json_text.loads(text)
    if state.pop("format", None) != FORMAT:
        raise ValueError("not a bpmnrun workflow state")
    return _serializer.from_dict(state, parsed=parsed)
