"""Analysts' commands (registered on the `bpmnrun` group by cli.main): the runtime report of the persisted
cases, printed as text or JSON (also after `bpmnrun simulate`)."""

from __future__ import annotations

import json

import click

from ..analysis import runtime as runtime_comparison
from ..analysis.simulate import SimulationResult


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(runtime_command)


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
