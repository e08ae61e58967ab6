"""Which names a process has set on EVERY path to each of its steps (a "must" data-flow analysis).

A step sets names: a user task its form fields and output parameters (a multi-instance task records them on
each child instead), a
call activity what the called process hands back (all its data, less the `camunda:in` targets, which the
caller keeps as they were, plus the `camunda:out` targets). Where paths meet, an exclusive or inclusive merge
(and a task with several incoming flows, and a loop) keeps only what every incoming path set; a parallel join
waits for every branch, so it keeps what any branch set. A boundary event sees what its task saw when it
started. The sets here are relative: what the process itself set; what it starts with (engine keys, start
form, what a caller gives) is added by the caller of this module (call_context.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..expressions.evaluator import DONE_BY
from .graph import Node, ProcessGraph

# The engine's own keys: every piece of work has them; start data and forms never set them (bpmn/README.md).
ENGINE_KEYS = frozenset({"subjects", "family", "case_id", "started_by", DONE_BY})

CalleeSets = Callable[[str], "frozenset[str] | None"]


def sets_of(node: Node, callee_sets: CalleeSets) -> frozenset[str]:
    """The names a step sets for the steps after it."""
    if node.kind == "userTask":
        if node.multi_instance:
            return frozenset()  # each child's answers are recorded on that child in `subjects`
        computed = {name for name, _ in node.outputs}  # output parameters: kept, unlike input parameters
        return frozenset({_field_sets(f) for f in node.fields if _field_sets(f)} | computed)
    if node.kind == "callActivity" and not node.multi_instance:
        handed_back = (callee_sets(node.called) if node.called else None) or frozenset()
        kept = {m.target for m in node.call_ins}
        return frozenset((handed_back - kept) | {m.target for m in node.call_outs})
    return frozenset()


def _field_sets(f) -> str | None:
    if f.row_of:
        return f.row_of  # a column of a repeatable table: the table is what is set
    if f.readonly and f.default is None:
        return None  # shows case data, sets nothing of its own
    return f.id or None


@dataclass
class DataFlow:
    graph: ProcessGraph
    sets: dict[str, frozenset[str]]
    # node id → names set on every path from a start to just before it; a node absent here is unreachable
    before: dict[str, frozenset[str]] = field(default_factory=dict)

    def reachable(self, node: str) -> bool:
        return node in self.before

    def after(self, node: str) -> frozenset[str]:
        return self.before[node] | self.sets.get(node, frozenset())

    def at_end(self) -> frozenset[str]:
        """What the process has set when it ends, whichever end event it reaches."""
        ends = [self.before[n.id] for n in self.graph.of_kind("endEvent") if n.id in self.before]
        return frozenset.intersection(*ends) if ends else frozenset()

    def setters(self, name: str) -> list[Node]:
        return [self.graph.nodes[n] for n, names in self.sets.items() if name in names]

    def witness(self, node: str, name: str, after: bool = False) -> list[str]:
        """A path from a start to `node` on which `name` is never set, as node names (start first)."""
        path, current, seen = [], node, set()
        if after and name in self.after(node):
            return []
        while current is not None and current not in seen:
            seen.add(current)
            path.append(current)
            current = next((p for p in self._predecessors(current)
                            if p in self.before and name not in self.after(p) and p not in seen), None)
        return [self.graph.nodes[n].name or n for n in reversed(path) if n in self.graph.nodes]

    def _predecessors(self, node: str) -> list[str]:
        spec = self.graph.nodes.get(node)
        if spec is not None and spec.attached_to:
            return [spec.attached_to]
        return [f.source for f in self.graph.incoming.get(node, [])]


def data_flow(graph: ProcessGraph, callee_sets: CalleeSets) -> DataFlow:
    """Solve the must-set equations by iterating to a fixed point (sets only shrink once first known)."""
    flow = DataFlow(graph, {n.id: sets_of(n, callee_sets) for n in graph.nodes.values()})
    for start in graph.starts():
        flow.before[start.id] = frozenset()
    order = _reachable_order(graph)
    changed = True
    while changed:
        changed = False
        for node_id in order:
            node = graph.nodes[node_id]
            if node.kind == "startEvent" and not node.attached_to:
                continue
            value = _incoming_value(flow, node)
            if value is not None and flow.before.get(node_id) != value:
                flow.before[node_id] = value
                changed = True
    return flow


def _incoming_value(flow: DataFlow, node: Node) -> frozenset[str] | None:
    if node.attached_to:
        return flow.before.get(node.attached_to)
    incoming = [f.source for f in flow.graph.incoming.get(node.id, []) if f.source in flow.graph.nodes]
    known = [flow.after(p) for p in incoming if p in flow.before]
    if not known:
        return None
    if node.kind == "parallelGateway" and len(incoming) > 1:
        # a parallel join waits for every branch: it knows nothing until each branch is known
        return frozenset().union(*known) if len(known) == len(incoming) else None
    return frozenset.intersection(*known)


def _reachable_order(graph: ProcessGraph) -> list[str]:
    """Nodes reachable from a start, breadth first (a good order for the fixed point)."""
    order, queue = [], [s.id for s in graph.starts()]
    seen = set(queue)
    while queue:
        current = queue.pop(0)
        order.append(current)
        following = [f.target for f in graph.outgoing.get(current, [])]
        following += [b.id for b in graph.boundaries.get(current, [])]
        for nxt in following:
            if nxt in graph.nodes and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order
