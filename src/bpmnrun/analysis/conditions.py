"""What a path already knows about the case data, and whether a gateway condition can hold on it.

Path enumeration without this would walk branches no case can take: York's closure sub-process, called from a
single assessment, would also be walked down its MASH route. So each path carries `Facts`: values the path has
fixed (a branch taken on `route == "mash"`, a read-only or single-option form field), values it has ruled out
(the default branch of `support_type == "targeted_intervention"`), and whole sub-expressions already found true
or false (the same `any(...)` tested at two gateways). A condition is then true, false or unknown (None);
only a false one prunes. Anything the conditions do not say plainly stays unknown: this over-approximates,
never hides a path a case could take.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

UNKNOWN = object()


@dataclass
class Facts:
    known: dict[str, Any] = field(default_factory=dict)
    excluded: dict[str, frozenset] = field(default_factory=dict)
    truths: dict[str, bool] = field(default_factory=dict)
    fixed: set[str] = field(default_factory=set)  # set by the process itself (read-only, single-option fields)

    def copy(self) -> "Facts":
        return Facts(dict(self.known), dict(self.excluded), dict(self.truths), set(self.fixed))

    def fix(self, name: str, value: Any) -> None:
        self.set(name, value)
        self.fixed.add(name)

    def set(self, name: str, value: Any) -> None:
        self.forget(name)
        self.known[name] = value

    def forget(self, name: str) -> None:
        """A form asks for `name` again: what the path knew of it no longer holds."""
        self.known.pop(name, None)
        self.excluded.pop(name, None)
        mention = f"id='{name}'"
        self.truths = {k: v for k, v in self.truths.items() if mention not in k}


@lru_cache(maxsize=1024)
def _parse(source: str) -> ast.expr | None:
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError:
        return None


def evaluate(source: str | None, facts: Facts) -> bool | None:
    """True, False, or None when the facts do not decide it (or it is not an expression we read)."""
    if source is None:
        return None
    tree = _parse(source)
    return None if tree is None else _truth(tree, facts)


def learn(source: str | None, truth: bool, facts: Facts) -> None:
    """Record in `facts` what taking (truth=True) or refusing (False) a branch with this condition tells."""
    tree = _parse(source) if source else None
    if tree is not None:
        _learn(tree, truth, facts)


def _truth(node: ast.expr, facts: Facts) -> bool | None:
    remembered = facts.truths.get(ast.dump(node))
    if remembered is None:
        remembered = facts.truths.get(_as_subscripts(node))
    if remembered is not None:
        return remembered
    if isinstance(node, ast.BoolOp):
        values = [_truth(v, facts) for v in node.values]
        decisive = isinstance(node.op, ast.Or)  # True decides an `or`, False an `and`
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand, facts)
        return None if inner is None else not inner
    if isinstance(node, ast.IfExp):
        test = _truth(node.test, facts)
        if test is not None:
            return _truth(node.body if test else node.orelse, facts)
        body, orelse = _truth(node.body, facts), _truth(node.orelse, facts)
        return body if body == orelse else None
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _compare(node.left, node.ops[0], node.comparators[0], facts)
    value = _value(node, facts)
    return None if value is UNKNOWN else bool(value)


class _GetToSubscript(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(node.args) == 2 and not node.keywords:
            return ast.Subscript(value=func.value, slice=node.args[0], ctx=ast.Load())
        return node


@lru_cache(maxsize=1024)
def _subscript_dump(dumped: str, source: ast.expr) -> str:
    return ast.dump(_GetToSubscript().visit(copy.deepcopy(source)))


def _as_subscripts(node: ast.expr) -> str:
    """`node` with `s.get(k, d)` read as `s[k]`, to match a truth the path learnt in the subscript form.

    L4 tests `any(s.get("assessment_outcome", X) == X for s in subjects)`, L5 before it
    `any(s["assessment_outcome"] == X for s in subjects)`. Once the subscript form held, the same subject
    makes the `get` form hold; once it failed, every subject had the key (or `s[k]` would have raised), so
    `get` reads the same values. Only this direction is used: a truth learnt of a `get` test says nothing
    of the subscript one, whose keys may be missing.
    """
    dumped = ast.dump(node)
    return _subscript_dump(dumped, node) if ".get" in dumped or "attr='get'" in dumped else dumped


def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr, facts: Facts) -> bool | None:
    a, b = _value(left, facts), _value(right, facts)
    if a is not UNKNOWN and b is not UNKNOWN:
        try:
            return bool(_apply(op, a, b))
        except TypeError:
            return None
    if isinstance(op, (ast.Eq, ast.NotEq)):
        name, constant = (left, b) if isinstance(left, ast.Name) else (right, a)
        if isinstance(name, ast.Name) and constant is not UNKNOWN and constant in facts.excluded.get(name.id, ()):
            return isinstance(op, ast.NotEq)
    return None


def _apply(op: ast.cmpop, a: Any, b: Any) -> Any:
    ops = {ast.Eq: lambda: a == b, ast.NotEq: lambda: a != b, ast.In: lambda: a in b,
           ast.NotIn: lambda: a not in b, ast.Is: lambda: a is b, ast.IsNot: lambda: a is not b}
    if type(op) not in ops:
        raise TypeError("not read")
    return ops[type(op)]()


def _value(node: ast.expr, facts: Facts) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return facts.known.get(node.id, UNKNOWN)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [_value(e, facts) for e in node.elts]
        return UNKNOWN if UNKNOWN in items else tuple(items)
    return UNKNOWN


def _learn(node: ast.expr, truth: bool, facts: Facts) -> None:
    facts.truths[ast.dump(node)] = truth
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) == truth:
        for value in node.values:  # all of an `and` held, or none of an `or` did
            _learn(value, truth, facts)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _learn(node.operand, not truth, facts)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        _learn_compare(node.left, node.ops[0], node.comparators[0], truth, facts)


def _learn_compare(left: ast.expr, op: ast.cmpop, right: ast.expr, truth: bool, facts: Facts) -> None:
    if not isinstance(left, ast.Name):
        left, right = right, left
    if not (isinstance(left, ast.Name) and isinstance(right, ast.Constant)):
        return
    equal = truth if isinstance(op, ast.Eq) else (not truth if isinstance(op, ast.NotEq) else None)
    if equal is True:
        facts.set(left.id, right.value)
    elif equal is False and left.id not in facts.known:
        facts.excluded[left.id] = facts.excluded.get(left.id, frozenset()) | {right.value}
