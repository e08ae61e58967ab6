"""A diagram drawn as a standalone SVG from its BPMN DI, showing where a case stands on it.

The web app shows a case's progress with it (no JavaScript) and it prints: every state has a line style or
a marker as well as a colour, and a key explains them. Each BPMN element becomes a <g id="bpmn-ID"> with a
<title> (its name: the tooltip and what a screen reader says) and classes for its kind and state, e.g.
`bpmn-element bpmn-activity bpmn-userTask bpmn-state-active`, so tests and CSS can find it.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from lxml import etree

from . import svg_shapes as draw
from .files import NS
from .svg_layout import Edge, Shape, parse, plane_of, process_id_in, read_plane
from .svg_marks import HIGHLIGHT_WORDS, STATE_WORDS, Marks, decorate_before, draw_legend, legend_height, legend_layout
from .svg_shapes import INK, STATE_COLOUR, STATES, Box, add
from .svg_text import LABEL_FONT, TASK_FONT, block_height, fitted_lines, wrap

MARGIN = 30.0
HEADING = 36.0
ACTIVITIES = {"callActivity", "subProcess", "transaction", "adHocSubProcess"}
CONTAINERS = {"participant", "lane"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_svg(xml: bytes, process_id: str | None = None, states: Mapping[str, str] | None = None,
               highlight: Iterable[str] = (), title: str | None = None, notes: bool = True) -> str:
    """The process's diagram as an SVG 1.1 document; `states` maps element ids to one of STATES.

    `notes=False` leaves out the modelling notes (text annotations and their associations): they are for
    process owners, never for caseworkers. Ids in `states` or `highlight` that the diagram does not draw are
    ignored. Raises ValueError for a file that is not BPMN, an unknown process, an unknown state, or a process
    without diagram layout (DI).
    """
    diagram = parse(xml)
    process_id = process_id_in(diagram, process_id)
    shapes, edges = read_plane(diagram, plane_of(diagram, process_id))
    if not notes:
        shapes = [s for s in shapes if s.kind != "textAnnotation"]
        edges = [e for e in edges if e.kind != "association"]
    drawn = {s.id for s in shapes} | {e.id for e in edges}
    marks = _marks(states or {}, highlight, drawn)
    heading = _xml_safe(title) if title else None
    return _document(shapes, edges, marks, heading, heading or diagram.title(process_id))


def _marks(states: Mapping[str, str], highlight: Iterable[str], drawn: set[str]) -> Marks:
    for element_id, state in states.items():
        if state not in STATES:
            raise ValueError(f"unknown state {state!r} for {element_id!r}: expected one of {', '.join(STATES)}")
    return Marks({i: s for i, s in states.items() if i in drawn}, frozenset(highlight) & drawn)


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


# --- naming and classes --------------------------------------------------------------------------------

def _kind_words(kind: str) -> str:
    words = re.sub(r"(?<!^)([A-Z])", r" \1", kind).lower()
    return words[:1].upper() + words[1:]


def _name(element: etree._Element) -> str:
    return " ".join((element.get("name") or "").split()) or _kind_words(etree.QName(element).localname)


def _category(kind: str) -> str:
    if kind in CONTAINERS:
        return kind
    if kind.endswith("Task") or kind == "task" or kind in ACTIVITIES:
        return "activity"
    if kind.endswith("Event"):
        return "event"
    if kind.endswith("Gateway"):
        return "gateway"
    if kind in ("sequenceFlow", "messageFlow"):
        return "flow"
    return "artifact"


def _event_definition(element: etree._Element) -> str | None:
    definitions = [etree.QName(c).localname for c in element if etree.QName(c).localname.endswith("EventDefinition")]
    if len(definitions) != 1:
        return "multiple" if definitions else None
    return definitions[0].removesuffix("EventDefinition")


def _group(layer: etree._Element, element_id: str, kind: str, element: etree._Element, marks: Marks,
           *extra: str) -> etree._Element:
    state = marks.states.get(element_id)
    classes = ["bpmn-element", f"bpmn-{_category(kind)}", f"bpmn-{kind}", *extra]
    if state:
        classes.append(f"bpmn-state-{state}")
    if element_id in marks.highlight:
        classes.append("bpmn-highlighted")
    group = add(layer, "g", id=f"bpmn-{element_id}", class_=" ".join(classes))
    add(group, "title", _name(element))
    notes = ([STATE_WORDS[state]] if state else []) + ([HIGHLIGHT_WORDS] if element_id in marks.highlight else [])
    if notes:
        add(group, "desc", ". ".join(notes) + ".")
    return group


# --- drawing the elements ------------------------------------------------------------------------------

def _draw_container(layer: etree._Element, shape: Shape, marks: Marks) -> None:
    group = _group(layer, shape.id, shape.kind, shape.element, marks)
    horizontal = shape.di.get("isHorizontal", "true") != "false"
    name = " ".join((shape.element.get("name") or "").split())
    is_pool = shape.kind == "participant"
    draw.container(group, shape.box, name, horizontal, with_band=is_pool, fill=draw.PAPER if is_pool else "none")
    if shape.id in marks.highlight:
        band = Box(shape.box.x, shape.box.y, draw.BAND, shape.box.h) if horizontal else \
            Box(shape.box.x, shape.box.y, shape.box.w, draw.BAND)
        draw.hatch(group, "band", band)


def _draw_activity(layer: etree._Element, shape: Shape, marks: Marks, attached: Iterable[Box] = ()) -> None:
    """A task, call activity or sub-process; `attached` are its boundary events' boxes, kept clear of text."""
    element, box, state = shape.element, shape.box, marks.states.get(shape.id)
    loop = element.find("bpmn:multiInstanceLoopCharacteristics", NS)
    markers = [] if loop is None else ["sequential" if loop.get("isSequential") == "true" else "parallel"]
    expanded = shape.kind in ACTIVITIES - {"callActivity"} and shape.di.get("isExpanded") == "true"
    if shape.kind == "callActivity" or (shape.kind in ACTIVITIES and not expanded):
        markers.append("collapsed")
    group = _group(layer, shape.id, shape.kind, element, marks, *(["bpmn-multi-instance"] if loop is not None else []))
    decorate_before(group, "rect", box, state, shape.id in marks.highlight)
    draw.activity(group, box, draw.body_fill(state), thick=shape.kind == "callActivity")
    if shape.id in marks.highlight:
        draw.hatch(group, "rect", box)
    if shape.kind == "userTask":
        draw.user_icon(group, box)
    draw.activity_markers(group, box, markers)
    name = " ".join((element.get("name") or "").split())
    if expanded:
        lines = wrap(name, box.w - 16, TASK_FONT, max_lines=2)
        draw.text_lines(group, lines, box.x + 8, box.y + 6, TASK_FONT, anchor="start", class_="bpmn-label")
    elif name:
        # the text is centred in what the icon (top) and the markers (bottom) leave free
        padding = 5.0
        above = draw.USER_ICON_HEIGHT if shape.kind == "userTask" else 0.0
        below = max([20.0 if markers else 0.0] + [box.bottom - b.y - 4 for b in attached if b.cy > box.bottom - 5])
        free = box.h - 2 * padding - above - below
        lines, size = fitted_lines(name, box.w - 2 * padding - 2, free)
        top = box.y + padding + above + (free - block_height(lines, size)) / 2
        draw.text_lines(group, lines, box.cx, top, size, backing=shape.id in marks.highlight, class_="bpmn-label")
    draw.state_badge(group, box, state)


