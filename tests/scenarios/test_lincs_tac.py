"""Catalogue §10 scenarios 7–10: Lincolnshire TAC monitoring with an External Lead Professional (L5), change of
Lead Professional from External to Internal (L6), an External LP's request for Early Help support (L7) and the EH
Decision on Significant Information with all its triggers (L8) — the real diagrams, driven through the service
layer, for Family Smith (Johnny, Josie, Joy)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bpmnrun.service import instances, queries, tasks
from bpmnrun.service.errors import Forbidden, InvalidInput
from tests.support import (actions, add_users, deploy_library, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, subject_ids)

L5 = "lincs_tac_monitoring_request_external_lp"
L6 = "lincs_change_lp_external_to_internal"
L7 = "lincs_external_lp_requests_eh_support"
L8 = "lincs_decision_on_significant_information"
S_AUTH = "lincs_manager_authorisation"
S_FD = "lincs_front_door_screening"

PROCEED = "eh_assessment_uploaded_external_lp_proceed_to_tac_monitoring"
CLOSED = "eh_closed_at_assessment_no_further_support_required"
TAC_MONITORING = "EH TAC Monitoring External Lead Professional"
DECISION = "EH Decision on Significant Information"
AUTHORISE = "CS Manager: Please review and authorise"
REQUIRED_AUTHORISE = "Required CS Manager: Please review and authorise"
SCREEN = "CS Front door: Please screen contact"
UPDATE_LP = "Update the Lead Professional role for the child(ren)"


# --- helpers ---------------------------------------------------------------------------------------------------

def setup(rt):
    """The whole library, the workers of every lane these processes use, and Family Smith."""
    deploy_library(rt)
    add_users(rt, tia="TAC Admin", tom="TAC Admin", connie="EH TAC Consultant", ella="Early Help Manager",
              sally="Senior Early Help worker", sid="Senior Early Help worker", eve="Early Help worker",
              fred="Front Door", lou="Early Help locality team", fay="Future 4 Me")
    return smith_family(rt)


def start(rt, case, process_id, actor, *children, **data) -> int:
    return instances.start_work(rt, process_id, case.id, actor, subject_ids(case, *children), data)


def ends(rt, instance_id) -> list[tuple[str, str]]:
    """(process, end event) of every end event reached, the called sub-processes' included, in order."""
    return [(e.detail.get("process"), e.name) for e in queries.history(rt, instance_id=instance_id)
            if e.action == "end_event"]


def assert_ended(rt, instance_id, end_event: str) -> None:
    info = queries.get_instance(rt, instance_id)
    assert (info.status, info.end_event) == ("completed", end_event)
    assert open_tasks(rt, instance_id) == []
    assert ("instance_completed", end_event) in actions(rt, instance_id)


def refused(rt, instance_id, name: str, actor: str, **values) -> dict[str, str]:
    """Finish a task with bad values: the field errors; the task stays READY and nothing else was created."""
    before = ready_sequence(rt, instance_id)
    task = only_task(rt, instance_id, name)
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task.id, actor, values)
    assert only_task(rt, instance_id, name).state == "ready"
    assert ready_sequence(rt, instance_id) == before
    return caught.value.errors


def completed_data(rt, instance_id, name: str) -> list[dict]:
    """The data recorded on each completed task row of that name, in order."""
    info = queries.get_instance(rt, instance_id)
    return [t.data for t in queries.case_tasks(rt, info.case_id)
            if t.instance_id == instance_id and t.name == name and t.state == "completed"]


def form_field(task, field_id: str) -> dict:
    return next(f for f in task.form if f["id"] == field_id)


# --- L5: Request for TAC Monitoring from an External Lead Professional (scenario 7) --------------------------------

