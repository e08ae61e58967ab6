"""An expression uses a field as the field stores it: enum values are option ids, never their names.

A form stores an enum answer as the option's id (`yes`), a multiple choice as a list of ids, a per-child
answer as a map child → id, a tick box as True/False. `family_consent == "Yes"` compares the id with the
option's NAME: it is never true, and a gateway without a default then stops the case for good. So every
comparison of a field with a literal (`==`, `!=`, `in` a literal list, `"x" in field`, and the option given
to `children(field, "option")`) is checked against what the field stores.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import Callable, Iterator

from .expression_reads import called, literal_argument, name_of, parse
from .graph import FormField
from .value_sources import Sources

SourcesOf = Callable[[str], "Sources | None"]


def _literals(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _uses(tree: ast.AST) -> Iterator[tuple[str, str, list[str]]]:
    """(field name, how it is used, the literals) for each comparison or children() call with literals."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for left, op, right in zip(operands, node.ops, operands[1:]):
                yield from _pair(left, op, right)
        elif called(node, "children", "children_except") and node.args and name_of(node.args[0]):
            option = literal_argument(node, 1)
            yield name_of(node.args[0]), "children", [option] if option is not None else []


def _pair(left: ast.AST, op: ast.cmpop, right: ast.AST) -> Iterator[tuple[str, str, list[str]]]:
    if isinstance(op, (ast.Eq, ast.NotEq)):
        for name_side, literal_side in ((left, right), (right, left)):
            literals = _literals(literal_side) if isinstance(literal_side, ast.Constant) else None
            if name_of(name_side) and literals:
                yield name_of(name_side), "==", literals
    elif isinstance(op, (ast.In, ast.NotIn)):
        if name_of(left) and _literals(right) and not isinstance(right, ast.Constant):
            yield name_of(left), "== one of", _literals(right)
        elif name_of(right) and isinstance(left, ast.Constant) and _literals(left):
            yield name_of(right), "in", _literals(left)


def check_field_use(text: str | None, label: str, sources_of: SourcesOf) -> list[str]:
    """Messages for each use of a field that does not fit what the field stores."""
    tree = parse(text)
    if tree is None:
        return []
    found: list[str] = []
    for name, use, literals in _uses(tree):
        sources = sources_of(name)
        if sources:
            message = _misuse(label, name, use, literals, sources)
            if message and message not in found:
                found.append(message)
    return found


def _misuse(label: str, name: str, use: str, literals: list[str], sources: Sources) -> str | None:
    fields = sources.fields
    given = [c for c in sources.constants if isinstance(c, str)]
    if not fields and sources.partial:
        return None  # only callers give it fixed values, and a caller out of sight may give another
    kinds = {_kind(f) for f in fields} or ({"choice"} if given else set())
    if len(kinds) != 1:
        return None  # set by fields of different kinds: nothing certain to say
    kind = kinds.pop()
    if use == "children":
        if kind not in ("per_child", "children", "per_child_other"):
            what = "a per-child field (per_child = true)" if literals else "a children picker (choose_from = subjects)"
            return (f"{label} calls children({name}{', …' if literals else ''}), but {name} is not {what}: "
                    f"{_how(name, kind, literals[0] if literals else 'option_id')}")
        if kind == "children" and literals:
            return f"{label} calls children({name}, \"{literals[0]}\"), but {name} is a children picker: write children({name})"
        return _option_problem(f"{label} calls children({name}, …) with", name, literals, fields, given) \
            if kind == "per_child" else None
    if kind == "choice" and use in ("==", "== one of"):
        return _choice_problem(label, name, literals, fields, given)
    if kind == "boolean" and use == "==":
        return (f"{label} compares {name} with \"{literals[0]}\", but {name} is a yes/no tick box (True or False): "
                f"write {name} == True, or just {name}")
    if kind == "single":
        return _option_problem(f"{label} compares {name} with", name, literals, fields, given) if use != "in" else None
    if kind == "multiple":
        if use == "in":
            return _option_problem(f"{label} looks for", name, literals, fields, given)
        return (f"{label} compares {name} with \"{literals[0]}\", but {name} holds the list of ticked options: "
                f"write \"{literals[0]}\" in {name}")
    if kind == "per_child" and use in ("==", "== one of", "in"):
        return (f"{label} compares {name} with \"{literals[0]}\", but {name} holds one answer per child: write "
                f"children({name}, \"{literals[0]}\") (the children who answered so)")
    return None


def _kind(f: FormField) -> str:
    if f.picks_children:
        return "children"
    if f.picks_person:
        return "person"
    if f.per_child:
        return "per_child" if f.fixed_options else "per_child_other"
    if f.type == "boolean":
        return "boolean"
    if f.type == "enum":
        return "multiple" if f.multiple else "single"
    return "choice" if f.pattern_choices else f.type


def _how(name: str, kind: str, option: str) -> str:
    if kind == "single":
        return f"it has one answer; compare it directly, e.g. {name} == \"{option}\""
    if kind == "multiple":
        return f"it holds the ticked options; test one with \"{option}\" in {name}"
    return "children() takes a children picker, or a per-child field and one of its options"


def _option_problem(said: str, name: str, literals: list[str], fields: list[FormField],
                    given: list[str]) -> str | None:
    """`said` is how the message starts: "condition compares decision with", …; `given`: fixed values mappings
    give the name besides its fields' options."""
    ids = list(dict.fromkeys([o for f in fields for o in f.options] + given))
    names = {_plain(n): o for f in fields for o, n in zip(f.options, f.option_names)}
    for literal in literals:
        if literal in ids:
            continue
        shown_ids = ", ".join(f'"{i}"' for i in ids)
        whose = f"{name}'s" if said.endswith(", …) with") else "its"
        message = f"{said} \"{literal}\", which is not one of {whose} option ids ({shown_ids})"
        if _plain(literal) in names:
            right = names[_plain(literal)]
            return (f"{message}: \"{literal}\" is the name of option \"{right}\"; the answer stored is the id, so "
                    f"write \"{right}\"")
        close = difflib.get_close_matches(literal, ids, n=1, cutoff=0.6)
        return message + (f": did you mean \"{close[0]}\"?" if close else ": the answer stored is an option's id")
    return None


def _choice_problem(label: str, name: str, literals: list[str], fields: list[FormField],
                    given: list[str]) -> str | None:
    """A text field whose pattern lists its answers (`a|b|c`), or a name only mappings set to fixed values: a
    literal it never holds is never equal."""
    choices = list(dict.fromkeys([c for f in fields for c in f.pattern_choices] + given))
    how = "its pattern never accepts" if fields else "it is never given"
    for literal in literals:
        if literal not in choices:
            close = difflib.get_close_matches(literal, choices, n=1, cutoff=0.6)
            return (f"{label} compares {name} with \"{literal}\", which {how} (its values are "
                    f"{', '.join(repr(c) for c in choices)})" + (f": did you mean \"{close[0]}\"?" if close else ""))
    return None


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
