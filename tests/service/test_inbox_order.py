"""A team's inbox is read in the order of its index (task_team.sort_key): due date first (no date last), then
when the task became ready; the same order as the mixed list of mine and my teams' tasks, page by page."""

from __future__ import annotations

from datetime import datetime

from bpmnrun.clock import LONDON
from bpmnrun.service import instances, queries, timers
from bpmnrun.service.queries import TaskFilter
from bpmnrun.store.models import inbox_sort_key
from tests.support import DIAGRAMS, add_users, deploy_paths, finish, smith_family

TEAM = "Social Worker"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_inbox_key_sorts_by_due_date_with_none_last_then_created_then_position():
    early, late = local(2025, 4, 28, 23, 59), local(2025, 5, 6, 23, 59)
    keys = [inbox_sort_key(None, local(2025, 4, 1, 9), 1, 1), inbox_sort_key(late, local(2025, 4, 2, 9), 9, 1),
            inbox_sort_key(early, local(2025, 4, 3, 9), 2, 2), inbox_sort_key(early, local(2025, 4, 3, 9), 2, 1)]
    assert sorted(keys) == [keys[3], keys[2], keys[1], keys[0]]


def test_a_team_inbox_pages_in_due_date_order_and_agrees_with_the_mixed_list(rt, clock):
    deploy_paths(rt, DIAGRAMS / "test_timers.bpmn")
    add_users(rt, sam=TEAM, wendy="Weekly meeting")
    case = smith_family(rt)
    clock.set(local(2025, 4, 14, 9, 0))
    waiting = instances.start_work(rt, "test_timers", case.id, "sam")  # no due date, the oldest
    handovers = {}
    for completed_on in ("2025-04-23", "2025-04-17"):
        clock.advance(hours=1)
        iid = instances.start_work(rt, "test_timers", case.id, "sam")
        finish(rt, iid, "Bring request to the meeting", "sam", completed_on=completed_on)
        handovers[completed_on] = iid
    clock.set(local(2025, 4, 22, 10, 1))
    timers.fire_due_timers(rt)
    for iid in handovers.values():
        finish(rt, iid, "Discuss at the meeting", "wendy", agreed="true")
    clock.advance(hours=1)
    newest = instances.start_work(rt, "test_timers", case.id, "sam")  # no due date, the newest

    inbox = queries.list_tasks(rt, "sam", team=TEAM)
    assert [t.instance_id for t in inbox] == [handovers["2025-04-17"], handovers["2025-04-23"], waiting, newest]
    assert [t.instance_id for t in queries.list_tasks(rt, "sam")] == [t.instance_id for t in inbox]
    pages = [queries.list_tasks(rt, "sam", team=TEAM, limit=3, offset=o) for o in (0, 3)]
    assert [t.id for page in pages for t in page] == [t.id for t in inbox]
    for wanted in (TaskFilter(team=TEAM), TaskFilter()):  # the team's inbox, and mine and my teams'
        assert [t.id for t in _followed(rt, wanted, 3)] == [t.id for t in inbox]
    assert (queries.task_slice(rt, "sam", TaskFilter(team=TEAM), 2).total, _followed(rt, TaskFilter(team=TEAM), 4)) \
        == (4, inbox)

    clock.set(local(2025, 4, 29, 0, 0))  # the first handover is now overdue
    timers.fire_due_timers(rt)
    overdue = queries.task_slice(rt, "sam", TaskFilter(team=TEAM, overdue=True), 10)
    assert ([t.instance_id for t in overdue.tasks], overdue.total, overdue.next) == ([handovers["2025-04-17"]], 1, None)
    other = queries.task_slice(rt, "sam", TaskFilter(team=TEAM, process_id="york_step_up"), 10)
    assert (other.tasks, other.total, other.exact) == ([], 0, True)


def _followed(rt, wanted: TaskFilter, limit: int) -> list:
    """Every task of a list, read `limit` at a time by following each answer's `next`."""
    found, cursor = [], None
    while True:
        listed = queries.task_slice(rt, "sam", wanted, limit, cursor=cursor)
        assert len(listed.tasks) <= limit
        found.extend(listed.tasks)
        if listed.next is None:
            return found
        assert queries.is_cursor(listed.next, wanted)
        cursor = listed.next
