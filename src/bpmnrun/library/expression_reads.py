"""What an expression reads from the case data, found by parsing it (ast), never by running it.

A name is read directly (it must be set, else the expression fails with "unknown name"), or only through
`defined("x")` / `value("x", default)` (it may be missing). The evaluator's functions and builtins take
precedence over data of the same name, so they are never data reads.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

from ..expressions import time_functions
from ..expressions.evaluator import ALLOWED_BUILTINS, DATA_FUNCTIONS

FUNCTION_NAMES = frozenset({*ALLOWED_BUILTINS, "range", *time_functions.FUNCTIONS, *DATA_FUNCTIONS})
OPTIONAL_READERS = ("defined", "value")


@dataclass(frozen=True)
class Reads:
    names: frozenset[str]  # read directly: must be set on every path
    optional: frozenset[str]  # read only through defined("x") / value("x", …)
    completed_by: tuple[str, ...]  # the task ids given to completed_by("…")


@lru_cache(maxsize=4096)
def parse(text: str | None) -> ast.expr | None:
    """The expression's tree, or None when it is not a Python expression (the compile rule says why)."""
    try:
        return ast.parse((text or "").strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def literal_argument(call: ast.Call, position: int = 0) -> str | None:
    """The string literal given as a call's argument, if it is one."""
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        value = call.args[position].value
        return value if isinstance(value, str) else None
    return None


def called(node: ast.AST, *names: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


@lru_cache(maxsize=4096)
def reads_of(text: str | None) -> Reads | None:
    tree = parse(text)
    if tree is None:
        return None
    names: set[str] = set()
    optional: set[str] = set()
    _visit(tree, frozenset(), names, optional)
    bound = _comprehension_targets(tree)
    tasks = [literal_argument(n) for n in ast.walk(tree) if called(n, "completed_by") and literal_argument(n)]
    return Reads(frozenset(names - bound), frozenset(optional - names - bound), tuple(tasks))


def _visit(node: ast.AST, guarded: frozenset[str], names: set[str], optional: set[str]) -> None:
    """Collect reads; `guarded` are names a defined("x") test protects here (`defined("x") and x == 1`,
    `not defined("x") or x == 1`, `x if defined("x") else 0`): reading them cannot fail."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if node.id not in FUNCTION_NAMES:
            (optional if node.id in guarded else names).add(node.id)
        return
    if called(node, *OPTIONAL_READERS) and literal_argument(node) is not None:
        optional.add(literal_argument(node))
    if isinstance(node, ast.BoolOp):
        protected = guarded
        for value in node.values:
            _visit(value, protected, names, optional)
            protected = protected | _tested(value, isinstance(node.op, ast.And))
        return
    if isinstance(node, ast.IfExp):
        _visit(node.test, guarded, names, optional)
        _visit(node.body, guarded | _tested(node.test, True), names, optional)
        _visit(node.orelse, guarded | _tested(node.test, False), names, optional)
        return
    for child in ast.iter_child_nodes(node):
        _visit(child, guarded, names, optional)


def _tested(node: ast.AST, when_true: bool) -> frozenset[str]:
    """Names `node` shows to be defined when it is `when_true` (True after an `and`, False after an `or`)."""
    if called(node, "defined") and literal_argument(node) is not None:
        return frozenset({literal_argument(node)}) if when_true else frozenset()
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _tested(node.operand, not when_true)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) and when_true:
        return frozenset().union(*(_tested(v, True) for v in node.values))
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and not when_true:
        return frozenset().union(*(_tested(v, False) for v in node.values))
    return frozenset()


def _comprehension_targets(tree: ast.AST) -> set[str]:
    # Loop variables of a comprehension are its own, not case data. (Comprehensions are refused by the
    # cost rule anyway; this only keeps their variables out of "unknown name" messages.)
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return bound


def name_of(node: ast.AST) -> str | None:
    """The data name an operand stands for: `x`, or `value("x", …)`."""
    if isinstance(node, ast.Name) and node.id not in FUNCTION_NAMES:
        return node.id
    if called(node, "value"):
        return literal_argument(node)
    return None
