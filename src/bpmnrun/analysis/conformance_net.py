"""A Petri net from one (flattened) BPMN process, for token replay.

Built the way the usual BPMN-to-Petri-net translation of process-mining tools builds it (so fitness figures
agree with theirs): every task, start and end event and gateway is a transition between an entry and an exit
place, every sequence flow a place joined to them by silent transitions, a parallel or inclusive gateway with
several flows in or out gets a silent transition that splits or joins them, and chains of silent transitions
are then folded away. A task's transition carries the task's name (or, matching by activity, one transition
per vocabulary term, in order); everything else is silent.

Beyond that translation, so that bpmnrun's own cases replay without error: intermediate events and event-based
gateways are silent steps like a gateway, a non-interrupting boundary timer (it only marks the task overdue) is
left out, an interrupting one is a silent way out of its task, and a multi-instance task may happen again.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from lxml import etree

_SILENT_NODES = ("startevent", "endevent", "exclusivegateway", "parallelgateway", "inclusivegateway",
                 "eventbasedgateway", "intermediatecatchevent", "intermediatethrowevent")
_SPLITTING = ("parallelgateway", "inclusivegateway")
_TERM = re.compile(r"activity(\d*)")
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


class ModelError(ValueError):
    """The diagram cannot be turned into a net (not XML, or no such process)."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str | None  # None: silent
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass
class Net:
    places: list[str]
    transitions: list[Transition]
    source: int
    sink: int
    task_names: dict[str, str] = field(default_factory=dict)  # label → the task name it came from

    def labels(self) -> set[str]:
        return {t.label for t in self.transitions if t.label is not None}


class _Draft:
    """A net under construction, keyed by names, with arcs both ways so folding can rewire it."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[set[str], set[str]]] = {}  # place → (transitions in, transitions out)
        self.transitions: dict[str, tuple[str | None, set[str], set[str]]] = {}  # → (label, places in, out)
        self._serial = 0

    def place(self, name: str) -> str:
        self.places.setdefault(name, (set(), set()))
        return name

    def transition(self, name: str | None, label: str | None) -> str:
        if name is None:  # the translation's anonymous splits, joins and start/end steps
            self._serial += 1
            name = f"~{self._serial:04d}"
        self.transitions[name] = (label, set(), set())
        return name

    def arc(self, source: str, target: str) -> None:
        if source in self.places:
            self.places[source][1].add(target)
            self.transitions[target][1].add(source)
        else:
            self.transitions[source][2].add(target)
            self.places[target][0].add(source)

    def drop_transition(self, name: str) -> None:
        _, ins, outs = self.transitions.pop(name)
        for p in ins:
            self.places[p][1].discard(name)
        for p in outs:
            self.places[p][0].discard(name)

    def drop_place(self, name: str) -> None:
        ins, outs = self.places.pop(name)
        for t in ins:
            self.transitions[t][2].discard(name)
        for t in outs:
            self.transitions[t][1].discard(name)


def build_net(xml: bytes, process_id: str, by_activity: bool = False) -> Net:
    """The net of `process_id` in `xml` (one BPMN document, call activities already flattened)."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise ModelError(f"the diagram is not readable XML ({exc.msg})") from None
    process = next((p for p in root.iter("{*}process") if p.get("id") == process_id), None)
    if process is None:
        raise ModelError(f"the diagram has no process {process_id!r}")
    draft = _Draft()
    source, sink = draft.place("source"), draft.place("sink")
    nodes = {el.get("id"): el for el in process if el.get("id") and _kind(el)}
    flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef")) for f in process.iterfind("{*}sequenceFlow")]
    outs: dict[str, int] = {}
    ins: dict[str, int] = {}
    for _, src, tgt in flows:
        outs[src] = outs.get(src, 0) + 1
        ins[tgt] = ins.get(tgt, 0) + 1
    names: dict[str, str] = {}
    entering, exiting, repeated = {}, {}, []
    for node_id, element in nodes.items():
        kind = _kind(element)
        if kind == "boundaryevent":
            continue
        entry, leave = draft.place(f"ent_{node_id}"), draft.place(f"exi_{node_id}")
        if kind == "task":
            labels = _labels(element, by_activity)
            for label in labels:
                names.setdefault(label, _name(element) or label)
            _chain(draft, node_id, labels, entry, leave)
            if element.find("{*}multiInstanceLoopCharacteristics") is not None and labels:
                repeated.append((node_id, labels))
        else:
            draft.arc(entry, draft.transition(node_id, None))
            draft.arc(node_id, leave)
        entering[node_id], exiting[node_id] = entry, leave
        if kind in _SPLITTING and outs.get(node_id, 0) > 1:
            exiting[node_id] = draft.transition(None, None)
            draft.arc(leave, exiting[node_id])
        if kind in _SPLITTING and ins.get(node_id, 0) > 1:
            entering[node_id] = draft.transition(None, None)
            draft.arc(entering[node_id], entry)
        if kind == "startevent":
            start = draft.transition(None, None)
            draft.arc(source, start)
            draft.arc(start, entry)
        elif kind == "endevent":
            end = draft.transition(None, None)
            draft.arc(leave, end)
            draft.arc(end, sink)
    _boundaries(draft, nodes, entering, exiting)
    for flow_id, src, tgt in flows:
        if src in exiting and tgt in entering:
            _flow(draft, flow_id, exiting[src], entering[tgt])
    _inclusive_shortcuts(draft, nodes, flows, outs, ins)
    _fold(draft)
    for name in [p for p, (i, o) in draft.places.items() if not i and not o and p not in (source, sink)]:
        draft.drop_place(name)
    for node_id, labels in repeated:
        _repeat(draft, node_id, labels)
    return _frozen(draft, names)


