"""What retention does to a batch of families: set-based statements (… WHERE case_id IN (…)), so the cost of a
batch is the database's, and no row of a deleted family is loaded into Python.

Deleting removes everything of the family: its children, pieces of work, tasks and their inboxes, timers,
incidents, access grants and audit events. Anonymising keeps the shape of the work (which steps, which teams,
who worked them, when) and removes who the family is and what was answered: family and children's names become
labels, dates of birth and the Case Status go, the workflow state loses its data, tasks their answers, drafts,
forms and children's names, events their details (and a name that holds a child's or the family's), incidents
their attempted data and messages, access grants their reasons.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import Select, bindparam, delete, exists, func, null, or_, select, update
from sqlalchemy.orm import Session

from ..store.models import AccessGrant, Case, Event, Incident, Instance, Subject, Task, TaskTeam, Timer

CASE, SUBJECT, INSTANCE = Case.__table__, Subject.__table__, Instance.__table__
TASK, TASK_TEAM, TIMER = Task.__table__, TaskTeam.__table__, Timer.__table__
EVENT, INCIDENT, GRANT = Event.__table__, Incident.__table__, AccessGrant.__table__
# Every table that points at a family's rows; a test holds this list to the schema, so a new one is not missed.
FAMILY_TABLES = ("task_team", "timer", "task", "event", "incident", "access_grant", "instance", "subject", "case")
REMOVED = "removed when the family's records were anonymised"


def work_of(ids: list[int]) -> Select:
    return select(INSTANCE.c.id).where(INSTANCE.c.case_id.in_(ids))


def delete_families(session: Session, ids: list[int]) -> None:
    """Delete the families `ids` and every row of theirs, children before parents (the foreign keys' order)."""
    work, tasks = work_of(ids), select(TASK.c.id).where(TASK.c.case_id.in_(ids))
    for statement in (
        delete(TASK_TEAM).where(TASK_TEAM.c.task_id.in_(tasks)),
        delete(TIMER).where(TIMER.c.instance_id.in_(work)),
        delete(TASK).where(TASK.c.case_id.in_(ids)),
        delete(EVENT).where(EVENT.c.case_id.in_(ids)),
        delete(EVENT).where(EVENT.c.instance_id.in_(work)),  # an event that names only the work
        delete(INCIDENT).where(INCIDENT.c.case_id.in_(ids)),
        delete(INCIDENT).where(INCIDENT.c.instance_id.in_(work)),
        delete(GRANT).where(GRANT.c.case_id.in_(ids)),
        delete(INSTANCE).where(INSTANCE.c.case_id.in_(ids)),
        delete(SUBJECT).where(SUBJECT.c.case_id.in_(ids)),
        delete(CASE).where(CASE.c.id.in_(ids)),
    ):
        session.execute(statement)


def anonymise_families(session: Session, ids: list[int]) -> None:
    """Remove who the families `ids` are and what was answered, keeping the shape of their work."""
    work = work_of(ids)
    _scrub_event_names(session, ids, work)  # before the names it looks for are replaced
    labels = _child_labels(session, ids)
    for where in (EVENT.c.case_id.in_(ids), EVENT.c.instance_id.in_(work)):
        session.execute(update(EVENT).where(where).values(detail={}))
    session.execute(update(TASK).where(TASK.c.case_id.in_(ids))
                    .values(data=null(), draft={}, form=[], subject_name=null()))
    _relabel_task_children(session, ids, labels)
    _strip_states(session, work)
    for where in (INCIDENT.c.case_id.in_(ids), INCIDENT.c.instance_id.in_(work)):
        session.execute(update(INCIDENT).where(where).values(data={}, message=REMOVED))
    session.execute(update(GRANT).where(GRANT.c.case_id.in_(ids)).values(reason=REMOVED))
    _executemany(session, update(SUBJECT).where(SUBJECT.c.id == bindparam("sid"))
                 .values(name=bindparam("label"), date_of_birth=null()),
                 [{"sid": sid, "label": label} for sid, label in labels.items()])
    _executemany(session, update(CASE).where(CASE.c.id == bindparam("cid"))
                 .values(family_name=bindparam("label"), case_status=null()),
                 [{"cid": cid, "label": family_label(cid)} for cid in ids])


def family_label(case_id: int) -> str:
    return f"Family {case_id} (anonymised)"


def strip_state(text: str) -> str:
    """A serialized workflow without its data: every task's data, the workflow's and each sub-process's data,
    message correlations and pending events go; the task tree (which steps ran, in what state) stays, so the
    state still loads."""
    state = json.loads(text)
    _strip_workflow(state)
    for sub in (state.get("subprocesses") or {}).values():
        _strip_workflow(sub)
    return json.dumps(state, separators=(",", ":"))


def _strip_workflow(workflow: dict[str, Any]) -> None:
    workflow["data"] = {}
    if "correlations" in workflow:
        workflow["correlations"] = {}
    if "bpmn_events" in workflow:
        workflow["bpmn_events"] = []
    for task in (workflow.get("tasks") or {}).values():
        task["data"], task["internal_data"] = {}, {}
        delta = task.get("delta")
        if isinstance(delta, dict) and "updates" in delta:
            delta["updates"] = {}  # the names of deleted keys ("deletions") hold no answer


def _scrub_event_names(session: Session, ids: list[int], work: Select) -> None:
    """An event's name is a step's, a message's or an end's; a family's creation names the family, and a name
    that holds a child's or the family's name loses it."""
    family = func.coalesce(EVENT.c.case_id, select(INSTANCE.c.case_id).where(INSTANCE.c.id == EVENT.c.instance_id)
                           .correlate(EVENT).scalar_subquery())
    personal = or_(EVENT.c.action == "case_created",
                   exists().where(SUBJECT.c.case_id == family, EVENT.c.name.contains(SUBJECT.c.name)),
                   exists().where(CASE.c.id == family, EVENT.c.name.contains(CASE.c.family_name)))
    for where in (EVENT.c.case_id.in_(ids), EVENT.c.instance_id.in_(work)):
        session.execute(update(EVENT).where(where, EVENT.c.name.is_not(None), personal).values(name=null()))


def _child_labels(session: Session, ids: list[int]) -> dict[int, str]:
    """Child 1, Child 2 … within each family, in the order the children were added."""
    labels: dict[int, str] = {}
    counts: dict[int, int] = {}
    for sid, cid in session.execute(select(SUBJECT.c.id, SUBJECT.c.case_id).where(SUBJECT.c.case_id.in_(ids))
                                    .order_by(SUBJECT.c.case_id, SUBJECT.c.id)):
        counts[cid] = counts.get(cid, 0) + 1
        labels[sid] = f"Child {counts[cid]}"
    return labels


def _relabel_task_children(session: Session, ids: list[int], labels: dict[int, str]) -> None:
    """A task keeps which children it was for (the case page's per-child view), under their labels."""
    rows = session.execute(select(TASK.c.id, TASK.c.children).where(TASK.c.case_id.in_(ids))).all()
    changed = [{"tid": tid, "kids": [{"id": c.get("id"), "name": labels.get(c.get("id"), "Child")} for c in kids]}
               for tid, kids in rows if kids]
    _executemany(session, update(TASK).where(TASK.c.id == bindparam("tid")).values(children=bindparam("kids")),
                 changed)


def _strip_states(session: Session, work: Select) -> None:
    # The revision moves on, so no cached workflow object (keyed by id and revision) is used again.
    rows = session.execute(select(INSTANCE.c.id, INSTANCE.c.state).where(INSTANCE.c.id.in_(work))).all()
    _executemany(session, update(INSTANCE).where(INSTANCE.c.id == bindparam("iid"))
                 .values(state=bindparam("stripped"), revision=INSTANCE.c.revision + 1),
                 [{"iid": iid, "stripped": strip_state(state)} for iid, state in rows])


def _executemany(session: Session, statement, rows: Iterable[dict]) -> None:
    rows = list(rows)
    if rows:
        session.execute(statement, rows)
