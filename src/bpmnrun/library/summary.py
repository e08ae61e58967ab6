"""What a process is made of, read from its diagram: tasks, lanes, decisions, timers, ends.

Used by `bpmnrun catalogue` and by the analysts' comparisons; reads the XML only, runs nothing.
"""

from __future__ import annotations

import ast
from dataclasses import asdict, dataclass, field

from lxml import etree

from .files import NS

CAMUNDA = f"{{{NS['camunda']}}}"


@dataclass(frozen=True)
class UserTaskInfo:
    id: str
    name: str
    lane: str | None
    activity: str | None
    activity2: str | None
    candidate_groups: tuple[str, ...]
    fields: tuple[str, ...]
    multi_instance: bool
    assignee: str | None = None  # the camunda:assignee expression, e.g. ${lead_professional}
    activity3: str | None = None


@dataclass(frozen=True)
class TimerInfo:
    id: str
    name: str
    kind: str  # boundary (non-interrupting or interrupting), intermediate, start
    expression: str
    attached_to: str | None = None


@dataclass(frozen=True)
class ProcessSummary:
    process_id: str
    title: str
    documentation: str
    lanes: tuple[str, ...]
    user_tasks: tuple[UserTaskInfo, ...]
    decisions: tuple[str, ...]
    timers: tuple[TimerInfo, ...]
    end_events: tuple[str, ...]
    start_events: tuple[str, ...]
    calls: tuple[str, ...]
    messages: tuple[str, ...] = field(default=())
    # False for a sub-process that only other procedures start (camunda:isStartableInTasklist="false").
    startable: bool = True
    source: str = ""  # the process's `source` property: the documents and sections it is modelled from
    # Who may start it: the lanes of its top-level start events, and the teams of camunda:candidateStarterGroups
    # (a team that may start it from another lane). Empty: anyone who sees the family.
    start_lanes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return asdict(self)


def summarise(tree: etree._Element, process_id: str, title: str) -> ProcessSummary:
    process = tree.find(f"bpmn:process[@id='{process_id}']", NS)
    lane_of = {ref.text.strip(): lane.get("name")
               for lane in process.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    doc = process.find("bpmn:documentation", NS)
    return ProcessSummary(
        process_id=process_id,
        title=title,
        documentation=(doc.text or "").strip() if doc is not None else "",
        lanes=tuple(lane.get("name") for lane in process.iterfind(".//bpmn:lane", NS)),
        user_tasks=tuple(_user_task(t, lane_of) for t in process.iterfind(".//bpmn:userTask", NS)),
        decisions=tuple(g.get("name") or g.get("id") for g in process.iterfind(".//bpmn:exclusiveGateway", NS)
                        if len(_outgoing(process, g)) > 1),
        timers=tuple(_timers(process)),
        end_events=tuple(e.get("name") or e.get("id") for e in process.iterfind(".//bpmn:endEvent", NS)),
        start_events=tuple(e.get("name") or e.get("id") for e in process.iterfind("bpmn:startEvent", NS)),
        calls=tuple(c.get("calledElement") for c in process.iterfind(".//bpmn:callActivity", NS)),
        messages=tuple(m.get("name") for m in tree.iterfind("bpmn:message", NS)),
        startable=process.get(f"{CAMUNDA}isStartableInTasklist", "true").strip().lower() != "false",
        source=_properties(process).get("source") or "",
        start_lanes=_starters(process, lane_of),
    )


def _starters(process, lane_of: dict[str, str]) -> tuple[str, ...]:
    lanes = [lane_of.get(e.get("id")) for e in process.iterfind("bpmn:startEvent", NS)]
    candidates = (process.get(f"{CAMUNDA}candidateStarterGroups") or "").split(",")
    return tuple(dict.fromkeys(name.strip() for name in [*lanes, *candidates] if name and name.strip()))


def _properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value")
            for p in element.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS)}


def _outgoing(process, node) -> list:
    return [f for f in process.iterfind(".//bpmn:sequenceFlow", NS) if f.get("sourceRef") == node.get("id")]


def _user_task(task, lane_of: dict[str, str]) -> UserTaskInfo:
    props = _properties(task)
    groups = task.get(f"{CAMUNDA}candidateGroups") or ""
    if groups.strip().startswith("${"):
        groups = ", ".join(_team_names(groups.strip()[2:-1]))
    return UserTaskInfo(
        id=task.get("id"),
        name=task.get("name") or task.get("id"),
        lane=lane_of.get(task.get("id")),
        activity=props.get("activity"),
        activity2=props.get("activity2"),
        activity3=props.get("activity3"),
        candidate_groups=tuple(g.strip() for g in groups.split(",") if g.strip()),
        fields=tuple(f.get("id") for f in task.iterfind(".//camunda:formField", NS)),
        multi_instance=task.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None,
        assignee=task.get(f"{CAMUNDA}assignee"),
    )


def _team_names(expression: str) -> list[str]:
    """The teams an expression for candidate teams may give: the texts it names as list items or as the values
    of a mapping (`{"lincoln_locality": "Lincoln locality"}.get(locality_inbox)`)."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        items = node.values if isinstance(node, ast.Dict) else node.elts if isinstance(node, (ast.List, ast.Tuple)) \
            else [node.body, node.orelse] if isinstance(node, ast.IfExp) else []
        found += [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str) and i.value]
    return list(dict.fromkeys(found))


def _timers(process):
    for definition in process.iterfind(".//bpmn:timerEventDefinition", NS):
        event = definition.getparent()
        expression = next((c.text or "" for c in definition if c.text), "")
        kind = etree.QName(event).localname
        if kind == "boundaryEvent":
            kind = "boundary" if event.get("cancelActivity", "true") == "true" else "boundary (non-interrupting)"
        elif kind == "intermediateCatchEvent":
            kind = "intermediate"
        elif kind == "startEvent":
            kind = "start"
        yield TimerInfo(event.get("id"), event.get("name") or event.get("id"), kind, expression.strip(),
                        event.get("attachedToRef"))
