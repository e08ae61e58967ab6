"""`bpmnrun impact`, `bpmnrun migrate` and `bpmnrun incidents`: safe change for process owners (registered by
cli.main). `print_impact` is what `bpmnrun deploy --dry-run` prints."""

from __future__ import annotations

import json
import sys

import click

from ..service import impact, incident_retry, incidents, moves
from ..service.errors import DiagramInvalid, InvalidInput
from ..service.runtime import Runtime
from . import change_text
from .common import DEFAULT_LIBRARY, friendly


def print_impact(runtime: Runtime, paths: list[str], as_json: bool = False, allow_scripts: bool = False) -> int:
    """Print what deploying `paths` would change; returns the exit status (1 when a diagram has an error)."""
    try:
        report = impact.impact_of_paths(runtime, paths or [DEFAULT_LIBRARY], allow_scripts)
    except DiagramInvalid as exc:  # as `bpmnrun deploy` says it: the problems on stderr, nothing deployed
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} error(s): nothing would be deployed", err=True)
        return 1
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str, ensure_ascii=False))
    else:
        for line in change_text.impact_lines(report):
            click.echo(line)
    return 0


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""

    @group.command("impact")
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option("--json", "as_json", is_flag=True, help="the report as JSON")
    @click.option("--allow-scripts", is_flag=True)
    @click.pass_obj
    @friendly
    def impact_command(obj, paths: tuple[str, ...], as_json: bool, allow_scripts: bool) -> None:
        """What deploying PATHS (default: bpmn/) would change, before deploying: per changed process its added,
        removed and renamed elements, form fields and lanes; each running case, where it waits and whether it
        could move to the new version; a warning for each lane nobody is in. Deploys nothing."""
        sys.exit(print_impact(obj.runtime, list(paths), as_json, allow_scripts))

    @group.command("migrate")
    @click.argument("process_id")
    @click.option("--to", "to_version", required=True, type=click.IntRange(min=1), help="the version to move to")
    @click.option("--from", "from_version", type=click.IntRange(min=1), default=None,
                  help="only cases on this version")
    @click.option("--case", "instance_ids", multiple=True, type=click.IntRange(min=1), metavar="ID",
                  help="only this piece of case work (the id `bpmnrun history` takes; repeat)")
    @click.option("--map", "pairs", multiple=True, metavar="OLD=NEW",
                  help="a step the new version no longer has (OLD, an element id) → the one cases waiting there "
                       "move to (repeat)")
    @click.option("--dry-run", is_flag=True, help="say what would move and what could not; change nothing")
    @click.option("--as", "actor", default="process owner", metavar="USER", help="recorded as who moved them")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @friendly
    def migrate_command(obj, process_id: str, to_version: int, from_version, instance_ids, pairs, dry_run: bool,
                        actor: str, as_json: bool) -> None:
        """Move running cases of PROCESS_ID to version --to, each in its own transaction, with its history."""
        mapping = _mapping(pairs)
        if dry_run:
            run = moves.preview(obj.runtime, process_id, to_version, from_version, instance_ids, mapping)
        else:
            echo = None if as_json else (lambda case: click.echo(change_text.case_line(case)))
            run = moves.move_cases(obj.runtime, process_id, to_version, actor, from_version, instance_ids, mapping,
                                   progress=echo)
        if as_json:
            click.echo(json.dumps(run.to_json(), indent=2, default=str, ensure_ascii=False))
        else:
            if dry_run:
                for case in run.cases:
                    click.echo(change_text.case_line(case))
            click.echo(change_text.move_summary(run, dry_run))
        if not dry_run and run.count("moved") < len(run.cases):
            sys.exit(1)

    @group.group("incidents", invoke_without_command=True)
    @click.option("--all", "show_all", is_flag=True, help="resolved ones too")
    @click.option("--process", "process_id", default=None)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    @friendly
    def incidents_group(ctx: click.Context, show_all: bool, process_id: str | None, as_json: bool) -> None:
        """Work the engine could not move on (open ones, newest first); retry or dismiss one."""
        if ctx.invoked_subcommand is not None:
            return
        found = incidents.list_incidents(ctx.obj.runtime, open_only=not show_all, process_id=process_id)
        if as_json:
            click.echo(json.dumps([i.to_json() for i in found], indent=2, default=str, ensure_ascii=False))
            return
        for incident in found:
            click.echo(change_text.incident_line(incident))
        if not found:
            click.echo("no open incidents" if not show_all else "no incidents", err=True)

    @incidents_group.command("retry")
    @click.argument("incident_id", type=click.IntRange(min=1))
    @click.option("--as", "actor", default="process owner", metavar="USER")
    @click.pass_obj
    @friendly
    def incidents_retry(obj, incident_id: int, actor: str) -> None:
        """Try the incident's step again (after a fix, or after moving the case to a fixed version)."""
        outcome = incident_retry.retry(obj.runtime, incident_id, actor)
        click.echo(f"incident {incident_id}: {outcome.message}")
        if not outcome.succeeded:
            sys.exit(1)

    @incidents_group.command("dismiss")
    @click.argument("incident_id", type=click.IntRange(min=1))
    @click.option("--note", default="", help="why nothing more is needed")
    @click.option("--as", "actor", default="process owner", metavar="USER")
    @click.pass_obj
    @friendly
    def incidents_dismiss(obj, incident_id: int, note: str, actor: str) -> None:
        """Close an incident that needs nothing more."""
        incidents.dismiss(obj.runtime, incident_id, actor, note)
        click.echo(f"incident {incident_id} dismissed")


def _mapping(pairs) -> dict[str, str]:
    found = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InvalidInput({"map": f"{pair!r}: expected OLD=NEW, two element ids"})
        found[old.strip()] = new.strip()
    return found

