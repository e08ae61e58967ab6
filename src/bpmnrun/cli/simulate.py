"""Analysts' commands (registered on the `bpmnrun` group by cli.main): the runtime comparison of the
persisted cases, and simulation of synthetic cases into a separate database."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

import click

from ..analysis import runtime as runtime_comparison
from ..analysis.simulate import SimulationResult, simulate
from ..analysis.simulation_profile import Profile, load_profile
from ..clock import LONDON, MovableClock
from ..service import deploy
from ..service.runtime import Runtime, WorkflowCache
from ..store.database import DEFAULT_PATH, Database


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(runtime_command)
    group.add_command(simulate_command)


def simulation_url() -> str:
    """A SQLite file beside the live database, never the live database itself."""
    folder = Path(os.environ.get("BPMNRUN_DATA_DIR", DEFAULT_PATH.parent))
    return f"sqlite:///{folder / 'simulation.sqlite'}"


@click.command(name="runtime")
@click.option("--process", "process_ids", multiple=True, metavar="ID", help="only this process (repeat; default all)")
@click.option("--simulated/--real", "simulated", default=None, help="only simulated cases, or only real ones")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def runtime_command(obj, process_ids: tuple[str, ...], simulated: bool | None, as_json: bool) -> None:
    """What the persisted cases did: per variant and end event, cases, cycle time (median, p90, working
    days), time waiting per activity, overdue rate and the hand-offs taken."""
    from .common import friendly

    def show() -> None:
        variants = runtime_comparison.compare_runtime(obj.runtime, process_ids, simulated=simulated)
        _print(variants, as_json)

    friendly(show)()


@click.command(name="simulate")
@click.argument("process_id")
@click.option("--cases", "count", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="the same seed gives the same cases")
@click.option("--profile", "profile_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="durations, option weights and arrivals (JSON or TOML; see below)")
@click.option("--into", "url", default=None, metavar="URL",
              help="the database to fill (default: simulation.sqlite in the data folder, never the live one)")
@click.option("--library", default="bpmn", show_default=True, type=click.Path(file_okay=False),
              help="the diagrams to deploy into that database first")
@click.option("--start", "start_day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="the first case arrives at 09:00 on this day (default: today)")
@click.option("--json", "as_json", is_flag=True)
def simulate_command(process_id: str, count: int, seed: int, profile_path: str | None, url: str | None,
                     library: str, start_day: datetime | None, as_json: bool) -> None:
    """Drive synthetic cases of PROCESS_ID through the real engine on a virtual clock, then print
    the runtime comparison of those cases.

    Cases are families "Simulated N" started by "simulator". The profile (JSON, or TOML by suffix)
    may set, all optional: durations (per task id or name: a number of working days, or
    {"distribution": fixed|uniform|triangular|exponential, "low", "mode", "high", "mean", "value",
    "unit": days|hours}), default_duration, choices (per form field: {option id: weight}), values
    (per form field: the answer), start_data (per start form field: an answer, or {answer: weight}),
    message_delay, arrival_every, children ({count: weight}), max_steps_per_case, working_hours.
    Without one: tasks take 0.1–5 working days (mode 1), options are equally likely, a children
    picker ticks every child or some of them, a case arrives every 4 working hours on average.
    """
    from .common import friendly

    friendly(_simulate)(process_id, count, seed, profile_path, url or simulation_url(), library, start_day,
                        as_json)


def _simulate(process_id: str, count: int, seed: int, profile_path: str | None, url: str, library: str,
              start_day: datetime | None, as_json: bool) -> None:
    profile = load_profile(profile_path) if profile_path else Profile()
    start = datetime.combine((start_day.date() if start_day else date.today()), time(9, 0), LONDON)
    rt = Runtime(Database(url), MovableClock(start), workflows=WorkflowCache(size=4096))
    try:
        if Path(library).is_dir():
            deploy.deploy(rt, [library], runtime_comparison.SIMULATOR)
        with click.progressbar(length=count, label=f"simulating {process_id}", file=sys.stderr) as bar:
            result = simulate(rt, process_id, count, seed, profile, on_case_done=bar.update)
        variants = runtime_comparison.compare_runtime(rt, [process_id], result.instance_ids)
    finally:
        rt.db.dispose()
    if not as_json:
        _summary(result, url)
    _print(variants, as_json, result if as_json else None)


def _summary(result: SimulationResult, url: str) -> None:
    cases = len(result.instance_ids)
    click.echo(f"{cases} simulated case(s) of {result.process_id} from {result.started_at.astimezone(LONDON):%d %b %Y %H:%M}"
               f" in {result.seconds:.1f} s ({result.steps} steps; {result.completed} completed,"
               f" {len(result.given_up)} given up) into {url}")
    for words, reasons in (("given up", list(result.given_up.values())), ("not started", result.not_started)):
        for reason, n in Counter(reasons).most_common():
            click.echo(f"  {words} ×{n}: {reason}")
    click.echo("")


def _print(variants, as_json: bool, result: SimulationResult | None = None) -> None:
    if as_json:
        out = {"variants": [v.to_json() for v in variants]}
        if result is not None:
            out["simulation"] = {"process_id": result.process_id, "cases": len(result.instance_ids),
                                 "completed": result.completed, "given_up": len(result.given_up),
                                 "not_started": len(result.not_started),
                                 "steps": result.steps, "seconds": result.seconds,
                                 "started_at": result.started_at.isoformat()}
        click.echo(json.dumps(out, indent=2))
        return
    if not variants:
        click.echo("no cases")
    for variant in variants:
        click.echo(f"{variant.process_id} — {variant.title} ({variant.authority}): {variant.cases} case(s)")
        for outcome in variant.outcomes:
            _print_outcome(outcome, variant.cases)
        click.echo("")


def _print_outcome(o, total: int) -> None:
    share = f"{100 * o.cases / total:.0f}%" if total else "–"
    click.echo(f"  {o.end_event or '(no end event)'} [{o.status}]: {o.cases} case(s), {share}")
    cycle = (f"median {_days(o.cycle_time.median)}, p90 {_days(o.cycle_time.p90)} working days"
             if o.cycle_time.count else "not ended")
    click.echo(f"    cycle time {cycle}; overdue in {100 * o.overdue_rate:.0f}% of cases;"
               f" {o.handoffs_per_case:.1f} hand-offs per case")
    for a, b, n in o.handoffs:
        click.echo(f"    hand-off {a} → {b}: {n}")
    for w in o.waits:
        term = f"; {w.activity}" if w.activity else ""
        wait = f"median {_days(w.wait.median)}, p90 {_days(w.wait.p90)}" if w.wait.count else "still open"
        overdue = f", {w.overdue} overdue" if w.overdue else ""
        click.echo(f"    waited {wait} – {w.name} ({w.lane}{term}){overdue}")


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
