"""York Case Transfer Protocol (catalogue §10 scenarios 11–18), driven end to end through the service layer.

Processes: Y1 york_step_down_mash, Y2 york_step_down_single_assessment, Y3 york_step_down_cin_cp,
Y4 york_request_additional_services, Y5 york_case_closure (called by Y1–Y4), Y6 york_pathways_step_down,
Y7 york_step_up. Every end event of these processes is reached, the overdue-flag ends included.

Timers fire only strictly after their due time (SpiffWorkflow compares strictly); `working_days()` ends a day at
23:59:59.999999, so a clock at 00:00 of the next day is already past it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import cases, instances, queries, tasks, timers
from bpmnrun.service.errors import Forbidden, InvalidInput
from tests.support import (actions, add_users, deploy_library, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, subject_ids)

Y1 = "york_step_down_mash"
Y2 = "york_step_down_single_assessment"
Y3 = "york_step_down_cin_cp"
Y4 = "york_request_additional_services"
Y5 = "york_case_closure"
Y6 = "york_pathways_step_down"
Y7 = "york_step_up"

# Lanes (a lane's name is the team whose inbox receives its tasks).
MASH = "MASH"
EH_COORDINATOR = "early help co-ordinator"
MANAGER = "manager"
SUPPORTING_FAMILIES = "Supporting Families Team"
PRACTICE_MANAGERS = "Practice Managers"
SOCIAL_WORKER = "Social Worker"
TRANSFER_MEETING = "weekly transfer meeting"
PATHWAYS = "Pathways workers"
PARTNER_LP = "partner lead professional"
TARGETED_EH = "targeted Early Help"
LINE_MANAGER = "line manager"
ASMD = "assessment service manager on duty"
STEP_UP_SW = "social worker"

# Y1 tasks.
SCREENING = "Record the outcome of the referral screening"
CLOSE_REFERRAL = "Close the referral and open an early help recording form"
IDENTIFY_LP = "Identify a lead professional and agree the plan of support"
CONTACT_LP = "Contact the proposed lead professional"
# Y2 tasks.
INFORMED_CONSENT = "Ensure informed consent to early help support"
IDENTIFY_LP_SA = "Identify the lead practitioner with the family"
# Y3 tasks.
IDENTIFY_LP_CIN = "Identify the proposed lead practitioner"
REVIEW_MEETING = "Review CiN meeting / RCPC"
# Y4 tasks.
REQUEST = "Bring the request to the weekly transfer meeting"
DISCUSS = "Discuss the referral and ensure it is appropriate"
SHARE_ASSESSMENT = "Share the assessment and agree a proposed plan"
JOINT_HANDOVER = "Joint handover meeting"
HANDOVER_VISIT = "Hand over visit"
NOTIFY_TAC = "Notify the team around the child"
# Y5 tasks.
INITIATE = "Initiate Case Closure process"
LP_RELATIONSHIPS = "Add lead practitioner's details to Professional Relationships"
CLOSE_FORM = "Close early help recording form (manager oversight)"
START_EHA = "Start early help assessment work step"
SECTION_2_MASH = "Section 2: assign to 'advice team duty worker'"
SIGNPOST = "Next action 'Signpost to Children's Advice Team'"
SECTION_2_SA = "Early Help Recording Form – Section 2"
CLOSE_CASE = "Close Case next action per child"
SECTION_2_CIN = "Update Section 2 (CiN/CP)"
ENDING_VISIT = "Ending visit and endings letter"
PM_ALLOCATION = "Allocation by the Practice Managers"
# Y6 tasks.
REASSESS = "Reassess support needs"
DUTY_SERVICE = "Step down – offer of a duty service until 25"
# Y7 tasks.
DISCUSSION = "Discuss with family and key professionals (TAC&F)"
REFERRAL_PARTNER = "Submit referral to MASH for screening"
MASH_DECISION = "Decision on next steps (MASH)"
ASMD_DISCUSSION = "Discussion to decide next steps"
REFERRAL_TARGETED = "Submit referral to MASH (decision on allocation)"
MASH_RECORD = "Record the referral and allocation to social care"
RETURN_PREVIOUS_SW = "Return to previous social worker"
ALLOCATE_SW = "Allocate a social worker"
JOINT_VISIT = "Joint visit to introduce social worker"
CLOSE_EH = "Close Early Help involvement"
OVERSIGHT = "Management oversight discussion"
SEEK_ADVICE = "Seek advice from a social worker through MASH"

MESSAGE = "Completed early help assessment received"

# End events.
Y5_E1 = ("Partner-led early help – recording form closed; early help assessment work step started by the "
         "Supporting Families Team")
Y5_E2 = "Targeted Intervention Service – allocated by the Practice Managers"
Y5_E3 = "Assigned to 'Partner led EHA' – case closed"
Y5_E4 = "Closed to Children's Social Work Services – assigned to 'Partner-led EH'"
Y1_E1, Y1_E2 = Y5_E1, Y5_E2
Y1_E3 = "Referral outcome is not a partner-led plan of support – outside this protocol"
Y1_E4 = "Family does not consent – no early help step down"
Y2_E1 = "No informed consent / plan not agreed – no step down to early help"
Y4_E1 = "Not agreed at the weekly transfer meeting"
Y4_E2 = Y5_E2
Y4_JOINT_HANDOVER_OVERDUE = "Joint handover meeting overdue – flagged to manager"
Y4_HANDOVER_VISIT_OVERDUE = "Hand over visit overdue – flagged to manager"
Y3_E1 = "Step down not agreed at the review – CiN/CP plan continues"
Y6_E1 = "Stepped down – offer of a duty service until 25"
Y6_E2 = "Pathways involvement ended at 25"
Y7_E1 = "Remains with Early Help – needs not best served by Social Care"
Y7_E2 = "MASH decision – not stepped up to Social Care"
Y7_E3 = "Transfer not accepted by the assessment service manager on duty – remains with Early Help"
Y7_E4 = "Stepped up to Social Care"
Y7_E5 = "Stepped up to Social Care – Early Help closed 10 days after allocation"
Y7_E6 = "Advice from a social worker – no referral, remains with Early Help"
Y7_MASH_OVERDUE = "MASH decision overdue – flagged to manager"
Y7_JOINT_VISIT_OVERDUE = "Joint visit not completed within 10 days – flagged to manager"

# Test data (worker names are test data; the lead professional is external, so a name, not a user).
HEALTH_VISITOR = "Anna Lee, Health Visitor, York Teaching Hospital NHS Foundation Trust"
NEEDS = "Josie's school attendance has fallen to 78% and Joy's development checks are overdue."
PLAN = "Early help assessment and a team around the child and family meeting within four weeks."
SIGNPOST_REFUSED = ("Please note that a next action of 'Signpost to Children's Advice Team' should NOT be added "
                    "to the next actions as this will not generate a closure record")
NO_CONSENT_REFUSED = "Early Help is an offer and requires the consent of the family."


# --- helpers ----------------------------------------------------------------------------------------


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def setup(rt):
    """The library, one user per lane, and Family Smith."""
    deploy_library(rt)
    add_users(rt, mo=MASH, cora=EH_COORDINATOR, mandy=MANAGER, sue=SUPPORTING_FAMILIES, pam=PRACTICE_MANAGERS,
              sam=SOCIAL_WORKER, wes=TRANSFER_MEETING, pat=PATHWAYS, anna=PARTNER_LP, tess=TARGETED_EH,
              lina=LINE_MANAGER, asha=ASMD, sara=STEP_UP_SW, nick=STEP_UP_SW)
    return smith_family(rt)


def start(rt, process_id, case, actor, *children, **data) -> int:
    return instances.start_work(rt, process_id, case.id, actor, subject_ids(case, *children), data)


def outcome(rt, instance_id) -> tuple[str, str | None]:
    info = queries.get_instance(rt, instance_id)
    return info.status, info.end_event


def ends(rt, instance_id) -> list[tuple[str, str]]:
    """(end event, process) in the order they were reached, called processes included."""
    return [(e.name, e.detail["process"]) for e in queries.history(rt, instance_id=instance_id)
            if e.action == "end_event"]


def names_ever(rt, case) -> set[str]:
    """Every task row the case ever had, open or closed."""
    return {t.name for t in queries.case_tasks(rt, case.id)}


def processes_ever(rt, case) -> set[str]:
    return {t.process_id for t in queries.case_tasks(rt, case.id)}


def completed(rt, case, name):
    rows = [t for t in queries.case_tasks(rt, case.id) if t.name == name and t.state == "completed"]
    assert len(rows) == 1, f"expected one completed {name!r}, found {len(rows)}"
    return rows[0]


def invalid(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task.id, actor, values)
    return caught.value.errors


def forbidden(rt, task, actor, values=None) -> None:
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, task.id, actor, values or {})


def overdue_events(rt, instance_id) -> list[tuple[str, str]]:
    return [(e.name, e.actor) for e in queries.history(rt, instance_id=instance_id) if e.action == "overdue"]


def assert_flagged_once_after(rt, clock, instance_id, task_name: str, last_minute: datetime) -> None:
    """Not overdue in the last minute of its last working day; flagged exactly once at midnight."""
    clock.set(last_minute)
    timers.fire_due_timers(rt)
    assert not only_task(rt, instance_id, task_name).overdue
    assert overdue_events(rt, instance_id) == []
    clock.set(last_minute + timedelta(minutes=1))
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0
    assert only_task(rt, instance_id, task_name).overdue
    assert overdue_events(rt, instance_id) == [(task_name, "timer")]


# Y1 ------------------------------------------------------------------------------------------------


def y1_screen_partner_led(rt, iid):
    finish(rt, iid, SCREENING, "mo", screening_outcome="Partner led plan of support", need_level="level 3")
    finish(rt, iid, CLOSE_REFERRAL, "mo", referral_closed=True)


def y1_agree_plan(rt, iid, support_type, lead_practitioner=HEALTH_VISITOR):
    finish(rt, iid, IDENTIFY_LP, "cora", identified_needs=NEEDS, family_consent="Yes",
           lead_practitioner=lead_practitioner, plan_of_support=PLAN, support_type=support_type)


# --- scenario 11: Y1 MASH -----------------------------------------------------------------------------


def test_y1_mash_partner_led_closes_the_form_and_waits_for_the_completed_assessment(rt):
    case = setup(rt)
    iid = start(rt, Y1, case, "mo", "Josie", "Joy")

    screening = only_task(rt, iid, SCREENING)
    forbidden(rt, screening, "cora", {"screening_outcome": "Partner led plan of support", "need_level": "level 3"})
    errors = invalid(rt, screening, "mo", {"screening_outcome": "Partner led plan of support"})
    assert errors == {"need_level": "Level of need (at level 2 or 3) is required"}
    assert [t.id for t in open_tasks(rt, iid)] == [screening.id]  # still READY
    assert CLOSE_REFERRAL not in names_ever(rt, case)

    y1_screen_partner_led(rt, iid)
    y1_agree_plan(rt, iid, "Partner-led")
    finish(rt, iid, CONTACT_LP, "cora", lp_contacted_on="2025-06-03", lp_agreed="Yes")

    initiate = only_task(rt, iid, INITIATE)
    assert (initiate.lane, initiate.process_id) == (SOCIAL_WORKER, Y5)
    finish(rt, iid, INITIATE, "cora")  # route, support type and lead practitioner come from Y1
    recorded = completed(rt, case, INITIATE).data
    assert (recorded["route"], recorded["support_type"], recorded["lead_practitioner"]) == (
        "mash", "partner_led", HEALTH_VISITOR)
    finish(rt, iid, LP_RELATIONSHIPS, "cora", lp_recorded=True)

    close_form = only_task(rt, iid, CLOSE_FORM)
    forbidden(rt, close_form, "cora", {"form_closed": True})  # manager oversight
    finish(rt, iid, CLOSE_FORM, "mandy", oversight_note="Lead practitioner Anna Lee identified and recorded.",
           form_closed=True)

    # The partner agency emails the completed assessment to supportingfamilies@york.gov.uk.
    assert open_tasks(rt, iid) == []
    assert queries.get_instance(rt, iid).waiting_messages == (MESSAGE,)
    assert START_EHA not in names_ever(rt, case)
    instances.deliver_message(rt, iid, MESSAGE, "sue", {"received_from": "Anna Lee, Health Visitor"})
    start_eha = only_task(rt, iid, START_EHA)
    forbidden(rt, start_eha, "mandy", {"eha_work_step_started": True})
    finish(rt, iid, START_EHA, "sue", eha_work_step_started=True)

    assert outcome(rt, iid) == ("completed", Y1_E1)
    assert ready_sequence(rt, iid) == [
        (SCREENING, MASH),
        (CLOSE_REFERRAL, MASH),
        (IDENTIFY_LP, EH_COORDINATOR),
        (CONTACT_LP, EH_COORDINATOR),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, EH_COORDINATOR),
        (CLOSE_FORM, MANAGER),
        (START_EHA, SUPPORTING_FAMILIES),
    ]
    assert completed(rt, case, SCREENING).data == {"screening_outcome": "partner_led_plan_of_support",
                                                   "need_level": "level_3"}
    plan = completed(rt, case, IDENTIFY_LP).data
    assert (plan["family_consent"], plan["support_type"], plan["identified_needs"]) == ("yes", "partner_led", NEEDS)
    assert completed(rt, case, CONTACT_LP).data == {"lp_contacted_on": "2025-06-03", "lp_agreed": "yes",
                                                    "route": "mash"}
    assert completed(rt, case, CLOSE_FORM).completed_by == "mandy"
    assert completed(rt, case, START_EHA).completed_by == "sue"
    assert ends(rt, iid) == [(Y5_E1, Y5), (Y1_E1, Y1)]
    trail = actions(rt, iid)
    assert ("message_delivered", MESSAGE) in trail
    assert ("message_received", MESSAGE) in trail
    assert trail.index(("message_delivered", MESSAGE)) < trail.index(("task_ready", START_EHA))
    assert trail[-1] == ("instance_completed", Y1_E1)


def test_y1_mash_targeted_lead_professional_declines_then_practice_managers_allocate(rt):
    case = setup(rt)
    iid = start(rt, Y1, case, "mo", "Johnny", "Josie", "Joy")
    y1_screen_partner_led(rt, iid)
    y1_agree_plan(rt, iid, "Targeted Intervention", lead_practitioner="Mr Brown, class teacher, St Mary's School")
    # The first proposed lead professional does not agree: identify another with the family.
    finish(rt, iid, CONTACT_LP, "cora", lp_contacted_on="2025-06-03", lp_agreed="No")
    y1_agree_plan(rt, iid, "Targeted Intervention")
    finish(rt, iid, CONTACT_LP, "cora", lp_contacted_on="2025-06-04", lp_agreed="Yes")

    finish(rt, iid, INITIATE, "cora")
    assert queries.get_task(rt, only_task(rt, iid, LP_RELATIONSHIPS).id, "cora").process_id == Y5
    finish(rt, iid, LP_RELATIONSHIPS, "cora", lp_recorded=True)
    section_2 = only_task(rt, iid, SECTION_2_MASH)
    assert section_2.lane == EH_COORDINATOR
    finish(rt, iid, SECTION_2_MASH, "cora",
           support_required="Targeted Intervention Service: parenting support and school attendance work.")
    allocation = only_task(rt, iid, PM_ALLOCATION)
    forbidden(rt, allocation, "cora", {"allocated_worker": "Chloe Fisher"})
    finish(rt, iid, PM_ALLOCATION, "pam", allocated_worker="Chloe Fisher, Child and Family Support Practitioner")

    assert outcome(rt, iid) == ("completed", Y1_E2)
    assert ready_sequence(rt, iid) == [
        (SCREENING, MASH),
        (CLOSE_REFERRAL, MASH),
        (IDENTIFY_LP, EH_COORDINATOR),
        (CONTACT_LP, EH_COORDINATOR),
        (IDENTIFY_LP, EH_COORDINATOR),
        (CONTACT_LP, EH_COORDINATOR),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, EH_COORDINATOR),
        (SECTION_2_MASH, EH_COORDINATOR),
        (PM_ALLOCATION, PRACTICE_MANAGERS),
    ]
    assert completed(rt, case, INITIATE).data["lead_practitioner"] == HEALTH_VISITOR  # the one who agreed
    assert completed(rt, case, SECTION_2_MASH).data["assign_to"] == "advice_team_duty_worker"
    assert completed(rt, case, PM_ALLOCATION).completed_by == "pam"
    assert CLOSE_FORM not in names_ever(rt, case) and START_EHA not in names_ever(rt, case)
    assert queries.get_instance(rt, iid).waiting_messages == ()
    assert ends(rt, iid) == [(Y5_E2, Y5), (Y1_E2, Y1)]


def test_y1_mash_family_does_not_consent(rt):
    case = setup(rt)
    iid = start(rt, Y1, case, "mo", "Josie")
    y1_screen_partner_led(rt, iid)
    identify = only_task(rt, iid, IDENTIFY_LP)
    finish(rt, iid, IDENTIFY_LP, "cora", identified_needs=NEEDS, family_consent="No")

    assert outcome(rt, iid) == ("completed", Y1_E4)
    assert completed(rt, case, IDENTIFY_LP).id == identify.id
    assert completed(rt, case, IDENTIFY_LP).data["family_consent"] == "no"
    assert CONTACT_LP not in names_ever(rt, case)
    assert Y5 not in processes_ever(rt, case)  # no closure task at all
    assert ready_sequence(rt, iid) == [(SCREENING, MASH), (CLOSE_REFERRAL, MASH), (IDENTIFY_LP, EH_COORDINATOR)]
    assert ends(rt, iid) == [(Y1_E4, Y1)]


def test_y1_mash_screening_outcome_other_than_partner_led_plan(rt):
    case = setup(rt)
    iid = start(rt, Y1, case, "mo", "Johnny")
    finish(rt, iid, SCREENING, "mo", screening_outcome="Other")

    assert outcome(rt, iid) == ("completed", Y1_E3)
    assert completed(rt, case, SCREENING).data == {"screening_outcome": "other"}  # no level needed
    assert names_ever(rt, case) == {SCREENING}
    assert ends(rt, iid) == [(Y1_E3, Y1)]
    assert actions(rt, iid)[-1] == ("instance_completed", Y1_E3)


# Y2, Y3, Y4 and the Social Worker's part of Y5 ---------------------------------------------------------------


def y2_consent_and_lead_practitioner(rt, iid, support_type):
    finish(rt, iid, INFORMED_CONSENT, "sam", informed_consent="Yes", family_seen_assessment="Yes",
           plan_agreed="Yes", identified_needs=NEEDS)
    finish(rt, iid, IDENTIFY_LP_SA, "sam", lead_practitioner=HEALTH_VISITOR,
           other_agencies="St Mary's Primary School; York Teaching Hospital NHS Foundation Trust",
           plan_shared=True, support_type=support_type)


def y3_identify_lead_practitioner(rt, iid):
    finish(rt, iid, IDENTIFY_LP_CIN, "sam", identified_needs=NEEDS, lead_practitioner=HEALTH_VISITOR,
           invited_to_final_meeting=True)


def y3_review_meeting(rt, iid, meeting_type, step_down_on, **values):
    finish(rt, iid, REVIEW_MEETING, "sam", meeting_type=meeting_type, step_down_on=step_down_on,
           outstanding_needs="School attendance; Joy's development checks; parenting routines.",
           smart_plan="Attendance above 90% by October half term; health visitor checks by 31 July; "
                      "weekly parenting sessions for six weeks.",
           lp_attended="Yes", **{"plan_shared_and_agreed": "Yes", "family_consent": "Yes", **values})


def y4_request(rt, iid, **values):
    finish(rt, iid, REQUEST, "sam", referral_summary="Family needs targeted support with routines and "
                                                      "school attendance; consent given.", **values)


def y4_agreed_at_meeting(rt, iid):
    discuss = only_task(rt, iid, DISCUSS)
    forbidden(rt, discuss, "sam", {"appropriate": "Yes"})  # the meeting decides, not the Social Worker
    finish(rt, iid, DISCUSS, "wes", appropriate="Yes",
           cfs_practitioner="Chloe Fisher, Child and Family Support Practitioner",
           transfer_time_frame="Handover within 5 working days; closure to CSC after the ending visit")


def y5_start_social_worker_route(rt, iid):
    """Y5.0 (everything prefilled by the caller) and Y5.5."""
    finish(rt, iid, INITIATE, "sam")
    finish(rt, iid, LP_RELATIONSHIPS, "sam", lp_recorded=True)


def y5_single_assessment_section_2(rt, iid, assign_to):
    finish(rt, iid, SIGNPOST, "sam", signpost_next_action_added=True, assign_to_me_selected=True,
           finished_green_tick=True)
    finish(rt, iid, SECTION_2_SA, "sam", section_2_plan="See the analysis section of the Single Assessment "
                                                         "of 14/04/2025: early help plan agreed with the family.",
           section_2_lead_professional=HEALTH_VISITOR, assign_to=assign_to)


def y5_close_case_for_each_child(rt, iid, meeting_record) -> list[str]:
    """Y5.8, one instance per child: the next action that generates the child's closure record."""
    per_child = [t for t in open_tasks(rt, iid) if t.name == CLOSE_CASE]
    for task in per_child:
        tasks.complete_task(rt, task.id, "sam", {"meeting_record": meeting_record,
                                                 "next_action": "'Close Case to Children's Social Work Services'"})
    return [t.subject_name for t in per_child]


