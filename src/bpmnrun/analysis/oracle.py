"""Which branches of a gateway some case can take, given what the path knows (worlds.py).

The gateway's conditions depend on a few chosen values (its "targets"). Every combination of the targets is
tried; a combination counts when the constraints the path learnt can all hold with it, which a backtracking
search over the other choices those constraints involve decides. After the targets are fixed the constraints
fall apart into independent groups; each group is searched on its own, and its answer remembered for the values
of the targets it reads, so a path with many forms behind it is still quick to decide.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from typing import Any, Iterable

from ..library.expression_reads import called, literal_argument, parse
from .worlds import UNSET, Constraint, Knowledge, Var, World, names

MAX_WORLDS = 20_000  # combinations of a gateway's targets past which its branches are all taken as possible
MAX_SEARCH = 200_000  # search steps past which a group of constraints is taken to hold


@dataclass(frozen=True)
class Outcome:
    """One way on from a gateway: the flows taken (indexes) and what taking them tells."""

    taken: tuple[int, ...]
    learnt: tuple[Constraint, ...]


class Oracle:
    """Works out gateways' outcomes; remembers each, since sibling paths ask the same question."""

    def __init__(self) -> None:
        self._seen: dict[tuple, list[tuple[int, ...]]] = {}
        self.approximated = 0  # gateways with too many combinations to work out

    def outcomes(self, knowledge: Knowledge, conditions: list[str | None], default: int | None,
                 inclusive: bool) -> list[Outcome]:
        """Each way on at a gateway whose outgoing flows have `conditions` (None: no condition) and `default`
        (an index). Exclusive: the first flow whose condition holds, in document order (as SpiffWorkflow
        does), else the default. Inclusive: every flow whose condition holds, else the default."""
        env = knowledge.env
        tests = [Constraint(c, env) for c in conditions if c]
        targets = frozenset().union(*(t.free for t in tests))
        relevant = _relevant(knowledge.constraints, targets)
        # The objects themselves, not their ids: the key keeps them alive, so an id is never reused under it.
        key = (tuple(conditions), default, inclusive, targets, relevant,
               tuple(env.get(n) for c in conditions if c for n in sorted(names(c))))
        if key not in self._seen:
            self._seen[key] = self._work_out(env, conditions, default, inclusive, targets, relevant, tests)
        return [Outcome(taken, _learnt(env, conditions, default, inclusive, taken)) for taken in self._seen[key]]

    def _work_out(self, env, conditions, default, inclusive, targets, relevant, tests) -> list[tuple[int, ...]]:
        chosen = sorted(targets, key=id)
        domains = [domain(v, [*tests, *relevant]) for v in chosen]
        if _product(domains) > MAX_WORLDS:
            self.approximated += 1
            return _every_outcome(conditions, default, inclusive)
        search = _Search(relevant, targets)
        found: list[tuple[int, ...]] = []
        for combination in itertools.product(*domains):
            fixed = dict(zip(chosen, combination))
            if not search.fits(fixed):
                continue
            taken = _taken(World(fixed), env, conditions, default, inclusive)
            if taken and taken not in found:
                found.append(taken)
        return found


class _Search:
    """Whether fixed values of the targets fit the constraints: each group of constraints that share other
    choices is searched by backtracking, a constraint checked as soon as every choice it reads has a value."""

    def __init__(self, constraints: tuple[Constraint, ...], targets: frozenset) -> None:
        self.targets = targets
        self.groups = _groups(constraints, targets)
        self.known: dict[tuple, bool] = {}
        self.steps = 0

    def fits(self, fixed: dict[Var, Any]) -> bool:
        for index, (constraints, others, domains) in enumerate(self.groups):
            reads = tuple(fixed.get(v, UNSET) for c in constraints for v in sorted(c.free & self.targets, key=id))
            key = (index, reads)
            if key not in self.known:
                self.known[key] = self._fill(dict(fixed), others, domains, 0, list(constraints))
            if not self.known[key]:
                return False
        return True

    def _fill(self, assigned: dict[Var, Any], others: list[Var], domains: list[tuple], index: int,
              pending: list[Constraint]) -> bool:
        world = World(assigned)
        ready = [c for c in pending if c.free <= assigned.keys()]
        if not all(world.satisfies(c) for c in ready):
            return False
        pending = [c for c in pending if c not in ready]
        if not pending:
            return True
        self.steps += 1
        if index == len(others) or self.steps > MAX_SEARCH:
            return self.steps > MAX_SEARCH  # out of choices: no fit; out of patience: taken to fit
        var = others[index]
        for value in domains[index]:
            assigned[var] = value
            if self._fill(assigned, others, domains, index + 1, pending):
                return True
            del assigned[var]
        return False


