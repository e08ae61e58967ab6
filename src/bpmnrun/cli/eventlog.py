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
    """Write the persisted cases as an event log for process-mining tools (XES, IEEE 1849, or CSV).

    One trace per piece of case work (concept:name = its number), with bpmnrun:authority, bpmnrun:process,
    bpmnrun:version, bpmnrun:outcome (the end event it ended at), bpmnrun:status and bpmnrun:case (the family).

    Events: per task a `start` (it became ready) and a `complete` (it was completed); one `complete` per
    timer that fired, message caught and end event reached. Each event has concept:name (the task's or the
    event's name in the diagram), lifecycle:transition, time:timestamp, org:resource (the person who completed
    the task, else its assignee; none for the engine's events), org:role (the lane), bpmnrun:element (the
    BPMN element id), bpmnrun:element_type (userTask, endEvent, timer or message) and bpmnrun:activity (the
    task's activity vocabulary terms). At equal times a completion comes before the next task's start.

    The CSV has one row per event, columns: case_id, authority, process, version, outcome, status, element_id,
    element_type, activity, activity_terms, lifecycle, resource, role, timestamp (ISO 8601 with offset).

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
