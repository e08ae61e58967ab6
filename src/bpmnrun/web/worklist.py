"""The task list: my tasks and an inbox per team of mine, with claim, release and Pass to Worker."""

from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..service import catalogue, queries, tasks
from ..service.queries import TaskFilter
from .context import runtime, username

bp = Blueprint("worklist", __name__)
PAGE_SIZE = 25


@bp.get("/")
@login_required
def index():
    me = current_user.view
    view = request.args.get("view", "mine" if not me.teams else "all")
    team = request.args.get("team") or None
    wanted = TaskFilter(team=team if view == "team" else None, mine=view == "mine",
                        process_id=request.args.get("process") or None, overdue=request.args.get("overdue") == "1",
                        child=request.args.get("child", "").strip()[:100] or None)
    shown = queries.worklist(runtime(), username(), wanted, request.args.get("page", 1, type=int), PAGE_SIZE)
    return render_template(
        "worklist.html", tasks=shown.tasks, total=shown.total, pagination=_pagination(shown.page, shown.pages),
        view=view, team=team, counts={"mine": shown.mine, **shown.per_team}, wanted=wanted,
        processes=procedures_for(me.teams),
    )


def procedures_for(teams: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(process id, title, authority) of the procedures a worker may start or meet: those of the authorities
    whose procedures have a lane (or candidate team) of theirs come first; sub-processes that only other
    procedures start are left out (their tasks belong to the procedure that called them)."""
    entries = [e for e in catalogue.catalogue(runtime()) if e.summary.startable]
    mine = set(teams)
    own = {e.authority for e in entries
           if mine & (set(e.summary.lanes) | {g for t in e.summary.user_tasks for g in t.candidate_groups})}
    ordered = sorted(entries, key=lambda e: (e.authority not in own, e.authority, e.summary.title))
    return [(e.process_id, e.summary.title, e.authority) for e in ordered]


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    tasks.claim(runtime(), task_id, username())
    flash("The task is now in your list.", "success")
    return _back()


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    tasks.unclaim(runtime(), task_id, username())
    flash("The task is back in the team's inbox.", "success")
    return _back()


@bp.post("/tasks/<task_id>/pass")
@login_required
def pass_to_worker(task_id: str):
    worker = request.form.get("worker", "").strip()
    tasks.pass_to_worker(runtime(), task_id, username(), worker)
    flash(f"The task has been passed to {worker}.", "success")
    return _back()


def _pagination(page: int, pages: int) -> dict | None:
    """GOV.UK pagination for the current filters, or None for a single page."""
    if pages <= 1:
        return None

    def href(n: int) -> str:
        return url_for("worklist.index", **{**request.args.to_dict(), "page": n})

    return {
        "previous": {"href": href(page - 1)} if page > 1 else None,
        "next": {"href": href(page + 1)} if page < pages else None,
        "items": [{"ellipsis": True} if n is None else {"number": n, "href": href(n), "current": n == page}
                  for n in _page_numbers(page, pages)],
    }


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """GOV.UK's pattern: the first, the last and the pages around this one; None marks a gap (…)."""
    shown = sorted({1, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def _back():
    target = request.form.get("back", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("worklist.index"))