def y5_cin_section_2(rt, iid, assign_to):
    finish(rt, iid, SECTION_2_CIN, "sam",
           summary_of_cin_interventions="CiN plan since January 2025: weekly visits, parenting programme, "
                                        "school attendance meetings.",
           recommended_plan="See the Child in Need Meeting Record of the final review.",
           lead_practitioner_name="Anna Lee", assign_to=assign_to)


def y5_ending_visit(rt, iid, on):
    finish(rt, iid, ENDING_VISIT, "sam", ending_visit_date=on, endings_letter_provided=True)


# --- scenario 12: Y2 single assessment ----------------------------------------------------------------------


def test_y2_no_informed_consent_means_no_step_down(rt):
    case = setup(rt)
    iid = start(rt, Y2, case, "sam", "Josie", "Joy")
    consent = only_task(rt, iid, INFORMED_CONSENT)
    forbidden(rt, consent, "cora", {"informed_consent": "No"})
    errors = invalid(rt, consent, "sam", {"informed_consent": "No"})
    assert errors == {
        "family_seen_assessment": "The family have seen the assessment is required",
        "plan_agreed": "The family have agreed to the proposed early help plan is required",
        "identified_needs": "Identified need(s) that continues to require support through an early help response "
                            "is required",
    }
    finish(rt, iid, INFORMED_CONSENT, "sam", informed_consent="No", family_seen_assessment="Yes",
           plan_agreed="No", identified_needs=NEEDS)

    assert outcome(rt, iid) == ("completed", Y2_E1)
    assert completed(rt, case, INFORMED_CONSENT).data == {
        "informed_consent": "no", "family_seen_assessment": "yes", "plan_agreed": "no", "identified_needs": NEEDS}
    assert SIGNPOST not in names_ever(rt, case)
    assert names_ever(rt, case) == {INFORMED_CONSENT}
    assert ready_sequence(rt, iid) == [(INFORMED_CONSENT, SOCIAL_WORKER)]
    assert ends(rt, iid) == [(Y2_E1, Y2)]


