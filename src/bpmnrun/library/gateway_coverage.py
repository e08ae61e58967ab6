"""A gateway without a default flow takes a flow for every answer its conditions test.

When no condition holds and there is no default, SpiffWorkflow raises "No conditions satisfied" and the case
is stuck for good. The enum and yes/no fields a gateway's conditions test have few values, so every
combination of them is tried with the real evaluator. Combinations the path to the gateway rules out are
skipped: a flow every path to the gateway passes through holds its condition (a default flow: the negation of
its siblings'), unless a step between them asks for those fields again; and each form's valid_if rule holds.
A gateway that also tests something with unbounded values (a date, a number, text) is not judged: what is
reported is always a combination a case can really reach, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any, Callable

from ..expressions import ExpressionError, evaluate
from .data_flow import DataFlow
from .expression_reads import reads_of
from .graph import Flow, ProcessGraph
from .samples import ENGINE_SAMPLES, UNSET, shown

MAX_COMBINATIONS = 4096
SHOWN = 3  # uncovered combinations named in a message
Domain = Callable[[str], "list[Any] | None"]
SPLITS = ("exclusiveGateway", "inclusiveGateway")


@dataclass(frozen=True)
class Fact:
    condition: str
    holds: bool


def check_gateway(flow: DataFlow, gateway_id: str, domain_of: Domain, rules: list[str]) -> str | None:
    """A message naming the combinations no flow takes, or None (covered, or not decidable)."""
    graph = flow.graph
    gateway = graph.nodes[gateway_id]
    outgoing = graph.outgoing.get(gateway_id, [])
    if gateway.default_flow or len(outgoing) < 1 or any(f.condition is None for f in outgoing):
        return None  # a default catches the rest; a flow without a condition is its own rule's problem
    conditions = [f.condition for f in outgoing]
    names, domains = _domains(conditions, domain_of)
    if names is None:
        return None
    facts = facts_at(flow, gateway_id)
    uncovered = []
    for values in product(*domains):
        data = {**{k: v[0] for k, v in ENGINE_SAMPLES.items()},
                **{n: v for n, v in zip(names, values) if v is not UNSET}}
        if not _possible(data, facts, rules):
            continue
        outcomes = [_holds(c, data) for c in conditions]
        if all(o is False for o in outcomes):
            uncovered.append(" and ".join(f"{n} is {shown(v)}" for n, v in zip(names, values)
                                          if n not in ENGINE_SAMPLES))
    if not uncovered:
        return None
    listed = "; or when ".join(uncovered[:SHOWN]) + (f" (and {len(uncovered) - SHOWN} more)" if len(uncovered) > SHOWN else "")
    return (f"no flow out of this gateway is taken when {listed}: the case would stop here for good. Add a flow "
            f"for it, or make one flow the gateway's default")


def _domains(conditions: list[str], domain_of: Domain) -> tuple[list[str] | None, list[list[Any]]]:
    names: set[str] = set()
    optional: set[str] = set()
    for condition in conditions:
        reads = reads_of(condition)
        if reads is None:
            return None, []
        names |= reads.names
        optional |= reads.optional
    ordered = sorted(names | optional)
    domains = []
    size = 1
    for name in ordered:
        values = domain_of(name)
        if values is None:
            return None, []
        values = values + [UNSET] if name in optional and name not in names else values
        domains.append(values)
        size *= len(values)
        if size > MAX_COMBINATIONS:
            return None, []
    return (ordered, domains) if ordered else (None, [])


def _holds(condition: str, data: dict[str, Any]) -> bool | None:
    try:
        return bool(evaluate(condition, data))
    except ExpressionError:
        return None  # cannot tell on these values: not counted as uncovered


def _possible(data: dict[str, Any], facts: list[Fact], rules: list[str]) -> bool:
    for fact in facts:
        if _holds(fact.condition, data) is (not fact.holds):
            return False
    return all(_holds(rule, data) is not False for rule in rules)


def facts_at(flow: DataFlow, gateway_id: str) -> list[Fact]:
    """Conditions that hold at the gateway because every path to it passed a conditional (or default) flow."""
    graph = flow.graph
    facts: list[Fact] = []
    for split in graph.nodes.values():
        if split.kind not in SPLITS or split.id == gateway_id:
            continue
        outgoing = graph.outgoing.get(split.id, [])
        for taken in outgoing:
            if not _dominates(graph, taken, gateway_id):
                continue
            if taken.id == split.default_flow:
                found = [Fact(f.condition, False) for f in outgoing if f.condition and f.id != taken.id]
            else:
                found = [Fact(taken.condition, True)] if taken.condition else []
            asked_again = _set_between(flow, taken.target, gateway_id)
            facts.extend(f for f in found if not (_reads(f.condition) & asked_again))
    return facts


def _reads(condition: str) -> set[str]:
    reads = reads_of(condition)
    return set(reads.names | reads.optional) if reads else set()


def _dominates(graph: ProcessGraph, taken: Flow, target: str) -> bool:
    """True when every path from a start to `target` goes through the flow `taken`."""
    seen = {s.id for s in graph.starts()}
    queue = list(seen)
    while queue:
        current = queue.pop()
        if current == target:
            return False
        following = [f.target for f in graph.outgoing.get(current, []) if f.id != taken.id]
        following += [b.id for b in graph.boundaries.get(current, [])]
        for nxt in following:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return True


def _set_between(flow: DataFlow, start: str, gateway_id: str) -> set[str]:
    """Names set by steps on some path from `start` to the gateway (the gateway itself not included)."""
    graph = flow.graph
    forward = _reach(start, lambda n: [f.target for f in graph.outgoing.get(n, [])]
                     + [b.id for b in graph.boundaries.get(n, [])])
    backward = _reach(gateway_id, lambda n: [f.source for f in graph.incoming.get(n, [])]
                      + ([graph.nodes[n].attached_to] if n in graph.nodes and graph.nodes[n].attached_to else []))
    between = (forward & backward) - {gateway_id}
    return set().union(*(flow.sets.get(n, frozenset()) for n in between)) if between else set()


def _reach(start: str, following: Callable[[str], list[str]]) -> set[str]:
    seen, queue = {start}, [start]
    while queue:
        for nxt in following(queue.pop()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
