"""Lincolnshire step out to TAC (catalogue §10 scenarios 1–6), driven end to end through the service layer.

Processes: L1 lincs_step_out_internal_lp_existing_eh, L2 lincs_step_out_internal_lp_no_eh,
L3 lincs_step_out_external_lp_eh_involved, L4 lincs_step_out_external_lp_no_eh (into L5
lincs_tac_monitoring_request_external_lp), and the shared sub-processes lincs_sc_case_closure (S-CLOSE),
lincs_front_door_screening (S-FD) and lincs_manager_authorisation (S-AUTH).
"""

from __future__ import annotations

import pytest

from bpmnrun.service import instances, queries, tasks, users
from bpmnrun.service.errors import Forbidden, InvalidInput
from tests.support import (actions, add_users, deploy_library, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, subject_ids)

L1 = "lincs_step_out_internal_lp_existing_eh"
L2 = "lincs_step_out_internal_lp_no_eh"
L3 = "lincs_step_out_external_lp_eh_involved"
L4 = "lincs_step_out_external_lp_no_eh"
L5 = "lincs_tac_monitoring_request_external_lp"
S_CLOSE = "lincs_sc_case_closure"
S_FD = "lincs_front_door_screening"
S_AUTH = "lincs_manager_authorisation"

# Requests (the documents' words) and the tasks that send them.
L1_REQUEST = "CS Early Help Manager: Social Care involvement ended, step out to TAC (Internal LP)"
L3_REQUEST = "CS Early Help Manager: Social Care involvement ended, step out to TAC Monitoring (External LP)"
L4_REQUEST = "CS TAC Admin: Social Care involvement ended, initiate TAC Monitoring (not allocated to EH/F4M)"
L1_SEND = f"Send the Request – {L1_REQUEST}"
L3_SEND = f"Send the Request – {L3_REQUEST}"
L4_SEND = f"Send the Request – {L4_REQUEST}"

# Task names.
FINISH_WORKSTEP = "Update the workstep, and Finish it adding the appropriate Next Action"
SUPERVISION = "EH Early Help Case Supervision"
DECISION = "EH Decision on Significant Information"
AUTHORISE = "CS Manager: Please review and authorise"
TAC_PLAN = "EH TAC Plan and Review"
SC_CLOSURE = "SC Social Care Case Closure"
SC_NO_INTERVENTION = "SC No Social Care Intervention Required – Case to close"
CANCEL_VISITS = "Cancel outstanding SC worksteps"
CONTACT = "EH Early Help Contact"
SCREEN = "CS Front door: Please screen contact"
ALLOCATION = "EH Early Help Request and Allocation"
TAC_MONITORING = "EH TAC Monitoring External Lead Professional"
WORKER_RELATIONSHIP = "Add the External Lead Professional as a Worker relationship"
CFA = "EH Child and Family Assessment"
OUTCOME = "Outcome from Assessment"

# End events.
L1_E1 = "Case closed to SC – TAC (Internal LP): EH TAC Plan and Review with the Internal Lead Professional"
L2_E1 = "Step out accepted – passed to a locality team for allocation; case closed to SC"
L2_E2 = "Step out accepted – passed to Future 4 Me for allocation; case closed to SC"
L2_E3 = "Step out declined – Social Care workflow continues"
L3_E1 = "Case closed to SC – TAC Monitoring (External LP) with TAC Admin"
L4_E1 = "Case closed to SC – TAC Monitoring (External LP) initiated by TAC Admin"
L4_E2 = "Case closed to SC – no child proceeds to TAC Monitoring"
L5_E1 = "TAC Monitoring (External LP) in place – EH TAC Monitoring External Lead Professional with TAC Admin"
L5_E2 = "No child proceeds to TAC Monitoring – outcomes recorded"
CLOSED = "Social Care case closed"
AUTHORISED = "Authorised"
FD_EARLY_HELP = "Progress to Early Help"
FD_FUTURE_4_ME = "Progress to Future 4 Me"
FD_NFA = "Declined – NFA"

NOTE = "Health Visitor Anna Lee"


# --- helpers ----------------------------------------------------------------------------------------


def setup(rt):
    """The library, one user per lane (Ella's line manager is Mona, not Eve), and Family Smith."""
    deploy_library(rt)
    add_users(rt, sam="Social Worker", paula="Practice Supervisor",
              eve=["Early Help Manager", "EH Awaiting Allocation"], mona="Early Help Manager",
              fred="Front Door", lola="Early Help locality team", finn="Future 4 Me", tara="TAC Admin",
              connie="EH TAC Consultant")
    users.add_user(rt, "ella", ["Early Help worker"], line_manager="mona")
    return smith_family(rt)