def _kind(element) -> str | None:
    if not isinstance(element.tag, str):
        return None
    local = etree.QName(element).localname.lower()
    if local.endswith("task"):
        return "task"
    if local == "boundaryevent":
        # A non-interrupting timer only marks its task overdue: the work goes on as if it had not fired.
        return "boundaryevent" if element.get("cancelActivity", "true") != "false" else None
    return local if local in _SILENT_NODES else None


def _name(element) -> str:
    return " ".join((element.get("name") or "").split())


def _labels(element, by_activity: bool) -> tuple[str | None, ...]:
    """A task's labels: its name, or matching by activity its vocabulary terms (its name if it has none)."""
    if by_activity:
        numbered = []
        for prop in element.iterfind("{*}extensionElements/{%s}properties/{%s}property" % (CAMUNDA, CAMUNDA)):
            match = _TERM.fullmatch(prop.get("name") or "")
            if match and (prop.get("value") or "").strip():
                numbered.append((int(match.group(1) or 1), prop.get("value").strip()))
        terms = tuple(dict.fromkeys(term for _, term in sorted(numbered)))
        if terms:
            return terms
    return (_name(element) or None,)  # an unnamed task is silent, as in the usual translation


def _chain(draft: _Draft, node_id: str, labels, entry: str, leave: str, prefix: str = "") -> None:
    """One transition per label, in order, from `entry` to `leave` (a task with several terms)."""
    before = entry
    for i, label in enumerate(labels):
        name = f"{prefix}{node_id}" if i == 0 else f"{prefix}{node_id}#{i + 1}"
        draft.transition(name, label)
        draft.arc(before, name)
        before = leave if i == len(labels) - 1 else draft.place(f"mid_{name}")
        draft.arc(name, before)


def _boundaries(draft: _Draft, nodes: dict, entering: dict, exiting: dict) -> None:
    for node_id, element in nodes.items():
        task = element.get("attachedToRef")
        if _kind(element) == "boundaryevent" and f"ent_{task}" in draft.places:
            leave = draft.place(f"exi_{node_id}")
            draft.transition(node_id, None)
            draft.arc(f"ent_{task}", node_id)
            draft.arc(node_id, leave)
            exiting[node_id] = leave