def run_l5_to_outcomes(rt, clock, case, josie: str, joy: str, consultant: bool) -> int:
    """L5 top level for Josie and Joy, step question No: contact, worker relationship, chasing and allocation,
    the upload, and one Outcome from Assessment per child; stops at the authorisation request."""
    instance_id = start(rt, case, L5, "tia", "Josie", "Joy")
    contact = only_task(rt, instance_id, "EH Early Help Contact")
    assert (contact.lane, contact.subject_name) == ("TAC Admin", None)
    finish(rt, instance_id, "EH Early Help Contact", "tia", young_carer="no",
           service_requested="TAC Monitoring (External LP)", step_down_from_sc="No",
           source_of_contact="other", request_datetime="2025-06-02 09:00",
           person_making_contact="Tia Admin, TAC Admin", external_lp="Health Visitor Anna Lee")
    # The External LP is prefilled from the contact: left empty it keeps the case data's value.
    finish(rt, instance_id, "Add the External Lead Professional as a Worker relationship", "tia",
           worker_relationship_added=True)

    request = only_task(rt, instance_id, "EH Early Help Request and Allocation")
    tasks.save_draft(rt, request.id, "tia", {
        "contact_date": "2025-06-02", "persons_contacted": "Health Visitor Anna Lee",
        "contact_details": "Chased the completed Child and Family Assessment by phone"})
    clock.set(datetime(2025, 6, 9, 10, 0))
    draft = tasks.save_draft(rt, request.id, "tia", {
        "contact_date": "2025-06-09", "persons_contacted": "Health Visitor Anna Lee",
        "contact_details": "Assessment promised by email this week"})
    assert [r["contact_date"] for r in draft["_rows"]["record_of_contacts"]] == ["2025-06-02", "2025-06-09"]
    assert only_task(rt, instance_id).name == "EH Early Help Request and Allocation"  # a draft moves nothing

    # Finish before the assessment arrived: the document's words, and nothing downstream.
    errors = refused(rt, instance_id, "EH Early Help Request and Allocation", "tia")
    assert errors == {
        "assessment_received": "The completed Assessment has not been received yet: Save and Close, "
                               "and record the chasing in the Record of contacts",
        "allocated_team": "Please Select",
        "request_approved": "Please tick to approve request"}

    clock.set(datetime(2025, 6, 12, 11, 0))
    finish(rt, instance_id, "EH Early Help Request and Allocation", "tia", assessment_received=True,
           case_status="Child and Family Assessment (Early Help)", allocated_team="TAC Admin – Lincoln locality",
           manager_comments="CFA received from Health Visitor Anna Lee", request_approved=True)

    errors = refused(rt, instance_id, "EH Child and Family Assessment", "tia", assessment_document="CFA.pdf",
                     checked_and_completed_by=True, assessment_type="TAC External LP (CFA Uploaded)",
                     tac_consultant_support=consultant, authoriser="tia")
    assert errors == {"assessment_document":
                      "The correct naming convention EH [name of document] YY/MM/DD should be used"}
    finish(rt, instance_id, "EH Child and Family Assessment", "tia", assessment_document="EH CFA St Marys 25/06/12",
           checked_and_completed_by=True, assessment_type="TAC External LP (CFA Uploaded)",
           tac_consultant_support=consultant, authoriser="tia")

    outcomes = {t.subject_name: t for t in open_tasks(rt, instance_id)}
    assert sorted(outcomes) == ["Josie Smith", "Joy Smith"]  # one per child, never Johnny
    assert {t.name for t in outcomes.values()} == {"Outcome from Assessment"}
    tasks.complete_task(rt, outcomes["Josie Smith"].id, "tia", {"assessment_outcome": josie})
    assert not any(t.name == AUTHORISE for t in open_tasks(rt, instance_id))  # waits for every child
    tasks.complete_task(rt, outcomes["Joy Smith"].id, "tia", {"assessment_outcome": joy})
    return instance_id


