"""Camunda multi-instance specs made whole at parse time, as SpiffWorkflow makes them only at run time.

SpiffWorkflow's Camunda multi-instance task sets its input collection and input item (`camunda:collection`
is both input and output) and connects the merge of each child's data the first time an instance of it starts,
on the spec object itself. A spec parsed afresh — by another web worker, after the spec cache dropped it, or
the new version a case moves to — that restores a case already inside a multi-instance task has neither:
its children's answers are appended to `subjects` instead of merged into each child, or never merged at all.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask


def prime(specs) -> None:
    """Give every multi-instance task of `specs` (process specs) what its first run would have given it."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, LoopTask) or task_spec.task_spec not in spec.task_specs:
                continue
            if isinstance(task_spec, MultiInstanceTask) and task_spec.cardinality is None \
                    and task_spec.data_input is None and task_spec.data_output is not None:
                task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
                if task_spec.output_item is not None:
                    task_spec.input_item = TaskDataReference(task_spec.output_item.bpmn_id)
            child = spec.task_specs[task_spec.task_spec]
            if not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)
