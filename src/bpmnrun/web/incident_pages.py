"""Incidents for process owners: work the engine could not move on, with Retry (after a fix) and Dismiss."""

from __future__ import annotations

from typing import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..service import incident_retry, incidents
from .api_input import MAX_ID
from .context import runtime, username


def register(bp: Blueprint, require_owner: Callable[[str], None]) -> None:
    """Add the incident pages to the process library's blueprint (linked from the processes page)."""

    @bp.get("/incidents")
    @login_required
    def incident_list():
        require_owner("see incidents")
        show_all = request.args.get("all") == "1"
        found = incidents.list_incidents(runtime(), open_only=not show_all)
        return render_template("incidents.html", incidents=found, show_all=show_all)

    @bp.post(f"/incidents/<int(min=1, max={MAX_ID}):incident_id>/retry")
    @login_required
    def incident_retry_post(incident_id: int):
        require_owner("retry an incident")
        outcome = incident_retry.retry(runtime(), incident_id, username())
        flash(f"Incident {incident_id}: {outcome.message}", "success" if outcome.succeeded else "info")
        return redirect(url_for("library_pages.incident_list"))

    @bp.post(f"/incidents/<int(min=1, max={MAX_ID}):incident_id>/dismiss")
    @login_required
    def incident_dismiss_post(incident_id: int):
        require_owner("dismiss an incident")
        incidents.dismiss(runtime(), incident_id, username(), request.form.get("note", "")[:300])
        flash(f"Incident {incident_id} dismissed.", "success")
        return redirect(url_for("library_pages.incident_list"))
