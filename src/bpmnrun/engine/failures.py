"""What an engine error says to a process owner: the element where the diagram failed, and why, in words.

EngineError keeps SpiffWorkflow's exception as its cause; the element is read from it here, so the service
layer records an incident without knowing SpiffWorkflow's exception classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .engine import EngineError

# SpiffWorkflow's wording, for the few failures a process owner meets, and what it means in a diagram.
_PLAIN = [
    (re.compile(r"No conditions satisfied for (\S+?)\.?(\s+at \S+)?$"),
     "no condition on the gateway's outgoing flows is true for this case, and the gateway has no default flow"),
]


@dataclass(frozen=True)
class Failure:
    element_id: str | None
    element_name: str | None
    message: str  # for process owners: what failed, at which element


def describe(exc: EngineError) -> Failure:
    spec = _failed_spec(exc.__cause__)
    element_id = getattr(spec, "bpmn_id", None) if spec is not None else None
    name = (getattr(spec, "bpmn_name", None) or element_id) if spec is not None else None
    message = str(exc).strip()
    if element_id:
        message = re.sub(rf"\s+at {re.escape(element_id)}$", "", message)  # the incident names the element
    for pattern, plain in _PLAIN:
        if pattern.search(message):
            message = plain
    return Failure(element_id, name, _with_reason(message, exc))


def _with_reason(message: str, exc: EngineError) -> str:
    """The message, with the evaluator's own reason where SpiffWorkflow only kept it as the context."""
    inner = getattr(exc.__cause__, "__context__", None)
    reason = getattr(inner, "reason", None) or (str(inner) if inner is not None else "")
    if reason and reason not in message:
        message = f"{message.rstrip('. ')}: {reason}"
    return message


def _failed_spec(cause):
    if cause is None:
        return None
    spec = getattr(cause, "task_spec", None)
    if spec is None:
        spec = getattr(getattr(cause, "task", None), "task_spec", None)
    return spec
