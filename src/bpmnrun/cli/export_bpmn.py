"""Analysts' command (registered on the `bpmnrun` group by cli.main): a process's diagram, or the process with
every call activity inlined (library/flatten.py) for process-mining tools that cannot follow a call."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..library.bundles import load_bundles
from ..library.files import DiagramFile
from ..library.flatten import FlattenError, flatten
from ..library.problems import DiagramError
from ..service.catalogue import deployed_sources
from ..service.errors import NotFound
from .common import friendly


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    group.add_command(export_bpmn)


@click.command(name="export-bpmn")
@click.argument("process_id", metavar="PROCESS")
@click.option("--flatten", "flat_target", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="write PROCESS with every call activity inlined, as one drawn process, to FILE")
@click.option("--for-mining", is_flag=True,
              help="with --flatten: also turn timers, messages, boundary events and per-child tasks into "
                   "gateways and loops, which PM4Py's conversion to a Petri net can follow")
@click.option("--output", "-o", "target", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="write PROCESS's own diagram to FILE (default: standard output, when --flatten is not given)")
@click.option("--library", "library", type=click.Path(exists=True), multiple=True, metavar="DIR",
              help="read the diagrams in DIR (repeat) instead of the newest deployed versions")
@click.pass_obj
def export_bpmn(obj, process_id: str, flat_target: Path | None, for_mining: bool, target: Path | None,
                library: tuple[str, ...]) -> None:
    """Write a process's BPMN diagram as deployed (newest version), or with --library as in DIR.

    --flatten FILE writes one process in which each call activity is replaced by the steps of the process
    it calls (their ids prefixed with the call's id): process-mining tools such as PM4Py turn it into a
    Petri net. Add --for-mining for PM4Py, which cuts any flow through a timer, a message or a boundary event.
    """
    if for_mining and flat_target is None:
        raise click.UsageError("--for-mining goes with --flatten FILE")
    friendly(_export)(obj, process_id, flat_target, for_mining, target, library)


def _export(obj, process_id: str, flat_target: Path | None, for_mining: bool, target: Path | None,
            library: tuple[str, ...]) -> None:
    sources = _sources(obj, process_id, library)
    if flat_target is not None:
        try:
            flat_target.write_bytes(flatten(sources, process_id, for_mining=for_mining))
        except FlattenError as exc:
            _fail(f"{process_id} cannot be flattened: {exc}")
        click.echo(f"{process_id} flattened{' for mining' if for_mining else ''}: written to {flat_target}")
    if target is not None or flat_target is None:
        own = next(xml for path, xml in sources.items() if process_id in DiagramFile.parse(str(path), xml).process_ids)
        if target is None:
            sys.stdout.buffer.write(own)
        else:
            target.write_bytes(own)
            click.echo(f"{process_id}: diagram written to {target}")


def _sources(obj, process_id: str, library: tuple[str, ...]) -> dict[str, bytes]:
    if library:
        try:
            bundles = load_bundles(library)
        except DiagramError as exc:
            _fail(f"the diagrams in {', '.join(library)} cannot be read: {exc}")
        if process_id not in bundles:
            _fail(f"no process {process_id!r} in {', '.join(library)}; there are: {', '.join(sorted(bundles))}")
        return bundles[process_id].sources()
    try:
        return deployed_sources(obj.runtime, process_id).sources
    except NotFound:
        _fail(f"no process {process_id!r} is deployed: deploy it first (bpmnrun deploy), or give --library DIR")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)
