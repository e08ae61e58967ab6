"""The restricted evaluator for every expression in a diagram.

Gateway conditions, timer expressions, assignees, due dates and multi-instance collections are
written by process owners, not programmers, and must never be able to run code: no imports, no
attribute names starting with an underscore (which is how the RestrictedPython `safe_globals`
recipe is escaped, through `().__class__.__base__.__subclasses__()`), no I/O, and only a short
list of builtins. Expressions are compiled with RestrictedPython's compiler and run with guards of
our own; the compiled code is cached per expression text.

Every evaluation also runs under a budget of steps and memory (budget.py): the compiled code sends each
call, operator, list or dict it builds, comparison and loop step through the budget, so an expression that
would run for hours or allocate gigabytes stops within milliseconds with an ExpressionError instead.
`bpmnrun check` refuses loops, ranges and big repetitions in new diagrams; the budget protects the cases
of versions already deployed.
"""

from __future__ import annotations

import ast
import builtins
from functools import lru_cache
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval
from RestrictedPython.Guards import guarded_iter_unpack_sequence, safer_getattr

from . import time_functions
from .budget import GUARD_CALL, GUARD_COMPARED, GUARD_NAMES, GUARD_NEW, GUARD_OPERATE, Budget, CostExceeded

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


# Data values are plain JSON (dicts, lists, strings, numbers): only methods that read are offered,
# so a condition can never change the case data it looks at.
READ_ONLY_METHODS = frozenset(
    "get keys values items count index startswith endswith lower upper strip lstrip rstrip split "
    "title casefold isdigit isalpha isalnum".split()
)
DATA_FUNCTIONS = ("defined", "value", "children", "children_except", "completed_by")
# The engine keeps here who completed each task (element id → user name), for `completed_by`.
DONE_BY = "done_by"


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_") or name not in READ_ONLY_METHODS:
        raise AttributeError(f"attribute {name!r} is not allowed")
    return safer_getattr(obj, name, default)


_FORBIDDEN_NODES = (ast.Pow, ast.LShift, ast.RShift, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield,
                    ast.YieldFrom, ast.JoinedStr, ast.Starred)
_OPERATIONS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
               ast.FloorDiv: "floor_divide", ast.Mod: "modulo", ast.BitOr: "or", ast.BitAnd: "and",
               ast.BitXor: "xor"}
_BUILT = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)


def _guard_call(name: str, *args: ast.expr, keywords: list[ast.keyword] | None = None) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=keywords or [])


class _Guard(ast.NodeTransformer):
    """Route the work an expression does through its Budget (see budget.py): `f(x)` → `bpmnrun_call(f, x)`,
    `a * b` → `bpmnrun_operate("multiply", a, b)`, `[…]` → `bpmnrun_new([…])`, comparison operands →
    `bpmnrun_compared(x)`. Loops and subscripts are routed by RestrictedPython (`_getiter_`, `_getitem_`)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = _OPERATIONS.get(type(node.op))
        if name is None:
            return node
        return ast.copy_location(_guard_call(GUARD_OPERATE, ast.Constant(name), node.left, node.right), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_guard_call(GUARD_CALL, node.func, *node.args, keywords=node.keywords), node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.left = _guard_call(GUARD_COMPARED, node.left)
        node.comparators = [_guard_call(GUARD_COMPARED, c) for c in node.comparators]
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        return node

    def visit(self, node: ast.AST) -> ast.AST:
        result = super().visit(node)
        if isinstance(node, _BUILT) and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return ast.copy_location(_guard_call(GUARD_NEW, result), node)
        return result


def _callable_names() -> set[str]:
    return set(ALLOWED_BUILTINS) | {"range", *time_functions.FUNCTIONS, *DATA_FUNCTIONS}


def _check_shape(expression: str) -> ast.Expression:
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(expression[:60] + "…", f"longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(expression, f"syntax error: {exc.msg}") from None
    callable_names = _callable_names()
    for node in ast.walk(tree):
        if isinstance(node, _FORBIDDEN_NODES):
            raise ExpressionError(expression, f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise ExpressionError(expression, "bytes (b'…') are not allowed: write text in plain quotes")
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in GUARD_NAMES):
            raise ExpressionError(expression, f"name {node.id!r} is not allowed")
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr not in READ_ONLY_METHODS):
            raise ExpressionError(expression, f"attribute {node.attr!r} is not allowed")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in callable_names:
            raise ExpressionError(expression, f"{node.func.id}() is not a function expressions may call")
    return tree


@lru_cache(maxsize=4096)
def compile_expression(expression: str):
    """Compile once; raise ExpressionError for anything the evaluator refuses."""
    tree = ast.fix_missing_locations(_Guard().visit(_check_shape(expression)))
    result = compile_restricted_eval(tree, "<expression>")
    if result.errors:
        raise ExpressionError(expression, "; ".join(result.errors))
    return result.code


def evaluate(expression: str, data: Mapping[str, Any], budget: Budget | None = None) -> Any:
    """Evaluate `expression` over case data with the diagram functions (working_days, …) in scope.

    It runs under a Budget of steps and cells (budget.py): past it, it fails with ExpressionError."""
    code = compile_expression(expression)
    budget = budget or Budget()
    budget.given(data.values())
    # Data goes into the globals (not separate locals) so comprehensions can read it; the
    # functions and guards come last so a data variable cannot replace one of them.
    builtins = dict(ALLOWED_BUILTINS, range=_bounded_range)
    scope = {**data, **builtins, **time_functions.FUNCTIONS, **_data_functions(data),
             "__builtins__": builtins, "_getattr_": _getattr,
             "_iter_unpack_sequence_": guarded_iter_unpack_sequence, **budget.scope()}
    try:
        return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython, guarded globals
    except ExpressionError:
        raise
    except CostExceeded as exc:
        raise ExpressionError(expression, f"stopped: {exc}") from None
    except NameError as exc:
        raise ExpressionError(expression, f"unknown name: {exc.name}") from None
    except Exception as exc:  # any failure of a diagram's expression is the diagram's error
        raise ExpressionError(expression, f"{type(exc).__name__}: {exc}") from None


def _data_functions(data: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """Functions that read the case data: `defined("x")` and `value("x", default)` for data a path may or
    may not have set; `children(…)` for the children a picker or a per-child answer names, and
    `children_except(…)` for the others;
    `completed_by("Task_id")` for the user who finished a task of this piece of work."""

    def defined(name: str) -> bool:
        return name in data and data[name] not in (None, "")

    def value(name: str, default: Any = None) -> Any:
        return data[name] if defined(name) else default

    def children(chosen: Any, answer: Any = None) -> list[dict]:
        """The subjects (children) chosen: a list of child ids (a children picker), or, with `answer`, a
        per-child map whose value for the child equals `answer`. In the order of `subjects`."""
        subjects = data.get("subjects") or []
        if answer is not None:
            chosen = [child for child, given in dict(chosen or {}).items() if given == answer]
        wanted = {str(c) for c in (chosen or [])}
        return [s for s in subjects if str(s.get("id")) in wanted]

    def children_except(chosen: Any, answer: Any = None) -> list[dict]:
        """The subjects `children(chosen, answer)` leaves out: the children not ticked (or not given that answer)."""
        named = {str(s.get("id")) for s in children(chosen, answer)}
        return [s for s in data.get("subjects") or [] if str(s.get("id")) not in named]

    def completed_by(element_id: str) -> str | None:
        return (data.get(DONE_BY) or {}).get(element_id)

    return {"defined": defined, "value": value, "children": children, "children_except": children_except,
            "completed_by": completed_by}