def test_y2_partner_led_is_signposted_and_assigned_to_partner_led_eha(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 2, 9, 0))
    iid = start(rt, Y2, case, "sam", "Josie", "Joy")
    y2_consent_and_lead_practitioner(rt, iid, "Partner-led")
    assert completed(rt, case, IDENTIFY_LP_SA).data["route"] == "single_assessment"

    y5_start_social_worker_route(rt, iid)
    initiated = completed(rt, case, INITIATE).data
    assert (initiated["route"], initiated["support_type"], initiated["lead_practitioner"]) == (
        "single_assessment", "partner_led", HEALTH_VISITOR)
    signpost = only_task(rt, iid, SIGNPOST)
    errors = invalid(rt, signpost, "sam", {"signpost_next_action_added": True, "assign_to_me_selected": False})
    assert errors == {"assign_to_me_selected": "'Assign to me' selected is required",
                      "finished_green_tick": "Finished by selecting the green tick is required"}
    y5_single_assessment_section_2(rt, iid, "'Partner led EHA'")
    y5_ending_visit(rt, iid, "2025-06-05")

    assert outcome(rt, iid) == ("completed", Y5_E3)
    assert ready_sequence(rt, iid) == [
        (INFORMED_CONSENT, SOCIAL_WORKER),
        (IDENTIFY_LP_SA, SOCIAL_WORKER),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (SIGNPOST, SOCIAL_WORKER),
        (SECTION_2_SA, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER),
    ]
    assert completed(rt, case, SIGNPOST).data == {"signpost_next_action_added": True, "assign_to_me_selected": True,
                                                  "finished_green_tick": True}
    assert completed(rt, case, SECTION_2_SA).data["assign_to"] == "partner_led_eha"
    assert completed(rt, case, ENDING_VISIT).data == {"ending_visit_date": "2025-06-05",
                                                      "endings_letter_provided": True}
    assert PM_ALLOCATION not in names_ever(rt, case)
    assert ends(rt, iid) == [(Y5_E3, Y5), (Y5_E3, Y2)]
    trail = actions(rt, iid)
    assert ("task_completed", SIGNPOST) in trail  # the next action's name verbatim
    assert trail[-1] == ("instance_completed", Y5_E3)


