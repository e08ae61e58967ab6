"""SpiffWorkflow's Camunda parser, extended with what bpmnrun reads from a user task.

SpiffWorkflow 3.2.0 reads `camunda:formData` only when a `camunda:formKey` is present, and ignores
`camunda:assignee`, `camunda:candidateGroups`, `camunda:dueDate` and `camunda:priority`. This
parser reads the form always and puts those attributes in the task spec's `extensions`, next to the
`camunda:properties` (`activity`, `source`, …).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import Form, FormField, UserTask

CAMUNDA_ATTRIBUTES = {
    "assignee": "assignee",
    "candidateGroups": "candidate_groups",
    "candidateUsers": "candidate_users",
    "dueDate": "due_date",
    "priority": "priority",
}


class BpmnrunUserTaskParser(UserTaskParser):
    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        for attribute, key in CAMUNDA_ATTRIBUTES.items():
            value = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}{attribute}")
            if value is not None and value.strip():
                extensions[key] = value.strip()
        return extensions

    def get_form(self):
        """The `camunda:formData` fields, with or without a formKey (the Camunda Modeler needs none)."""
        form = Form()
        form.key = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}formKey")
        for xml_field in self.xpath(".//camunda:formData/camunda:formField"):
            field = self.get_enum_field(xml_field) if xml_field.get("type") == "enum" else FormField()
            field.id = xml_field.get("id")
            field.type = xml_field.get("type")
            field.label = xml_field.get("label")
            field.default_value = xml_field.get("defaultValue")
            for prop in self._xpath(xml_field, "./camunda:properties/camunda:property"):
                field.add_property(prop.get("id"), prop.get("value"))
            for constraint in self._xpath(xml_field, "./camunda:validation/camunda:constraint"):
                field.add_validation(constraint.get("name"), constraint.get("config"))
            form.add_field(field)
        return form


class BpmnrunParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (BpmnrunUserTaskParser, UserTask),
    }
