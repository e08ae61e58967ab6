"""The data protection officer's command (registered on the `bpmnrun` group by cli.main): a family's access log."""

from __future__ import annotations

import json

import click

from ..service import access_log
from .common import Context, friendly


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(access_log_command)


@click.command(name="access-log")
@click.option("--case", "case_id", type=int, required=True, help="the family's case number")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly
def access_log_command(obj: Context, case_id: int, as_json: bool) -> None:
    """Who read a family's records: when, what, and how they could see it (with the reason for break glass)."""
    found = access_log.entries(obj.runtime, case_id)
    if as_json:
        click.echo(json.dumps([{"at": e.at.isoformat(), "who": e.username, "action": e.action, "what": e.what,
                                "how": e.how, "reason": e.reason} for e in found], indent=2))
        return
    if not found:
        click.echo(f"nobody has read case {case_id}'s records yet")
    for e in found:
        reason = f"  reason: {e.reason}" if e.reason else ""
        click.echo(f"{e.at:%Y-%m-%d %H:%M}  {e.username:<24} {e.what}  ({e.how}){reason}")
