"""York targeted step downs (catalogue §10 scenarios 13, 14, 15 and 20), driven end to end through the service layer.

Processes: Y3 york_step_down_cin_cp, Y4 york_request_additional_services (top level, or called by Y2 and Y3),
Y2 york_step_down_single_assessment (the caller of the Single Assessment route) and Y5 york_case_closure.

Timers fire only strictly after their due time (SpiffWorkflow compares strictly); `working_days()` ends a day at
23:59:59.999999, so a clock at 00:00 of the next day is already past it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import deploy, instances, queries, recorded, tasks, timers
from bpmnrun.service.errors import Forbidden, InvalidInput
from tests.support import (LIBRARY, add_users, deploy_paths, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, subject_ids)

Y2 = "york_step_down_single_assessment"
Y3 = "york_step_down_cin_cp"
Y4 = "york_request_additional_services"
Y5 = "york_case_closure"
YORK = LIBRARY / "york"
Y4_FILE = YORK / f"{Y4}.bpmn"

# Lanes: a lane's name is the team whose inbox receives its tasks.
SOCIAL_WORKER = "Social Worker"
TRANSFER_MEETING = "weekly transfer meeting"
PRACTICE_MANAGERS = "Practice Managers"

# Y2 tasks.
INFORMED_CONSENT = "Ensure informed consent to early help support"
IDENTIFY_LP_SA = "Identify the lead practitioner with the family"
# Y3 tasks.
IDENTIFY_LP = "Identify the proposed lead practitioner"
FINAL_MEETING = "Final review CiN meeting / RCPC"  # Y3.2, and Y4.8 when the request comes first
# Y4 tasks.
TOP_LEVEL_REQUEST = "Record what identified the need for additional support"
REQUEST = "Bring the request to the weekly transfer meeting"
DISCUSS = "Discuss the referral and ensure it is appropriate"
SHARE_ASSESSMENT = "Share the assessment and agree a proposed plan"
JOINT_HANDOVER = "Joint handover meeting"
HANDOVER_VISIT = "Hand over visit"
NOTIFY_TAC = "Notify the team around the child"
NOT_AGREED = "Request not agreed at the weekly transfer meeting"
# Y5 tasks.
LP_RELATIONSHIPS = "Add the lead practitioner's details to the Professional Relationships"
ENDING_VISIT = "Ending visit and endings letter"
SIGNPOST = "Signpost to Children's Advice Team"
SECTION_2_SA = "Early Help Recording Form – Section 2"
CLOSE_CASE = "Close Case to Children's Social Work Services"
SECTION_2_CIN = "Update Section 2 of the early help recording form"
PM_ALLOCATION = "Allocate from 'advice team duty worker'"

# End events.
E_REVIEW_NOT_AGREED = "Step down not agreed at the review – CiN/CP plan continues"  # Y3 E1 = Y4 E2
E_NOT_AGREED = "Not agreed at the weekly transfer meeting – social care involvement continues"  # Y4 E1
E_TARGETED = "Targeted Intervention Service – allocated by the Practice Managers"  # Y5 E2
E_PARTNER_LED_EHA = "Assigned to 'Partner led EHA' – case closed"  # Y5 E3
E_PARTNER_LED_EH = "Closed to Children's Social Work Services – assigned to 'Partner-led EH'"  # Y5 E4
JOINT_HANDOVER_OVERDUE = "Joint handover meeting overdue – flagged to manager"
HANDOVER_VISIT_OVERDUE = "Hand over visit overdue – flagged to manager"
SIGNPOST_OVERDUE = "Signpost to Children's Advice Team overdue – flagged to manager"

# Test data (worker names are test data; the lead practitioners are people, not users).
HEALTH_VISITOR = "Anna Lee, Health Visitor, York Teaching Hospital NHS Foundation Trust, 01904 631313"
PRIYA = "Priya Shah, Child and Family Support Practitioner, Targeted Intervention Service, 01904 551234"
NEEDS = "Josie's school attendance has fallen to 78% and Joy's development checks are overdue."
SMART_PLAN = ("Attendance above 90% by October half term; health visitor checks by 31 July; weekly parenting "
              "sessions for six weeks.")
NO_CONSENT = "Early Help is an offer and requires the consent of the family."
HANDOVER_NEEDS_ATTENDANCE = ("The hand over can only be done at the meeting when the allocated Child and Family "
                             "Support Practitioner attended it")
SIGNPOST_REFUSED = ("Please note that a next action of 'Signpost to Children's Advice Team' should NOT be added "
                    "to the next actions as this will not generate a closure record")
CIN = "review Child In Need (CiN) meeting"
RCPC = "Review Child Protection Conference (RCPC)"


# --- helpers ----------------------------------------------------------------------------------------


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def end_of(y, m, d) -> datetime:
    return local(y, m, d, 23, 59, 59, 999999)


def setup(rt, *extra: Path):
    """York's step-down diagrams (callees included), one user per lane, and Family Smith."""
    deploy_paths(rt, YORK / f"{Y5}.bpmn", Y4_FILE, YORK / f"{Y3}.bpmn", YORK / f"{Y2}.bpmn", *extra)
    add_users(rt, sam=SOCIAL_WORKER, wendy=TRANSFER_MEETING, pam=PRACTICE_MANAGERS,
              coral="early help co-ordinator", mani="manager", sfiona="Supporting Families Team")
    return smith_family(rt)


def start(rt, process_id, case, *children, **data) -> int:
    return instances.start_work(rt, process_id, case.id, "sam", subject_ids(case, *children), data)


def outcome(rt, instance_id) -> tuple[str, str | None]:
    info = queries.get_instance(rt, instance_id)
    return info.status, info.end_event


def ends(rt, instance_id) -> list[tuple[str, str]]:
    """(end event, process) in the order they were reached, called processes included."""
    return [(e.name, e.detail["process"]) for e in queries.history(rt, instance_id=instance_id)
            if e.action == "end_event"]


def rows(rt, case, name=None) -> list:
    """Every task row the case ever had (open or closed), optionally of one name."""
    return [t for t in queries.case_tasks(rt, case.id) if name is None or t.name == name]


