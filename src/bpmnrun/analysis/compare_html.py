"""The comparison as HTML: a standalone page for `bpmnrun compare --html FILE`, and the view data the web
page's template (`web/templates/compare.html`) renders.

Each variant's diagram is drawn (diagram_svg.py) with the tasks (and calls into sub-processes) whose activity
sets it apart highlighted (`Comparison.absent_elsewhere`: absent from the other variant, or from most of them),
one below the other at the page's full width. The standalone page switches a diagram between fitting the width
and its full size in a scrolling box with radio buttons and CSS alone (no script); the web page offers zoom
levels as links.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from .compare import Comparison, Variant
from .compare_text import ABSENT
from .diagram_svg import ZOOMS, compare_svg, zoomed
from .differences import differences
from .paths import PATHS_NOTE


@dataclass
class Figure:
    variant: Variant
    svg: Markup | None
    highlighted: list[str]  # names of the highlighted elements, for the caption
    problem: str | None = None


def figures(comparison: Comparison, zoom: str = "fit") -> list[Figure]:
    found = []
    for number, v in enumerate(comparison.variants, 1):
        ids = comparison.highlight(v)
        reached = v.structure.reachable_tasks
        names = sorted({t.name for t in reached if t.id in ids and t.process_id == v.process_id}
                       | {t.within for t in reached if t.within and t.process_id != v.process_id
                          and comparison.absent_elsewhere(v) & set(t.activities)})
        try:
            svg = diagram(comparison, v, prefix=f"d{number}-")
            found.append(Figure(v, Markup(zoomed(svg, zoom)), names))
        except ValueError as exc:  # a diagram without layout still compares; it just has no picture
            found.append(Figure(v, None, names, str(exc)))
    return found


def diagram(comparison: Comparison, variant: Variant, prefix: str = "") -> str:
    """`variant`'s diagram as SVG, what sets it apart in `comparison` highlighted (raises ValueError without DI)."""
    return compare_svg(variant.xml, variant.process_id, comparison.highlight(variant),
                       f"{variant.label}: {variant.structure.title}", prefix)


