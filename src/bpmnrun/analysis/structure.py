"""The structure of one variant, read from its BPMN, the sub-processes it calls and the paths through them.

User tasks with lanes and vocabulary terms (`activity`, `activity2`, `activity3` …), whether some path reaches
each, decisions (gateways the cases leave more than one way) with the lanes of the tasks whose answers they
test, timers with their limits, authorisation points, whether consent is an explicit gate. A called sub-process
belongs to the variant as far as the variant's paths reach into it: York's closure, called from a single
assessment, is never walked down its MASH route, so its MASH tasks, timers and decisions are not the variant's.
Each sub-process is read once however many call activities reach it, named with the call that reaches it first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..library.graph import Node, ProcessGraph
from .diagrams import Diagrams, branch_name
from .paths import MAX_DEPTH, PathSet
from .timer_words import limit_words

# Process catalogue §9.1, in its order: the rows of the aligned table.
VOCABULARY = (
    "identify_step_down", "obtain_consent", "identify_lead_professional", "agree_plan", "step_down_decision",
    "screening", "send_request", "record_decision", "manager_authorisation", "allocation", "record_relationships",
    "assessment", "chase_information", "handover_visit", "notify_professionals", "first_tac_meeting",
    "book_meeting", "tac_monitoring", "sc_case_closure", "ending_visit", "eh_closure", "escalation_discussion",
    "referral_to_sc", "reassessment",
)
CONSENT = re.compile(r"\b\w*consent\w*\b")


@dataclass(frozen=True)
class TaskInfo:
    process_id: str
    id: str
    name: str
    lane: str | None
    activities: tuple[str, ...]
    multi_instance: bool
    self_authorisable: bool
    within: str | None  # the call activity that reaches it, when it is a sub-process's task
    reachable: bool = True


@dataclass(frozen=True)
class DecisionInfo:
    process_id: str
    id: str
    name: str
    branches: tuple[str, ...]  # the branches some case takes
    makers: tuple[str, ...]  # lanes of the tasks whose answers the gateway tests
    within: str | None


@dataclass(frozen=True)
class TimerInfo:
    process_id: str
    id: str
    name: str
    kind: str  # wait (intermediate), time limit (non-interrupting boundary), interrupting, start
    expression: str
    limit: str  # the expression in words
    on_task: str | None
    within: str | None


@dataclass(frozen=True)
class StartMark:
    """An activity done before the first task: by the start event, or confirmed by a precondition field."""

    activity: str
    text: str  # as a cell shows it: "start (<start event>)" or "start (precondition: <field label>)"


@dataclass(frozen=True)
class ConsentGate:
    decision: str
    branch: str
    end: str


@dataclass
class VariantStructure:
    process_id: str
    title: str
    code: str | None
    tasks: list[TaskInfo] = field(default_factory=list)  # every task of its diagrams, reached or not
    decisions: list[DecisionInfo] = field(default_factory=list)
    timers: list[TimerInfo] = field(default_factory=list)
    consent_gates: list[ConsentGate] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    starts: list[StartMark] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.code or self.process_id

    @property
    def reachable_tasks(self) -> list[TaskInfo]:
        return [t for t in self.tasks if t.reachable]

    @property
    def own_tasks(self) -> list[TaskInfo]:
        return [t for t in self.tasks if t.process_id == self.process_id]

    @property
    def lanes(self) -> list[str]:
        return list(dict.fromkeys(t.lane for t in self.reachable_tasks if t.lane))

    @property
    def authorisations(self) -> list[TaskInfo]:
        return [t for t in self.reachable_tasks if "manager_authorisation" in t.activities]

    @property
    def decision_makers(self) -> list[str]:
        """Lanes whose answers some decision of the variant turns on."""
        return list(dict.fromkeys(lane for d in self.decisions for lane in d.makers))

    def by_activity(self) -> dict[str, list[TaskInfo]]:
        found: dict[str, list[TaskInfo]] = {}
        for task in self.reachable_tasks:
            for activity in task.activities:
                found.setdefault(activity, []).append(task)
        return found

    def activities(self) -> set[str]:
        """Every vocabulary term the variant does, by a task some path reaches or at its start."""
        return set(self.by_activity()) | {m.activity for m in self.starts}

    def cell(self, activity: str) -> list[str]:
        """What does `activity`: start marks first, then tasks as "name (lane)"; empty where it is absent."""
        marks = [m.text for m in self.starts if m.activity == activity]
        tasks = [f"{t.name} ({t.lane or 'no lane'})" for t in self.by_activity().get(activity, [])]
        return list(dict.fromkeys(marks + tasks))


def read_structure(diagrams: Diagrams, process_id: str, paths: PathSet) -> VariantStructure:
    """The variant `process_id` as far as `paths` (its enumeration) reaches."""
    graphs = diagrams.graphs
    top = graphs[process_id]
    structure = VariantStructure(process_id, top.title, diagrams.code(process_id))
    seen: set[str] = set()
    selves = {(s.process_id, s.node_id) for p in paths.paths for s in p.steps if s.self_authorisable}

    def visit(graph: ProcessGraph, within: str | None, depth: int) -> None:
        seen.add(graph.process_id)
        _read_one(diagrams, graph, within, structure, paths, selves)
        for node in graph.of_kind("callActivity"):
            callee = graphs.get(node.called or "")
            if callee is not None and callee.process_id not in seen and depth < MAX_DEPTH:
                structure.calls.append(callee.process_id)
                visit(callee, within or node.name, depth + 1)

    visit(top, None, 0)
    structure.starts = start_marks(diagrams, top, structure)
    return structure


def start_marks(diagrams: Diagrams, top: ProcessGraph, structure: VariantStructure) -> list[StartMark]:
    """§9.2's "start": what the variant's start event (or a precondition field of its first form) does.

    A start event or form field marked with `activity` says so itself. Unmarked, the start event counts
    as `identify_step_down` when no task of the variant does it: the work begins with the move already
    considered (L1 'Early Help Manager has agreed the case can step out to TAC', Y2 'Single Assessment
    completed – recommendation is Early Help').
    """
    marks: list[StartMark] = []
    starts = top.starts()
    for start in starts:
        marks.extend(StartMark(a, f"start ({start.name})") for a in diagrams.activities(top.process_id, start.id))
        for node in _first_tasks(top, start):
            marks.extend(StartMark(f.activity, f"start (precondition: {f.label})") for f in node.fields if f.activity)
    done = {m.activity for m in marks} | set(structure.by_activity())
    if starts and "identify_step_down" not in done:
        marks.insert(0, StartMark("identify_step_down", f"start ({starts[0].name})"))
    return list(dict.fromkeys(marks))


def _first_tasks(graph: ProcessGraph, start: Node) -> list[Node]:
    """The user tasks reached from `start` before any other task (across gateways and events)."""
    found, seen, todo = [], {start.id}, [start.id]
    while todo:
        for flow in graph.outgoing.get(todo.pop(), []):
            node = graph.nodes.get(flow.target)
            if node is None or node.id in seen:
                continue
            seen.add(node.id)
            if node.kind == "userTask":
                found.append(node)
            elif node.kind.endswith("Gateway") or node.kind == "intermediateCatchEvent":
                todo.append(node.id)
    return found


def _read_one(diagrams: Diagrams, graph: ProcessGraph, within: str | None, structure: VariantStructure,
              paths: PathSet, selves: set[tuple[str, str]]) -> None:
    pid = graph.process_id

    def reached(node: Node) -> bool:
        return (pid, node.id) in paths.visited

    for node in graph.of_kind("userTask"):
        structure.tasks.append(TaskInfo(pid, node.id, node.name, node.lane, diagrams.activities(pid, node.id),
                                        node.multi_instance, (pid, node.id) in selves, within, reached(node)))
    for node in graph.nodes.values():
        record = paths.gateways.get((pid, node.id))
        if record is not None and record.decides:
            taken = {flow for outcome in record.outcomes for flow in outcome}
            flows = [f for f in graph.outgoing.get(node.id, []) if f.id in taken]
            structure.decisions.append(DecisionInfo(pid, node.id, node.name or node.id,
                                                    tuple(branch_name(graph, node, f) for f in flows),
                                                    tuple(record.makers), within))
            structure.consent_gates.extend(_consent_gates(graph, node, flows))
        if node.timer is not None and reached(node):
            structure.timers.append(_timer(graph, node, within))


def _consent_gates(graph: ProcessGraph, node: Node, flows):
    """Branches taken on a consent answer that end the procedure: consent is then a gate, not a formality."""
    for flow in flows:
        target = graph.nodes.get(flow.target)
        if flow.condition and CONSENT.search(flow.condition) and target is not None and target.kind == "endEvent":
            yield ConsentGate(node.name, flow.name or flow.condition, target.name)


def _timer(graph: ProcessGraph, node: Node, within: str | None) -> TimerInfo:
    if node.attached_to:
        kind = "interrupting" if node.interrupting else "time limit"
    else:
        kind = "start" if node.kind == "startEvent" else "wait"
    task = graph.nodes.get(node.attached_to or "")
    return TimerInfo(graph.process_id, node.id, node.name, kind, node.timer or "", limit_words(node.timer or ""),
                     task.name if task else None, within)