def authorise_self(rt, instance_id) -> None:
    """S-AUTH is sent to yourself: in tia's own list, not tom's (another TAC Admin)."""
    auth = only_task(rt, instance_id, AUTHORISE)
    assert (auth.assignee, auth.lane, auth.process_id) == ("tia", "Manager (authoriser)", S_AUTH)
    assert [t.name for t in queries.list_tasks(rt, "tia", mine=True)] == [AUTHORISE]
    assert queries.list_tasks(rt, "tom", mine=True) == []
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "tom", {"completed": True})
    finish(rt, instance_id, AUTHORISE, "tia", completed=True)


def outcomes_in_audit(rt, instance_id) -> dict[str, str]:
    """Each child's Outcome from Assessment as the audit recorded it."""
    history = queries.history(rt, instance_id=instance_id)
    child = {e.task_id: e.detail.get("subject") for e in history if e.action == "task_ready"}
    return {child[e.task_id]: e.detail["data"]["assessment_outcome"] for e in history
            if e.action == "task_completed" and e.name == "Outcome from Assessment"}


L5_FIRST_STEPS = [
    ("EH Early Help Contact", "TAC Admin"),
    ("Add the External Lead Professional as a Worker relationship", "TAC Admin"),
    ("EH Early Help Request and Allocation", "TAC Admin"),
    ("EH Child and Family Assessment", "TAC Admin"),
    ("Outcome from Assessment", "TAC Admin"),
    ("Outcome from Assessment", "TAC Admin"),
    (AUTHORISE, "Manager (authoriser)"),
]


def test_l5_chasing_upload_mixed_outcomes_and_consultant_support(rt, clock):
    case = setup(rt)
    instance_id = run_l5_to_outcomes(rt, clock, case, josie=PROCEED, joy=CLOSED, consultant=True)
    authorise_self(rt, instance_id)

    monitoring = only_task(rt, instance_id, TAC_MONITORING)
    consultant = only_task(rt, instance_id, "EH TAC Consultant support")
    assert (monitoring.lane, consultant.lane) == ("TAC Admin", "EH TAC Consultant")
    assert [t.name for t in queries.list_tasks(rt, "connie")] == ["EH TAC Consultant support"]
    finish(rt, instance_id, TAC_MONITORING, "tom", tac_monitoring_completed=True)
    assert queries.get_instance(rt, instance_id).status == "running"  # E1 only after both
    finish(rt, instance_id, "EH TAC Consultant support", "connie", tac_consultant_support_completed=True)

    assert_ended(rt, instance_id, "TAC Monitoring (External LP) in place – EH TAC Monitoring External Lead "
                                  "Professional with TAC Admin")
    assert ready_sequence(rt, instance_id) == L5_FIRST_STEPS + [
        (TAC_MONITORING, "TAC Admin"), ("EH TAC Consultant support", "EH TAC Consultant")]
    assert ends(rt, instance_id) == [
        (S_AUTH, "Authorised"),
        (L5, "TAC Monitoring (External LP) in place – EH TAC Monitoring External Lead Professional with TAC Admin")]

    # Both Record of contacts rows are stored, on the task row and in the case data.
    rows = [{"contact_date": "2025-06-02", "persons_contacted": "Health Visitor Anna Lee",
             "contact_details": "Chased the completed Child and Family Assessment by phone"},
            {"contact_date": "2025-06-09", "persons_contacted": "Health Visitor Anna Lee",
             "contact_details": "Assessment promised by email this week"}]
    [allocation] = completed_data(rt, instance_id, "EH Early Help Request and Allocation")
    assert allocation["record_of_contacts"] == rows
    assert (allocation["assessment_received"], allocation["case_status"], allocation["allocated_team"],
            allocation["request_approved"]) == (True, "child_and_family_assessment_early_help",
                                                "TAC Admin – Lincoln locality", True)
    [contact] = completed_data(rt, instance_id, "EH Early Help Contact")
    assert (contact["service_requested"], contact["step_down_from_sc"]) == ("tac_monitoring_external_lp", "no")
    [relationship] = completed_data(rt, instance_id, "Add the External Lead Professional as a Worker relationship")
    assert relationship == {"external_lp": "Health Visitor Anna Lee", "worker_relationship_added": True}
    [assessment] = completed_data(rt, instance_id, "EH Child and Family Assessment")
    assert (assessment["assessment_document"], assessment["assessment_type"], assessment["tac_consultant_support"],
            assessment["authoriser"]) == ("EH CFA St Marys 25/06/12", "tac_external_lp_cfa_uploaded", True, "tia")

    data = instance_data(rt, instance_id)
    assert data["record_of_contacts"] == rows
    assert {s["name"]: s["assessment_outcome"] for s in data["subjects"]} == {
        "Josie Smith": PROCEED, "Joy Smith": CLOSED}
    assert outcomes_in_audit(rt, instance_id) == {"Josie Smith": PROCEED, "Joy Smith": CLOSED}
    assert actions(rt, instance_id).count(("draft_saved", "EH Early Help Request and Allocation")) == 2
    # The refused upload left no trace but the error: one completion of the assessment, with the right name.
    assert actions(rt, instance_id).count(("task_completed", "EH Child and Family Assessment")) == 1