def start(rt, process_id, case, actor, *children, **data) -> int:
    return instances.start_work(rt, process_id, case.id, actor, subject_ids(case, *children), data)


def ends(rt, instance_id) -> list[tuple[str, str]]:
    """(end event, process) in the order they were reached, sub-processes included."""
    return [(e.name, e.detail["process"]) for e in queries.history(rt, instance_id=instance_id)
            if e.action == "end_event"]


def outcome(rt, instance_id) -> tuple[str, str | None]:
    info = queries.get_instance(rt, instance_id)
    return info.status, info.end_event


def names_ever(rt, case) -> set[str]:
    """Every task row the case ever had, open or closed."""
    return {t.name for t in queries.case_tasks(rt, case.id)}


def completed(rt, case, name):
    rows = [t for t in queries.case_tasks(rt, case.id) if t.name == name and t.state == "completed"]
    assert len(rows) == 1, f"expected one completed {name!r}, found {len(rows)}"
    return rows[0]


def started_for(rt, instance_id) -> list[str]:
    return next(e.detail["subjects"] for e in queries.history(rt, instance_id=instance_id)
                if e.action == "instance_started")


def invalid(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task.id, actor, values)
    return caught.value.errors


def decide_step_out(rt, instance_id, manager, *, lead_professional, authoriser):
    """EH Early Help Case Supervision → EH Decision on Significant Information (trigger 8) by the EH Manager."""
    supervision = only_task(rt, instance_id, SUPERVISION)
    tasks.claim(rt, supervision.id, manager)  # Pass to Worker: Assign to Me
    tasks.complete_task(rt, supervision.id, manager, {
        "supervision_next_action": "EH Decision on Significant Information", "send_immediately": True,
        "supervision_pass_to_worker": "assign_to_me"})
    return finish(rt, instance_id, DECISION, manager,
                  decision_trigger="Step down from Social Care to TAC (Internal LP) - send TAC Plan and Review to self",
                  significant_information="Social Care involvement has ended following the review; the family "
                                          "agree to step out to TAC with an Early Help worker as Lead Professional.",
                  case_status_changed="Yes, please detail below", case_status_new="TAC (Internal LP)",
                  completed_by=True, decision_next_action="EH TAC Plan and Review",
                  lead_professional=lead_professional, authoriser=authoriser)


def send_contact(rt, instance_id):
    """L2.1: the Social Worker's EH Early Help Contact, Sections 1, 2 and the request."""
    return finish(rt, instance_id, CONTACT, "sam", young_carer="No", service_requested="Early Help / F4M Support",
                  step_down_from_sc="Yes - Please open to Early Help to step down to Internal LP",
                  source_of_contact="LA Services – LCC Social Care", request_datetime="2025-06-02 09:00",
                  person_making_contact="sam", request="CS Front door: Please screen contact",
                  pass_to="CS Early Help – Front Door Inbox")


def screen(rt, instance_id, screening_outcome, allocate_to=None):
    values = dict(screening_decision="Family agree to Early Help support; Social Care involvement ending.",
                  screening_outcome=screening_outcome, screened_by="fred", screening_request_completed=True)
    if allocate_to:
        values["allocate_to"] = allocate_to
    return finish(rt, instance_id, SCREEN, "fred", **values)


def allocate(rt, instance_id, actor, team):
    return finish(rt, instance_id, ALLOCATION, actor, case_status="TAC (Internal LP)",
                  manager_comments="Step out from Social Care agreed at screening.", allocated_team=team,
                  request_approved=True)


def l4_request_and_acknowledge(rt, case, *children) -> int:
    instance_id = start(rt, L4, case, "sam", *children)
    finish(rt, instance_id, L4_SEND, "sam", request=L4_REQUEST,
           originating_sc_workstep="SC Child and Family Progress Meeting", external_lp=NOTE,
           pass_to="TAC Admin Virtual Worker")
    finish(rt, instance_id, FINISH_WORKSTEP, "sam", sc_workstep_finished=True)
    finish(rt, instance_id, SC_CLOSURE, "sam", sc_case_closure_completed=True)
    with pytest.raises(Forbidden):  # the notification is for the TAC Admin virtual worker
        tasks.complete_task(rt, only_task(rt, instance_id, L4_REQUEST).id, "sam", {"acknowledged": True})
    ack = finish(rt, instance_id, L4_REQUEST, "tara", acknowledged=True)
    assert completed(rt, case, L4_REQUEST).data["external_lp"] == NOTE  # the Note travels with the request
    assert ack.lane == "TAC Admin"
    # L5.1 (the service and step question L4 hands over, ticked as 002 says) and L5.2.
    contact = finish(rt, instance_id, CONTACT, "tara", young_carer="No",
                     service_requested="TAC Monitoring (External LP)",
                     step_down_from_sc="Yes - Step down to External LP (TAC Monitoring)",
                     source_of_contact="LA Services – LCC Social Care", request_datetime="2025-06-02 10:30",
                     person_making_contact="tara")
    assert contact.process_id == L5
    recorded = completed(rt, case, CONTACT).data
    assert (recorded["service_requested"], recorded["step_down_from_sc"], recorded["external_lp"]) == (
        "tac_monitoring_external_lp", "yes_step_down_to_external_lp_tac_monitoring", NOTE)
    finish(rt, instance_id, WORKER_RELATIONSHIP, "tara", worker_relationship_added=True)
    assert completed(rt, case, WORKER_RELATIONSHIP).data["external_lp"] == NOTE
    return instance_id


