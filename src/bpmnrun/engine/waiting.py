"""Where a case waits: its open user tasks, timers and messages, read from its workflow (for process owners'
impact reports and moves; the worklist reads task rows instead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass(frozen=True)
class WaitPoint:
    element_id: str
    name: str
    kind: str  # task | timer | message
    process_id: str
    due_at: datetime | None = None  # a timer's

    def __str__(self) -> str:
        due = f", due {self.due_at:%d %b %Y %H:%M} UTC" if self.due_at else ""
        return f"{self.name} ({self.kind}{due})"

    def to_json(self) -> dict:
        return {"element_id": self.element_id, "name": self.name, "kind": self.kind, "process_id": self.process_id,
                "due_at": self.due_at.isoformat() if self.due_at else None}


def waiting(workflow: BpmnWorkflow) -> tuple[WaitPoint, ...]:
    """The case's open user tasks, waiting timers and awaited messages, in its own processes and those it called."""
    found = []
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        process_id = task.workflow.spec.name
        if task.state == TaskState.READY and isinstance(spec, UserTask):
            found.append(WaitPoint(spec.bpmn_id, label(spec), "task", process_id))
        elif task.state == TaskState.WAITING and isinstance(definition, TimerEventDefinition):
            found.append(WaitPoint(spec.bpmn_id, label(spec), "timer", process_id, _due(task)))
        elif task.state == TaskState.WAITING and isinstance(definition, MessageEventDefinition):
            found.append(WaitPoint(spec.bpmn_id, label(spec), "message", process_id))
    return tuple(found)


def live(task) -> bool:
    """A task the case is at now (not one it passed, not one predicted)."""
    return task.has_state(LIVE)


def label(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _due(task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value).astimezone(timezone.utc)
    except ValueError:
        return None
