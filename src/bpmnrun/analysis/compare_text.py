"""The comparison as plain text for a terminal: cells wrapped so every line fits the width (120 by default)."""

from __future__ import annotations

import textwrap

from .compare import Comparison, Variant
from .differences import differences
from .paths import PATHS_NOTE

ABSENT = "absent"


def render_text(comparison: Comparison, width: int = 120) -> str:
    parts = [_legend(comparison, width), _aligned(comparison, width), _figures(comparison, width)]
    parts.extend(_decisions(v, width) for v in comparison.variants)
    parts.append("\n".join(textwrap.wrap(PATHS_NOTE, width)))
    parts.extend(_paths(v, width) for v in comparison.variants)
    parts.append(_differences(comparison, width))
    return "\n\n".join(parts) + "\n"


def _legend(comparison: Comparison, width: int) -> str:
    lines = ["Variants"]
    for v in comparison.variants:
        version = f" v{v.version}" if v.version else ""
        lines.extend(textwrap.wrap(f"{v.label}: {v.process_id}{version} — {v.structure.title}", width,
                                   subsequent_indent="    "))
    return "\n".join(lines)


SHORT = 12  # a stacked row whose cells are all this short fits on one line
MIN_COLUMN = 24  # narrower variant columns break names into stubs: list each row's cells under it instead


def table(header: list[str], rows: list[list[str]], first: int, width: int, missing: str | None = None) -> str:
    """A grid whose first column is `first` wide and whose other columns share the rest, cells wrapped on
    word boundaries; when the columns would be narrower than MIN_COLUMN, each row is a heading with one
    line per column under it (cells equal to `missing` gathered on one line)."""
    columns = len(header) - 1
    other = (width - first - 3 * columns) // max(columns, 1)
    if other < MIN_COLUMN:
        return _stacked(header, rows, width, missing)
    widths = [first] + [other] * columns
    rule = "-+-".join("-" * w for w in widths)
    lines = _row(header, widths) + [rule]
    for row in rows:
        lines.extend(_row(row, widths))
        lines.append(rule)
    return "\n".join(lines)


def _wrap(text: str, width: int, **indents: str) -> list[str]:
    # A word longer than the line is still cut, or the line would overflow the terminal.
    return textwrap.wrap(text, width, break_on_hyphens=False, **indents)


