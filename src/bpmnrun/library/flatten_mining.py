"""A flattened process rewritten for process-mining tools: the same steps in the same orders, told with
gateways only, since PM4Py's BPMN-to-Petri-net conversion turns tasks, start and end events and gateways
into a net and cuts every flow through anything else (an intermediate event, a boundary event, an
event-based gateway), and reads no multi-instance marker.

- An event-based gateway becomes an exclusive gateway: which event comes first is a choice between paths.
- An intermediate catch or throw event (a timer, a message) becomes an exclusive gateway with its name: a
  step nobody does, passed through.
- A multi-instance (per child) task gets an exclusive gateway before it and one after it with a flow back
  ("for another child"): done once per child, one after another in the log.
- A non-interrupting boundary event on a task whose branch only leads to end events: a parallel gateway
  before the task starts the task and, beside it, a choice "the event happens or not"; the branch (its end
  events merged) and the "not" path meet again, and a parallel gateway after the task joins both. The branch
  can then run at most once and within the task's time, which is what the library's deadlines do (their
  branch is a reminder ending at once). A branch that rejoins the process is left as it is.
- An interrupting boundary event on a task: an exclusive gateway before the task chooses between the task
  and the event's branch (the task interrupted leaves no completion).
"""

from __future__ import annotations

from lxml import etree

from .files import NS
from .flatten_fragment import Fragment, add_flow, become, flows_of, local, new_node


def rewrite(fragment: Fragment) -> None:
    """Rewrite `fragment` in place as described above."""
    process = fragment.process
    for kind in ("eventBasedGateway", "intermediateCatchEvent", "intermediateThrowEvent"):
        for element in list(process.iterfind(f"bpmn:{kind}", NS)):
            become(fragment, element, "exclusiveGateway")
    for boundary in list(process.iterfind("bpmn:boundaryEvent", NS)):
        if boundary.get("cancelActivity") == "false":
            _beside(fragment, boundary)
        else:
            _instead(fragment, boundary)
    for loop in list(process.iterfind("*/bpmn:multiInstanceLoopCharacteristics", NS)):
        task = loop.getparent()
        task.remove(loop)
        _per_child(fragment, task)


def _into(fragment: Fragment, key: str) -> list[etree._Element]:
    return [f for f in flows_of(fragment.process) if f.get("targetRef") == key]


def _out_of(fragment: Fragment, key: str) -> list[etree._Element]:
    return [f for f in flows_of(fragment.process) if f.get("sourceRef") == key]


def _before(fragment: Fragment, task: etree._Element, kind: str, key: str) -> etree._Element:
    """A new `kind` gateway every flow into `task` now reaches first, with a flow on to the task."""
    gateway = new_node(fragment, kind, key, task, near=task.get("id"), dx=-95)
    for flow in _into(fragment, task.get("id")):
        flow.set("targetRef", key)
        fragment.geometry.edges[flow.get("id")] = None
    add_flow(fragment, key, task.get("id"))
    return gateway


def _after(fragment: Fragment, task: etree._Element, kind: str, key: str) -> etree._Element:
    """A new `kind` gateway every flow out of `task` now leaves from, with a flow to it from the task."""
    gateway = new_node(fragment, kind, key, task, near=task.get("id"), dx=95)
    for flow in _out_of(fragment, task.get("id")):
        flow.set("sourceRef", key)
        fragment.geometry.edges[flow.get("id")] = None
    add_flow(fragment, task.get("id"), key)
    return gateway


def _per_child(fragment: Fragment, task: etree._Element) -> None:
    key = task.get("id")
    again = _before(fragment, task, "exclusiveGateway", f"{key}__each")
    done = _after(fragment, task, "exclusiveGateway", f"{key}__next")
    done.set("name", "Another child?")
    add_flow(fragment, done.get("id"), again.get("id"), "for another child")


def _tail(fragment: Fragment, boundary: etree._Element) -> list[etree._Element] | None:
    """The branch after a boundary event when it reaches end events only and nothing else reaches it."""
    seen, todo = set(), [f.get("targetRef") for f in _out_of(fragment, boundary.get("id"))]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += [f.get("targetRef") for f in _out_of(fragment, node)]
    for node in seen:
        if any(f.get("sourceRef") not in seen | {boundary.get("id")} for f in _into(fragment, node)):
            return None
    elements = [e for e in fragment.process if e.get("id") in seen]
    if not elements or any(b.get("attachedToRef") in seen for b in fragment.process.iterfind("bpmn:boundaryEvent", NS)):
        return None  # a deadline inside the branch would need the branch's own rewriting first
    return elements


def _beside(fragment: Fragment, boundary: etree._Element) -> None:
    tail = _tail(fragment, boundary)
    task = fragment.process.find(f"*[@id='{boundary.get('attachedToRef')}']")
    if tail is None or task is None:
        return
    key = boundary.get("id")
    ends = [e for e in tail if local(e) == "endEvent"]
    fork = _before(fragment, task, "parallelGateway", f"{key}__fork")
    choice = become(fragment, boundary, "exclusiveGateway")
    add_flow(fragment, fork.get("id"), key)
    if len(ends) == 1:
        merge = become(fragment, ends[0], "exclusiveGateway")
    else:
        merge = new_node(fragment, "exclusiveGateway", f"{key}__met", choice, near=key, dx=140)
        for end in ends:
            for flow in _into(fragment, end.get("id")):
                flow.set("targetRef", merge.get("id"))
                fragment.geometry.edges[flow.get("id")] = None
            end.getparent().remove(end)
            fragment.geometry.items.pop(end.get("id"), None)
    if not any(f.get("targetRef") == merge.get("id") for f in _out_of(fragment, key)):
        add_flow(fragment, key, merge.get("id"), "not reached")
    join = _after(fragment, task, "parallelGateway", f"{key}__join")
    add_flow(fragment, merge.get("id"), join.get("id"))


def _instead(fragment: Fragment, boundary: etree._Element) -> None:
    task = fragment.process.find(f"*[@id='{boundary.get('attachedToRef')}']")
    if task is None:
        return
    key = boundary.get("id")
    choice = _before(fragment, task, "exclusiveGateway", f"{key}__or")
    become(fragment, boundary, "exclusiveGateway")
    add_flow(fragment, choice.get("id"), key)