def test_l5_tac_monitoring_is_recorded_for_the_proceeding_child_only(rt, clock):
    case = setup(rt)
    instance_id = run_l5_to_outcomes(rt, clock, case, josie=PROCEED, joy=CLOSED, consultant=False)
    authorise_self(rt, instance_id)
    monitoring = only_task(rt, instance_id, TAC_MONITORING)
    assert monitoring.subject_name == "Josie Smith"


def test_l5_every_child_closed_at_assessment_ends_without_tac_monitoring(rt, clock):
    case = setup(rt)
    instance_id = run_l5_to_outcomes(rt, clock, case, josie=CLOSED, joy=CLOSED, consultant=True)
    authorise_self(rt, instance_id)

    assert_ended(rt, instance_id, "No child proceeds to TAC Monitoring – outcomes recorded")
    assert ready_sequence(rt, instance_id) == L5_FIRST_STEPS  # no TAC Monitoring, no consultant support
    assert ends(rt, instance_id) == [
        (S_AUTH, "Authorised"), (L5, "No child proceeds to TAC Monitoring – outcomes recorded")]
    assert outcomes_in_audit(rt, instance_id) == {"Josie Smith": CLOSED, "Joy Smith": CLOSED}


# --- L6: Change of Lead Professional from External to Internal (scenario 8) ---------------------------------------