# --- scenario 1: L1 ----------------------------------------------------------------------------------


def test_l1_from_rcpc_self_authorised_goes_to_tac_plan_and_review_for_ella(rt):
    case = setup(rt)
    iid = start(rt, L1, case, "sam", "Josie", "Joy")

    send = only_task(rt, iid, L1_SEND)
    assert [o["label"] for o in send.form[0]["options"]] == [L1_REQUEST]
    tasks.complete_task(rt, send.id, "sam", {
        "originating_sc_workstep": "SC Review Child Protection Conference", "eh_manager_agreed": True,
        "pass_to": "EH Awaiting Allocation",
        "note": "Agreed with Eve at the Review Child Protection Conference on 30/05/2025"})
    sent = completed(rt, case, L1_SEND).data
    assert (sent["request"], sent["originating_sc_workstep"], sent["pass_to"]) == (
        "cs_early_help_manager_social_care_involvement_ended_step_out_to_tac_internal_lp",
        "sc_review_child_protection_conference", "eh_awaiting_allocation")

    # The EH Awaiting Allocation virtual worker receives the notification.
    assert SUPERVISION in [t.name for t in queries.list_tasks(rt, "eve", team="EH Awaiting Allocation")]
    finish(rt, iid, FINISH_WORKSTEP, "sam", sc_workstep_finished=True)
    closure = only_task(rt, iid, SC_CLOSURE)
    assert (closure.lane, closure.process_id) == ("Social Worker", S_CLOSE)

    decide_step_out(rt, iid, "eve", lead_professional="ella", authoriser="eve")
    auth = only_task(rt, iid, AUTHORISE)
    assert (auth.assignee, auth.lane, auth.process_id) == ("eve", "Manager (authoriser)", S_AUTH)
    assert TAC_PLAN not in names_ever(rt, case)
    finish(rt, iid, AUTHORISE, "eve", completed=True)

    plan = only_task(rt, iid, TAC_PLAN)
    assert (plan.assignee, plan.lane) == ("ella", "Early Help worker")
    assert [t.name for t in queries.list_tasks(rt, "ella", mine=True)] == [TAC_PLAN]
    assert started_for(rt, iid) == ["Josie Smith", "Joy Smith"]  # Johnny is not part of this work
    assert [s["name"] for s in instance_data(rt, iid)["subjects"]] == ["Josie Smith", "Joy Smith"]

    finish(rt, iid, SC_CLOSURE, "sam", sc_case_closure_completed=True)
    assert outcome(rt, iid) == ("running", None)  # the join waits for the Internal LP
    finish(rt, iid, TAC_PLAN, "ella", tac_plan_and_review_completed=True)

    assert outcome(rt, iid) == ("completed", L1_E1)
    assert ready_sequence(rt, iid) == [
        (L1_SEND, "Social Worker"),
        (FINISH_WORKSTEP, "Social Worker"),
        (SUPERVISION, "Early Help Manager"),
        (SC_CLOSURE, "Social Worker"),
        (DECISION, "Early Help Manager"),
        (AUTHORISE, "Manager (authoriser)"),
        (TAC_PLAN, "Early Help worker"),
    ]
    decision = completed(rt, case, DECISION).data
    assert decision["decision_trigger"] == \
        "step_down_from_social_care_to_tac_internal_lp_send_tac_plan_and_review_to_self"
    assert (decision["case_status_prior"], decision["case_status_changed"], decision["case_status_new"]) == (
        "open_to_social_care_early_help_support", "yes_please_detail_below", "tac_internal_lp")
    assert (decision["lead_professional"], decision["authoriser"]) == ("ella", "eve")
    assert completed(rt, case, AUTHORISE).completed_by == "eve"
    data = instance_data(rt, iid)
    assert (data["case_status_new"], data["lead_professional"]) == ("tac_internal_lp", "ella")
    assert ends(rt, iid) == [(AUTHORISED, S_AUTH), (CLOSED, S_CLOSE), (L1_E1, L1)]
    trail = actions(rt, iid)
    assert ("task_completed", f"Send the Request – {L1_REQUEST}") in trail  # the request's name verbatim
    assert ("task_completed", AUTHORISE) in trail
    assert trail[-1] == ("instance_completed", L1_E1)