def test_y5_section_2_assignment_agrees_with_the_support_type(rt):
    case = setup(rt)
    iid = start(rt, Y2, case, "sam", "Josie")
    y2_consent_and_lead_practitioner(rt, iid, "Partner-led")
    y5_start_social_worker_route(rt, iid)
    with pytest.raises(InvalidInput) as refused:
        y5_single_assessment_section_2(rt, iid, "'advice team duty worker'")
    assert "Targeted Intervention Service" in refused.value.errors["assign_to"]
    assert PM_ALLOCATION not in names_ever(rt, case)


# --- scenario 13: Y3 CiN with three children ----------------------------------------------------------------


def test_y3_cin_closes_the_case_for_each_child_and_assigns_to_partner_led_eh(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 10, 14, 0))
    iid = start(rt, Y3, case, "sam", "Johnny", "Josie", "Joy")
    y3_identify_lead_practitioner(rt, iid)
    y3_review_meeting(rt, iid, "review Child In Need (CiN) meeting", "2025-06-10", support_type="Partner-led")
    review = completed(rt, case, REVIEW_MEETING).data
    assert (review["meeting_type"], review["step_down_on"], review["route"], review["support_type"]) == (
        "review_child_in_need_cin_meeting", "2025-06-10", "cin_cp", "partner_led")
    y5_start_social_worker_route(rt, iid)

    per_child = {t.subject_name: t for t in open_tasks(rt, iid)}
    assert sorted(per_child) == ["Johnny Smith", "Josie Smith", "Joy Smith"]
    assert {t.name for t in per_child.values()} == {CLOSE_CASE}
    assert {t.lane for t in per_child.values()} == {SOCIAL_WORKER}
    errors = invalid(rt, per_child["Josie Smith"], "sam", {"next_action": "'Signpost to Children's Advice Team'"})
    assert errors == {"next_action": SIGNPOST_REFUSED}
    assert per_child["Josie Smith"].id in [t.id for t in open_tasks(rt, iid)]  # still READY
    y5_close_case_for_each_child(rt, iid, "Child in Need Meeting Record")

    section_2 = only_task(rt, iid, SECTION_2_CIN)
    errors = invalid(rt, section_2, "sam", {"recommended_plan": "See the CiN meeting record.",
                                            "lead_practitioner_name": "Anna Lee", "assign_to": "'Partner-led EH'"})
    assert errors == {"summary_of_cin_interventions": "Summary of CiN interventions is required"}
    assert ENDING_VISIT not in names_ever(rt, case)
    y5_cin_section_2(rt, iid, "'Partner-led EH'")
    y5_ending_visit(rt, iid, "2025-06-13")

    assert outcome(rt, iid) == ("completed", Y5_E4)
    assert ready_sequence(rt, iid) == [
        (IDENTIFY_LP_CIN, SOCIAL_WORKER),
        (REVIEW_MEETING, SOCIAL_WORKER),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (SECTION_2_CIN, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER),
    ]
    # One closure record per child: each child's row, and each child in the case data, holds the next action.
    closures = [t for t in queries.case_tasks(rt, case.id) if t.name == CLOSE_CASE]
    assert sorted((t.subject_name, t.state, t.data["next_action"]) for t in closures) == [
        (child, "completed", "close_case_to_children_s_social_work_services")
        for child in ("Johnny Smith", "Josie Smith", "Joy Smith")]
    subjects = instance_data(rt, iid)["subjects"]
    assert [(s["name"], s["next_action"], s["meeting_record"]) for s in subjects] == [
        (child, "close_case_to_children_s_social_work_services", "child_in_need_meeting_record")
        for child in ("Johnny Smith", "Josie Smith", "Joy Smith")]
    assert [e.detail["subject"] for e in queries.history(rt, instance_id=iid)
            if e.action == "task_ready" and e.name == CLOSE_CASE] == ["Johnny Smith", "Josie Smith", "Joy Smith"]
    assert completed(rt, case, SECTION_2_CIN).data["assign_to"] == "partner_led_eh"
    assert SIGNPOST not in names_ever(rt, case) and PM_ALLOCATION not in names_ever(rt, case)
    assert ends(rt, iid) == [(Y5_E4, Y5), (Y5_E4, Y3)]
    assert [e for e in actions(rt, iid) if e == ("task_completed", CLOSE_CASE)] == [("task_completed", CLOSE_CASE)] * 3


def test_y3_rcpc_family_does_not_consent(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 10, 14, 0))
    iid = start(rt, Y3, case, "sam", "Johnny", "Josie", "Joy")
    y3_identify_lead_practitioner(rt, iid)
    review = only_task(rt, iid, REVIEW_MEETING)
    errors = invalid(rt, review, "sam", {"meeting_type": "Review Child Protection Conference (RCPC)",
                                         "step_down_on": "2025-06-10", "plan_shared_and_agreed": "Yes",
                                         "family_consent": "Yes", "outstanding_needs": "Attendance",
                                         "smart_plan": "Attendance plan"})
    assert errors == {"support_type": "Support required is required"}  # needed once the step down is agreed
    y3_review_meeting(rt, iid, "Review Child Protection Conference (RCPC)", "2025-06-10", family_consent="No")

    assert outcome(rt, iid) == ("completed", Y3_E1)
    recorded = completed(rt, case, REVIEW_MEETING).data
    assert (recorded["meeting_type"], recorded["family_consent"]) == ("review_child_protection_conference_rcpc", "no")
    assert CLOSE_CASE not in names_ever(rt, case)
    assert Y5 not in processes_ever(rt, case) and Y4 not in processes_ever(rt, case)
    assert ready_sequence(rt, iid) == [(IDENTIFY_LP_CIN, SOCIAL_WORKER), (REVIEW_MEETING, SOCIAL_WORKER)]
    assert ends(rt, iid) == [(Y3_E1, Y3)]


# --- scenario 14: Y4 from a single assessment, working-day timer over Easter -------------------------------


