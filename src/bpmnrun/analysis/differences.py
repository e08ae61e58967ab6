"""The differences between variants in plain language, one sentence each, variants named by their labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .compare import Comparison

# Process catalogue §9.1, shortened to read in a sentence.
ACTIVITY_WORDS = {
    "identify_step_down": "Considering the step down",
    "obtain_consent": "Seeking or recording the family's consent",
    "identify_lead_professional": "Choosing the Lead Professional",
    "agree_plan": "Agreeing the plan of support",
    "step_down_decision": "Deciding that the case moves",
    "screening": "Screening the contact or referral",
    "send_request": "Sending or acknowledging a request",
    "record_decision": "Recording a case-status decision or case note",
    "manager_authorisation": "A manager authorising or overseeing",
    "allocation": "Allocating a worker, team, queue or tray",
    "record_relationships": "Recording the Lead Professional as a relationship",
    "assessment": "Uploading, recording or starting an assessment",
    "chase_information": "Chasing missing information",
    "handover_visit": "A joint visit or handover",
    "notify_professionals": "Telling the family and professionals of the plan",
    "first_tac_meeting": "The first TAC/TAF meeting",
    "book_meeting": "Booking the next meeting",
    "tac_monitoring": "Monitoring an external Lead Professional's TAC",
    "sc_case_closure": "Closing the social care case",
    "ending_visit": "An ending visit and endings letter",
    "eh_closure": "Ending early help involvement",
    "escalation_discussion": "Discussing concerns before a step up",
    "referral_to_sc": "Referring to social care",
    "reassessment": "Reassessing support needs",
}


def differences(comparison: "Comparison") -> list[str]:
    variants = comparison.variants
    found = []
    found.extend(_activities(comparison))
    found.extend(_split(variants, lambda v: bool(v.structure.consent_gates),
                        "Consent is an explicit gate (a 'no' ends the procedure) in {yes}",
                        "not in {no}"))
    found.extend(_authorisation(variants))
    found.extend(_timers(variants))
    found.extend(_decision_makers(variants))
    found.extend(_own_lanes(variants))
    found.extend(_paths(variants))
    return found


def _names(variants) -> str:
    return ", ".join(v.label for v in variants)


def _activities(comparison: "Comparison") -> list[str]:
    found = []
    for activity in comparison.activities():
        cells = comparison.cells(activity)
        having = [(v, c) for v, c in zip(comparison.variants, cells) if c]
        lacking = [v for v, c in zip(comparison.variants, cells) if not c]
        if not lacking:
            continue
        done = "; ".join(f"{v.label} ({', '.join(c)})" for v, c in having)
        words = ACTIVITY_WORDS.get(activity, activity.replace("_", " ").capitalize())
        found.append(f"{words} ({activity}) is a step in {done}; it is absent from {_names(lacking)}.")
    return found


def _split(variants, test, yes: str, no: str) -> list[str]:
    having = [v for v in variants if test(v)]
    lacking = [v for v in variants if not test(v)]
    if not having or not lacking:
        return []
    return [f"{yes.format(yes=_names(having))}; {no.format(no=_names(lacking))}."]


def _authorisation(variants) -> list[str]:
    having = [v for v in variants if v.structure.authorisations]
    lacking = [v for v in variants if not v.structure.authorisations]
    if not having:
        return []
    parts = []
    for v in having:
        tasks = v.structure.authorisations
        words = ", ".join(dict.fromkeys(
            f"{t.name}{' – may be self-authorised' if t.self_authorisable else ''} ({t.lane})" for t in tasks))
        parts.append(f"{v.label}: {words}")
    sentence = "Authorisation points: " + "; ".join(parts)
    return [sentence + (f"; none in {_names(lacking)}." if lacking else ".")]


def _timers(variants) -> list[str]:
    having = [v for v in variants if v.structure.timers]
    lacking = [v for v in variants if not v.structure.timers]
    if not having:
        return ["No variant has a timer or time limit."] if variants else []
    parts = [f"{v.label}: " + ", ".join(f"{t.name} ({t.kind}: {t.limit})" for t in v.structure.timers)
             for v in having]
    return ["Timers and time limits: " + "; ".join(parts) + (f"; none in {_names(lacking)}." if lacking else ".")]


def _decision_makers(variants) -> list[str]:
    """Whose answers the variants' decisions (gateways) turn on: the lanes of the tasks that gave them."""
    makers = {v.label: ", ".join(v.structure.decision_makers) or "no task's answer" for v in variants}
    if len(set(makers.values())) < 2:
        return []
    return ["The decisions turn on the answers of: " + "; ".join(f"{k} — {m}" for k, m in makers.items()) + "."]


def _own_lanes(variants) -> list[str]:
    parts = []
    for v in variants:
        others = {lane for o in variants if o is not v for lane in o.structure.lanes}
        own = [lane for lane in v.structure.lanes if lane not in others]
        if own:
            parts.append(f"{v.label} — {', '.join(own)}")
    return ["Lanes no other variant compared has: " + "; ".join(parts) + "."] if parts else []


def _paths(variants) -> list[str]:
    if not variants:
        return []

    def extreme(key, words: str) -> str:
        most = max(variants, key=key)
        least = min(variants, key=key)
        return f"{words}: most {most.label} ({_number(key(most))}), fewest {least.label} ({_number(key(least))})"

    figures = {v.label: v.paths.figures() for v in variants}
    return [
        "Start-to-end paths — " + "; ".join([
            extreme(lambda v: len(v.paths.paths), "paths"),
            extreme(lambda v: figures[v.label]["steps"]["max"], "user tasks on the longest path"),
            extreme(lambda v: figures[v.label]["handoffs"]["max"], "hand-offs on one path"),
            extreme(lambda v: figures[v.label]["handoffs"]["median"], "median hand-offs"),
        ]) + ".",
        "Decisions (gateways the cases leave more than one way, sub-processes included as far as reached): "
        + ", ".join(f"{v.label} {len(v.structure.decisions)}" for v in variants) + ".",
    ]


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
