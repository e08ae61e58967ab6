"""Reading a family's records: access checked (access.py), and every read written to the audit as it happens.

A council must be able to answer "who looked at this child's record, and why". Each view of a family, a
piece of work's history, a task page, an API list or an export is an audit event (`viewed`, `listed`,
`exported`) with who, what, when and how they came to see it (their work, their team's, as line manager, or
by break glass with its reason). The events are the family's access log (access_log.py). A read is written
in its own short transaction after the data was read, so a page never shows what was not logged.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Instance
from . import access
from .access import Access
from .cases import CaseView, case_view, require_case
from .errors import NotFound
from .instances import require_instance
from .persist import BROKE_GLASS, EXPORTED, LISTED, VIEWED, audit
from .queries import TaskView, get_task
from .runtime import Runtime
from .users import require_user

EVERY_PROCEDURE = "every procedure"  # an export's name when it covered them all
COMMAND_LINE = Access("the command line (database access)")  # bpmnrun's CLI runs with the database's rights
FAMILY_PAGE = "the family’s page"  # what a read of the family's page is called in the access log


def read_case(rt: Runtime, user: str, case_id: int, what: str = FAMILY_PAGE) -> CaseView:
    """The family and its children, for a user who may see them; the read is logged."""
    with rt.reading() as session:
        case = require_case(session, case_id)
        found = access.require_access(session, case, require_user(session, user), rt.now())
        view = case_view(case)
    log_read(rt, user, case_id, what, found)
    return view


def require_case_access(rt: Runtime, user: str, case_id: int, what: str, instance_id: int | None = None) -> Access:
    """NoAccess unless the user may see the family; logs the read of `what` when they may."""
    with rt.reading() as session:
        case = require_case(session, case_id)
        found = access.require_access(session, case, require_user(session, user), rt.now())
    log_read(rt, user, case_id, what, found, instance_id=instance_id)
    return found


def require_instance_access(rt: Runtime, user: str, instance_id: int) -> None:
    """A piece of work's state and history (the API's instance): NotFound, NoAccess, or the read logged."""
    with rt.reading() as session:
        case_id = require_instance(session, instance_id).case_id
    require_case_access(rt, user, case_id, f"the history of case work {instance_id}", instance_id)


def read_task(rt: Runtime, task_id: str, user: str) -> TaskView:
    """A task page (or the API's task) for a user of its team; the read is logged."""
    task = get_task(rt, task_id, user)
    with rt.reading() as session:
        case_id = session.scalar(select(Instance.case_id).where(Instance.id == task.instance_id))
    log_read(rt, user, case_id, f"the task {task.name}", Access(access.THEIR_TEAM), instance_id=task.instance_id,
             task_id=task_id)
    return task


def log_listed(rt: Runtime, user: str, case_ids: Iterable[int], what: str) -> None:
    """An API list: one event per family it showed (the case ids of its tasks), so each family's access log
    has it."""
    families = sorted(set(case_ids))
    if not families:
        return
    with rt.transaction() as session:
        for case_id in families:
            audit(session, rt.now(), user, LISTED, case_id=case_id, name=what)


def log_export(rt: Runtime, user: str, process_ids: Iterable[str], what: str, pieces_of_work: int) -> None:
    """An event-log export (XES, CSV) of whole procedures: one event, named by the procedures it covered; a
    family's access log lists the exports of procedures it had work in."""
    with rt.transaction() as session:
        audit(session, rt.now(), user, EXPORTED, name=", ".join(sorted(process_ids)) or EVERY_PROCEDURE,
              export=what, pieces_of_work=pieces_of_work, processes=sorted(process_ids))


def break_glass(rt: Runtime, user: str, case_id: int, reason: str) -> access.Grant:
    """Open a family's records one has no work with, for a reason, for a limited time, told to one's manager."""
    with rt.transaction() as session:
        account = require_user(session, user)
        case = require_case(session, case_id)
        made = access.grant(session, case, account, reason, rt.now())
        audit(session, rt.now(), user, BROKE_GLASS, case_id=case_id, name="break glass", reason=made.reason,
              until=made.expires_at.isoformat(), reported_to=made.reported_to)
        return made


def log_read(rt: Runtime, user: str, case_id: int | None, what: str, found: Access, *,
             instance_id: int | None = None, task_id: str | None = None) -> None:
    if case_id is None:
        raise NotFound("no such family")
    with rt.transaction() as session:
        _audit_read(session, rt, user, case_id, what, found, instance_id, task_id)


def _audit_read(session: Session, rt: Runtime, user: str, case_id: int, what: str, found: Access,
                instance_id: int | None, task_id: str | None) -> None:
    reason = {"reason": found.grant.reason} if found.grant is not None else {}
    audit(session, rt.now(), user, VIEWED, case_id=case_id, instance_id=instance_id, task_id=task_id, name=what,
          access=found.why, **reason)