def test_l6_change_of_lead_professional_to_internal(rt):
    case = setup(rt)
    instance_id = start(rt, case, L6, "tia", "Josie", "Joy", case_status_prior="tac_external_lp")
    finish(rt, instance_id, TAC_MONITORING, "tia", tac_monitoring_completed=True)

    decision = only_task(rt, instance_id, DECISION)
    assert decision.lane == "TAC Admin"
    # Case Status (prior to decision) is "prepopulated do not amend"; the further detail is mandatory.
    errors = refused(rt, instance_id, DECISION, "tia", case_status_prior="TAC (Internal LP)",
                     case_status_changed="yes_please_detail_below", completed_by=True, authoriser="sally")
    assert errors == {
        "case_status_prior": "Case Status (prior to decision) is filled in for you and cannot be changed",
        "significant_information": "Please add further detail is required",
        "case_status_new": "Please select the Case Status following the decision"}
    detail = ("Notified by Health Visitor Anna Lee that she is leaving the practice; Ella, Early Help worker, "
              "will take over as Lead Professional for Josie and Joy")
    finish(rt, instance_id, DECISION, "tia", decision_trigger="Transfer TAC (Internal / External)",
           significant_information=detail, case_status_changed="Yes, please detail below",
           case_status_new="TAC (Internal LP)", completed_by=True, authoriser="sally")

    request = only_task(rt, instance_id, REQUIRED_AUTHORISE)
    assert (request.lane, request.assignee) == ("Senior Early Help worker", "sally")
    assert [t.name for t in queries.list_tasks(rt, "sally", mine=True)] == [REQUIRED_AUTHORISE]
    for other in ("tia", "tom", "sid"):  # the sender, another TAC Admin, another Senior Early Help worker
        with pytest.raises(Forbidden):
            tasks.complete_task(rt, request.id, other, {"lead_professional": "ella", "completed": True})
    assert not any(t.name == "EH TAC Plan and Review" for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, REQUIRED_AUTHORISE, "sally", lead_professional="ella", completed=True)

    update = only_task(rt, instance_id, UPDATE_LP)
    assert form_field(update, "lead_professional")["readonly"]
    finish(rt, instance_id, UPDATE_LP, "sally", lead_professional_role_updated=True)

    plan = only_task(rt, instance_id, "EH TAC Plan and Review")
    assert (plan.lane, plan.assignee) == ("Lead Professional", "ella")
    assert [t.name for t in queries.list_tasks(rt, "ella", mine=True)] == ["EH TAC Plan and Review"]
    finish(rt, instance_id, "EH TAC Plan and Review", "ella", tac_plan_and_review_completed=True)

    end = "Lead Professional changed to Internal – EH TAC Plan and Review with the new Lead Professional"
    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == [
        (TAC_MONITORING, "TAC Admin"), (DECISION, "TAC Admin"),
        (REQUIRED_AUTHORISE, "Senior Early Help worker"), (UPDATE_LP, "Senior Early Help worker"),
        ("EH TAC Plan and Review", "Lead Professional")]
    assert ends(rt, instance_id) == [(L6, end)]

    [recorded] = completed_data(rt, instance_id, DECISION)
    assert {k: recorded[k] for k in ("case_status_prior", "decision_trigger", "significant_information",
                                     "case_status_changed", "case_status_new", "authoriser")} == {
        "case_status_prior": "tac_external_lp", "decision_trigger": "transfer_tac_internal_external",
        "significant_information": detail, "case_status_changed": "yes_please_detail_below",
        "case_status_new": "tac_internal_lp", "authoriser": "sally"}
    [authorised] = completed_data(rt, instance_id, REQUIRED_AUTHORISE)
    assert (authorised["lead_professional"], authorised["case_status_new"], authorised["completed"]) == (
        "ella", "tac_internal_lp", True)
    assert completed_data(rt, instance_id, UPDATE_LP) == [
        {"lead_professional": "ella", "lead_professional_role_updated": True}]
    data = instance_data(rt, instance_id)
    assert [s["name"] for s in data["subjects"]] == ["Josie Smith", "Joy Smith"]  # the LP role is for both
    assert (data["lead_professional"], data["case_status_new"]) == ("ella", "tac_internal_lp")
    history = queries.history(rt, instance_id=instance_id)
    assert [(e.actor, e.name) for e in history if e.action == "task_completed"][2:4] == [
        ("sally", REQUIRED_AUTHORISE), ("sally", UPDATE_LP)]


# --- L7: Request for EH Support (from External LP) (scenario 9) ---------------------------------------------------

L7_RUNS = [
    pytest.param({"screening_outcome": "Progress to Early Help / F4M", "allocate_to": "early_help_locality"},
                 ("EH Early Help Request and Allocation", "Early Help locality team", "lou"),
                 "Progress to Early Help", "Progressed to Early Help", id="early-help"),
    pytest.param({"screening_outcome": "progress_to_early_help_f4m", "allocate_to": "Future 4 Me"},
                 ("EH Early Help Request and Allocation", "Future 4 Me", "fay"),
                 "Progress to Future 4 Me", "Progressed to Future for Me", id="future-4-me"),
    pytest.param({"screening_outcome": "NFA"}, None,
                 "Declined – NFA", "Request declined – NFA (TAC Monitoring continues)", id="nfa"),
]


