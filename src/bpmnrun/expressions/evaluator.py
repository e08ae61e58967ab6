"""The restricted evaluator for every expression in a diagram.

Gateway conditions, timer expressions, assignees, due dates and multi-instance collections are
written by process owners, not programmers, and must never be able to run code: no imports, no
attribute names starting with an underscore (which is how the RestrictedPython `safe_globals`
recipe is escaped, through `().__class__.__base__.__subclasses__()`), no I/O, and only a short
list of builtins. Expressions are compiled with RestrictedPython's compiler and run with guards of
our own; the compiled code is cached per expression text.
"""

from __future__ import annotations

import ast
import builtins
from functools import lru_cache
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval
from RestrictedPython.Guards import guarded_iter_unpack_sequence, safer_getattr

from . import time_functions

MAX_LENGTH = 2000
MAX_RANGE = 10_000

ALLOWED_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "len any all min max sum sorted abs round int str bool float list dict set tuple "
        "enumerate zip isinstance"
    ).split()
}


class ExpressionError(ValueError):
    """An expression that is not allowed, does not compile, or fails when evaluated."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"{reason} in expression {expression!r}")
        self.expression = expression
        self.reason = reason


def _bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ValueError(f"range of more than {MAX_RANGE} items")
    return r


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_"):
        raise AttributeError(f"attribute {name!r} is not allowed")
    return safer_getattr(obj, name, default)


def _getitem(obj: Any, key: Any) -> Any:
    return obj[key]


_FORBIDDEN_NODES = (ast.Pow, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)


def _check_shape(expression: str) -> None:
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(expression[:60] + "…", f"longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(expression, f"syntax error: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, _FORBIDDEN_NODES):
            raise ExpressionError(expression, f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(expression, f"name {node.id!r} is not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(expression, f"attribute {node.attr!r} is not allowed")


@lru_cache(maxsize=4096)
def compile_expression(expression: str):
    """Compile once; raise ExpressionError for anything the evaluator refuses."""
    _check_shape(expression)
    result = compile_restricted_eval(expression.strip(), "<expression>")
    if result.errors:
        raise ExpressionError(expression, "; ".join(result.errors))
    return result.code


def _globals(functions: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    builtins = dict(ALLOWED_BUILTINS, range=_bounded_range)
    return {
        "__builtins__": builtins,
        "_getattr_": _getattr,
        "_getitem_": _getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        **functions,
    }


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate `expression` over case data with the diagram functions (working_days, …) in scope."""
    code = compile_expression(expression)
    # Data goes into the globals (not separate locals) so comprehensions can read it; the
    # functions and guards come last so a data variable cannot replace one of them.
    guarded = _globals(time_functions.FUNCTIONS)
    scope = {**data, **guarded["__builtins__"], **guarded, **_data_functions(data)}
    try:
        return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython, guarded globals
    except ExpressionError:
        raise
    except NameError as exc:
        raise ExpressionError(expression, f"unknown name: {exc.name}") from None
    except Exception as exc:  # any failure of a diagram's expression is the diagram's error
        raise ExpressionError(expression, f"{type(exc).__name__}: {exc}") from None


def _data_functions(data: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """`defined("x")` and `value("x", default)`: for data a path may or may not have set."""

    def defined(name: str) -> bool:
        return name in data and data[name] not in (None, "")

    def value(name: str, default: Any = None) -> Any:
        return data[name] if defined(name) else default

    return {"defined": defined, "value": value}
