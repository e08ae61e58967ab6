"""A READY user task as a worklist row (ReadyTask): its teams and person, due date, priority, the children it is
for and its form, worked out over the case data the task sees. The engine builds one for each task a step makes
ready; nothing here changes the workflow."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task

from ..expressions import ExpressionError, evaluate
from .forms import Form
from .snapshot import ReadyTask


def ready_task(task: Task) -> ReadyTask:
    """A READY user task as its worklist row."""
    spec = task.task_spec
    ext = spec.extensions or {}
    item = multi_instance_item(task)
    return ReadyTask(
        id=str(task.id),
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        candidate_groups=_candidate_groups(ext.get("candidate_groups"), task.data),
        assignee=_attribute_value(ext.get("assignee"), task.data),
        due_at=_due(ext.get("due_date"), task.data),
        priority=ext.get("priority"),
        activity=ext.get("activity"),
        process_id=task.workflow.spec.name,
        documentation=getattr(spec, "documentation", None),
        form=task_form(task),
        subject=task.data.get(item) if item else _for_children(ext.get("for_children"), task.data),
        children=tuple({"id": c.get("id"), "name": c.get("name")} for c in children_of(task)),
    )


def _for_children(expression: str | None, data: Mapping[str, Any]) -> dict | None:
    """The `for_children` property: the names of the children a (single) task is for, e.g. those
    whose outcome sends them on; shown on the worklist as the task's child."""
    if not expression:
        return None
    try:
        names = [str(n) for n in evaluate(expression, data)]
    except (ExpressionError, TypeError):
        return None
    return {"name": ", ".join(names)} if names else None


def _candidate_groups(value: str | None, data: Mapping[str, Any]) -> tuple[str, ...]:
    """Extra teams: a comma list of team names, or `${expression}` giving a team name (or a list of them),
    e.g. the locality inbox Front Door chose."""
    if value and value.startswith("${") and value.endswith("}"):
        try:
            found = evaluate(value[2:-1], data)
        except ExpressionError:
            return ()  # the data it reads is not there: the task stays with its lane
        names = found if isinstance(found, (list, tuple)) else [found]
        return tuple(str(n).strip() for n in names if n not in (None, "") and str(n).strip())
    return tuple(g.strip() for g in (value or "").split(",") if g.strip())


def _attribute_value(value: str | None, data: Mapping[str, Any]) -> str | None:
    """A camunda attribute: `${expression}` over the case data, or a literal."""
    if not value:
        return None
    if value.startswith("${") and value.endswith("}"):
        try:
            result = evaluate(value[2:-1], data)
        except ExpressionError:
            return None  # the data it reads is not there (yet): the task stays with its team
        return str(result) if result not in (None, "") else None
    return value


def _due(value: str | None, data: Mapping[str, Any]) -> datetime | None:
    text = _attribute_value(value, data)
    if not text:
        return None
    try:
        due = datetime.fromisoformat(text)
    except ValueError:
        return None
    return due.astimezone(timezone.utc) if due.tzinfo else due.replace(tzinfo=timezone.utc)


def multi_instance_item(task: Task) -> str | None:
    """The data item a per-child (multi-instance) task works on; None for any other task."""
    parent = task.parent
    if parent is not None and isinstance(parent.task_spec, MultiInstanceTask):
        item = parent.task_spec.input_item or parent.task_spec.output_item
        return item.bpmn_id if item is not None else None
    return None


def children_of(task: Task) -> list[dict]:
    """The children a ready task is for: its multi-instance child, or its `subjects` (an input parameter may
    have narrowed them)."""
    item = multi_instance_item(task)
    if item is not None:
        one = task.data.get(item)
        return [one] if isinstance(one, dict) else []
    return [s for s in task.data.get("subjects") or [] if isinstance(s, dict)]


def task_form(task: Task) -> Form:
    """A ready task's form: its spec's, for the children it is for, with defaults worked out over its data."""
    return Form.from_spec(getattr(task.task_spec, "form", None)).for_children(children_of(task)).with_defaults(task.data)