def test_l1_from_assessment_authorised_by_the_workers_line_manager(rt):
    case = setup(rt)
    iid = start(rt, L1, case, "sam", "Josie", "Joy")
    finish(rt, iid, L1_SEND, "sam", originating_sc_workstep="SC Child and Family Assessment",
           eh_manager_agreed=True, pass_to="EH Awaiting Allocation")
    finish(rt, iid, FINISH_WORKSTEP, "sam", sc_workstep_finished=True)
    closure = only_task(rt, iid, SC_NO_INTERVENTION)
    assert (closure.lane, closure.process_id) == ("Social Worker", S_CLOSE)
    assert SC_CLOSURE not in names_ever(rt, case)

    # Eve does not supervise Ella: the request goes to Ella's line manager.
    line_manager = users.get_user(rt, "ella").line_manager
    assert line_manager == "mona"
    decide_step_out(rt, iid, "eve", lead_professional="ella", authoriser=line_manager)
    auth = only_task(rt, iid, AUTHORISE)
    assert auth.assignee == "mona"
    assert [t.id for t in queries.list_tasks(rt, "mona") if t.name == AUTHORISE] == [auth.id]
    assert AUTHORISE not in [t.name for t in queries.list_tasks(rt, "eve")]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "eve", {"completed": True})
    assert TAC_PLAN not in names_ever(rt, case)
    finish(rt, iid, SC_NO_INTERVENTION, "sam", sc_case_closure_completed=True)
    assert TAC_PLAN not in names_ever(rt, case)  # still waiting for the authorisation

    finish(rt, iid, AUTHORISE, "mona", completed=True)
    plan = only_task(rt, iid, TAC_PLAN)
    assert plan.assignee == "ella"
    finish(rt, iid, TAC_PLAN, "ella", tac_plan_and_review_completed=True)

    assert outcome(rt, iid) == ("completed", L1_E1)
    assert ready_sequence(rt, iid) == [
        (L1_SEND, "Social Worker"),
        (FINISH_WORKSTEP, "Social Worker"),
        (SUPERVISION, "Early Help Manager"),
        (SC_NO_INTERVENTION, "Social Worker"),
        (DECISION, "Early Help Manager"),
        (AUTHORISE, "Manager (authoriser)"),
        (TAC_PLAN, "Early Help worker"),
    ]
    assert completed(rt, case, AUTHORISE).completed_by == "mona"
    assert completed(rt, case, SC_NO_INTERVENTION).data["sc_case_closure_completed"] is True
    assert ends(rt, iid) == [(CLOSED, S_CLOSE), (AUTHORISED, S_AUTH), (L1_E1, L1)]


def test_l1_request_passed_to_the_approving_manager_reaches_that_manager(rt):
    case = setup(rt)
    iid = start(rt, L1, case, "sam", "Josie", "Joy")
    finish(rt, iid, L1_SEND, "sam", originating_sc_workstep="SC Review Child Protection Conference",
           eh_manager_agreed=True, pass_to="Early Help Manager that has approved the step out to TAC",
           approving_eh_manager="eve")
    assert completed(rt, case, L1_SEND).data["approving_eh_manager"] == "eve"
    assert only_task(rt, iid, SUPERVISION).assignee == "eve"


# --- scenario 2: L1 bad input ---------------------------------------------------------------------------