def names_ever(rt, case) -> set[str]:
    return {t.name for t in rows(rt, case)}


def processes_ever(rt, case) -> set[str]:
    return {t.process_id for t in rows(rt, case)}


def completed(rt, case, name):
    done = [t for t in rows(rt, case, name) if t.state == "completed"]
    assert len(done) == 1, f"expected one completed {name!r}, found {len(done)}"
    return done[0]


def field_ids(task) -> list[str]:
    return [f["id"] for f in task.form]


def prefilled(rt, task, actor="sam") -> dict:
    return tasks.form_values(rt, task.id, actor)


def invalid(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task.id, actor, values)
    return caught.value.errors


def overdue_events(rt, instance_id) -> list[str]:
    return [e.name for e in queries.history(rt, instance_id=instance_id) if e.action == "overdue"]


def fire_at(rt, clock, moment) -> int:
    clock.set(moment)
    return timers.fire_due_timers(rt)


def assert_meeting_at(rt, clock, iid, meeting: datetime, not_before: tuple[datetime, ...] = ()) -> None:
    """The weekly transfer meeting's task is not there before `meeting` (nor at it: timers fire strictly after),
    and is READY in the meeting's lane just after."""
    for moment in (*not_before, meeting):
        assert fire_at(rt, clock, moment) == 0
        assert DISCUSS not in [t.name for t in open_tasks(rt, iid)]
    assert fire_at(rt, clock, meeting + timedelta(seconds=1)) == 1
    discuss = only_task(rt, iid, DISCUSS)
    assert (discuss.lane, discuss.process_id, discuss.assignee) == (TRANSFER_MEETING, Y4, None)


def assert_flagged_once_after(rt, clock, instance_id, task_name: str, deadline: datetime) -> None:
    """Not overdue in the last minute of the deadline's day; flagged exactly once at midnight."""
    assert only_task(rt, instance_id, task_name).due_at == deadline
    before = len(overdue_events(rt, instance_id))
    fire_at(rt, clock, deadline.replace(second=0, microsecond=0))
    assert not only_task(rt, instance_id, task_name).overdue
    assert len(overdue_events(rt, instance_id)) == before
    assert fire_at(rt, clock, deadline + timedelta(microseconds=1)) == 1
    assert timers.fire_due_timers(rt) == 0
    assert only_task(rt, instance_id, task_name).overdue
    assert overdue_events(rt, instance_id)[before:] == [task_name]


def shown_before(rt, task, actor="sam") -> dict[str, dict[str, str]]:
    """What has been recorded so far, as the task page shows it: step name → {label: answer in words}."""
    return {step.name: dict(step.answers) for step in recorded.recorded_so_far(rt, task.id, actor)}


def child_ids(case) -> dict[str, str]:
    return {s.name.split()[0]: str(s.id) for s in case.subjects}


# Y3 ------------------------------------------------------------------------------------------------------


def y3_identify(rt, iid, support_type, meeting_type, planned, **values):
    data = {"identified_needs": NEEDS, "support_type": support_type, "meeting_type": meeting_type,
            "planned_meeting_date": planned, **values}
    if support_type == "Partner-led early help":
        data.setdefault("lead_practitioner", HEALTH_VISITOR)
    else:
        data.setdefault("family_consent_targeted", "Yes")
    finish(rt, iid, IDENTIFY_LP, "sam", **data)


def final_meeting(rt, iid, **values):
    """Y3.2 or Y4.8: the planned date is prefilled, so it is not sent unless the meeting moved."""
    data = {"plan_shared_and_agreed": "Yes", "family_consent": "Yes",
            "outstanding_needs": "School attendance; Joy's development checks; parenting routines.",
            "smart_plan": SMART_PLAN, **values}
    finish(rt, iid, FINAL_MEETING, "sam", **data)


# Y4 ------------------------------------------------------------------------------------------------------


def start_y4_on_its_own(rt, case, children, refused: dict, errors: dict, answers: dict) -> int:
    """A top-level start asks what a caller would pass. The diagram asks it on the start form once the engine reads
    option lists on a start event; until then in a first task, on the top-level path only."""
    if instances.start_form(rt, Y4).fields:
        with pytest.raises(InvalidInput) as caught:
            start(rt, Y4, case, *children, **refused)
        assert caught.value.errors == errors
        return start(rt, Y4, case, *children, **answers)
    iid = start(rt, Y4, case, *children)
    top = only_task(rt, iid, TOP_LEVEL_REQUEST)
    assert (top.lane, field_ids(top)[0]) == (SOCIAL_WORKER, "origin")
    assert invalid(rt, top, "sam", refused) == errors
    finish(rt, iid, TOP_LEVEL_REQUEST, "sam", **answers)
    return iid


def top_level_steps(rt) -> list[tuple[str, str]]:
    return [] if instances.start_form(rt, Y4).fields else [(TOP_LEVEL_REQUEST, SOCIAL_WORKER)]



def y4_request(rt, iid):
    request = only_task(rt, iid, REQUEST)
    assert (request.lane, request.process_id) == (SOCIAL_WORKER, Y4)
    assert field_ids(request) == ["referral_summary"]  # consent, needs, preferences: never asked again
    finish(rt, iid, REQUEST, "sam", referral_summary="Targeted support with routines and school attendance; "
                                                     "the family have consented.")


def y4_allocate(rt, iid, transfer_by):
    discuss = only_task(rt, iid, DISCUSS)
    with pytest.raises(Forbidden):  # the meeting decides, not the Social Worker
        tasks.complete_task(rt, discuss.id, "sam", {"appropriate": "Yes"})
    assert invalid(rt, discuss, "wendy", {"appropriate": "Yes"}) == {
        "cfs_practitioner": "Enter the child and family support practitioner allocated",
        "transfer_by": "Enter the date to transfer by"}
    finish(rt, iid, DISCUSS, "wendy", appropriate="Yes", cfs_practitioner=PRIYA, transfer_by=transfer_by)


