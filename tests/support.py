"""Small helpers shared by service and scenario tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from bpmnrun.service import cases, deploy, instances, queries, tasks, users
from bpmnrun.service.queries import TaskView
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.models import AccessGrant, Case, User

DIAGRAMS = Path(__file__).parent / "diagrams"
LIBRARY = Path(__file__).parent.parent / "bpmn"

SMITH_CHILDREN = [
    cases.Child("Johnny Smith", date(2020, 9, 3)),
    cases.Child("Josie Smith", date(2015, 6, 14)),
    cases.Child("Joy Smith", date(2022, 10, 3)),
]


def deploy_paths(rt: Runtime, *paths: Path | str) -> dict[str, int]:
    return {d.process_id: d.version for d in deploy.deploy(rt, [str(p) for p in paths], "process owner")}


def add_users(rt: Runtime, **teams_by_user: str | list[str]) -> None:
    for name, teams in teams_by_user.items():
        users.add_user(rt, name, [teams] if isinstance(teams, str) else list(teams))


def smith_family(rt: Runtime, outsiders: tuple[str, ...] = ()) -> cases.CaseView:
    """The Smith family, open to every user there is but the outsiders (see open_to_everyone)."""
    return open_to_everyone(rt, cases.create_case(rt, "Smith", SMITH_CHILDREN, "admin"), outsiders)


def open_to_everyone(rt: Runtime, case: cases.CaseView, outsiders: tuple[str, ...] = ()) -> cases.CaseView:
    """Let every user there is (but the outsiders) see the family, as if each had work with it. Scenario and page
    tests exercise the procedures and pages, not who may see a family: that is tests/service/test_access.py's and
    tests/web/test_authorisation_matrix.py's. (A grant that never lapses, written as fixture data.)"""
    with rt.transaction() as session:
        for name in session.scalars(select(User.username).where(User.username.not_in(outsiders))):
            session.add(AccessGrant(case_id=case.id, username=name, reason="test fixture", granted_at=rt.now(),
                                    expires_at=NEVER, reported_to=None))
    return case


NEVER = datetime(9999, 12, 31)


def start_with_status(rt: Runtime, process_id: str, case_id: int, actor: str, subject_ids: list[int],
                      data: dict) -> int:
    """Start work with start data, where a `case_status` in it is the family's recorded Case Status (as an earlier
    piece of work would have left it: start data may not set it)."""
    data = dict(data)
    if "case_status" in data:
        with rt.transaction() as session:
            session.get(Case, case_id).case_status = data.pop("case_status")
    return instances.start_work(rt, process_id, case_id, actor, subject_ids, data)


def subject_ids(case: cases.CaseView, *names: str) -> list[int]:
    return [s.id for s in case.subjects if s.name.split()[0] in names]


def open_tasks(rt: Runtime, instance_id: int) -> list[TaskView]:
    info = queries.get_instance(rt, instance_id)
    return [t for t in queries.case_tasks(rt, info.case_id) if t.instance_id == instance_id and t.state == "ready"]


def only_task(rt: Runtime, instance_id: int, name: str | None = None) -> TaskView:
    found = [t for t in open_tasks(rt, instance_id) if name is None or t.name == name]
    assert len(found) == 1, f"expected one open task {name or ''}, found {[t.name for t in open_tasks(rt, instance_id)]}"
    return found[0]


def finish(rt: Runtime, instance_id: int, name: str, actor: str, **values) -> TaskView:
    task = only_task(rt, instance_id, name)
    tasks.complete_task(rt, task.id, actor, values)
    return task


def actions(rt: Runtime, instance_id: int) -> list[tuple[str, str | None]]:
    return [(e.action, e.name) for e in queries.history(rt, instance_id=instance_id)]


def ready_sequence(rt: Runtime, instance_id: int) -> list[tuple[str, str | None]]:
    """(task name, lane) of every task that became READY, in order."""
    return [(e.name, e.detail.get("lane")) for e in queries.history(rt, instance_id=instance_id)
            if e.action == "task_ready"]


def deploy_library(rt: Runtime) -> dict[str, int]:
    """Deploy the whole process library under bpmn/."""
    return deploy_paths(rt, LIBRARY)


def instance_data(rt: Runtime, instance_id: int) -> dict:
    """The case data as the workflow holds it now (tests may read state; the worklist never does)."""
    from bpmnrun.engine import engine
    from bpmnrun.service.deploy import parsed_spec
    from bpmnrun.store.models import Instance

    with rt.reading() as session:
        instance = session.get(Instance, instance_id)
        workflow = engine.restore(instance.state, parsed_spec(rt, session, instance.process_version_id))
        last = workflow.last_task
        return dict(workflow.data) if workflow.is_completed() or last is None else dict(last.data)
