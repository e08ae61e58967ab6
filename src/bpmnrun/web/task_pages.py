"""The task page: what the task is about, its form, and Save and close / Finish.

The form is drawn from the task's schema (`engine/forms.py` fields). This module only turns that schema
into GOV.UK components and the browser's raw form back into the values the service validates.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..service import queries, tasks, users
from ..service.recorded import recorded_so_far
from ..service.errors import Conflict, InvalidInput
from ..service.queries import TaskView
from .context import runtime, username

bp = Blueprint("task_pages", __name__)

DATE_PARTS = ("day", "month", "year")
# Free-text answers that are prose rather than a name or reference get a textarea. The diagrams have
# no "multi-line" property, so the field's id tells: these words are the prose ones the library uses.
PROSE_WORDS = {"note", "notes", "summary", "details", "detail", "comments", "rationale", "reason", "plan",
               "needs", "concern", "discussion", "actions", "decision", "referral", "information",
               "interventions", "work", "support", "trajectory", "oversight", "services"}


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):
    task = queries.get_task(runtime(), task_id, username())
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
            flash(f"{task.name} is complete.", "success")
    except InvalidInput as exc:
        current = tasks.form_values(runtime(), task_id, username())
        return _page(task, current, typed=values, errors=exc.errors), 422
    except Conflict as exc:
        return _page(queries.get_task(runtime(), task_id, username()), {}, conflict=str(exc)), 409
    return redirect(url_for("worklist.index"))


# --- from the browser's form to the service's values -------------------------------------------------


def submitted_values(form: list[dict[str, Any]], raw: MultiDict) -> dict[str, Any]:
    """The answers of every editable field, as the strings and lists `complete_task` accepts.

    Read-only fields are never sent (the case data fills them); nor are fields the browser left out,
    so a radio group nobody chose keeps the draft's or the case's value. A per-child field's answers come
    one input per child (`<field>--<child id>`) and go on as a map child → answer.
    """
    values: dict[str, Any] = {}
    for f in form:
        if f["readonly"]:
            continue
        if f.get("per_child"):
            per_child = submitted_values([_child_field(f, c) for c in f.get("children", [])], raw)
            if per_child:
                values[f["id"]] = {key.split("--", 1)[1]: v for key, v in per_child.items()}
            continue
        if f["type"] == "date":
            parts = [raw.get(f"{f['id']}-{p}", "").strip() for p in DATE_PARTS]
            if any(parts):
                values[f["id"]] = _iso_date(*parts)
            elif any(f"{f['id']}-{p}" in raw for p in DATE_PARTS):
                values[f["id"]] = ""
        elif _widget(f) == "tick":
            # One tick box: unticked is absent from the post; the hidden marker says it was shown.
            if f["id"] in raw or f"{f['id']}-shown" in raw:
                values[f["id"]] = "true" if raw.get(f["id"]) == "true" else "false"
        elif f["type"] == "enum" and f["multiple"]:
            # Checkboxes: an unticked group is absent from the post; the hidden marker says it was shown.
            if f["id"] in raw or f"{f['id']}-shown" in raw:
                values[f["id"]] = [v for v in raw.getlist(f["id"]) if v]
        elif f["id"] in raw:
            values[f["id"]] = raw.get(f["id"], "")
    return values


def _iso_date(day: str, month: str, year: str) -> str:
    """YYYY-MM-DD from the three boxes; anything else goes through as typed, for the form to refuse."""
    if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return f"{year}-{month}-{day}"


# --- from the schema to what the template draws ------------------------------------------------------


def _page(task: TaskView, current: Mapping[str, Any], typed: Mapping[str, Any] | None = None,
          errors: Mapping[str, str] | None = None, conflict: str | None = None):
    errors = dict(errors or {})
    if task.state != "ready":  # a closed task shows what was recorded
        current, typed = task.data or {}, None
    draft = {k: v for k, v in task.draft.items() if k != "_rows"} if task.state == "ready" else {}
    prefill = {**current, **draft, **(typed or {})}
    fields = [_field_view(f, prefill, errors.get(f["id"])) for f in task.form]
    editable = task.state == "ready" and not conflict
    return render_template(
        "task.html", task=task, conflict=conflict, editable=editable, may_work=editable and _may_work(task),
        recorded=recorded_so_far(runtime(), task.id, username()),
        readonly=[f for f in fields if f["readonly"]],
        fields=[f for f in fields if not f["readonly"] and not f["row_of"]],
        tables=_tables(fields, current, task.draft.get("_rows", {})),
        errors=[{"text": reason, "href": "#" + _anchor(task.form, key)} for key, reason in errors.items()],
        documentation=_paragraphs(task.documentation), colleagues=_colleagues(task) if editable else [],
    )


def _field_view(f: dict[str, Any], prefill: Mapping[str, Any], error: str | None) -> dict[str, Any]:
    value = prefill.get(f["id"])
    if value in (None, "", []) and f["default"] is not None:
        value = f["default"]
    if value in (None, "", []) and f.get("picks_children") and f["multiple"]:
        value = [o["id"] for o in f["options"]]  # every child is ticked until the worker unticks some
    view = {**f, "hint": f["properties"].get("hint"), "error": error, "widget": _widget(f),
            "row_of": f["properties"].get("row_of"), "value": _shown(f, value), "text": _as_text(f, value)}
    if f.get("per_child"):
        answers = value if isinstance(value, Mapping) else {}
        view["rows"] = [_field_view(_child_field(f, c), {f"{f['id']}--{c['id']}": answers.get(c["id"])}, None)
                        for c in f.get("children", [])]
    return view


def _child_field(f: Mapping[str, Any], child: Mapping[str, str]) -> dict[str, Any]:
    """One child's row of a per-child field: the field's type and options, labelled with the child's name."""
    return {**f, "id": f"{f['id']}--{child['id']}", "label": child["label"], "per_child": False, "child_row": True,
            "properties": {k: v for k, v in f["properties"].items() if k != "hint"}}


