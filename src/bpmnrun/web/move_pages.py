""""Move running cases": a process owner previews which running cases of a process could move to another
version and why others could not, names the step each missing one moves to, then moves them a batch at a
time (each case in its own transaction; a case changed meanwhile is reported, never overwritten)."""

from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from ..library.diff import element_names
from ..service import library_views, moves
from ..service.errors import InvalidInput, NotFound
from .api_input import MAX_ID
from .context import runtime, username

BATCH = 50  # cases per click: a request stays short however many cases a process has
MAP_PREFIX = "map-"


def register(bp: Blueprint, require_owner: Callable[[str], None]) -> None:
    """Add the move pages to the process library's blueprint (their links live on its pages)."""

    @bp.get("/processes/<process_id>/move")
    @login_required
    def move_preview(process_id: str):
        require_owner("move running cases")
        detail, to_version, from_version, mapping = _wanted(process_id)
        try:
            run = moves.preview(runtime(), process_id, to_version, from_version, mapping=mapping)
        except InvalidInput as exc:
            run, error = None, "; ".join(exc.errors.values())
        else:
            error = None
        return render_template("move_cases.html", detail=detail, run=run, error=error, to_version=to_version,
                               from_version=from_version, mapping=mapping, batch=BATCH,
                               targets=_targets(process_id, to_version)), 422 if error else 200

    @bp.post("/processes/<process_id>/move")
    @login_required
    def move_run(process_id: str):
        require_owner("move running cases")
        detail, to_version, from_version, mapping = _wanted(process_id)
        run = moves.move_cases(runtime(), process_id, to_version, username(), from_version, mapping=mapping,
                               limit=BATCH)
        return render_template("move_result.html", detail=detail, run=run, to_version=to_version,
                               from_version=from_version, mapping=mapping, batch=BATCH)


def _wanted(process_id: str):
    """The process, and the version, from-version and mapping the page was asked for (query or form)."""
    values = request.values
    detail = library_views.process_detail(runtime(), process_id)
    to_version = _version(values.get("to")) or detail.listing.latest.version
    from_version = _version(values.get("from"))
    mapping = {key[len(MAP_PREFIX):]: value for key, value in values.items()
               if key.startswith(MAP_PREFIX) and value and len(key) <= 200 + len(MAP_PREFIX) and len(value) <= 200}
    return detail, to_version, from_version, mapping


def _version(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) < 1:
        abort(400, "A version is a whole number, for example 2.")
    if int(raw) > MAX_ID:
        abort(404, f"There is no version {raw} of this process.")
    return int(raw)


def _targets(process_id: str, version: int) -> list[tuple[str, str]]:
    """The elements of the version moved to, for the mapping of a step it no longer has."""
    try:
        xml, _ = library_views.version_xml(runtime(), process_id, version)
    except NotFound:  # the preview itself says so
        return []
    kinds = frozenset({"userTask", "intermediateCatchEvent", "receiveTask", "manualTask", "task"})
    return element_names(xml.encode("utf-8"), process_id, kinds)
