"""What each step of a path writes into the case data, as `worlds.Var`s: a form's answers (with the values each
field can take and the rules across fields the form enforces), output parameters, the start form, and what a
call activity hands its callee (`camunda:in`) and takes back (`camunda:out`).

Mirrors the engine's form rules (engine/forms.py, bpmn/README.md): a field left empty keeps the value the case
data already holds, else its default; a read-only field always keeps that value; a required tick box must be
ticked; a multiple children picker starts with every child ticked; a per-child field answers each child; a
`refuse`d option cannot be chosen; `required_if` and `valid_if` are rules the answers must meet together.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..library.graph import FormField, Node
from .worlds import (ALL_CHILDREN, CHILDREN, KEEP, OPAQUE, SOME_CHILDREN, AsList, AsMap, Constraint, Knowledge, Var,
                     constant, derived)

EMPTY = 'value({name!r}) in (None, "", [], {{}}, False)'  # what the engine counts as not answered


def _expression(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[2:-1].strip() if text.startswith("${") and text.endswith("}") else None


def task_writes(knowledge: Knowledge, node: Node, writer: Any) -> None:
    """A completed user task's answers and output parameters (a per-child task records on each child instead)."""
    if node.multi_instance:
        return
    form_writes(knowledge, node.fields, writer, dict(node.inputs))
    before = dict(knowledge.env)
    for name, text in node.outputs:
        expression = _expression(text)
        knowledge.env[name] = derived(expression, before) if expression is not None else constant(text)


def form_writes(knowledge: Knowledge, fields: tuple[FormField, ...], writer: Any,
                inputs: dict[str, str] | None = None) -> None:
    """A form's answers (a task's, or the start form's) into `knowledge`, with the rules they meet."""
    before = dict(knowledge.env)
    rules = []
    for f in fields:
        var = _answer(f, before, (inputs or {}).get(f.id))
        if var is None:
            continue
        var.writer = writer
        knowledge.env[f.row_of or f.id] = var
        rules.extend(_rules(f))
    knowledge.learn(*(Constraint(rule, dict(knowledge.env), lenient=True) for rule in rules))


def _answer(f: FormField, before: dict[str, Var], shown: str | None) -> Var | None:
    """The value a field leaves under its name, or None when it leaves the earlier one."""
    if f.row_of:
        return Var(domain=(OPAQUE, KEEP), earlier=before.get(f.row_of), open=True)
    if f.readonly:
        if shown is not None:  # an input parameter of the same name: the value the form shows and keeps
            expression = _expression(shown)
            return derived(expression, before) if expression is not None else constant(shown)
        if f.default is None:
            return None
        return Var(domain=(KEEP,), earlier=before.get(f.id), default=_default(f, before))
    required = _required(f)
    domain, open_ = _choices(f, required)
    if not required:
        domain = domain + (KEEP,)
    teams = (f.prop("choose_from") or "").strip()
    people = tuple(t.strip() for t in teams[len("team:"):].split(",") if t.strip()) if f.picks_person else ()
    return Var(domain=domain, earlier=before.get(f.id), default=_default(f, before), open=open_, people=people)


def _required(f: FormField) -> bool:
    return "required" in dict(f.constraints)


def _choices(f: FormField, required: bool) -> tuple[tuple, bool]:
    """(the answers a field can be given, whether they are free text)."""
    refused = f.constraint("refuse")
    options = tuple(o for o in f.options if o != refused)
    if f.per_child:
        answers = tuple(AsMap(zip(map(str, range(1, size + 1)), used))
                        for size in range(1, min(len(options), CHILDREN) + 1)
                        for used in itertools.combinations(options, size))
        return answers + (() if required else (AsMap(),)), False
    if f.picks_children:
        return (ALL_CHILDREN, SOME_CHILDREN) + (() if required else (AsList(),)), False
    if f.type == "enum" and options and not f.multiple and not f.picks_person:
        return options, False
    if f.type == "boolean":
        return ((True,) if required else (True, False)), False
    if f.pattern_choices:
        return f.pattern_choices, False
    return (OPAQUE,), True  # text, a date, a number, a person, several options ticked


def _default(f: FormField, before: dict[str, Var]) -> Var | None:
    if f.default is None:
        return None
    expression = _expression(f.default)
    if expression is not None:
        return derived(expression, before)
    return constant(_typed(f, f.default))


def _typed(f: FormField, text: str) -> Any:
    if f.type == "boolean":
        return text.strip().lower() == "true"
    if f.type == "long":
        try:
            return int(text)
        except ValueError:
            return text
    if f.picks_children and f.multiple:
        return AsList(part.strip() for part in text.split(","))
    return text


def _rules(f: FormField) -> list[str]:
    """The form's rules across fields, as expressions that hold whatever was answered."""
    empty = EMPTY.format(name=f.id)
    found = []
    condition = f.constraint("required_if")
    if condition and not _required(f):
        found.append(f"not ({condition}) or not ({empty})")
    valid = f.constraint("valid_if")
    if valid:
        found.append(f"({empty}) or ({valid})")
    return found


def enter_call(knowledge: Knowledge, node: Node) -> tuple[Knowledge, dict[str, Var | None]]:
    """The callee's data: a copy of the caller's, with its `camunda:in` targets set; and the caller's own values
    of those targets, which it keeps (bpmn/README.md)."""
    callee = knowledge.copy()
    saved = {m.target: knowledge.env.get(m.target) for m in node.call_ins}
    for m in node.call_ins:
        if m.expression is not None:
            callee.env[m.target] = derived(m.expression, knowledge.env)
        elif m.source in knowledge.env:
            callee.env[m.target] = knowledge.env[m.source]
        else:
            callee.env.pop(m.target, None)
    return callee, saved


def leave_call(callee: Knowledge, saved: dict[str, Var | None], node: Node) -> Knowledge:
    """The caller's data after the call: all the callee's, its own values of the `camunda:in` targets kept,
    then the `camunda:out` targets copied from the callee's end."""
    outs: dict[str, Var | None] = {}
    for m in node.call_outs:
        outs[m.target] = derived(m.expression, callee.env) if m.expression is not None else callee.env.get(m.source)
    back = callee.copy()
    for target, var in {**saved, **outs}.items():
        if var is None:
            back.env.pop(target, None)
        else:
            back.env[target] = var
    return back
