"""Reaching a family one has no work with: the exact search (surname and a child's date of birth), break glass
(a reason, for a limited time, told to one's line manager), and the family's access log.

The rules are `service.access`'s; the pages parse, call the service and render.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..service import access, access_log, family_search, records
from .api_input import MAX_ID
from .cases import ChildRow, date_of_birth_of
from .context import has_role, runtime, username
from .filters import long_datetime

bp = Blueprint("family_access", __name__)
MOST_REASON = 2000  # characters: a reason is a sentence or two, not a case note


@bp.get("/cases/find")
@login_required
def find():
    """The exact search: a family is found only by its surname and a child's date of birth, both exact."""
    surname = request.args.get("surname", "").strip()
    row = ChildRow("", *(request.args.get(f"dob-{part}", "").strip() for part in ("day", "month", "year")))
    errors: dict[str, str] = {}
    searched = "surname" in request.args
    found = []
    if searched:
        if not surname:
            errors["surname"] = "Enter the family’s surname"
        born = date_of_birth_of(row, "dob", errors)
        if born is None and "dob" not in errors:
            errors["dob"] = "Enter a child’s date of birth"
        if not errors:
            found = family_search.find_exactly(runtime(), username(), surname, born)
    return render_template("find_family.html", surname=surname, row=row, errors=errors, searched=searched,
                           found=found, reads_logs=has_role(access_log.DATA_PROTECTION_OFFICER)), \
        422 if errors else 200


@bp.route(f"/cases/<int(min=1, max={MAX_ID}):case_id>/break-glass", methods=["GET", "POST"])
@login_required
def break_glass(case_id: int):
    reason = request.form.get("reason", "").strip() if request.method == "POST" else ""
    error = None
    if request.method == "POST":
        if not reason:
            error = "Enter your reason for opening this family’s records"
        elif len(reason) > MOST_REASON:
            error = f"Your reason must be {MOST_REASON} characters or fewer"
        else:
            grant = records.break_glass(runtime(), username(), case_id, reason)
            told = " Your line manager has been told." if grant.reported_to else ""
            flash(f"You can see this family’s records until {long_datetime(grant.expires_at)}.{told}", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    return render_template("break_glass.html", case_id=case_id, reason=reason, error=error,
                           hours=access.BREAK_GLASS_HOURS), 422 if error else 200


@bp.get(f"/cases/<int(min=1, max={MAX_ID}):case_id>/access-log")
@login_required
def access_log_page(case_id: int):
    entries = access_log.access_log(runtime(), username(), case_id)
    # The data protection officer reads the log, not the records: back to the search that found the family.
    officer = has_role(access_log.DATA_PROTECTION_OFFICER)
    return render_template("access_log.html", case_id=case_id, entries=entries, officer=officer)


@bp.get("/break-glass")
@login_required
def reported():
    """A line manager's list of the break-glass access their staff used."""
    return render_template("break_glass_reports.html", grants=access_log.reported_to(runtime(), username()))
