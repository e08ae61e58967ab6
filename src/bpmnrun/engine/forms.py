"""A user task's form: its fields as bpmnrun understands them, and the validation of submitted data.

Forms come from `camunda:formData` (see bpmn/README.md). Submitted values may be strings (a web
form, the command line) or typed JSON values; validation turns them into the stored types and
names every field that fails, with the reason, in the document's own words where the diagram
gives them (`message_<constraint>` field properties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

from ..expressions import ExpressionError, evaluate

TRUE_WORDS = {"true", "yes", "y", "on", "1"}
FALSE_WORDS = {"false", "no", "n", "off", "0", ""}


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    type: str
    default: str | None = None
    options: tuple[Option, ...] = ()
    constraints: Mapping[str, str | None] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return "required" in self.constraints

    @property
    def readonly(self) -> bool:
        return "readonly" in self.constraints

    @property
    def multiple(self) -> bool:
        return self.properties.get("multiple") == "true"

    @property
    def row_of(self) -> str | None:
        return self.properties.get("row_of")

    def message(self, constraint: str, fallback: str) -> str:
        return self.properties.get(f"message_{constraint}") or fallback

    def option_label(self, option_id: str) -> str:
        return next((o.label for o in self.options if o.id == option_id), option_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "type": self.type, "default": self.default,
            "required": self.required, "readonly": self.readonly, "multiple": self.multiple,
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "constraints": dict(self.constraints), "properties": dict(self.properties),
        }


class FormInvalid(ValueError):
    """Submitted data that fails the form: `errors` maps each failing field id to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Form:
    fields: tuple[Field, ...] = ()

    @classmethod
    def from_spec(cls, spiff_form: Any) -> "Form":
        if spiff_form is None:
            return cls()
        return cls(tuple(_field(f) for f in spiff_form.fields))

    @classmethod
    def from_json(cls, fields: list[dict[str, Any]]) -> "Form":
        return cls(tuple(
            Field(f["id"], f["label"], f["type"], f.get("default"),
                  tuple(Option(o["id"], o["label"]) for o in f.get("options", [])),
                  f.get("constraints", {}), f.get("properties", {}))
            for f in fields
        ))

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self.fields]

    # --- drafts and repeatable rows -------------------------------------------------------

    def take_rows(self, values: Mapping[str, Any], rows: Mapping[str, list]) -> tuple[dict, dict[str, list]]:
        """Move filled row columns out of `values` into a new row of their table."""
        values, rows = dict(values), {k: list(v) for k, v in rows.items()}
        tables: dict[str, dict[str, Any]] = {}
        for f in self.fields:
            if f.row_of and f.id in values:
                value = values.pop(f.id)
                if value not in (None, ""):
                    tables.setdefault(f.row_of, {})[f.id] = _coerce_or_raw(f, value)
        for table, row in tables.items():
            rows.setdefault(table, []).append(row)
        return values, rows

    def validate_rows(self, rows: Mapping[str, list]) -> None:
        """Every cell of the rows a completion records must be valid, as a field is: a draft may have kept
        a cell as typed, and Finish is where it is checked. FormInvalid names each failing column."""
        errors: dict[str, str] = {}
        for table_rows in rows.values():
            for row in table_rows:
                for field_id, value in row.items():
                    f = self.field(field_id)
                    if f is None or _empty(value):
                        continue
                    try:
                        _check_value(f, _coerce(f, value))
                    except ValueError as exc:
                        errors.setdefault(field_id, str(exc))
        if errors:
            raise FormInvalid(errors)

    # --- completion -------------------------------------------------------------------------

    def validate(self, submitted: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values of every non-row field, or FormInvalid naming each failing field."""
        clean: dict[str, Any] = {}
        errors: dict[str, str] = {}
        unknown = sorted(set(submitted) - {f.id for f in self.fields})
        for name in unknown:
            errors[name] = "is not a field of this form"
        for f in self.fields:
            if f.row_of:
                continue
            try:
                value = _value(f, submitted.get(f.id), current)
                if value is not None:
                    _check_value(f, value)
                clean[f.id] = value
            except ValueError as exc:
                errors[f.id] = str(exc)
        context = {**current, **{k: v for k, v in clean.items() if v is not None}}
        for f in self.fields:
            if f.id in errors or f.row_of:
                continue
            if _missing(f, clean.get(f.id)) and _is_required(f, context):
                generic = f.message("required", f"{f.label} is required")
                errors[f.id] = generic if f.required else f.message("required_if", generic)
            elif not _missing(f, clean.get(f.id)) and not _holds(f.constraints.get("valid_if"), context):
                errors[f.id] = f.message("valid_if", f"{f.label} does not fit the other answers")
        if errors:
            raise FormInvalid(errors)
        return {k: v for k, v in clean.items() if v is not None or k in submitted}


def _field(spiff_field: Any) -> Field:
    options = tuple(Option(o.id, o.name) for o in getattr(spiff_field, "options", []))
    constraints = {v.name: v.config for v in spiff_field.validation}
    properties = {p.id: p.value for p in spiff_field.properties}
    return Field(spiff_field.id, spiff_field.label or spiff_field.id, spiff_field.type or "string",
                 spiff_field.default_value, options, constraints, properties)


def _value(f: Field, raw: Any, current: Mapping[str, Any]) -> Any:
    """The submitted value; else what the case data already holds (a form is prefilled); else the default.

    A read-only field always keeps the prefilled value: submitting a different one is an error.
    """
    prefilled = current.get(f.id)
    if _empty(prefilled) and f.default is not None:
        prefilled = _coerce(f, f.default)
    if f.readonly:
        if not _empty(raw) and _coerce(f, raw) != prefilled:
            raise ValueError(f.message("readonly", f"{f.label} is filled in for you and cannot be changed"))
        return None if _empty(prefilled) else prefilled
    if f.multiple and isinstance(raw, (list, tuple)) and not raw:
        return []  # every box unticked on purpose: the answer is cleared, not left as it was
    return prefilled if _empty(raw) else _coerce(f, raw)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _missing(f: Field, value: Any) -> bool:
    # A required tick box must be ticked: that is what "Completed" and approval ticks mean.
    return _empty(value) or (f.type == "boolean" and value is False)


def _is_required(f: Field, context: Mapping[str, Any]) -> bool:
    if f.required:
        return True
    condition = f.constraints.get("required_if")
    if "required_if" not in f.constraints or not condition:
        return False
    try:
        return bool(evaluate(condition, context))
    except ExpressionError:
        return False  # the condition reads a field not answered yet: nothing to require


def _holds(condition: str | None, context: Mapping[str, Any]) -> bool:
    """A `valid_if` rule across fields; a rule that cannot be evaluated yet does not block."""
    if not condition:
        return True
    try:
        return bool(evaluate(condition, context))
    except ExpressionError:
        return True


def _coerce(f: Field, raw: Any) -> Any:
    if f.type == "long":
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{f.label} must be a whole number") from None
    if f.type == "boolean":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValueError(f"{f.label} must be yes or no")
    if f.type == "date":
        return _date(f, raw)
    if f.type == "enum":
        if not f.multiple:
            if isinstance(raw, (list, tuple)):
                raise ValueError(f"{f.label}: choose one option")
            return _option_id(f, raw)
        return [_option_id(f, v) for v in _choices(f, raw)]
    return str(raw).strip()


def _coerce_or_raw(f: Field, raw: Any) -> Any:
    try:
        return _coerce(f, raw)
    except ValueError:
        return raw


def _choices(f: Field, raw: Any) -> list[Any]:
    """Ticked options: a list, or one option (an option label may hold a comma), or a comma list."""
    if isinstance(raw, (list, tuple)):
        return list(raw)
    text = str(raw).strip()
    if any(text in (o.id, o.label) for o in f.options):
        return [text]
    return [part.strip() for part in text.split(",") if part.strip()]


def _date(f: Field, raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        raise ValueError(f"{f.label} must be a real date, like 2025-04-17") from None


def _option_id(f: Field, value: Any) -> str:
    text = str(value).strip()
    for option in f.options:
        if text in (option.id, option.label):
            return option.id
    choices = ", ".join(o.label for o in f.options)
    raise ValueError(f.message("enum", f"{f.label} must be one of: {choices}"))


def _check_value(f: Field, value: Any) -> None:
    c = f.constraints
    if "pattern" in c and c["pattern"] and not re.fullmatch(c["pattern"], str(value)):
        raise ValueError(f.message("pattern", f"{f.label} is not in the expected format"))
    if "refuse" in c and c["refuse"] and (value == c["refuse"] or (f.multiple and c["refuse"] in value)):
        raise ValueError(f.message("refuse", f"{f.option_label(c['refuse'])} cannot be chosen here"))
    if "minlength" in c and len(str(value)) < int(c["minlength"]):
        raise ValueError(f"{f.label} must be at least {c['minlength']} characters")
    if "maxlength" in c and len(str(value)) > int(c["maxlength"]):
        raise ValueError(f"{f.label} must be at most {c['maxlength']} characters")
    if "min" in c and f.type == "long" and value < int(c["min"]):
        raise ValueError(f"{f.label} must be at least {c['min']}")
    if "max" in c and f.type == "long" and value > int(c["max"]):
        raise ValueError(f"{f.label} must be at most {c['max']}")
