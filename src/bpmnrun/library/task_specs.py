"""What a user task and a call activity become when parsed: SpiffWorkflow's specs plus the Camunda data
mappings bpmnrun reads (bpmn/README.md).

- A user task's `camunda:inputParameter`s are local to the task: evaluated when it becomes ready (usually
  `subjects`, the children the task is for), and the earlier values come back when it is completed, so the
  steps after it see the process's own data again.
- A call activity's `camunda:in` mappings set the called process's inputs on top of the copy of the caller's
  data it starts with; the caller keeps its own values of those names when the called process hands its data
  back. `camunda:out` copies a value of the called process's end into the caller under another name.

Expressions go through bpmnrun's restricted evaluator, never through Python's eval.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Mapping

from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.camunda.specs.user_task import UserTask

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
    """A Camunda user task whose input parameters are local to it."""

    def __init__(self, wf_spec, name, form, local_inputs: Mapping[str, str] | None = None, **kwargs):
        super().__init__(wf_spec, name, form, **kwargs)
        self.local_inputs = dict(local_inputs or {})  # name -> expression

    def _on_ready_hook(self, my_task):
        if self.local_inputs:
            _save_outer(my_task, self.local_inputs)
            values = {name: evaluate(expr, my_task.data) for name, expr in self.local_inputs.items()}
            my_task.data.update(values)
        super()._on_ready_hook(my_task)

    def _run_hook(self, my_task):
        if self.local_inputs:
            _restore_outer(my_task)
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
