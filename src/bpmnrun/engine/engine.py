"""The engine: start, complete, fire timers, deliver messages, cancel — SpiffWorkflow underneath.

One call works on one workflow object restored for that call; it returns a Snapshot of what the
service layer must persist (state, READY user tasks, waiting timers) and what happened (events).
Nothing here knows about SQL, users or HTTP, and nothing here reads the wall clock: due times
come from `bpmnrun.clock`, which tests move.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, EndEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from ..expressions import ExpressionError
from ..expressions.evaluator import DONE_BY
from ..library.bundles import ParsedSpec
from . import serializer, timer_clock  # noqa: F401 - timer_clock points SpiffWorkflow's timers at our clock
from .forms import Form
from .ready_tasks import multi_instance_item, ready_task, task_form
from .script_engine import SCRIPT_ENGINE
from .snapshot import EngineEvent, ReadyTask, Snapshot, WaitingTimer


class EngineError(Exception):
    """The diagram or the request cannot be carried out (a bad expression, no such task, …)."""


class TaskNotReady(EngineError):
    pass


def start(parsed: ParsedSpec, data: Mapping[str, Any]) -> Snapshot:
    return begin(parsed, data)[1]


def begin(parsed: ParsedSpec, data: Mapping[str, Any]) -> tuple[BpmnWorkflow, Snapshot]:
    """A new workflow run to its first waits, and its snapshot: the caller may keep the workflow for its next step."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.data.update(data)
    # The start event hands its data to the first tasks: set it on the root's children too.
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return workflow, _step(workflow, lambda: None)


def restore(state: str, parsed: ParsedSpec) -> BpmnWorkflow:
    workflow = serializer.loads(state, parsed)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def complete(workflow: BpmnWorkflow, task_id: str, values: Mapping[str, Any], actor: str | None = None) -> Snapshot:
    """Complete a READY user task with already validated form values; `actor` is kept as who completed it
    (read in diagrams with `completed_by("Task_id")`)."""
    task = _ready_user_task(workflow, task_id)

    def run() -> None:
        item = multi_instance_item(task)
        if item is not None:
            task.data[item] = {**(task.data.get(item) or {}), **values}
        else:
            task.set_data(**values)
        if actor:
            task.data[DONE_BY] = {**(task.data.get(DONE_BY) or {}), task.task_spec.bpmn_id: actor}
        task.run()

    return _step(workflow, run)


def fire_timers(workflow: BpmnWorkflow) -> Snapshot:
    return _step(workflow, workflow.refresh_timers)


def deliver_message(workflow: BpmnWorkflow, name: str, payload: Mapping[str, Any]) -> Snapshot:
    waiting = [d for t in workflow.get_tasks(state=TaskState.WAITING) for d in _awaited(t)
               if isinstance(d, MessageEventDefinition) and d.name == name]
    if not waiting:
        raise EngineError(f"nothing in this case is waiting for the message {name!r}")
    definition = waiting[0]
    # The Camunda message definition stores the payload under `<catch event id>_Response`.
    event = BpmnEvent(definition, {"payload": dict(payload), "result_var": None})
    return _step(workflow, lambda: workflow.send_event(event))


def cancel(workflow: BpmnWorkflow) -> Snapshot:
    return _step(workflow, workflow.cancel, status="cancelled")


def form_of(workflow: BpmnWorkflow, task_id: str) -> tuple[Form, dict[str, Any]]:
    """The form of a READY user task and the data it sees (for validation against current values)."""
    task = _ready_user_task(workflow, task_id)
    data = dict(task.data)
    item = multi_instance_item(task)
    if item is not None:
        data.update(task.data.get(item) or {})
    return task_form(task), data


def start_form(parsed: ParsedSpec) -> tuple[Form, int | None]:
    """What a process asks when it is started on its own: its none start event's form, and the most children
    one piece of work may be for (`max_children`), if it says."""
    for spec in parsed.spec.task_specs.values():
        if isinstance(spec, StartEvent) and isinstance(spec.event_definition, NoneEventDefinition):
            ext = spec.extensions or {}
            most = ext.get("max_children")
            return Form.from_spec(ext.get("start_form")), int(most) if str(most or "").isdigit() else None
    return Form(), None


# --- internals ------------------------------------------------------------------------------


def _ready_user_task(workflow: BpmnWorkflow, task_id: str):
    try:
        task = workflow.get_task_from_id(UUID(str(task_id)))
    except (ValueError, WorkflowException, KeyError):
        task = None
    if task is None or not isinstance(task.task_spec, UserTask):
        raise TaskNotReady(f"no user task {task_id} in this case")
    if task.state != TaskState.READY:
        raise TaskNotReady(f"task {task.task_spec.bpmn_name!r} is {TaskState.get_name(task.state)}, not READY")
    return task


def _step(workflow: BpmnWorkflow, action, status: str | None = None) -> Snapshot:
    began = time.time()
    _carry_out(lambda: (action(), workflow.do_engine_steps()))
    found = _scan(workflow, began)
    for _ in range(_MORE_ROUNDS):
        if not found.engine_work_left:
            break
        # A timer already due (a duty window already open) was made ready by the timer refresh that ends
        # do_engine_steps, after its last round: run on from it.
        _carry_out(workflow.do_engine_steps)
        found = _scan(workflow, began)
    return _snapshot(workflow, found, status)


_MORE_ROUNDS = 8  # each a timer that fell due during the one before: far more than a real diagram chains


def _carry_out(action) -> None:
    """Run SpiffWorkflow, its failures as EngineError (whatever it raises, the case needs attention, not a 500)."""
    try:
        action()
    except ExpressionError as exc:
        raise EngineError(f"the diagram's expression failed: {exc}") from exc
    except WorkflowException as exc:
        raise EngineError(_spiff_message(exc)) from exc
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"the procedure could not go on: {type(exc).__name__}: {exc}") from exc


