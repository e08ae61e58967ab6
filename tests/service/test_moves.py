"""Moving running cases to another version: stuck cases moved to a fixed version keep their history and complete;
a case waiting at a step the new version lacks is refused unless mapped; open tasks, inboxes and timers follow;
per-child work and called processes move too; a move racing a completion never loses either."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bpmnrun.library.bundles import SpecCache
from bpmnrun.service import incident_retry, incidents, instances, moves, queries, tasks, timers
from bpmnrun.service.errors import Conflict, InvalidInput, NotFound
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Event, Instance, Task, TaskTeam, Timer
from tests.service.change_support import (PROCESS, V1, V2, Library, stuck_at_completion, stuck_at_timer,
                                          team_of_v1, waiting_at_timer)
from tests.support import DIAGRAMS, actions, add_users, finish, instance_data, only_task, open_tasks, smith_family


def _version(rt, instance_id: int) -> int:
    return queries.get_instance(rt, instance_id).version


def test_stuck_cases_move_to_the_fixed_version_keep_their_history_and_complete(rt, clock, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    at_task, task_id = stuck_at_completion(rt, case.id)
    at_timer = stuck_at_timer(rt, clock, case.id)
    history_before = {i: actions(rt, i) for i in (at_task, at_timer)}
    assert len(incidents.list_incidents(rt)) == 2

    library.deploy(V2)
    preview = moves.preview(rt, PROCESS, 2)
    assert [(c.instance_id, c.movable, c.from_version) for c in preview.cases] == [(at_task, True, 1), (at_timer, True, 1)]
    assert [w.element_id for w in preview.cases[0].waits] == ["Record"]
    assert [(w.element_id, w.kind) for w in preview.cases[1].waits] == [("Wait", "timer")]
    assert _version(rt, at_task) == 1  # a preview changes nothing

    seen = []
    run = moves.move_cases(rt, PROCESS, 2, "owner", progress=seen.append)
    assert [(c.instance_id, c.outcome) for c in run.cases] == [(at_task, "moved"), (at_timer, "moved")] == \
        [(c.instance_id, c.outcome) for c in seen]
    for instance_id in (at_task, at_timer):
        assert _version(rt, instance_id) == 2
        after = actions(rt, instance_id)
        assert after[:len(history_before[instance_id])] == history_before[instance_id]  # history intact
        moved = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "moved_to_version"]
        assert [(e.actor, e.detail["from_version"], e.detail["to_version"]) for e in moved] == [("owner", 1, 2)]

    # The timer case went on at once: its due timer fired on the fixed version and its incident is resolved.
    assert only_task(rt, at_timer).name == "Review the family's request"
    timer_incident = [i for i in incidents.list_incidents(rt, open_only=False) if i.action == "fire_timers"][0]
    assert timer_incident.resolved and "moved to version 2" in timer_incident.resolution

    # The completion is retried as the caseworker, with the answers kept from the failed attempt.
    [open_one] = incidents.list_incidents(rt)
    outcome = incident_retry.retry(rt, open_one.id, "owner")
    assert outcome.succeeded, outcome.message
    completed = [e for e in queries.history(rt, instance_id=at_task) if e.action == "task_completed"]
    assert [(e.actor, e.detail["data"]["family_size"]) for e in completed] == [("sam", 1)]
    assert incidents.list_incidents(rt) == []

    clock.advance(days=1, hours=1)
    timers.fire_due_timers(rt)
    for instance_id in (at_task, at_timer):
        finish(rt, instance_id, "Review the family's request", "sam", outcome="referred")
        info = queries.get_instance(rt, instance_id)
        assert (info.status, info.end_event, info.version) == ("completed", "Request reviewed", 2)


def test_a_case_at_a_step_the_new_version_lacks_is_refused_unless_mapped(rt, clock, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    at_plan = waiting_at_timer(rt, case.id, 3)
    clock.advance(days=1, hours=1)
    timers.fire_due_timers(rt)
    assert only_task(rt, at_plan).name == "Plan for a large family"
    library.deploy(V2)

    [case_move] = moves.preview(rt, PROCESS, 2).cases
    assert not case_move.movable
    assert case_move.reasons == ("it waits at 'Plan for a large family' (Plan), which version 2 does not have; "
                                 "map it to the element in its place: Plan=Agree",)
    assert case_move.blocked_at == (("Plan", "Plan for a large family", "Agree"),)
    [refused] = moves.move_cases(rt, PROCESS, 2, "owner").cases
    assert refused.outcome == "refused" and _version(rt, at_plan) == 1

    with pytest.raises(InvalidInput, match="version 2 has no element 'Nowhere'"):
        moves.move_cases(rt, PROCESS, 2, "owner", mapping={"Plan": "Nowhere"})
    with pytest.raises(InvalidInput, match="no case being moved is on a version with an element 'Nope'"):
        moves.preview(rt, PROCESS, 2, mapping={"Nope": "Agree"})

    task_id = only_task(rt, at_plan).id
    [moved] = moves.move_cases(rt, PROCESS, 2, "owner", mapping={"Plan": "Agree"}).cases
    assert moved.outcome == "moved"
    row = only_task(rt, at_plan)
    assert (row.id, row.name, row.lane, row.teams) == (task_id, "Agree the plan", "Senior Manager", ("Senior Manager",))
    with rt.reading() as session:
        assert session.get(Task, task_id).bpmn_id == "Agree"
        assert set(session.scalars(select(TaskTeam.team).where(TaskTeam.task_id == task_id))) == {"Senior Manager"}
    add_users(rt, sue="Senior Manager")
    finish(rt, at_plan, "Agree the plan", "sue", plan="Family group conference")
    assert queries.get_instance(rt, at_plan).end_event == "Plan agreed"


def test_a_move_keeps_time_limits_and_leaves_cases_on_the_version_alone(rt, clock, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    at_review = waiting_at_timer(rt, case.id, 1)
    clock.advance(days=1, hours=1)
    timers.fire_due_timers(rt)
    with rt.reading() as session:
        (due,) = session.scalars(select(Timer.due_at).where(Timer.instance_id == at_review)).all()
    library.deploy(V2)
    on_two = instances.start_work(rt, PROCESS, case.id, "sam")
    clock.advance(days=2)  # a "P5D" limit recomputed now would end two days later

    run = moves.move_cases(rt, PROCESS, 2, "owner")
    assert [c.instance_id for c in run.cases] == [at_review]  # the case already on version 2 is not touched
    with rt.reading() as session:
        rows = session.scalars(select(Timer).where(Timer.instance_id == at_review)).all()
        assert [(r.due_at, r.name) for r in rows] == [(due, "5 days passed")]
    assert only_task(rt, at_review).name == "Review the family's request"
    assert _version(rt, on_two) == 2
    with pytest.raises(NotFound, match="has no version 9"):
        moves.preview(rt, PROCESS, 9)
    with pytest.raises(InvalidInput, match=f"case work {on_two} is not running on another version"):
        moves.move_cases(rt, PROCESS, 2, "owner", instance_ids=[on_two])


def test_per_child_work_moves_mid_way_and_each_child_keeps_its_record(rt, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    source = DIAGRAMS / "test_move_children.bpmn"
    library.deploy(source)
    add_users(rt, sam="Social Worker")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_move_children", case.id, "sam")
    first, *rest = open_tasks(rt, instance_id)
    tasks.complete_task(rt, first.id, "sam", {"closure_note": f"closed for {first.subject_name}"})

    library.deploy(source, replace=('label="Closure note"', 'label="Why the case closes"'))
    [moved] = moves.move_cases(rt, "test_move_children", 2, "owner").cases
    assert moved.outcome == "moved"
    left = open_tasks(rt, instance_id)
    assert sorted(t.id for t in left) == sorted(t.id for t in rest)
    assert {t.subject_name for t in left} == {t.subject_name for t in rest}
    for task in left:
        assert queries.get_task(rt, task.id, "sam").form[0]["label"] == "Why the case closes"
        tasks.complete_task(rt, task.id, "sam", {"closure_note": f"closed for {task.subject_name}"})
    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event) == ("completed", "Records made")
    children = instance_data(rt, instance_id)["subjects"]
    assert len(children) == 3
    assert all(c["closure_note"] == f"closed for {c['name']}" for c in children)


def test_a_case_inside_a_called_process_moves_with_its_caller(rt, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.put(DIAGRAMS / "test_call_child.bpmn")
    library.deploy(DIAGRAMS / "test_call_parent.bpmn")
    add_users(rt, ella="Early Help Manager", mo="Manager (authoriser)")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_call_parent", case.id, "ella")
    finish(rt, instance_id, "Record decision", "ella", authoriser="mo")
    inside = only_task(rt, instance_id)
    assert (inside.process_id, inside.assignee) == ("test_call_child", "mo")

    deployed = library.deploy(DIAGRAMS / "test_call_child.bpmn",
                              replace=('name="CS Manager: Please review and authorise"', 'name="Review and authorise"'))
    assert deployed == {"test_call_child": 2, "test_call_parent": 2}
    [moved] = moves.move_cases(rt, "test_call_parent", 2, "owner").cases
    assert moved.outcome == "moved", moved
    row = only_task(rt, instance_id)
    assert (row.id, row.name, row.assignee) == (inside.id, "Review and authorise", "mo")
    finish(rt, instance_id, "Review and authorise", "mo", completed="true")
    finish(rt, instance_id, "Plan and review", "ella", done="yes")
    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event, info.version) == ("completed", "Decision authorised", 2)


def test_a_move_racing_a_completion_never_loses_either(rt, database_url, clock, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    started = [instances.start_work(rt, PROCESS, case.id, "sam") for _ in range(3)]
    library.deploy(V2)
    # Three rounds, each a case on version 1 whose Record request is finished while it is moved.
    for round_, instance_id in enumerate(started):
        task = only_task(rt, instance_id)
        with rt.reading() as session:
            revision = session.get(Instance, instance_id).revision
        workers = [Runtime(Database(database_url, migrate=False), clock, SpecCache()) for _ in range(2)]
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def complete() -> None:
            barrier.wait()
            try:
                tasks.complete_task(workers[0], task.id, "sam", {"family_size": "1", "review_on": "2025-06-02"})
                outcome["complete"] = "ok"
            except Conflict as exc:
                outcome["complete"] = exc

        def move() -> None:
            barrier.wait()
            [result] = moves.move_cases(workers[1], PROCESS, 2, "owner", instance_ids=[instance_id]).cases or [None]
            outcome["move"] = result.outcome if result is not None else "gone"

        threads = [threading.Thread(target=complete), threading.Thread(target=move)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        for w in workers:
            w.db.dispose()

        completed, moved = outcome["complete"] == "ok", outcome["move"] == "moved"
        assert completed or moved, outcome
        with rt.reading() as session:
            instance = session.get(Instance, instance_id)
            events = [e.action for e in session.scalars(select(Event).where(Event.instance_id == instance_id)
                                                         .order_by(Event.id))]
            # Every success bumped the revision once: nothing was written over.
            assert instance.revision == revision + completed + moved, (round_, outcome)
            assert events.count("task_completed") == completed and events.count("moved_to_version") == moved
            moved_revisions = [e.detail["revision"] for e in session.scalars(select(Event).where(
                Event.instance_id == instance_id, Event.action == "moved_to_version"))]
        if moved:
            assert _version(rt, instance_id) == 2
        if moved and completed:
            # One after the other, each on the revision the other left: the move read the first revision only if
            # it came first (the completion then finished the task on version 2), else the completion's.
            move_first = events.index("moved_to_version") < events.index("task_completed")
            assert moved_revisions == [revision if move_first else revision + 1], (events, moved_revisions)
        if completed:
            assert instance_data(rt, instance_id)["family_size"] == 1
        else:
            assert isinstance(outcome["complete"], Conflict)
            assert "changed by someone else at the same moment" in str(outcome["complete"])
        if not moved:
            assert outcome["move"] == "conflict", outcome



@pytest.mark.parametrize("first", ["move", "completion"])
def test_whichever_commits_second_on_the_same_revision_gets_a_conflict(rt, database_url, clock, tmp_path,
                                                                        monkeypatch, first):
    """The other one commits between this one's read and its write: this one must not write over it."""
    if rt.db.is_sqlite:
        pytest.skip("SQLite runs one writing transaction at a time: nothing can commit between a read and a write")
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    instance_id = instances.start_work(rt, PROCESS, case.id, "sam")
    task = only_task(rt, instance_id)
    library.deploy(V2)
    workers = [Runtime(Database(database_url, migrate=False), clock, SpecCache()) for _ in range(2)]
    read, other_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}
    # The second one pauses after reading the case until the first has committed.
    owner = tasks.engine if first == "move" else moves.migration
    name = "complete" if first == "move" else "migrate"
    monkeypatch.setattr(owner, name, _pausing(getattr(owner, name), read, other_done))

    def complete() -> None:
        if first == "completion":
            read.wait(30)
        try:
            tasks.complete_task(workers[0], task.id, "sam", {"family_size": "1", "review_on": "2025-06-02"})
            outcome["complete"] = "ok"
        except Conflict as exc:
            outcome["complete"] = exc
        if first == "completion":
            other_done.set()

    def move() -> None:
        if first == "move":
            read.wait(30)
        [result] = moves.move_cases(workers[1], PROCESS, 2, "owner", instance_ids=[instance_id]).cases
        outcome["move"] = result.outcome
        if first == "move":
            other_done.set()

    threads = [threading.Thread(target=complete), threading.Thread(target=move)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.db.dispose()

    if first == "move":
        assert outcome["move"] == "moved" and isinstance(outcome["complete"], Conflict), outcome
        assert only_task(rt, instance_id).state == "ready"  # open again on version 2, to be finished there
        assert _version(rt, instance_id) == 2
    else:
        assert outcome["complete"] == "ok" and outcome["move"] == "conflict", outcome
        assert _version(rt, instance_id) == 1 and instance_data(rt, instance_id)["family_size"] == 1


def _pausing(step, read: threading.Event, go_on: threading.Event):
    """`step`, run only once `go_on` is set; `read` is set when it is reached (the case has been read)."""
    def paused(*args, **kwargs):
        read.set()
        go_on.wait(30)
        return step(*args, **kwargs)
    return paused
