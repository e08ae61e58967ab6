"""Every start-to-end path of a process, with its steps (user tasks) and its hand-offs (lane changes).

A path is one run of the token game with one choice at every decision:
- exclusive and event-based gateways fork the path per branch; an inclusive gateway per non-empty set of
  branches. Branches the path's own data rules out are pruned (see `conditions`), so York's closure sub-process
  called from a single assessment is not walked down its MASH route.
- parallel branches all run: they are one path, their steps listed branch after branch, joins waited for.
- a call activity runs its callee inside the path (its steps, lanes and hand-offs count), recursively down to
  `MAX_DEPTH`; whichever end the callee reaches, the caller goes on after the call activity.
- interrupting boundary events start an alternate path: the task was open (its step is marked interrupted)
  and the work leaves by the boundary event. Non-interrupting boundary timers are time limits: the work goes
  on, so they start no path; the path records them as its timers (their side branch only flags overdue).
- loops are bounded: a path takes each sequence flow at most `MAX_FLOW_USES` times; a run that would take
  one more time is cut and counted in `PathSet.cut`.

Hand-offs: a sequence of work from one user task to the next (across gateways, events and call-activity
boundaries) whose lanes differ. An authorisation task assigned by expression (`camunda:assignee="${authoriser}"`,
S-AUTH) may be sent to yourself; §9.5 counts such self-authorisation as 0 hand-offs, so by default that task
takes the lane of the task before it. `line_manager=True` counts it as its own lane (a line manager authorises).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field, replace
from typing import Mapping

from .conditions import Facts, evaluate, learn
from ..library.graph import FormField, Node, ProcessGraph

# Shown with every list of paths: the condition analysis prunes only what it can prove impossible.
PATHS_NOTE = ("Paths follow every branch the diagrams' conditions do not rule out on the path's own data; "
              "paths may include combinations the data rules exclude (L4's 'any child proceeds?' after an "
              "assessment already completed, for one).")
MAX_DEPTH = 4
MAX_FLOW_USES = 2
MAX_PATHS = 2000


@dataclass(frozen=True)
class Step:
    process_id: str
    node_id: str
    name: str
    lane: str | None
    activities: tuple[str, ...]
    multi_instance: bool = False
    self_authorisable: bool = False
    within: tuple[str, ...] = ()  # names of the call activities it runs inside, outermost first
    interrupted: bool = False


@dataclass(frozen=True)
class TimerOnPath:
    name: str
    expression: str
    kind: str  # "wait" (intermediate or start timer), "time limit" (non-interrupting boundary), "interrupting"


@dataclass(frozen=True)
class Handoff:
    """Work passing from one lane to another; lanes as counted (a self-authorisation takes its requester's)."""

    source: Step
    source_lane: str | None
    target: Step
    target_lane: str | None


@dataclass
class Path:
    steps: list[Step] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)  # work passed from step i to step j
    ends: list[str] = field(default_factory=list)  # end events reached, the callee's before the caller's
    timers: list[TimerOnPath] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # branches taken, in the diagrams' words
    facts: Facts = field(default_factory=Facts)
    uses: dict[str, int] = field(default_factory=dict)

    def fork(self) -> "Path":
        return Path(list(self.steps), list(self.edges), list(self.ends), list(self.timers), list(self.choices),
                    self.facts.copy(), dict(self.uses))

    @property
    def outcome(self) -> str:
        return self.ends[-1] if self.ends else "(no end reached)"

    def lanes_of_steps(self, line_manager: bool = False) -> list[str | None]:
        """Each step's lane for counting; a self-authorisable step takes its predecessor's unless line_manager."""
        lanes: list[str | None] = []
        before = {j: i for i, j in reversed(self.edges)}
        for j, step in enumerate(self.steps):
            if step.self_authorisable and not line_manager and j in before:
                lanes.append(lanes[before[j]])
            else:
                lanes.append(step.lane)
        return lanes

    def lanes(self, line_manager: bool = False) -> list[str]:
        return list(dict.fromkeys(lane for lane in self.lanes_of_steps(line_manager) if lane))

    def handoffs(self, line_manager: bool = False) -> list[Handoff]:
        lanes = self.lanes_of_steps(line_manager)
        return [Handoff(self.steps[i], lanes[i], self.steps[j], lanes[j]) for i, j in self.edges if lanes[i] != lanes[j]]


