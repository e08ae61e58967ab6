"""Work on a case: start a procedure for chosen children, deliver a message, cancel."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterator, Mapping

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..engine import engine, failures
from ..engine.engine import EngineError
from ..engine.forms import Form, FormInvalid
from ..library.data_flow import ENGINE_KEYS
from ..store.models import Instance
from . import access, incidents, input_limits, workflows
from .catalogue import summary_of_row
from .deploy import latest_version, parsed_spec
from .errors import Conflict, InvalidInput, NotFound, ServiceError
from .persist import InstanceRef, apply_snapshot, audit, insert_instance
from .runtime import Runtime
from .start_read import read_start
from .users import members_of, require_user


CASE_STATUS = "case_status"  # kept on the case between pieces of work (persist.remember_case_status)


def start_form(rt: Runtime, process_id: str) -> Form:
    """What the newest version of a procedure asks when work starts (its start event's form; often nothing)."""
    with rt.reading() as session:
        version = latest_version(session, process_id)
        return engine.start_form(parsed_spec(rt, session, version.id))[0].with_people(members_of(session))


def start_work(rt: Runtime, process_id: str, case_id: int, actor: str, subject_ids: list[int] | None = None,
               data: Mapping[str, Any] | None = None) -> int:
    """Start the newest version of a procedure on a case, for the chosen children (all by default), with the
    answers to its start form (InvalidInput names each field that fails). When the diagram fails at its first
    steps, nothing starts and NeedsAttention names the incident a process owner was given."""
    attempt = incidents.Attempt(incidents.START, actor, case_id=case_id, process_id=process_id)
    try:
        with rt.transaction() as session:
            instance, workflow, state_bytes = _start(rt, session, attempt, subject_ids, data or {})
        workflows.remember(rt, instance, workflow, state_bytes)  # its first task is worked next
        return instance.id
    except EngineError as exc:
        attempt = replace(attempt, data={"subject_ids": list(subject_ids or []), "data": dict(data or {})})
        raise incidents.needs_attention(rt, attempt, failures.describe(exc), "Nothing was started.") from None


def _start(rt: Runtime, session: Session, attempt: incidents.Attempt, subject_ids: list[int] | None,
           data: Mapping[str, Any]) -> tuple[InstanceRef, Any, int]:
    """The new case work as written (with the workflow the engine left and the size of its state)."""
    actor, now = attempt.actor, rt.now()
    found = read_start(session, actor, attempt.case_id, attempt.process_id, attempt.key)
    family, version = found.family, found.version
    summary = summary_of_row(session, version)
    access.require_may_start(session, family, found.user, summary.start_lanes, now, version.title,
                             in_their_work=found.in_their_work)
    chosen = _chosen_subjects(family, subject_ids)
    parsed = parsed_spec(rt, session, version.id)
    answers = _start_answers(parsed, chosen, data, members_of(session), summary.startable)
    start_data = {"subjects": [s for s in chosen], "family": family.family_name, "case_id": family.id,
                  "started_by": actor, **({CASE_STATUS: family.case_status} if family.case_status else {}), **answers}
    workflow, snapshot = engine.begin(parsed, start_data)
    instance = insert_instance(session, family.id, version.id, version.process_id, snapshot,
                               [s["id"] for s in chosen], actor, now)
    audit(session, now, actor, "instance_started", case_id=family.id, instance_id=instance.id,
          name=version.title, process=version.process_id, version=version.version,
          subjects=[s["name"] for s in chosen], data=answers)
    apply_snapshot(session, instance, snapshot, actor, now, started=True)
    if found.incident_open:
        incidents.resolve(session, attempt, now, f"work started as case work {instance.id}")
    return instance, workflow, len(snapshot.state)


def deliver_message(rt: Runtime, instance_id: int, message: str, actor: str,
                    payload: Mapping[str, Any] | None = None) -> None:
    """Record that a message the case waits for has arrived. When the diagram fails on the steps after it,
    nothing is committed and NeedsAttention names the incident a process owner was given."""
    attempt = incidents.Attempt(incidents.MESSAGE, actor, instance_id=instance_id,
                                data={"message": message, "payload": dict(payload or {})})
    try:
        with _running(rt, instance_id, actor) as (session, instance, workflow):
            if message not in (instance.waiting_messages or []):
                raise ServiceError(f"nothing in this case is waiting for the message {message!r}")
            snapshot = engine.deliver_message(workflow, message, payload or {})
            audit(session, rt.now(), actor, "message_delivered", case_id=instance.case_id,
                  instance_id=instance.id, name=message, data=dict(payload or {}))
            apply_snapshot(session, instance, snapshot, actor, rt.now())
            incidents.resolve(session, attempt, rt.now(), "the message was delivered")
    except EngineError as exc:
        raise incidents.needs_attention(rt, attempt, failures.describe(exc), "The message was not recorded.") from None


def cancel(rt: Runtime, instance_id: int, actor: str, reason: str = "") -> None:
    with _running(rt, instance_id, actor) as (session, instance, workflow):
        snapshot = engine.cancel(workflow)
        audit(session, rt.now(), actor, "cancel_requested", case_id=instance.case_id,
              instance_id=instance.id, reason=reason)
        apply_snapshot(session, instance, snapshot, actor, rt.now())


@contextmanager
def _running(rt: Runtime, instance_id: int, actor: str) -> Iterator[tuple[Session, Instance, Any]]:
    try:
        with rt.transaction() as session:
            require_user(session, actor)
            instance = require_instance(session, instance_id)
            if instance.status != "running":
                raise Conflict(f"case work {instance_id} is {instance.status}, not running")
            workflow = workflows.load(rt, session, instance)
            yield session, instance, workflow
        workflows.remember(rt, instance, workflow, len(instance.state))
    except StaleDataError:
        raise Conflict(f"case work {instance_id} was changed by someone else at the same time; try again") from None


def require_instance(session: Session, instance_id: int) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"no case work {instance_id}")
    return instance


