"""York: step down from MASH (Y1), from a Single Assessment (Y2) and the case closure they continue into (Y5)
(process-catalogue §10 scenarios 11 and 12), driven end to end through the service layer.

Processes: Y1 york_step_down_mash, Y2 york_step_down_single_assessment, Y5 york_case_closure (called only).
Y2's targeted route goes through Y4 york_request_additional_services (scenario 14, its own tests) and Y5's
CiN/CP partner-led route is driven from Y3 (scenario 13, its own tests). The last tests here start Y5 the way Y4
calls it (targeted, with a time frame for transfer) to check the interface and the two overdue ends.

Timers fire only strictly after their due time: `working_days(0, d)` ends day d at 23:59:59.999999, so a clock at
00:00 of the next day is already past it; a "P10D" reminder is due exactly 10 days after the wait starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import instances, queries, tasks, timers
from bpmnrun.service.errors import Forbidden, InvalidInput
from bpmnrun.service.recorded import recorded_so_far
from tests.support import (LIBRARY, actions, add_users, deploy_paths, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, subject_ids)

Y1 = "york_step_down_mash"
Y2 = "york_step_down_single_assessment"
Y4 = "york_request_additional_services"
Y5 = "york_case_closure"

# Lanes (a lane's name is the team whose inbox receives its tasks).
MASH = "MASH"
EH_COORDINATOR = "early help co-ordinator"
MANAGER = "manager"
SUPPORTING_FAMILIES = "Supporting Families Team"
PRACTICE_MANAGERS = "Practice Managers"
SOCIAL_WORKER = "Social Worker"

# Y1 tasks.
SCREENING = "Record the outcome of the referral screening"
CLOSE_REFERRAL = "Close the referral and open an early help recording form"
IDENTIFY_LP = "Identify a lead professional and agree the plan of support"
CONTACT_LP = "Contact the proposed lead professional"
CLOSE_FORM = "Close the early help recording form following manager oversight"  # Y1.6, and Y5.2 in Y5
# Y2 tasks.
INFORMED_CONSENT = "Ensure informed consent to early help support"
IDENTIFY_LP_SA = "Identify the lead practitioner with the family"
# Y5 tasks.
LP_RELATIONSHIPS = "Add the lead practitioner's details to the Professional Relationships"
START_EHA = "Start an early help assessment work step"
REMIND = "Remind the partner agency to submit the completed early help assessment"
SECTION_2_MASH = "Complete Section 2 of the early help recording form"
ENDING_VISIT = "Ending visit and endings letter"
SIGNPOST = "Signpost to Children's Advice Team"
SECTION_2_SA = "Early Help Recording Form – Section 2"
CLOSE_CASE = "Close Case to Children's Social Work Services"
SECTION_2_CIN = "Update Section 2 of the early help recording form"
ALLOCATE = "Allocate from 'advice team duty worker'"

MESSAGE = "Completed early help assessment received"
REMINDER_TIMER = "Reminder period passed"
TRANSFER_TIMER = "Time frame for transfer reached"

# End events.
Y5_E1 = ("Partner-led early help – recording form closed; early help assessment work step started by the "
         "Supporting Families Team")
Y5_E2 = "Targeted Intervention Service – allocated by the Practice Managers"
Y5_E3 = "Assigned to 'Partner led EHA' – case closed"
Y5_SIGNPOST_OVERDUE = "Signpost to Children's Advice Team overdue – flagged to manager"
Y5_CLOSE_CASE_OVERDUE = "Close Case to Children's Social Work Services overdue – flagged to manager"
Y1_E1, Y1_E2 = Y5_E1, Y5_E2
Y1_E3 = "Referral outcome is not a partner-led plan of support – outside this protocol"
Y1_E4 = "Family does not consent – early help recording form closed"
Y1_E5 = "No lead professional agreed – early help recording form closed"
Y2_E1 = "No informed consent / plan not agreed – no step down to early help"
Y2_E3 = Y5_E3

# Test data: the lead professional is external (a name, not a user); worker names are test data.
HEALTH_VISITOR = "Anna Lee, Health Visitor, York Teaching Hospital NHS Foundation Trust, 01904 555 0101"
TEACHER = "Mr Brown, class teacher, St Mary's Primary School, 01904 555 0202"
NEEDS = "Josie's school attendance has fallen to 78% and Joy's development checks are overdue."
PLAN = "Early help assessment and a team around the child and family meeting within four weeks."
PRIYA = "Priya Shah, Child and Family Support Practitioner, 01904 555 0303"
NOT_A_CLOSURE_RECORD = ("Please note that a next action of 'Signpost to Children's Advice Team' should NOT be "
                        "added to the next actions as this will not generate a closure record")
PARTNER_LED_PLAN = "The family would benefit from a partner led plan of support"
LP_LABEL_Y1 = "Lead professional: name, role, agency and contact details"


# --- helpers ----------------------------------------------------------------------------------------------


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def setup(rt, *processes: str):
    """The diagrams these scenarios run (and what they call), one user per lane, and Family Smith."""
    deploy_paths(rt, *[LIBRARY / "york" / f"{p}.bpmn" for p in processes])
    add_users(rt, mash1=MASH, coral=EH_COORDINATOR, mani=MANAGER, sfiona=SUPPORTING_FAMILIES,
              pam=PRACTICE_MANAGERS, sam=SOCIAL_WORKER, sue=SOCIAL_WORKER)
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


def rows(rt, case, name=None) -> list:
    """Every task row the case ever had (of that name), open or closed."""
    return [t for t in queries.case_tasks(rt, case.id) if name is None or t.name == name]


def names_ever(rt, case) -> set[str]:
    return {t.name for t in rows(rt, case)}


def processes_ever(rt, case) -> set[str]:
    return {t.process_id for t in rows(rt, case)}


def completed(rt, case, name, lane=None):
    found = [t for t in rows(rt, case, name) if t.state == "completed" and (lane is None or t.lane == lane)]
    assert len(found) == 1, f"expected one completed {name!r}, found {len(found)}"
    return found[0]


def invalid(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task.id, actor, values)
    return caught.value.errors


def forbidden(rt, task, actor, values=None) -> None:
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, task.id, actor, values or {})


def field_ids(task) -> list[str]:
    return [f["id"] for f in task.form]


def shown(rt, task, actor) -> dict[str, str]:
    """What the task page shows as recorded so far: label → answer in words, over every earlier step."""
    return {label: said for step in recorded_so_far(rt, task.id, actor) for label, said in step.answers}


def overdue_events(rt, instance_id) -> list[tuple[str, str]]:
    return [(e.name, e.actor) for e in queries.history(rt, instance_id=instance_id) if e.action == "overdue"]


# --- Y1 steps -------------------------------------------------------------------------------------------


def y1_screen_and_close_referral(rt, iid):
    finish(rt, iid, SCREENING, "mash1", screening_outcome=PARTNER_LED_PLAN, need_level="level 3")
    close_referral = only_task(rt, iid, CLOSE_REFERRAL)
    assert (close_referral.lane, close_referral.form) == (MASH, [])  # an instruction: no fields
    finish(rt, iid, CLOSE_REFERRAL, "mash1")


def y1_agree_plan(rt, iid, support_type, lead_practitioner=HEALTH_VISITOR, actor="coral"):
    finish(rt, iid, IDENTIFY_LP, actor, identified_needs=NEEDS, family_consent="Yes",
           lead_practitioner=lead_practitioner, plan_of_support=PLAN, support_type=support_type)


# --- scenario 11: Y1 MASH ------------------------------------------------------------------------------------


def test_y1_partner_led_reminds_the_partner_agency_until_the_completed_assessment_arrives(rt, clock):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y1, case, "mash1", "Josie", "Joy")

    screening = only_task(rt, iid, SCREENING)
    assert (screening.lane, screening.process_id) == (MASH, Y1)
    forbidden(rt, screening, "coral", {"screening_outcome": PARTNER_LED_PLAN, "need_level": "level 3"})
    assert invalid(rt, screening, "mash1", {"screening_outcome": PARTNER_LED_PLAN}) == {
        "need_level": "A partner led plan of support is at level 2 or 3: choose the level"}
    assert CLOSE_REFERRAL not in names_ever(rt, case)
    y1_screen_and_close_referral(rt, iid)

    y1_agree_plan(rt, iid, "Partner-led early help with this lead professional")
    contact = only_task(rt, iid, CONTACT_LP)
    assert contact.lane == EH_COORDINATOR
    assert shown(rt, contact, "coral")[LP_LABEL_Y1] == HEALTH_VISITOR  # the lead professional and plan are shown
    assert shown(rt, contact, "coral")["The plan of support agreed with the family"] == PLAN
    assert invalid(rt, contact, "coral", {"lp_contacted_on": "2025-06-02", "lp_agreed": "No"}) == {
        "if_lp_declines": "Select what happens if the lead professional declines"}
    finish(rt, iid, CONTACT_LP, "coral", lp_contacted_on="2025-06-02", lp_agreed="Yes")

    # Y5: nothing to initiate; the lead practitioner comes from Y1 and is shown, never asked again.
    relationships = only_task(rt, iid, LP_RELATIONSHIPS)
    assert (relationships.lane, relationships.process_id, relationships.form) == (EH_COORDINATOR, Y5, [])
    assert shown(rt, relationships, "coral")[LP_LABEL_Y1] == HEALTH_VISITOR
    finish(rt, iid, LP_RELATIONSHIPS, "coral")

    close_form = only_task(rt, iid, CLOSE_FORM)
    assert (close_form.lane, close_form.process_id, field_ids(close_form)) == (MANAGER, Y5, ["oversight_note"])
    forbidden(rt, close_form, "coral")  # manager oversight
    finish(rt, iid, CLOSE_FORM, "mani", oversight_note="Anna Lee identified and recorded as lead practitioner.")
    waiting_since = clock.now()

    # The partner agency has not sent the completed assessment: 10 days on, the team is asked to remind them.
    assert open_tasks(rt, iid) == []
    assert queries.get_instance(rt, iid).waiting_messages == (MESSAGE,)
    clock.set(waiting_since + timedelta(days=10))
    assert timers.fire_due_timers(rt) == 0
    assert REMIND not in names_ever(rt, case)
    clock.set(waiting_since + timedelta(days=10, minutes=1))
    assert timers.fire_due_timers(rt) == 1
    remind = only_task(rt, iid, REMIND)
    assert (remind.lane, remind.process_id, remind.form) == (SUPPORTING_FAMILIES, Y5, [])
    assert shown(rt, remind, "sfiona")[LP_LABEL_Y1] == HEALTH_VISITOR  # whom to remind
    assert queries.get_instance(rt, iid).waiting_messages == ()
    forbidden(rt, remind, "mani")
    finish(rt, iid, REMIND, "sfiona")

    # The wait resumes; a second reminder would follow after another 10 days, but the assessment arrives first.
    assert open_tasks(rt, iid) == []
    assert queries.get_instance(rt, iid).waiting_messages == (MESSAGE,)
    clock.set(waiting_since + timedelta(days=14))
    assert timers.fire_due_timers(rt) == 0
    instances.deliver_message(rt, iid, MESSAGE, "sfiona", {"received_from": "Anna Lee, Health Visitor"})
    start_eha = only_task(rt, iid, START_EHA)
    assert (start_eha.lane, start_eha.form) == (SUPPORTING_FAMILIES, [])
    forbidden(rt, start_eha, "mani")
    finish(rt, iid, START_EHA, "sfiona")

    assert outcome(rt, iid) == ("completed", Y1_E1)
    assert ends(rt, iid) == [(Y5_E1, Y5), (Y1_E1, Y1)]
    assert ready_sequence(rt, iid) == [
        (SCREENING, MASH),
        (CLOSE_REFERRAL, MASH),
        (IDENTIFY_LP, EH_COORDINATOR),
        (CONTACT_LP, EH_COORDINATOR),
        (LP_RELATIONSHIPS, EH_COORDINATOR),
        (CLOSE_FORM, MANAGER),
        (REMIND, SUPPORTING_FAMILIES),
        (START_EHA, SUPPORTING_FAMILIES),
    ]
    assert completed(rt, case, SCREENING).data == {
        "screening_outcome": "the_family_would_benefit_from_a_partner_led_plan_of_support", "need_level": "level_3"}
    plan = completed(rt, case, IDENTIFY_LP).data
    assert (plan["family_consent"], plan["support_type"], plan["lead_practitioner"]) == ("yes", "partner_led",
                                                                                         HEALTH_VISITOR)
    assert completed(rt, case, CONTACT_LP).data == {"lp_contacted_on": "2025-06-02", "lp_agreed": "yes"}
    assert [(t.name, t.completed_by) for t in rows(rt, case) if t.process_id == Y5] == [
        (LP_RELATIONSHIPS, "coral"), (CLOSE_FORM, "mani"), (REMIND, "sfiona"), (START_EHA, "sfiona")]
    trail = actions(rt, iid)
    assert trail.count(("timer_fired", REMINDER_TIMER)) == 1
    assert trail.count(("message_received", MESSAGE)) == 1
    assert trail.index(("message_delivered", MESSAGE)) < trail.index(("task_ready", START_EHA))
    assert trail[-1] == ("instance_completed", Y1_E1)


def test_y1_targeted_at_the_first_step_skips_the_partner_contact_and_goes_to_the_practice_managers(rt):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y1, case, "mash1", "Johnny", "Josie", "Joy")
    y1_screen_and_close_referral(rt, iid)
    y1_agree_plan(rt, iid, "Additional support from the Targeted Intervention Service")

    relationships = only_task(rt, iid, LP_RELATIONSHIPS)  # no partner lead professional to contact
    assert relationships.lane == EH_COORDINATOR
    finish(rt, iid, LP_RELATIONSHIPS, "coral")
    section_2 = only_task(rt, iid, SECTION_2_MASH)
    assert (section_2.lane, field_ids(section_2)) == (EH_COORDINATOR, ["support_required"])
    assert invalid(rt, section_2, "coral", {}) == {"support_required": "Enter the support required (Section 2)"}
    finish(rt, iid, SECTION_2_MASH, "coral",
           support_required="Targeted Intervention Service: parenting support and school attendance work.")

    allocate = only_task(rt, iid, ALLOCATE)
    assert (allocate.lane, allocate.process_id) == (PRACTICE_MANAGERS, Y5)
    assert tasks.form_values(rt, allocate.id, "pam") == {}  # no practitioner allocated before, on the MASH route
    forbidden(rt, allocate, "coral", {"cfs_practitioner": PRIYA})
    assert invalid(rt, allocate, "pam", {}) == {
        "cfs_practitioner": "Enter the Child and Family Support Practitioner allocated"}
    finish(rt, iid, ALLOCATE, "pam", cfs_practitioner=PRIYA)

    assert outcome(rt, iid) == ("completed", Y1_E2)
    assert ends(rt, iid) == [(Y5_E2, Y5), (Y1_E2, Y1)]
    assert ready_sequence(rt, iid) == [
        (SCREENING, MASH),
        (CLOSE_REFERRAL, MASH),
        (IDENTIFY_LP, EH_COORDINATOR),
        (LP_RELATIONSHIPS, EH_COORDINATOR),
        (SECTION_2_MASH, EH_COORDINATOR),
        (ALLOCATE, PRACTICE_MANAGERS),
    ]
    assert CONTACT_LP not in names_ever(rt, case)
    assert CLOSE_FORM not in names_ever(rt, case) and START_EHA not in names_ever(rt, case)
    assert completed(rt, case, ALLOCATE).completed_by == "pam"
    assert instance_data(rt, iid)["cfs_practitioner"] == PRIYA


def test_y1_family_does_not_consent_manager_closes_the_recording_form(rt):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y1, case, "mash1", "Josie")
    y1_screen_and_close_referral(rt, iid)
    finish(rt, iid, IDENTIFY_LP, "coral", identified_needs=NEEDS, family_consent="No")  # nothing else is needed

    close_form = only_task(rt, iid, CLOSE_FORM)
    assert (close_form.lane, close_form.process_id) == (MANAGER, Y1)
    assert shown(rt, close_form, "mani")["Does the family consent to early help?"] == "No"  # why it is closed
    forbidden(rt, close_form, "coral")
    finish(rt, iid, CLOSE_FORM, "mani", oversight_note="Family declined early help; universal services advised.")

    assert outcome(rt, iid) == ("completed", Y1_E4)
    assert ends(rt, iid) == [(Y1_E4, Y1)]
    assert CONTACT_LP not in names_ever(rt, case)
    assert Y5 not in processes_ever(rt, case)  # no closure task of Y5 at all
    assert ready_sequence(rt, iid) == [(SCREENING, MASH), (CLOSE_REFERRAL, MASH), (IDENTIFY_LP, EH_COORDINATOR),
                                       (CLOSE_FORM, MANAGER)]


def test_y1_lead_professional_declines_twice_then_none_can_be_found(rt, clock):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y1, case, "mash1", "Josie", "Joy")
    y1_screen_and_close_referral(rt, iid)
    y1_agree_plan(rt, iid, "Partner-led early help with this lead professional")
    finish(rt, iid, CONTACT_LP, "coral", lp_contacted_on="2025-06-02", lp_agreed="No",
           if_lp_declines="Identify another lead professional with the family")

    # Back to identifying a lead professional with the family, with the earlier answers filled in.
    again = only_task(rt, iid, IDENTIFY_LP)
    assert tasks.form_values(rt, again.id, "coral") == {
        "identified_needs": NEEDS, "family_consent": "yes", "lead_practitioner": HEALTH_VISITOR,
        "plan_of_support": PLAN, "support_type": "partner_led"}
    clock.advance(days=1)
    finish(rt, iid, IDENTIFY_LP, "coral", lead_practitioner=TEACHER)  # only the new lead professional is typed
    assert completed_last(rt, case, IDENTIFY_LP).data == {
        "identified_needs": NEEDS, "family_consent": "yes", "lead_practitioner": TEACHER,
        "plan_of_support": PLAN, "support_type": "partner_led"}
    finish(rt, iid, CONTACT_LP, "coral", lp_contacted_on="2025-06-04", lp_agreed="No",
           if_lp_declines="No lead professional can be found")

    close_form = only_task(rt, iid, CLOSE_FORM)
    assert (close_form.lane, close_form.process_id) == (MANAGER, Y1)
    assert shown(rt, close_form, "mani")["If the lead professional declines"] == "No lead professional can be found"
    finish(rt, iid, CLOSE_FORM, "mani", oversight_note="No partner agency able to lead; family signposted.")

    assert outcome(rt, iid) == ("completed", Y1_E5)
    assert ends(rt, iid) == [(Y1_E5, Y1)]
    assert Y5 not in processes_ever(rt, case)
    assert ready_sequence(rt, iid) == [
        (SCREENING, MASH), (CLOSE_REFERRAL, MASH),
        (IDENTIFY_LP, EH_COORDINATOR), (CONTACT_LP, EH_COORDINATOR),
        (IDENTIFY_LP, EH_COORDINATOR), (CONTACT_LP, EH_COORDINATOR),
        (CLOSE_FORM, MANAGER),
    ]


def test_y1_lead_professional_declines_and_the_targeted_intervention_service_is_asked_instead(rt):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y1, case, "mash1", "Joy")
    y1_screen_and_close_referral(rt, iid)
    y1_agree_plan(rt, iid, "Partner-led early help with this lead professional")
    finish(rt, iid, CONTACT_LP, "coral", lp_contacted_on="2025-06-02", lp_agreed="No",
           if_lp_declines="Ask for Targeted Intervention Service support instead")

    finish(rt, iid, LP_RELATIONSHIPS, "coral")
    finish(rt, iid, SECTION_2_MASH, "coral", support_required="Targeted Intervention Service: parenting support.")
    finish(rt, iid, ALLOCATE, "pam", cfs_practitioner=PRIYA)

    assert outcome(rt, iid) == ("completed", Y1_E2)
    assert ends(rt, iid) == [(Y5_E2, Y5), (Y1_E2, Y1)]
    assert CLOSE_FORM not in names_ever(rt, case) and REMIND not in names_ever(rt, case)


def test_y1_screening_outcome_other_than_a_partner_led_plan(rt):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y1, case, "mash1", "Johnny")
    finish(rt, iid, SCREENING, "mash1", screening_outcome="Other outcome")

    assert outcome(rt, iid) == ("completed", Y1_E3)
    assert completed(rt, case, SCREENING).data == {"screening_outcome": "other_outcome"}
    assert names_ever(rt, case) == {SCREENING}
    assert ends(rt, iid) == [(Y1_E3, Y1)]


def completed_last(rt, case, name):
    done = [t for t in rows(rt, case, name) if t.state == "completed"]
    return max(done, key=lambda t: t.completed_at)


# --- scenario 12: Y2 Single Assessment ------------------------------------------------------------------------


def y2_consent(rt, iid, **answers):
    finish(rt, iid, INFORMED_CONSENT, "sam", **{
        "assessment_completed_on": "2025-05-30", "informed_consent": "Yes", "family_seen_assessment": "Yes",
        "plan_agreed": "Yes", "identified_needs": NEEDS, **answers})


def test_y2_no_informed_consent_ends_the_step_down(rt):
    case = setup(rt, Y5, Y4, Y2)
    iid = start(rt, Y2, case, "sam", "Josie", "Joy")
    consent = only_task(rt, iid, INFORMED_CONSENT)
    assert consent.lane == SOCIAL_WORKER
    y2_consent(rt, iid, informed_consent="No")

    assert outcome(rt, iid) == ("completed", Y2_E1)
    assert ends(rt, iid) == [(Y2_E1, Y2)]
    assert names_ever(rt, case) == {INFORMED_CONSENT}
    assert SIGNPOST not in names_ever(rt, case)
    assert completed(rt, case, INFORMED_CONSENT).data["informed_consent"] == "no"


def test_y2_partner_led_ending_visit_before_closure_and_nothing_asked_twice(rt):
    case = setup(rt, Y5, Y4, Y2)
    josie, joy = subject_ids(case, "Josie"), subject_ids(case, "Joy")
    josie, joy = str(josie[0]), str(joy[0])
    iid = start(rt, Y2, case, "sam", "Josie", "Joy")
    y2_consent(rt, iid)
    identify = only_task(rt, iid, IDENTIFY_LP_SA)
    assert identify.lane == SOCIAL_WORKER
    finish(rt, iid, IDENTIFY_LP_SA, "sam", lead_practitioner=HEALTH_VISITOR,
           other_agencies="St Mary's Primary School", plan_of_support=PLAN,
           support_type="Partner-led early help with this lead practitioner")

    # Y5: the lead practitioner is shown, not asked.
    relationships = only_task(rt, iid, LP_RELATIONSHIPS)
    assert (relationships.lane, relationships.process_id, relationships.form) == (SOCIAL_WORKER, Y5, [])
    said = shown(rt, relationships, "sam")
    assert said["Lead practitioner the family would most like: name, role, agency and contact details"] == \
        HEALTH_VISITOR
    assert said["Have the family given informed consent to early help support?"] == "Yes"
    finish(rt, iid, LP_RELATIONSHIPS, "sam")

    # The ending visit and one endings letter per child come before any closure task.
    ending = only_task(rt, iid, ENDING_VISIT)
    assert ending.lane == SOCIAL_WORKER
    assert set(ending.children) == {"Josie Smith", "Joy Smith"}
    assert SIGNPOST not in names_ever(rt, case)
    letters = next(f for f in ending.form if f["id"] == "endings_letter_provided_on")
    assert letters["per_child"] and letters["required"]
    assert [c["label"] for c in letters["children"]] == ["Josie Smith", "Joy Smith"]
    assert invalid(rt, ending, "sam", {"ending_visit_date": "2025-06-02",
                                        "endings_letter_provided_on": {josie: "2025-06-02"}}) == {
        "endings_letter_provided_on": "Enter the date the endings letter was provided for Joy Smith"}
    assert [t.name for t in open_tasks(rt, iid)] == [ENDING_VISIT]  # still only the ending visit
    finish(rt, iid, ENDING_VISIT, "sam", ending_visit_date="2025-06-02",
           endings_letter_provided_on={josie: "2025-06-02", joy: "2025-06-03"})

    signpost = only_task(rt, iid, SIGNPOST)
    assert (signpost.lane, signpost.form, signpost.due_at) == (SOCIAL_WORKER, [], None)  # no date: partner-led
    finish(rt, iid, SIGNPOST, "sam")

    # The Early Help Recording Form comes to whoever added the next action, with Section 2 pulled through.
    section_2 = only_task(rt, iid, SECTION_2_SA)
    assert (section_2.lane, section_2.assignee) == (SOCIAL_WORKER, "sam")
    assert tasks.form_values(rt, section_2.id, "sam") == {
        "plan_of_support": PLAN, "lead_practitioner": HEALTH_VISITOR, "assign_to": "partner_led_eha"}
    assign_to = next(f for f in section_2.form if f["id"] == "assign_to")
    assert assign_to["readonly"] and [o["label"] for o in assign_to["options"]] == [
        "'Partner led EHA'", "'advice team duty worker'"]
    assert set(invalid(rt, section_2, "sam", {"assign_to": "'advice team duty worker'"})) == {"assign_to"}
    forbidden(rt, section_2, "sue")  # assigned to sam ('Assign to me')
    finish(rt, iid, SECTION_2_SA, "sam")  # nothing to type: the plan and the lead professional are there

    assert outcome(rt, iid) == ("completed", Y2_E3)
    assert ends(rt, iid) == [(Y5_E3, Y5), (Y2_E3, Y2)]
    assert completed(rt, case, SECTION_2_SA).data == {
        "plan_of_support": PLAN, "lead_practitioner": HEALTH_VISITOR, "assign_to": "partner_led_eha"}
    letters_sent = completed(rt, case, ENDING_VISIT).data["endings_letter_provided_on"]
    assert letters_sent == {josie: "2025-06-02", joy: "2025-06-03"}
    assert ready_sequence(rt, iid) == [
        (INFORMED_CONSENT, SOCIAL_WORKER),
        (IDENTIFY_LP_SA, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER),
        (SIGNPOST, SOCIAL_WORKER),
        (SECTION_2_SA, SOCIAL_WORKER),
    ]
    # No task of Y5 asks for the lead practitioner, the plan, consent or the assessment again.
    y5_fields = {f for t in rows(rt, case) if t.process_id == Y5 for f in field_ids(t)}
    assert y5_fields == {"ending_visit_date", "endings_letter_provided_on", "plan_of_support", "lead_practitioner",
                         "assign_to"}
    assert Y4 not in processes_ever(rt, case)


# --- Y5 as Y4 calls it: targeted, with a time frame for transfer ------------------------------------------------


def test_y5_targeted_single_assessment_due_by_the_time_frame_for_transfer(rt, clock):
    """Y5 started with the data Y4 hands it (Single Assessment, targeted): the closure step is due at the end of
    transfer_by and flagged once after it; the Practice Managers' allocation is prefilled with the practitioner
    the weekly transfer meeting allocated."""
    case = setup(rt, Y5, Y1)  # Y5 is deployed with a caller: it is called only
    iid = start(rt, Y5, case, "sam", "Josie", route="single_assessment", support_type="targeted_intervention",
                lead_practitioner=PRIYA, cfs_practitioner=PRIYA, transfer_by="2025-06-13", plan_of_support=PLAN)
    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    finish(rt, iid, ENDING_VISIT, "sam", ending_visit_date="2025-06-04",
           endings_letter_provided_on={str(subject_ids(case, "Josie")[0]): "2025-06-04"})

    signpost = only_task(rt, iid, SIGNPOST)
    assert signpost.due_at == local(2025, 6, 13, 23, 59, 59, 999999)
    clock.set(local(2025, 6, 13, 23, 59))
    timers.fire_due_timers(rt)
    assert not only_task(rt, iid, SIGNPOST).overdue and overdue_events(rt, iid) == []
    clock.set(local(2025, 6, 14, 0, 0))
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0
    assert only_task(rt, iid, SIGNPOST).overdue
    assert overdue_events(rt, iid) == [(SIGNPOST, "timer")]
    finish(rt, iid, SIGNPOST, "sam")

    section_2 = only_task(rt, iid, SECTION_2_SA)
    assert tasks.form_values(rt, section_2.id, "sam")["assign_to"] == "advice_team_duty_worker"
    finish(rt, iid, SECTION_2_SA, "sam")
    allocate = only_task(rt, iid, ALLOCATE)
    assert allocate.lane == PRACTICE_MANAGERS
    assert tasks.form_values(rt, allocate.id, "pam") == {"cfs_practitioner": PRIYA}
    finish(rt, iid, ALLOCATE, "pam")  # the Practice Managers confirm the meeting's allocation

    assert outcome(rt, iid) == ("completed", Y5_E2)
    assert [n for n, _ in ends(rt, iid)] == [Y5_SIGNPOST_OVERDUE, Y5_E2]
    assert completed(rt, case, SECTION_2_SA).data["assign_to"] == "advice_team_duty_worker"
    assert completed(rt, case, ALLOCATE).data == {"cfs_practitioner": PRIYA}


def test_y5_open_closure_records_are_flagged_overdue_after_the_time_frame_for_transfer(rt, clock):
    case = setup(rt, Y5, Y1)
    iid = start(rt, Y5, case, "sam", "Josie", "Joy", route="cin_cp", support_type="targeted_intervention",
                lead_practitioner=PRIYA, cfs_practitioner=PRIYA, transfer_by="2025-06-13", smart_plan=PLAN)
    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    finish(rt, iid, ENDING_VISIT, "sam", ending_visit_date="2025-06-04",
           endings_letter_provided_on={str(i): "2025-06-04" for i in subject_ids(case, "Josie", "Joy")})
    clock.set(local(2025, 6, 14, 0, 0))
    assert timers.fire_due_timers(rt) == 1
    assert [t.overdue for t in open_tasks(rt, iid)] == [True, True]
    assert overdue_events(rt, iid) == [(CLOSE_CASE, "timer"), (CLOSE_CASE, "timer")]


def test_y5_targeted_cin_cp_one_closure_record_per_child_after_the_endings_letters(rt, clock):
    """Y5 started with the data Y4 hands it (CiN/CP, targeted): three endings letters, then one 'Close Case to
    Children's Social Work Services' per child (Signpost refused with the document's reason), each due by
    transfer_by; Section 2 needs the Summary of CiN interventions and is assigned to 'advice team duty worker'."""
    case = setup(rt, Y5, Y1)
    ids = {c: str(subject_ids(case, c)[0]) for c in ("Johnny", "Josie", "Joy")}
    smart_plan = "Attendance above 90% by October half term; health visitor checks by 31 July."
    iid = start(rt, Y5, case, "sam", route="cin_cp", support_type="targeted_intervention", lead_practitioner=PRIYA,
                cfs_practitioner=PRIYA, transfer_by="2025-06-13", smart_plan=smart_plan)
    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    ending = only_task(rt, iid, ENDING_VISIT)
    assert invalid(rt, ending, "sam", {"ending_visit_date": "2025-06-04",
                                        "endings_letter_provided_on": {ids["Johnny"]: "2025-06-04"}}) == {
        "endings_letter_provided_on": "Enter the date the endings letter was provided for Josie Smith"}
    assert CLOSE_CASE not in names_ever(rt, case)
    finish(rt, iid, ENDING_VISIT, "sam", ending_visit_date="2025-06-04",
           endings_letter_provided_on={i: "2025-06-04" for i in ids.values()})

    closures = [t for t in open_tasks(rt, iid) if t.name == CLOSE_CASE]
    assert sorted(t.subject_name for t in closures) == ["Johnny Smith", "Josie Smith", "Joy Smith"]
    assert {t.due_at for t in closures} == {local(2025, 6, 13, 23, 59, 59, 999999)}
    first = closures[0]
    assert invalid(rt, first, "sam", {"next_action": "'Signpost to Children's Advice Team'"}) == {
        "next_action": NOT_A_CLOSURE_RECORD}
    tasks.complete_task(rt, first.id, "sam", {"next_action": "'Close Case to Children's Social Work Services'"})

    clock.set(local(2025, 6, 14, 0, 0))  # two closure records still to do
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0
    assert actions(rt, iid).count(("timer_fired", TRANSFER_TIMER)) == 1
    for task in [t for t in open_tasks(rt, iid) if t.name == CLOSE_CASE]:
        tasks.complete_task(rt, task.id, "sam", {"next_action": "'Close Case to Children's Social Work Services'"})

    section_2 = only_task(rt, iid, SECTION_2_CIN)
    assert tasks.form_values(rt, section_2.id, "sam") == {
        "smart_plan": smart_plan, "lead_practitioner": PRIYA, "assign_to": "advice_team_duty_worker"}
    assert invalid(rt, section_2, "sam", {}) == {
        "summary_of_cin_interventions": "Enter the Summary of CiN interventions"}
    finish(rt, iid, SECTION_2_CIN, "sam", summary_of_cin_interventions="Six months of CiN plan: school "
                                                                       "attendance and parenting support.")
    finish(rt, iid, ALLOCATE, "pam")

    assert outcome(rt, iid) == ("completed", Y5_E2)
    assert [n for n, _ in ends(rt, iid)] == [Y5_CLOSE_CASE_OVERDUE, Y5_E2]
    records = [s.get("next_action") for s in instance_data(rt, iid)["subjects"]]
    assert records == ["close_case_to_children_s_social_work_services"] * 3
    assert sorted(t.subject_name for t in rows(rt, case, CLOSE_CASE) if t.state == "completed") == [
        "Johnny Smith", "Josie Smith", "Joy Smith"]
