"""The cycle-time chart of the runtime page, drawn on the server as SVG (no JavaScript): one box plot per side
(real, simulated) on one scale of working days, so the two read side by side. The box runs from the lower to the
upper quartile, the thick line is the median, the whiskers reach the least and the greatest, the diamond is the
90th percentile. Colours are GOV.UK's and the marks differ in shape too, never in colour alone."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from .runtime_csv import heading, side_label, sides
from .runtime_sources import Pair

WIDTH, LEFT, RIGHT, ROW, TOP, AXIS = 680, 200, 30, 66, 36, 44
COLOURS = {"real": "#1d70b8", "simulated": "#f47738"}
TEXT = 'font-family="arial, sans-serif" font-size="14" fill="#0b0c0c"'


def cycle_time_svg(pair: Pair) -> str:
    """The box plots of the pair's ended cases; a side without ended cases says so in its row."""
    rows = sides(pair)
    top = max((v.cycle_time.greatest or 0.0) for v in rows) if rows else 0.0
    scale_max, step = _scale(top)
    height = TOP + ROW * max(len(rows), 1) + AXIS
    x = lambda days: LEFT + (WIDTH - LEFT - RIGHT) * days / scale_max  # noqa: E731 (one line, used often)
    title = f"Cycle time of {pair.title}" + (f", version {pair.version}" if pair.version is not None else "")
    desc = "; ".join(_words(v) for v in rows) or "No cases"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
             f'height="{height}" role="img" aria-labelledby="t-{_id(pair)} d-{_id(pair)}" class="bpmnrun-chart">',
             f'<title id="t-{_id(pair)}">{escape(title)} (working days)</title>',
             f'<desc id="d-{_id(pair)}">{escape(desc)}</desc>',
             f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
             f'<text x="{LEFT}" y="22" {TEXT} font-weight="bold">Cycle time, working days</text>']
    for i, v in enumerate(rows):
        parts += _row(v, TOP + ROW * i, x)
    axis_y = TOP + ROW * max(len(rows), 1)
    parts.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="#0b0c0c"/>')
    for k in range(int(round(scale_max / step)) + 1):
        days = k * step
        parts.append(f'<line x1="{x(days):.1f}" y1="{axis_y}" x2="{x(days):.1f}" y2="{axis_y + 6}" stroke="#0b0c0c"/>')
        parts.append(f'<text x="{x(days):.1f}" y="{axis_y + 22}" text-anchor="middle" {TEXT}>{_number(days)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _row(v, y: float, x) -> list[str]:
    s, colour = v.cycle_time, COLOURS["simulated" if v.simulated_cases else "real"]
    middle = y + ROW / 2
    side, _, profile = heading(v).partition(": ")
    lines = [side] + ([_short(profile)] if profile else []) + [f"{s.count} ended case{'' if s.count == 1 else 's'}"]
    first = middle - 18 + (8 if len(lines) == 2 else 0)
    bold = ['font-weight="bold"'] + [""] * len(lines)
    parts = [f'<text x="10" y="{first + 17 * i:.1f}" {TEXT} {bold[i]}>{escape(line)}</text>'
             for i, line in enumerate(lines)]
    if not s.count:
        return parts + [f'<text x="{LEFT}" y="{middle + 5:.1f}" {TEXT}>No ended cases</text>']
    box_top, box_h = middle - 14, 28
    parts += [
        f'<line x1="{x(s.least):.1f}" y1="{middle}" x2="{x(s.greatest):.1f}" y2="{middle}" stroke="{colour}" stroke-width="2"/>',
        f'<line x1="{x(s.least):.1f}" y1="{middle - 9}" x2="{x(s.least):.1f}" y2="{middle + 9}" stroke="{colour}" stroke-width="2"/>',
        f'<line x1="{x(s.greatest):.1f}" y1="{middle - 9}" x2="{x(s.greatest):.1f}" y2="{middle + 9}" stroke="{colour}" stroke-width="2"/>',
        f'<rect x="{x(s.q1):.1f}" y="{box_top}" width="{max(x(s.q3) - x(s.q1), 1):.1f}" height="{box_h}" '
        f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>',
        f'<line x1="{x(s.median):.1f}" y1="{box_top}" x2="{x(s.median):.1f}" y2="{box_top + box_h}" stroke="#0b0c0c" stroke-width="4"/>',
        f'<path d="M {x(s.p90):.1f} {middle - 7} l 7 7 l -7 7 l -7 -7 z" fill="{colour}"/>',
    ]
    return parts


def _words(v) -> str:
    s = v.cycle_time
    if not s.count:
        return f"{side_label(v)}: no ended cases"
    return (f"{side_label(v)}: {s.count} ended cases, least {_number(s.least)}, lower quartile {_number(s.q1)}, "
            f"median {_number(s.median)}, upper quartile {_number(s.q3)}, 90th percentile {_number(s.p90)}, "
            f"greatest {_number(s.greatest)} working days")


def _scale(top: float) -> tuple[float, float]:
    """An axis end and tick step that are round numbers: 1, 2 or 5 times a power of ten, about 5 ticks."""
    top = max(top, 1.0)
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(top / step), step


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    return label if len(label) <= 26 else label[:25] + "…"


def _id(pair: Pair) -> str:
    return "".join(c if c.isalnum() else "-" for c in pair.key)

