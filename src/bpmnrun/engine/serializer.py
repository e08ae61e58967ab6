"""Workflow state ⇄ JSON, without the spec.

SpiffWorkflow embeds the whole spec in every serialized instance (about 55% of its bytes and 70% of
its deserialization time). bpmnrun keeps specs once per deployed version, so this converter writes
only the instance's own state and is handed the (cached) spec objects when restoring.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.task import Task

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


class _TaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, writing the same dictionary with less work: the parent looked up once,
    an empty internal_data not walked, each id's text kept (a case's tasks are written again at every step).
    Two thirds of a step's serialization went to these; tests/service/test_state_serializer.py holds the
    two equal."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.workflow.tasks.get(task._parent)
        internal = task.internal_data
        if parent is None:
            data, delta = task.data, {}
        else:
            data, before, after = {}, parent.data, task.data
            delta = {"updates": {k: v for k, v in after.items() if k not in before or v != before[k]},
                     "deletions": [k for k in before if k not in after]}
        return {
            "id": _text(task.id),
            "parent": _text(task._parent) if parent is not None else None,
            "children": [_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(internal) if internal else {},
            "data": data,
            "delta": delta,
        }


@lru_cache(maxsize=1 << 14)  # the tasks of a few hundred cases: some MB
def _text(task_id: UUID) -> str:
    return str(task_id)


def _registry(fast: bool = True):
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = _StateOnlyWorkflowConverter
    if fast:
        config[Task] = _TaskConverter
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
