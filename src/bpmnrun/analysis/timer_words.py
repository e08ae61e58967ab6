"""A timer expression in the words an analyst reads: working_days(5, step_down_on) → "5 working days after
step_down_on", "P10D" → "10 days", duty_window([...], "09:00", "12:00") → "start of the next duty window (…)"."""

from __future__ import annotations

import ast
import re


def limit_words(expression: str) -> str:
    """`expression` in words, or as written when it is not one of the shapes read here."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return expression
    if isinstance(tree, ast.IfExp):  # "… if defined(x) else <never>": the limit is the first branch
        tree = tree.body
    words = _words(tree)
    return words if words is not None else expression


def _words(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _duration(node.value)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    args = [_argument(a) for a in node.args]
    name = node.func.id
    if name == "working_days" and args == [0] or (name == "working_days" and len(args) == 2 and args[0] == 0):
        return "end of the day" + (f" of {args[1]}" if len(args) > 1 else "")
    if name == "working_days" and args:
        unit = "working day" if args[0] == 1 else "working days"
        return f"{args[0]} {unit}" + (f" after {args[1]}" if len(args) > 1 else "")
    if name == "weekly" and len(args) == 2:
        return f"next {args[0]} at {args[1]}"
    if name in ("duty_window", "duty_window_end") and len(args) == 3:
        days = ", ".join(args[0]) if isinstance(args[0], (list, tuple)) else str(args[0])
        which = "start of the next" if name == "duty_window" else "end of the"
        return f"{which} duty window ({days}, {args[1]}–{args[2]})"
    return None


def _argument(node: ast.expr):
    if isinstance(node, (ast.Constant, ast.List, ast.Tuple)):
        return ast.literal_eval(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "value" and node.args:
        return _argument(node.args[0])  # value("assessment_completed_on") reads as its name
    return ast.unparse(node)


def _duration(text: str) -> str | None:
    found = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", text)
    if not found or not any(found.groups()):
        return None
    units = ("year", "month", "week", "day", "hour", "minute")
    return ", ".join(f"{n} {u}{'' if n == '1' else 's'}" for n, u in zip(found.groups(), units) if n)