def _spiff_message(exc: WorkflowException) -> str:
    inner = exc.__cause__ or exc
    task = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    where = f" at {task.bpmn_id}" if task is not None and getattr(task, "bpmn_id", None) else ""
    if isinstance(inner, ExpressionError):
        return f"the diagram's expression failed{where}: {inner}"
    return f"{getattr(exc, 'error', None) or exc}{where}"


def _awaited(task) -> list:
    """The event definitions a waiting task waits for: its own, or each branch's of an event-based gateway."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def _waiting_on(task, timers: list, messages: list) -> None:
    named = dict((id(d), b) for d, b in _gateway_branches(task)) if isinstance(task.task_spec, EventBasedGateway) else {}
    for definition in _awaited(task):
        event = named.get(id(definition), task.task_spec)  # a gateway's branch is named by its catch event
        if isinstance(definition, TimerEventDefinition):
            due = _timer_due(task)
            if due is not None:
                timers.append(WaitingTimer(str(task.id), event.bpmn_name or event.bpmn_id, due))
        elif isinstance(definition, MessageEventDefinition):
            messages.append(definition.name)


@dataclass
class _Scan:
    """One pass over a workflow's tasks after a step: what the snapshot reports, and whether an automatic task
    is still READY (engine work left to run)."""

    ready: list[ReadyTask] = field(default_factory=list)
    timers: list[WaitingTimer] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    events: list[EngineEvent] = field(default_factory=list)
    end_event: str | None = None
    engine_work_left: bool = False


def _scan(workflow: BpmnWorkflow, began: float) -> _Scan:
    found, end_changed = _Scan(), -1.0
    for task in workflow.get_tasks():
        spec, state = task.task_spec, task.state
        if state == TaskState.READY:
            if isinstance(spec, UserTask):
                found.ready.append(ready_task(task))
            elif not spec.manual:
                found.engine_work_left = True
        elif state == TaskState.WAITING:
            _waiting_on(task, found.timers, found.messages)
        elif state == TaskState.COMPLETED:
            if task.last_state_change >= began:
                found.events.extend(_events_of(task))
            if isinstance(spec, EndEvent) and task.workflow is workflow and task.last_state_change > end_changed:
                found.end_event, end_changed = spec.bpmn_name or spec.bpmn_id, task.last_state_change
    return found


def _snapshot(workflow: BpmnWorkflow, found: _Scan, status: str | None) -> Snapshot:
    if status is None:
        status = "completed" if workflow.is_completed() else "running"
    return Snapshot(
        state=serializer.dumps(workflow),
        status=status,
        ready_tasks=tuple(found.ready),
        timers=tuple(found.timers),
        messages=tuple(found.messages),
        events=tuple(found.events),
        end_event=found.end_event if status == "completed" else None,
        data=dict(workflow.data if workflow.is_completed() else _latest_data(workflow)),
    )


def _latest_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    last = workflow.last_task
    return dict(last.data) if last is not None else dict(workflow.data)


def _events_of(task) -> list[EngineEvent]:
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    process = task.workflow.spec.name
    name = spec.bpmn_name or spec.bpmn_id
    found = []
    if isinstance(spec, EndEvent):
        found.append(EngineEvent("end_event", spec.bpmn_id, name, process))
    elif isinstance(definition, TimerEventDefinition):
        found.append(EngineEvent("timer_fired", spec.bpmn_id, name, process))
        for attached in _attached_user_tasks(task):
            found.append(EngineEvent("overdue", attached.task_spec.bpmn_id, attached.task_spec.bpmn_name or "",
                                     process, {"task_id": str(attached.id), "timer": name}))
    elif isinstance(definition, MessageEventDefinition):
        found.append(EngineEvent("message_received", spec.bpmn_id, name, process, {"message": definition.name}))
    elif isinstance(spec, EventBasedGateway):
        found.extend(_gateway_events(task, process))
    return found


def _gateway_events(task, process: str) -> list[EngineEvent]:
    """An event-based gateway holds the catch events it waits for: the one that happened is named by its
    branch's event (the timer or the message), as a plain catch event would be."""
    found = []
    for event in task.internal_data.get("seen_events", []):
        for definition, branch in _gateway_branches(task):
            if definition != event.event_definition:
                continue
            name = branch.bpmn_name or branch.bpmn_id
            if isinstance(definition, TimerEventDefinition):
                found.append(EngineEvent("timer_fired", branch.bpmn_id, name, process))
            else:
                found.append(EngineEvent("message_received", branch.bpmn_id, name, process,
                                         {"message": definition.name}))
    return found


def _gateway_branches(task) -> list:
    """(event definition, the catch event it stands for) for each way out of an event-based gateway."""
    return list(zip(task.task_spec.event_definition.event_definitions, task.task_spec.outputs))


def _attached_user_tasks(timer_task) -> list:
    """The user tasks a non-interrupting boundary timer watches that are still open: the task, or every open
    instance of a multi-instance task (one per child)."""
    spec = timer_task.task_spec
    if not isinstance(spec, BoundaryEvent) or spec.cancel_activity:
        return []
    for sibling in timer_task.parent.children:
        if isinstance(sibling.task_spec, UserTask) and sibling.state == TaskState.READY:
            return [sibling]
        if isinstance(sibling.task_spec, MultiInstanceTask):
            return [t for t in sibling.children
                    if isinstance(t.task_spec, UserTask) and t.state == TaskState.READY]
    return []


def _timer_due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        due = TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None
    return due.astimezone(timezone.utc)


