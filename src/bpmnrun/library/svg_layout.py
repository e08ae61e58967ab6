"""What a diagram is drawn from: its BPMN file read, the DI plane that shows a process found, and its shapes
and edges with their elements, bounds, waypoints and label bounds."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .files import NS, DiagramFile
from .svg_shapes import Box, Point

DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
BPMNDI = f"{{{NS['bpmndi']}}}"


@dataclass(frozen=True)
class Shape:
    id: str
    kind: str  # the BPMN element's local name: userTask, startEvent, lane, …
    element: etree._Element
    di: etree._Element
    box: Box
    label: Box | None


@dataclass(frozen=True)
class Edge:
    id: str
    kind: str
    element: etree._Element
    points: tuple[Point, ...]
    label: Box | None


def parse(xml: bytes) -> DiagramFile:
    try:
        diagram = DiagramFile.parse("diagram", xml)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not a BPMN file: {error}") from None
    if etree.QName(diagram.tree).text != f"{{{NS['bpmn']}}}definitions":
        raise ValueError("not a BPMN file: the root element is not bpmn:definitions")
    return diagram


def process_id_in(diagram: DiagramFile, process_id: str | None) -> str:
    every = [p.get("id") for p in diagram.tree.iterfind("bpmn:process", NS)]
    if process_id is None:
        if not every:
            raise ValueError("the file defines no process")
        return (diagram.process_ids or every)[0]
    if process_id not in every:
        raise ValueError(f"the file defines no process {process_id!r}")
    return process_id


def plane_of(diagram: DiagramFile, process_id: str) -> etree._Element:
    """The DI plane showing the process: on the process itself or on a collaboration with its pool."""
    participants = diagram.tree.iterfind(f".//bpmn:participant[@processRef='{process_id}']", NS)
    pools = {p.getparent().get("id") for p in participants}
    for plane in diagram.tree.iterfind("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS):
        if plane.get("bpmnElement") in pools | {process_id} and plane.find("bpmndi:BPMNShape", NS) is not None:
            return plane
    raise ValueError(f"process {process_id!r} has no diagram layout (BPMN DI): open and save it in "
                     "Camunda Modeler or bpmn.io to lay it out")


def _bounds(parent: etree._Element | None) -> Box | None:
    bounds = parent.find(f"{DC}Bounds") if parent is not None else None
    if bounds is None:
        return None
    return Box(*(float(bounds.get(k, 0)) for k in ("x", "y", "width", "height")))


def read_plane(diagram: DiagramFile, plane: etree._Element) -> tuple[list[Shape], list[Edge]]:
    elements = {e.get("id"): e for e in diagram.tree.iter(f"{{{NS['bpmn']}}}*") if e.get("id")}
    shapes: dict[str, Shape] = {}
    edges: dict[str, Edge] = {}
    for di in plane:
        element = elements.get(di.get("bpmnElement"))
        if element is None or element.get("id") in shapes or element.get("id") in edges:
            continue  # DI for an element the model lacks, or drawn twice: drawing it would mislead
        label = _bounds(di.find(f"{BPMNDI}BPMNLabel"))
        kind = etree.QName(element).localname
        if di.tag == f"{BPMNDI}BPMNShape" and _bounds(di) is not None:
            shapes[element.get("id")] = Shape(element.get("id"), kind, element, di, _bounds(di), label)
        elif di.tag == f"{BPMNDI}BPMNEdge":
            points = tuple((float(p.get("x", 0)), float(p.get("y", 0))) for p in di.iterfind(f"{DI}waypoint"))
            if len(points) >= 2:
                edges[element.get("id")] = Edge(element.get("id"), kind, element, points, label)
    return list(shapes.values()), list(edges.values())
