"""Process owners' commands: check diagrams, deploy them (or see what deploying would change), list what is
deployed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..library.validation import Checker
from ..service import catalogue, deploy
from .change_commands import print_impact
from .common import DEFAULT_LIBRARY, Context, friendly


def register(group: click.Group) -> None:
    for command in (check, deploy_command, catalogue_command):
        group.add_command(command)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--allow-scripts", is_flag=True, help="permit script tasks")
def check(paths: tuple[str, ...], allow_scripts: bool) -> None:
    """Validate diagrams (default: bpmn/). Prints PATH:LINE: ELEMENT_ID: [warning: ]message per problem,
    then how many diagrams were checked; exits 1 when there is an error (warnings alone pass)."""
    targets = list(paths) or [DEFAULT_LIBRARY]
    library = [DEFAULT_LIBRARY] if Path(DEFAULT_LIBRARY).is_dir() else []
    report = Checker(allow_scripts=allow_scripts).report(targets, library=library)
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(report.summary(), err=True)
    if report.errors:
        sys.exit(1)


@click.command(name="deploy")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--as", "actor", default="process owner", metavar="USER")
@click.option("--allow-scripts", is_flag=True)
@click.option("--dry-run", is_flag=True, help="print what would change (the impact report); deploy nothing")
@click.option("--json", "as_json", is_flag=True, help="with --dry-run: the report as JSON")
@click.pass_obj
@friendly
def deploy_command(obj: Context, paths: tuple[str, ...], actor: str, allow_scripts: bool, dry_run: bool,
                   as_json: bool) -> None:
    """Register a new version of every changed process (default: bpmn/); refused if the check finds an
    error, its warnings printed either way. --dry-run: what would change for running cases, nothing deployed."""
    targets = list(paths) or [DEFAULT_LIBRARY]
    if dry_run:
        sys.exit(print_impact(obj.runtime, targets, as_json=as_json, allow_scripts=allow_scripts))
    # The same check deploy() makes (remembered, so it is not done twice): here for its warnings.
    report = Checker(allow_scripts=allow_scripts).report(targets)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.errors:
        click.echo(f"{report.summary()}: nothing deployed", err=True)
        sys.exit(1)
    try:
        results = deploy.deploy(obj.runtime, targets, actor, allow_scripts)
    except deploy.DiagramInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for r in results:
        click.echo(f"{r.process_id}\tversion {r.version}\t{r.outcome}")


@click.command(name="catalogue")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly
def catalogue_command(obj: Context, as_json: bool) -> None:
    """Every deployed process: authority, sources, user tasks, lanes, decisions, timers, end events."""
    entries = catalogue.catalogue(obj.runtime)
    if as_json:
        click.echo(json.dumps([e.to_json() for e in entries], indent=2))
        return
    for e in entries:
        s = e.summary
        click.echo(f"{e.process_id} (version {e.version}) — {s.title}")
        click.echo(f"  authority: {e.authority}")
        for source in e.sources:
            click.echo(f"  source: {source}")
        click.echo(f"  lanes: {'; '.join(s.lanes)}")
        click.echo(f"  user tasks ({len(s.user_tasks)}):")
        for t in s.user_tasks:
            per_child = " [per child]" if t.multi_instance else ""
            click.echo(f"    - {t.name} ({t.lane}; {t.activity}){per_child}")
        click.echo(f"  decisions ({len(s.decisions)}): {'; '.join(s.decisions)}")
        click.echo(f"  timers ({len(s.timers)}): " + "; ".join(f"{t.name} [{t.kind}: {t.expression}]" for t in s.timers))
        click.echo(f"  calls: {', '.join(s.calls) or '—'}")
        click.echo(f"  end events ({len(s.end_events)}): {'; '.join(s.end_events)}")
        click.echo("")
