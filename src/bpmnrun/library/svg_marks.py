"""The marks on a drawn diagram and what they mean: a case's states and an analyst's highlights, the outline
and halo drawn behind a marked element, and the key that explains them in words (printed copies have no colour
to rely on)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from lxml import etree

from . import svg_shapes as draw
from .svg_shapes import INK, STATES, Box, add
from .svg_text import TASK_FONT, text_width

STATE_WORDS = {"completed": "Completed", "active": "In progress", "overdue": "Overdue",
               "waiting": "Waiting for a timer or message"}
HIGHLIGHT_WORDS = "Highlighted"


@dataclass(frozen=True)
class Marks:
    """The case's states and the analyst's highlights, restricted to elements the diagram draws."""

    states: Mapping[str, str]
    highlight: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.states or self.highlight)


def decorate_before(group: etree._Element, outline: str, box: Box, state: str | None, highlighted: bool) -> None:
    """What goes behind the body: the highlight outline outermost, then the state halo."""
    if highlighted:
        draw.highlight_outline(group, outline, box)
    draw.state_halo(group, outline, box, state)


LEGEND_SAMPLE = Box(0, 0, 44, 28)
LEGEND_TOP = 34.0  # below the word "Key"
LEGEND_ROW = 52.0


def legend_layout(marks: Marks, width: float) -> list[tuple[str, float, float]]:
    """(item, x, y) of each entry of the key, left to right, wrapping within `width`; none when nothing is marked.

    The key lists every state, not only those present, so a printed copy explains any other copy too.
    """
    if not marks:
        return []
    placed, x, y = [], 0.0, 0.0
    for item in [*STATES, *(["highlighted"] if marks.highlight else [])]:
        size = LEGEND_SAMPLE.w + 24 + text_width(STATE_WORDS.get(item, HIGHLIGHT_WORDS), TASK_FONT) + 30
        if x and x + size > width:
            x, y = 0.0, y + LEGEND_ROW
        placed.append((item, x, y))
        x += size
    return placed


def legend_height(placed: list[tuple[str, float, float]]) -> float:
    return LEGEND_TOP + placed[-1][2] + LEGEND_ROW if placed else 0.0


def draw_legend(root: etree._Element, placed: list[tuple[str, float, float]], left: float, top: float) -> None:
    """The key: a sample task drawn in each state (and highlighted), with what it means."""
    legend = add(root, "g", id="bpmnrun-legend", class_="bpmn-legend")
    add(legend, "title", "Key")
    add(legend, "text", "Key", x=left, y=top + 12, font_family=draw.FONT, font_size=13, font_weight="bold", fill=INK)
    for item, x, y in placed:
        box = Box(left + 8 + x, top + LEGEND_TOP + y, LEGEND_SAMPLE.w, LEGEND_SAMPLE.h)
        entry = add(legend, "g", class_=f"bpmn-legend-item bpmn-legend-{item}")
        state = item if item in STATES else None
        decorate_before(entry, "rect", box, state, item == "highlighted")
        draw.activity(entry, box, draw.body_fill(state), thick=False)
        if item == "highlighted":
            draw.hatch(entry, "rect", box)
        draw.state_badge(entry, box, state)
        draw.text_lines(entry, [STATE_WORDS.get(item, HIGHLIGHT_WORDS)], box.right + 20,
                        box.cy - TASK_FONT * 0.6, TASK_FONT, anchor="start")