def test_l1_decision_with_no_trigger_no_detail_and_a_changed_prior_status_is_refused(rt):
    case = setup(rt)
    iid = start(rt, L1, case, "sam", "Josie", "Joy")
    send = only_task(rt, iid, L1_SEND)
    errors = invalid(rt, send, "sam", {"originating_sc_workstep": "SC Review Child Protection Conference"})
    assert set(errors) == {"eh_manager_agreed", "pass_to"}  # no agreement ticked, nobody to pass it to
    finish(rt, iid, L1_SEND, "sam", originating_sc_workstep="SC Review Child Protection Conference",
           eh_manager_agreed=True, pass_to="EH Awaiting Allocation")
    finish(rt, iid, SUPERVISION, "eve", supervision_next_action="EH Decision on Significant Information")

    decision = only_task(rt, iid, DECISION)
    with pytest.raises(Forbidden):  # a Social Worker cannot record the Early Help decision
        tasks.complete_task(rt, decision.id, "sam", {})
    errors = invalid(rt, decision, "eve", {
        "decision_trigger": "", "significant_information": "",
        "case_status_prior": "TAC (Internal LP)",
        "case_status_changed": "Yes, please detail below", "case_status_new": "TAC (Internal LP)",
        "completed_by": True, "lead_professional": "ella", "authoriser": "eve"})
    assert errors == {
        "decision_trigger": "What has triggered this decision? is required",
        "significant_information": "Please add further detail is required",
        "case_status_prior": "Case Status (prior to decision) is filled in for you and cannot be changed",
    }
    assert only_task(rt, iid, DECISION).id == decision.id  # still READY
    assert AUTHORISE not in names_ever(rt, case)

    # Another trigger is not this step out's; and a change of status must say to what.
    errors = invalid(rt, decision, "eve", {
        "decision_trigger": "Transfer TAC (Internal / External)", "significant_information": "Transfer",
        "case_status_changed": "Yes, please detail below", "case_status_new": "",
        "completed_by": True, "lead_professional": "ella", "authoriser": "eve"})
    assert errors["decision_trigger"].startswith("In this step out the trigger is 'Step down from Social Care to "
                                                 "TAC (Internal LP) - send TAC Plan and Review to self'")
    assert set(errors) == {"decision_trigger"}  # case_status_new keeps its default TAC (Internal LP)
    assert AUTHORISE not in names_ever(rt, case)
    assert [e for e in actions(rt, iid) if e[0] == "task_completed" and e[1] == DECISION] == []

    finish(rt, iid, DECISION, "eve",
           decision_trigger="step_down_from_social_care_to_tac_internal_lp_send_tac_plan_and_review_to_self",
           significant_information="Stepping out to TAC; Ella will be the Internal Lead Professional.",
           completed_by=True, lead_professional="ella", authoriser="eve")
    assert only_task(rt, iid, AUTHORISE).assignee == "eve"
    assert completed(rt, case, DECISION).data["case_status_prior"] == "open_to_social_care_early_help_support"


# --- scenario 3: L2 accepted to a locality ---------------------------------------------------------------


def test_l2_accepted_to_a_locality_with_visits_cancelled(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "sam", "Johnny", "Josie")

    contact = only_task(rt, iid, CONTACT)
    errors = invalid(rt, contact, "sam", {
        "young_carer": "No", "step_down_from_sc": "Yes - Please open to Early Help to step down to Internal LP",
        "source_of_contact": "LA Services – LCC Social Care"})
    assert errors == {"service_requested": "Please select service in Radio field"}
    assert [t.name for t in open_tasks(rt, iid)] == [CONTACT]  # still READY, nothing sent to the Front Door
    assert SCREEN not in names_ever(rt, case)

    send_contact(rt, iid)
    screening = only_task(rt, iid, SCREEN)
    assert (screening.lane, screening.process_id) == ("Front Door", S_FD)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, screening.id, "sam", {})
    screen(rt, iid, "Progress to Early Help / F4M", "Early Help locality")

    allocation = only_task(rt, iid, ALLOCATION)
    assert (allocation.lane, allocation.process_id) == ("Early Help locality team", L2)
    assert [t.name for t in queries.list_tasks(rt, "lola")] == [ALLOCATION]
    assert queries.list_tasks(rt, "finn") == []
    finish(rt, iid, SC_CLOSURE, "sam", sc_case_closure_completed=True)
    cancel = only_task(rt, iid, CANCEL_VISITS)
    assert (cancel.lane, cancel.process_id) == ("Practice Supervisor", S_CLOSE)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, cancel.id, "sam", {"visits_cancelled": ["SC Child in Need Visit"]})
    finish(rt, iid, CANCEL_VISITS, "paula", visits_cancelled=["SC Child in Need Visit"])
    assert outcome(rt, iid) == ("running", None)
    allocate(rt, iid, "lola", "Lincoln North Early Help locality team")

    assert outcome(rt, iid) == ("completed", L2_E1)
    assert ready_sequence(rt, iid) == [
        (CONTACT, "Social Worker"),
        (SCREEN, "Front Door"),
        (SC_CLOSURE, "Social Worker"),
        (ALLOCATION, "Early Help locality team"),
        (CANCEL_VISITS, "Practice Supervisor"),
    ]
    assert started_for(rt, iid) == ["Johnny Smith", "Josie Smith"]
    sent = completed(rt, case, CONTACT).data
    assert sent == {
        "young_carer": "no", "service_requested": "early_help_f4m_support",
        "step_down_from_sc": "yes_please_open_to_early_help_to_step_down_to_internal_lp",
        "source_of_contact": "la_services_lcc_social_care", "request_datetime": "2025-06-02 09:00",
        "person_making_contact": "sam", "request": "cs_front_door_please_screen_contact",
        "pass_to": "cs_early_help_front_door_inbox", "closure_next_action": "sc_social_care_case_closure",
        "cancel_outstanding_visits_allowed": True}
    screened = completed(rt, case, SCREEN).data
    assert (screened["screening_outcome"], screened["allocate_to"], screened["screened_by"]) == (
        "progress_to_early_help_f4m", "early_help_locality", "fred")
    assert completed(rt, case, CANCEL_VISITS).data == {"visits_cancelled": ["sc_child_in_need_visit"]}
    assert completed(rt, case, ALLOCATION).data["allocated_team"] == "Lincoln North Early Help locality team"
    assert ends(rt, iid) == [(FD_EARLY_HELP, S_FD), (CLOSED, S_CLOSE), (L2_E1, L2)]
    assert ("task_completed", SCREEN) in actions(rt, iid)


