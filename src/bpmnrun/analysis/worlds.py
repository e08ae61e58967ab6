"""What a path knows of the case data: the values each name may hold, and what the path learnt on the way.

Path enumeration without this would walk branches no case can take (York's closure, called from a single
assessment, down its MASH route; L1's closure cancelling visits L1 never allows). So every name the path has
written points to a `Var`:
- chosen by a form: one of a small `domain` (an enum's options, yes/no, "every child" or "some of them" for a
  children picker, the set of answers given per child, or `OPAQUE` for text, dates and people); `KEEP` in the
  domain stands for a field left empty, which keeps the earlier value (or the field's default);
- computed from other values: an `expression` over the names as they were (an output parameter, a call's
  `camunda:in` source expression, a `${…}` default).
What the path learnt (the branches it took, the forms' required_if and valid_if rules) are `Constraint`s. A
`World` is one combination of choices, in which every expression is worked out with the diagrams' own
restricted evaluator; oracle.py finds which branches of a gateway the worlds that fit the constraints take.
Nothing is guessed: a value the forms leave open stays open, so paths may still hold combinations the case data
could not have (free text compared with a constant, say), never lack one it could.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from ..expressions.evaluator import ExpressionError, evaluate
from ..library.expression_reads import reads_of

UNSET = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
KEEP = type("Keep", (), {"__repr__": lambda self: "KEEP"})()
OPAQUE = "(an answer)"  # typed text, a date, a person: never equal to an option id
CHILDREN = 5  # children per case in every world: enough for a per-child answer to use five options at once


class AsList(tuple):
    """A list value (children picked), kept hashable in a domain."""


class AsMap(tuple):
    """A per-child answer map, as (child id, answer) pairs."""


SUBJECTS_KEY = "all subjects"  # stands for the `subjects` list itself, made concrete as SUBJECTS
SUBJECTS = [{"id": str(n), "name": f"Child {n}"} for n in range(1, CHILDREN + 1)]
ALL_CHILDREN = AsList(s["id"] for s in SUBJECTS)
SOME_CHILDREN = AsList(ALL_CHILDREN[:1])


@dataclass(eq=False)
class Var:
    """One value a name holds on a path (compared by identity: two writes are two values)."""

    domain: tuple = ()
    expression: str | None = None
    env: Mapping[str, "Var"] | None = None  # the names as they were, for `expression`
    earlier: "Var | None" = None  # what KEEP keeps
    default: "Var | None" = None  # what KEEP gives when the earlier value is empty
    open: bool = False  # free text: compared with a constant, that constant is a possible value too
    people: tuple[str, ...] = ()  # a person picker's teams: whoever answers may name themself if in one
    writer: Any = None  # the step (or start event) whose answer this is, for decision makers
    _free: frozenset | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # short: the values a var depends on form a graph far too big to print
        what = f"= {self.expression}" if self.expression is not None else f"in {self.domain!r}"
        return f"<Var {id(self):x} {what}>"

    def free(self) -> frozenset:
        """The chosen values this one depends on (itself, when it is chosen)."""
        if self._free is None:
            found: set[Var] = set()
            if self.expression is not None:
                for name in names(self.expression):
                    if self.env and name in self.env:
                        found |= self.env[name].free()
            else:
                if len(self.domain) > 1 or self.open:  # a single possible value is no choice
                    found.add(self)
                if KEEP in self.domain:
                    found |= self.earlier.free() if self.earlier else frozenset()
                    found |= self.default.free() if self.default else frozenset()
            self._free = frozenset(found)
        return self._free

    def writers(self) -> set:
        """Who chose what this value depends on (a value a form fixes, read-only or single-option, is nobody's
        choice)."""
        return {v.writer for v in self.free() if v.writer is not None}


def constant(value: Any) -> Var:
    return Var(domain=(value,))


def derived(expression: str, env: Mapping[str, Var]) -> Var:
    return Var(expression=expression, env=dict(env))


@dataclass(frozen=True, eq=False)
class Constraint:
    """What the path learnt: `expression` over `env` gave `truth` (a branch taken or refused, a form rule).
    `lenient`: an expression that cannot be worked out does not restrict (a form rule not yet decidable)."""

    expression: str
    env: Mapping[str, Var] = field(repr=False)
    truth: bool = True
    lenient: bool = False

    @cached_property
    def free(self) -> frozenset:
        """The chosen values the expression depends on."""
        found: set[Var] = set()
        for name in names(self.expression):
            if name in self.env:
                found |= self.env[name].free()
        return frozenset(found)


@dataclass
class Knowledge:
    env: dict[str, Var]
    constraints: tuple[Constraint, ...] = ()

    def __repr__(self) -> str:
        return f"<Knowledge of {len(self.env)} names, {len(self.constraints)} constraints>"

    def copy(self) -> "Knowledge":
        return Knowledge(dict(self.env), self.constraints)

    def learn(self, *learnt: Constraint) -> None:
        self.constraints = self.constraints + tuple(learnt)


def start_knowledge() -> Knowledge:
    """What every piece of work starts with: its children and the engine's keys; a Case Status maybe."""
    return Knowledge({"subjects": constant(AsList((SUBJECTS_KEY,))), "family": constant(OPAQUE),
                      "case_id": constant(1), "started_by": constant(OPAQUE), "done_by": constant(AsMap()),
                      "case_status": Var(domain=(OPAQUE, UNSET), open=True)})


# --- working values out in one world ---------------------------------------------------------------------------

def names(expression: str) -> frozenset[str]:
    reads = reads_of(expression)
    return frozenset() if reads is None else reads.names | reads.optional


def _concrete(value: Any) -> Any:
    if isinstance(value, AsMap):
        return dict(value)
    if isinstance(value, AsList):
        return list(SUBJECTS) if value == (SUBJECTS_KEY,) else list(value)
    return value


def _empty(value: Any) -> bool:
    return value is UNSET or value is None or value == "" or value == [] or value == {}


class World:
    """One combination of choices, and the values every name then has."""

    def __init__(self, chosen: Mapping[Var, Any]) -> None:
        self.chosen = chosen
        self.values: dict[Var, Any] = {}

    def value(self, var: Var) -> Any:
        if var not in self.values:
            self.values[var] = self._work_out(var)
        return self.values[var]

    def _work_out(self, var: Var) -> Any:
        if var.expression is not None:
            return self.evaluate(var.expression, var.env or {}, failed=UNSET)
        choice = self.chosen.get(var, var.domain[0] if var.domain else UNSET)
        if choice is not KEEP:
            return _concrete(choice)
        kept = self.value(var.earlier) if var.earlier else UNSET
        if _empty(kept) and var.default is not None:
            return self.value(var.default)
        return kept

    def evaluate(self, expression: str, env: Mapping[str, Var], failed: Any = None) -> Any:
        data = {"subjects": list(SUBJECTS)}
        for name in names(expression):
            if name in env:
                value = self.value(env[name])
                if value is not UNSET:
                    data[name] = value
        try:
            return evaluate(expression, data)
        except ExpressionError:
            return failed

    def satisfies(self, constraint: Constraint) -> bool:
        result = self.evaluate(constraint.expression, constraint.env, failed=UNSET)
        if result is UNSET:
            return constraint.lenient or not constraint.truth
        return bool(result) == constraint.truth