def _groups(constraints: tuple[Constraint, ...], targets: frozenset) -> list[tuple]:
    """(constraints, other choices in the order met, their domains) per group sharing choices besides targets."""
    groups: list[tuple[list[Constraint], set[Var]]] = []
    for constraint in constraints:
        own = set(constraint.free - targets)
        joined = [g for g in groups if g[1] & own] if own else []
        merged = ([constraint], own)
        for group in joined:
            merged[0][:0] = group[0]
            merged[1].update(group[1])
            groups.remove(group)
        groups.append(merged)
    found = []
    for members, others in groups:
        ordered = list(dict.fromkeys(v for c in members for v in sorted(c.free - targets, key=id)))
        found.append((members, ordered, [domain(v, members) for v in ordered]))
    return found


def _relevant(constraints: Iterable[Constraint], targets: frozenset) -> tuple[Constraint, ...]:
    """The constraints sharing a chosen value with `targets`, and those sharing one with them, and so on."""
    chosen, picked, left = set(targets), [], list(constraints)
    changed = True
    while changed:
        changed = False
        for constraint in list(left):
            if constraint.free & chosen:
                picked.append(constraint)
                chosen |= constraint.free
                left.remove(constraint)
                changed = True
    return tuple(picked)


def _taken(world: World, env, conditions, default, inclusive) -> tuple[int, ...]:
    # A flow without a condition: never chosen at an exclusive gateway (SpiffWorkflow skips it, the default
    # aside), always taken at an inclusive one. A condition that fails counts as false.
    holds = [i != default and (bool(world.evaluate(c, env, failed=False)) if c else inclusive)
             for i, c in enumerate(conditions)]
    if inclusive:
        taken = tuple(i for i, h in enumerate(holds) if h)
    else:
        taken = next(((i,) for i, h in enumerate(holds) if h), ())
    return taken or ((default,) if default is not None else ())


def _learnt(env, conditions, default, inclusive, taken) -> tuple[Constraint, ...]:
    """Exclusive: the conditions before the one taken were false, it was true (all false for the default);
    inclusive: each condition was as taken."""
    learnt = []
    last = max(taken) if taken and not inclusive and default not in taken else len(conditions)
    for i, condition in enumerate(conditions):
        if not condition or i == default or (not inclusive and i > last):
            continue
        learnt.append(Constraint(condition, env, truth=i in taken))
    return tuple(learnt)


def _every_outcome(conditions, default, inclusive) -> list[tuple[int, ...]]:
    flows = [i for i in range(len(conditions)) if i != default]
    if not inclusive:
        return [(i,) for i in range(len(conditions))]
    combos = [c for size in range(1, len(flows) + 1) for c in itertools.combinations(flows, size)]
    return combos + ([(default,)] if default is not None else [])


def domain(var: Var, expressions: list[Constraint]) -> tuple:
    """The values tried for `var`: its domain, and for free text the strings the expressions compare it with."""
    values = var.domain or (UNSET,)
    if not var.open:
        return values
    extra = [c for e in expressions for c in _compared(e, var) if c not in values]
    return values + tuple(dict.fromkeys(extra))


def _compared(expression: Constraint, var: Var) -> list[str]:
    """String constants `expression` compares a name holding `var` with (`x == "a"`, `value("x") != "b"`)."""
    tree = parse(expression.expression)
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(expression.env.get(_name_of(side)) is var for side in sides):
                found.extend(s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str))
    return found


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if called(node, "value"):
        return literal_argument(node)
    return None


def _product(domains) -> int:
    total = 1
    for values in domains:
        total *= max(1, len(values))
        if total > MAX_WORLDS:
            break
    return total
