"""Loading an instance's workflow for a use case, from the in-process cache when it is current."""

from __future__ import annotations

from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from ..engine import engine
from ..store.models import Instance
from .deploy import parsed_spec
from .runtime import Runtime


def load(rt: Runtime, session: Session, instance: Instance) -> BpmnWorkflow:
    cached = rt.workflows.take(instance.id, instance.revision)
    if cached is not None:
        return cached
    return engine.restore(instance.state, parsed_spec(rt, session, instance.process_version_id))


def remember(rt: Runtime, instance: Instance, workflow: BpmnWorkflow) -> None:
    """Call after the transaction committed: `instance.revision` is then the new one."""
    if instance.status == "running":
        rt.workflows.keep(instance.id, instance.revision, workflow)
