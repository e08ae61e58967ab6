"""SpiffWorkflow's Camunda parser, extended with what bpmnrun reads from a diagram (bpmn/README.md).

SpiffWorkflow 3.2.0 reads `camunda:formData` only when a `camunda:formKey` is present, and ignores
`camunda:assignee`, `camunda:candidateGroups`, `camunda:dueDate`, `camunda:priority`, a user task's
`camunda:inputParameter`s, a call activity's `camunda:in`/`camunda:out` and a start event's form. This parser
reads the form always, puts those attributes in the task spec's `extensions` next to the `camunda:properties`
(`activity`, `source`, …), and gives user tasks and call activities their data mappings
(library/task_specs.py). A start event's form and properties go in its `extensions` (`start_form`).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser, GatewayParser, SubprocessParser
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaStartEventParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CallActivityParser, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import EnumFormField, Form, FormField

from .task_specs import (BpmnrunCallActivity, BpmnrunInclusiveGateway, BpmnrunParallelGateway, BpmnrunUserTask,
                         DataMapping, expression_of)

CAMUNDA_ATTRIBUTES = {
    "assignee": "assignee",
    "candidateGroups": "candidate_groups",
    "candidateUsers": "candidate_users",
    "dueDate": "due_date",
    "priority": "priority",
}


def _camunda(name: str) -> str:
    return f"{{{CAMUNDA_MODEL_NS}}}{name}"


def read_form(parser) -> Form:
    """The `camunda:formData` fields of the parser's node, with or without a formKey."""
    form = Form()
    form.key = parser.node.get(_camunda("formKey"))
    for xml_field in parser.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField"):
        field = _enum_field(parser, xml_field) if xml_field.get("type") == "enum" else FormField()
        field.id = xml_field.get("id")
        field.type = xml_field.get("type")
        field.label = xml_field.get("label")
        field.default_value = xml_field.get("defaultValue")
        for prop in parser._xpath(xml_field, "./camunda:properties/camunda:property"):
            field.add_property(prop.get("id"), prop.get("value"))
        for constraint in parser._xpath(xml_field, "./camunda:validation/camunda:constraint"):
            field.add_validation(constraint.get("name"), constraint.get("config"))
        form.add_field(field)
    return form


def _enum_field(parser, xml_field) -> EnumFormField:
    field = EnumFormField()
    for option in parser._xpath(xml_field, "./camunda:value"):
        field.add_option(option.get("id"), option.get("name"))
    return field


def _properties(parser) -> dict[str, str]:
    nodes = parser.xpath("./bpmn:extensionElements/camunda:properties/camunda:property")
    return {n.get("name"): n.get("value") for n in nodes if n.get("name")}


class BpmnrunUserTaskParser(UserTaskParser):
    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        for attribute, key in CAMUNDA_ATTRIBUTES.items():
            value = self.node.get(_camunda(attribute))
            if value is not None and value.strip():
                extensions[key] = value.strip()
        return extensions

    def get_form(self):
        return read_form(self)

    def create_task(self):
        return self.spec_class(self.spec, self.bpmn_id, form=self.get_form(), local_inputs=self._parameters("input"),
                               outputs_on_completion=self._parameters("output"), **self.bpmn_attributes)

    def _parameters(self, kind: str) -> dict[str, str]:
        found = {}
        for param in self.xpath(f"./bpmn:extensionElements/camunda:inputOutput/camunda:{kind}Parameter"):
            expression = expression_of(param.text)
            if param.get("name") and expression is None:
                self.raise_validation_exception(
                    f"{kind} parameter {param.get('name')!r} must be an expression written ${{…}}")
            found[param.get("name")] = expression
        return found


class BpmnrunCallActivityParser(CallActivityParser):
    def create_task(self):
        called = SubprocessParser.get_call_activity_spec(self)
        return self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=called,
                               ins=self._mappings("in"), outs=self._mappings("out"), **self.bpmn_attributes)

    def _mappings(self, direction: str) -> tuple[DataMapping, ...]:
        found = []
        for node in self.xpath(f"./bpmn:extensionElements/camunda:{direction}"):
            if node.get("variables") == "all":
                continue  # the called process gets (and gives back) everything anyway
            target = node.get("target")
            expression = expression_of(node.get("sourceExpression"))
            if not target or not (node.get("source") or expression):
                self.raise_validation_exception(
                    f"camunda:{direction} needs a target and a source (a name) or a sourceExpression ${{…}}")
            found.append(DataMapping(target, node.get("source"), expression))
        return tuple(found)


class BpmnrunStartEventParser(CamundaStartEventParser):
    def parse_extensions(self, node=None):
        extensions = _properties(self)
        form = read_form(self)
        if form.fields:
            extensions["start_form"] = form
        return extensions


class BpmnrunParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (BpmnrunUserTaskParser, BpmnrunUserTask),
        full_tag("callActivity"): (BpmnrunCallActivityParser, BpmnrunCallActivity),
        full_tag("startEvent"): (BpmnrunStartEventParser, StartEvent),
        full_tag("parallelGateway"): (GatewayParser, BpmnrunParallelGateway),
        full_tag("inclusiveGateway"): (ConditionalGatewayParser, BpmnrunInclusiveGateway),
    }
