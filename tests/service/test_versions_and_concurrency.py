"""Versions deployed while cases run, and two people completing the same task at once."""

from __future__ import annotations

import shutil
import threading


from bpmnrun.library.bundles import SpecCache
from bpmnrun.service import deploy, instances, queries, tasks, timers
from bpmnrun.service.errors import Conflict
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from tests.support import DIAGRAMS, add_users, deploy_paths, finish, only_task, smith_family


def test_running_case_keeps_its_version_and_new_cases_take_the_newest(rt, tmp_path):
    library = tmp_path / "bpmn"
    library.mkdir()
    diagram = library / "test_gateway.bpmn"
    shutil.copy(DIAGRAMS / "test_gateway.bpmn", diagram)
    assert deploy_paths(rt, library) == {"test_gateway": 1}
    add_users(rt, sam="Social Worker", tina="Team Manager")
    case = smith_family(rt)
    old = instances.start_work(rt, "test_gateway", case.id, "sam")

    diagram.write_text(diagram.read_text().replace('name="Authorise request"', 'name="Authorise the request"'))
    assert [(d.process_id, d.version, d.outcome) for d in deploy.deploy(rt, [library], "owner")] == [
        ("test_gateway", 2, "new")]
    assert [(d.version, d.outcome) for d in deploy.deploy(rt, [library], "owner")] == [(2, "unchanged")]
    new = instances.start_work(rt, "test_gateway", case.id, "sam")

    for instance_id in (old, new):
        finish(rt, instance_id, "Record request", "sam", decision="approve")
    assert only_task(rt, old).name == "Authorise request"
    assert only_task(rt, new).name == "Authorise the request"
    finish(rt, old, "Authorise request", "tina", completed=True)
    assert queries.get_instance(rt, old).version == 1
    assert queries.get_instance(rt, old).end_event == "Request approved"
    assert queries.get_instance(rt, new).version == 2


def test_redeploying_a_called_process_makes_a_new_version_of_its_caller(rt, tmp_path):
    library = tmp_path / "bpmn"
    library.mkdir()
    for name in ("test_call_parent", "test_call_child"):
        shutil.copy(DIAGRAMS / f"{name}.bpmn", library)
    assert deploy_paths(rt, library) == {"test_call_child": 1, "test_call_parent": 1}
    child = library / "test_call_child.bpmn"
    child.write_text(child.read_text().replace('name="Authorised"', 'name="Authorised by manager"'))
    assert deploy_paths(rt, library) == {"test_call_child": 2, "test_call_parent": 2}


def test_concurrent_completions_one_wins_the_other_gets_a_conflict(rt, database_url, clock):
    deploy_paths(rt, DIAGRAMS / "test_gateway.bpmn")
    add_users(rt, sam="Social Worker", sara="Social Worker", tina="Team Manager")
    case = smith_family(rt)
    instance_id = instances.start_work(rt, "test_gateway", case.id, "sam")
    task = only_task(rt, instance_id)

    # Two workers, each with its own connection pool, as two web processes would have.
    runtimes = {who: Runtime(Database(database_url, migrate=False), clock, SpecCache()) for who in ("sam", "sara")}
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def complete(who: str, decision: str) -> None:
        barrier.wait()
        try:
            tasks.complete_task(runtimes[who], task.id, who, {"decision": decision})
            outcomes[who] = "completed"
        except Conflict as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=complete, args=("sam", "approve")),
               threading.Thread(target=complete, args=("sara", "decline"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for r in runtimes.values():
        r.db.dispose()

    winners = [who for who, result in outcomes.items() if result == "completed"]
    assert len(winners) == 1, outcomes
    loser = ({"sam", "sara"} - set(winners)).pop()
    assert outcomes[loser].completed_by == winners[0]
    assert f"already completed by {winners[0]}" in str(outcomes[loser])
    expected_end = {"sam": None, "sara": "Request declined"}[winners[0]]
    info = queries.get_instance(rt, instance_id)
    assert info.end_event == expected_end
    completed = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "task_completed"]
    assert [e.actor for e in completed] == winners


def test_two_timer_workers_fire_each_timer_once(rt, database_url, clock):
    deploy_paths(rt, DIAGRAMS / "test_timers.bpmn")
    add_users(rt, sam="Social Worker")
    case = smith_family(rt)
    started = []
    for _ in range(6):
        instance_id = instances.start_work(rt, "test_timers", case.id, "sam")
        finish(rt, instance_id, "Bring request to the meeting", "sam", completed_on="2025-06-02")
        started.append(instance_id)
    clock.advance(days=8)

    workers = [Runtime(Database(database_url, migrate=False), clock, SpecCache()) for _ in range(2)]
    moved: list[int] = []
    barrier = threading.Barrier(2)

    def work(runtime: Runtime) -> None:
        barrier.wait()
        moved.append(timers.fire_due_timers(runtime))

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.db.dispose()

    assert sum(moved) == len(started)
    for instance_id in started:
        fired = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "timer_fired"]
        assert len(fired) == 1
        assert only_task(rt, instance_id).name == "Discuss at the meeting"