def _draw_event(layer: etree._Element, shape: Shape, marks: Marks) -> None:
    element, box, state = shape.element, shape.box, marks.states.get(shape.id)
    position = {"startEvent": "start", "endEvent": "end"}.get(shape.kind, "intermediate")
    dashed = element.get("cancelActivity") == "false" or element.get("isInterrupting") == "false"
    definition = _event_definition(element)
    extra = ([f"bpmn-{definition}"] if definition else []) + (["bpmn-non-interrupting"] if dashed else [])
    group = _group(layer, shape.id, shape.kind, element, marks, *extra)
    decorate_before(group, "circle", box, state, shape.id in marks.highlight)
    draw.event(group, box, position, draw.body_fill(state), dashed)
    if shape.id in marks.highlight:
        draw.hatch(group, "circle", box)
    if definition:
        draw.event_icon(group, box, definition, throwing=shape.kind in ("endEvent", "intermediateThrowEvent"))
    draw.state_badge(group, box, state)


def _draw_gateway(layer: etree._Element, shape: Shape, marks: Marks) -> None:
    box, state = shape.box, marks.states.get(shape.id)
    group = _group(layer, shape.id, shape.kind, shape.element, marks)
    decorate_before(group, "diamond", box, state, shape.id in marks.highlight)
    draw.gateway(group, box, shape.kind, draw.body_fill(state), shape.di.get("isMarkerVisible") == "true")
    if shape.id in marks.highlight:
        draw.hatch(group, "diamond", box)
    draw.state_badge(group, box, state)


