"""BPMN notation drawn in SVG: shapes, icons, flow markers, case-state decorations and lines of
text (measured and wrapped by svg_text).

Geometry comes from the diagram's DI; this module knows nothing of the BPMN model beyond the flags it is
given. Styling is by presentation attributes (not a <style> sheet), so the drawing looks the same in a
browser, an image viewer and on paper, and a page's CSS can still override it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from lxml import etree

from .svg_text import LINE_HEIGHT, TASK_FONT, block_height, text_width, wrap

SVG_NS = "http://www.w3.org/2000/svg"

INK = "#0b0c0c"
PAPER = "#ffffff"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
BAND = 30.0  # width of the name band on the left of a pool or lane, as bpmn.io draws it

STATES = ("completed", "active", "overdue", "waiting")
STATE_COLOUR = {"completed": "#4b7342", "active": "#1d70b8", "overdue": "#d4351c", "waiting": "#b06d00"}
COMPLETED_FILL = "#dde8d6"  # grey-green, still readable under black text when printed
HIGHLIGHT_COLOUR = "#912b88"
HATCH_ID = "bpmnrun-hatch"

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def grow(self, d: float) -> "Box":
        return Box(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)


# --- SVG elements ------------------------------------------------------------------------------------

def number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def add(parent: etree._Element, tag: str, text: str | None = None, **attrs) -> etree._Element:
    """A child element; `class_` → class, `stroke_width` → stroke-width, None attributes left out."""
    element = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        element.set(name, number(value) if isinstance(value, (int, float)) else str(value))
    if text is not None:
        element.text = text
    return element


def points_attr(points: Sequence[Point]) -> str:
    return " ".join(f"{number(x)},{number(y)}" for x, y in points)


def hatch_pattern(defs: etree._Element) -> None:
    """Diagonal lines used to hatch highlighted elements: visible in colour and in black and white."""
    pattern = add(defs, "pattern", id=HATCH_ID, width=7, height=7, patternUnits="userSpaceOnUse",
                  patternTransform="rotate(45)")
    add(pattern, "line", x1=0, y1=0, x2=0, y2=7, stroke=HIGHLIGHT_COLOUR, stroke_width=2, stroke_opacity=0.45)


# --- text ----------------------------------------------------------------------------------------------

def text_lines(parent: etree._Element, lines: Sequence[str], x: float, top: float, size: float,
               anchor: str = "middle", backing: bool = False, **attrs) -> etree._Element:
    """A <text> with one <tspan> per line, the first line's box starting at `top`.

    `backing` puts a white band behind each line, so a label stays readable where it crosses a flow or a
    lane border.
    """
    step = size * LINE_HEIGHT
    if backing:
        for i, line in enumerate(lines):
            width = text_width(line, size)
            left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
            add(parent, "rect", x=left - 2, y=top + i * step, width=width + 4, height=step, fill=PAPER,
                fill_opacity=0.85, class_="bpmn-label-backing")
    text = add(parent, "text", x=x, y=top, font_family=FONT, font_size=size, text_anchor=anchor, fill=INK, **attrs)
    for i, line in enumerate(lines):
        # baseline sits where the capitals are centred in the line box
        add(text, "tspan", line, x=x, y=top + i * step + step / 2 + 0.36 * size)
    return text


# --- outlines shared by shapes, state halos and hatching ---------------------------------------------

def diamond_points(box: Box) -> list[Point]:
    return [(box.cx, box.y), (box.right, box.cy), (box.cx, box.bottom), (box.x, box.cy)]


def outline(parent: etree._Element, shape: str, box: Box, **style) -> etree._Element:
    """The outline of a shape kind ("rect", "circle", "diamond") over `box`."""
    if shape == "circle":
        return add(parent, "circle", cx=box.cx, cy=box.cy, r=min(box.w, box.h) / 2, **style)
    if shape == "diamond":
        return add(parent, "polygon", points=points_attr(diamond_points(box)), **style)
    radius = 10 if shape == "rect" else 0
    return add(parent, "rect", x=box.x, y=box.y, width=box.w, height=box.h, rx=radius, ry=radius, **style)


def grown(shape: str, box: Box, d: float) -> Box:
    # a diamond's edges are at 45°, so it must grow by d·√2 to keep d between the two outlines
    return box.grow(d * math.sqrt(2) if shape == "diamond" else d)


# --- case state and highlighting ---------------------------------------------------------------------

def body_fill(state: str | None) -> str:
    return COMPLETED_FILL if state == "completed" else PAPER


def state_halo(parent: etree._Element, shape: str, box: Box, state: str | None, gap: float = 6) -> None:
    """Outline around the shape: active thick solid, overdue thick solid, waiting dashed (print-safe)."""
    if state in ("active", "overdue"):
        outline(parent, shape, grown(shape, box, gap), fill="none", stroke=STATE_COLOUR[state], stroke_width=4)
    elif state == "waiting":
        outline(parent, shape, grown(shape, box, gap), fill="none", stroke=STATE_COLOUR[state], stroke_width=3,
                stroke_dasharray="7 4")


def state_badge(parent: etree._Element, box: Box, state: str | None) -> None:
    """A marker at the top right corner: tick (completed), play (active), ! (overdue), hourglass (waiting)."""
    if state is None:
        return
    x, y = box.right - 2, box.y + 2
    badge = add(parent, "g", class_=f"bpmn-badge bpmn-badge-{state}")
    add(badge, "circle", cx=x, cy=y, r=9, fill=STATE_COLOUR[state], stroke=PAPER, stroke_width=1.5)
    if state == "completed":
        add(badge, "polyline", points=points_attr([(x - 4.5, y + 0.5), (x - 1.2, y + 3.8), (x + 4.5, y - 3.5)]),
            fill="none", stroke=PAPER, stroke_width=2.2, stroke_linecap="round", stroke_linejoin="round")
    elif state == "active":
        add(badge, "polygon", points=points_attr([(x - 3, y - 4.5), (x + 5, y), (x - 3, y + 4.5)]), fill=PAPER)
    elif state == "overdue":
        add(badge, "rect", x=x - 1.3, y=y - 6, width=2.6, height=7.5, fill=PAPER)
        add(badge, "rect", x=x - 1.3, y=y + 3, width=2.6, height=2.6, fill=PAPER)
    elif state == "waiting":
        add(badge, "polygon", points=points_attr([(x - 4, y - 5), (x + 4, y - 5), (x - 4, y + 5), (x + 4, y + 5)]),
            fill=PAPER)


def hatch(parent: etree._Element, shape: str, box: Box) -> None:
    outline(parent, shape, box, fill=f"url(#{HATCH_ID})", stroke="none", class_="bpmn-hatch")


def highlight_outline(parent: etree._Element, shape: str, box: Box) -> None:
    outline(parent, shape, grown(shape, box, 11), fill="none", stroke=HIGHLIGHT_COLOUR, stroke_width=2,
            stroke_dasharray="9 3 2 3", class_="bpmn-highlight-outline")


# --- activities ----------------------------------------------------------------------------------------

def activity(parent: etree._Element, box: Box, fill: str, thick: bool) -> None:
    # bpmn.io draws a call activity with a 5px border, every other activity with 2px
    outline(parent, "rect", box, fill=fill, stroke=INK, stroke_width=5 if thick else 2)


USER_ICON_HEIGHT = 15.0


def user_icon(parent: etree._Element, box: Box) -> None:
    """A person (head and shoulders) in the top left corner, 15px tall."""
    x, y = box.x + 7, box.y + 5
    add(parent, "path", d=f"M{x},{y + 15} v-2.5 a6.5,5.5 0 0 1 13,0 v2.5 z", fill=PAPER, stroke=INK, stroke_width=1.1)
    add(parent, "circle", cx=x + 6.5, cy=y + 4, r=3.5, fill=PAPER, stroke=INK, stroke_width=1.1)


def activity_markers(parent: etree._Element, box: Box, markers: Sequence[str]) -> None:
    """Markers centred on the bottom edge: "parallel" |||, "sequential" ≡, "collapsed" ⊞ (call activity)."""
    size, gap = 14.0, 4.0
    left = box.cx - (len(markers) * size + (len(markers) - 1) * gap) / 2
    top = box.bottom - size - 5
    for i, marker in enumerate(markers):
        x = left + i * (size + gap)
        group = add(parent, "g", class_=f"bpmn-marker bpmn-marker-{marker}")
        if marker == "collapsed":
            add(group, "rect", x=x, y=top, width=size, height=size, fill=PAPER, stroke=INK, stroke_width=1.5)
            add(group, "path", d=f"M{x + 3},{top + 7} h8 M{x + 7},{top + 3} v8", stroke=INK, stroke_width=1.8)
        for offset in (2.5, 7, 11.5):
            if marker == "parallel":
                add(group, "line", x1=x + offset, y1=top, x2=x + offset, y2=top + size, stroke=INK, stroke_width=2.5)
            elif marker == "sequential":
                add(group, "line", x1=x, y1=top + offset, x2=x + size, y2=top + offset, stroke=INK, stroke_width=2.5)


# --- events --------------------------------------------------------------------------------------------

def event(parent: etree._Element, box: Box, position: str, fill: str, dashed: bool) -> None:
    """`position` is "start" (thin), "end" (thick) or "intermediate" (double ring, also boundary)."""
    dash = "5 3" if dashed else None
    r = min(box.w, box.h) / 2
    width = {"start": 2, "end": 4}.get(position, 1.5)
    add(parent, "circle", cx=box.cx, cy=box.cy, r=r, fill=fill, stroke=INK, stroke_width=width, stroke_dasharray=dash)
    if position == "intermediate":
        add(parent, "circle", cx=box.cx, cy=box.cy, r=r - 3, fill="none", stroke=INK, stroke_width=1.5,
            stroke_dasharray=dash)


# Icons drawn as polygons, in units of the event's radius around its centre.
_ICON_POLYGONS = {
    "signal": [(0, -0.55), (0.5, 0.35), (-0.5, 0.35)],
    "escalation": [(0, -0.55), (0.35, 0.45), (0, 0.1), (-0.35, 0.45)],
    "error": [(-0.45, 0.45), (-0.2, -0.45), (0.1, 0.05), (0.45, -0.45), (0.2, 0.45), (-0.1, -0.05)],
    "multiple": [(0.55 * math.sin(math.radians(a)), -0.55 * math.cos(math.radians(a))) for a in range(0, 360, 72)],
}


def _scaled(cx: float, cy: float, r: float, units: Sequence[Point]) -> str:
    return points_attr([(cx + u * r, cy + v * r) for u, v in units])


def event_icon(parent: etree._Element, box: Box, definition: str, throwing: bool) -> None:
    """The icon of an event definition (timer, message, signal, …); throwing events get filled icons."""
    cx, cy, r = box.cx, box.cy, min(box.w, box.h) / 2
    ink_fill = INK if throwing else PAPER
    if definition == "timer":
        _clock(parent, cx, cy, r * 0.6)
    elif definition == "message":
        w, h = r * 1.05, r * 0.75
        add(parent, "rect", x=cx - w / 2, y=cy - h / 2, width=w, height=h, fill=ink_fill, stroke=INK, stroke_width=1.2)
        flap = [(cx - w / 2, cy - h / 2), (cx, cy + h * 0.1), (cx + w / 2, cy - h / 2)]
        add(parent, "polyline", points=points_attr(flap), fill="none", stroke=PAPER if throwing else INK,
            stroke_width=1.2)
    elif definition == "terminate":
        add(parent, "circle", cx=cx, cy=cy, r=r * 0.6, fill=INK)
    elif definition in _ICON_POLYGONS:
        add(parent, "polygon", points=_scaled(cx, cy, r, _ICON_POLYGONS[definition]), fill=ink_fill, stroke=INK,
            stroke_width=1.2)
    elif definition == "conditional":
        w, h = r * 0.8, r * 1.0
        add(parent, "rect", x=cx - w / 2, y=cy - h / 2, width=w, height=h, fill=PAPER, stroke=INK, stroke_width=1.2)
        for i in range(1, 5):
            y = cy - h / 2 + i * h / 5
            add(parent, "line", x1=cx - w / 2 + 2, y1=y, x2=cx + w / 2 - 2, y2=y, stroke=INK, stroke_width=1)


def _clock(parent: etree._Element, cx: float, cy: float, r: float) -> None:
    add(parent, "circle", cx=cx, cy=cy, r=r, fill=PAPER, stroke=INK, stroke_width=1.5)
    for hour in range(12):
        angle = math.radians(hour * 30)
        inner = r * (0.72 if hour % 3 == 0 else 0.82)
        add(parent, "line", x1=cx + inner * math.sin(angle), y1=cy - inner * math.cos(angle),
            x2=cx + r * math.sin(angle), y2=cy - r * math.cos(angle), stroke=INK, stroke_width=1)
    add(parent, "polyline", points=_scaled(cx, cy, r, [(0.45, -0.3), (0, 0), (0.1, -0.65)]), fill="none", stroke=INK,
        stroke_width=1.3)


# --- gateways ------------------------------------------------------------------------------------------

def _spokes(parent: etree._Element, cx: float, cy: float, arm: float, degrees: Sequence[float],
            width: float) -> None:
    """Lines through the centre at the given angles: X is 45° and 135°, + is 0° and 90°."""
    for angle in map(math.radians, degrees):
        dx, dy = arm * math.cos(angle), arm * math.sin(angle)
        add(parent, "line", x1=cx - dx, y1=cy - dy, x2=cx + dx, y2=cy + dy, stroke=INK, stroke_width=width)


def gateway(parent: etree._Element, box: Box, kind: str, fill: str, marker_visible: bool) -> None:
    """Diamond with the marker of its kind: exclusive X (when the DI shows it), parallel +, inclusive O."""
    outline(parent, "diamond", box, fill=fill, stroke=INK, stroke_width=2)
    cx, cy, size = box.cx, box.cy, min(box.w, box.h)
    if kind == "exclusiveGateway" and marker_visible:
        _spokes(parent, cx, cy, size * 0.28, (45, 135), 4)
    elif kind == "parallelGateway":
        _spokes(parent, cx, cy, size * 0.26, (0, 90), 4)
    elif kind == "inclusiveGateway":
        add(parent, "circle", cx=cx, cy=cy, r=size * 0.23, fill="none", stroke=INK, stroke_width=2.5)
    elif kind == "complexGateway":
        _spokes(parent, cx, cy, size * 0.24, (0, 45, 90, 135), 3)
    elif kind == "eventBasedGateway":
        add(parent, "circle", cx=cx, cy=cy, r=size * 0.26, fill="none", stroke=INK, stroke_width=1)
        add(parent, "circle", cx=cx, cy=cy, r=size * 0.21, fill="none", stroke=INK, stroke_width=1)
        add(parent, "polygon", points=_scaled(cx, cy, size * 0.24, _ICON_POLYGONS["multiple"]), fill="none",
            stroke=INK, stroke_width=1.2)


# --- pools and lanes -----------------------------------------------------------------------------------

def container(parent: etree._Element, box: Box, name: str, horizontal: bool, with_band: bool,
              fill: str = PAPER, stroke_width: float = 1.5) -> None:
    """A pool or lane: its rectangle and its name in the band on the left (on top when vertical)."""
    add(parent, "rect", x=box.x, y=box.y, width=box.w, height=box.h, fill=fill, stroke=INK, stroke_width=stroke_width)
    if with_band and horizontal:
        add(parent, "line", x1=box.x + BAND, y1=box.y, x2=box.x + BAND, y2=box.bottom, stroke=INK,
            stroke_width=stroke_width)
    elif with_band:
        add(parent, "line", x1=box.x, y1=box.y + BAND, x2=box.right, y2=box.y + BAND, stroke=INK,
            stroke_width=stroke_width)
    if not name:
        return
    length = (box.h if horizontal else box.w) - 10
    lines = wrap(name, length, TASK_FONT, max_lines=2)
    if horizontal:
        cx, cy = box.x + BAND / 2, box.cy
        text_lines(parent, lines, cx, cy - block_height(lines, TASK_FONT) / 2, TASK_FONT,
                   transform=f"rotate(-90 {number(cx)} {number(cy)})")
    else:
        text_lines(parent, lines, box.cx, box.y + (BAND - block_height(lines, TASK_FONT)) / 2, TASK_FONT)


# --- connections ---------------------------------------------------------------------------------------

def _direction(a: Point, b: Point) -> Point:
    length = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    return (b[0] - a[0]) / length, (b[1] - a[1]) / length


def _end_segment(points: Sequence[Point], at_start: bool) -> tuple[Point, Point]:
    """The end point and the unit direction pointing out of the line there (skipping repeated points)."""
    ordered = list(points) if at_start else list(reversed(points))
    end = ordered[0]
    other = next((p for p in ordered[1:] if p != end), (end[0] - 1, end[1]))
    return end, _direction(other, end)


def arrowhead(parent: etree._Element, points: Sequence[Point], colour: str, open_: bool = False) -> None:
    tip, (dx, dy) = _end_segment(points, at_start=False)
    length, half = 11.0, 4.5
    base = (tip[0] - dx * length, tip[1] - dy * length)
    corners = [tip, (base[0] - dy * half, base[1] + dx * half), (base[0] + dy * half, base[1] - dx * half)]
    add(parent, "polygon", points=points_attr(corners), fill=PAPER if open_ else colour, stroke=colour,
        stroke_width=1, stroke_linejoin="round")


def default_slash(parent: etree._Element, points: Sequence[Point], colour: str) -> None:
    start, (dx, dy) = _end_segment(points, at_start=True)
    dx, dy = -dx, -dy  # pointing along the flow
    mid = (start[0] + dx * 12, start[1] + dy * 12)
    # a slash at 45° across the line, as bpmn.io draws the default flow
    ax, ay = dx * 4 - dy * 6, dy * 4 + dx * 6
    add(parent, "line", x1=mid[0] - ax, y1=mid[1] - ay, x2=mid[0] + ax, y2=mid[1] + ay, stroke=colour,
        stroke_width=1.8, class_="bpmn-default-marker")


def condition_diamond(parent: etree._Element, points: Sequence[Point], colour: str) -> None:
    start, (dx, dy) = _end_segment(points, at_start=True)
    dx, dy = -dx, -dy
    half_w, half_l = 5.0, 8.0
    centre = (start[0] + dx * half_l, start[1] + dy * half_l)
    corners = [start, (centre[0] - dy * half_w, centre[1] + dx * half_w), (start[0] + dx * 2 * half_l,
                                                                           start[1] + dy * 2 * half_l),
               (centre[0] + dy * half_w, centre[1] - dx * half_w)]
    add(parent, "polygon", points=points_attr(corners), fill=PAPER, stroke=colour, stroke_width=1.5,
        class_="bpmn-condition-marker")


def message_start(parent: etree._Element, points: Sequence[Point], colour: str) -> None:
    start, (dx, dy) = _end_segment(points, at_start=True)
    add(parent, "circle", cx=start[0] - dx * 4, cy=start[1] - dy * 4, r=4, fill=PAPER, stroke=colour, stroke_width=1.5)


def midpoint(points: Sequence[Point]) -> Point:
    """The point halfway along the polyline, where a flow without label bounds shows its name."""
    lengths = [math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(points, points[1:])]
    remaining = sum(lengths) / 2
    for (a, b), length in zip(zip(points, points[1:]), lengths):
        if remaining <= length and length:
            t = remaining / length
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        remaining -= length
    return points[0]
