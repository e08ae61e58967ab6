"""Loading an instance's workflow for a use case, from the in-process cache when it is current."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from ..engine import engine
from ..store.models import Instance
from .deploy import parsed_spec
from .runtime import Runtime


class Worked(Protocol):
    id: int
    revision: int
    status: str
    process_version_id: int


def load(rt: Runtime, session: Session, instance: Worked) -> BpmnWorkflow:
    """The workflow at the instance's revision; its state is read only when the cache does not hold it."""
    cached = rt.workflows.take(instance.id, instance.revision)
    if cached is not None:
        return cached
    state = instance.state if isinstance(instance, Instance) else session.connection().scalar(
        select(Instance.state).where(Instance.id == instance.id))
    return engine.restore(state, parsed_spec(rt, session, instance.process_version_id))


def remember(rt: Runtime, instance: Worked, workflow: BpmnWorkflow, state_bytes: int) -> None:
    """Call after the transaction committed: `instance.revision` is then the new one. `state_bytes`: the size of
    the serialized state, what the cache is bounded by."""
    if instance.status == "running":
        rt.workflows.keep(instance.id, instance.revision, workflow, state_bytes)
