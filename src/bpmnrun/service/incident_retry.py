"""Trying an incident's step again after a fix (a new version the case was moved to, data put right, …).

The step is tried as it was first tried: a completion as the caseworker who finished the task, with the answers
kept as the task's draft; a message with the payload sent; a start with the children and answers chosen; a
timer now, whatever its back-off. If it succeeds, that step's own transaction resolves the incident; if it fails
again, the incident counts the attempt and the process owner gets the new message.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store.models import Incident
from . import incidents, instances, tasks, timers
from .errors import Conflict, ServiceError
from .persist import audit
from .runtime import Runtime


@dataclass(frozen=True)
class Retried:
    incident_id: int
    succeeded: bool
    message: str  # what happened, for the process owner


def retry(rt: Runtime, incident_id: int, actor: str) -> Retried:
    """Try the incident's step again; say what happened. ServiceError for an unknown or resolved incident."""
    incident = _note_retry(rt, incident_id, actor)
    try:
        message = _run(rt, incident)
    except incidents.NeedsAttention:
        again = incidents.get_incident(rt, incident_id)
        return Retried(incident_id, False, f"it failed again at {again.element_name or again.element_id or '-'}: "
                                           f"{again.message}")
    except Conflict as exc:
        # The step was done meanwhile (the caseworker finished the task on the fixed version, say).
        _close(rt, incident_id, actor, f"nothing to retry: {exc}")
        return Retried(incident_id, True, f"nothing to retry: {exc}")
    _close(rt, incident_id, actor, f"retried by {actor}: {message}")
    return Retried(incident_id, True, message)


def _run(rt: Runtime, incident: incidents.IncidentView) -> str:
    if incident.action == incidents.COMPLETE:
        done = tasks.complete_task(rt, incident.task_id, incident.raised_by, {})
        return f"the task was completed as {incident.raised_by} with the answers they gave; the work is {done.status}"
    if incident.action == incidents.MESSAGE:
        instances.deliver_message(rt, incident.instance_id, incident.data.get("message", ""), incident.raised_by,
                                  incident.data.get("payload") or {})
        return "the message was delivered"
    if incident.action == incidents.TIMER:
        fired = timers.fire_instance(rt, incident.instance_id, actor=timers.WORKER)
        return "the timer fired" if fired else "no timer was due; the worker fires it when it is"
    if incident.action == incidents.START:
        started = instances.start_work(rt, incident.process_id, incident.case_id, incident.raised_by,
                                       incident.data.get("subject_ids") or None, incident.data.get("data") or {})
        return f"the work started as case work {started}"
    raise ServiceError(f"incident {incident.id}: {incident.action} cannot be retried")


def _note_retry(rt: Runtime, incident_id: int, actor: str) -> incidents.IncidentView:
    with rt.transaction() as session:
        incident = incidents.open_incident(session, incident_id)
        audit(session, rt.now(), actor, "incident_retried", case_id=incident.case_id,
              instance_id=incident.instance_id, name=incident.element_name, incident=incident.id)
    return incidents.get_incident(rt, incident_id)


def _close(rt: Runtime, incident_id: int, actor: str, how: str) -> None:
    """Close it, or say who retried it where the step's own transaction already resolved it."""
    with rt.transaction() as session:
        incident = session.get(Incident, incident_id)
        if incident is not None and not incident.resolved:
            incidents.close(session, incident, rt.now(), actor, how)
        elif incident is not None:
            incident.resolved_by, incident.resolution = actor, how[:500]
