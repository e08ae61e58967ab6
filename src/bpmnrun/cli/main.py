"""`bpmnrun`: the command group. Its commands live by who uses them: process owners' (library_commands,
change_commands), caseworkers' (case_commands), running it (admin_commands) and analysts' (compare,
runtime_report, simulate, eventlog, export_bpmn, conformance)."""

from __future__ import annotations

import click

from . import (access_commands, admin_commands, case_commands, change_commands, compare, conformance, eventlog,
               export_bpmn, library_commands, runtime_report, simulate)
from .common import Context
from . import retention_commands


@click.group()
@click.option("--db", "url", envvar="BPMNRUN_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: a SQLite file under ~/.local/share/bpmnrun)")
@click.pass_context
def cli(ctx: click.Context, url: str | None) -> None:
    """bpmnrun: run children's services procedures as BPMN processes."""
    ctx.obj = Context(url)


for _module in (library_commands, change_commands, case_commands, admin_commands, access_commands, compare, eventlog,
                export_bpmn, conformance, runtime_report, simulate):
    _module.register(cli)
retention_commands.register(cli)
