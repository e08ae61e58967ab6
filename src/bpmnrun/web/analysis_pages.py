"""The analysts' pages: the structural comparison of process variants (`GET /compare?process=A&process=B`), and
one variant's diagram on its own (`GET /compare/diagram.svg?process=A&process=B&show=A`), to zoom in the browser;
what the cases did (`GET /analysis`, real and simulated side by side, for analysts and process owners), with every
table as CSV (`/analysis/<table>.csv`) and every chart as SVG (`/analysis/cycle-time.svg`), under the same filters."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import login_required
from markupsafe import Markup

from ..analysis.compare import STEP_DOWN_SET, from_deployed
from ..analysis.compare_html import diagram, view
from ..service.catalogue import catalogue
from ..analysis.runtime import Filters, compare_runtime, data_stamp
from ..analysis.runtime_csv import ROWS, TABLES, csv_lines
from ..analysis.runtime_sources import HOW_TO_SIMULATE, Simulation, side_by_side, simulated_figures, simulation_runtime
from ..analysis.runtime_svg import cycle_time_svg
from ..service.errors import Forbidden, InvalidInput
from ..store.database import simulation_url
from . import analysis_view
from .context import has_role, runtime
from .library_pages import ANALYST, OWNER

bp = Blueprint("analysis_pages", __name__)


@bp.get("/compare")
@login_required
def compare():
    """The variants ticked (by default the step-down set), compared as deployed; fewer than two is a form error."""
    deployed = [(e.process_id, e.summary.title, e.authority) for e in catalogue(runtime())]
    ids = {pid for pid, _, _ in deployed}
    wanted = request.args.getlist("process") or [pid for pid in STEP_DOWN_SET if pid in ids]
    try:
        comparison = from_deployed(runtime(), wanted)
    except InvalidInput as exc:
        return render_template("compare.html", deployed=deployed, wanted=wanted, errors=exc.errors), 422
    return render_template("compare.html", deployed=deployed, wanted=[v.process_id for v in comparison.variants],
                           errors={}, **view(comparison, request.args.get("zoom", "fit")))


@bp.get("/compare/diagram.svg")
@login_required
def compare_diagram():
    """The diagram of `show`, highlighted as in the comparison of the variants ticked, as an SVG image."""
    comparison = from_deployed(runtime(), request.args.getlist("process"))
    shown = next((v for v in comparison.variants if v.process_id == request.args.get("show")), None)
    if shown is None:
        abort(404)
    try:
        svg = diagram(comparison, shown)
    except ValueError:
        abort(404)  # a diagram without layout has no picture
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/analysis")
@login_required
def analysis():
    """What the cases did, per process version: real cases beside the latest simulation run's."""
    _require_analyst()
    deployed = [(e.process_id, e.summary.title, e.authority) for e in catalogue(runtime())]
    try:
        filters = _filters()
    except InvalidInput as exc:
        return render_template("analysis.html", deployed=deployed, form=request.args, errors=exc.errors,
                               pairs=[], simulation=None), 422
    pairs, simulation = _pairs(filters)
    sections = [{"pair": p, "tables": analysis_view.tables(p), "chart": Markup(cycle_time_svg(p))} for p in pairs]
    return render_template("analysis.html", deployed=deployed, form=request.args, errors={}, sections=sections,
                           pairs=pairs, simulation=simulation, how_to_simulate=HOW_TO_SIMULATE,
                           tables=TABLES, query=_query())


@bp.get("/analysis/<table>.csv")
@login_required
def analysis_csv(table: str):
    """One of the page's tables, every process version the filters chose, as CSV (streamed)."""
    _require_analyst()
    if table not in ROWS:
        abort(404, f"There is no table {table!r}: choose one of {', '.join(ROWS)}.")
    pairs, _ = _pairs(_filters())
    return Response(csv_lines(ROWS[table](pairs)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="runtime-{table}.csv"'})


@bp.get("/analysis/cycle-time.svg")
@login_required
def analysis_chart():
    """The cycle-time chart of one process version (`key`, as the page links it), as an SVG file."""
    _require_analyst()
    pairs, _ = _pairs(_filters())
    found = next((p for p in pairs if p.key == request.args.get("key")), None)
    if found is None:
        abort(404, "No process version with cases matches this chart's filters.")
    return Response(cycle_time_svg(found), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="cycle-time-{found.key}.svg"'})


def _require_analyst() -> None:
    if not (has_role(ANALYST) or has_role(OWNER)):
        raise Forbidden("Only analysts and process owners can see what the cases did.")


FILTER_KEYS = ("from", "to", "authority", "process", "version")


def _query() -> dict[str, str]:
    """The filters as sent, for links that keep them (CSV, SVG)."""
    return {k: request.args[k] for k in FILTER_KEYS if request.args.get(k)}


def _filters() -> Filters:
    """The GET form's filters; a bad one is InvalidInput naming the field and why."""
    errors: dict[str, str] = {}
    start, end = (_day(name, words, errors) for name, words in (("from", "start"), ("to", "end")))
    if start and end and start > end:
        errors["to"] = "The end date must be the same as or after the start date"
    raw = (request.args.get("version") or "").strip()
    if raw and not (raw.isdigit() and 0 < int(raw) < 10**9):
        errors["version"] = "The version must be a whole number, for example 2"
    if errors:
        raise InvalidInput(errors)
    process = (request.args.get("process") or "").strip()
    return Filters(start, end, (request.args.get("authority") or "").strip() or None,
                   (process,) if process else (), int(raw) if raw else None)


def _day(name: str, words: str, errors: dict[str, str]) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    for reading in (date.fromisoformat, lambda text: datetime.strptime(text, "%d/%m/%Y").date()):
        try:
            return reading(raw)
        except ValueError:
            continue
    errors[name] = f"The {words} date must be a real date, for example 2/6/2025 or 2025-06-02"
    return None


def _pairs(filters: Filters):
    """The page's figures; kept (a few filter sets) while neither database changed, so the CSV and SVG links
    followed from the page, and a second look, cost two small queries instead of a read of every case."""
    sim_url = current_app.config.get("BPMNRUN_SIMULATION_URL") or simulation_url()
    key = (filters, data_stamp(runtime()), sim_url, _simulation_stamp(sim_url))
    kept = current_app.extensions.setdefault("bpmnrun.analysis_cache", OrderedDict())
    if key not in kept:
        real = compare_runtime(runtime(), simulated=False, filters=filters, by_version=True)
        simulation = _simulation(filters)
        kept[key] = (side_by_side(real, simulation), simulation)
        while len(kept) > KEPT_FIGURES:
            kept.popitem(last=False)
    kept.move_to_end(key)
    return kept[key]


KEPT_FIGURES = 8


def _simulation_stamp(url: str):
    sim = current_app.extensions.get("bpmnrun.simulations", {}).get(url)
    return data_stamp(sim) if sim is not None else None


def _simulation(filters: Filters) -> Simulation:
    """The simulation database's figures (config BPMNRUN_SIMULATION_URL, else store.database.simulation_url())."""
    url = current_app.config.get("BPMNRUN_SIMULATION_URL") or simulation_url()
    opened = current_app.extensions.setdefault("bpmnrun.simulations", {})
    if url not in opened:
        sim, problem = simulation_runtime(url)
        if sim is None:
            return Simulation(url, problem)
        opened[url] = sim
    return simulated_figures(opened[url], runtime(), filters)