def view(comparison: Comparison, zoom: str = "fit") -> dict:
    """What both the web page and the standalone page show; the web page's diagrams at `zoom` (diagram_svg)."""
    return {
        "variants": comparison.variants,
        "rows": [(a, comparison.cells(a)) for a in comparison.activities()],
        "differences": differences(comparison),
        "figures": figures(comparison, zoom if zoom in ZOOMS else "fit"),
        "zoom": zoom if zoom in ZOOMS else "fit",
        "zooms": ZOOMS,
        "absent": ABSENT,
        "highlight_meaning": comparison.highlight_meaning(),
        "paths_note": PATHS_NOTE,
    }


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Comparison of {{ variants|map(attribute='label')|join(', ') }} – bpmnrun</title>
<style>
body { font-family: Arial, sans-serif; margin: 2em; color: #0b0c0c; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #b1b4b6; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
td.absent { color: #505a5f; font-style: italic; }
figure { margin: 0 0 2em; border: 1px solid #b1b4b6; padding: 0.5em; }
.diagram { overflow: auto; max-height: 90vh; }
.diagram svg { max-width: 100%; height: auto; }
.zoom-full:checked ~ .diagram svg { max-width: none; }
.zoom label { margin-right: 1em; }
</style>
</head>
<body>
<h1>Comparison of {{ variants|length }} process variants</h1>
<ul>{% for v in variants %}<li><strong>{{ v.label }}</strong>: {{ v.structure.title }} ({{ v.process_id }}
{%- if v.version %}, version {{ v.version }}{% endif %})</li>{% endfor %}</ul>
{% include "body" %}
</body>
</html>
"""

BODY = """<h2>Activities aligned by vocabulary</h2>
<table>
<caption>Each cell: the variant's tasks (lane) doing the activity, or “{{ absent }}”</caption>
<thead><tr><th scope="col">Activity</th>{% for v in variants %}<th scope="col">{{ v.label }}</th>{% endfor %}</tr></thead>
<tbody>
{% for activity, cells in rows %}<tr><th scope="row">{{ activity }}</th>
{% for cell in cells %}{% if cell %}<td>{{ cell|join('; ') }}</td>{% else %}<td class="absent">{{ absent }}</td>{% endif %}
{% endfor %}</tr>
{% endfor %}</tbody>
</table>
<h2>Per variant</h2>
<table>
<caption>Figures per variant, called sub-processes included as far as its paths reach</caption>
<thead><tr><th scope="col">Figure</th>{% for v in variants %}<th scope="col">{{ v.label }}</th>{% endfor %}</tr></thead>
<tbody>
<tr><th scope="row">User tasks some path reaches (of all in its diagrams)</th>{% for v in variants %}<td>{{ v.structure.reachable_tasks|length }} of {{ v.structure.tasks|length }}</td>{% endfor %}</tr>
<tr><th scope="row">Own user tasks</th>{% for v in variants %}<td>{{ v.structure.own_tasks|length }}</td>{% endfor %}</tr>
<tr><th scope="row">Lanes</th>{% for v in variants %}<td>{{ v.structure.lanes|length }}: {{ v.structure.lanes|join(', ') }}</td>{% endfor %}</tr>
<tr><th scope="row">Decisions</th>{% for v in variants %}<td>{{ v.structure.decisions|length }}</td>{% endfor %}</tr>
<tr><th scope="row">Decisions made by</th>{% for v in variants %}<td>{{ v.structure.decision_makers|join(', ') or '—' }}</td>{% endfor %}</tr>
<tr><th scope="row">Timers and limits</th>{% for v in variants %}<td>{% for t in v.structure.timers %}{{ t.name }} ({{ t.kind }}: {{ t.limit }}){% if not loop.last %}; {% endif %}{% else %}none{% endfor %}</td>{% endfor %}</tr>
<tr><th scope="row">Authorisation points</th>{% for v in variants %}<td>{% for t in v.structure.authorisations %}{{ t.name }}{% if t.self_authorisable %} (may be self-authorised){% endif %}{% if not loop.last %}; {% endif %}{% else %}none{% endfor %}</td>{% endfor %}</tr>
<tr><th scope="row">Consent an explicit gate</th>{% for v in variants %}<td>{{ 'yes' if v.structure.consent_gates else 'no' }}</td>{% endfor %}</tr>
<tr><th scope="row">Paths</th>{% for v in variants %}<td>{{ v.paths.paths|length }}</td>{% endfor %}</tr>
{% for key, words in [('steps', 'User tasks per path'), ('handoffs', 'Hand-offs per path')] %}
<tr><th scope="row">{{ words }} (min / median / max)</th>{% for v in variants %}{% set f = v.paths.figures()[key] %}<td>{{ f['min']|num }} / {{ f['median']|num }} / {{ f['max']|num }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
<h2>Decisions</h2>
{% for v in variants %}<h3>{{ v.label }}: {{ v.structure.decisions|length }} decisions</h3>
<ol>{% for d in v.structure.decisions %}<li>{{ d.name }}{% if d.within %} (in {{ d.within }}){% endif %}: {{ d.branches|join(' / ') }} — made by {{ d.makers|join(', ') or "nobody's answer (an event, or data fixed before)" }}</li>{% endfor %}</ol>
{% endfor %}
<h2>Differences</h2>
<ul>{% for d in differences %}<li>{{ d }}</li>{% endfor %}</ul>
<h2>Diagrams</h2>
<p>Highlighted (outlined and hatched in each diagram): {{ highlight_meaning }}.</p>
<p>Each diagram fits the width of the page; choose “Full size” to see it at its own size and scroll it.</p>
{% for f in figures %}<figure><figcaption><strong>{{ f.variant.label }}</strong>: {{ f.variant.structure.title }}.
{% if f.highlighted %}Highlighted: {{ f.highlighted|join('; ') }}.{% else %}Nothing highlighted.{% endif %}</figcaption>
{% if f.svg %}<div class="zoom">
<input type="radio" name="zoom-{{ loop.index }}" id="fit-{{ loop.index }}" class="zoom-fit" checked>
<label for="fit-{{ loop.index }}">Fit to width</label>
<input type="radio" name="zoom-{{ loop.index }}" id="full-{{ loop.index }}" class="zoom-full">
<label for="full-{{ loop.index }}">Full size</label>
<div class="diagram">{{ f.svg }}</div></div>{% else %}<p>No diagram: {{ f.problem }}</p>{% endif %}</figure>
{% endfor %}
<h2>Paths</h2>
<p>{{ paths_note }}</p>
{% for v in variants %}<h3>{{ v.label }}: {{ v.paths.paths|length }} paths</h3>
<ol>{% for p in v.paths.paths %}{% set h = p.handoffs() %}
<li><p>{{ p.steps|length }} user tasks, {{ p.lanes()|length }} lanes, {{ h|length }} hand-offs, {{ p.timers|length }} timers → {{ p.outcome }}</p>
{% if p.choices %}<p>Branches: {{ p.choices|join('; ') }}</p>{% endif %}
<p>Steps: {% for s in p.steps %}{{ s.name }} ({{ s.lane }}){% if not loop.last %} → {% endif %}{% endfor %}</p>
{% if h %}<p>Hand-offs: {% for x in h %}{{ x.source_lane }} → {{ x.target_lane }}{% if not loop.last %}; {% endif %}{% endfor %}</p>{% endif %}
</li>{% endfor %}</ol>
{% endfor %}
"""


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _environment() -> Environment:
    env = Environment(loader=DictLoader({"page": PAGE, "body": BODY}), autoescape=select_autoescape(default=True))
    env.filters["num"] = _number
    return env


def render_html(comparison: Comparison) -> str:
    """A standalone HTML page (styles inside, no scripts) with the whole comparison."""
    return _environment().get_template("page").render(**view(comparison))
