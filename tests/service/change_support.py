"""Helpers for the incident, move and impact tests: a library folder holding one version of test_change at a time,
and cases stuck at each of version 1's two bugs."""

from __future__ import annotations

from pathlib import Path

from bpmnrun.service import incidents, instances, tasks, timers
from bpmnrun.service.runtime import Runtime
from tests.support import DIAGRAMS, add_users, deploy_paths, only_task, smith_family

V1 = DIAGRAMS / "change_v1" / "test_change.bpmn"
V2 = DIAGRAMS / "change_v2" / "test_change.bpmn"
PROCESS = "test_change"


class Library:
    """A bpmn/ folder of one's own: put a version of a diagram in it and deploy."""

    def __init__(self, rt: Runtime, folder: Path) -> None:
        self.rt, self.folder = rt, folder
        folder.mkdir(exist_ok=True)

    def put(self, source: Path, replace: tuple[str, str] | None = None) -> Path:
        target = self.folder / source.name
        text = source.read_text(encoding="utf-8")
        if replace:
            assert replace[0] in text, replace[0]
            text = text.replace(*replace)
        target.write_text(text, encoding="utf-8")
        return target

    def deploy(self, source: Path, replace: tuple[str, str] | None = None) -> dict:
        self.put(source, replace)
        return deploy_paths(self.rt, self.folder)


def team_of_v1(rt: Runtime):
    """Users of version 1's lanes and the Smith family."""
    add_users(rt, sam="Social Worker", tina="Team Manager")
    return smith_family(rt)


def stuck_at_completion(rt: Runtime, case_id: int) -> tuple[int, str]:
    """A case whose Record request cannot be finished on version 1 (no review date: its timer fails)."""
    instance_id = instances.start_work(rt, PROCESS, case_id, "sam")
    task = only_task(rt, instance_id)
    try:
        tasks.complete_task(rt, task.id, "sam", {"family_size": "1"})
    except incidents.NeedsAttention:
        pass
    else:
        raise AssertionError("version 1 should fail here")
    return instance_id, task.id


def waiting_at_timer(rt: Runtime, case_id: int, family_size: int) -> int:
    """A case past Record request, waiting for its review date (tomorrow)."""
    instance_id = instances.start_work(rt, PROCESS, case_id, "sam")
    tasks.complete_task(rt, only_task(rt, instance_id).id, "sam",
                        {"family_size": str(family_size), "review_on": rt.now().date().isoformat()})
    return instance_id


def stuck_at_timer(rt: Runtime, clock, case_id: int) -> int:
    """A case of two children whose review date came: the gateway after it has no condition for two."""
    instance_id = waiting_at_timer(rt, case_id, 2)
    clock.advance(days=1, hours=1)
    assert timers.fire_due_timers(rt) == 0
    return instance_id