def y4_not_appropriate(rt, iid):
    discuss = only_task(rt, iid, DISCUSS)
    assert invalid(rt, discuss, "wendy", {"appropriate": "No"}) == {
        "not_appropriate_reasons": "Enter why the referral is not appropriate"}
    finish(rt, iid, DISCUSS, "wendy", appropriate="No",
           not_appropriate_reasons="Needs can be met by the school and health visitor; no targeted work needed.")


# Y5 ------------------------------------------------------------------------------------------------------


def y5_ending_visit(rt, case, iid, on, *children):
    """Y5.10: the ending visit and one endings letter per child; no closure step exists before it is done."""
    ids = child_ids(case)
    visit = only_task(rt, iid, ENDING_VISIT)
    assert not {SIGNPOST, CLOSE_CASE} & names_ever(rt, case)
    letters = {ids[c]: on for c in children}
    missing_last = dict(list(letters.items())[:-1])
    assert "endings_letter_provided_on" in invalid(rt, visit, "sam", {"ending_visit_date": on,
                                                                      "endings_letter_provided_on": missing_last})
    finish(rt, iid, ENDING_VISIT, "sam", ending_visit_date=on, endings_letter_provided_on=letters)


def y5_close_case_for_each_child(rt, iid) -> list[str]:
    per_child = [t for t in open_tasks(rt, iid) if t.name == CLOSE_CASE]
    refused = invalid(rt, per_child[0], "sam", {"next_action": "'Signpost to Children's Advice Team'"})
    assert refused == {"next_action": SIGNPOST_REFUSED}
    for task in per_child:
        tasks.complete_task(rt, task.id, "sam", {"next_action": "'Close Case to Children's Social Work Services'"})
    return [t.subject_name for t in per_child]


def y5_cin_section_2(rt, iid, lead_practitioner, assign_to, smart_plan=SMART_PLAN):
    """Y5.9: the lead practitioner and the plan recorded at the final meeting are prefilled."""
    section_2 = only_task(rt, iid, SECTION_2_CIN)
    shown = prefilled(rt, section_2)
    assert (shown["lead_practitioner"], shown.get("smart_plan"), shown["assign_to"]) == (
        lead_practitioner, smart_plan, assign_to)
    errors = invalid(rt, section_2, "sam", {})
    assert errors.pop("summary_of_cin_interventions") == "Enter the Summary of CiN interventions"
    assert errors == ({} if smart_plan else {"smart_plan": errors.get("smart_plan")})
    finish(rt, iid, SECTION_2_CIN, "sam", summary_of_cin_interventions="CiN plan since January 2025: weekly "
           "visits, a parenting programme and school attendance meetings.",
           **({} if smart_plan else {"smart_plan": "See the Child in Need Meeting Record of 19/12/2025."}))


def y5_practice_managers_confirm_priya(rt, iid):
    allocation = only_task(rt, iid, PM_ALLOCATION)
    assert allocation.lane == PRACTICE_MANAGERS
    assert prefilled(rt, allocation, "pam")["cfs_practitioner"] == PRIYA
    finish(rt, iid, PM_ALLOCATION, "pam")


def y5_cin_cp_targeted(rt, case, iid, ending_visit_on, *children, smart_plan=SMART_PLAN):
    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    y5_ending_visit(rt, case, iid, ending_visit_on, *children)
    assert sorted(y5_close_case_for_each_child(rt, iid)) == sorted(f"{c} Smith" for c in children)
    y5_cin_section_2(rt, iid, PRIYA, "advice_team_duty_worker", smart_plan)
    y5_practice_managers_confirm_priya(rt, iid)


# --- scenario 20: Y3 → Y4 targeted, practitioner allocated before the final meeting -----------------------


def y3_targeted_before_the_final_meeting(rt, clock, case) -> int:
    """Y3.1 on Wed 4 Jun 2025: targeted, the family consent, final review CiN meeting planned for Tue 17 Jun; the
    request is ready the next day and the weekly transfer meeting of Tue 10 Jun allocates Priya."""
    clock.set(local(2025, 6, 4, 9, 0))
    iid = start(rt, Y3, case, "Johnny", "Josie", "Joy")
    y3_identify(rt, iid, "Targeted Intervention Service", CIN, "2025-06-17")
    # The request comes first: Y4.1 is READY, no meeting task exists.
    assert [t.name for t in open_tasks(rt, iid)] == [REQUEST]
    assert FINAL_MEETING not in names_ever(rt, case)
    clock.set(local(2025, 6, 5, 11, 0))
    y4_request(rt, iid)
    assert_meeting_at(rt, clock, iid, local(2025, 6, 10, 10, 0), not_before=(local(2025, 6, 6, 10, 0),))
    y4_allocate(rt, iid, "2025-07-04")
    return iid


