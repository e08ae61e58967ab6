"""A user task's form: its fields as bpmnrun understands them, and the validation of submitted data.

Forms come from `camunda:formData` (see bpmn/README.md). Submitted values may be strings (a web
form, the command line) or typed JSON values; validation turns them into the stored types and
names every field that fails, with the reason, in the document's own words where the diagram
gives them (`message_<constraint>` field properties).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping
from weakref import WeakKeyDictionary

from ..expressions import ExpressionError, evaluate
from . import form_messages as say
from .form_values import check_value, coerce, coerce_or_raw

@dataclass(frozen=True)
class Option:
    id: str
    label: str


CHILDREN = "subjects"
TEAM_PREFIX = "team:"


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    type: str
    default: str | None = None
    options: tuple[Option, ...] = ()
    constraints: Mapping[str, str | None] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)
    # The task's children (id, name), for a per-child field's rows; filled in when the task is ready.
    children: tuple[Option, ...] = ()

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

    @property
    def per_child(self) -> bool:
        return self.properties.get("per_child") == "true"

    @property
    def picks_children(self) -> bool:
        return self.properties.get("choose_from", "").strip() == CHILDREN

    @property
    def picked_teams(self) -> tuple[str, ...]:
        """The teams a person picker offers the members of (`choose_from` = `team:A, B`)."""
        source = self.properties.get("choose_from", "").strip()
        if not source.startswith(TEAM_PREFIX):
            return ()
        return tuple(t.strip() for t in source[len(TEAM_PREFIX):].split(",") if t.strip())

    def message(self, constraint: str, fallback: str) -> str:
        return self.properties.get(f"message_{constraint}") or fallback

    def missing_message(self) -> str:
        """What to do when the field is required and left empty: the diagram's words, or the wording for its kind."""
        asked = self.message("required", say.required(self))
        return asked if self.required else self.message("required_if", asked)

    def option_label(self, option_id: str) -> str:
        return next((o.label for o in self.options if o.id == option_id), option_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "type": self.type, "default": self.default,
            "required": self.required, "readonly": self.readonly, "multiple": self.multiple,
            "per_child": self.per_child, "picks_children": self.picks_children,
            "picked_teams": list(self.picked_teams),
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "children": [{"id": c.id, "label": c.label} for c in self.children],
            "constraints": dict(self.constraints), "properties": dict(self.properties),
        }


class FormInvalid(ValueError):
    """Submitted data that fails the form: `errors` maps each failing field id to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


_FROM_SPEC: WeakKeyDictionary[Any, "Form"] = WeakKeyDictionary()  # forgotten with the spec


@dataclass(frozen=True)
class Form:
    fields: tuple[Field, ...] = ()

    @classmethod
    def from_spec(cls, spiff_form: Any) -> "Form":
        """A task spec's form. Parsed specs are kept and never change, and a Form is never changed either (its
        run-time variants are new Forms): each spec's form is read once."""
        if spiff_form is None:
            return cls()
        found = _FROM_SPEC.get(spiff_form)
        if found is None:
            found = _FROM_SPEC[spiff_form] = cls(tuple(_field(f) for f in spiff_form.fields))
        return found

    @classmethod
    def from_json(cls, fields: list[dict[str, Any]]) -> "Form":
        return cls(tuple(
            Field(f["id"], f["label"], f["type"], f.get("default"),
                  tuple(Option(o["id"], o["label"]) for o in f.get("options", [])),
                  f.get("constraints", {}), f.get("properties", {}),
                  tuple(Option(c["id"], c["label"]) for c in f.get("children", [])))
            for f in fields
        ))

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    # --- run-time options ---------------------------------------------------------------------

    def for_children(self, subjects: list[Mapping[str, Any]] | None) -> "Form":
        """The form for a task working with these children: children pickers offer them, per-child fields
        get a row for each."""
        if not any(f.picks_children or f.per_child for f in self.fields):
            return self
        children = tuple(Option(str(s.get("id")), str(s.get("name") or s.get("id"))) for s in subjects or ())
        return Form(tuple(
            replace(f, options=children if f.picks_children else f.options,
                    children=children if f.per_child else f.children) if f.picks_children or f.per_child else f
            for f in self.fields
        ))

    def with_defaults(self, data: Mapping[str, Any]) -> "Form":
        """The form with each default written `${expression}` worked out over the case data (a field prefilled
        from another value, e.g. the meeting date from the planned one); one that cannot be yet has none."""
        if not any(_expression(f.default) for f in self.fields):
            return self
        return Form(tuple(replace(f, default=_default_over(f, data)) if _expression(f.default) else f
                          for f in self.fields))

    def with_people(self, members: Callable[[tuple[str, ...]], list[tuple[str, str]]]) -> "Form":
        """The form with each person picker offering the members of its teams now: `members(teams)` gives
        (user name, display name) pairs."""
        if not any(f.picked_teams for f in self.fields):
            return self
        return Form(tuple(
            replace(f, options=tuple(Option(u, name) for u, name in members(f.picked_teams)))
            if f.picked_teams else f
            for f in self.fields
        ))

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
                    tables.setdefault(f.row_of, {})[f.id] = coerce_or_raw(f, value)
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
                        check_value(f, coerce(f, value))
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
                    check_value(f, value)
                clean[f.id] = value
            except ValueError as exc:
                errors[f.id] = str(exc)
        context = {**current, **{k: v for k, v in clean.items() if v is not None}}
        for f in self.fields:
            if f.id in errors or f.row_of:
                continue
            if _missing(f, clean.get(f.id)) and _is_required(f, context):
                errors[f.id] = f.missing_message()
            elif f.per_child and _is_required(f, context) and _unanswered(f, clean.get(f.id)):
                child = _unanswered(f, clean.get(f.id))[0]
                errors[f.id] = f.message("required", say.unanswered_child(f, child.label))
            elif not _missing(f, clean.get(f.id)) and not _holds(f.constraints.get("valid_if"), context):
                errors[f.id] = f.message("valid_if", say.not_fitting(f))
        if errors:
            raise FormInvalid(errors)
        return {k: v for k, v in clean.items() if v is not None or k in submitted}