def test_y4_from_a_single_assessment_over_easter_flags_the_joint_handover_once(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 4, 17, 9, 0))  # Maundy Thursday: the Single Assessment is completed today
    iid = start(rt, Y2, case, "sam", "Josie", "Joy")
    y2_consent_and_lead_practitioner(rt, iid, "Targeted Intervention")

    request = only_task(rt, iid, REQUEST)
    assert request.process_id == Y4
    errors = invalid(rt, request, "sam", {"origin": "Single Assessment", "family_consent": "No",
                                          "referral_summary": "Targeted support needed."})
    assert errors == {"assessment_completed_on": "Date the Single Assessment was completed is required",
                      "family_consent": NO_CONSENT_REFUSED}
    assert [t.id for t in open_tasks(rt, iid)] == [request.id]
    clock.set(local(2025, 4, 17, 11, 30))
    y4_request(rt, iid, origin="Single Assessment", assessment_completed_on="2025-04-17", family_consent="Yes")
    recorded = completed(rt, case, REQUEST).data
    assert (recorded["origin"], recorded["assessment_completed_on"], recorded["lead_practitioner"],
            recorded["support_type"]) == ("single_assessment", "2025-04-17", HEALTH_VISITOR, "targeted_intervention")

    # The next weekly transfer meeting is Tuesday 22 April 10:00 (Good Friday and Easter Monday pass by).
    assert open_tasks(rt, iid) == []
    for moment in (local(2025, 4, 18, 10, 0), local(2025, 4, 21, 10, 0), local(2025, 4, 22, 10, 0)):
        clock.set(moment)
        assert timers.fire_due_timers(rt) == 0
        assert open_tasks(rt, iid) == []
    clock.set(local(2025, 4, 22, 10, 0, 1))
    assert timers.fire_due_timers(rt) == 1
    assert only_task(rt, iid, DISCUSS).lane == TRANSFER_MEETING
    y4_agreed_at_meeting(rt, iid)

    share = only_task(rt, iid, SHARE_ASSESSMENT)
    errors = invalid(rt, share, "sam", {"assessment_shared": True, "plan_agreed": "No"})
    assert errors == {"plan_agreed": "A proposed plan must be agreed before the joint handover meeting."}
    finish(rt, iid, SHARE_ASSESSMENT, "sam", assessment_shared=True, plan_agreed="Yes")

    handover = only_task(rt, iid, JOINT_HANDOVER)
    assert handover.due_at == local(2025, 4, 28, 23, 59, 59, 999999)  # 18 and 21 April skipped
    assert_flagged_once_after(rt, clock, iid, JOINT_HANDOVER, local(2025, 4, 28, 23, 59))
    assert [t.name for t in queries.list_tasks(rt, "sam") if t.overdue] == [JOINT_HANDOVER]

    clock.set(local(2025, 4, 29, 15, 0))
    finish(rt, iid, JOINT_HANDOVER, "sam", handover_date="2025-04-29", cfs_practitioner_attended=True)
    assert overdue_events(rt, iid) == [(JOINT_HANDOVER, "timer")]  # exactly one
    finish(rt, iid, NOTIFY_TAC, "sam", tac_notified=True)
    y5_start_social_worker_route(rt, iid)
    initiated = completed(rt, case, INITIATE).data
    assert (initiated["route"], initiated["support_type"]) == ("single_assessment", "targeted_intervention")
    y5_single_assessment_section_2(rt, iid, "'advice team duty worker'")
    y5_ending_visit(rt, iid, "2025-05-06")
    allocation = only_task(rt, iid, PM_ALLOCATION)
    forbidden(rt, allocation, "sam", {"allocated_worker": "Chloe Fisher"})
    finish(rt, iid, PM_ALLOCATION, "pam", allocated_worker="Chloe Fisher, Child and Family Support Practitioner")

    assert outcome(rt, iid) == ("completed", Y5_E2)
    assert ready_sequence(rt, iid) == [
        (INFORMED_CONSENT, SOCIAL_WORKER),
        (IDENTIFY_LP_SA, SOCIAL_WORKER),
        (REQUEST, SOCIAL_WORKER),
        (DISCUSS, TRANSFER_MEETING),
        (SHARE_ASSESSMENT, SOCIAL_WORKER),
        (JOINT_HANDOVER, SOCIAL_WORKER),
        (NOTIFY_TAC, SOCIAL_WORKER),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (SIGNPOST, SOCIAL_WORKER),
        (SECTION_2_SA, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER),
        (PM_ALLOCATION, PRACTICE_MANAGERS),
    ]
    assert completed(rt, case, DISCUSS).data == {
        "appropriate": "yes", "cfs_practitioner": "Chloe Fisher, Child and Family Support Practitioner",
        "transfer_time_frame": "Handover within 5 working days; closure to CSC after the ending visit"}
    assert completed(rt, case, JOINT_HANDOVER).data == {"handover_date": "2025-04-29",
                                                        "cfs_practitioner_attended": True}
    assert completed(rt, case, SECTION_2_SA).data["assign_to"] == "advice_team_duty_worker"
    assert HANDOVER_VISIT not in names_ever(rt, case)
    assert ends(rt, iid) == [(Y4_JOINT_HANDOVER_OVERDUE, Y4), (Y5_E2, Y5), (Y4_E2, Y4), (Y5_E2, Y2)]
    trail = actions(rt, iid)
    assert ("timer_fired", "Next weekly transfer meeting") in trail
    assert ("overdue", JOINT_HANDOVER) in trail
    assert trail[-1] == ("instance_completed", Y5_E2)


def test_y4_not_appropriate_at_the_weekly_transfer_meeting_closes_nothing(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 4, 17, 9, 0))
    iid = start(rt, Y2, case, "sam", "Josie", "Joy")
    y2_consent_and_lead_practitioner(rt, iid, "Targeted Intervention")
    y4_request(rt, iid, origin="Single Assessment", assessment_completed_on="2025-04-17", family_consent="Yes")
    clock.set(local(2025, 4, 22, 10, 1))
    assert timers.fire_due_timers(rt) == 1
    discuss = only_task(rt, iid, DISCUSS)
    assert invalid(rt, discuss, "wes", {"appropriate": "Yes"}) == {
        "cfs_practitioner": "Child and family support practitioner allocated is required",
        "transfer_time_frame": "Time frame for transfer is required"}
    finish(rt, iid, DISCUSS, "wes", appropriate="No")

    assert outcome(rt, iid) == ("completed", Y4_E1)
    assert completed(rt, case, DISCUSS).data == {"appropriate": "no"}
    assert Y5 not in processes_ever(rt, case)
    assert not {INITIATE, SHARE_ASSESSMENT, JOINT_HANDOVER, SIGNPOST} & names_ever(rt, case)
    assert ready_sequence(rt, iid) == [(INFORMED_CONSENT, SOCIAL_WORKER), (IDENTIFY_LP_SA, SOCIAL_WORKER),
                                       (REQUEST, SOCIAL_WORKER), (DISCUSS, TRANSFER_MEETING)]
    assert ends(rt, iid) == [(Y4_E1, Y4), (Y4_E1, Y2)]
    assert queries.get_instance(rt, iid).ended_at == local(2025, 4, 22, 10, 1)


# --- scenario 15: Y4 from a CiN meeting, Christmas ----------------------------------------------------------


def test_y4_from_a_cin_meeting_over_christmas_flags_the_hand_over_visit_once(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 12, 19, 10, 0))  # Friday: the CiN review meeting, step down agreed
    iid = start(rt, Y3, case, "sam", "Johnny", "Josie", "Joy")
    y3_identify_lead_practitioner(rt, iid)
    y3_review_meeting(rt, iid, "review Child In Need (CiN) meeting", "2025-12-19",
                      support_type="Targeted Intervention", handover_done_at_meeting=False)

    clock.set(local(2025, 12, 19, 14, 0))
    request = only_task(rt, iid, REQUEST)
    assert request.process_id == Y4
    assert invalid(rt, request, "sam", {"referral_summary": "Targeted support"}) == {
        "origin": "Additional support identified by is required"}
    y4_request(rt, iid, origin="CiN")
    recorded = completed(rt, case, REQUEST).data  # the meeting's answers are prefilled from Y3
    assert (recorded["origin"], recorded["step_down_on"], recorded["handover_done_at_meeting"],
            recorded["family_consent"], recorded["lead_practitioner"]) == (
        "cin", "2025-12-19", False, "yes", HEALTH_VISITOR)

    clock.set(local(2025, 12, 23, 10, 0, 1))  # Tuesday's weekly transfer meeting
    assert timers.fire_due_timers(rt) == 1
    y4_agreed_at_meeting(rt, iid)
    visit = only_task(rt, iid, HANDOVER_VISIT)
    assert visit.lane == SOCIAL_WORKER
    assert visit.due_at == local(2025, 12, 30, 23, 59, 59, 999999)  # 25 and 26 December skipped
    assert JOINT_HANDOVER not in names_ever(rt, case)

    assert_flagged_once_after(rt, clock, iid, HANDOVER_VISIT, local(2025, 12, 30, 23, 59))

    clock.set(local(2025, 12, 31, 11, 0))
    finish(rt, iid, HANDOVER_VISIT, "sam", handover_date="2025-12-31")
    finish(rt, iid, NOTIFY_TAC, "sam", tac_notified=True)
    y5_start_social_worker_route(rt, iid)
    assert completed(rt, case, INITIATE).data["route"] == "cin_cp"
    assert sorted(y5_close_case_for_each_child(rt, iid, "Child in Need Meeting Record")) == [
        "Johnny Smith", "Josie Smith", "Joy Smith"]
    y5_cin_section_2(rt, iid, "'advice team duty worker'")
    y5_ending_visit(rt, iid, "2026-01-08")
    finish(rt, iid, PM_ALLOCATION, "pam", allocated_worker="Chloe Fisher, Child and Family Support Practitioner")

    assert outcome(rt, iid) == ("completed", Y5_E2)
    assert ready_sequence(rt, iid) == [
        (IDENTIFY_LP_CIN, SOCIAL_WORKER),
        (REVIEW_MEETING, SOCIAL_WORKER),
        (REQUEST, SOCIAL_WORKER),
        (DISCUSS, TRANSFER_MEETING),
        (HANDOVER_VISIT, SOCIAL_WORKER),
        (NOTIFY_TAC, SOCIAL_WORKER),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (SECTION_2_CIN, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER),
        (PM_ALLOCATION, PRACTICE_MANAGERS),
    ]
    assert completed(rt, case, SECTION_2_CIN).data["assign_to"] == "advice_team_duty_worker"
    assert not {SHARE_ASSESSMENT, JOINT_HANDOVER, SIGNPOST} & names_ever(rt, case)
    assert ends(rt, iid) == [(Y4_HANDOVER_VISIT_OVERDUE, Y4), (Y5_E2, Y5), (Y4_E2, Y4), (Y5_E2, Y3)]


