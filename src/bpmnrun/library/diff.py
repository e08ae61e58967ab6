"""What changed between two versions of a process, read from the two diagrams: pure, no database, no engine.

Elements are matched by id, as SpiffWorkflow matches them when a running case moves to a new version: an id
kept with a new name is a rename, a new id is an addition even where it takes an old element's place. Lanes are
matched by name, because a lane's name is the team whose inbox gets its tasks. Form fields are matched by id
within the task (or start event) that has them; a field's type, options and whether it is required are what a
caseworker notices, so those are what a change reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping

from lxml import etree

from .files import NS, DiagramFile

CAMUNDA = f"{{{NS['camunda']}}}"
FLOW_NODES = frozenset({
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "complexGateway",
})
TIMER_PARTS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class ElementChange:
    id: str
    kind: str  # userTask, exclusiveGateway, … (the new kind where it changed)
    name: str  # the new name (the old one for a removed element)
    old_name: str | None = None  # for a rename
    what: str = ""  # for a changed element: what changed, in words


@dataclass(frozen=True)
class FieldChange:
    task_id: str
    task_name: str
    field_id: str
    label: str
    what: str  # "added", "removed", or what changed ("type string → long; options + referred")


@dataclass(frozen=True)
class ProcessDiff:
    process_id: str
    title: str
    new_process: bool = False  # no earlier version to compare with
    added: tuple[ElementChange, ...] = ()
    removed: tuple[ElementChange, ...] = ()
    renamed: tuple[ElementChange, ...] = ()
    changed: tuple[ElementChange, ...] = ()  # kept id and name, but its condition, timer, lane, … changed
    fields: tuple[FieldChange, ...] = ()
    lanes_added: tuple[str, ...] = ()
    lanes_removed: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing a person would notice changed (layout or documentation only)."""
        return not (self.new_process or self.added or self.removed or self.renamed or self.changed
                    or self.fields or self.lanes_added or self.lanes_removed)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Element:
    id: str
    kind: str
    name: str
    lane: str | None
    detail: tuple[tuple[str, str], ...] = ()  # what else is compared: condition, timer, called process, …


@dataclass(frozen=True)
class _Field:
    id: str
    label: str
    type: str
    required: bool
    options: tuple[tuple[str, str], ...] = field(default=())


def diff_process(process_id: str, old_xml: bytes | None, new_xml: bytes) -> ProcessDiff:
    """The changes from `old_xml` to `new_xml` in the process `process_id` (old_xml None: a new process)."""
    new_tree = DiagramFile.parse("new", new_xml)
    title = new_tree.title(process_id)
    if old_xml is None:
        return ProcessDiff(process_id, title, new_process=True, lanes_added=_lanes(new_tree.process(process_id)))
    old_process = DiagramFile.parse("old", old_xml).process(process_id)
    new_process = new_tree.process(process_id)
    if old_process is None:
        return ProcessDiff(process_id, title, new_process=True, lanes_added=_lanes(new_process))
    old, new = _elements(old_process), _elements(new_process)
    old_lanes, new_lanes = _lanes(old_process), _lanes(new_process)
    return ProcessDiff(
        process_id, title,
        added=tuple(_change(new[i]) for i in new if i not in old),
        removed=tuple(_change(old[i]) for i in old if i not in new),
        renamed=tuple(_change(new[i], old_name=old[i].name) for i in new if i in old and old[i].name != new[i].name),
        changed=tuple(c for i in new if i in old for c in _changed(old[i], new[i])),
        fields=tuple(_field_changes(old_process, new_process)),
        lanes_added=tuple(n for n in new_lanes if n not in old_lanes),
        lanes_removed=tuple(n for n in old_lanes if n not in new_lanes),
    )