def test_y3_targeted_weekly_meeting_first_practitioner_attends_the_final_meeting_and_hands_over_there(rt, clock):
    case = setup(rt)
    iid = y3_targeted_before_the_final_meeting(rt, clock, case)

    # Y4.8, the final review CiN meeting, with the planned date and the family's consent prefilled.
    final = only_task(rt, iid, FINAL_MEETING)
    assert (final.lane, final.process_id) == (SOCIAL_WORKER, Y4)
    shown = prefilled(rt, final)
    assert (shown["planned_meeting_date"], shown["family_consent"]) == ("2025-06-17", "yes")
    clock.set(local(2025, 6, 17, 15, 0))
    final_meeting(rt, iid, cfs_practitioner_attended="Yes", handover_done_at_meeting="Yes")
    recorded = completed(rt, case, FINAL_MEETING).data
    assert (recorded["planned_meeting_date"], recorded["handover_done_at_meeting"]) == ("2025-06-17", "yes")

    # Handed over at the meeting: no hand over visit; the team around the child is told (no fields).
    notify = only_task(rt, iid, NOTIFY_TAC)
    assert notify.form == [] and HANDOVER_VISIT not in names_ever(rt, case)
    finish(rt, iid, NOTIFY_TAC, "sam")

    # Y5, CiN/CP, targeted: Priya is the lead practitioner; the ending visit comes before the closure records.
    relationships = only_task(rt, iid, LP_RELATIONSHIPS)
    assert (relationships.process_id, relationships.form) == (Y5, [])
    shown = shown_before(rt, relationships)
    assert shown[DISCUSS]["Child and family support practitioner allocated"] == PRIYA
    assert shown[FINAL_MEETING]["Hand over done at the meeting"] == "Yes"
    assert shown[IDENTIFY_LP]["Support required"] == "Targeted Intervention Service"
    y5_cin_cp_targeted(rt, case, iid, "2025-06-20", "Johnny", "Josie", "Joy")

    assert outcome(rt, iid) == ("completed", E_TARGETED)
    assert ready_sequence(rt, iid) == [
        (IDENTIFY_LP, SOCIAL_WORKER), (REQUEST, SOCIAL_WORKER), (DISCUSS, TRANSFER_MEETING),
        (FINAL_MEETING, SOCIAL_WORKER), (NOTIFY_TAC, SOCIAL_WORKER), (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER), (CLOSE_CASE, SOCIAL_WORKER), (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER), (SECTION_2_CIN, SOCIAL_WORKER), (PM_ALLOCATION, PRACTICE_MANAGERS)]
    assert ends(rt, iid) == [(E_TARGETED, Y5), (E_TARGETED, Y4), (E_TARGETED, Y3)]
    assert [t.subject_name for t in rows(rt, case, CLOSE_CASE)] == ["Johnny Smith", "Josie Smith", "Joy Smith"]
    # The allocated practitioner is the lead practitioner in the case's data from now on.
    data = instance_data(rt, iid)
    assert (data["lead_practitioner"], data["cfs_practitioner"], data["support_type"], data["transfer_by"]) == (
        PRIYA, PRIYA, "targeted_intervention", "2025-07-04")
    # Who did what is the audit's: the meeting's decision by wendy, the allocation confirmed by pam.
    by = {(e.name, e.actor) for e in queries.history(rt, instance_id=iid) if e.action == "task_completed"}
    assert {(DISCUSS, "wendy"), (FINAL_MEETING, "sam"), (PM_ALLOCATION, "pam")} <= by


def test_y3_targeted_practitioner_attended_but_plan_not_gone_through_needs_a_hand_over_visit(rt, clock):
    case = setup(rt)
    iid = y3_targeted_before_the_final_meeting(rt, clock, case)
    clock.set(local(2025, 6, 17, 15, 0))
    final_meeting(rt, iid, cfs_practitioner_attended="Yes", handover_done_at_meeting="No")

    visit = only_task(rt, iid, HANDOVER_VISIT)
    assert (visit.lane, visit.process_id) == (SOCIAL_WORKER, Y4)
    assert visit.due_at == end_of(2025, 6, 24)  # 5 working days after the meeting of Tue 17 Jun
    finish(rt, iid, HANDOVER_VISIT, "sam", handover_date="2025-06-23")
    assert only_task(rt, iid, NOTIFY_TAC).form == []
    assert overdue_events(rt, iid) == []


def test_y3_targeted_hand_over_at_the_meeting_is_refused_when_the_practitioner_did_not_attend(rt, clock):
    case = setup(rt)
    iid = y3_targeted_before_the_final_meeting(rt, clock, case)
    final = only_task(rt, iid, FINAL_MEETING)
    errors = invalid(rt, final, "sam", {"plan_shared_and_agreed": "Yes", "family_consent": "Yes",
                                        "outstanding_needs": "Attendance", "smart_plan": SMART_PLAN,
                                        "cfs_practitioner_attended": "No", "handover_done_at_meeting": "Yes"})
    assert errors == {"handover_done_at_meeting": HANDOVER_NEEDS_ATTENDANCE}
    assert [t.id for t in open_tasks(rt, iid)] == [final.id]  # still READY
    # The meeting moved to Wed 18 Jun and Priya did not come: a hand over visit within 5 working days of it.
    final_meeting(rt, iid, planned_meeting_date="2025-06-18", cfs_practitioner_attended="No",
                  handover_done_at_meeting="No")
    assert only_task(rt, iid, HANDOVER_VISIT).due_at == end_of(2025, 6, 25)


def test_y3_targeted_family_does_not_consent_at_the_final_meeting(rt, clock):
    case = setup(rt)
    iid = y3_targeted_before_the_final_meeting(rt, clock, case)
    clock.set(local(2025, 6, 17, 15, 0))
    finish(rt, iid, FINAL_MEETING, "sam", plan_shared_and_agreed="Yes", family_consent="No",
           cfs_practitioner_attended="Yes")

    assert outcome(rt, iid) == ("completed", E_REVIEW_NOT_AGREED)
    assert ends(rt, iid) == [(E_REVIEW_NOT_AGREED, Y4), (E_REVIEW_NOT_AGREED, Y3)]
    assert Y5 not in processes_ever(rt, case)
    assert not {NOTIFY_TAC, HANDOVER_VISIT, CLOSE_CASE, SIGNPOST} & names_ever(rt, case)


def test_y3_targeted_not_agreed_at_the_weekly_meeting_social_care_continues(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 4, 9, 0))
    iid = start(rt, Y3, case, "Josie", "Joy")
    y3_identify(rt, iid, "Targeted Intervention Service", RCPC, "2025-06-17", lead_practitioner=HEALTH_VISITOR)
    y4_request(rt, iid)
    assert fire_at(rt, clock, local(2025, 6, 10, 10, 1)) == 1
    y4_not_appropriate(rt, iid)

    not_agreed = only_task(rt, iid, NOT_AGREED)
    assert prefilled(rt, not_agreed)["preferred_lead_practitioner"] == HEALTH_VISITOR
    finish(rt, iid, NOT_AGREED, "sam", after_not_agreed="Social care involvement continues")
    assert outcome(rt, iid) == ("completed", E_NOT_AGREED)
    assert ends(rt, iid) == [(E_NOT_AGREED, Y4), (E_NOT_AGREED, Y3)]
    assert FINAL_MEETING not in names_ever(rt, case) and Y5 not in processes_ever(rt, case)