# --- scenario 4: L2 to Future 4 Me, and declined ----------------------------------------------------------


def test_l2_passed_to_future_4_me(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "sam", "Johnny", "Josie")
    send_contact(rt, iid)

    screening = only_task(rt, iid, SCREEN)
    errors = invalid(rt, screening, "fred", {
        "screening_decision": "Progress to Future 4 Me", "screening_outcome": "Progress to Early Help / F4M",
        "screened_by": "fred", "screening_request_completed": True})
    assert errors == {"allocate_to": "Pass to Worker / Pass to team is required"}
    assert ALLOCATION not in names_ever(rt, case)
    screen(rt, iid, "Progress to Early Help / F4M", "Future 4 Me")  # Pass to team

    allocation = only_task(rt, iid, ALLOCATION)
    assert allocation.lane == "Future 4 Me"
    assert queries.list_tasks(rt, "lola") == []
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, allocation.id, "lola", {})
    allocate(rt, iid, "finn", "Future 4 Me")
    finish(rt, iid, SC_CLOSURE, "sam", sc_case_closure_completed=True)
    finish(rt, iid, CANCEL_VISITS, "paula")  # nothing outstanding: "can be cancelled"

    assert outcome(rt, iid) == ("completed", L2_E2)
    assert ready_sequence(rt, iid) == [
        (CONTACT, "Social Worker"),
        (SCREEN, "Front Door"),
        (SC_CLOSURE, "Social Worker"),
        (ALLOCATION, "Future 4 Me"),
        (CANCEL_VISITS, "Practice Supervisor"),
    ]
    assert completed(rt, case, CANCEL_VISITS).data.get("visits_cancelled") is None  # none ticked
    assert ends(rt, iid) == [(FD_FUTURE_4_ME, S_FD), (CLOSED, S_CLOSE), (L2_E2, L2)]


def test_l2_declined_nfa_leaves_the_social_care_workflow_running(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "sam", "Johnny", "Josie")
    send_contact(rt, iid)
    screen(rt, iid, "NFA")

    assert outcome(rt, iid) == ("completed", L2_E3)
    assert ready_sequence(rt, iid) == [(CONTACT, "Social Worker"), (SCREEN, "Front Door")]
    assert names_ever(rt, case) == {CONTACT, SCREEN}  # no closure, no cancellation, no allocation
    assert completed(rt, case, SCREEN).data["screening_outcome"] == "nfa"
    assert ends(rt, iid) == [(FD_NFA, S_FD), (L2_E3, L2)]


# --- scenario 5: L3 ----------------------------------------------------------------------------------------


