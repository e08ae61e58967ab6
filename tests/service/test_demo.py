"""The demo data `make run` seeds: a user for every team, every procedure under way for some family (in the
middle, not just started), work those users can pick up, and nothing added twice."""

from __future__ import annotations

from sqlalchemy import func, select

from bpmnrun.service import catalogue, demo, queries
from bpmnrun.store.models import Case, Instance, Task, User
from tests.support import LIBRARY


def test_demo_work_is_in_the_lists_of_real_demo_users_and_seeding_again_adds_nothing(rt):
    first = demo.seed(rt, LIBRARY)
    assert first.created_cases == len(demo.FAMILIES) and any(u.username == demo.PROCESS_OWNER for u in first.users)
    with rt.reading() as session:
        usernames = set(session.scalars(select(User.username)))
        open_tasks = session.execute(select(Task.id, Task.name, Task.lane, Task.assignee)
                                     .where(Task.state == "ready")).all()
        counts = (session.scalar(select(func.count()).select_from(Case)),
                  session.scalar(select(func.count()).select_from(Instance)))
    assert open_tasks
    for task in open_tasks:
        if task.assignee:  # assigned by the diagram from a demo answer: a user who can open it
            assert task.assignee in usernames, (task.name, task.assignee)
            assert task.id in {t.id for t in queries.list_tasks(rt, task.assignee, mine=True)}
        else:
            lane_user = demo.username_for(task.lane)
            assert task.id in {t.id for t in queries.list_tasks(rt, lane_user)}, (task.name, lane_user)

    again = demo.seed(rt, LIBRARY)
    assert again.created_cases == 0 and all(not d.new for d in again.deployed)
    with rt.reading() as session:
        assert (session.scalar(select(func.count()).select_from(Case)),
                session.scalar(select(func.count()).select_from(Instance))) == counts


def test_every_procedure_is_in_the_middle_for_some_demo_family(rt):
    demo.seed(rt, LIBRARY)
    startable = {e.process_id for e in catalogue.catalogue(rt) if e.summary.startable}
    with rt.reading() as session:
        work = session.execute(select(Instance.id, Instance.process_id, Instance.status, Instance.timer_count)).all()
        done = {i for (i,) in session.execute(select(Task.instance_id).where(Task.state == "completed"))}
    by_process = {w.process_id: w for w in work}
    assert set(by_process) == startable == {w.process_id for w in demo.WALKS}
    for w in work:
        assert w.status == "running", w.process_id
        # In the middle: some step finished, or waiting for its time to come (a meeting, a birthday).
        assert w.id in done or w.timer_count, w.process_id


def test_every_demo_walk_goes_on_to_an_end(rt, clock):
    """The demo's answers are good all the way: each walk, driven on, reaches one of its procedure's ends."""
    demo.seed_users_and_library(rt, LIBRARY)
    reached = {}
    for walk in demo.WALKS:
        instance_id = demo.start_walk(rt, walk, demo.family(rt, walk.family, demo.starter(rt, walk.process_id)))
        demo.walk_on(rt, walk, instance_id, None, clock=clock)
        info = queries.get_instance(rt, instance_id)
        ends = {e.name for e in queries.history(rt, instance_id=instance_id) if e.action == "end_event"}
        reached[walk.process_id] = info.status == "completed" and info.end_event in ends
    assert [pid for pid, ok in reached.items() if not ok] == []
