"""Analysts' commands (registered on the `bpmnrun` group by cli.main): simulation of synthetic cases into a
separate database, then the runtime report of those cases."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, time
from pathlib import Path
from typing import Callable, TextIO

import click

from ..analysis import runtime as runtime_comparison
from ..analysis.simulate import SimulationResult, profile_vocabulary, simulate
from ..analysis.simulation_profile import DEFAULT_NAME, profile_from, read_profile
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
    message_delay, arrival_every, children ({count: weight}), max_steps_per_case, working_hours,
    waits and default_wait (as durations). A task waits (waits: ready until a worker first opens it)
    then is worked on (durations: opened until completed). Without one: tasks wait 0–2 working days
    (triangular, mode 0.5) and take 0.1–5 working days (mode 1), options are equally likely, a
    children picker ticks every child or some of them, a case arrives every 4 working hours on average.
    Task, field and option names are checked against the diagrams before any case runs.

    The output is labelled "simulated" with the profile's name (the file's name without its suffix,
    or "default profile"). A case that fails is recorded and reported at the end; the run goes on.
    Progress goes to stderr: a bar on a terminal, else a line per 10 %.
    """
    from .common import friendly

    friendly(_simulate)(process_id, count, seed, profile_path, url or simulation_url(), library, start_day,
                        as_json)


def _simulate(process_id: str, count: int, seed: int, profile_path: str | None, url: str, library: str,
              start_day: datetime | None, as_json: bool) -> None:
    raw = read_profile(profile_path) if profile_path else {}  # a file that cannot be read: said before deploying
    name = Path(profile_path).stem if profile_path else DEFAULT_NAME
    start = datetime.combine((start_day.date() if start_day else date.today()), time(9, 0), LONDON)
    rt = Runtime(Database(url), MovableClock(start), workflows=WorkflowCache(max_bytes=256 * 1024 * 1024))
    try:
        if Path(library).is_dir():
            deploy.deploy(rt, [library], runtime_comparison.SIMULATOR)
        profile = profile_from(raw, name, fields=set(profile_vocabulary(rt, process_id).fields))
        with progress(count, f"simulating {process_id} ({name})", sys.stderr) as step:
            result = simulate(rt, process_id, count, seed, profile, on_case_done=step)
        variants = runtime_comparison.compare_runtime(rt, [process_id], result.instance_ids)
    finally:
        rt.db.dispose()
    if as_json:
        click.echo(json.dumps({"simulated": True, "profile": result.profile,
                               "variants": [v.to_json() for v in variants], "simulation": result.to_json()},
                              indent=2))
        return
    _summary(result, url)
    print_runtime(variants, False)
    _failures(result)


class progress:
    """Progress on `stream`: click's bar on a terminal; else (piped, logged) one line per 10 % done."""

    def __init__(self, total: int, label: str, stream: TextIO) -> None:
        self.total, self.label, self.stream, self.done, self.shown = total, label, stream, 0, 0
        self.bar = click.progressbar(length=total, label=label, file=stream) if _is_tty(stream) else None

    def __enter__(self) -> Callable[[int], None]:
        if self.bar is not None:
            return self.bar.__enter__().update
        return self.update

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        tenth = self.done * 10 // self.total
        if tenth > self.shown:
            self.shown = tenth
            click.echo(f"{self.label}: {tenth * 10}% ({self.done} of {self.total} cases)", file=self.stream)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _summary(result: SimulationResult, url: str) -> None:
    cases = len(result.instance_ids)
    click.echo(f"SIMULATED cases — profile: {result.profile} (seed {result.seed})")
    click.echo(f"{cases} simulated case(s) of {result.process_id} from {result.started_at.astimezone(LONDON):%d %b %Y %H:%M}"
               f" in {result.seconds:.1f} s ({result.steps} steps; {result.completed} completed,"
               f" {len(result.given_up)} given up, {len(result.failures)} failed) into {url}")
    for words, reasons in (("given up", list(result.given_up.values())), ("not started", result.not_started)):
        for reason, n in Counter(reasons).most_common():
            click.echo(f"  {words} ×{n}: {reason}")
    click.echo("")


def _failures(result: SimulationResult) -> None:
    """The failed cases, last (where a long report ends): grouped by task and reason, naming the cases."""
    if not result.failures:
        return
    groups: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for failure in result.failures:
        groups[(failure.task, failure.reason)].append(failure.case)
    click.echo(f"{len(result.failures)} simulated case(s) failed (cancelled; the run went on):")
    for (task, reason), names in sorted(groups.items(), key=lambda g: -len(g[1])):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        click.echo(f"  ×{len(names)}{f' at {task!r}' if task else ''}: {reason} ({shown})")
