"""bpmnrun: a BPMN process runtime for children's services."""

__version__ = "0.1.0"
