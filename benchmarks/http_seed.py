"""Data for the HTTP benchmark: the synthetic diagram of two lanes and three user tasks with a one-field
form, its users, and open cases started through the service layer like any caseworker's."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).parent))
import synthetic  # noqa: E402

from bpmnrun.service import cases, deploy, instances, users  # noqa: E402
from bpmnrun.service.runtime import Runtime  # noqa: E402
from bpmnrun.store.models import Task, TaskTeam, User  # noqa: E402

PROCESS = "bench_http"
TEAM = "Team A"  # the lane of tasks 1 and 3; task 2 is in "Team B"
WORKER = "wendy"
PASSWORD = "bench-password"


def deploy_diagram(rt: Runtime, folder: Path) -> None:
    """Deploy the 3-task diagram and check it is what the benchmark claims: two lanes, three user tasks,
    one form field each."""
    path = synthetic.write(folder / f"{PROCESS}.bpmn", PROCESS, 3)
    xml = path.read_text()
    assert xml.count("<bpmn:userTask ") == 3 and xml.count("<bpmn:lane ") == 2, "not the small diagram"
    assert xml.count("<camunda:formField ") == 3, "each task should have a one-field form"
    deploy.deploy(rt, [str(folder)], "bench")


def add_workers(rt: Runtime, count: int, first: int = 0) -> None:
    """`count` caseworkers in both lanes' teams; the first one is WORKER, who signs in."""
    hashed = generate_password_hash(PASSWORD)
    for n in range(first, first + count):
        name = WORKER if n == 0 else f"worker{n:04d}"
        users.add_user(rt, name, [TEAM, "Team B"], display_name=f"Worker {n}")
    with rt.transaction() as session:
        session.execute(User.__table__.update().where(User.password_hash.is_(None)).values(password_hash=hashed))


def start_cases(rt: Runtime, count: int) -> float:
    """`count` open cases of the diagram, each with task 1 ready in Team A. Returns seconds taken."""
    t0 = time.perf_counter()
    case = cases.create_case(rt, "Bench", [cases.Child("Child")], WORKER)
    for _ in range(count):
        instances.start_work(rt, PROCESS, case.id, WORKER)
    return time.perf_counter() - t0


def ready_tasks(rt: Runtime, team: str = TEAM) -> list[str]:
    """Ready task ids of a team, oldest first, read straight from the task index (outside any timing)."""
    with rt.reading() as session:
        return list(session.scalars(
            select(Task.id).join(TaskTeam, TaskTeam.task_id == Task.id)
            .where(TaskTeam.team == team, TaskTeam.ready.is_(True)).order_by(Task.instance_id)))
