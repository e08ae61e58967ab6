"""An expression's cost is bounded by how it is written: no loops, no ranges, no big repetition.

A comprehension or generator (`… for … in …`) costs as much as the data it walks, `range` as much as its
number, and `"x" * n` as much as n: one of them in a condition can hang a worker. The evaluator stops such
an expression at run time (expressions/budget.py) and fails the case; the check refuses it before it is
deployed. Conditions never need them: per-child answers are routed with children(field, "option").
"""

from __future__ import annotations

import ast

from .expression_reads import called, parse

MAX_REPEAT = 100  # "-" * 20 is fine; a repetition past this is a data bomb or a mistake
COMPREHENSIONS = {
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
}


def cost_problem(text: str | None) -> str | None:
    """Why the expression's cost is not bounded, or None."""
    tree = parse(text)
    if tree is None:
        return None
    for node in ast.walk(tree):
        what = COMPREHENSIONS.get(type(node))
        if what:
            return (f"{what} (… for … in …) is not allowed: its cost grows with the data it walks. Route on "
                    f"per-child answers with children(field, \"option_id\"), and test each answer by its name "
                    f"(e.g. family_consent == \"no\")")
        if called(node, "range"):
            return "range() is not allowed: compare numbers directly, e.g. 1 <= number_of_visits <= 10"
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Pow, ast.LShift)):
            return "** and << are not allowed: write the number itself"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            problem = _repetition(node)
            if problem:
                return problem
    return None


def _repetition(node: ast.BinOp) -> str | None:
    for sequence, count in ((node.left, node.right), (node.right, node.left)):
        if not _is_sequence(sequence):
            continue
        if isinstance(count, ast.Constant) and isinstance(count.value, int) and count.value <= MAX_REPEAT:
            return None
        return (f"repeating text or a list (… * n) is not allowed past {MAX_REPEAT} times, nor by a number "
                f"from the case data: write the value itself")
    return None


def _is_sequence(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    return isinstance(node, (ast.List, ast.Tuple, ast.ListComp, ast.JoinedStr))
