"""SpiffWorkflow's own serializer, spec embedded, for the naive side of bench_completion: what an application
without a spec store writes per completion. bpmnrun's task specs carry a few attributes of their own (a user
task's local inputs and outputs, a call activity's in/out mappings), registered here through SpiffWorkflow's
converter classes so that the naive side runs the same diagrams the same way."""

from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import (ConditionalGatewayConverter, EventConverter,
                                                              ParallelGatewayConverter, SubWorkflowConverter)
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.serializer.task_spec import UserTaskConverter
from SpiffWorkflow.camunda.specs.user_task import Form

from bpmnrun.library.task_specs import (BpmnrunCallActivity, BpmnrunInclusiveGateway, BpmnrunParallelGateway,
                                        BpmnrunUserTask, DataMapping)


class _UserTask(UserTaskConverter):
    def to_dict(self, spec):
        return {**super().to_dict(spec), "local_inputs": spec.local_inputs,
                "outputs_on_completion": spec.outputs_on_completion}


class _CallActivity(SubWorkflowConverter):
    def to_dict(self, spec):
        return {**super().to_dict(spec), "ins": [vars(m) for m in spec.ins], "outs": [vars(m) for m in spec.outs]}

    def from_dict(self, dct):
        dct["ins"] = tuple(DataMapping(**m) for m in dct["ins"])
        dct["outs"] = tuple(DataMapping(**m) for m in dct["outs"])
        return super().from_dict(dct)


class _StartEvent(EventConverter):
    """A start event's form (its extension `start_form`) written as a user task's form is. It is read back as
    that dictionary: only starting work reads it, never a step."""

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        form = dct.get("extensions", {}).get("start_form")
        if isinstance(form, Form):
            dct["extensions"] = {**dct["extensions"], "start_form": UserTaskConverter.form_to_dict(self, form)}
        return dct


def naive_serializer() -> BpmnWorkflowSerializer:
    config = dict(DEFAULT_CONFIG)
    config.update({StartEvent: _StartEvent, BpmnrunUserTask: _UserTask, BpmnrunCallActivity: _CallActivity,
                   BpmnrunParallelGateway: ParallelGatewayConverter,
                   BpmnrunInclusiveGateway: ConditionalGatewayConverter})
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
