"""Families for the retention tests: work closed at a chosen time, rows of every kind a family can hold, and a
look at every table of the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import MetaData, Table, func, inspect, select

from bpmnrun.service import cases, instances, tasks
from bpmnrun.service.persist import audit
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.models import AccessGrant, Event, Incident, Instance, Subject, Task, TaskTeam, Timer

from tests.support import DIAGRAMS, add_users, deploy_paths, finish, only_task, open_tasks

GATEWAY, PER_CHILD = "test_gateway", "test_per_child"


def set_up(rt: Runtime) -> None:
    deploy_paths(rt, DIAGRAMS / "test_gateway.bpmn", DIAGRAMS / "test_per_child.bpmn")
    add_users(rt, sam=["Social Worker", "TAC Admin"], tina="Team Manager")


def family(rt: Runtime, name: str, *children: tuple[str, date]) -> int:
    """A family added by sam (who may then start work on it)."""
    made = cases.create_case(rt, name, [cases.Child(n, born) for n, born in children or ((f"Kid {name}", None),)],
                             "sam")
    return made.id


def gateway_work(rt: Runtime, case_id: int, note: str = "", *, close: bool = True, **answers) -> int:
    """A request declined at once (closed), or left waiting at its first step."""
    instance_id = instances.start_work(rt, GATEWAY, case_id, "sam")
    if close:
        finish(rt, instance_id, "Record request", "sam", decision="decline", note=note, **answers)
    return instance_id


def approved_work(rt: Runtime, case_id: int, note: str, reviewed_on: str) -> int:
    """A request approved by the manager, who first saved a draft: answers in tasks, events and state."""
    instance_id = instances.start_work(rt, GATEWAY, case_id, "sam")
    finish(rt, instance_id, "Record request", "sam", decision="approve", note=note, reviewed_on=reviewed_on,
           children="2")
    authorise = only_task(rt, instance_id, "Authorise request")
    tasks.save_draft(rt, authorise.id, "tina", {"completed": "yes"})
    tasks.complete_task(rt, authorise.id, "tina", {"completed": "yes"})
    return instance_id


def per_child_work(rt: Runtime, case_id: int) -> int:
    """An outcome for each child (a task per child, naming the child), every child closed at assessment."""
    instance_id = instances.start_work(rt, PER_CHILD, case_id, "sam")
    for task in open_tasks(rt, instance_id):
        tasks.complete_task(rt, task.id, "sam", {"assessment_outcome": "closed"})
    return instance_id


def side_rows(rt: Runtime, case_id: int, instance_id: int, text: str) -> None:
    """What else a family can hold: a resolved incident, a break-glass grant, a timer and a read of its records,
    each carrying `text`."""
    now = rt.now()
    with rt.transaction() as session:
        session.add(Incident(instance_id=instance_id, case_id=case_id, process_id=GATEWAY, action="complete_task",
                             message=f"failed on {text}", data={"data": {"note": text}}, raised_at=now,
                             raised_by="sam", last_at=now, resolved=True, resolved_at=now, resolved_by="sam"))
        session.add(AccessGrant(case_id=case_id, username="tina", reason=f"phone call about {text}",
                                granted_at=now, expires_at=now + timedelta(hours=8)))
        session.add(Timer(instance_id=instance_id, task_id="t-" + str(instance_id), name="Reminder", due_at=now))
        audit(session, now, "tina", "viewed", case_id=case_id, name=f"the records of {text}", reason=text)


def count_rows(rt: Runtime, case_id: int) -> dict[str, int]:
    """Rows of this family in each table that holds a family's rows."""
    with rt.reading() as session:
        work = select(Instance.id).where(Instance.case_id == case_id)
        its_tasks = select(Task.id).where(Task.case_id == case_id)

        def count(model, *where) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where))

        return {
            "subject": count(Subject, Subject.case_id == case_id),
            "instance": count(Instance, Instance.case_id == case_id),
            "task": count(Task, Task.case_id == case_id),
            "task_team": count(TaskTeam, TaskTeam.task_id.in_(its_tasks)),
            "timer": count(Timer, Timer.instance_id.in_(work)),
            "event": count(Event, (Event.case_id == case_id) | Event.instance_id.in_(work)),
            "incident": count(Incident, Incident.case_id == case_id),
            "access_grant": count(AccessGrant, AccessGrant.case_id == case_id),
        }


def every_row(rt: Runtime) -> dict[str, list[tuple]]:
    """Every row of every table in the database (whatever the models say), as read back."""
    with rt.db.engine.connect() as connection:
        found = {}
        for name in sorted(inspect(connection).get_table_names()):
            table = Table(name, MetaData(), autoload_with=connection)
            found[name] = [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
        return found


def where_found(rt: Runtime, *needles: str) -> list[str]:
    """`table: row` for every row anywhere whose text holds one of `needles` (any case)."""
    wanted = [n.casefold() for n in needles]
    found = []
    for table, rows in every_row(rt).items():
        for row in rows:
            text = " | ".join(str(value) for value in row).casefold()  # a date as 2015-06-14, as people write it
            if any(n in text for n in wanted):
                found.append(f"{table}: {row}")
    return found


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, 9, 0)
