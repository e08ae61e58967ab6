"""The demo data `make run` seeds: a user for every lane, families with work under way that those users can
pick up, and nothing added twice."""

from __future__ import annotations

from sqlalchemy import func, select

from bpmnrun.service import demo, queries
from bpmnrun.store.models import Case, Instance, Task, User
from tests.support import LIBRARY


def test_demo_work_is_in_the_lists_of_real_demo_users_and_seeding_again_adds_nothing(rt):
    first = demo.seed(rt, LIBRARY)
    assert first.created_cases == 3 and any(u.username == demo.PROCESS_OWNER for u in first.users)
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