def test_y3_targeted_not_agreed_partner_led_holds_the_final_meeting_then_closes_to_partner_led_eh(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 4, 9, 0))
    iid = start(rt, Y3, case, "Josie", "Joy")
    y3_identify(rt, iid, "Targeted Intervention Service", CIN, "2025-06-17")
    y4_request(rt, iid)
    assert fire_at(rt, clock, local(2025, 6, 10, 10, 1)) == 1
    y4_not_appropriate(rt, iid)
    not_agreed = only_task(rt, iid, NOT_AGREED)
    assert invalid(rt, not_agreed, "sam", {"after_not_agreed": "Partner-led early help"}) == {
        "preferred_lead_practitioner": "Enter the lead practitioner identified with the family (name, role, "
                                       "agency and contact details)"}
    finish(rt, iid, NOT_AGREED, "sam", after_not_agreed="Partner-led early help",
           preferred_lead_practitioner=HEALTH_VISITOR)

    # The final meeting goes ahead with the partner lead practitioner; no practitioner was allocated.
    clock.set(local(2025, 6, 17, 15, 0))
    final_meeting(rt, iid)
    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    y5_ending_visit(rt, case, iid, "2025-06-20", "Josie", "Joy")
    y5_close_case_for_each_child(rt, iid)
    y5_cin_section_2(rt, iid, HEALTH_VISITOR, "partner_led_eh")

    assert outcome(rt, iid) == ("completed", E_PARTNER_LED_EH)
    assert ends(rt, iid) == [(E_PARTNER_LED_EH, Y5), (E_PARTNER_LED_EH, Y4), (E_PARTNER_LED_EH, Y3)]
    assert not {NOTIFY_TAC, HANDOVER_VISIT, PM_ALLOCATION} & names_ever(rt, case)
    data = instance_data(rt, iid)
    assert (data["support_type"], data["lead_practitioner"]) == ("partner_led", HEALTH_VISITOR)
    assert data.get("cfs_practitioner") is None  # no practitioner was allocated (the field was left empty)


# --- scenario 13: Y3 CiN with three children, partner-led -------------------------------------------------


def test_y3_cin_partner_led_ending_visit_then_a_closure_record_per_child(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 2, 9, 0))
    iid = start(rt, Y3, case, "Johnny", "Josie", "Joy")
    identify = only_task(rt, iid, IDENTIFY_LP)
    assert invalid(rt, identify, "sam", {"identified_needs": NEEDS, "support_type": "Partner-led early help",
                                         "meeting_type": CIN, "planned_meeting_date": "2025-06-10"}) == {
        "lead_practitioner": "Enter the proposed lead practitioner (name, role, agency and contact details)"}
    y3_identify(rt, iid, "Partner-led early help", CIN, "2025-06-10")

    final = only_task(rt, iid, FINAL_MEETING)
    assert (final.lane, final.process_id) == (SOCIAL_WORKER, Y3)
    shown = prefilled(rt, final)
    assert (shown["planned_meeting_date"], shown["support_type"]) == ("2025-06-10", "partner_led")
    clock.set(local(2025, 6, 10, 16, 0))
    final_meeting(rt, iid, lp_attended="Yes")
    assert Y4 not in processes_ever(rt, case)

    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    y5_ending_visit(rt, case, iid, "2025-06-13", "Johnny", "Josie", "Joy")
    assert sorted(y5_close_case_for_each_child(rt, iid)) == ["Johnny Smith", "Josie Smith", "Joy Smith"]
    y5_cin_section_2(rt, iid, HEALTH_VISITOR, "partner_led_eh")

    assert outcome(rt, iid) == ("completed", E_PARTNER_LED_EH)
    assert ends(rt, iid) == [(E_PARTNER_LED_EH, Y5), (E_PARTNER_LED_EH, Y3)]
    assert ready_sequence(rt, iid) == [
        (IDENTIFY_LP, SOCIAL_WORKER), (FINAL_MEETING, SOCIAL_WORKER), (LP_RELATIONSHIPS, SOCIAL_WORKER),
        (ENDING_VISIT, SOCIAL_WORKER), (CLOSE_CASE, SOCIAL_WORKER), (CLOSE_CASE, SOCIAL_WORKER),
        (CLOSE_CASE, SOCIAL_WORKER), (SECTION_2_CIN, SOCIAL_WORKER)]
    closures = rows(rt, case, CLOSE_CASE)
    assert sorted((t.subject_name, t.state, t.data["next_action"]) for t in closures) == [
        (child, "completed", "close_case_to_children_s_social_work_services")
        for child in ("Johnny Smith", "Josie Smith", "Joy Smith")]
    ending = completed(rt, case, ENDING_VISIT)
    assert [e for e in queries.history(rt, instance_id=iid) if e.action == "task_ready" and e.name == CLOSE_CASE][0].at \
        >= ending.completed_at
    assert completed(rt, case, SECTION_2_CIN).data["assign_to"] == "partner_led_eh"
    assert not {SIGNPOST, PM_ALLOCATION, REQUEST} & names_ever(rt, case)


def test_y3_rcpc_family_does_not_consent(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 6, 2, 9, 0))
    iid = start(rt, Y3, case, "Johnny", "Josie", "Joy")
    y3_identify(rt, iid, "Partner-led early help", RCPC, "2025-06-10")
    final = only_task(rt, iid, FINAL_MEETING)
    assert invalid(rt, final, "sam", {"plan_shared_and_agreed": "Yes", "family_consent": "Yes"}) == {
        "outstanding_needs": "Enter what the outstanding areas of need are",
        "smart_plan": "Enter the SMART, multi-agency plan to address these"}
    clock.set(local(2025, 6, 10, 16, 0))
    finish(rt, iid, FINAL_MEETING, "sam", plan_shared_and_agreed="Yes", family_consent="No", lp_attended="Yes")

    assert outcome(rt, iid) == ("completed", E_REVIEW_NOT_AGREED)
    assert ends(rt, iid) == [(E_REVIEW_NOT_AGREED, Y3)]
    assert ready_sequence(rt, iid) == [(IDENTIFY_LP, SOCIAL_WORKER), (FINAL_MEETING, SOCIAL_WORKER)]
    assert not {Y4, Y5} & processes_ever(rt, case)
    recorded = completed(rt, case, FINAL_MEETING).data
    assert (recorded["family_consent"], recorded["planned_meeting_date"]) == ("no", "2025-06-10")


