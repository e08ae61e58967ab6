"""Analysts' commands (registered on the `bpmnrun` group by cli.main): simulation of synthetic cases into a
separate database, then the runtime report of those cases."""

from __future__ import annotations

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
from .runtime_report import print_runtime
from ..store.database import Database, simulation_url


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(simulate_command)


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
    print_runtime(variants, as_json, result if as_json else None)


def _summary(result: SimulationResult, url: str) -> None:
    cases = len(result.instance_ids)
    click.echo(f"{cases} simulated case(s) of {result.process_id} from {result.started_at.astimezone(LONDON):%d %b %Y %H:%M}"
               f" in {result.seconds:.1f} s ({result.steps} steps; {result.completed} completed,"
               f" {len(result.given_up)} given up) into {url}")
    for words, reasons in (("given up", list(result.given_up.values())), ("not started", result.not_started)):
        for reason, n in Counter(reasons).most_common():
            click.echo(f"  {words} ×{n}: {reason}")
    click.echo("")