def test_l3_external_lp_with_early_help_involved(rt):
    case = setup(rt)
    iid = start(rt, L3, case, "sam", "Josie", "Joy")
    send = only_task(rt, iid, L3_SEND)
    errors = invalid(rt, send, "sam", {"originating_sc_workstep": "SC Child and Family Progress Meeting",
                                       "pass_to": "EH Awaiting Allocation"})
    assert errors == {"external_lp": "Note is required"}  # who the new External LP will be
    finish(rt, iid, L3_SEND, "sam", request=L3_REQUEST, originating_sc_workstep="SC Child and Family Progress Meeting",
           external_lp=NOTE, pass_to="EH Awaiting Allocation")

    finish(rt, iid, FINISH_WORKSTEP, "sam", sc_workstep_finished=True)
    supervision = only_task(rt, iid, SUPERVISION)
    assert supervision.lane == "Early Help Manager"
    assert {"label": "Note", "readonly": True} == {k: supervision.form[0][k] for k in ("label", "readonly")}
    finish(rt, iid, SUPERVISION, "eve")  # next action EH Decision on Significant Information, Send Immediately
    assert completed(rt, case, SUPERVISION).data["external_lp"] == NOTE

    decision = only_task(rt, iid, DECISION)
    errors = invalid(rt, decision, "eve", {
        "decision_trigger": "Step down from Social Care to TAC (External LP) - send TAC Monitoring to TAC Admin",
        "significant_information": "x", "completed_by": True, "authoriser": "eve",
        "decision_next_action": "EH TAC Plan and Review"})
    assert errors == {"decision_next_action": "EH TAC Plan and Review cannot be chosen here"}
    finish(rt, iid, DECISION, "eve",
           decision_trigger="Step down from Social Care to TAC (External LP) - send TAC Monitoring to TAC Admin",
           significant_information=f"Social Care involvement ended; {NOTE} will be the External Lead Professional.",
           case_status_changed="Yes, please detail below", case_status_new="TAC (External LP)", completed_by=True,
           authoriser="eve")
    finish(rt, iid, AUTHORISE, "eve", completed=True)

    monitoring = only_task(rt, iid, TAC_MONITORING)
    assert (monitoring.lane, monitoring.assignee) == ("TAC Admin", None)
    assert [t.name for t in queries.list_tasks(rt, "tara")] == [TAC_MONITORING]  # the TAC Admin inbox
    note = next(f for f in monitoring.form if f["id"] == "external_lp")
    assert (note["label"], note["readonly"]) == ("Note", True)
    assert instance_data(rt, iid)["external_lp"] == NOTE  # what the Note field shows
    errors = invalid(rt, monitoring, "tara", {"external_lp": "Someone else", "tac_monitoring_started": True})
    assert errors == {"external_lp": "Note is filled in for you and cannot be changed"}
    finish(rt, iid, TAC_MONITORING, "tara", tac_monitoring_started=True)
    assert completed(rt, case, TAC_MONITORING).data["external_lp"] == NOTE
    assert outcome(rt, iid) == ("running", None)
    finish(rt, iid, SC_CLOSURE, "sam", sc_case_closure_completed=True)

    assert outcome(rt, iid) == ("completed", L3_E1)
    assert ready_sequence(rt, iid) == [
        (L3_SEND, "Social Worker"),
        (FINISH_WORKSTEP, "Social Worker"),
        (SUPERVISION, "Early Help Manager"),
        (SC_CLOSURE, "Social Worker"),
        (DECISION, "Early Help Manager"),
        (AUTHORISE, "Manager (authoriser)"),
        (TAC_MONITORING, "TAC Admin"),
    ]
    decision = completed(rt, case, DECISION).data
    assert (decision["decision_trigger"], decision["case_status_new"], decision["decision_next_action"]) == (
        "step_down_from_social_care_to_tac_external_lp_send_tac_monitoring_to_tac_admin", "tac_external_lp",
        "eh_tac_monitoring_external_lead_professional")
    assert instance_data(rt, iid)["case_status_new"] == "tac_external_lp"
    assert ends(rt, iid) == [(AUTHORISED, S_AUTH), (CLOSED, S_CLOSE), (L3_E1, L3)]
    assert ("task_completed", L3_SEND) in actions(rt, iid)


# --- scenario 6: L4 into L5 ----------------------------------------------------------------------------------


def test_l4_assessment_already_completed_goes_straight_to_tac_monitoring(rt):
    case = setup(rt)
    iid = l4_request_and_acknowledge(rt, case, "Josie", "Joy")

    allocation = only_task(rt, iid, ALLOCATION)
    assert (allocation.lane, allocation.process_id) == ("TAC Admin", L5)
    errors = invalid(rt, allocation, "tara", {"allocated_team": "Lincoln TAC Admin", "request_approved": True})
    assert set(errors) == {"assessment_already_completed"}  # asked on a step down from Social Care
    finish(rt, iid, ALLOCATION, "tara", assessment_already_completed="Yes", case_status="TAC (Internal LP)",
           allocated_team="Lincoln TAC Admin", request_approved=True)
    finish(rt, iid, TAC_MONITORING, "tara", tac_monitoring_completed=True)

    assert outcome(rt, iid) == ("completed", L4_E1)
    assert ready_sequence(rt, iid) == [
        (L4_SEND, "Social Worker"),
        (FINISH_WORKSTEP, "Social Worker"),
        (L4_REQUEST, "TAC Admin"),
        (SC_CLOSURE, "Social Worker"),
        (CONTACT, "TAC Admin"),
        (WORKER_RELATIONSHIP, "TAC Admin"),
        (ALLOCATION, "TAC Admin"),
        (TAC_MONITORING, "TAC Admin"),
    ]
    ever = names_ever(rt, case)
    assert CFA not in ever and AUTHORISE not in ever and OUTCOME not in ever
    assert completed(rt, case, ALLOCATION).data["assessment_already_completed"] == "yes"
    assert ends(rt, iid) == [(CLOSED, S_CLOSE), (L5_E1, L5), (L4_E1, L4)]
    assert ("task_completed", L4_REQUEST) in actions(rt, iid)