def _start_answers(parsed, chosen: list[dict], data: Mapping[str, Any], members, startable: bool = True
                   ) -> dict[str, Any]:
    """The start data, checked: never an engine key or the case's recorded status (bpmnrun sets those from the
    case); only the start form's fields, with its rules (its person pickers offering the members of their
    teams). A sub-process only other procedures start (not startable) is given its inputs by its caller, so
    started on its own (to try it out) it takes them as start data."""
    form, most = engine.start_form(parsed)
    if most is not None and len(chosen) > most:
        raise InvalidInput({"subject": f"This work is for {'one child' if most == 1 else f'at most {most} children'}"
                                       f" at a time: start it once for each"})
    input_limits.check_values(data)
    reserved = sorted(set(data) & (ENGINE_KEYS | {CASE_STATUS}))
    if reserved:
        raise InvalidInput({key: "is set by bpmnrun, not by start data" for key in reserved})
    strangers = sorted(set(data) - {f.id for f in form.fields})
    if strangers and startable:
        raise InvalidInput({key: "is not a field of this procedure's start form" for key in strangers})
    if not form.fields:
        return dict(data)
    try:
        return form.for_children(chosen).with_people(members).validate(data, {})
    except FormInvalid as exc:
        raise InvalidInput(exc.errors) from None


def _chosen_subjects(case, subject_ids: list[int] | None) -> list[dict]:
    by_id = {s.id: s for s in case.subjects}
    ids = list(subject_ids) if subject_ids else list(by_id)
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ServiceError(f"child {missing[0]} is not in the {case.family_name} family")
    return [{"id": i, "name": by_id[i].name,
             "date_of_birth": by_id[i].date_of_birth.isoformat() if by_id[i].date_of_birth else None} for i in ids]