def test_y4_started_on_its_own_with_the_hand_over_done_at_the_meeting_skips_the_visit(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 12, 19, 14, 0))
    iid = start(rt, Y4, case, "sam", "Josie", "Joy")
    request = only_task(rt, iid, REQUEST)
    errors = invalid(rt, request, "sam", {"origin": "CiN", "family_consent": "Yes",
                                          "referral_summary": "Targeted support"})
    assert errors == {"step_down_on": "Date of the CiN/ RCPC step down meeting is required",
                      "lead_practitioner": "Lead practitioner (lead professional) – name, role, agency is required"}
    y4_request(rt, iid, origin="CiN", step_down_on="2025-12-19", handover_done_at_meeting=True, family_consent="Yes",
               lead_practitioner=HEALTH_VISITOR)
    clock.set(local(2025, 12, 23, 10, 0, 1))
    assert timers.fire_due_timers(rt) == 1
    y4_agreed_at_meeting(rt, iid)

    notify = only_task(rt, iid, NOTIFY_TAC)  # straight to the notification: no hand over visit
    assert HANDOVER_VISIT not in names_ever(rt, case)
    assert notify.due_at is None
    finish(rt, iid, NOTIFY_TAC, "sam", tac_notified=True)
    y5_start_social_worker_route(rt, iid)
    initiated = completed(rt, case, INITIATE).data
    assert (initiated["route"], initiated["support_type"]) == ("cin_cp", "targeted_intervention")
    assert sorted(y5_close_case_for_each_child(rt, iid, "Child in Need Meeting Record")) == ["Josie Smith", "Joy Smith"]
    y5_cin_section_2(rt, iid, "'advice team duty worker'")
    y5_ending_visit(rt, iid, "2026-01-06")
    finish(rt, iid, PM_ALLOCATION, "pam", allocated_worker="Chloe Fisher, Child and Family Support Practitioner")

    assert outcome(rt, iid) == ("completed", Y4_E2)
    assert ready_sequence(rt, iid) == [
        (REQUEST, SOCIAL_WORKER),
        (DISCUSS, TRANSFER_MEETING),
        (NOTIFY_TAC, SOCIAL_WORKER),
        (INITIATE, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER),
        (SECTION_2_CIN, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER),
        (PM_ALLOCATION, PRACTICE_MANAGERS),
    ]
    assert overdue_events(rt, iid) == []
    assert ends(rt, iid) == [(Y5_E2, Y5), (Y4_E2, Y4)]


def test_y3_request_for_additional_services_keeps_the_meeting_as_its_origin(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 10, 14, 0))
    iid = start(rt, Y3, case, "sam", "Josie", "Joy")
    y3_identify_lead_practitioner(rt, iid)
    y3_review_meeting(rt, iid, "review Child In Need (CiN) meeting", "2025-06-10",
                      support_type="Targeted Intervention")
    request = only_task(rt, iid, REQUEST)
    errors = invalid(rt, request, "sam", {"origin": "Single Assessment", "assessment_completed_on": "2025-06-10",
                                          "referral_summary": "Targeted support needed."})
    assert "origin" in errors


def test_y3_targeted_request_not_agreed_at_the_weekly_transfer_meeting(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 10, 14, 0))
    iid = start(rt, Y3, case, "sam", "Josie", "Joy")
    y3_identify_lead_practitioner(rt, iid)
    y3_review_meeting(rt, iid, "Review Child Protection Conference (RCPC)", "2025-06-10",
                      support_type="Targeted Intervention", handover_done_at_meeting=True)
    y4_request(rt, iid, origin="RCPC")
    clock.set(local(2025, 6, 17, 10, 1))
    assert timers.fire_due_timers(rt) == 1
    finish(rt, iid, DISCUSS, "wes", appropriate="No")

    assert outcome(rt, iid) == ("completed", Y4_E1)
    assert completed(rt, case, REQUEST).data["origin"] == "rcpc"
    assert Y5 not in processes_ever(rt, case)
    assert ready_sequence(rt, iid) == [(IDENTIFY_LP_CIN, SOCIAL_WORKER), (REVIEW_MEETING, SOCIAL_WORKER),
                                       (REQUEST, SOCIAL_WORKER), (DISCUSS, TRANSFER_MEETING)]
    assert ends(rt, iid) == [(Y4_E1, Y4), (Y4_E1, Y3)]


# --- scenario 18: Y6 Pathways ------------------------------------------------------------------------------


def pathways_young_person(rt):
    deploy_library(rt)
    add_users(rt, pat=PATHWAYS, sam=SOCIAL_WORKER)
    return cases.create_case(rt, "Walker", [cases.Child("Jordan Walker", date(2004, 9, 15))], "admin")


def start_pathways_at_the_lead_time(rt, clock) -> tuple[object, int]:
    """Started on 2 June 2025; the start timer fires three months before the 21st birthday (15 June 2025)."""
    case = pathways_young_person(rt)
    clock.set(local(2025, 6, 2, 9, 0))
    iid = instances.start_work(rt, Y6, case.id, "pat")
    assert open_tasks(rt, iid) == []
    assert outcome(rt, iid) == ("running", None)
    clock.set(local(2025, 6, 14, 23, 59, 59))
    assert timers.fire_due_timers(rt) == 0
    clock.set(local(2025, 6, 15, 0, 0, 1))
    assert timers.fire_due_timers(rt) == 1
    reassess = only_task(rt, iid, REASSESS)
    assert (reassess.lane, reassess.created_at) == (PATHWAYS, local(2025, 6, 15, 0, 0, 1))
    forbidden(rt, reassess, "sam", {"continued_support_required": "No"})
    return case, iid


def test_y6_no_continued_support_steps_down_with_a_duty_service_until_25(rt, clock):
    case, iid = start_pathways_at_the_lead_time(rt, clock)
    clock.set(local(2025, 6, 16, 10, 0))
    finish(rt, iid, REASSESS, "pat", continued_support_required="No")
    duty = only_task(rt, iid, DUTY_SERVICE)
    assert invalid(rt, duty, "pat", {}) == {
        "duty_service_offered": "Offer of a duty service until 25 years old made is required"}
    finish(rt, iid, DUTY_SERVICE, "pat", duty_service_offered=True)

    assert outcome(rt, iid) == ("completed", Y6_E1)
    assert ready_sequence(rt, iid) == [(REASSESS, PATHWAYS), (DUTY_SERVICE, PATHWAYS)]
    assert completed(rt, case, REASSESS).data == {"continued_support_required": "no"}
    assert completed(rt, case, DUTY_SERVICE).data == {"duty_service_offered": True}
    assert ends(rt, iid) == [(Y6_E1, Y6)]
    assert ("timer_fired", "Young person approaching 21") in actions(rt, iid)


def test_y6_continued_support_stays_with_pathways_until_the_25th_birthday(rt, clock):
    case, iid = start_pathways_at_the_lead_time(rt, clock)
    finish(rt, iid, REASSESS, "pat", continued_support_required="Yes")
    assert open_tasks(rt, iid) == []
    assert DUTY_SERVICE not in names_ever(rt, case)

    clock.set(local(2029, 9, 14, 23, 59, 59))
    assert timers.fire_due_timers(rt) == 0
    assert outcome(rt, iid) == ("running", None)
    clock.set(local(2029, 9, 15, 0, 0, 1))
    assert timers.fire_due_timers(rt) == 1

    assert outcome(rt, iid) == ("completed", Y6_E2)
    assert queries.get_instance(rt, iid).ended_at == local(2029, 9, 15, 0, 0, 1)
    assert ready_sequence(rt, iid) == [(REASSESS, PATHWAYS)]
    assert ends(rt, iid) == [(Y6_E2, Y6)]
    assert ("timer_fired", "25th birthday") in actions(rt, iid)


# Y7 ------------------------------------------------------------------------------------------------