def _widget(f: Mapping[str, Any]) -> str:
    if f.get("per_child"):
        return "per_child"
    if f["type"] == "enum":
        if f["multiple"]:
            return "checkboxes"
        return "select" if len(f["options"]) > 8 else "radios"
    if f["type"] == "string" and PROSE_WORDS & set(f["id"].split("_")):
        return "textarea"
    if f["type"] == "boolean" and (f["required"] or "required_if" in f["constraints"]):
        # A required yes/no must be Yes to finish (engine/forms.py: a confirmation such as "Completed"),
        # so it is one tick box: offering "No" only to refuse it reads as a contradiction.
        return "tick"
    return {"boolean": "yesno", "date": "date", "long": "number"}.get(f["type"], "input")


def _shown(f: Mapping[str, Any], value: Any) -> Any:
    """The value as the widget wants it: option ids, "true"/"false", date parts, or text."""
    if isinstance(value, Mapping):
        return {}  # a per-child field: each child's row has its own value
    if value is None:
        return [] if f["multiple"] else {} if f["type"] == "date" else ""
    if f["type"] == "enum":
        ids = {o["label"]: o["id"] for o in f["options"]}
        chosen = value if isinstance(value, list) else [value]
        chosen = [ids.get(str(v), str(v)) for v in chosen]
        return chosen if f["multiple"] else chosen[0]
    if f["type"] == "boolean":
        word = str(value).strip().lower()
        return "true" if value is True or word in ("true", "yes", "on", "1") else \
            "false" if value is False or word in ("false", "no", "off", "0") else ""
    if f["type"] == "date":
        year, _, rest = str(value).partition("-")
        month, _, day = rest.partition("-")
        return {"year": year, "month": month.lstrip("0") or month, "day": day[:2].lstrip("0") or day[:2]}
    return str(value)


def _as_text(f: Mapping[str, Any], value: Any) -> str:
    """A read-only answer in words: option labels, Yes/No, a date as people write it."""
    if value in (None, "", [], {}):
        return "Not recorded"
    if f.get("per_child") and isinstance(value, Mapping):
        names = {c["id"]: c["label"] for c in f.get("children", [])}
        return "; ".join(f"{names.get(str(k), k)}: {_as_text({**f, 'per_child': False}, v)}" for k, v in value.items())
    labels = {o["id"]: o["label"] for o in f["options"]}
    if f["type"] == "enum":
        return ", ".join(labels.get(str(v), str(v)) for v in (value if isinstance(value, list) else [value]))
    if f["type"] == "boolean":
        return "Yes" if _shown(f, value) == "true" else "No"
    if f["type"] == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%-d %B %Y")
        except ValueError:
            return str(value)
    return str(value)


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
        table["rows"] = [[_as_text(c, row.get(c["id"])) for c in table["columns"]] for row in rows]
    return list(tables.values())


def _anchor(form: list[dict[str, Any]], field_id: str) -> str:
    """The id of the first input of a field, where the error summary's link lands."""
    f = next((f for f in form if f["id"] == field_id), None)
    return f"{field_id}-day" if f is not None and f["type"] == "date" else field_id


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