def test_y3_targeted_support_without_the_familys_consent_is_refused(rt, clock):
    case = setup(rt)
    iid = start(rt, Y3, case, "Josie")
    identify = only_task(rt, iid, IDENTIFY_LP)
    errors = invalid(rt, identify, "sam", {"identified_needs": NEEDS, "support_type": "Targeted Intervention Service",
                                           "family_consent_targeted": "No", "meeting_type": CIN,
                                           "planned_meeting_date": "2025-06-17"})
    assert errors == {"family_consent_targeted": "Early Help is an offer and requires the consent of the family: a "
                                                 "request to the Targeted Intervention Service needs it"}
    assert invalid(rt, identify, "sam", {"identified_needs": NEEDS, "support_type": "Targeted Intervention Service",
                                         "meeting_type": CIN, "planned_meeting_date": "2025-06-17"}) == {
        "family_consent_targeted": "Select yes if the family have consented to additional support through "
                                   "the Targeted Intervention Service"}


# --- scenario 15: Y4 from a CiN meeting that identified the need, Christmas -------------------------------------


def test_y3_meeting_identifies_targeted_support_hand_over_visit_over_christmas(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 12, 1, 9, 0))
    iid = start(rt, Y3, case, "Johnny", "Josie", "Joy")
    y3_identify(rt, iid, "Partner-led early help", CIN, "2025-12-19")
    clock.set(local(2025, 12, 19, 10, 0))  # Friday: the final review CiN meeting identifies the need
    final_meeting(rt, iid, lp_attended="Yes", support_type="Targeted Intervention Service")

    y4_request(rt, iid)  # Y4.1 READY at once; consent is not asked again
    assert_meeting_at(rt, clock, iid, local(2025, 12, 23, 10, 0), not_before=(local(2025, 12, 22, 10, 0),))
    y4_allocate(rt, iid, "2026-01-16")

    assert_flagged_once_after(rt, clock, iid, HANDOVER_VISIT, end_of(2025, 12, 30))  # 25, 26 Dec skipped
    assert [t.name for t in queries.list_tasks(rt, "sam") if t.overdue] == [HANDOVER_VISIT]
    clock.set(local(2025, 12, 31, 11, 0))
    finish(rt, iid, HANDOVER_VISIT, "sam", handover_date="2025-12-31")
    finish(rt, iid, NOTIFY_TAC, "sam")
    y5_cin_cp_targeted(rt, case, iid, "2026-01-08", "Johnny", "Josie", "Joy")

    assert outcome(rt, iid) == ("completed", E_TARGETED)
    assert ready_sequence(rt, iid)[:6] == [
        (IDENTIFY_LP, SOCIAL_WORKER), (FINAL_MEETING, SOCIAL_WORKER), (REQUEST, SOCIAL_WORKER),
        (DISCUSS, TRANSFER_MEETING), (HANDOVER_VISIT, SOCIAL_WORKER), (NOTIFY_TAC, SOCIAL_WORKER)]
    assert ends(rt, iid) == [(HANDOVER_VISIT_OVERDUE, Y4), (E_TARGETED, Y5), (E_TARGETED, Y4), (E_TARGETED, Y3)]
    assert overdue_events(rt, iid) == [HANDOVER_VISIT]
    assert [t.process_id for t in rows(rt, case, FINAL_MEETING)] == [Y3]  # the meeting was Y3's own
    assert not {JOINT_HANDOVER, SHARE_ASSESSMENT, SIGNPOST} & names_ever(rt, case)


def test_y4_on_its_own_hand_over_done_at_the_step_down_meeting_goes_straight_to_the_notification(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 12, 19, 14, 0))
    iid = start_y4_on_its_own(
        rt, case, ("Josie", "Joy"),
        refused={"origin": "Child In Need (CiN) plan", "step_down_on": "2025-12-19", "family_consent": "No",
                 "identified_needs": NEEDS},
        errors={"handover_done_at_meeting": "Select yes if the hand over was done at the step down meeting",
                "family_consent": NO_CONSENT},
        answers={"origin": "Child In Need (CiN) plan", "step_down_on": "2025-12-19", "handover_done_at_meeting": "Yes",
                 "family_consent": "Yes", "identified_needs": NEEDS})
    y4_request(rt, iid)
    assert fire_at(rt, clock, local(2025, 12, 23, 10, 1)) == 1
    y4_allocate(rt, iid, "2026-01-16")

    assert only_task(rt, iid, NOTIFY_TAC).form == []
    assert HANDOVER_VISIT not in names_ever(rt, case) and FINAL_MEETING not in names_ever(rt, case)
    finish(rt, iid, NOTIFY_TAC, "sam")
    # Started on its own after the meeting: the SMART plan was not recorded here, so Section 2 asks where it is.
    y5_cin_cp_targeted(rt, case, iid, "2026-01-08", "Josie", "Joy", smart_plan=None)
    assert outcome(rt, iid) == ("completed", E_TARGETED)
    assert ends(rt, iid) == [(E_TARGETED, Y5), (E_TARGETED, Y4)]


# --- scenario 14: Y4 from a single assessment — working days over Easter, transfer date, not agreed ------------


def y2_targeted(rt, clock, case, completed_on="2025-04-17") -> int:
    """Y2 for Josie and Joy: the Single Assessment completed Thu 17 Apr 2025, the family consent, have seen it and
    agreed the plan, and additional support is required through the Targeted Intervention Service."""
    clock.set(local(2025, 4, 17, 9, 0))
    iid = start(rt, Y2, case, "Josie", "Joy")
    finish(rt, iid, INFORMED_CONSENT, "sam", assessment_completed_on=completed_on, informed_consent="Yes",
           family_seen_assessment="Yes", plan_agreed="Yes", identified_needs=NEEDS)
    finish(rt, iid, IDENTIFY_LP_SA, "sam", lead_practitioner=HEALTH_VISITOR,
           other_agencies="St Mary's Primary School", support_type="targeted_intervention",
           plan_of_support="See the analysis section of the Single Assessment of 17/04/2025.")
    return iid