def _expression(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[2:-1].strip() if text.startswith("${") and text.endswith("}") else None


def _default_over(f: Field, data: Mapping[str, Any]) -> str | None:
    try:
        value = evaluate(_expression(f.default), data)
    except ExpressionError:
        return None
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


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
    if f.per_child:
        return _per_child_value(f, raw, current.get(f.id))
    if isinstance(raw, Mapping):
        raise ValueError(f"{f.label}: give one answer, not one per child")
    prefilled = current.get(f.id)
    if _empty(prefilled) and f.picks_children and f.multiple:
        prefilled = [c.id for c in f.options]  # every child, until the worker unticks some
    if _empty(prefilled) and f.default is not None:
        prefilled = coerce(f, f.default)
    if f.readonly:
        if not _empty(raw) and coerce(f, raw) != prefilled:
            raise ValueError(f.message("readonly", f"{f.label} is filled in for you and cannot be changed"))
        return None if _empty(prefilled) else prefilled
    if f.multiple and isinstance(raw, (list, tuple)) and not raw:
        return []  # every box unticked on purpose: the answer is cleared, not left as it was
    return prefilled if _empty(raw) else coerce(f, raw)


def _per_child_value(f: Field, raw: Any, prefilled: Any) -> dict[str, Any] | None:
    """One answer per child of the task: what was submitted for a child, else what the case holds for them."""
    if raw is not None and not isinstance(raw, Mapping):
        raise ValueError(f"{f.label}: give an answer for each child")
    raw = {str(k): v for k, v in (raw or {}).items()}
    before = {str(k): v for k, v in (prefilled or {}).items()} if isinstance(prefilled, Mapping) else {}
    strangers = sorted(set(raw) - {c.id for c in f.children})
    if strangers:
        raise ValueError(f"{f.label}: child {strangers[0]} is not one of this task's children")
    answers: dict[str, Any] = {}
    for child in f.children:
        given, kept = raw.get(child.id), before.get(child.id)
        if f.readonly or _empty(given):
            value = kept
        else:
            try:
                value = coerce(f, given)
            except ValueError as exc:
                raise ValueError(f"{exc} (for {child.label})") from None
        if not _empty(value):
            answers[child.id] = value
    return answers or None


def _unanswered(f: Field, answers: Any) -> list[Option]:
    answers = answers or {}
    return [c for c in f.children if _missing(f, answers.get(c.id))]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


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