def y7_partner_discussion(rt, iid, best_served_by_sc="Yes"):
    finish(rt, iid, DISCUSSION, "anna", concern_summary="Josie's attendance has fallen further and there are new "
                                                        "concerns about neglect at home.",
           discussed_with_family="Yes", tacf_date="2025-06-02", needs_best_served_by_sc=best_served_by_sc)


def y7_partner_referral(rt, iid):
    finish(rt, iid, REFERRAL_PARTNER, "anna", referral="Referral to MASH: neglect concerns, TAC&F of 02/06/2025.")


def y7_mash_decision(rt, iid, referral_date, decision="Step up to social care", **values):
    finish(rt, iid, MASH_DECISION, "mo", referral_date=referral_date, mash_decision=decision,
           rationale="Threshold for a social care assessment is met.", **values)


# --- scenario 16: Y7 partner LP step up — 1 working day and 3 months ------------------------------------------


def test_y7_partner_referral_on_christmas_eve_is_flagged_overdue_after_one_working_day(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 12, 24, 9, 0))
    iid = start(rt, Y7, case, "anna", "Josie", start_route="partner_lp")
    discussion = only_task(rt, iid, DISCUSSION)
    assert discussion.lane == PARTNER_LP
    forbidden(rt, discussion, "tess", {})
    errors = invalid(rt, discussion, "anna", {"lp_type": "targeted Early Help", "concern_summary": "Neglect",
                                             "discussed_with_family": "No", "needs_best_served_by_sc": "Yes"})
    assert errors == {
        "lp_type": "This discussion is for the partner lead professional route; start the step up on the other "
                   "route instead",
        "reason": "Reason not discussed with the family (the risk to a child or young person would be increased) "
                  "is required"}
    finish(rt, iid, DISCUSSION, "anna", concern_summary="Injury seen on Josie; the family must not be told yet.",
           discussed_with_family="No", reason="Telling the family would increase the risk to Josie.",
           needs_best_served_by_sc="Yes")
    clock.set(local(2025, 12, 24, 10, 0))
    y7_partner_referral(rt, iid)

    decision = only_task(rt, iid, MASH_DECISION)
    assert decision.lane == MASH
    assert decision.due_at == local(2025, 12, 29, 23, 59, 59, 999999)  # 25, 26 Dec and the weekend skipped
    assert_flagged_once_after(rt, clock, iid, MASH_DECISION, local(2025, 12, 29, 23, 59))

    clock.set(local(2025, 12, 30, 9, 30))
    y7_mash_decision(rt, iid, "2025-12-24", after_step_down_from_cin_cp="No")
    finish(rt, iid, ALLOCATE_SW, "mo", allocated_sw="nick", allocated_on="2025-12-30")

    assert outcome(rt, iid) == ("completed", Y7_E4)
    data = instance_data(rt, iid)
    assert (data["allocated_sw"], data["allocated_to_previous_sw"], data["allocated_on"]) == (
        "nick", False, "2025-12-30")
    assert ready_sequence(rt, iid) == [(DISCUSSION, PARTNER_LP), (REFERRAL_PARTNER, PARTNER_LP),
                                       (MASH_DECISION, MASH), (ALLOCATE_SW, MASH)]
    assert completed(rt, case, DISCUSSION).data["lp_type"] == "partner_lead_professional"
    assert ends(rt, iid) == [(Y7_MASH_OVERDUE, Y7), (Y7_E4, Y7)]


@pytest.mark.parametrize("referral_date, returns_to_previous_sw", [
    ("2025-06-09", True),
    ("2025-06-10", True),  # three calendar months after 10 March, inclusive
    ("2025-06-11", False),
])
def test_y7_step_up_within_three_months_of_a_cin_step_down_returns_to_the_previous_social_worker(
        rt, clock, referral_date, returns_to_previous_sw):
    case = setup(rt)
    clock.set(datetime.fromisoformat(referral_date).replace(hour=9, tzinfo=LONDON))
    iid = start(rt, Y7, case, "anna", "Josie", "Joy", start_route="partner_lp")
    y7_partner_discussion(rt, iid)
    y7_partner_referral(rt, iid)
    decision = only_task(rt, iid, MASH_DECISION)
    assert invalid(rt, decision, "mo", {"referral_date": referral_date, "mash_decision": "Step up to social care",
                                        "after_step_down_from_cin_cp": "Yes"}) == {
        "previous_step_down_from_cin_cp_on": "Date of the stepdown from CIN/CP is required",
        "previous_social_worker": "Previous social worker is required"}
    y7_mash_decision(rt, iid, referral_date, after_step_down_from_cin_cp="Yes",
                     previous_step_down_from_cin_cp_on="2025-03-10", previous_social_worker="sara")

    allocation = RETURN_PREVIOUS_SW if returns_to_previous_sw else ALLOCATE_SW
    assert only_task(rt, iid).name == allocation
    if returns_to_previous_sw:
        finish(rt, iid, RETURN_PREVIOUS_SW, "mo", allocated_sw="sara", allocated_on=referral_date)
    else:
        finish(rt, iid, ALLOCATE_SW, "mo", allocated_sw="nick", allocated_on=referral_date)

    assert outcome(rt, iid) == ("completed", Y7_E4)
    data = instance_data(rt, iid)
    assert data["allocated_to_previous_sw"] is returns_to_previous_sw
    assert data["allocated_sw"] == ("sara" if returns_to_previous_sw else "nick")
    assert completed(rt, case, allocation).data["allocated_to_previous_sw"] is returns_to_previous_sw
    assert ready_sequence(rt, iid) == [(DISCUSSION, PARTNER_LP), (REFERRAL_PARTNER, PARTNER_LP),
                                       (MASH_DECISION, MASH), (allocation, MASH)]
    assert {RETURN_PREVIOUS_SW, ALLOCATE_SW} & names_ever(rt, case) == {allocation}
    assert overdue_events(rt, iid) == []
    assert ends(rt, iid) == [(Y7_E4, Y7)]


# --- scenario 17: Y7 targeted EH step up, CP and advice routes --------------------------------------------------


@pytest.mark.parametrize("joint_visit_on", ["2025-09-04", "2025-09-12"], ids=["visit-in-time", "visit-late"])
def test_y7_targeted_step_up_keeps_early_help_open_ten_days_after_allocation(rt, clock, joint_visit_on):
    case = setup(rt)
    clock.set(local(2025, 8, 28, 10, 0))
    iid = start(rt, Y7, case, "tess", "Johnny", "Josie", "Joy", start_route="targeted_eh")
    discussion = only_task(rt, iid, DISCUSSION)
    assert discussion.lane == TARGETED_EH
    finish(rt, iid, DISCUSSION, "tess", concern_summary="Plan not progressing: missed appointments, new "
                                                        "concerns from school.",
           discussed_with_family="Yes", tacf_date="2025-08-27", needs_best_served_by_sc="Yes")
    asmd = only_task(rt, iid, ASMD_DISCUSSION)
    forbidden(rt, asmd, "tess", {"transfer_accepted": "Yes"})
    finish(rt, iid, ASMD_DISCUSSION, "asha", transfer_accepted="Yes",
           allocation_decision="Allocate to the Assessment Team for a Single Assessment.")
    finish(rt, iid, REFERRAL_TARGETED, "tess", referral="Referral outlining the discussion of 28/08/2025 with the "
                                                        "assessment service manager on duty; allocation agreed.")
    clock.set(local(2025, 9, 1, 9, 0))
    finish(rt, iid, MASH_RECORD, "mo", referral_date="2025-08-28", after_step_down_from_cin_cp="No")
    finish(rt, iid, ALLOCATE_SW, "mo", allocated_sw="nick", allocated_on="2025-09-01")

    visit = only_task(rt, iid, JOINT_VISIT)
    assert (visit.lane, visit.assignee) == (STEP_UP_SW, "nick")
    assert visit.due_at == local(2025, 9, 11, 0, 0)
    assert [t.name for t in queries.list_tasks(rt, "nick", mine=True)] == [JOINT_VISIT]
    forbidden(rt, visit, "sara", {"joint_visit_date": "2025-09-04"})  # another social worker
    forbidden(rt, visit, "tess", {"joint_visit_date": "2025-09-04"})
    in_time = joint_visit_on < "2025-09-11"
    if in_time:
        clock.set(local(2025, 9, 4, 15, 0))
        finish(rt, iid, JOINT_VISIT, "nick", joint_visit_date=joint_visit_on)

    clock.set(local(2025, 9, 10, 23, 59, 59))
    assert timers.fire_due_timers(rt) == 0
    assert CLOSE_EH not in names_ever(rt, case)
    clock.set(local(2025, 9, 11, 0, 0, 1))
    assert timers.fire_due_timers(rt) == 1
    close_eh = only_task(rt, iid, CLOSE_EH)
    assert (close_eh.lane, close_eh.created_at) == (TARGETED_EH, local(2025, 9, 11, 0, 0, 1))
    clock.set(local(2025, 9, 11, 9, 0))
    finish(rt, iid, CLOSE_EH, "tess", eh_closed=True)
    if not in_time:
        assert only_task(rt, iid, JOINT_VISIT).overdue
        assert overdue_events(rt, iid) == [(JOINT_VISIT, "timer")]
        assert outcome(rt, iid) == ("running", None)  # the join waits for the joint visit
        clock.set(local(2025, 9, 12, 16, 0))
        finish(rt, iid, JOINT_VISIT, "nick", joint_visit_date=joint_visit_on)

    assert outcome(rt, iid) == ("completed", Y7_E5)
    sequence = [(DISCUSSION, TARGETED_EH), (ASMD_DISCUSSION, ASMD), (REFERRAL_TARGETED, TARGETED_EH),
                (MASH_RECORD, MASH), (ALLOCATE_SW, MASH), (JOINT_VISIT, STEP_UP_SW), (CLOSE_EH, TARGETED_EH)]
    assert ready_sequence(rt, iid) == sequence
    assert completed(rt, case, JOINT_VISIT).completed_by == "nick"
    assert completed(rt, case, JOINT_VISIT).data == {"joint_visit_date": joint_visit_on}
    assert MASH_DECISION not in names_ever(rt, case)
    if in_time:
        assert overdue_events(rt, iid) == []
        assert ends(rt, iid) == [(Y7_E5, Y7)]
    else:
        assert ends(rt, iid) == [(Y7_JOINT_VISIT_OVERDUE, Y7), (Y7_E5, Y7)]


