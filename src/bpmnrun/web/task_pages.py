"""The task page: what the task is about, what has been recorded so far, its form, and Save and close /
Finish. The form's fields are drawn and read back by `form_views`."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..service import incidents, next_steps, queries, records, tasks, users
from ..service.errors import Conflict, InvalidInput
from ..service.queries import TaskView
from ..service.recorded import recorded_so_far
from ..service.task_opened import record_opened
from .context import runtime, username
from .form_views import anchor, as_text, field_view, submitted_values

bp = Blueprint("task_pages", __name__)


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):
    task = records.read_task(runtime(), task_id, username())
    if task.state == "ready" and _may_work(task):  # a colleague only looking does not start the work
        record_opened(runtime(), task_id, username())
    current = tasks.form_values(runtime(), task_id, username()) if task.state == "ready" else {}
    return _page(task, current)


@bp.post("/tasks/<task_id>")
@login_required
def submit(task_id: str):
    task = queries.get_task(runtime(), task_id, username())
    values = submitted_values(task.form, request.form)
    try:
        if request.form.get("_action") == "save":
            tasks.save_draft(runtime(), task_id, username(), values)
            flash(f"Your answers to {task.name} have been saved. The task is still open.", "success")
        else:
            tasks.complete_task(runtime(), task_id, username(), values)
            return redirect(url_for("task_pages.done", task_id=task_id))
    except InvalidInput as exc:
        current = tasks.form_values(runtime(), task_id, username())
        return _page(task, current, typed=values, errors=exc.errors), 422
    except Conflict as exc:
        return _page(queries.get_task(runtime(), task_id, username()), {}, conflict=str(exc)), 409
    return redirect(url_for("worklist.index"))


@bp.get("/tasks/<task_id>/done")
@login_required
def done(task_id: str):
    """The confirmation after Finish: what happens next, and who has it now, or how the work ended."""
    after = next_steps.after_completion(runtime(), task_id, username())
    still_open = [t for t in queries.instance_tasks(runtime(), after.instance_id)
                  if t.name not in {s.name for s in after.next_steps}] if after.status == "running" else []
    return render_template("task_done.html", after=after, still_open=still_open,
                           task=queries.get_task(runtime(), task_id, username()))


# --- the page ----------------------------------------------------------------------------------------


def _page(task: TaskView, current: Mapping[str, Any], typed: Mapping[str, Any] | None = None,
          errors: Mapping[str, str] | None = None, conflict: str | None = None):
    errors = dict(errors or {})
    if task.state != "ready":  # a closed task shows what was recorded
        current, typed = task.data or {}, None
    draft = {k: v for k, v in task.draft.items() if k != "_rows"} if task.state == "ready" else {}
    prefill = {**current, **draft, **(typed or {})}
    fields = [field_view(f, prefill, errors.get(f["id"])) for f in task.form]
    editable = task.state == "ready" and not conflict
    return render_template(
        "task.html", task=task, conflict=conflict, editable=editable, may_work=editable and _may_work(task),
        recorded=recorded_so_far(runtime(), task.id, username()),
        needs_attention=bool(incidents.list_incidents(runtime(), instance_id=task.instance_id)),
        readonly=[f for f in fields if f["readonly"]],
        fields=[f for f in fields if not f["readonly"] and not f["row_of"]],
        tables=_tables(fields, current, task.draft.get("_rows", {})),
        errors=[{"text": reason, "href": "#" + anchor(task.form, key)} for key, reason in errors.items()],
        documentation=_paragraphs(task.documentation), colleagues=_colleagues(task) if editable else [],
    )


def _tables(fields: list[dict[str, Any]], current: Mapping[str, Any],
            drafted: Mapping[str, list]) -> list[dict[str, Any]]:
    """Repeatable tables (`row_of`): the rows recorded so far, the saved ones, and the columns of a new row."""
    tables: dict[str, dict[str, Any]] = {}
    for f in fields:
        if f["row_of"]:
            table = tables.setdefault(f["row_of"], {"id": f["row_of"], "columns": [],
                                                    "title": f["row_of"].replace("_", " ").capitalize()})
            table["columns"].append(f)
    for table in tables.values():
        rows = list(current.get(table["id"]) or []) + list(drafted.get(table["id"]) or [])
        table["rows"] = [[as_text(c, row.get(c["id"])) for c in table["columns"]] for row in rows]
    return list(tables.values())


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def _may_work(task: TaskView) -> bool:
    me = current_user.view
    return task.assignee == me.username if task.assignee else bool(set(task.teams) & set(me.teams))


def _colleagues(task: TaskView) -> list:
    """Who the task can be passed to: the other members of its teams (as the worklist offers them)."""
    seen: dict[str, Any] = {}
    for team in task.teams:
        for member in users.team_members(runtime(), team):
            if member.username != username():
                seen.setdefault(member.username, member)
    return sorted(seen.values(), key=lambda u: u.display_name)
