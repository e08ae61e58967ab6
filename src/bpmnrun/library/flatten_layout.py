"""The drawing (BPMN DI) of a flattened process: library/flatten.py decides what is inlined, this places it.

Positions are kept in lane coordinates, a `Spot`: the lane's name, an x, and a height below that lane's top.
Every diagram's lanes become bands of one pool, merged by name, so a callee's step keeps its place within
its lane wherever that band ends up. A callee's drawing is put where its call activity stood: everything of
the caller right of the call's left edge moves right by the callee's width plus a margin each side, so the
callee's columns are the caller's no longer. Flows whose ends changed are drawn again as simple elbows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from lxml import etree

from .files import NS, DiagramFile

DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
BPMNDI = f"{{{NS['bpmndi']}}}"
GAP = 80.0  # between a callee's drawing and the caller's steps either side: more than half a task's width
LABEL_STRIP = 30.0  # the pool's name, written sideways at its left
SIZES = {"exclusiveGateway": (50.0, 50.0), "parallelGateway": (50.0, 50.0), "endEvent": (36.0, 36.0)}


@dataclass(frozen=True)
class Spot:
    lane: str | None
    x: float
    dy: float  # below the lane's top


@dataclass
class Item:
    spot: Spot  # top left corner
    w: float
    h: float
    label: tuple[float, float, float, float] | None = None  # dx, dy from the corner, width, height
    host: str | None = None  # a boundary event's activity: it moves with it


@dataclass
class Geometry:
    items: dict[str, Item] = field(default_factory=dict)
    edges: dict[str, list[Spot] | None] = field(default_factory=dict)  # None: draw it again
    heights: dict[str | None, float] = field(default_factory=dict)  # lane → its height, in drawing order


def read_geometry(diagram: DiagramFile, process_id: str, prefix: str, ids: set[str]) -> Geometry:
    """The process's DI in lane coordinates, element ids prefixed; `ids` are the (prefixed) elements kept."""
    plane = _plane(diagram, process_id)
    process = diagram.process(process_id)
    bands = []
    for lane in process.iterfind(".//bpmn:lane", NS):
        box = _box(plane, lane.get("id")) if plane is not None else None
        if box is not None:
            bands.append((lane.get("name") or lane.get("id"), box[1], box[3]))
    lane_of = {prefix + (ref.text or "").strip(): lane.get("name") or lane.get("id")
               for lane in process.iterfind(".//bpmn:lane", NS) for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    geometry = Geometry(heights={name: height for name, _, height in bands} or {None: 0.0})
    tops = {name: top for name, top, _ in bands}
    if plane is None:
        return geometry

    def spot(x: float, y: float, lane: str | None = None) -> Spot:
        lane = lane if lane in tops else _band(bands, y)
        return Spot(lane, x, y - tops.get(lane, 0.0))

    for di in plane:
        key = prefix + (di.get("bpmnElement") or "")
        if key not in ids:
            continue
        if di.tag == f"{BPMNDI}BPMNShape":
            x, y, w, h = _box(plane, di.get("bpmnElement"))
            label = _label(di)
            lane = spot(x, y + h / 2, lane_of.get(key)).lane
            geometry.items[key] = Item(Spot(lane, x, y - tops.get(lane, 0.0)), w, h,
                                       (label[0] - x, label[1] - y, label[2], label[3]) if label else None)
        elif di.tag == f"{BPMNDI}BPMNEdge":
            geometry.edges[key] = [spot(float(p.get("x")), float(p.get("y")))
                                   for p in di.iterfind(f"{{{DI}}}waypoint")]
    for node in process.iterfind("bpmn:boundaryEvent", NS):
        if prefix + node.get("id") in geometry.items:
            geometry.items[prefix + node.get("id")].host = prefix + node.get("attachedToRef")
    return geometry


def _plane(diagram: DiagramFile, process_id: str) -> etree._Element | None:
    participants = diagram.tree.iterfind(f".//bpmn:participant[@processRef='{process_id}']", NS)
    pools = {p.getparent().get("id") for p in participants}
    for plane in diagram.tree.iterfind("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS):
        if plane.get("bpmnElement") in pools | {process_id}:
            return plane
    return None


def _box(plane: etree._Element, element_id: str) -> tuple[float, float, float, float] | None:
    for di in plane.iterfind(f"bpmndi:BPMNShape[@bpmnElement='{element_id}']", NS):
        bounds = di.find(f"{{{DC}}}Bounds")
        if bounds is not None:
            return tuple(float(bounds.get(k, 0)) for k in ("x", "y", "width", "height"))
    return None


def _label(di: etree._Element) -> tuple[float, float, float, float] | None:
    bounds = di.find(f"bpmndi:BPMNLabel/{{{DC}}}Bounds", NS)
    return tuple(float(bounds.get(k, 0)) for k in ("x", "y", "width", "height")) if bounds is not None else None


def _band(bands: list[tuple[str, float, float]], y: float) -> str | None:
    """The lane drawn at height y, else the nearest one (a note above the lanes belongs to the first)."""
    if not bands:
        return None
    return min(bands, key=lambda b: 0 if b[1] <= y < b[1] + b[2] else min(abs(y - b[1]), abs(y - b[1] - b[2])))[0]


# --- putting a callee's drawing where its call activity was ------------------------------------------------

def place(outer: Geometry, call_id: str, inner: Geometry, call_lane: str | None) -> None:
    """Move `inner` into `outer` where `call_id` is drawn, making room; the call's own drawing goes."""
    call = outer.items.pop(call_id, None)
    if call is None:
        left = max((i.spot.x + i.w for i in outer.items.values()), default=0.0) + GAP
    else:
        left = call.spot.x
    spots = [i.spot for i in inner.items.values()] + [s for e in inner.edges.values() if e for s in e]
    inner_left = min((s.x for s in spots), default=0.0)
    inner_right = max([i.spot.x + i.w for i in inner.items.values()] + [s.x for s in spots], default=inner_left)
    shift = inner_right - inner_left + 2 * GAP
    moving = {key for key, item in outer.items.items() if item.spot.x + item.w / 2 > left}
    for key, item in outer.items.items():
        if (item.host in moving) if item.host in outer.items else key in moving:  # a deadline moves with its task
            item.spot = replace(item.spot, x=item.spot.x + shift)
    for key, points in outer.edges.items():
        if points:
            outer.edges[key] = [replace(p, x=p.x + shift) if p.x >= left else p for p in points]
    move = left + GAP - inner_left
    for key, item in inner.items.items():
        outer.items[key] = replace(item, spot=_adopt(item.spot, call_lane, move))
    for key, points in inner.edges.items():
        outer.edges[key] = [_adopt(p, call_lane, move) for p in points] if points else None
    for lane, height in inner.heights.items():
        lane = lane if lane is not None else call_lane
        outer.heights[lane] = max(outer.heights.get(lane, 0.0), height)


def _adopt(spot: Spot, call_lane: str | None, move: float) -> Spot:
    return Spot(spot.lane if spot.lane is not None else call_lane, spot.x + move, spot.dy)


def add_item(geometry: Geometry, key: str, kind: str, near: str, dx: float, lane: str | None = None) -> None:
    """Draw a new gateway or event `dx` right of `near`'s centre (left for negative), centred on its height."""
    w, h = SIZES.get(kind, (36.0, 36.0))
    anchor = geometry.items.get(near)
    if anchor is None:
        geometry.items[key] = Item(Spot(lane, 0.0, 0.0), w, h)
        return
    cx, cy = anchor.spot.x + anchor.w / 2 + dx, anchor.spot.dy + anchor.h / 2
    geometry.items[key] = Item(Spot(anchor.spot.lane, cx - w / 2, cy - h / 2), w, h)


def reshape(geometry: Geometry, key: str, kind: str) -> None:
    """An element that became another kind keeps its centre and takes that kind's size."""
    item = geometry.items.get(key)
    if item is None:
        return
    w, h = SIZES.get(kind, (item.w, item.h))
    cx, cy = item.spot.x + item.w / 2, item.spot.dy + item.h / 2
    item.spot, item.w, item.h, item.host = replace(item.spot, x=cx - w / 2, dy=cy - h / 2), w, h, None


# --- writing the DI -------------------------------------------------------------------------------------------

def draw(geometry: Geometry, plane: etree._Element, pool_id: str, lane_ids: dict[str, str],
         flows: list[etree._Element], kinds: dict[str, str]) -> None:
    """Fill `plane` with a shape for the pool, each lane and element, and an edge for each flow."""
    tops, heights = _bands(geometry)
    absolute = {key: _absolute(geometry, key, tops) for key in geometry.items}
    xs = [b[0] for b in absolute.values()] + [b[0] + b[2] for b in absolute.values()]
    left, right = min(xs, default=0.0) - GAP / 2, max(xs, default=100.0) + GAP / 2
    bottom = max((tops[n] + heights[n] for n in tops), default=100.0)
    _shape(plane, pool_id, (left - LABEL_STRIP, 0.0, right - left + LABEL_STRIP, bottom), horizontal=True)
    for name, lane_id in lane_ids.items():
        _shape(plane, lane_id, (left, tops[name], right - left, heights[name]), horizontal=True)
    for key, box in absolute.items():
        di = _shape(plane, key, box, marker=kinds.get(key) == "exclusiveGateway")
        label = geometry.items[key].label
        if label:
            _label_di(di, (box[0] + label[0], box[1] + label[1], label[2], label[3]))
    for flow in flows:
        key = flow.get("id")
        points = geometry.edges.get(key)
        source, target = absolute.get(flow.get("sourceRef")), absolute.get(flow.get("targetRef"))
        route = [(p.x, tops.get(p.lane, 0.0) + p.dy) for p in points] if points else []
        if route and source and target and not (_touches(route[0], source) and _touches(route[-1], target)):
            route = []  # its ends moved apart: one went right with a callee's room, the other stayed
        if not route and source and target:
            route = _elbow(source, target)
        if not route:
            continue
        edge = etree.SubElement(plane, f"{BPMNDI}BPMNEdge", id=f"{key}_di", bpmnElement=key)
        for x, y in route:
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=_n(x), y=_n(y))


def _bands(geometry: Geometry) -> tuple[dict, dict]:
    """Each lane's top and height: tall enough for what it holds, lanes one under the other."""
    low: dict[str | None, float] = {}
    high: dict[str | None, float] = {}
    for item in geometry.items.values():
        lane = item.spot.lane
        low[lane] = min(low.get(lane, 0.0), item.spot.dy)
        high[lane] = max(high.get(lane, 0.0), item.spot.dy + item.h + (item.label[1] + item.label[3] - item.h
                                                                          if item.label else 0.0))
    tops, heights, y = {}, {}, 80.0
    for lane in list(geometry.heights) + [n for n in high if n not in geometry.heights]:
        height = max(geometry.heights.get(lane, 0.0), high.get(lane, 0.0) + 10.0) - low.get(lane, 0.0)
        tops[lane], heights[lane] = y - low.get(lane, 0.0), height
        y += height
    return tops, heights


def _absolute(geometry: Geometry, key: str, tops: dict) -> tuple[float, float, float, float]:
    item = geometry.items[key]
    return item.spot.x, tops.get(item.spot.lane, 0.0) + item.spot.dy, item.w, item.h


def _touches(point: tuple[float, float], box: tuple) -> bool:
    return box[0] - 6 <= point[0] <= box[0] + box[2] + 6 and box[1] - 6 <= point[1] <= box[1] + box[3] + 6


def _elbow(source: tuple, target: tuple) -> list[tuple[float, float]]:
    sx, sy = source[0] + source[2], source[1] + source[3] / 2
    tx, ty = target[0], target[1] + target[3] / 2
    if abs(sy - ty) < 1:
        return [(sx, sy), (tx, ty)]
    middle = (sx + tx) / 2 if tx > sx else sx + 20
    return [(sx, sy), (middle, sy), (middle, ty), (tx, ty)]


def _shape(plane: etree._Element, key: str, box: tuple, horizontal: bool = False,
           marker: bool = False) -> etree._Element:
    attributes = {"id": f"{key}_di", "bpmnElement": key}
    if horizontal:
        attributes["isHorizontal"] = "true"
    if marker:
        attributes["isMarkerVisible"] = "true"
    di = etree.SubElement(plane, f"{BPMNDI}BPMNShape", attributes)
    etree.SubElement(di, f"{{{DC}}}Bounds", x=_n(box[0]), y=_n(box[1]), width=_n(box[2]), height=_n(box[3]))
    return di


def _label_di(di: etree._Element, box: tuple) -> None:
    label = etree.SubElement(di, f"{BPMNDI}BPMNLabel")
    etree.SubElement(label, f"{{{DC}}}Bounds", x=_n(box[0]), y=_n(box[1]), width=_n(box[2]), height=_n(box[3]))


def _n(value: float) -> str:
    return str(int(round(value)))