def test_y7_targeted_transfer_not_accepted_by_the_assessment_service_manager(rt):
    case = setup(rt)
    iid = start(rt, Y7, case, "tess", "Josie", start_route="targeted_eh")
    discussion = only_task(rt, iid, DISCUSSION)
    assert invalid(rt, discussion, "tess", {"lp_type": "partner lead professional", "concern_summary": "Plan stuck",
                                            "discussed_with_family": "Yes", "needs_best_served_by_sc": "Yes"}) == {
        "lp_type": "This discussion is for the targeted Early Help route; start the step up on the other route "
                   "instead"}
    finish(rt, iid, DISCUSSION, "tess", concern_summary="Plan not progressing.", discussed_with_family="Yes",
           needs_best_served_by_sc="Yes")
    asmd = only_task(rt, iid, ASMD_DISCUSSION)
    assert invalid(rt, asmd, "asha", {"transfer_accepted": "Yes"}) == {
        "allocation_decision": "Decision on allocation is required"}
    finish(rt, iid, ASMD_DISCUSSION, "asha", transfer_accepted="No")

    assert outcome(rt, iid) == ("completed", Y7_E3)
    assert completed(rt, case, DISCUSSION).data["lp_type"] == "targeted_early_help"
    assert ready_sequence(rt, iid) == [(DISCUSSION, TARGETED_EH), (ASMD_DISCUSSION, ASMD)]
    assert not {REFERRAL_TARGETED, MASH_RECORD, MASH_DECISION} & names_ever(rt, case)
    assert ends(rt, iid) == [(Y7_E3, Y7)]


def test_y7_child_protection_concern_goes_straight_to_the_mash_decision(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 4, 16, 0))
    iid = start(rt, Y7, case, "tess", "Joy", start_route="cp_concern")

    decision = only_task(rt, iid, MASH_DECISION)
    assert decision.lane == MASH
    assert decision.due_at == local(2025, 6, 5, 23, 59, 59, 999999)  # the MASH's 1 working day applies too
    assert DISCUSSION not in names_ever(rt, case)  # no Y7.1 / Y7.4 discussion
    y7_mash_decision(rt, iid, "2025-06-04", after_step_down_from_cin_cp="No")
    finish(rt, iid, ALLOCATE_SW, "mo", allocated_sw="nick", allocated_on="2025-06-05")

    assert outcome(rt, iid) == ("completed", Y7_E4)
    assert instance_data(rt, iid)["allocated_to_previous_sw"] is False
    assert ready_sequence(rt, iid) == [(MASH_DECISION, MASH), (ALLOCATE_SW, MASH)]
    assert JOINT_VISIT not in names_ever(rt, case)
    assert ends(rt, iid) == [(Y7_E4, Y7)]


@pytest.mark.parametrize("line_manager_agrees", [True, False], ids=["advice-taken", "manager-not-agreed"])
def test_y7_advice_from_a_social_worker_without_a_referral(rt, line_manager_agrees):
    case = setup(rt)
    iid = start(rt, Y7, case, "tess", "Johnny", "Josie", start_route="advice")
    oversight = only_task(rt, iid, OVERSIGHT)
    assert oversight.lane == LINE_MANAGER
    forbidden(rt, oversight, "tess", {"agreed_to_seek_advice": "Yes"})
    finish(rt, iid, OVERSIGHT, "lina", concern_summary="Father has moved back in; possible risk to the children.",
           agreed_to_seek_advice="Yes" if line_manager_agrees else "No")
    sequence = [(OVERSIGHT, LINE_MANAGER)]
    if line_manager_agrees:
        advice = only_task(rt, iid, SEEK_ADVICE)
        assert advice.lane == TARGETED_EH
        assert invalid(rt, advice, "tess", {"advice_summary": "Advice taken", "referral_necessary": "Yes"}) == {
            "discussed_with_family": "Discussed with the family prior to making a safeguarding referral? is required"}
        finish(rt, iid, SEEK_ADVICE, "tess", advice_summary="Duty social worker advised: continue the Early Help "
                                                            "plan, add a safety plan; no referral needed.",
               referral_necessary="No")
        sequence.append((SEEK_ADVICE, TARGETED_EH))
        assert completed(rt, case, SEEK_ADVICE).data["referral_necessary"] == "no"

    assert outcome(rt, iid) == ("completed", Y7_E6)
    assert ready_sequence(rt, iid) == sequence
    assert MASH_DECISION not in names_ever(rt, case)
    assert ends(rt, iid) == [(Y7_E6, Y7)]


def test_y7_partner_lp_needs_not_best_served_by_social_care(rt):
    case = setup(rt)
    iid = start(rt, Y7, case, "anna", "Josie", start_route="partner_lp")
    discussion = only_task(rt, iid, DISCUSSION)
    assert invalid(rt, discussion, "anna", {"concern_summary": "Attendance", "discussed_with_family": "Yes"}) == {
        "needs_best_served_by_sc": "Do agencies feel the needs of the family are best served by Social Care? is "
                                   "required"}
    y7_partner_discussion(rt, iid, best_served_by_sc="No")

    assert outcome(rt, iid) == ("completed", Y7_E1)
    assert completed(rt, case, DISCUSSION).data["needs_best_served_by_sc"] == "no"
    assert ready_sequence(rt, iid) == [(DISCUSSION, PARTNER_LP)]
    assert ends(rt, iid) == [(Y7_E1, Y7)]


def test_y7_partner_lp_referral_mash_decides_other_next_steps(rt):
    case = setup(rt)
    iid = start(rt, Y7, case, "anna", "Josie", start_route="partner_lp")
    y7_partner_discussion(rt, iid)
    y7_partner_referral(rt, iid)
    decision = only_task(rt, iid, MASH_DECISION)
    forbidden(rt, decision, "anna", {"mash_decision": "Other next steps"})
    y7_mash_decision(rt, iid, "2025-06-02", decision="Other next steps")

    assert outcome(rt, iid) == ("completed", Y7_E2)
    assert completed(rt, case, MASH_DECISION).data["mash_decision"] == "other_next_steps"
    assert ready_sequence(rt, iid) == [(DISCUSSION, PARTNER_LP), (REFERRAL_PARTNER, PARTNER_LP),
                                       (MASH_DECISION, MASH)]
    assert not {ALLOCATE_SW, RETURN_PREVIOUS_SW} & names_ever(rt, case)
    assert ends(rt, iid) == [(Y7_E2, Y7)]