def test_y2_targeted_weekly_meeting_after_easter_joint_handover_and_transfer_date_flagged_once(rt, clock):
    case = setup(rt)
    iid = y2_targeted(rt, clock, case)
    clock.set(local(2025, 4, 17, 11, 30))
    shown = shown_before(rt, only_task(rt, iid, REQUEST))  # Y2.1's answers are shown with the request
    assert shown[INFORMED_CONSENT]["Have the family given informed consent to early help support?"] == "Yes"
    y4_request(rt, iid)  # no consent, assessment or plan question: Y2.1 recorded them

    # The next weekly transfer meeting is Tuesday 22 April 10:00: Good Friday and Easter Monday pass by.
    assert_meeting_at(rt, clock, iid, local(2025, 4, 22, 10, 0),
                      not_before=(local(2025, 4, 18, 10, 0), local(2025, 4, 21, 10, 0, 1)))
    y4_allocate(rt, iid, "2025-05-09")

    # Y2.1 recorded that the family have seen the assessment and agreed the plan: no Y4.3.
    handover = only_task(rt, iid, JOINT_HANDOVER)
    assert (handover.lane, handover.process_id) == (SOCIAL_WORKER, Y4)
    assert SHARE_ASSESSMENT not in names_ever(rt, case)
    assert_flagged_once_after(rt, clock, iid, JOINT_HANDOVER, end_of(2025, 4, 28))  # 18 and 21 April skipped
    assert [t.name for t in queries.list_tasks(rt, "sam") if t.overdue] == [JOINT_HANDOVER]
    clock.set(local(2025, 4, 29, 15, 0))
    finish(rt, iid, JOINT_HANDOVER, "sam", handover_date="2025-04-29", cfs_practitioner_attended="Yes")
    assert only_task(rt, iid, NOTIFY_TAC).form == []
    finish(rt, iid, NOTIFY_TAC, "sam")

    # Y5, Single Assessment, targeted: the ending visit first; the signpost is due by the time frame for transfer.
    relationships = only_task(rt, iid, LP_RELATIONSHIPS)
    assert shown_before(rt, relationships)[DISCUSS]["Child and family support practitioner allocated"] == PRIYA
    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    y5_ending_visit(rt, case, iid, "2025-05-06", "Josie", "Joy")
    assert_flagged_once_after(rt, clock, iid, SIGNPOST, end_of(2025, 5, 9))
    finish(rt, iid, SIGNPOST, "sam")
    section_2 = only_task(rt, iid, SECTION_2_SA)
    shown = prefilled(rt, section_2)
    assert (shown["lead_practitioner"], shown["assign_to"]) == (PRIYA, "advice_team_duty_worker")
    assert shown["plan_of_support"] == "See the analysis section of the Single Assessment of 17/04/2025."
    finish(rt, iid, SECTION_2_SA, "sam")
    y5_practice_managers_confirm_priya(rt, iid)

    assert outcome(rt, iid) == ("completed", E_TARGETED)
    assert ready_sequence(rt, iid) == [
        (INFORMED_CONSENT, SOCIAL_WORKER), (IDENTIFY_LP_SA, SOCIAL_WORKER), (REQUEST, SOCIAL_WORKER),
        (DISCUSS, TRANSFER_MEETING), (JOINT_HANDOVER, SOCIAL_WORKER), (NOTIFY_TAC, SOCIAL_WORKER),
        (LP_RELATIONSHIPS, SOCIAL_WORKER), (ENDING_VISIT, SOCIAL_WORKER), (SIGNPOST, SOCIAL_WORKER),
        (SECTION_2_SA, SOCIAL_WORKER), (PM_ALLOCATION, PRACTICE_MANAGERS)]
    assert ends(rt, iid) == [(JOINT_HANDOVER_OVERDUE, Y4), (SIGNPOST_OVERDUE, Y5), (E_TARGETED, Y5),
                             (E_TARGETED, Y4), (E_TARGETED, Y2)]
    assert overdue_events(rt, iid) == [JOINT_HANDOVER, SIGNPOST]
    data = instance_data(rt, iid)  # the allocated practitioner is the lead practitioner from now on
    assert (data["lead_practitioner"], data["support_type"]) == (PRIYA, "targeted_intervention")


def test_y2_targeted_weekly_meeting_after_the_deadline_creates_the_joint_handover_overdue(rt, clock):
    case = setup(rt)
    iid = y2_targeted(rt, clock, case)
    clock.set(local(2025, 4, 30, 16, 0))  # Wednesday: the request is only brought now
    y4_request(rt, iid)
    assert_meeting_at(rt, clock, iid, local(2025, 5, 6, 10, 0), not_before=(local(2025, 5, 5, 10, 0, 1),))
    clock.set(local(2025, 5, 6, 11, 0))
    y4_allocate(rt, iid, "2025-05-23")

    handover = only_task(rt, iid, JOINT_HANDOVER)
    assert handover.due_at == end_of(2025, 4, 28) and handover.overdue
    assert overdue_events(rt, iid) == [JOINT_HANDOVER]  # raised at once, exactly once
    assert fire_at(rt, clock, local(2025, 5, 7, 9, 0)) == 0
    assert overdue_events(rt, iid) == [JOINT_HANDOVER]
    assert [e.at for e in queries.history(rt, instance_id=iid) if e.action == "overdue"] == [local(2025, 5, 6, 11, 0)]


def test_y2_targeted_not_appropriate_social_care_involvement_continues(rt, clock):
    case = setup(rt)
    iid = y2_targeted(rt, clock, case)
    y4_request(rt, iid)
    assert fire_at(rt, clock, local(2025, 4, 22, 10, 1)) == 1
    y4_not_appropriate(rt, iid)
    finish(rt, iid, NOT_AGREED, "sam", after_not_agreed="Social care involvement continues")

    assert outcome(rt, iid) == ("completed", E_NOT_AGREED)
    assert ends(rt, iid) == [(E_NOT_AGREED, Y4), (E_NOT_AGREED, Y2)]
    assert Y5 not in processes_ever(rt, case)
    assert not {JOINT_HANDOVER, SIGNPOST, CLOSE_CASE} & names_ever(rt, case)
    assert completed(rt, case, DISCUSS).data["appropriate"] == "no"