@dataclass
class PathSet:
    process_id: str
    paths: list[Path]
    cut: int = 0  # runs cut by the loop bound
    truncated: bool = False  # MAX_PATHS reached
    visited: set[tuple[str, str]] = field(default_factory=set)  # (process id, node id) some path passes

    def figures(self) -> dict[str, dict[str, float]]:
        """min / median / max of steps and of hand-offs over the paths."""
        def spread(values: list[int]) -> dict[str, float]:
            if not values:
                return {"min": 0, "median": 0, "max": 0}
            return {"min": min(values), "median": statistics.median(values), "max": max(values)}
        return {"steps": spread([len(p.steps) for p in self.paths]),
                "handoffs": spread([len(p.handoffs()) for p in self.paths])}


@dataclass
class _Token:
    node: str
    last: tuple[int, ...]  # the steps whose work this token carries on from
    via: str | None = None  # the flow it arrived by


def enumerate_paths(graphs: Mapping[str, ProcessGraph], process_id: str) -> PathSet:
    """Every path of `process_id` (callees looked up in `graphs`)."""
    explorer = _Explorer(graphs)
    graph = graphs[process_id]
    starts = graph.starts()
    results: list[Path] = []
    for start in starts:
        for path, _ in explorer.run(graph, Path(), [_Token(start.id, ())], (), 0):
            results.append(path)
    return PathSet(process_id, results, explorer.cut, explorer.truncated, explorer.visited)


