"""Form fields between the browser and the service: a field's schema (`engine/forms.py`, as JSON) drawn as
the GOV.UK component its type calls for, and the browser's raw form turned back into the values the service
validates. Used by the task page and by the start of work (a procedure's start form)."""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from werkzeug.datastructures import MultiDict

DATE_PARTS = ("day", "month", "year")
# Free-text answers that are prose rather than a name or reference get a textarea. The diagrams have
# no "multi-line" property, so the field's id tells: these words are the prose ones the library uses.
PROSE_WORDS = {"note", "notes", "summary", "details", "detail", "comments", "rationale", "reason", "plan",
               "needs", "concern", "discussion", "actions", "decision", "referral", "information",
               "interventions", "work", "support", "trajectory", "oversight", "services"}


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
                values[f["id"]] = iso_date(*parts)
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


def iso_date(day: str, month: str, year: str) -> str:
    """YYYY-MM-DD from the three boxes; anything else goes through as typed, for the form to refuse."""
    if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return f"{year}-{month}-{day}"


# --- from the schema to what the template draws ------------------------------------------------------


def field_view(f: dict[str, Any], prefill: Mapping[str, Any], error: str | None) -> dict[str, Any]:
    value = prefill.get(f["id"])
    if value in (None, "", []) and f["default"] is not None:
        value = f["default"]
    if value in (None, "", []) and f.get("picks_children") and f["multiple"]:
        value = [o["id"] for o in f["options"]]  # every child is ticked until the worker unticks some
    view = {**f, "hint": f["properties"].get("hint"), "error": error, "widget": _widget(f),
            "row_of": f["properties"].get("row_of"), "value": _shown(f, value), "text": as_text(f, value)}
    if f.get("per_child"):
        answers = value if isinstance(value, Mapping) else {}
        view["rows"] = [field_view(_child_field(f, c), {f"{f['id']}--{c['id']}": answers.get(c["id"])}, None)
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


def as_text(f: Mapping[str, Any], value: Any) -> str:
    """A read-only answer in words: option labels, Yes/No, a date as people write it."""
    if value in (None, "", [], {}):
        return "Not recorded"
    if f.get("per_child") and isinstance(value, Mapping):
        names = {c["id"]: c["label"] for c in f.get("children", [])}
        return "; ".join(f"{names.get(str(k), k)}: {as_text({**f, 'per_child': False}, v)}" for k, v in value.items())
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


def anchor(form: list[dict[str, Any]], field_id: str) -> str:
    """The id of the first input of a field, where the error summary's link lands."""
    f = next((f for f in form if f["id"] == field_id), None)
    return f"{field_id}-day" if f is not None and f["type"] == "date" else field_id
