"""A task list read page by page from the inbox index: Next and Previous go from a page's last or first task
(keyset), numbered pages and the lists' counts stop at inbox.COUNT_BOUND, and "Mine and my teams'" merged from
each team's inbox and the tasks the worker holds is the list read in one go."""

from __future__ import annotations

from datetime import datetime

from bpmnrun.clock import LONDON
from bpmnrun.service import inbox, instances, queries, tasks, timers
from bpmnrun.service.queries import TaskFilter
from tests.support import DIAGRAMS, add_users, deploy_paths, finish, smith_family

TEAM, MEETING = "Social Worker", "Weekly meeting"
SIZE = 4


def _many_tasks(rt, clock) -> None:
    """17 tasks in the social workers' inbox (3 held by sam), 6 in the weekly meeting's."""
    deploy_paths(rt, DIAGRAMS / "test_timers.bpmn")
    add_users(rt, sam=[TEAM, MEETING], ann=TEAM)
    case = smith_family(rt)
    clock.set(datetime(2025, 4, 14, 9, 0, tzinfo=LONDON))
    started = []
    for _ in range(23):
        clock.advance(minutes=7)
        started.append(instances.start_work(rt, "test_timers", case.id, "sam"))
    for iid in started[::4]:
        finish(rt, iid, "Bring request to the meeting", "sam", completed_on="2025-04-23")
    clock.set(datetime(2025, 4, 22, 10, 1, tzinfo=LONDON))
    timers.fire_due_timers(rt)
    for task in queries.list_tasks(rt, "sam", team=TEAM)[2:11:3]:
        tasks.claim(rt, task.id, "sam")


def _walk(rt, wanted: TaskFilter) -> tuple[list[list[str]], queries.Worklist]:
    """Every page by Next from the first; returns the pages and the last page's worklist."""
    shown = queries.worklist(rt, "sam", wanted, 1, SIZE)
    pages = [[t.id for t in shown.tasks]]
    while shown.more_after:
        shown = queries.worklist(rt, "sam", wanted, shown.page + 1, SIZE, after=shown.last_place)
        pages.append([t.id for t in shown.tasks])
    return pages, shown


def test_next_and_previous_walk_the_same_pages_as_the_numbered_ones(rt, clock):
    _many_tasks(rt, clock)
    for wanted in (TaskFilter(team=TEAM), TaskFilter(), TaskFilter(team=MEETING)):
        whole = [t.id for t in queries.list_tasks(rt, "sam", team=wanted.team)]  # one read, by due date
        pages, last = _walk(rt, wanted)
        numbered = [[t.id for t in queries.worklist(rt, "sam", wanted, n, SIZE).tasks]
                    for n in range(1, len(pages) + 1)]
        assert pages == numbered and sum(pages, []) == whole, wanted
        assert len(set(sum(pages, []))) == len(whole)  # a held task in sam's team is listed once
        back = [[t.id for t in last.tasks]]
        shown = last
        while shown.more_before:
            shown = queries.worklist(rt, "sam", wanted, shown.page - 1, SIZE, before=shown.first_place)
            back.append([t.id for t in shown.tasks])
        assert back[::-1] == pages, wanted
    counts = queries.worklist(rt, "sam", TaskFilter(), 1, SIZE)
    assert (counts.total, counts.per_team, counts.mine) == (23, {TEAM: 17, MEETING: 6}, 3)


def test_counts_stop_at_the_bound_and_the_pages_then_go_by_next_and_previous(rt, clock, monkeypatch):
    _many_tasks(rt, clock)
    monkeypatch.setattr(inbox, "COUNT_BOUND", 10)
    shown = queries.worklist(rt, "sam", TaskFilter(team=TEAM), 1, SIZE)
    assert (shown.total, shown.pages, shown.per_team) == (11, None, {TEAM: 11, MEETING: 6})
    assert queries.worklist(rt, "sam", TaskFilter(), 1, SIZE).total == 11  # one of its inboxes is over the bound
    assert queries.worklist(rt, "sam", TaskFilter(team=MEETING), 1, SIZE).total == 6
    pages, _ = _walk(rt, TaskFilter(team=TEAM))
    assert sum(pages, []) == [t.id for t in queries.list_tasks(rt, "sam", team=TEAM)]  # all 17, past the bound
    # A numbered page is reached by an offset no further than the bound: page 99 is the one at the bound.
    assert queries.worklist(rt, "sam", TaskFilter(team=TEAM), 99, SIZE).page == 10 // SIZE + 1