class _Explorer:
    def __init__(self, graphs: Mapping[str, ProcessGraph]) -> None:
        self.graphs = graphs
        self.cut = 0
        self.truncated = False
        self.visited: set[tuple[str, str]] = set()
        self._reach: dict[str, dict[str, set[str]]] = {}

    def run(self, graph: ProcessGraph, path: Path, tokens: list[_Token], within: tuple[str, ...],
            depth: int) -> list[tuple[Path, tuple[int, ...]]]:
        """Finished runs of `graph` from `tokens`: each with the steps its ends were reached from."""
        stack = [(path, tokens, ())]
        done: list[tuple[Path, tuple[int, ...]]] = []
        while stack:
            if len(done) + len(stack) > MAX_PATHS:
                self.truncated = True
                break
            path, tokens, last_at_end = stack.pop()
            index = self._movable(graph, tokens)
            if index is None:  # nothing left to move (or only joins that can never fire)
                done.append((path, last_at_end))
                continue
            token, others = tokens[index], tokens[:index] + tokens[index + 1:]
            for new_path, new_tokens, ended in self._advance(graph, path, token, others, within, depth):
                stack.append((new_path, new_tokens, last_at_end + ended))
        return done

    def _movable(self, graph: ProcessGraph, tokens: list[_Token]) -> int | None:
        for index in range(len(tokens) - 1, -1, -1):  # the newest token first: one branch at a time
            if self._can_fire(graph, tokens[index], tokens):
                return index
        return None

    def _can_fire(self, graph: ProcessGraph, token: _Token, tokens: list[_Token]) -> bool:
        node = graph.nodes[token.node]
        incoming = graph.incoming.get(node.id, [])
        if len(incoming) < 2 or node.kind not in ("parallelGateway", "inclusiveGateway", "complexGateway"):
            return True
        here = [t for t in tokens if t.node == node.id]
        if node.kind == "parallelGateway":
            return {f.id for f in incoming} <= {t.via for t in here}
        reach = self._reachable(graph)
        return not any(node.id in reach[t.node] for t in tokens if t.node != node.id)

    def _reachable(self, graph: ProcessGraph) -> dict[str, set[str]]:
        if graph.process_id not in self._reach:
            reach: dict[str, set[str]] = {}
            for start in graph.nodes:
                seen, todo = set(), [start]
                while todo:
                    for flow in graph.outgoing.get(todo.pop(), []):
                        if flow.target not in seen:
                            seen.add(flow.target)
                            todo.append(flow.target)
                    for boundary in graph.boundaries.get(start, []):
                        if boundary.id not in seen:
                            seen.add(boundary.id)
                            todo.append(boundary.id)
                reach[start] = seen
            self._reach[graph.process_id] = reach
        return self._reach[graph.process_id]

    def _advance(self, graph: ProcessGraph, path: Path, token: _Token, others: list[_Token],
                 within: tuple[str, ...], depth: int):
        """(path, tokens, last steps of ended tokens) for each way `token` can move on."""
        node = graph.nodes[token.node]
        self.visited.add((graph.process_id, node.id))
        if node.kind == "endEvent":
            path = path.fork()
            path.ends.append(node.name)
            yield path, others, token.last
            return
        if node.kind in ("parallelGateway", "inclusiveGateway", "complexGateway") and \
                len(graph.incoming.get(node.id, [])) > 1:
            joined = [t for t in others if t.node == node.id]
            others = [t for t in others if t.node != node.id]
            token = _Token(node.id, tuple(dict.fromkeys(token.last + sum((t.last for t in joined), ()))))
        for path, last, exit_node in self._visit(graph, node, path.fork(), token, within, depth):
            for chosen_path, flows in self._branches(graph, graph.nodes[exit_node], path):
                moved = self._take(chosen_path, flows, last)
                if moved is not None:
                    yield chosen_path, others + moved, ()

    def _visit(self, graph: ProcessGraph, node: Node, path: Path, token: _Token, within: tuple[str, ...],
               depth: int):
        """What passing `node` does: (path, last steps, node whose flows go on) per outcome.

        A callee may end many ways; an interrupted task goes on from its boundary event.
        """
        if node.timer is not None and node.kind in ("intermediateCatchEvent", "startEvent"):
            path.timers.append(TimerOnPath(node.name, node.timer, "wait"))
        if node.kind == "userTask":
            yield from self._user_task(graph, node, path, token, within)
        elif node.kind == "callActivity":
            yield from self._call(graph, node, path, token, within, depth)
        else:
            yield path, token.last, node.id

    def _user_task(self, graph: ProcessGraph, node: Node, path: Path, token: _Token, within: tuple[str, ...]):
        if not _apply_fields(node.fields, path.facts):
            return  # a single-option field that contradicts the path's data: no case gets here
        step = Step(graph.process_id, node.id, node.name, node.lane, node.activities, node.multi_instance,
                    "manager_authorisation" in node.activities and "${" in (node.assignee or ""), within)
        index = len(path.steps)
        path.steps.append(step)
        path.edges.extend((i, index) for i in token.last)
        self._limits(graph, node, path)
        yield path, (index,), node.id
        yield from self._interrupted(graph, node, path, index)

    def _call(self, graph: ProcessGraph, node: Node, path: Path, token: _Token, within: tuple[str, ...],
              depth: int):
        callee = self.graphs.get(node.called or "")
        self._limits(graph, node, path)
        if callee is None or depth >= MAX_DEPTH:
            yield path, token.last, node.id  # not expanded: the caller goes on as if it returned at once
            return
        for start in callee.starts()[:1]:
            for result, last in self.run(callee, path, [_Token(start.id, token.last)], within + (node.name,),
                                         depth + 1):
                yield result, last or token.last, node.id

    def _limits(self, graph: ProcessGraph, node: Node, path: Path) -> None:
        for boundary in graph.boundaries.get(node.id, []):
            if boundary.timer is not None and not boundary.interrupting:
                path.timers.append(TimerOnPath(boundary.name, boundary.timer, "time limit"))

    def _interrupted(self, graph: ProcessGraph, node: Node, path: Path, index: int):
        """Alternate paths by the interrupting boundary events of the task just added as step `index`."""
        for boundary in graph.boundaries.get(node.id, []):
            if not boundary.interrupting:
                continue
            alternate = path.fork()
            alternate.steps[index] = replace(alternate.steps[index], interrupted=True)
            if boundary.timer is not None:
                alternate.timers.append(TimerOnPath(boundary.name, boundary.timer, "interrupting"))
            alternate.choices.append(boundary.name)
            yield alternate, (index,), boundary.id

    def _branches(self, graph: ProcessGraph, node: Node, path: Path):
        """(path, flows to take) per choice at `node`; facts learnt from the choice are in the path."""
        flows = graph.outgoing.get(node.id, [])
        if node.kind in ("exclusiveGateway", "eventBasedGateway") and len(flows) > 1:
            yield from _exclusive(node, flows, path)
        elif node.kind in ("inclusiveGateway", "complexGateway") and len(flows) > 1:
            yield from _inclusive(node, flows, path)
        else:
            yield path, flows

    def _take(self, path: Path, flows, last: tuple[int, ...]) -> list[_Token] | None:
        tokens = []
        for flow in flows:
            path.uses[flow.id] = path.uses.get(flow.id, 0) + 1
            if path.uses[flow.id] > MAX_FLOW_USES:
                self.cut += 1
                return None
            tokens.append(_Token(flow.target, last, flow.id))
        return list(reversed(tokens))  # the first branch is moved first


