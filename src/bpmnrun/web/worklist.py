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
    shown = queries.worklist(runtime(), username(), wanted, request.args.get("page", 1, type=int), PAGE_SIZE,
                             after=_place("after"), before=_place("before"))
    return render_template(
        "worklist.html", tasks=shown.tasks, total=shown.total, pagination=_pagination(shown),
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


def _place(name: str) -> str | None:
    """An inbox place from a Previous or Next link (a sort key: dates, case work and position)."""
    value = request.args.get(name, "")
    return value if 0 < len(value) <= 80 else None


def _pagination(shown: queries.Worklist) -> dict | None:
    """GOV.UK pagination for the current filters, or None for a single page. Previous and Next go from the
    page's first or last task (so a page deep in a long inbox costs what the first does); numbered pages are
    offered while the list is counted exactly."""
    if not (shown.more_before or shown.more_after):
        return None

    def href(n: int, **place: str | None) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("after", "before")}
        return url_for("worklist.index", **{**args, "page": n, **{k: v for k, v in place.items() if v}})

    page = shown.page
    previous = {"href": href(page - 1, before=shown.first_place if page > 2 else None)} if shown.more_before else None
    following = {"href": href(page + 1, after=shown.last_place)} if shown.more_after else None
    if not shown.pages:  # more tasks than are counted: Previous and Next alone, saying which page they lead to
        return {"previous": previous and {**previous, "labelText": f"Page {page - 1}"},
                "next": following and {**following, "labelText": f"Page {page + 1}"}}
    return {"previous": previous, "next": following,
            "items": [{"ellipsis": True} if n is None else {"number": n, "href": href(n), "current": n == page}
                      for n in _page_numbers(page, shown.pages)]}


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
