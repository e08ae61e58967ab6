"""Analysts' commands (registered on the `bpmnrun` group by cli.main): event-log export."""

from __future__ import annotations

from pathlib import Path

import click

from ..analysis import eventlog
from ..service import records
from .common import as_reader


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(export_xes)


@click.command(name="export-xes")
@click.argument("target", metavar="FILE", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--process", "process_ids", multiple=True, metavar="ID", help="only this process (repeat; default all)")
@click.option("--format", "kind", type=click.Choice(["xes", "csv"]), default=None,
              help="xes (IEEE 1849) or csv; default from FILE's suffix, else xes")
@as_reader
@click.pass_obj
def export_xes(obj, target: Path, process_ids: tuple[str, ...], kind: str | None, reader: str) -> None:
    """Write the persisted cases as an event log for process-mining tools.

    One trace per piece of case work; per task a `start` event (it became ready) and a `complete`
    event, with concept:name = the task's name, bpmnrun:activity = its activity vocabulary term,
    org:role = its lane, org:resource = who completed it, time:timestamp. The CSV has the columns
    case_id, activity, activity_term, lifecycle, resource, lane, timestamp (case_id = the case work).
    The export is in the access log of every family it covered.
    """
    from .common import friendly

    friendly(_export)(obj, target, process_ids, kind or ("csv" if target.suffix.lower() == ".csv" else "xes"), reader)


def _export(obj, target: Path, process_ids: tuple[str, ...], kind: str, reader: str) -> None:
    eventlog.require_deployed(obj.runtime, process_ids)  # before the file is opened: no half-written log
    if kind == "csv":
        with target.open("w", newline="", encoding="utf-8") as handle:
            done = eventlog.write_csv(obj.runtime, handle, process_ids)
    else:
        done = eventlog.write_xes(obj.runtime, target, process_ids)
    records.log_export(obj.runtime, reader, process_ids, f"{kind.upper()} export", done.traces)
    click.echo(f"{done.traces} case(s), {done.events} event(s) written to {target} ({kind.upper()})")