def diff_sources(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[ProcessDiff]:
    """A diff per process of `new` whose XML differs from `old`'s (process id → the XML defining it)."""
    return [diff_process(pid, old.get(pid), xml) for pid, xml in new.items() if old.get(pid) != xml]


def element_names(xml: bytes, process_id: str, kinds: frozenset[str] = FLOW_NODES) -> list[tuple[str, str]]:
    """(id, name) of the process's elements of those kinds, in document order: what a mapping may name."""
    process = DiagramFile.parse("diagram", xml).process(process_id)
    if process is None:
        return []
    return [(e.id, e.name) for e in _elements(process).values() if e.kind in kinds]


def lane_names(xml: bytes, process_id: str) -> tuple[str, ...]:
    """The lanes (teams) of a process, in the diagram's order."""
    process = DiagramFile.parse("diagram", xml).process(process_id)
    return _lanes(process) if process is not None else ()


# --- reading one process ---------------------------------------------------------------------------------

def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _lane_of(process: etree._Element) -> dict[str, str]:
    return {ref.text.strip(): lane.get("name") or lane.get("id")
            for lane in process.iterfind(".//bpmn:lane", NS)
            for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}


def _lanes(process: etree._Element) -> tuple[str, ...]:
    return tuple(lane.get("name") or lane.get("id") for lane in process.iterfind(".//bpmn:lane", NS))


def _elements(process: etree._Element) -> dict[str, _Element]:
    lanes = _lane_of(process)
    flows = {f.get("id"): f for f in process.iterfind(".//bpmn:sequenceFlow", NS)}
    found: dict[str, _Element] = {}
    for el in process.iter():
        if not isinstance(el.tag, str) or _local(el) not in FLOW_NODES or not el.get("id"):
            continue
        eid = el.get("id")
        found[eid] = _Element(eid, _local(el), el.get("name") or eid, lanes.get(eid), _detail(el, flows))
    return found


def _detail(el: etree._Element, flows: dict[str, etree._Element]) -> tuple[tuple[str, str], ...]:
    """What the engine does at this element besides its name: the things a fix changes."""
    detail: list[tuple[str, str]] = []
    for part in TIMER_PARTS:
        timer = el.find(f"bpmn:timerEventDefinition/bpmn:{part}", NS)
        if timer is not None:
            detail.append(("timer", (timer.text or "").strip()))
    if el.get("calledElement"):
        detail.append(("called process", el.get("calledElement")))
    if el.get("default"):
        detail.append(("default flow", el.get("default")))
    for attr in ("assignee", "candidateGroups", "dueDate"):
        if el.get(f"{CAMUNDA}{attr}"):
            detail.append((attr, el.get(f"{CAMUNDA}{attr}")))
    for flow in sorted((f for f in flows.values() if f.get("sourceRef") == el.get("id")), key=lambda f: f.get("id")):
        condition = flow.find("bpmn:conditionExpression", NS)
        target = f"→ {flow.get('targetRef')}"
        detail.append((f"flow {flow.get('id')}", target if condition is None else f"{target} if {(condition.text or '').strip()}"))
    return tuple(detail)


def _change(el: _Element, old_name: str | None = None) -> ElementChange:
    return ElementChange(el.id, el.kind, el.name, old_name)


def _changed(old: _Element, new: _Element) -> list[ElementChange]:
    what = []
    if old.kind != new.kind:
        what.append(f"type {old.kind} → {new.kind}")
    if old.lane != new.lane:
        what.append(f"lane {old.lane or '—'} → {new.lane or '—'}")
    before, after = dict(old.detail), dict(new.detail)
    for key in dict.fromkeys([*before, *after]):
        if before.get(key) != after.get(key):
            what.append(f"{key}: {before.get(key) or '—'} ⇒ {after.get(key) or '—'}")
    return [ElementChange(new.id, new.kind, new.name, what="; ".join(what))] if what else []


# --- forms ----------------------------------------------------------------------------------------------

def _forms(process: etree._Element) -> dict[str, tuple[str, dict[str, _Field]]]:
    """Element id → (its name, its form fields by id), for every element with a form."""
    forms = {}
    for el in process.iter():
        if not isinstance(el.tag, str) or _local(el) not in ("userTask", "startEvent"):
            continue
        fields = {f.get("id"): _form_field(f) for f in el.iterfind(".//camunda:formField", NS) if f.get("id")}
        if fields:
            forms[el.get("id")] = (el.get("name") or el.get("id"), fields)
    return forms


def _form_field(el: etree._Element) -> _Field:
    constraints = {c.get("name") for c in el.iterfind("camunda:validation/camunda:constraint", NS)}
    options = tuple((v.get("id"), v.get("name") or v.get("id")) for v in el.iterfind("camunda:value", NS))
    return _Field(el.get("id"), el.get("label") or el.get("id"), el.get("type") or "string",
                  "required" in constraints, options)


def _field_changes(old_process: etree._Element, new_process: etree._Element):
    old_forms, new_forms = _forms(old_process), _forms(new_process)
    for task_id, (task_name, new_fields) in new_forms.items():
        if task_id not in old_forms:
            continue  # a new task: its whole form is new, and the task is listed as added
        old_fields = old_forms[task_id][1]
        for fid, f in new_fields.items():
            if fid not in old_fields:
                yield FieldChange(task_id, task_name, fid, f.label, "added")
            else:
                what = _field_difference(old_fields[fid], f)
                if what:
                    yield FieldChange(task_id, task_name, fid, f.label, what)
        for fid, f in old_fields.items():
            if fid not in new_fields:
                yield FieldChange(task_id, task_name, fid, f.label, "removed")
    for task_id, (task_name, old_fields) in old_forms.items():
        if task_id not in new_forms and _has_element(new_process, task_id):
            for fid, f in old_fields.items():
                yield FieldChange(task_id, task_name, fid, f.label, "removed")


def _has_element(process: etree._Element, element_id: str) -> bool:
    return any(el.get("id") == element_id for el in process.iter() if isinstance(el.tag, str))


def _field_difference(old: _Field, new: _Field) -> str:
    what = []
    if old.type != new.type:
        what.append(f"type {old.type} → {new.type}")
    if old.required != new.required:
        what.append("now required" if new.required else "no longer required")
    old_ids, new_ids = dict(old.options), dict(new.options)
    added = [f"+ {oid}" for oid in new_ids if oid not in old_ids]
    removed = [f"− {oid}" for oid in old_ids if oid not in new_ids]
    renamed = [f"{oid} renamed {old_ids[oid]!r} → {new_ids[oid]!r}" for oid in new_ids
               if oid in old_ids and old_ids[oid] != new_ids[oid]]
    if added or removed or renamed:
        what.append("options " + ", ".join(added + removed + renamed))
    if old.label != new.label:
        what.append(f"label {old.label!r} → {new.label!r}")
    return "; ".join(what)
