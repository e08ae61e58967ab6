"""The token game that walks every path of a process (paths.py says what a path is).

Tokens move one at a time, the newest first, so a parallel branch runs until it waits at its join; a call
activity runs its callee to an end inside the path before the caller moves on. At each diverging gateway the
path's data (worlds.py) says which branches some case can take; the path forks once per way on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..library.expression_reads import reads_of
from ..library.graph import Node, ProcessGraph
from .data_writes import enter_call, form_writes, leave_call, task_writes
from .diagrams import Diagrams, branch_name
from .paths import MAX_DEPTH, MAX_FLOW_USES, MAX_PATHS, GatewayRecord, Path, PathSet, Step, TimerOnPath
from .self_authorisation import may_be_self
from .oracle import Oracle, Outcome
from .worlds import start_knowledge

DECIDING = {"exclusiveGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
JOINING = {"parallelGateway", "inclusiveGateway", "complexGateway"}


@dataclass
class _Token:
    node: str
    last: tuple[int, ...]  # the steps whose work this token carries on from
    via: str | None = None  # the flow it arrived by


def enumerate_paths(diagrams: Diagrams, process_id: str) -> PathSet:
    """Every path of `process_id`, its callees looked up in `diagrams`."""
    explorer = _Explorer(diagrams)
    graph = diagrams.graphs[process_id]
    results: list[Path] = []
    for start in graph.starts():
        path = Path(knowledge=start_knowledge())
        form_writes(path.knowledge, start.fields, Step(process_id, start.id, start.name, start.lane, ()))
        for done, _ in explorer.run(graph, path, [_Token(start.id, ())], (), 0, "top"):
            results.append(done)
    return PathSet(process_id, results, explorer.cut, explorer.truncated, explorer.visited, explorer.gateways,
                   explorer.oracle.approximated)


class _Explorer:
    def __init__(self, diagrams: Diagrams) -> None:
        self.diagrams = diagrams
        self.oracle = Oracle()
        self.cut = 0
        self.truncated = False
        self.visited: set[tuple[str, str]] = set()
        self.gateways: dict[tuple[str, str], GatewayRecord] = {}
        self._reach: dict[str, dict[str, set[str]]] = {}

    def run(self, graph: ProcessGraph, path: Path, tokens: list[_Token], within: tuple[str, ...], depth: int,
            scope: str) -> list[tuple[Path, tuple[int, ...]]]:
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
            for new_path, new_tokens, ended in self._advance(graph, path, token, others, within, depth, scope):
                stack.append((new_path, new_tokens, last_at_end + ended))
        return done

    # --- which token moves ---------------------------------------------------------------------------------------

    def _movable(self, graph: ProcessGraph, tokens: list[_Token]) -> int | None:
        for index in range(len(tokens) - 1, -1, -1):  # the newest token first: one branch at a time
            if self._can_fire(graph, tokens[index], tokens):
                return index
        return None

    def _can_fire(self, graph: ProcessGraph, token: _Token, tokens: list[_Token]) -> bool:
        node = graph.nodes[token.node]
        incoming = graph.incoming.get(node.id, [])
        if len(incoming) < 2 or node.kind not in JOINING:
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
                    here = todo.pop()
                    following = [f.target for f in graph.outgoing.get(here, [])]
                    following += [b.id for b in graph.boundaries.get(here, [])]
                    for target in following:
                        if target not in seen:
                            seen.add(target)
                            todo.append(target)
                reach[start] = seen
            self._reach[graph.process_id] = reach
        return self._reach[graph.process_id]

    # --- moving a token -------------------------------------------------------------------------------------------

    def _advance(self, graph: ProcessGraph, path: Path, token: _Token, others: list[_Token],
                 within: tuple[str, ...], depth: int, scope: str):
        """(path, tokens, last steps of ended tokens) for each way `token` can move on."""
        node = graph.nodes[token.node]
        self.visited.add((graph.process_id, node.id))
        if node.kind == "endEvent":
            path = path.fork()
            path.ends.append(node.name)
            yield path, others, token.last
            return
        if node.kind in JOINING and len(graph.incoming.get(node.id, [])) > 1:
            joined = [t for t in others if t.node == node.id]
            others = [t for t in others if t.node != node.id]
            token = _Token(node.id, tuple(dict.fromkeys(token.last + sum((t.last for t in joined), ()))))
        for path, last, exit_node in self._visit(graph, node, path.fork(), token, within, depth, scope):
            for chosen_path, flows in self._branches(graph, graph.nodes[exit_node], path):
                moved = self._take(chosen_path, flows, last, scope)
                if moved is not None:
                    yield chosen_path, others + moved, ()

    def _visit(self, graph: ProcessGraph, node: Node, path: Path, token: _Token, within: tuple[str, ...],
               depth: int, scope: str):
        """What passing `node` does: (path, last steps, node whose flows go on) per outcome.

        A callee may end many ways; an interrupted task goes on from its boundary event.
        """
        if node.timer is not None and node.kind in ("intermediateCatchEvent", "startEvent"):
            path.timers.append(TimerOnPath(node.name, node.timer, "wait"))
        if node.kind == "userTask":
            yield from self._user_task(graph, node, path, token, within)
        elif node.kind == "callActivity":
            yield from self._call(graph, node, path, token, within, depth, scope)
        else:
            yield path, token.last, node.id

    def _user_task(self, graph: ProcessGraph, node: Node, path: Path, token: _Token, within: tuple[str, ...]):
        activities = self.diagrams.activities(graph.process_id, node.id)
        requester = path.steps[token.last[0]].lane if token.last else None
        step = Step(graph.process_id, node.id, node.name, node.lane, activities, node.multi_instance,
                    "manager_authorisation" in activities and may_be_self(path.knowledge, node, requester), within)
        index = len(path.steps)
        path.steps.append(step)
        path.edges.extend((i, index) for i in token.last)
        self._limits(graph, node, path)
        for boundary in graph.boundaries.get(node.id, []):
            self.visited.add((graph.process_id, boundary.id))
        interrupted = list(self._interrupted(graph, node, path, index))  # before the answers: the task was open
        task_writes(path.knowledge, node, step)
        yield path, (index,), node.id
        yield from interrupted

    def _call(self, graph: ProcessGraph, node: Node, path: Path, token: _Token, within: tuple[str, ...],
              depth: int, scope: str):
        callee = self.diagrams.graphs.get(node.called or "")
        self._limits(graph, node, path)
        if callee is None or depth >= MAX_DEPTH:
            yield path, token.last, node.id  # not expanded: the caller goes on as if it returned at once
            return
        path.knowledge, saved = enter_call(path.knowledge, node)
        path.calls += 1
        inner = f"{scope}/{node.id}#{path.calls}"
        for start in callee.starts()[:1]:
            for result, last in self.run(callee, path, [_Token(start.id, token.last)], within + (node.name,),
                                         depth + 1, inner):
                result.knowledge = leave_call(result.knowledge, saved, node)
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
            alternate.choices.append(f"{node.name}: {boundary.name}")
            yield alternate, (index,), boundary.id

    # --- choosing at a gateway ----------------------------------------------------------------------------------

    def _branches(self, graph: ProcessGraph, node: Node, path: Path):
        """(path, flows to take) per way on from `node`; what the choice tells is learnt by the path."""
        flows = graph.outgoing.get(node.id, [])
        if node.kind not in DECIDING or len(flows) < 2:
            yield path.fork(), flows
            return
        if node.kind == "eventBasedGateway":
            outcomes = [Outcome((i,), ()) for i in range(len(flows))]
        else:
            default = next((i for i, f in enumerate(flows) if f.id == node.default_flow), None)
            outcomes = self.oracle.outcomes(path.knowledge, [f.condition for f in flows], default,
                                            inclusive=node.kind != "exclusiveGateway")
        self._record(graph, node, flows, outcomes, path)
        for outcome in outcomes:
            chosen = path.fork()
            chosen.knowledge.learn(*outcome.learnt)
            taken = [flows[i] for i in outcome.taken]
            if len(outcomes) > 1:
                words = " + ".join(branch_name(graph, node, f) for f in taken)
                named = node.name and node.name != node.id  # the graph names an unnamed node by its id
                chosen.choices.append(f"{node.name}: {words}" if named else words)
            yield chosen, taken

    def _record(self, graph: ProcessGraph, node: Node, flows, outcomes: list[Outcome], path: Path) -> None:
        record = self.gateways.setdefault((graph.process_id, node.id), GatewayRecord())
        record.outcomes.update(tuple(flows[i].id for i in o.taken) for o in outcomes)
        for flow in flows:
            for var in _read_vars(flow.condition, path.knowledge.env):
                for writer in var.writers():
                    if getattr(writer, "lane", None):
                        record.makers.setdefault(writer.lane)

    def _take(self, path: Path, flows, last: tuple[int, ...], scope: str) -> list[_Token] | None:
        tokens = []
        for flow in flows:
            key = (scope, flow.id)
            path.uses[key] = path.uses.get(key, 0) + 1
            if path.uses[key] > MAX_FLOW_USES:
                self.cut += 1
                return None
            tokens.append(_Token(flow.target, last, flow.id))
        return list(reversed(tokens))  # the first branch is moved first


def _read_vars(condition: str | None, env):
    reads = reads_of(condition) if condition else None
    if reads is None:
        return []
    return [env[n] for n in sorted(reads.names | reads.optional) if n in env]