@pytest.mark.parametrize("screening, allocation, screening_end, end", L7_RUNS)
def test_l7_external_lp_asks_for_early_help_support(rt, screening, allocation, screening_end, end):
    case = setup(rt)
    instance_id = start(rt, case, L7, "tia", "Josie", "Joy", case_status_prior="tac_external_lp")
    finish(rt, instance_id, TAC_MONITORING, "tia", send_immediately=True)

    decision = only_task(rt, instance_id, DECISION)
    trigger = form_field(decision, "decision_trigger")
    assert trigger["default"] == "external_lp_requesting_early_help_support"
    assert trigger["properties"]["hint"] == "Request has been sent to Front Door for screening"
    assert form_field(decision, "case_status_prior")["readonly"]
    concerns = "Health Visitor Anna Lee reports Josie is not attending school and asks for Early Help support"
    finish(rt, instance_id, DECISION, "tia", decision_trigger="External LP requesting Early Help Support",
           significant_information=concerns, case_status_changed="No", completed_by=True,
           request_note="Please screen – External LP requesting Early Help Support")

    screen = only_task(rt, instance_id, SCREEN)
    assert (screen.lane, screen.process_id) == ("Front Door", S_FD)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, screen.id, "tia", {"screening_outcome": "nfa"})
    if allocation:  # progressing needs the inbox or team to pass it to
        errors = refused(rt, instance_id, SCREEN, "fred", screening_decision="Accept",
                         screening_outcome=screening["screening_outcome"], screened_by="fred",
                         screening_request_completed=True)
        assert list(errors) == ["allocate_to"]
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Screened the External LP's concerns",
           screened_by="fred", screening_request_completed=True, **screening)

    expected = [(TAC_MONITORING, "TAC Admin"), (DECISION, "TAC Admin"), (SCREEN, "Front Door")]
    if allocation:
        name, lane, worker = allocation
        task = only_task(rt, instance_id, name)
        assert task.lane == lane
        assert [t.name for t in queries.list_tasks(rt, worker)] == [name]
        finish(rt, instance_id, name, worker, case_status="Child and Family Assessment (Early Help)",
               allocated_team=lane, request_approved=True)
        expected.append((name, lane))

    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == expected
    assert ends(rt, instance_id) == [(S_FD, screening_end), (L7, end)]
    [recorded] = completed_data(rt, instance_id, DECISION)
    assert (recorded["case_status_prior"], recorded["decision_trigger"], recorded["significant_information"]) == (
        "tac_external_lp", "external_lp_requesting_early_help_support", concerns)
    [screened] = completed_data(rt, instance_id, SCREEN)
    assert screened["screened_by"] == "fred"
    assert screened["screening_outcome"] == ("nfa" if allocation is None else "progress_to_early_help_f4m")
    assert ("task_ready", SCREEN) in actions(rt, instance_id)  # the request name, verbatim


# --- L8: EH Decision on Significant Information, all triggers (scenario 10) --------------------------------------

def decide(rt, case, prior: str, **values) -> int:
    """Start L8 for Josie and Joy and record the decision as the Early Help Manager."""
    instance_id = start(rt, case, L8, "ella", "Josie", "Joy", case_status_prior=prior)
    decision = only_task(rt, instance_id, DECISION)
    assert (decision.lane, set(decision.teams)) == (
        "Early Help", {"Early Help", "Early Help Manager", "Senior Early Help worker", "TAC Admin"})
    values = {"case_status_changed": "no", "completed_by": True,
              "significant_information": "Significant information discussed at supervision", **values}
    finish(rt, instance_id, DECISION, "ella", **values)
    return instance_id


UNDESCRIBED = "Decision recorded – onward route not described in the source documents"