def _draw_artifact(layer: etree._Element, shape: Shape, marks: Marks) -> None:
    """Annotations, data objects and anything else: a plain outline with its text, so nothing is hidden."""
    box, state = shape.box, marks.states.get(shape.id)
    group = _group(layer, shape.id, shape.kind, shape.element, marks)
    decorate_before(group, "square", box, state, shape.id in marks.highlight)
    if shape.kind == "textAnnotation":
        add(group, "path", d=f"M{box.x + 10},{box.y} h-10 v{box.h} h10", fill="none", stroke=INK, stroke_width=1.5)
        text = " ".join(shape.element.findtext("bpmn:text", "", NS).split())
        lines = wrap(text, box.w - 10, LABEL_FONT, max_lines=max(1, int(box.h // (LABEL_FONT * 1.2))))
        draw.text_lines(group, lines, box.x + 5, box.y + 3, LABEL_FONT, anchor="start", class_="bpmn-label")
        return
    draw.outline(group, "square", box, fill=draw.body_fill(state), stroke=INK, stroke_width=1.5,
                 stroke_dasharray="6 3" if shape.kind == "group" else None)
    if shape.id in marks.highlight:
        draw.hatch(group, "square", box)
    draw.state_badge(group, box, state)


def _label_group(layer: etree._Element, element_id: str) -> etree._Element:
    # bpmn.io also keeps a label apart from its element (id "<id>_label"), drawn above every shape
    return add(layer, "g", id=f"bpmn-{element_id}-label", class_="bpmn-label")


def _external_label(layer: etree._Element, shape: Shape) -> None:
    """An event's or gateway's name below it, or where its DI label bounds put it."""
    name = " ".join((shape.element.get("name") or "").split())
    if not name:
        return
    if shape.label is not None:
        _label_at(_label_group(layer, shape.id), name, shape.label)
    else:
        lines = wrap(name, 100, LABEL_FONT)
        draw.text_lines(_label_group(layer, shape.id), lines, shape.box.cx, shape.box.bottom + 6, LABEL_FONT,
                        backing=True)


def _label_at(group: etree._Element, name: str, bounds: Box) -> None:
    # the modeller sized the bounds with Arial metrics too: 2px of slack absorbs rounding
    lines = wrap(name, max(bounds.w + 2, 40), LABEL_FONT)
    draw.text_lines(group, lines, bounds.cx, bounds.y, LABEL_FONT, backing=True)


def _draw_edge(layer: etree._Element, edge: Edge, elements: dict[str, Shape], marks: Marks) -> None:
    element, state = edge.element, marks.states.get(edge.id)
    source = elements.get(element.get("sourceRef"))
    is_default = source is not None and source.element.get("default") == edge.id
    conditional = (edge.kind == "sequenceFlow" and element.find("bpmn:conditionExpression", NS) is not None
                   and source is not None and _category(source.kind) == "activity")
    extra = (["bpmn-default-flow"] if is_default else []) + (["bpmn-conditional-flow"] if conditional else [])
    group = _group(layer, edge.id, edge.kind, element, marks, *extra)
    if not element.get("name"):
        # an unnamed flow is announced by where it goes
        target = elements.get(element.get("targetRef"))
        group.find(f"{{{draw.SVG_NS}}}title").text = (
            f"{_kind_words(edge.kind)} from {_name(source.element) if source else element.get('sourceRef')}"
            f" to {_name(target.element) if target else element.get('targetRef')}")
    colour = STATE_COLOUR[state] if state else INK
    points = draw.points_attr(edge.points)
    if edge.id in marks.highlight:
        add(group, "polyline", points=points, fill="none", stroke=draw.HIGHLIGHT_COLOUR, stroke_width=9,
            stroke_opacity=0.35, stroke_linejoin="round", class_="bpmn-highlight-outline")
    dash = {"messageFlow": "10 5", "association": "2 4"}.get(edge.kind)
    add(group, "polyline", points=points, fill="none", stroke=colour, stroke_width=3 if state else 1.5,
        stroke_dasharray=dash, stroke_linejoin="round")
    if edge.kind == "sequenceFlow":
        draw.arrowhead(group, edge.points, colour)
    elif edge.kind == "messageFlow":
        draw.message_start(group, edge.points, colour)
        draw.arrowhead(group, edge.points, colour, open_=True)
    if is_default:
        draw.default_slash(group, edge.points, colour)
    if conditional:
        draw.condition_diamond(group, edge.points, colour)


def _edge_label(layer: etree._Element, edge: Edge) -> None:
    name = " ".join((edge.element.get("name") or "").split())
    if not name:
        return
    if edge.label is not None:
        _label_at(_label_group(layer, edge.id), name, edge.label)
        return
    x, y = draw.midpoint(edge.points)
    lines = wrap(name, 120, LABEL_FONT)
    draw.text_lines(_label_group(layer, edge.id), lines, x, y - block_height(lines, LABEL_FONT) - 3,
                    LABEL_FONT, backing=True)


# --- the document --------------------------------------------------------------------------------------

def _content_bounds(shapes: list[Shape], edges: list[Edge]) -> Box:
    xs: list[float] = []
    ys: list[float] = []
    boxes = [s.box for s in shapes] + [b for b in (*(s.label for s in shapes), *(e.label for e in edges)) if b]
    for box in boxes:
        xs += [box.x, box.right]
        ys += [box.y, box.bottom]
    for edge in edges:
        xs += [x for x, _ in edge.points]
        ys += [y for _, y in edge.points]
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def _aria_label(name: str, shapes: list[Shape], marks: Marks) -> str:
    """The diagram's name, then which steps are in which state: what a screen reader user needs first."""
    names = {s.id: _name(s.element) for s in shapes if s.kind not in CONTAINERS}
    parts = [f"Process diagram: {name}."]
    for state in STATES:
        steps = [names[i] for i, s in marks.states.items() if s == state and i in names]
        if steps:
            parts.append(f"{STATE_WORDS[state]}: {'; '.join(steps)}.")
    highlighted = sorted(names[i] for i in marks.highlight if i in names)
    if highlighted:
        parts.append(f"{HIGHLIGHT_WORDS}: {'; '.join(highlighted)}.")
    return " ".join(parts)


def _document(shapes: list[Shape], edges: list[Edge], marks: Marks, heading: str | None, name: str) -> str:
    content = _content_bounds(shapes, edges)
    legend = legend_layout(marks, max(content.w, 600.0))
    left, top = content.x - MARGIN, content.y - MARGIN - (HEADING if heading else 0)
    width = max(content.w, max((x for _, x, _ in legend), default=0) + 300) + 2 * MARGIN
    height = content.bottom + MARGIN + legend_height(legend) - top

    root = etree.Element(f"{{{draw.SVG_NS}}}svg", nsmap={None: draw.SVG_NS})
    root.attrib.update({
        "version": "1.1", "class": "bpmn-diagram", "role": "img", "aria-label": _aria_label(name, shapes, marks),
        "width": draw.number(width), "height": draw.number(height),
        "viewBox": " ".join(draw.number(v) for v in (left, top, width, height)),
    })
    add(root, "title", name)
    if marks.highlight:
        draw.hatch_pattern(add(root, "defs"))
    # an opaque background: the drawing stays legible on a dark page and in viewers that show transparency
    add(root, "rect", x=left, y=top, width=width, height=height, fill=draw.PAPER, class_="bpmn-background")
    if heading:
        add(root, "text", heading, id="bpmnrun-heading", x=content.x, y=content.y - MARGIN / 2 - 6,
            font_family=draw.FONT, font_size=18, font_weight="bold", fill=INK)
    _draw_elements(add(root, "g", class_="bpmn-elements"), shapes, edges, marks)
    if legend:
        draw_legend(root, legend, content.x, content.bottom + MARGIN)
    return etree.tostring(root, encoding="unicode")


def _draw_elements(layer: etree._Element, shapes: list[Shape], edges: list[Edge], marks: Marks) -> None:
    """Pools and lanes at the back, then flows, then flow nodes, boundary events over their activities."""
    by_id = {s.id: s for s in shapes}
    for shape in shapes:
        if shape.kind in CONTAINERS:
            _draw_container(layer, shape, marks)
    for shape in shapes:
        if shape.kind in ACTIVITIES and shape.di.get("isExpanded") == "true":
            _draw_activity(layer, shape, marks)
    for edge in edges:
        _draw_edge(layer, edge, by_id, marks)
    boundary = [s for s in shapes if s.kind == "boundaryEvent"]
    for shape in [s for s in shapes if s.kind != "boundaryEvent"] + boundary:
        category = _category(shape.kind)
        if shape.kind in CONTAINERS or (shape.kind in ACTIVITIES and shape.di.get("isExpanded") == "true"):
            continue
        if category == "activity":
            _draw_activity(layer, shape, marks, [b.box for b in boundary if b.element.get("attachedToRef") == shape.id])
        else:
            drawer = {"event": _draw_event, "gateway": _draw_gateway}.get(category, _draw_artifact)
            drawer(layer, shape, marks)
    labels = add(layer, "g", class_="bpmn-labels")
    for edge in edges:
        _edge_label(labels, edge)
    for shape in shapes:
        if _category(shape.kind) not in ("activity", "participant", "lane") and shape.kind != "textAnnotation":
            _external_label(labels, shape)
