"""Analysts' commands (registered on the `bpmnrun` group by cli.main): the runtime report of the persisted
cases, printed as text or JSON (also after `bpmnrun simulate`). The same figures as the /analysis page: per variant
a total, the outcomes, the cycle-time spread, per activity waiting versus working, the trace variants; simulated
cases are labelled so, with their run's profile."""

from __future__ import annotations

import json

import click

from ..analysis import runtime as runtime_comparison
from ..analysis.runtime_sources import HOW_TO_SIMULATE, simulation_runtime
from ..analysis.simulate import SimulationResult
from ..store.database import simulation_url

MOST_VARIANTS = 10


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(runtime_command)


@click.command(name="runtime")
@click.option("--process", "process_ids", multiple=True, metavar="ID", help="only this process (repeat; default all)")
@click.option("--simulated/--real", "simulated", default=None,
              help="only the simulation database's simulated cases, or only real ones (default: this database's)")
@click.option("--simulation-url", "sim_url", default=None, metavar="URL",
              help="with --simulated: the simulation database (default: BPMNRUN_SIMULATION_URL or simulation.sqlite)")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def runtime_command(obj, process_ids: tuple[str, ...], simulated: bool | None, sim_url: str | None,
                    as_json: bool) -> None:
    """What the persisted cases did, per variant: cases and how they ended, cycle time (working days: least,
    quartiles, median, 90th percentile, greatest), per activity the time waiting (ready to first opened or
    claimed) and working (opened to completed), the trace variants and the overdue rate."""
    from .common import friendly

    def show() -> None:
        rt = obj.runtime
        if simulated:
            rt, problem = simulation_runtime(sim_url or simulation_url())
            if rt is None:
                raise click.ClickException(f"{problem} Make one with: {HOW_TO_SIMULATE}")
        variants = runtime_comparison.compare_runtime(rt, process_ids, simulated=simulated)
        print_runtime(variants, as_json)

    friendly(show)()


def print_runtime(variants, as_json: bool, result: SimulationResult | None = None) -> None:
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
        _print_variant(variant)
        click.echo("")


def _print_variant(v) -> None:
    source = f"simulated (profile: {v.profile})" if v.source == "simulated" else v.source
    if v.source == "real and simulated":
        source += f" ({v.simulated_cases} simulated, profile: {v.profile})"
    click.echo(f"{v.process_id} — {v.title} ({v.authority}) — {source} cases")
    c = v.cycle_time
    click.echo(f"  total: {v.cases} case(s), {c.count} ended; overdue in {v.overdue_cases} of {v.cases} "
               f"({_share(v.overdue_cases, v.cases)})")
    if c.count:
        click.echo(f"  cycle time: median {_days(c.median)}, p90 {_days(c.p90)} working days (least {_days(c.least)},"
                   f" quartiles {_days(c.q1)}–{_days(c.q3)}, greatest {_days(c.greatest)})")
    for o in v.outcomes:
        cycle = f"; cycle time median {_days(o.cycle_time.median)}, p90 {_days(o.cycle_time.p90)}" if o.cycle_time.count else ""
        handoffs = f"; {o.handoffs_per_case:.1f} hand-offs per case" if o.handoffs else ""
        click.echo(f"  ended: {o.label} [{o.status}]: {o.cases} ({_share(o.cases, v.cases)}){cycle}{handoffs}")
    if v.activities:
        click.echo("  per activity, median working days (tasks): waiting = ready → first opened or claimed;"
                   " working = opened → completed")
    for a in v.activities:
        lane = f" ({a.lane})" if a.lane else ""
        click.echo(f"    {a.name}{lane}: waiting {_spread(a.waiting)}, working {_spread(a.working)},"
                   f" not told apart {_spread(a.not_told_apart)}; overdue {a.overdue} of {a.tasks}")
    if v.not_told_apart:
        click.echo(f"  {v.not_told_apart} task(s) completed without being seen opening: their whole time is"
                   " 'not told apart', never split into waiting and working")
    for t in v.traces[:MOST_VARIANTS]:
        steps = " → ".join(t.steps) if t.steps else "(no task completed)"
        click.echo(f"  variant {t.cases} ({_share(t.cases, v.cases)}): {steps} → {t.ending}")
    if len(v.traces) > MOST_VARIANTS:
        click.echo(f"  … and {len(v.traces) - MOST_VARIANTS} less frequent variants (--json lists them all)")


def _spread(s) -> str:
    return f"{_days(s.median)} ({s.count})" if s.count else "–"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