def _row(cells: list[str], widths: list[int]) -> list[str]:
    wrapped = [_wrap(c, w) or [""] for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    return [" | ".join((w[i] if i < len(w) else "").ljust(width) for w, width in zip(wrapped, widths)).rstrip()
            for i in range(height)]


def _stacked(header: list[str], rows: list[list[str]], width: int, missing: str | None) -> str:
    label_width = max(len(h) for h in header[1:]) + 2
    lines: list[str] = []
    for row in rows:
        lines.append(row[0])
        if all(len(cell) <= SHORT for cell in row[1:]):  # figures: one line for all the variants
            lines.extend(_wrap("   ".join(f"{label} {cell}" for label, cell in zip(header[1:], row[1:])), width,
                               initial_indent="  ", subsequent_indent="  "))
            continue
        gone = [h for h, cell in zip(header[1:], row[1:]) if missing is not None and cell == missing]
        for label, cell in zip(header[1:], row[1:]):
            if label not in gone:
                lines.extend(_wrap(cell, width, initial_indent=f"  {label.ljust(label_width)}",
                                   subsequent_indent=" " * (label_width + 2)))
        if gone:
            lines.extend(_wrap(f"{missing}: " + ", ".join(gone), width, initial_indent="  ",
                               subsequent_indent="    "))
    return "\n".join(lines)


def _aligned(comparison: Comparison, width: int) -> str:
    header = ["activity"] + [v.label for v in comparison.variants]
    rows = [[a.replace("_", " ")] + ["; ".join(cell) or ABSENT for cell in comparison.cells(a)] for a in comparison.activities()]
    return "Activities aligned by vocabulary (task (lane); 'absent' where the variant has no such step)\n" + \
        table(header, rows, 18, width, ABSENT)


def _spread(figures: dict) -> str:
    return " / ".join(_number(figures[k]) for k in ("min", "median", "max"))


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _figures(comparison: Comparison, width: int) -> str:
    rows: list[list[str]] = []

    def add(name: str, cell) -> None:
        rows.append([name] + [cell(v) for v in comparison.variants])

    add("user tasks reached", lambda v: f"{len(v.structure.reachable_tasks)} of {len(v.structure.tasks)}")
    add("own user tasks", lambda v: str(len(v.structure.own_tasks)))
    add("lanes", lambda v: f"{len(v.structure.lanes)}: " + ", ".join(v.structure.lanes))
    add("decisions", lambda v: str(len(v.structure.decisions)))
    add("decisions made by", lambda v: ", ".join(v.structure.decision_makers) or "—")
    add("timers", lambda v: "; ".join(f"{t.name} ({t.limit})" for t in v.structure.timers) or "none")
    add("authorisation points", lambda v: "; ".join(
        dict.fromkeys(t.name + (" (may be self)" if t.self_authorisable else "") for t in v.structure.authorisations))
        or "none")
    add("consent an explicit gate", lambda v: "yes" if v.structure.consent_gates else "no")
    add("paths", lambda v: str(len(v.paths.paths)) + (" (more cut by the loop bound)" if v.paths.cut else ""))
    add("steps min/median/max", lambda v: _spread(v.paths.figures()["steps"]))
    add("hand-offs min/median/max", lambda v: _spread(v.paths.figures()["handoffs"]))
    header = ["figure"] + [v.label for v in comparison.variants]
    return ("Per variant (called sub-processes included as far as the variant's paths reach)\n"
            + table(header, rows, 18, width))


def _decisions(v: Variant, width: int) -> str:
    """Each decision: where it is, the branches the cases take, and whose answers it turns on."""
    lines = [f"Decisions of {v.label} ({len(v.structure.decisions)})"]
    for number, d in enumerate(v.structure.decisions, 1):
        where = f" (in {d.within})" if d.within else ""
        made = ", ".join(d.makers) or "nobody's answer (an event, or data fixed before)"
        text = f"{number}. {d.name}{where}: {' / '.join(d.branches)} — made by {made}"
        lines.extend(textwrap.wrap(text, width, subsequent_indent="   "))
    return "\n".join(lines)


def _paths(v: Variant, width: int) -> str:
    lines = [f"Paths of {v.label} ({len(v.paths.paths)})" + _caveats(v)]
    for number, path in enumerate(v.paths.paths, 1):
        handoffs = path.handoffs()
        head = (f"{number}. {counted(len(path.steps), 'user task')}, {counted(len(path.lanes()), 'lane')}, "
                f"{counted(len(handoffs), 'hand-off')}, {counted(len(path.timers), 'timer')} → {path.outcome}")
        lines.extend(textwrap.wrap(head, width, subsequent_indent="   "))
        if path.choices:  # what tells two paths through the same tasks apart
            lines.extend(textwrap.wrap("branches: " + "; ".join(path.choices), width, initial_indent="   ",
                                       subsequent_indent="     "))
        steps = " → ".join(f"{s.name} ({s.lane})" + (" [per child]" if s.multi_instance else "") for s in path.steps)
        lines.extend(textwrap.wrap("steps: " + steps, width, initial_indent="   ", subsequent_indent="     "))
        if handoffs:
            words = "; ".join(f"{h.source_lane} → {h.target_lane}" for h in handoffs)
            lines.extend(textwrap.wrap("hand-offs: " + words, width, initial_indent="   ", subsequent_indent="     "))
    return "\n".join(lines)


def _caveats(v: Variant) -> str:
    """What the list leaves out or widens, when it does."""
    said = []
    if v.paths.truncated:
        said.append("list cut short: too many paths")
    if v.paths.approximated:
        said.append(f"{counted(v.paths.approximated, 'gateway')} with too many combinations: every branch kept")
    return f" — {'; '.join(said)}" if said else ""


def counted(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")


def _differences(comparison: Comparison, width: int) -> str:
    lines = ["Differences"]
    for sentence in differences(comparison):
        lines.extend(textwrap.wrap(sentence, width, initial_indent="- ", subsequent_indent="  "))
    return "\n".join(lines)
