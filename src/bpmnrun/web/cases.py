"""Cases: find or add a family, start work on it for chosen children, and the case page.

The pages parse the form, call `service.cases`, `service.case_views` and `service.instances`, and render.
Who may see a family is decided in `service.access`; every read of a family is logged by the service
(`service.records`). Finding a family one has no work with, and break glass, are in `family_access`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..service import access, access_log, case_views, cases, catalogue, instances, records
from ..service.errors import InvalidInput
from ..service.input_limits import CHILD_NAME, FAMILY_NAME
from .api_input import MAX_ID  # ids beyond the database's integers are unknown (404), not a crash
from .context import has_role, runtime, username
from .form_views import anchor, field_view, submitted_values

START_PAGE = "the Start work page"  # as the family's access log names it
bp = Blueprint("cases", __name__)

FIRST_CHILD_ROWS = 3
MAX_CHILD_ROWS = 20
SHARED = "Shared sub-processes"
AUTHORITY_ORDER = ("Lincolnshire", "York", "Authority C")


# --- find or add a family ------------------------------------------------------------------------------

@dataclass
class ChildRow:
    name: str = ""
    day: str = ""
    month: str = ""
    year: str = ""


@dataclass
class FamilyForm:
    family_name: str = ""
    rows: list[ChildRow] = field(default_factory=lambda: [ChildRow() for _ in range(FIRST_CHILD_ROWS)])
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls) -> "FamilyForm":
        count = min(max(request.form.get("rows", FIRST_CHILD_ROWS, type=int) or 1, 1), MAX_CHILD_ROWS)
        rows = [ChildRow(*(request.form.get(f"child-{n}-{part}", "").strip()
                           for part in ("name", "dob-day", "dob-month", "dob-year")))
                for n in range(1, count + 1)]
        return cls(request.form.get("family_name", "").strip(), rows)

    def children(self) -> list[cases.Child]:
        """The children typed in, blank rows ignored; fills `errors` (field id -> message) on the way."""
        if not self.family_name:
            self.errors["family_name"] = "Enter the family name"
        elif len(self.family_name) > FAMILY_NAME:
            self.errors["family_name"] = f"The family name must be {FAMILY_NAME} characters or less"
        children = []
        for n, row in enumerate(self.rows, start=1):
            if not (row.name or row.day or row.month or row.year):
                continue
            born = date_of_birth_of(row, f"child-{n}-dob", self.errors)
            if not row.name:
                self.errors[f"child-{n}-name"] = f"Enter the name of child {n}"
            elif len(row.name) > CHILD_NAME:
                self.errors[f"child-{n}-name"] = f"The name of child {n} must be {CHILD_NAME} characters or less"
            children.append(cases.Child(row.name, born))
        if not children and "child-1-name" not in self.errors:
            self.errors["child-1-name"] = "Enter the name of at least one child"
        return children


def date_of_birth_of(row: ChildRow, field_id: str, errors: dict[str, str]) -> date | None:
    parts = {"day": row.day, "month": row.month, "year": row.year}
    if not any(parts.values()):
        return None
    missing = [k for k, v in parts.items() if not v]
    if missing:
        errors[field_id] = f"Date of birth must include a {' and '.join(missing)}"
        return None
    try:
        if len(row.year) != 4:
            raise ValueError
        return date(int(row.year), int(row.month), int(row.day))
    except (ValueError, OverflowError):  # OverflowError: a day or month of twenty digits
        errors[field_id] = "Date of birth must be a real date, for example 14 6 2015"
        return None


@bp.get("/cases")
@login_required
def index():
    return _cases_page(FamilyForm())


@bp.post("/cases")
@login_required
def create():
    form = FamilyForm.from_request()
    if request.form.get("action") == "add-child":
        form.rows.append(ChildRow())
        return _cases_page(form)
    children = form.children()
    if form.errors:
        return _cases_page(form), 422
    is_test = bool(request.form.get("is_test")) and has_role(access.PROCESS_OWNER)
    case = cases.create_case(runtime(), form.family_name, children, username(), is_test=is_test)
    flash(f"The {case.family_name} family has been added. You can start work on it now.", "success")
    return redirect(url_for("cases.start", case_id=case.id))


def _cases_page(form: FamilyForm):
    query = request.args.get("q", "").strip()
    found = case_views.find_cases(runtime(), username(), query)
    return render_template("cases.html", query=query, found=found, form=form, max_rows=MAX_CHILD_ROWS,
                           may_add_test=has_role(access.PROCESS_OWNER),
                           manages=access_log.manages_anyone(runtime(), username()))


# --- start work ----------------------------------------------------------------------------------------

@bp.get(f"/cases/<int(min=1, max={MAX_ID}):case_id>/start")
@login_required
def start(case_id: int):
    return _start_page(records.read_case(runtime(), username(), case_id, START_PAGE), [], None, {})


@bp.post(f"/cases/<int(min=1, max={MAX_ID}):case_id>/start")
@login_required
def start_post(case_id: int):
    case = records.read_case(runtime(), username(), case_id, START_PAGE)
    ticked = [int(v) for v in request.form.getlist("subject") if v.isdigit() and int(v) <= MAX_ID]
    chosen = request.form.get("process_id", "")
    procedures = {e.process_id: e for e in catalogue.catalogue(runtime())}
    errors = {}
    if not ticked:
        errors["subject"] = "Select the children this work is for"
    if chosen not in procedures:
        errors["process_id"] = "Select the procedure to start"
    elif not procedures[chosen].summary.startable:
        errors["process_id"] = (f"{procedures[chosen].summary.title} is started by the procedures that use it, "
                                "not on its own: choose one of those")
    if errors:
        return _start_page(case, ticked, chosen, errors), 422
    already = case_views.running_for(runtime(), case.id, chosen, ticked)
    if already and "start-anyway" not in request.form:
        return _start_page(case, ticked, chosen, {}, already=already)
    entry = procedures[chosen]
    form = instances.start_form(runtime(), chosen).to_json()
    values = submitted_values(form, request.form) if "start-form" in request.form else None
    if form and values is None:  # the procedure asks something before it starts: its start form
        return _start_form_page(case, ticked, entry, form, {}, {})
    try:
        instances.start_work(runtime(), chosen, case.id, username(), ticked, values or {})
    except InvalidInput as exc:
        if "subject" in exc.errors:
            return _start_page(case, ticked, chosen, {"subject": exc.errors["subject"]}), 422
        return _start_form_page(case, ticked, entry, form, values or {}, exc.errors), 422
    names = [s.name for s in case.subjects if s.id in ticked]
    flash(f"{entry.summary.title} has started for {', '.join(names)}.", "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _start_form_page(case: cases.CaseView, ticked: list[int], entry: catalogue.CatalogueEntry,
                     form: list[dict], typed: dict, errors: dict[str, str]):
    chosen = [s for s in case.subjects if s.id in ticked]
    children = [{"id": str(s.id), "label": s.name} for s in chosen]
    fields = [field_view({**f, "children": children if f.get("per_child") else f.get("children", []),
                          "options": children if f.get("picks_children") else f["options"]},
                         typed, errors.get(f["id"])) for f in form]
    return render_template("start_form.html", case=case, ticked=ticked, entry=entry, chosen=chosen,
                           fields=fields, anyway="start-anyway" in request.form, errors=[{"text": reason, "href": "#" + anchor(form, key)}
                                                  for key, reason in errors.items()])


def _start_page(case: cases.CaseView, ticked: list[int], chosen: str | None, errors: dict[str, str],
                already: list[case_views.RunningWork] = ()):
    me = current_user.view
    startable = [e for e in catalogue.catalogue(runtime())
                 if access.starts_in_team(me.teams, me.roles, case.is_test, e.summary.start_lanes)]
    groups = _procedure_groups(startable, me.teams)
    return render_template("start_work.html", case=case, ticked=ticked, chosen=chosen, errors=errors,
                           groups=groups, already=already)


def _procedure_groups(entries: list[catalogue.CatalogueEntry], teams: tuple[str, ...] = ()
                      ) -> list[tuple[str, list[catalogue.CatalogueEntry]]]:
    """The procedures the user may start, by authority: their own authorities first (those whose procedures
    have a lane of theirs), then the others in the library's order, then the shared sub-processes
    (bpmn/shared/), normally reached through a call activity."""
    own = {e.authority for e in entries if set(teams) & set(e.summary.lanes)}
    groups: dict[str, list[catalogue.CatalogueEntry]] = {}
    for entry in entries:
        if not entry.summary.startable:
            continue  # a sub-process only the procedures that call it start
        group = SHARED if Path(entry.source_path).parent.name == "shared" else entry.authority
        groups.setdefault(group, []).append(entry)

    def order(name: str) -> tuple[bool, int, str]:
        rank = AUTHORITY_ORDER.index(name) if name in AUTHORITY_ORDER else len(AUTHORITY_ORDER)
        return (name not in own, rank + (1 if name == SHARED else 0), name)

    return [(name, sorted(groups[name], key=lambda e: e.summary.title)) for name in sorted(groups, key=order)]


# --- the case page -------------------------------------------------------------------------------------

@bp.get(f"/cases/<int(min=1, max={MAX_ID}):case_id>")
@login_required
def show(case_id: int):
    only = case_views.HistoryFilter(_id_arg("work"), _id_arg("child"))
    return render_template("case.html", detail=case_views.case_detail(runtime(), case_id, username(), only),
                           only=only, may_read_log=access_log.may_read_log(runtime(), username(), case_id))


@bp.get(f"/cases/<int(min=1, max={MAX_ID}):case_id>/work/<int(min=1, max={MAX_ID}):instance_id>/diagram")
@login_required
def diagram(case_id: int, instance_id: int):
    """One piece of work's diagram at full size, for a diagram too wide to read in the case page's column."""
    detail = case_views.case_detail(runtime(), case_id, username(), what="a diagram of its work")
    work = next((i for i in detail.instances if i.id == instance_id), None)
    wanted = request.args.get("process", "")
    drawn = next((d for d in (work.diagrams if work else ()) if d.process_id == wanted), None)
    if drawn is None:
        abort(404)
    return render_template("case_diagram.html", detail=detail, work=work, drawn=drawn)


def _id_arg(name: str) -> int | None:
    text = request.args.get(name, "")
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None
