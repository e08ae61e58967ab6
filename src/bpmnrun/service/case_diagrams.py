"""Where a piece of case work stands, drawn on its diagrams.

The states come from what the database already holds about the instance — its task rows, its waiting
timers and messages, and the engine's audit events — never from the serialized workflow, so a case page
costs a few queries whatever the size of the workflow state.

A call activity's own tasks live in the called process: that diagram is drawn too, below the caller's,
whenever the instance has done anything in it. On the caller's diagram a call activity is marked only when
it is the one call of that process there; when a process is called from two places (e.g. two routes into
case closure) the rows do not say which call was taken, and a guess would mislead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..library.files import NS
from ..library.svg import render_svg
from ..store.models import Event, Instance, ProcessVersion, Task, Timer

# When an element was met more than once (multi-instance, loops), the state that needs attention wins.
PRECEDENCE = ("overdue", "active", "waiting", "completed")
DONE_EVENTS = ("end_event", "timer_fired", "message_received")


@dataclass(frozen=True)
class InstanceDiagram:
    process_id: str
    title: str
    svg: str
    called: bool  # a called sub-process, drawn below its caller


@dataclass
class _Trace:
    """What one instance has done, per process id: element id -> states met."""

    states: dict[str, dict[str, set[str]]]
    timer_names: set[str]
    messages: set[str]

    def add(self, process_id: str, element_id: str, state: str) -> None:
        self.states.setdefault(process_id, defaultdict(set))[element_id].add(state)

    def ready_in(self, process_id: str) -> str | None:
        met = {s for states in self.states.get(process_id, {}).values() for s in states}
        return next((s for s in ("overdue", "active") if s in met), None)


def instance_diagrams(session: Session, instance: Instance) -> list[InstanceDiagram]:
    """The instance's diagram, then each called process it has worked in, with their states marked."""
    trace = _trace(session, instance)
    drawn = []
    for version, called in _versions(session, instance.process_version_id):
        if called and version.process_id not in trace.states:
            continue
        tree = etree.fromstring(version.xml.encode())
        states = _states(tree, version.process_id, trace)
        try:
            svg = render_svg(version.xml.encode(), version.process_id, states, notes=False)
        except ValueError:
            continue  # a process without layout is still listed on the page; it just has no picture
        drawn.append(InstanceDiagram(version.process_id, version.title, svg, called))
    return drawn


def _versions(session: Session, version_id: int, called: bool = False, seen: set[int] | None = None):
    """The version and, depth first, every version it calls (each once)."""
    seen = seen if seen is not None else set()
    if version_id in seen:
        return
    seen.add(version_id)
    version = session.get(ProcessVersion, version_id)
    yield version, called
    for callee_id in (version.calls or {}).values():
        yield from _versions(session, callee_id, True, seen)


def _trace(session: Session, instance: Instance) -> _Trace:
    trace = _Trace({}, set(), set(instance.waiting_messages or ()))
    trace.states.setdefault(instance.process_id, defaultdict(set))
    rows = session.execute(select(Task.process_id, Task.bpmn_id, Task.state, Task.overdue)
                           .where(Task.instance_id == instance.id)).all()
    for process_id, bpmn_id, state, overdue in rows:
        if state == "ready":
            trace.add(process_id, bpmn_id, "overdue" if overdue else "active")
        elif state == "completed":
            trace.add(process_id, bpmn_id, "completed")
    events = session.execute(select(Event.action, Event.detail)
                             .where(Event.instance_id == instance.id, Event.action.in_(DONE_EVENTS))).all()
    for _, detail in events:
        if detail.get("process") and detail.get("element"):
            trace.add(detail["process"], detail["element"], "completed")
    trace.timer_names = set(session.scalars(select(Timer.name).where(Timer.instance_id == instance.id)))
    return trace


def _states(tree: etree._Element, process_id: str, trace: _Trace) -> dict[str, str]:
    process = tree.find(f"bpmn:process[@id='{process_id}']", NS)
    if process is None:
        return {}
    met: dict[str, set[str]] = defaultdict(set)
    for element_id, states in trace.states.get(process_id, {}).items():
        met[element_id] |= states
    if process_id in trace.states:
        for start in process.iterfind("bpmn:startEvent", NS):
            met[start.get("id")].add("completed")
    _mark_calls(process, trace, met)
    _mark_waiting(tree, process, trace, met)
    return {element_id: next(s for s in PRECEDENCE if s in states) for element_id, states in met.items() if states}


def _mark_calls(process: etree._Element, trace: _Trace, met: dict[str, set[str]]) -> None:
    calls: dict[str, list[str]] = defaultdict(list)
    for call in process.iter(f"{{{NS['bpmn']}}}callActivity"):
        calls[call.get("calledElement")].append(call.get("id"))
    for called, ids in calls.items():
        if len(ids) != 1 or called not in trace.states:
            continue
        met[ids[0]].add(trace.ready_in(called) or "completed")


def _mark_waiting(tree: etree._Element, process: etree._Element, trace: _Trace, met: dict[str, set[str]]) -> None:
    """Timer and message catches the instance waits on, found by the names the rows keep."""
    message_names = {m.get("id"): m.get("name") for m in tree.iterfind("bpmn:message", NS)}
    for definition in process.iter(f"{{{NS['bpmn']}}}timerEventDefinition"):
        event = definition.getparent()
        if (event.get("name") or event.get("id")) in trace.timer_names and _parent_active(event, met):
            met[event.get("id")].add("waiting")
    for definition in process.iter(f"{{{NS['bpmn']}}}messageEventDefinition"):
        event = definition.getparent()
        catching = etree.QName(event).localname in ("intermediateCatchEvent", "boundaryEvent")
        if catching and message_names.get(definition.get("messageRef")) in trace.messages \
                and _parent_active(event, met):
            met[event.get("id")].add("waiting")


def _parent_active(event: etree._Element, met: dict[str, set[str]]) -> bool:
    """A boundary event waits only while its activity is open; other catch events wait on their own."""
    attached = event.get("attachedToRef")
    return attached is None or bool(met.get(attached, set()) & {"active", "overdue"})