def _flow(draft: _Draft, flow_id: str, source: str, target: str) -> None:
    place = draft.place(flow_id)
    if source in draft.places:
        draft.arc(source, draft.transition(f"sfl_{flow_id}", None))
        source = f"sfl_{flow_id}"
    if target in draft.places:
        draft.arc(draft.transition(f"tfl_{flow_id}", None), target)
        target = f"tfl_{flow_id}"
    draft.arc(source, place)
    draft.arc(place, target)


def _inclusive_shortcuts(draft: _Draft, nodes: dict, flows, outs: dict, ins: dict) -> None:
    """An inclusive split's branch may be left out: a silent way from each of its flows to the nearest flow
    into an inclusive join."""
    inclusive = {n for n, el in nodes.items() if _kind(el) == "inclusivegateway"}
    exits = {f for f, s, _ in flows if s in inclusive and outs[s] > 1 and f in draft.places}
    entries = {f for f, _, t in flows if t in inclusive and ins[t] > 1 and f in draft.places}
    exits, entries = exits - entries, entries - exits
    for start in sorted(exits):
        seen, queue = {start}, deque([start])
        while queue:
            place = queue.popleft()
            if place in entries:
                shortcut = draft.transition(None, None)
                draft.arc(start, shortcut)
                draft.arc(shortcut, place)
                break
            for t in sorted(draft.places[place][1]):
                for nxt in sorted(draft.transitions[t][2] - seen):
                    seen.add(nxt)
                    queue.append(nxt)


def _fold(draft: _Draft) -> None:
    """Fold silent transitions into their neighbour where a place only links the two, until nothing changes."""
    changed = True
    while changed:
        changed = _fold_all(draft, forward=True) | _fold_all(draft, forward=False)


def _fold_all(draft: _Draft, forward: bool) -> bool:
    """Fold, one at a time, every silent transition whose only input place (forward) or only output place
    (backward) links it to a single neighbour transition: the neighbour takes over its other arcs."""
    done = False
    while _fold_one(draft, forward):
        done = True
    return done


def _fold_one(draft: _Draft, forward: bool) -> bool:
    for t in sorted(draft.transitions):
        label, ins, outs = draft.transitions[t]
        near, far = (ins, outs) if forward else (outs, ins)
        if label is not None or len(near) != 1:
            continue
        place = next(iter(near))
        feeders, takers = draft.places[place]
        others, mine = (feeders, takers) if forward else (takers, feeders)
        if len(others) == 1 and mine == {t} and others != {t}:
            neighbour, ends = next(iter(others)), set(far)
            draft.drop_transition(t)
            draft.drop_place(place)
            for end in ends:
                source, target = (neighbour, end) if forward else (end, neighbour)
                draft.arc(source, target)
            return True
    return False


def _repeat(draft: _Draft, node_id: str, labels) -> None:
    """A multi-instance task is done once per item: the same step again, from where the first left off."""
    last = node_id if len(labels) == 1 else f"{node_id}#{len(labels)}"
    if last not in draft.transitions:
        return
    after = sorted(draft.transitions[last][2])
    hub = draft.place(f"again_{node_id}")
    gather = draft.transition(f"{node_id}~gather", None)
    for place in after:
        draft.arc(place, gather)
    draft.arc(gather, hub)
    # Named to sort before the task: a step replayed where neither is enabled forces the task itself.
    _chain(draft, node_id, labels, hub, hub, prefix="!again:")
    spread = draft.transition(f"{node_id}~spread", None)
    draft.arc(hub, spread)
    for place in after:
        draft.arc(spread, place)


def _frozen(draft: _Draft, names: dict[str, str]) -> Net:
    places = sorted(draft.places)
    index = {p: i for i, p in enumerate(places)}
    transitions = [Transition(name, label, tuple(sorted(index[p] for p in ins)), tuple(sorted(index[p] for p in outs)))
                   for name, (label, ins, outs) in sorted(draft.transitions.items())]
    return Net(places, transitions, index["source"], index["sink"], names)
