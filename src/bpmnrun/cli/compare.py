"""`bpmnrun compare`: the analysts' structural comparison of process variants (registered by cli.main)."""

from __future__ import annotations

from pathlib import Path

import click

from ..analysis.compare import STEP_DOWN_SET, from_deployed, from_library


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    from .common import friendly

    @group.command("compare")
    @click.argument("process_ids", nargs=-1, metavar="PROCESS_ID PROCESS_ID [...]")
    @click.option("--json", "as_json", is_flag=True, help="print the comparison as JSON")
    @click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True),
                  help="also write a standalone HTML page with side-by-side diagrams to FILE")
    @click.option("--library", "library", type=click.Path(exists=True), multiple=True,
                  help="read diagrams from these files or folders instead of the deployed versions")
    @click.option("--width", default=120, show_default=True, help="terminal width the table wraps to")
    @click.pass_obj
    @friendly
    def compare(obj, process_ids: tuple[str, ...], as_json: bool, html_file: str | None,
                library: tuple[str, ...], width: int) -> None:
        """Compare variants of a procedure: activities aligned, figures, paths, hand-offs and differences.

        Compares the newest deployed versions (run `bpmnrun deploy` first), or with --library the diagram
        files. With no PROCESS_ID, the step-down variants: Lincolnshire internal LP with and without Early
        Help, external LP with and without Early Help, York single assessment and CiN/CP, Authority C.
        """
        wanted = list(process_ids) or list(STEP_DOWN_SET)
        comparison = from_library(library, wanted) if library else from_deployed(obj.runtime, wanted)
        if html_file:
            from ..analysis.compare_html import render_html

            Path(html_file).write_text(render_html(comparison), encoding="utf-8")
        if as_json:
            import json

            click.echo(json.dumps(comparison.to_json(), indent=2, ensure_ascii=False))
        else:
            from ..analysis.compare_text import render_text

            click.echo(render_text(comparison, width), nl=False)
        if html_file:
            click.echo(f"wrote {html_file}", err=True)
