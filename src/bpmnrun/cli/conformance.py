"""`bpmnrun conformance`: how far an event log's cases followed a process model (registered by cli.main)."""

from __future__ import annotations

from pathlib import Path

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the `bpmnrun` group."""
    from .common import friendly

    @group.command("conformance")
    @click.argument("log", metavar="LOG", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--process", "process_id", required=True, metavar="ID", help="the process model to replay on")
    @click.option("--by", "by", type=click.Choice(["name", "activity"]), default="name", show_default=True,
                  help="match steps to the model's tasks by task name, or by activity vocabulary term")
    @click.option("--json", "as_json", is_flag=True, help="print the report as JSON (every case)")
    @click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True),
                  help="also write a standalone HTML page with the report to FILE")
    @click.option("--library", "library", type=click.Path(exists=True), multiple=True,
                  help="read the model from these diagram files or folders instead of the deployed version")
    @click.option("--cases", "case_limit", default=50, show_default=True, metavar="N",
                  help="cases listed in the text report (0: none)")
    @click.pass_obj
    @friendly
    def conformance(obj, log: Path, process_id: str, by: str, as_json: bool, html_file: str | None,
                    library: tuple[str, ...], case_limit: int) -> None:
        """Replay an event log (XES or CSV) on a process model: fitness per case and for the whole log, and
        the deviations: skipped steps, steps out of order, steps the model does not have.

        The log may come from bpmnrun (`bpmnrun export-xes`) or another system: a CSV needs a case id, an
        activity and a timestamp column (case_id or case:concept:name, activity or concept:name, timestamp or
        time:timestamp). Only completed task events count. The model is the process's newest deployed
        version (or --library), every called process included. With --by activity, steps and tasks are
        matched by the activity vocabulary, so one authority's cases can be replayed on another's model.
        """
        from ..analysis.conformance import check, deployed_model, library_model, render_text

        model = library_model(library, process_id) if library else deployed_model(obj.runtime, process_id)
        report = check(model, log, by_activity=(by == "activity"))
        if html_file:
            from ..analysis.conformance_html import render_html

            Path(html_file).write_text(render_html(report), encoding="utf-8")
        if as_json:
            import json

            click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        else:
            click.echo(render_text(report, max(case_limit, 0)), nl=False)
        if html_file:
            click.echo(f"wrote {html_file}", err=True)