def _exclusive(node: Node, flows, path: Path):
    truths = {f.id: (None if f.id == node.default_flow else evaluate(f.condition, path.facts)) for f in flows}
    for flow in flows:
        if flow.id == node.default_flow:
            if True in truths.values():
                continue
            chosen = path.fork()
            for other in flows:
                if other.id != flow.id:
                    learn(other.condition, False, chosen.facts)
        else:
            if truths[flow.id] is False:
                continue
            chosen = path.fork()
            learn(flow.condition, True, chosen.facts)
        chosen.choices.append(flow.name or _target_name(flow))
        yield chosen, [flow]


def _inclusive(node: Node, flows, path: Path):
    conditional = [f for f in flows if f.id != node.default_flow]
    # A flow with no condition is always taken.
    truths = {f.id: True if f.condition is None else evaluate(f.condition, path.facts) for f in conditional}
    sure = [f for f in conditional if truths[f.id] is True]
    maybe = [f for f in conditional if truths[f.id] is None]
    for size in range(len(maybe) + 1):
        for extra in itertools.combinations(maybe, size):
            taken = sure + list(extra)
            if not taken:
                continue
            chosen = path.fork()
            for flow in conditional:
                learn(flow.condition, flow in taken, chosen.facts)
            chosen.choices.extend(f.name or _target_name(f) for f in taken)
            yield chosen, taken
    default = next((f for f in flows if f.id == node.default_flow), None)
    if default is not None and not sure:
        chosen = path.fork()
        for flow in conditional:
            learn(flow.condition, False, chosen.facts)
        chosen.choices.append(default.name or _target_name(default))
        yield chosen, [default]


def _target_name(flow) -> str:
    return flow.target


def _apply_fields(fields: tuple[FormField, ...], facts: Facts) -> bool:
    """Fix what a form sets whatever the user does; forget what the user answers anew, except a value the
    process itself fixed, which the prefilled form keeps (York's closure keeps its caller's route). False if
    the path's data contradicts a field that allows one value only."""
    for f in fields:
        if f.type == "enum" and len(f.options) == 1:
            if f.id in facts.known and facts.known[f.id] != f.options[0]:
                return False
            facts.fix(f.id, f.options[0])
        elif f.readonly:
            if f.default is not None and f.id not in facts.known:
                facts.fix(f.id, _typed(f.type, f.default))
        elif f.id not in facts.fixed:
            facts.forget(f.id)
    return True


def _typed(kind: str, text: str):
    if kind == "boolean":
        return text.strip().lower() == "true"
    if kind == "long":
        try:
            return int(text)
        except ValueError:
            return text
    return text
