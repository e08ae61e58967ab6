"""The structure of one variant, read from its BPMN and the sub-processes it calls.

User tasks with lanes and vocabulary terms (`activity`, `activity2`), decisions (diverging gateways), timers
with their limits, authorisation points, whether consent is an explicit gate, and who makes the step-down
decision. A called sub-process belongs to the variant (Lincolnshire's S-CLOSE and S-AUTH, York's Y4 and Y5):
its tasks are listed once however many call activities reach it, named with the call that reaches it first.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Mapping

from ..library.graph import Node, ProcessGraph
from .paths import MAX_DEPTH

# Process catalogue §9.1, in its order: the rows of the aligned table.
VOCABULARY = (
    "identify_step_down", "obtain_consent", "identify_lead_professional", "agree_plan", "step_down_decision",
    "screening", "send_request", "record_decision", "manager_authorisation", "allocation", "record_relationships",
    "assessment", "chase_information", "handover_visit", "notify_professionals", "first_tac_meeting",
    "book_meeting", "tac_monitoring", "sc_case_closure", "ending_visit", "eh_closure", "escalation_discussion",
    "referral_to_sc", "reassessment",
)
DECIDING = {"exclusiveGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
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


@dataclass(frozen=True)
class DecisionInfo:
    process_id: str
    id: str
    name: str
    branches: tuple[str, ...]
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
    tasks: list[TaskInfo] = field(default_factory=list)
    decisions: list[DecisionInfo] = field(default_factory=list)
    timers: list[TimerInfo] = field(default_factory=list)
    consent_gates: list[ConsentGate] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    starts: list[StartMark] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.code or self.process_id

    @property
    def lanes(self) -> list[str]:
        return list(dict.fromkeys(t.lane for t in self.tasks if t.lane))

    @property
    def authorisations(self) -> list[TaskInfo]:
        return [t for t in self.tasks if "manager_authorisation" in t.activities]

    @property
    def decision_makers(self) -> list[str]:
        """Lanes of the tasks where the step down (or its equivalent) is discussed or decided."""
        return list(dict.fromkeys(t.lane for t in self.tasks if "step_down_decision" in t.activities and t.lane))

    def by_activity(self) -> dict[str, list[TaskInfo]]:
        found: dict[str, list[TaskInfo]] = {}
        for task in self.tasks:
            for activity in task.activities:
                found.setdefault(activity, []).append(task)
        return found

    def activities(self) -> set[str]:
        """Every vocabulary term the variant does, by a task or at its start."""
        return set(self.by_activity()) | {m.activity for m in self.starts}

    def cell(self, activity: str) -> list[str]:
        """What does `activity`: start marks first, then tasks as "name (lane)"; empty where it is absent."""
        marks = [m.text for m in self.starts if m.activity == activity]
        tasks = [f"{t.name} ({t.lane or 'no lane'})" for t in self.by_activity().get(activity, [])]
        return list(dict.fromkeys(marks + tasks))


def read_structure(graphs: Mapping[str, ProcessGraph], process_id: str,
                   reached: set[tuple[str, str]] | None = None) -> VariantStructure:
    """`reached`: the (process id, node id) some path of the variant passes. A sub-process's elements no
    path reaches are left out (York's closure, called from a single assessment, never takes its MASH route);
    the variant's own elements are all kept."""
    top = graphs[process_id]
    structure = VariantStructure(process_id, top.title, top.code)
    seen: set[str] = set()

    def visit(graph: ProcessGraph, within: str | None, depth: int) -> None:
        seen.add(graph.process_id)
        keep = None if graph is top or reached is None else {n for p, n in reached if p == graph.process_id}
        _read_one(graph, within, structure, keep)
        for node in graph.of_kind("callActivity"):
            callee = graphs.get(node.called or "")
            if callee is not None and callee.process_id not in seen and depth < MAX_DEPTH:
                structure.calls.append(callee.process_id)
                visit(callee, within or node.name, depth + 1)

    visit(top, None, 0)
    structure.starts = start_marks(top, structure)
    return structure


def start_marks(top: ProcessGraph, structure: VariantStructure) -> list[StartMark]:
    """§9.2's "start": what the variant's start event (or a precondition field of its first form) does.

    A start event or form field marked with `activity` says so itself. Unmarked, the start event counts
    as `identify_step_down` when no task of the variant does it: the work begins with the move already
    considered (L1 'Early Help Manager has agreed the case can step out to TAC', Y2 'Single Assessment
    completed – recommendation is Early Help').
    """
    marks: list[StartMark] = []
    starts = top.starts()
    for start in starts:
        marks.extend(StartMark(a, f"start ({start.name})") for a in start.activities)
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
            elif node.kind in DECIDING or node.kind in ("parallelGateway", "intermediateCatchEvent"):
                todo.append(node.id)
    return found


def _read_one(graph: ProcessGraph, within: str | None, structure: VariantStructure,
              keep: set[str] | None) -> None:
    def kept(node: Node) -> bool:
        return keep is None or node.id in keep or (node.attached_to or "") in keep

    for node in filter(kept, graph.of_kind("userTask")):
        structure.tasks.append(TaskInfo(
            graph.process_id, node.id, node.name, node.lane, node.activities, node.multi_instance,
            "manager_authorisation" in node.activities and "${" in (node.assignee or ""), within))
    for node in filter(kept, graph.nodes.values()):
        flows = graph.outgoing.get(node.id, [])
        if node.kind in DECIDING and len(flows) > 1:
            structure.decisions.append(DecisionInfo(graph.process_id, node.id, node.name,
                                                    tuple(f.name or f.target for f in flows), within))
            structure.consent_gates.extend(_consent_gates(graph, node))
        if node.timer is not None:
            structure.timers.append(_timer(graph, node, within))


def _consent_gates(graph: ProcessGraph, node: Node):
    """Branches on a consent answer that end the procedure: consent is then a gate, not a formality."""
    for flow in graph.outgoing.get(node.id, []):
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


def limit_words(expression: str) -> str:
    """A timer expression in words, e.g. working_days(5, step_down_on) → "5 working days after step_down_on"."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return expression
    words = _words(tree)
    return words if words is not None else expression


def _words(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _duration(node.value)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    args = [ast.literal_eval(a) if isinstance(a, (ast.Constant, ast.List, ast.Tuple)) else ast.unparse(a)
            for a in node.args]
    name = node.func.id
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


def _duration(text: str) -> str | None:
    found = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", text)
    if not found or not any(found.groups()):
        return None
    units = ("year", "month", "week", "day", "hour", "minute")
    return ", ".join(f"{n} {u}{'' if n == '1' else 's'}" for n, u in zip(found.groups(), units) if n)