def test_l4_assessment_uploaded_and_no_child_ticked_for_tac_monitoring(rt):
    case = setup(rt)
    iid = l4_request_and_acknowledge(rt, case, "Josie", "Joy")
    allocation = only_task(rt, iid, ALLOCATION)
    errors = invalid(rt, allocation, "tara", {"assessment_already_completed": "No",
                                              "allocated_team": "Lincoln TAC Admin", "request_approved": True})
    assert set(errors) == {"assessment_received"}  # the text: see the xfail test below
    assert CFA not in names_ever(rt, case)
    tasks.save_draft(rt, allocation.id, "tara", {  # Save and Close while chasing the External LP
        "contact_date": "2025-06-09", "persons_contacted": NOTE,
        "contact_details": "Chased the completed Child and Family Assessment by phone"})
    assert only_task(rt, iid, ALLOCATION).id == allocation.id
    finish(rt, iid, ALLOCATION, "tara", assessment_already_completed="No", assessment_received=True,
           case_status="Child and Family Assessment (Early Help)", allocated_team="Lincoln TAC Admin",
           request_approved=True)
    finish(rt, iid, CFA, "tara", assessment_document="EH CFA Health Visitor 25/06/02", checked_and_completed_by=True,
           assessment_type="TAC External LP (CFA Uploaded)", authoriser="tara")
    assert completed(rt, case, ALLOCATION).data["record_of_contacts"] == [{
        "contact_date": "2025-06-09", "persons_contacted": NOTE,
        "contact_details": "Chased the completed Child and Family Assessment by phone"}]
    per_child = {t.subject_name: t for t in open_tasks(rt, iid)}
    assert sorted(per_child) == ["Josie Smith", "Joy Smith"]
    for task in per_child.values():
        tasks.complete_task(rt, task.id, "tara",
                            {"assessment_outcome": "EH Closed at Assessment - no further support required"})
    auth = only_task(rt, iid, AUTHORISE)
    assert (auth.assignee, auth.process_id) == ("tara", S_AUTH)  # sent to yourself
    finish(rt, iid, AUTHORISE, "tara", completed=True)

    assert outcome(rt, iid) == ("completed", L4_E2)
    assert TAC_MONITORING not in names_ever(rt, case)
    assert [s["assessment_outcome"] for s in instance_data(rt, iid)["subjects"]] == [
        "eh_closed_at_assessment_no_further_support_required"] * 2
    assert ready_sequence(rt, iid)[6:] == [
        (ALLOCATION, "TAC Admin"),
        (CFA, "TAC Admin"),
        (OUTCOME, "TAC Admin"),
        (OUTCOME, "TAC Admin"),
        (AUTHORISE, "Manager (authoriser)"),
    ]
    assert ends(rt, iid) == [(CLOSED, S_CLOSE), (AUTHORISED, S_AUTH), (L5_E2, L5), (L4_E2, L4)]


def test_l4_allocation_without_the_assessment_says_to_save_and_record_the_chasing(rt):
    case = setup(rt)
    iid = l4_request_and_acknowledge(rt, case, "Josie", "Joy")
    allocation = only_task(rt, iid, ALLOCATION)
    errors = invalid(rt, allocation, "tara", {"assessment_already_completed": "No",
                                              "allocated_team": "Lincoln TAC Admin", "request_approved": True})
    assert errors == {"assessment_received": "The completed Assessment has not been received yet: Save and Close, "
                                             "and record the chasing in the Record of contacts"}


# --- S-CLOSE on its own ------------------------------------------------------------------------------------


def test_sc_case_closure_started_on_its_own_follows_the_closure_next_action(rt):
    case = setup(rt)
    iid = start(rt, S_CLOSE, case, "sam", "Johnny",
                closure_next_action="sc_no_social_care_intervention_required_case_to_close",
                cancel_outstanding_visits_allowed=True)
    finish(rt, iid, SC_NO_INTERVENTION, "sam", sc_case_closure_completed=True)
    cancel = only_task(rt, iid, CANCEL_VISITS)
    errors = invalid(rt, cancel, "paula", {"visits_cancelled": ["SC Child in Need Visit", "Home visit"]})
    assert set(errors) == {"visits_cancelled"}
    finish(rt, iid, CANCEL_VISITS, "paula",
           visits_cancelled=["SC Child Protection Visit", "SC Core Group Meeting"])

    assert outcome(rt, iid) == ("completed", CLOSED)
    assert ready_sequence(rt, iid) == [(SC_NO_INTERVENTION, "Social Worker"), (CANCEL_VISITS, "Practice Supervisor")]
    assert completed(rt, case, CANCEL_VISITS).data == {
        "visits_cancelled": ["sc_child_protection_visit", "sc_core_group_meeting"]}
