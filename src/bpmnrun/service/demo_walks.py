"""A walk through each procedure for the demo: which family and children it is started for, what its start form
is answered, and the answers its steps are given where the first plausible answer would not do (a document
name in the documents' pattern, a route that ends rather than loops). Every walk of a family starts in the same
team, whose worker adds the family: the family's records are theirs to see. The demo stops each walk part way, so that
`make run` shows every procedure in the middle; the browser suite walks each to an end through the pages.

Every other answer is plausible rather than scripted: the first option, "Yes" where asked, the demo user of
a person picker's team, today for a date, every child ticked, and a line of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

TEXT = "Recorded for the demo"


@dataclass(frozen=True)
class Walk:
    process_id: str
    family: str
    children: tuple[str, ...] | None = None  # first names; None: every child of the family
    start: Mapping[str, Any] = field(default_factory=dict)  # the start form's answers
    # Task name → the answers of each time the step comes round (the last one repeats), by field id.
    answers: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    middle: int = 2  # how many steps the demo completes


def plausible_answers(form: list[dict], today: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Answers for every field a worker fills in: `given` where it says, else a plausible one."""
    given = dict(given or {})
    values: dict[str, Any] = {}
    for f in form:
        if f["readonly"] or f["properties"].get("row_of"):
            continue
        if f["id"] in given:
            values[f["id"]] = given[f["id"]]
        elif f.get("per_child"):
            values[f["id"]] = {c["id"]: _plausible(f, today) for c in f.get("children", [])}
        elif f.get("picks_children"):
            continue  # every child stays ticked, as offered
        elif f["constraints"].get("pattern") and f["type"] == "string":
            continue  # a name in a set pattern (a document's) cannot be made up: the walk gives it
        elif f["required"] or f["type"] in ("enum", "date") or "required_if" in f["constraints"]:
            answer = _plausible(f, today)
            if answer is not None:
                values[f["id"]] = answer
    return values


def _plausible(f: Mapping[str, Any], today: str) -> Any:
    options = [o["id"] for o in f["options"]]
    if f["type"] == "enum":
        if not options:
            return None
        choice = "yes" if "yes" in options else options[0]
        return [choice] if f["multiple"] else choice
    if f["type"] == "boolean":
        return True
    if f["type"] == "date":
        return today
    if f["type"] == "long":
        return 1
    return TEXT


def answers_for(walk: Walk, task_name: str, visit: int) -> Mapping[str, Any]:
    """The scripted answers of a step the `visit`-th time it comes round (0 first), if any."""
    scripted = walk.answers.get(task_name) or ()
    return scripted[min(visit, len(scripted) - 1)] if scripted else {}


# The record of a TAC meeting and an uploaded assessment are named as the documents ask: "EH [name] YY/MM/DD".
MEETING_RECORD = "EH TAC minutes 25/07/03"
ASSESSMENT_UPLOAD = "EH CFA St Marys 25/06/12"

WALKS: tuple[Walk, ...] = (
    # Lincolnshire
    Walk("lincs_step_out_internal_lp_existing_eh", "Smith", ("Josie", "Joy")),
    Walk("lincs_step_out_internal_lp_no_eh", "Smith", ("Johnny",)),
    Walk("lincs_step_out_external_lp_eh_involved", "Khan", middle=3, answers={
        "EH TAC Monitoring External Lead Professional": (
            {"monitoring_next_action": "next_tac_meeting", "tac_meeting_record": MEETING_RECORD},
            {"monitoring_next_action": "tac_monitoring_ended"})}),
    Walk("lincs_step_out_external_lp_no_eh", "Okafor", ("Grace",), middle=3, answers={
        "EH Early Help Request and Allocation": ({"assessment_already_completed": "yes",
                                                  "case_status": "tac_external_lp"},),
        "EH TAC Monitoring External Lead Professional": ({"monitoring_next_action": "tac_monitoring_ended"},)}),
    Walk("lincs_tac_monitoring_request_external_lp", "Nowak", start={"service_requested": "tac_monitoring_external_lp"},
         middle=3, answers={
             "EH Early Help Request and Allocation": ({"case_status": "child_and_family_assessment_early_help",
                                                      "assessment_already_completed": "no"},),
             "EH Child and Family Assessment": ({"assessment_document": ASSESSMENT_UPLOAD},),
             "EH TAC Monitoring External Lead Professional": ({"monitoring_next_action": "tac_monitoring_ended"},)}),
    Walk("lincs_change_lp_external_to_internal", "Evans", ("Ruby",), start={"external_lp": "Health Visitor Anna Lee"}),
    Walk("lincs_external_lp_requests_eh_support", "Evans", ("Alfie",),
         start={"external_lp": "School nurse Priya Shah"}),
    Walk("lincs_decision_on_significant_information", "Wilson", ("Noah",), middle=1),
    # York
    Walk("york_step_down_mash", "Ahmed", ("Yusuf",), middle=3),
    Walk("york_step_down_single_assessment", "Brown", middle=2),
    Walk("york_step_down_cin_cp", "Brown", middle=2),
    Walk("york_request_additional_services", "Taylor", start={
        "origin": "cin", "planned_meeting_date": "2025-06-17", "family_consent": "yes",
        "identified_needs": "Support with routines and school attendance",
        "preferred_lead_practitioner": "Mrs Patel, class teacher, St Mary's School"}, middle=1),
    Walk("york_pathways_step_down", "Hughes", middle=1),
    Walk("york_step_up", "Green", start={
        "start_route": "concerns_raised_or_the_early_help_plan_is_not_progressing", "lp_type": "targeted_early_help",
        "concern_summary": "School attendance has fallen and the family are not engaging with the plan",
        "immediate_concern": "no"}, middle=2, answers={"Record the allocation to social care": (
            {"allocated_to_previous_sw": "no"},)}),
    # Authority C
    Walk("authc_step_down_sc_to_eh", "Okafor", middle=2),
)