@pytest.mark.parametrize("values, end", [
    pytest.param({"decision_trigger": "escalation_to_social_care_amend_case_status",
                  "case_status_changed": "yes_please_detail_below",
                  "case_status_new": "open_to_social_care_early_help_support"},
                 "Escalated to Social Care – case status amended (onward referral not described)", id="escalation"),
    pytest.param({"decision_trigger": "youth_homeless_intervention_required"}, UNDESCRIBED, id="youth-homeless"),
    pytest.param({"decision_trigger": "transfer_tac_internal_external", "transfer_direction": "internal_external"},
                 UNDESCRIBED, id="transfer-internal-to-external"),
])
def test_l8_undocumented_triggers_end_at_once(rt, values, end):
    case = setup(rt)
    instance_id = decide(rt, case, "tac_internal_lp", **values)
    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == [(DECISION, "Early Help")]
    assert ends(rt, instance_id) == [(L8, end)]
    [recorded] = completed_data(rt, instance_id, DECISION)
    assert {k: recorded[k] for k in values} == values
    assert recorded["case_status_prior"] == "tac_internal_lp"


def test_l8_decision_bad_input_names_each_field(rt):
    case = setup(rt)
    instance_id = start(rt, case, L8, "ella", "Josie", "Joy", case_status_prior="tac_external_lp")
    errors = refused(rt, instance_id, DECISION, "ella", case_status_changed="no", completed_by=True,
                     significant_information="Lead Professional is changing",
                     decision_trigger="Transfer TAC (Internal / External)")
    assert errors == {"transfer_direction": "Transfer direction is required"}
    errors = refused(rt, instance_id, DECISION, "ella", case_status_changed="no", completed_by=True,
                     significant_information="Stepping down to TAC (Internal LP)",
                     decision_trigger="step_down_from_social_care_to_tac_internal_lp_send_tac_plan_and_review_to_self")
    assert errors == {"lead_professional": "Lead Professional is required", "authoriser": "Pass to Worker is required"}
    errors = refused(rt, instance_id, DECISION, "ella", case_status_prior="tac_internal_lp")
    assert set(errors) == {"case_status_prior", "decision_trigger", "significant_information",
                           "case_status_changed", "completed_by"}
    assert errors["case_status_prior"] == "Case Status (prior to decision) is filled in for you and cannot be changed"
    with pytest.raises(Forbidden):  # not in the Early Help lane or its candidate teams
        tasks.complete_task(rt, only_task(rt, instance_id, DECISION).id, "fred", {})


def test_l8_step_down_to_external_lp_sends_tac_monitoring_to_tac_admin(rt):
    case = setup(rt)
    instance_id = decide(rt, case, "open_to_social_care_early_help_support",
                         decision_trigger="Step down from Social Care to TAC (External LP) - send TAC Monitoring to "
                                          "TAC Admin",
                         case_status_changed="yes_please_detail_below", case_status_new="tac_external_lp")
    monitoring = only_task(rt, instance_id, TAC_MONITORING)
    assert [t.name for t in queries.list_tasks(rt, "tia", team="TAC Admin")] == [TAC_MONITORING]
    assert monitoring.lane == "TAC Admin"
    finish(rt, instance_id, TAC_MONITORING, "tia", tac_monitoring_completed=True)

    end = "TAC (External LP) – EH TAC Monitoring External Lead Professional with TAC Admin"
    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == [(DECISION, "Early Help"), (TAC_MONITORING, "TAC Admin")]
    assert ends(rt, instance_id) == [(L8, end)]
    assert instance_data(rt, instance_id)["case_status_new"] == "tac_external_lp"


def test_l8_step_down_to_internal_lp_is_authorised_then_tac_plan_and_review(rt):
    case = setup(rt)
    instance_id = decide(rt, case, "open_to_social_care_early_help_support",
                         decision_trigger="Step down from Social Care to TAC (Internal LP) - send TAC Plan and "
                                          "Review to self",
                         case_status_changed="yes_please_detail_below", case_status_new="TAC (Internal LP)",
                         lead_professional="eve", authoriser="ella")
    auth = only_task(rt, instance_id, "CS Manager: Please review and authorise")
    assert (auth.assignee, auth.lane, auth.process_id) == ("ella", "Manager (authoriser)", S_AUTH)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "sally", {"completed": True})
    assert not any(t.name == "EH TAC Plan and Review" for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, "CS Manager: Please review and authorise", "ella", completed=True)

    plan = only_task(rt, instance_id, "EH TAC Plan and Review")
    assert (plan.lane, plan.assignee) == ("Early Help worker", "eve")
    finish(rt, instance_id, "EH TAC Plan and Review", "eve", tac_plan_and_review_completed=True)

    end = "TAC (Internal LP) – EH TAC Plan and Review allocated"
    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == [
        (DECISION, "Early Help"), ("CS Manager: Please review and authorise", "Manager (authoriser)"),
        ("EH TAC Plan and Review", "Early Help worker")]
    assert ends(rt, instance_id) == [(S_AUTH, "Authorised"), (L8, end)]
    assert instance_data(rt, instance_id)["case_status_new"] == "tac_internal_lp"


