"""Whether an authorisation step may be done by the person who asked for it (process-catalogue §3 rule 6).

Lincolnshire's decision maker sends "REQUIRED CS Manager: Please review and authorise" to themself, or to a line
manager; TAC Admin sends it to the Senior Early Help worker. §9.5 counts self-authorisation as no hand-off. The
diagram says which: the authorisation is assigned by an expression whose value is whoever completed the step
before (`completed_by(…)`), or a person the requester picked from teams that include the requester's own lane.
"""

from __future__ import annotations

from ..library.expression_reads import reads_of
from ..library.graph import Node
from .worlds import Knowledge, Var


def may_be_self(knowledge: Knowledge, node: Node, requester_lane: str | None) -> bool:
    """True when `node` (an authorisation) may be assigned to whoever did the step before it, in `requester_lane`."""
    text = (node.assignee or "").strip()
    if not (text.startswith("${") and text.endswith("}")):
        return False
    return any(_names_requester(knowledge.env[name], requester_lane, set())
               for name in _reads(text[2:-1]) if name in knowledge.env) or "completed_by(" in text


def _names_requester(var: Var, lane: str | None, seen: set[int]) -> bool:
    if id(var) in seen:
        return False
    seen.add(id(var))
    if var.expression is not None:
        if "completed_by(" in var.expression:
            return True
        return any(_names_requester(var.env[name], lane, seen) for name in _reads(var.expression)
                   if var.env and name in var.env)
    if var.people:
        return lane in var.people
    return any(_names_requester(v, lane, seen) for v in (var.earlier, var.default) if v is not None)


def _reads(expression: str) -> list[str]:
    reads = reads_of(expression)
    return [] if reads is None else sorted(reads.names | reads.optional)