def test_y2_targeted_not_appropriate_partner_led_with_the_familys_preferred_lead_practitioner(rt, clock):
    case = setup(rt)
    iid = y2_targeted(rt, clock, case)
    y4_request(rt, iid)
    assert fire_at(rt, clock, local(2025, 4, 22, 10, 1)) == 1
    y4_not_appropriate(rt, iid)
    not_agreed = only_task(rt, iid, NOT_AGREED)
    assert prefilled(rt, not_agreed)["preferred_lead_practitioner"] == HEALTH_VISITOR
    finish(rt, iid, NOT_AGREED, "sam", after_not_agreed="Partner-led early help")

    finish(rt, iid, LP_RELATIONSHIPS, "sam")
    y5_ending_visit(rt, case, iid, "2025-04-25", "Josie", "Joy")
    signpost = only_task(rt, iid, SIGNPOST)
    assert signpost.due_at is None  # no time frame for transfer on the partner-led route
    finish(rt, iid, SIGNPOST, "sam")
    shown = prefilled(rt, only_task(rt, iid, SECTION_2_SA))
    assert (shown["lead_practitioner"], shown["assign_to"]) == (HEALTH_VISITOR, "partner_led_eha")
    finish(rt, iid, SECTION_2_SA, "sam")

    assert outcome(rt, iid) == ("completed", E_PARTNER_LED_EHA)
    assert ends(rt, iid) == [(E_PARTNER_LED_EHA, Y5), (E_PARTNER_LED_EHA, Y4), (E_PARTNER_LED_EHA, Y2)]
    assert instance_data(rt, iid)["support_type"] == "partner_led"
    assert not {JOINT_HANDOVER, NOTIFY_TAC, PM_ALLOCATION} & names_ever(rt, case)


def test_y4_on_its_own_from_a_single_assessment_asks_the_family_has_seen_it_and_agreed_the_plan(rt, clock):
    case = setup(rt)
    clock.set(local(2025, 4, 17, 9, 0))
    iid = start_y4_on_its_own(
        rt, case, ("Josie",),
        refused={"origin": "Single Assessment", "family_consent": "Yes", "identified_needs": NEEDS,
                 "step_down_on": "2025-04-17"},
        errors={"assessment_completed_on": "Enter the Date the Single Assessment was completed",
                "step_down_on": "Leave this empty for a Single Assessment"},
        answers={"origin": "Single Assessment", "assessment_completed_on": "2025-04-17", "family_consent": "Yes",
                 "identified_needs": NEEDS, "preferred_lead_practitioner": HEALTH_VISITOR})
    assert "family_seen_assessment" not in instance_data(rt, iid)  # nor asked at the start: Y4.3 asks it
    y4_request(rt, iid)
    assert fire_at(rt, clock, local(2025, 4, 22, 10, 1)) == 1
    y4_allocate(rt, iid, "2025-05-09")

    share = only_task(rt, iid, SHARE_ASSESSMENT)  # not recorded by a caller: asked here
    assert invalid(rt, share, "sam", {"family_seen_assessment": "No", "plan_agreed": "No"}) == {
        "family_seen_assessment": "Share the assessment with the family before the joint handover meeting.",
        "plan_agreed": "A proposed plan must be agreed before the joint handover meeting."}
    finish(rt, iid, SHARE_ASSESSMENT, "sam", family_seen_assessment="Yes", plan_agreed="Yes")
    assert only_task(rt, iid, JOINT_HANDOVER).due_at == end_of(2025, 4, 28)
    assert ready_sequence(rt, iid) == [*top_level_steps(rt), (REQUEST, SOCIAL_WORKER), (DISCUSS, TRANSFER_MEETING),
                                       (SHARE_ASSESSMENT, SOCIAL_WORKER), (JOINT_HANDOVER, SOCIAL_WORKER)]


def monday_copy(tmp_path) -> Path:
    """The process owner's configuration is the diagram: the weekly transfer meeting moved to Mondays 10:00."""
    xml = Y4_FILE.read_text(encoding="utf-8")
    assert xml.count('weekly("Tuesday", "10:00")') == 1
    copy = tmp_path / f"{Y4}.bpmn"
    copy.write_text(xml.replace('weekly("Tuesday", "10:00")', 'weekly("Monday", "10:00")'), encoding="utf-8")
    return copy


def deploy_monday_meeting(rt, tmp_path) -> None:
    """Upload the Monday copy as a process owner would: Y2 and Y3 get new versions calling it."""
    uploaded = deploy.deploy_upload(rt, f"{Y4}.bpmn", monday_copy(tmp_path).read_bytes(), "process owner")
    assert [(d.process_id, d.version) for d in uploaded.processes] == [(Y4, 2)]
    assert {d.process_id for d in uploaded.callers} == {Y2, Y3}


def test_y2_targeted_weekly_meeting_configured_for_mondays(rt, clock, tmp_path):
    case = setup(rt)
    deploy_monday_meeting(rt, tmp_path)
    iid = y2_targeted(rt, clock, case, completed_on="2025-05-07")
    clock.set(local(2025, 5, 7, 11, 0))  # Wednesday 7 May
    y4_request(rt, iid)
    assert_meeting_at(rt, clock, iid, local(2025, 5, 12, 10, 0), not_before=(local(2025, 5, 9, 10, 0),))


def test_y2_targeted_weekly_meeting_on_easter_monday_is_held_on_tuesday(rt, clock, tmp_path):
    case = setup(rt)
    deploy_monday_meeting(rt, tmp_path)
    iid = y2_targeted(rt, clock, case)
    clock.set(local(2025, 4, 17, 11, 30))
    y4_request(rt, iid)
    assert_meeting_at(rt, clock, iid, local(2025, 4, 22, 10, 0), not_before=(local(2025, 4, 21, 10, 0, 1),))