def test_l8_transfer_external_to_internal_goes_through_the_senior_early_help_worker(rt):
    case = setup(rt)
    instance_id = decide(rt, case, "tac_external_lp", decision_trigger="transfer_tac_internal_external",
                         transfer_direction="External → Internal", authoriser="sally",
                         significant_information="External LP Anna Lee is leaving; Eve to become Lead Professional")
    request = only_task(rt, instance_id, REQUIRED_AUTHORISE)
    assert (request.lane, request.assignee, request.process_id) == ("Senior Early Help worker", "sally", L8)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, request.id, "sid", {"lead_professional": "eve", "completed": True})
    finish(rt, instance_id, REQUIRED_AUTHORISE, "sally", lead_professional="eve", completed=True)
    finish(rt, instance_id, UPDATE_LP, "sid", lead_professional_role_updated=True)  # any Senior EH worker
    plan = only_task(rt, instance_id, "EH TAC Plan and Review")
    assert plan.assignee == "eve"
    finish(rt, instance_id, "EH TAC Plan and Review", "eve", tac_plan_and_review_completed=True)

    end = "TAC transferred to an Internal Lead Professional"
    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == [
        (DECISION, "Early Help"), (REQUIRED_AUTHORISE, "Senior Early Help worker"),
        (UPDATE_LP, "Senior Early Help worker"), ("EH TAC Plan and Review", "Early Help worker")]
    assert ends(rt, instance_id) == [(L8, end)]
    data = instance_data(rt, instance_id)
    assert (data["transfer_direction"], data["lead_professional"], data["case_status_new"],
            data["lead_professional_role_updated"]) == ("external_internal", "eve", "tac_internal_lp", True)


@pytest.mark.parametrize("screening, screening_end, end", [
    pytest.param({"screening_outcome": "progress_to_early_help_f4m", "allocate_to": "early_help_locality"},
                 "Progress to Early Help", "Progressed to Early Help", id="early-help"),
    pytest.param({"screening_outcome": "progress_to_early_help_f4m", "allocate_to": "future_4_me"},
                 "Progress to Future 4 Me", "Progressed to Future 4 Me", id="future-4-me"),
    pytest.param({"screening_outcome": "nfa"}, "Declined – NFA", "Declined – NFA", id="nfa"),
])
def test_l8_external_lp_requesting_early_help_support_is_screened(rt, screening, screening_end, end):
    case = setup(rt)
    instance_id = decide(rt, case, "tac_external_lp", decision_trigger="External LP requesting Early Help Support",
                         significant_information="Health Visitor Anna Lee asks for Early Help support for Joy")
    screen = only_task(rt, instance_id, SCREEN)
    assert (screen.lane, screen.process_id) == ("Front Door", S_FD)
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Screened the External LP's request",
           screened_by="fred", screening_request_completed=True, **screening)

    assert_ended(rt, instance_id, end)
    assert ready_sequence(rt, instance_id) == [(DECISION, "Early Help"), (SCREEN, "Front Door")]
    assert ends(rt, instance_id) == [(S_FD, screening_end), (L8, end)]
    [screened] = completed_data(rt, instance_id, SCREEN)
    assert {k: screened[k] for k in screening} == screening
