"""A process being flattened (flatten.py) and the edits made to it: its elements in a detached bpmn:process,
their lanes and their drawing, changed together so that the drawing always matches the elements."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from . import flatten_layout as layout
from .files import BPMN_NS, NS

B = f"{{{BPMN_NS}}}"


@dataclass
class Fragment:
    """A process being flattened: its elements (in a detached bpmn:process) and its drawing."""

    process: etree._Element
    lane_of: dict[str, str | None]
    geometry: layout.Geometry


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def flows_of(process: etree._Element) -> list[etree._Element]:
    return list(process.iterfind("bpmn:sequenceFlow", NS))


def become(outer: Fragment, element: etree._Element, kind: str) -> etree._Element:
    """Replace `element` by a `kind` element with its id, name and documentation, drawn at its centre."""
    new = etree.Element(f"{B}{kind}", id=element.get("id"))
    if element.get("name"):
        new.set("name", element.get("name"))
    for doc in element.iterfind("bpmn:documentation", NS):
        new.append(copy.deepcopy(doc))
    element.getparent().replace(element, new)
    layout.reshape(outer.geometry, new.get("id"), kind)
    return new


def new_node(outer: Fragment, kind: str, key: str, beside: etree._Element, near: str, dx: float) -> etree._Element:
    """A new element placed before `beside` in the process, drawn `dx` from `near`, in `near`'s lane."""
    node = etree.Element(f"{B}{kind}", id=key)
    beside.addprevious(node)
    layout.add_item(outer.geometry, key, kind, near, dx)
    outer.lane_of[key] = outer.lane_of.get(near)
    return node


def add_flow(outer: Fragment, source: str, target: str, name: str | None = None) -> etree._Element:
    key, taken = f"Flow_{source}_{target}", {f.get("id") for f in flows_of(outer.process)}
    while key in taken:
        key += "_again"
    flow = etree.Element(f"{B}sequenceFlow", id=key, sourceRef=source, targetRef=target)
    if name:
        flow.set("name", name)
    outer.process.append(flow)
    outer.geometry.edges[flow.get("id")] = None
    return flow
