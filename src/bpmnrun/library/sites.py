"""Every expression of a process, with where it is written and at which point of the flow it reads the data.

The rules of `bpmnrun check` that look into expressions (they compile, their names are set, their enum literals
are option ids, their timers give a time, their cost is bounded) all start from these sites, so each rule
finds the same expressions and reports them at the same line.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .files import NS

CAMUNDA = f"{{{NS['camunda']}}}"
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class Site:
    kind: str  # condition, timeDate/timeDuration/timeCycle, assignee, dueDate, for_children, required_if,
    #            valid_if, collection, input, output, default, call_in
    label: str  # how a message names it: "condition", "timer timeDate", "required_if of 'note'", …
    text: str | None  # the expression (None or blank: empty)
    node: str  # the flow node whose data it reads
    after: bool  # reads the data after the node (a condition on a flow out of a task), not before it
    line: int
    element_id: str
    local: frozenset[str] = frozenset()  # names it may read that only exist here (input parameters, …)
    form_fields: frozenset[str] = frozenset()  # the fields of the same form (for required_if / valid_if)
    plain: bool = False  # written without the ${…} it needs (an input parameter)


def element_id(el: etree._Element | None) -> str:
    """The id of the element or of its nearest ancestor that has one."""
    while el is not None:
        if el.get("id"):
            return el.get("id")
        el = el.getparent()
    return "-"


def juel(value: str | None) -> str | None:
    """`${expression}` → `expression`; a plain value (a user name) is not an expression."""
    text = (value or "").strip()
    return text[2:-1].strip() if text.startswith("${") and text.endswith("}") else None


def sites_of(process: etree._Element) -> list[Site]:
    """The expression sites of one `bpmn:process`, in document order within each kind."""
    found: list[Site] = []
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        condition = flow.find("bpmn:conditionExpression", NS)
        if condition is not None:
            found.append(Site("condition", "condition", condition.text, flow.get("sourceRef") or "", True,
                              condition.sourceline or 0, element_id(condition)))
    for definition in process.iterfind(".//bpmn:timerEventDefinition", NS):
        event = definition.getparent()
        for tag in TIMER_KINDS:
            for timer in definition.iterfind(f"bpmn:{tag}", NS):
                found.append(Site(tag, f"timer {tag}", timer.text, event.get("id") or "", False,
                                  timer.sourceline or 0, element_id(timer)))
    for task in process.iterfind(".//bpmn:userTask", NS):
        found.extend(_task_sites(task))
    for call in process.iterfind(".//bpmn:callActivity", NS):
        for mapping in call.iterfind("bpmn:extensionElements/camunda:in", NS):
            text = juel(mapping.get("sourceExpression")) or mapping.get("source")
            if mapping.get("variables") != "all" and text:
                found.append(Site("call_in", f"camunda:in {mapping.get('target')!r}", text, call.get("id") or "",
                                  False, mapping.sourceline or 0, element_id(call)))
    return found


def _task_sites(task: etree._Element) -> list[Site]:
    tid = task.get("id") or ""
    loop = task.find("bpmn:multiInstanceLoopCharacteristics", NS)
    element_variable = loop.get(f"{CAMUNDA}elementVariable") if loop is not None else None
    each_child = frozenset({element_variable} if element_variable else ())
    inputs = list(task.iterfind("bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", NS))
    local = each_child | {p.get("name") for p in inputs if p.get("name")}
    fields = list(task.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", NS))
    field_ids = frozenset(f.get("id") for f in fields if f.get("id"))
    found: list[Site] = []
    for attribute in ("assignee", "dueDate"):
        expression = juel(task.get(f"{CAMUNDA}{attribute}"))
        if expression is not None:
            found.append(Site(attribute, f"camunda:{attribute}", expression, tid, False, task.sourceline or 0, tid,
                              local))
    for prop in task.iterfind("bpmn:extensionElements/camunda:properties/camunda:property[@name='for_children']", NS):
        found.append(Site("for_children", "for_children", prop.get("value"), tid, False, prop.sourceline or 0,
                          element_id(prop), local))
    if loop is not None and loop.get(f"{CAMUNDA}collection") is not None:
        found.append(Site("collection", "camunda:collection", loop.get(f"{CAMUNDA}collection"), tid, False,
                          loop.sourceline or 0, tid))
    for param in inputs:
        expression = juel(param.text)
        found.append(Site("input", f"input parameter {param.get('name')!r}", expression or param.text, tid,
                          False, param.sourceline or 0, tid, each_child, plain=expression is None))
    for param in task.iterfind("bpmn:extensionElements/camunda:inputOutput/camunda:outputParameter", NS):
        expression = juel(param.text)
        found.append(Site("output", f"output parameter {param.get('name')!r}", expression or param.text, tid,
                          False, param.sourceline or 0, tid, local, field_ids, plain=expression is None))
    for field in fields:
        default = juel(field.get("defaultValue"))
        if default is not None:
            found.append(Site("default", f"defaultValue of {field.get('id')!r}", default, tid, False,
                              field.sourceline or 0, field.get("id") or tid, local))
        for constraint in field.iterfind("camunda:validation/camunda:constraint", NS):
            name = constraint.get("name")
            if name in ("required_if", "valid_if"):
                found.append(Site(name, f"{name} of {field.get('id')!r}", constraint.get("config") or "", tid, False,
                                  constraint.sourceline or 0, field.get("id") or tid, local, field_ids))
    return found
