"""What a user task, a call activity and a joining gateway become when parsed: SpiffWorkflow's specs plus
the Camunda data mappings bpmnrun reads (bpmn/README.md), and joins that keep what each branch changed.

- A user task's `camunda:inputParameter`s are local to the task: evaluated when it becomes ready (usually
  `subjects`, the children the task is for), and the earlier values come back when it is completed, so the
  steps after it see the process's own data again. Its `camunda:outputParameter`s are evaluated when it is
  completed, over its answers, and kept (a value the process computes, e.g. whether the three months apply).
- A call activity's `camunda:in` mappings set the called process's inputs on top of the copy of the caller's
  data it starts with; the caller keeps its own values of those names when the called process hands its data
  back. `camunda:out` copies a value of the called process's end into the caller under another name.

- A parallel or inclusive join gives the steps after it the data as it was where the branches split, with what
  each branch changed since (SpiffWorkflow merges whole branch copies, so a branch that finished later would
  bring back its stale copy of a value another branch had changed).

Expressions go through bpmnrun's restricted evaluator, never through Python's eval.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Mapping

from SpiffWorkflow.bpmn.specs.defaults import CallActivity, InclusiveGateway, ParallelGateway
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

from ..expressions import evaluate

_OUTER = "bpmnrun_outer_values"
_ABSENT = "bpmnrun_absent_names"


def expression_of(text: str | None) -> str | None:
    """`${expr}` → `expr`; anything else is not an expression."""
    text = (text or "").strip()
    return text[2:-1].strip() if text.startswith("${") and text.endswith("}") else None


@dataclass(frozen=True)
class DataMapping:
    """One `camunda:in`/`camunda:out`: a source name or a source expression, and the target name."""

    target: str
    source: str | None = None
    expression: str | None = None

    def value(self, data: Mapping[str, Any]) -> Any:
        # A source name is an expression too: an unknown name fails with "unknown name: …".
        return deepcopy(evaluate(self.expression or str(self.source), data))


def _save_outer(task, names) -> None:
    task.internal_data[_OUTER] = {n: deepcopy(task.data[n]) for n in names if n in task.data}
    task.internal_data[_ABSENT] = [n for n in names if n not in task.data]


def _restore_outer(task) -> None:
    for name, value in task.internal_data.pop(_OUTER, {}).items():
        task.data[name] = value
    for name in task.internal_data.pop(_ABSENT, []):
        task.data.pop(name, None)


class BpmnrunUserTask(UserTask):
    """A Camunda user task whose input parameters are local to it, and whose output parameters set values
    computed from its answers when it is completed."""

    def __init__(self, wf_spec, name, form, local_inputs: Mapping[str, str] | None = None,
                 outputs_on_completion: Mapping[str, str] | None = None, **kwargs):
        super().__init__(wf_spec, name, form, **kwargs)
        self.local_inputs = dict(local_inputs or {})  # name -> expression
        self.outputs_on_completion = dict(outputs_on_completion or {})  # name -> expression

    def _on_ready_hook(self, my_task):
        if self.local_inputs:
            _save_outer(my_task, self.local_inputs)
            values = {name: evaluate(expr, my_task.data) for name, expr in self.local_inputs.items()}
            my_task.data.update(values)
        super()._on_ready_hook(my_task)

    def _run_hook(self, my_task):
        # Outputs read the answers and the task's own inputs; then the inputs give way to the earlier values.
        computed = {name: evaluate(expr, my_task.data) for name, expr in self.outputs_on_completion.items()}
        if self.local_inputs:
            _restore_outer(my_task)
        my_task.data.update(computed)
        return super()._run_hook(my_task)


class BpmnrunCallActivity(CallActivity):
    """A call activity with Camunda in/out mappings on top of "the called process gets a copy of everything"."""

    def __init__(self, wf_spec, bpmn_id, subworkflow_spec, ins=(), outs=(), **kwargs):
        super().__init__(wf_spec, bpmn_id, subworkflow_spec, **kwargs)
        self.ins: tuple[DataMapping, ...] = tuple(ins)
        self.outs: tuple[DataMapping, ...] = tuple(outs)

    def copy_data(self, my_task, subworkflow):
        super().copy_data(my_task, subworkflow)
        if not self.ins:
            return
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        for mapping in self.ins:
            start.data[mapping.target] = mapping.value(my_task.data)
        _save_outer(my_task, [m.target for m in self.ins])

    def update_data(self, my_task, subworkflow):
        super().update_data(my_task, subworkflow)  # the called process's data, then the caller's own inputs back
        if self.ins:
            _restore_outer(my_task)
        end_data = subworkflow.last_task.data if subworkflow.last_task is not None else {}
        for mapping in self.outs:
            my_task.data[mapping.target] = mapping.value(end_data)


def merged_branches(join_spec, my_task) -> dict[str, Any]:
    """The data after a join: the data where the branches split, then each branch's changes in the order the
    branches arrived (the last change of a value wins, an unchanged value never overwrites a change)."""
    arrived = sorted((t for t in my_task.workflow.tasks.values()
                      if t.task_spec == join_spec and t is not my_task and t.has_state(TaskState.FINISHED_MASK)
                      and not my_task.is_descendant_of(t)), key=lambda t: t.last_state_change)
    ends = [t.parent for t in [*arrived, my_task] if t.parent is not None]
    split = _common_ancestor(ends)
    base = split.data if split is not None else {}
    merged = deepcopy(base)
    for end in ends:
        for key, value in end.data.items():
            if key not in base or base[key] != value:
                merged[key] = deepcopy(value)
    return merged


def _common_ancestor(tasks: list):
    """The nearest task every branch descends from: where they split."""
    if not tasks:
        return None
    node = tasks[0]
    while node is not None:
        if all(t is node or t.is_descendant_of(node) for t in tasks):
            return node
        node = node.parent
    return None


class BpmnrunParallelGateway(ParallelGateway):
    def _run_hook(self, my_task):
        merged = merged_branches(self, my_task)
        done = super()._run_hook(my_task)
        my_task.data = merged
        return done


class BpmnrunInclusiveGateway(InclusiveGateway):
    def _run_hook(self, my_task):
        my_task.internal_data["bpmnrun_merged"] = merged_branches(self, my_task)
        return super()._run_hook(my_task)

    def _get_matching_outputs(self, my_task):
        # Called right after the join merged the branches, before the conditions are evaluated: they must see
        # each branch's changes.
        merged = my_task.internal_data.pop("bpmnrun_merged", None)
        if merged is not None:
            my_task.data = merged
        return super()._get_matching_outputs(my_task)
