"""`bpmnrun retention`: what the retention policy would remove now (a dry run: the default, changing nothing), and
`bpmnrun retention apply`, which removes it a batch of families per transaction (registered by cli.main)."""

from __future__ import annotations

import json

import click

from ..service import retention
from ..service.retention_policy import DEFAULT_POLICY, POLICY_ENV, load_policy
from .common import Context, friendly

_POLICY_HELP = f"the policy file (default: ${POLICY_ENV}, else {DEFAULT_POLICY} here)"


def register(group: click.Group) -> None:
    group.add_command(retention_group)


@click.group(name="retention", invoke_without_command=True)
@click.option("--dry-run", is_flag=True, help="say what would go, per rule, with counts; change nothing (the "
                                              "default without a command)")
@click.option("--policy", "policy_file", default=None, metavar="FILE", help=_POLICY_HELP)
@click.option("--cases", "list_cases", is_flag=True, help="also list each family that would go (case number, rule)")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
@click.pass_context
@friendly
def retention_group(ctx: click.Context, dry_run: bool, policy_file: str | None, list_cases: bool,
                    as_json: bool) -> None:
    """Families whose work has all ended longer ago than the retention policy keeps it: deleted or anonymised.

    Without a command, a dry run: what would go now, per rule, with counts. `bpmnrun retention apply` does it."""
    if ctx.invoked_subcommand is not None:
        if dry_run:
            raise click.UsageError("--dry-run changes nothing; leave out `apply` (bpmnrun retention --dry-run)")
        ctx.meta["retention_policy"] = policy_file
        return
    obj: Context = ctx.obj
    policy = load_policy(policy_file)
    listing = None if as_json or not list_cases else (lambda f: click.echo(_family_line(f)))
    if listing:
        click.echo("Families due (each as it is found):")
    run = retention.preview(obj.runtime, policy, on_family=listing)
    if as_json:
        click.echo(json.dumps(run.to_json(), indent=2, ensure_ascii=False))
        return
    _summary(run)
    click.echo(f"{_n(run.families, 'family', 'families')} due. Dry run: nothing was changed; "
               f"`bpmnrun retention apply` does it.")


@retention_group.command(name="apply")
@click.option("--policy", "policy_file", default=None, metavar="FILE", help=_POLICY_HELP)
@click.option("--batch", "batch_size", default=retention.BATCH, show_default=True, type=click.IntRange(1, 5000),
              help="families per transaction (a crash loses at most one batch; run again to carry on)")
@click.option("--as", "actor", default="retention", show_default=True, metavar="USER",
              help="recorded in the audit as who removed them")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
@click.pass_context
@friendly
def apply_command(ctx: click.Context, policy_file: str | None, batch_size: int, actor: str, as_json: bool) -> None:
    """Delete or anonymise every family that is due under the policy, a batch per transaction."""
    policy = load_policy(policy_file or ctx.meta.get("retention_policy"))
    progress = None if as_json else (lambda n, done: click.echo(_batch_line(n, done)))
    run = retention.apply(ctx.obj.runtime, policy, actor.strip() or "retention", batch_size, on_batch=progress)
    if as_json:
        click.echo(json.dumps(run.to_json(), indent=2, ensure_ascii=False))
        return
    _summary(run)
    click.echo(f"{_n(run.families, 'family', 'families')} removed in {_n(run.batches, 'batch', 'batches')}; each has an audit event (case_deleted or case_anonymised).")


def _summary(run: retention.RetentionRun) -> None:
    click.echo(f"Retention policy {run.policy.source}, as of {run.at:%Y-%m-%d %H:%M} UTC:")
    verb = {"delete": "deleted", "anonymise": "anonymised"}
    for tally in run.tallies.values():
        rule = tally.rule
        where = f"process {rule.process}" if rule.process else (
            f"authority {rule.authority}" if rule.authority else "work no other rule names")
        head = f"  {rule.name} ({where}; {rule.action} {rule.period} after the last work ended):"
        if not tally.families:
            click.echo(f"{head} nothing due")
            continue
        done = "" if run.dry_run else f" {verb[rule.action]}"
        click.echo(f"{head} {_n(tally.families, 'family', 'families')}{done}, {_counts(tally)}")
    for warning in run.warnings:
        click.echo(f"warning: {warning}", err=True)


def _family_line(family: retention.Family) -> str:
    when = (f"last work ended {family.last_ended:%Y-%m-%d}" if family.work
            else f"no work, added {family.last_ended:%Y-%m-%d}")
    return f"  case {family.case_id}: {family.rule.name} ({family.rule.action}), {when}; {_counts(family)}"


def _counts(found) -> str:
    return (f"{_n(found.children, 'child', 'children')}, {_n(found.work, 'piece', 'pieces')} of work, "
            f"{_n(found.tasks, 'task', 'tasks')}, {_n(found.events, 'event', 'events')}")


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _batch_line(number: int, done: list[retention.Family]) -> str:
    deleted = sum(1 for f in done if f.rule.action == "delete")
    return f"batch {number}: {deleted:,} deleted, {len(done) - deleted:,} anonymised"
