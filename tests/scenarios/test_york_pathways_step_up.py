"""York Pathways (Y6) and Stepping up from Early Help Interventions (Y7): process-catalogue §10 scenarios 16, 17, 18.

Drives the real diagrams bpmn/york/york_pathways_step_down.bpmn and bpmn/york/york_step_up.bpmn through the service
layer. Time is Europe/London and moves with the injected clock; a timer fires only strictly after its due time
(`working_days()` ends a day at 23:59:59.999999, `start_of_day()` begins one at 00:00).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import cases, instances, queries, tasks, timers
from bpmnrun.service.errors import Forbidden, InvalidInput
from tests.support import (LIBRARY, actions, add_users, deploy_paths, finish, instance_data, only_task, open_tasks,
                           open_to_everyone, ready_sequence, smith_family, subject_ids)

Y6 = "york_pathways_step_down"
Y7 = "york_step_up"

# Lanes: each is the team whose inbox receives its tasks.
PATHWAYS = "Pathways workers"
PARTNER_LP = "partner lead professional"
TARGETED_EH = "targeted Early Help"
LINE_MANAGER = "line manager"
ASMD = "assessment service manager on duty"
MASH = "MASH"
SOCIAL_WORKER = "Social Worker"  # spelt as in every other process of the library

# Y6 tasks and ends.
REASSESS = "Reassess support needs"
DUTY_SERVICE = "Step down – offer of a duty service until 25"
Y6_E1 = "Stepped down – offer of a duty service until 25"
Y6_E2 = "Pathways involvement ended at 25"

# Y7 tasks.
DISCUSSION = "Discuss with the family and key professionals (TAC&F)"
REFERRAL_PARTNER = "Submit referral to MASH for appropriate screening"
MASH_DECISION = "MASH decision on next steps"
NEXT_STEPS = "Discussion to decide next steps"
REFERRAL_TARGETED = "Submit referral to MASH outlining the discussion and decision on allocation"
ALLOCATION = "Record the allocation to social care"
JOINT_VISIT = "Joint visit to introduce social worker to the child and family"
CLOSE_EH = "Close the family to Early Help"
OVERSIGHT = "Discussion to ensure management oversight"
SEEK_ADVICE = "Seek advice from a social worker through MASH"
CP_REFERRAL = "Refer without delay to the MASH"

# Y7 ends.
Y7_E1 = "Remains with Early Help – needs not best served by Social Care"
Y7_E2 = "MASH decision – not stepped up to Social Care"
Y7_E3 = "Transfer not accepted by the assessment service manager on duty – remains with Early Help"
Y7_E4 = "Stepped up to Social Care"
Y7_E5 = "Stepped up to Social Care – Early Help closed 10 days after allocation"
Y7_E6 = "Advice from a social worker – no referral, remains with Early Help"
MASH_OVERDUE = "MASH decision overdue – flagged to manager"
VISIT_OVERDUE = "Joint visit not completed within 10 days – flagged to manager"

# How the step up starts (option ids of the start form).
CONCERNS = "concerns_raised_or_the_early_help_plan_is_not_progressing"
CP = "child_protection_concern_raised"
ADVICE = "advice_of_a_social_worker_is_required"

FAMILY_RULE_REASON = "Say how discussing it with the family would increase the risk to a child or young person"
PREVIOUS_SW_RULE = ("Within three months of a step down from CIN/CP this returns to the previous social worker (Yes); "
                    "otherwise it does not (No)")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def york(rt):
    deploy_paths(rt, LIBRARY / "york" / "york_pathways_step_down.bpmn", LIBRARY / "york" / "york_step_up.bpmn")
    add_users(rt, pete=PATHWAYS, lp1=PARTNER_LP, tess=TARGETED_EH, lima=LINE_MANAGER, asm=ASMD, mash1=MASH,
              sam=SOCIAL_WORKER, sara=SOCIAL_WORKER)
    return rt


def outcome(rt, iid) -> tuple[str, str | None]:
    info = queries.get_instance(rt, iid)
    return info.status, info.end_event


def ends(rt, iid) -> list[str]:
    return [name for action, name in actions(rt, iid) if action == "end_event"]


def overdue(rt, iid) -> list[tuple[str, str]]:
    return [(e.name, e.actor) for e in queries.history(rt, instance_id=iid) if e.action == "overdue"]


def names_ever(rt, case) -> set[str]:
    return {t.name for t in queries.case_tasks(rt, case.id)}


def completed(rt, case, name):
    [task] = [t for t in queries.case_tasks(rt, case.id) if t.name == name and t.state == "completed"]
    return task


def refused(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, task.id, actor, values)
    assert only_task(rt, task.instance_id, task.name).id == task.id  # still READY
    return raised.value.errors


def forbidden(rt, task, actor, values) -> None:
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, task.id, actor, values)


# =====================================================================================================================
# Scenario 18 — Y6 Pathways, one young person per piece of work
# =====================================================================================================================


def walker_family(rt):
    return open_to_everyone(rt, cases.create_case(rt, "Walker", [cases.Child("Jordan Walker", date(2004, 9, 15)),
                                                                 cases.Child("Casey Walker", date(2006, 2, 1))],
                                                  "admin"))


def start_pathways(rt, clock, case) -> int:
    """Started on Mon 2 Jun 2025 for Jordan (born 15 Sep 2004): 3 months before the 21st birthday is 15 Jun 2025."""
    clock.set(local(2025, 6, 2, 9, 0))
    iid = instances.start_work(rt, Y6, case.id, "pete", subject_ids(case, "Jordan"))
    assert open_tasks(rt, iid) == []
    assert outcome(rt, iid) == ("running", None)
    clock.set(local(2025, 6, 15, 0, 0))  # the due minute itself: not yet past
    assert timers.fire_due_timers(rt) == 0
    assert open_tasks(rt, iid) == []
    clock.set(local(2025, 6, 15, 0, 0, 1))
    assert timers.fire_due_timers(rt) == 1
    return iid


def test_y6_is_started_once_for_each_young_person(york):
    case = walker_family(york)
    with pytest.raises(InvalidInput) as raised:
        instances.start_work(york, Y6, case.id, "pete", subject_ids(case, "Jordan", "Casey"))
    assert raised.value.errors == {"subject": "This work is for one child at a time: start it once for each"}
    with pytest.raises(InvalidInput):  # all the family's children by default: refused too
        instances.start_work(york, Y6, case.id, "pete")
    assert queries.case_tasks(york, case.id) == []


def test_y6_no_continued_support_steps_down_with_a_duty_service_until_25(york, clock):
    case = walker_family(york)
    iid = start_pathways(york, clock, case)
    reassess = only_task(york, iid, REASSESS)
    assert (reassess.lane, reassess.assignee, reassess.children) == (PATHWAYS, None, ("Jordan Walker",))
    assert reassess.created_at == local(2025, 6, 15, 0, 0, 1)
    assert [f["id"] for f in reassess.form] == ["continued_support_required"]
    forbidden(york, reassess, "sam", {"continued_support_required": "no"})
    assert refused(york, reassess, "pete", {}) == {
        "continued_support_required": "Select yes if the young person requires continued support"}

    clock.set(local(2025, 6, 16, 10, 0))
    finish(york, iid, REASSESS, "pete", continued_support_required="No")
    duty = only_task(york, iid, DUTY_SERVICE)
    assert (duty.lane, duty.form) == (PATHWAYS, [])  # an instruction: no fields
    assert "duty service until they are 25 years old" in duty.documentation
    finish(york, iid, DUTY_SERVICE, "pete")

    assert outcome(york, iid) == ("completed", Y6_E1)
    assert ready_sequence(york, iid) == [(REASSESS, PATHWAYS), (DUTY_SERVICE, PATHWAYS)]
    assert completed(york, case, REASSESS).data == {"continued_support_required": "no"}
    assert completed(york, case, DUTY_SERVICE).completed_by == "pete"
    assert ("timer_fired", "Approaching 21 years old") in actions(york, iid)
    assert ends(york, iid) == [Y6_E1]


def test_y6_continued_support_stays_with_pathways_until_the_25th_birthday(york, clock):
    case = walker_family(york)
    iid = start_pathways(york, clock, case)
    finish(york, iid, REASSESS, "pete", continued_support_required="yes")
    assert open_tasks(york, iid) == []
    assert outcome(york, iid) == ("running", None)

    clock.set(local(2029, 9, 15, 0, 0))
    assert timers.fire_due_timers(york) == 0
    clock.set(local(2029, 9, 15, 0, 0, 1))
    assert timers.fire_due_timers(york) == 1

    assert outcome(york, iid) == ("completed", Y6_E2)
    assert queries.get_instance(york, iid).ended_at == local(2029, 9, 15, 0, 0, 1)
    assert ready_sequence(york, iid) == [(REASSESS, PATHWAYS)]
    assert DUTY_SERVICE not in names_ever(york, case)
    assert ("timer_fired", "25th birthday") in actions(york, iid)
    assert ends(york, iid) == [Y6_E2]


def test_y6_a_young_person_already_past_the_lead_time_is_reassessed_at_once(york, clock):
    case = walker_family(york)
    clock.set(local(2025, 8, 1, 11, 0))  # 15 Jun 2025 has passed: the timer fires on start
    iid = instances.start_work(york, Y6, case.id, "pete", subject_ids(case, "Jordan"))
    assert only_task(york, iid, REASSESS).created_at == local(2025, 8, 1, 11, 0)
    assert ("timer_fired", "Approaching 21 years old") in actions(york, iid)


# =====================================================================================================================
# Y7 helpers
# =====================================================================================================================


def start_y7(rt, case, actor, *children, **start):
    return instances.start_work(rt, Y7, case.id, actor, subject_ids(case, *children) if children else None,
                                data=start)


def concerns(lp_type, immediate="no", **more):
    return {"start_route": CONCERNS, "lp_type": lp_type, "immediate_concern": immediate,
            "concern_summary": "Josie's attendance has fallen further; new concerns about neglect at home.", **more}


def discuss(rt, iid, actor, best_served="yes", **more):
    finish(rt, iid, DISCUSSION, actor, discussed_with_family="yes", tacf_date="2025-06-02",
           needs_best_served_by_sc=best_served, **more)


def mash_decides(rt, iid, decision="step_up_to_social_care", **more):
    finish(rt, iid, MASH_DECISION, "mash1", mash_decision=decision,
           rationale="Threshold for a social care assessment is met.", **more)


def partner_referral(rt, iid):
    finish(rt, iid, REFERRAL_PARTNER, "lp1", referral="Referral to MASH: neglect concerns, TAC&F of 02/06/2025.")


# =====================================================================================================================
# Scenario 16 — Y7 partner lead professional step up: 1 working day and 3 months
# =====================================================================================================================


def test_y7_run_a_partner_referral_on_christmas_eve_is_flagged_overdue_after_one_working_day(york, clock):
    case = smith_family(york)
    clock.set(local(2025, 12, 24, 9, 0))
    iid = start_y7(york, case, "lp1", "Josie", **concerns("partner_lead_professional"))
    discussion = only_task(york, iid, DISCUSSION)
    assert discussion.lane == PARTNER_LP
    forbidden(york, discussion, "tess", {})
    assert refused(york, discussion, "lp1", {"discussed_with_family": "no", "needs_best_served_by_sc": "yes"}) == {
        "reason": FAMILY_RULE_REASON}
    finish(york, iid, DISCUSSION, "lp1", discussed_with_family="no",
           reason="Telling the family would increase the risk to Josie.", needs_best_served_by_sc="yes")

    referral = only_task(york, iid, REFERRAL_PARTNER)
    assert tasks.form_values(york, referral.id, "lp1") == {  # the family discussion is prefilled, not asked again
        "discussed_with_family": "no", "reason": "Telling the family would increase the risk to Josie."}
    clock.set(local(2025, 12, 24, 10, 0))
    partner_referral(york, iid)

    decision = only_task(york, iid, MASH_DECISION)
    assert (decision.lane, decision.created_at) == (MASH, local(2025, 12, 24, 10, 0))
    assert decision.due_at == local(2025, 12, 29, 23, 59, 59, 999999)  # 25, 26 Dec and the weekend skipped
    clock.set(local(2025, 12, 29, 23, 59, 59))
    assert timers.fire_due_timers(york) == 0
    clock.set(local(2025, 12, 30, 0, 0))
    assert timers.fire_due_timers(york) == 1
    assert timers.fire_due_timers(york) == 0  # one notification
    assert overdue(york, iid) == [(MASH_DECISION, "timer")]
    assert only_task(york, iid, MASH_DECISION).overdue
    assert [(t.name, t.overdue) for t in queries.list_tasks(york, "mash1")] == [(MASH_DECISION, True)]
    assert ends(york, iid) == [MASH_OVERDUE]
    assert outcome(york, iid) == ("running", None)  # the decision goes on

    clock.set(local(2025, 12, 30, 9, 30))
    forbidden(york, only_task(york, iid, MASH_DECISION), "lp1", {})
    mash_decides(york, iid)  # no step down from CIN/CP before: nothing asked about the previous social worker
    assert outcome(york, iid) == ("completed", Y7_E4)
    assert ready_sequence(york, iid) == [(DISCUSSION, PARTNER_LP), (REFERRAL_PARTNER, PARTNER_LP),
                                         (MASH_DECISION, MASH)]
    assert ends(york, iid) == [MASH_OVERDUE, Y7_E4]
    assert completed(york, case, REFERRAL_PARTNER).data == {
        "referral": "Referral to MASH: neglect concerns, TAC&F of 02/06/2025.", "discussed_with_family": "no",
        "reason": "Telling the family would increase the risk to Josie."}


@pytest.mark.parametrize("referred_on, returns", [
    pytest.param(date(2025, 6, 9), True, id="9-jun-within"),
    pytest.param(date(2025, 6, 10), True, id="10-jun-inclusive"),
    pytest.param(date(2025, 6, 11), False, id="11-jun-after"),
])
def test_y7_run_b_three_months_after_a_cin_step_down_returns_to_the_previous_social_worker(york, clock, referred_on,
                                                                                          returns):
    case = smith_family(york)
    clock.set(local(2025, 6, 2, 9, 0))
    iid = start_y7(york, case, "lp1", "Josie", "Joy", **concerns(
        "partner_lead_professional", previous_step_down_from_cin_cp_on="2025-03-10",
        previous_social_worker="Sara Khan"))
    discuss(york, iid, "lp1")
    clock.set(local(referred_on.year, referred_on.month, referred_on.day, 16, 0))
    partner_referral(york, iid)
    clock.set(local(2025, 6, 12, 9, 0) if referred_on.day < 12 else clock.now())  # MASH decides the next morning

    decision = only_task(york, iid, MASH_DECISION)
    assert refused(york, decision, "mash1", {"mash_decision": "step_up_to_social_care"}) == {
        "allocated_to_previous_sw": "Select yes if this returns to the previous social worker"}
    wrong = "no" if returns else "yes"
    assert refused(york, decision, "mash1", {"mash_decision": "step_up_to_social_care",
                                             "allocated_to_previous_sw": wrong}) == {
        "allocated_to_previous_sw": PREVIOUS_SW_RULE}
    mash_decides(york, iid, allocated_to_previous_sw="yes" if returns else "no")

    assert outcome(york, iid) == ("completed", Y7_E4)
    data = instance_data(york, iid)
    assert data["allocated_to_previous_sw"] == ("yes" if returns else "no")
    assert data["previous_social_worker"] == "Sara Khan"
    assert "within_three_months" not in data  # the rule's working is the task's own, not case data
    assert ready_sequence(york, iid) == [(DISCUSSION, PARTNER_LP), (REFERRAL_PARTNER, PARTNER_LP),
                                         (MASH_DECISION, MASH)]
    assert overdue(york, iid) == []
    assert ends(york, iid) == [Y7_E4]


def test_y7_run_c_an_immediate_concern_skips_the_discussion_but_not_the_family_question(york, clock):
    case = smith_family(york)
    iid = start_y7(york, case, "lp1", "Josie", **concerns("partner_lead_professional", immediate="yes"))
    referral = only_task(york, iid)
    assert (referral.name, referral.lane) == (REFERRAL_PARTNER, PARTNER_LP)  # no discussion first
    assert tasks.form_values(york, referral.id, "lp1") == {}
    assert refused(york, referral, "lp1", {"referral": "Injury seen on Josie at school today."}) == {
        "discussed_with_family": "Select yes if this has been discussed with the family"}
    assert refused(york, referral, "lp1", {"referral": "Injury seen on Josie at school today.",
                                           "discussed_with_family": "no"}) == {"reason": FAMILY_RULE_REASON}
    finish(york, iid, REFERRAL_PARTNER, "lp1", referral="Injury seen on Josie at school today.",
           discussed_with_family="no", reason="Father may be the cause; telling the family puts Josie at risk.")
    mash_decides(york, iid)

    assert outcome(york, iid) == ("completed", Y7_E4)
    assert DISCUSSION not in names_ever(york, case)
    assert ready_sequence(york, iid) == [(REFERRAL_PARTNER, PARTNER_LP), (MASH_DECISION, MASH)]


def test_y7_start_form_asks_how_the_work_starts_and_its_start_data(york):
    case = smith_family(york)

    def start_refused(**start):
        with pytest.raises(InvalidInput) as raised:
            start_y7(york, case, "tess", "Josie", **start)
        return raised.value.errors

    errors = start_refused()
    assert set(errors) == {"start_route", "concern_summary"}
    assert set(start_refused(start_route=CONCERNS, concern_summary="Plan stuck")) == {"lp_type", "immediate_concern"}
    assert set(start_refused(start_route=ADVICE, concern_summary="Father back home",
                             lp_type="partner_lead_professional")) == {"lp_type"}
    assert set(start_refused(**concerns("targeted_early_help", previous_step_down_from_cin_cp_on="2025-03-10"))) == {
        "previous_social_worker"}
    assert queries.case_tasks(york, case.id) == []


# =====================================================================================================================
# Scenario 17 — Y7 targeted Early Help step up, child protection and advice routes
# =====================================================================================================================


def targeted_to_allocation(rt, clock, case, **start) -> int:
    """Run A up to MASH's allocation record: discussion, the assessment service manager's decision, the referral."""
    clock.set(local(2025, 8, 28, 10, 0))
    iid = start_y7(rt, case, "tess", "Johnny", "Josie", "Joy", **concerns("targeted_early_help", **start))
    discussion = only_task(rt, iid, DISCUSSION)
    assert discussion.lane == TARGETED_EH
    discuss(rt, iid, "tess")
    next_steps = only_task(rt, iid, NEXT_STEPS)
    assert next_steps.lane == ASMD
    forbidden(rt, next_steps, "tess", {"transfer_accepted": "yes"})
    assert refused(rt, next_steps, "asm", {"transfer_accepted": "yes"}) == {
        "allocation_decision": "Enter the decision on allocation"}
    finish(rt, iid, NEXT_STEPS, "asm", transfer_accepted="yes",
           allocation_decision="Allocate to the Assessment Team for a Single Assessment.")
    referral = only_task(rt, iid, REFERRAL_TARGETED)
    assert tasks.form_values(rt, referral.id, "tess") == {"discussed_with_family": "yes"}
    finish(rt, iid, REFERRAL_TARGETED, "tess",
           referral="Referral outlining the discussion of 28/08/2025 with the assessment service manager on duty.")
    return iid


@pytest.mark.parametrize("visit_in_time", [True, False], ids=["visit-in-time", "visit-late"])
def test_y7_run_a_targeted_step_up_keeps_early_help_open_ten_days_after_allocation(york, clock, visit_in_time):
    case = smith_family(york)
    iid = targeted_to_allocation(york, clock, case)
    clock.set(local(2025, 9, 1, 9, 0))
    allocation = only_task(york, iid, ALLOCATION)
    assert allocation.lane == MASH
    picker = {f["id"]: f for f in allocation.form}["allocated_sw"]
    assert picker["picked_teams"] == [SOCIAL_WORKER]
    assert refused(york, allocation, "mash1", {"allocated_on": "2025-09-01", "allocated_sw": "tess"}) == {
        "allocated_sw": "Select the allocated social worker from the list: a member of Social Worker"}
    finish(york, iid, ALLOCATION, "mash1", allocated_on="2025-09-01", allocated_sw="sam")

    visit = only_task(york, iid, JOINT_VISIT)
    assert (visit.lane, visit.assignee) == (SOCIAL_WORKER, "sam")
    assert SOCIAL_WORKER in visit.teams
    assert visit.due_at == local(2025, 9, 11, 0, 0)
    assert [t.name for t in queries.list_tasks(york, "sam", mine=True)] == [JOINT_VISIT]
    forbidden(york, visit, "sara", {"joint_visit_date": "2025-09-04"})  # another social worker
    forbidden(york, visit, "tess", {"joint_visit_date": "2025-09-04"})
    if visit_in_time:
        clock.set(local(2025, 9, 4, 15, 0))
        finish(york, iid, JOINT_VISIT, "sam", joint_visit_date="2025-09-04")

    clock.set(local(2025, 9, 10, 23, 59, 59))  # Wed 10 Sep: Early Help stays open
    assert timers.fire_due_timers(york) == 0
    assert CLOSE_EH not in names_ever(york, case)
    clock.set(local(2025, 9, 11, 0, 0, 1))  # Thu 11 Sep
    assert timers.fire_due_timers(york) == 1
    close_eh = only_task(york, iid, CLOSE_EH)
    assert (close_eh.lane, close_eh.created_at, close_eh.form) == (TARGETED_EH, local(2025, 9, 11, 0, 0, 1), [])
    clock.set(local(2025, 9, 11, 9, 0))
    finish(york, iid, CLOSE_EH, "tess")
    if not visit_in_time:
        assert only_task(york, iid, JOINT_VISIT).overdue
        assert overdue(york, iid) == [(JOINT_VISIT, "timer")]
        assert outcome(york, iid) == ("running", None)  # the join waits for the joint visit
        clock.set(local(2025, 9, 12, 16, 0))
        finish(york, iid, JOINT_VISIT, "sam", joint_visit_date="2025-09-12")

    assert outcome(york, iid) == ("completed", Y7_E5)
    assert ready_sequence(york, iid) == [
        (DISCUSSION, TARGETED_EH), (NEXT_STEPS, ASMD), (REFERRAL_TARGETED, TARGETED_EH), (ALLOCATION, MASH),
        (JOINT_VISIT, SOCIAL_WORKER), (CLOSE_EH, TARGETED_EH)]
    assert completed(york, case, JOINT_VISIT).completed_by == "sam"
    assert MASH_DECISION not in names_ever(york, case)
    data = instance_data(york, iid)
    assert (data["allocated_sw"], data["allocated_on"]) == ("sam", "2025-09-01")
    assert ends(york, iid) == ([Y7_E5] if visit_in_time else [VISIT_OVERDUE, Y7_E5])


def test_y7_run_a_targeted_step_up_within_three_months_returns_to_the_previous_social_worker(york, clock):
    case = smith_family(york)
    iid = targeted_to_allocation(york, clock, case, previous_step_down_from_cin_cp_on="2025-07-01",
                                 previous_social_worker="Sara Khan")
    allocation = only_task(york, iid, ALLOCATION)
    assert refused(york, allocation, "mash1", {"allocated_on": "2025-08-29", "allocated_sw": "sam",
                                               "allocated_to_previous_sw": "no"}) == {
        "allocated_to_previous_sw": PREVIOUS_SW_RULE}
    finish(york, iid, ALLOCATION, "mash1", allocated_on="2025-08-29", allocated_sw="sara",
           allocated_to_previous_sw="yes")
    visit = only_task(york, iid, JOINT_VISIT)
    assert (visit.assignee, visit.due_at) == ("sara", local(2025, 9, 8, 0, 0))
    assert instance_data(york, iid)["allocated_to_previous_sw"] == "yes"


def test_y7_run_b_transfer_not_accepted_by_the_assessment_service_manager_on_duty(york):
    case = smith_family(york)
    iid = start_y7(york, case, "tess", "Josie", **concerns("targeted_early_help"))
    discuss(york, iid, "tess")
    finish(york, iid, NEXT_STEPS, "asm", transfer_accepted="no")

    assert outcome(york, iid) == ("completed", Y7_E3)
    assert ready_sequence(york, iid) == [(DISCUSSION, TARGETED_EH), (NEXT_STEPS, ASMD)]
    assert not {REFERRAL_TARGETED, ALLOCATION, MASH_DECISION} & names_ever(york, case)
    assert ends(york, iid) == [Y7_E3]


def test_y7_targeted_immediate_concern_goes_straight_to_the_assessment_service_manager(york):
    case = smith_family(york)
    iid = start_y7(york, case, "tess", "Josie", **concerns("targeted_early_help", immediate="yes"))
    assert only_task(york, iid).name == NEXT_STEPS
    finish(york, iid, NEXT_STEPS, "asm", transfer_accepted="yes", allocation_decision="Allocate today.")
    referral = only_task(york, iid, REFERRAL_TARGETED)
    assert refused(york, referral, "tess", {"referral": "Immediate concern about Josie."}) == {
        "discussed_with_family": "Select yes if this has been discussed with the family"}


def test_y7_run_c_a_child_protection_concern_is_referred_without_delay(york, clock):
    case = smith_family(york)
    clock.set(local(2025, 6, 4, 16, 0))
    iid = start_y7(york, case, "tess", "Joy", start_route=CP, lp_type="targeted_early_help",
                   concern_summary="Bruising on Joy's arm seen at nursery.")

    referral = only_task(york, iid)
    assert (referral.name, referral.lane, referral.created_at) == (CP_REFERRAL, TARGETED_EH, clock.now())
    assert set(referral.teams) == {TARGETED_EH, PARTNER_LP}
    assert tasks.form_values(york, referral.id, "tess") == {"concern_summary": "Bruising on Joy's arm seen at nursery."}
    assert refused(york, referral, "tess", {"referral": "CP referral: bruising on Joy's arm.",
                                            "discussed_with_family": "no"}) == {"reason": FAMILY_RULE_REASON}
    finish(york, iid, CP_REFERRAL, "lp1", referral="CP referral: bruising on Joy's arm.", discussed_with_family="no",
           reason="The injury may have been caused at home: telling the family would increase the risk to Joy.")

    decision = only_task(york, iid, MASH_DECISION)
    assert decision.due_at == local(2025, 6, 5, 23, 59, 59, 999999)  # the MASH's 1 working day applies too
    mash_decides(york, iid)
    assert outcome(york, iid) == ("completed", Y7_E4)
    assert not {DISCUSSION, OVERSIGHT} & names_ever(york, case)
    assert ready_sequence(york, iid) == [(CP_REFERRAL, TARGETED_EH), (MASH_DECISION, MASH)]
    assert completed(york, case, CP_REFERRAL).completed_by == "lp1"
    assert ends(york, iid) == [Y7_E4]


@pytest.mark.parametrize("line_manager_agrees", [True, False], ids=["advice-taken", "manager-not-agreed"])
def test_y7_run_d_advice_from_a_social_worker_without_a_referral(york, line_manager_agrees):
    case = smith_family(york)
    iid = start_y7(york, case, "tess", "Johnny", "Josie", start_route=ADVICE,
                   concern_summary="Father has moved back in; possible risk to the children.")
    oversight = only_task(york, iid)
    assert (oversight.name, oversight.lane) == (OVERSIGHT, LINE_MANAGER)
    forbidden(york, oversight, "tess", {"agreed_to_seek_advice": "yes"})
    finish(york, iid, OVERSIGHT, "lima", agreed_to_seek_advice="yes" if line_manager_agrees else "no")
    sequence = [(OVERSIGHT, LINE_MANAGER)]
    if line_manager_agrees:
        advice = only_task(york, iid, SEEK_ADVICE)
        assert advice.lane == TARGETED_EH
        assert refused(york, advice, "tess", {"advice_summary": "Advice taken", "referral_necessary": "yes"}) == {
            "referral": "Enter the Referral to MASH",
            "discussed_with_family": "Select yes if this has been discussed with the family"}
        finish(york, iid, SEEK_ADVICE, "tess", advice_summary="Duty social worker advised: continue the Early Help "
                                                              "plan with a safety plan; no referral needed.",
               referral_necessary="no")
        sequence.append((SEEK_ADVICE, TARGETED_EH))

    assert outcome(york, iid) == ("completed", Y7_E6)
    assert ready_sequence(york, iid) == sequence
    assert MASH_DECISION not in names_ever(york, case)
    assert ends(york, iid) == [Y7_E6]


def test_y7_advice_that_leads_to_a_referral_goes_to_the_mash_decision(york):
    case = smith_family(york)
    iid = start_y7(york, case, "tess", "Josie", start_route=ADVICE, concern_summary="Deterioration at home.")
    finish(york, iid, OVERSIGHT, "lima", agreed_to_seek_advice="yes")
    finish(york, iid, SEEK_ADVICE, "tess", advice_summary="Refer to MASH.", referral_necessary="yes",
           referral="Referral after advice: deterioration at home.", discussed_with_family="yes")
    mash_decides(york, iid, decision="other_next_steps")
    assert outcome(york, iid) == ("completed", Y7_E2)
    assert ready_sequence(york, iid) == [(OVERSIGHT, LINE_MANAGER), (SEEK_ADVICE, TARGETED_EH), (MASH_DECISION, MASH)]


def test_y7_run_e_partner_lp_needs_not_best_served_by_social_care(york):
    case = smith_family(york)
    iid = start_y7(york, case, "lp1", "Josie", **concerns("partner_lead_professional"))
    discussion = only_task(york, iid, DISCUSSION)
    assert refused(york, discussion, "lp1", {"discussed_with_family": "yes"}) == {
        "needs_best_served_by_sc": "Select yes if agencies feel the needs of the family are best served by "
                                   "Social Care"}
    discuss(york, iid, "lp1", best_served="no")

    assert outcome(york, iid) == ("completed", Y7_E1)
    assert completed(york, case, DISCUSSION).data["needs_best_served_by_sc"] == "no"
    assert ready_sequence(york, iid) == [(DISCUSSION, PARTNER_LP)]
    assert ends(york, iid) == [Y7_E1]


def test_y7_targeted_needs_not_best_served_by_social_care(york):
    case = smith_family(york)
    iid = start_y7(york, case, "tess", "Josie", **concerns("targeted_early_help"))
    discuss(york, iid, "tess", best_served="no")
    assert outcome(york, iid) == ("completed", Y7_E1)
    assert ready_sequence(york, iid) == [(DISCUSSION, TARGETED_EH)]


def test_y7_run_f_partner_lp_referral_mash_decides_other_next_steps(york):
    case = smith_family(york)
    iid = start_y7(york, case, "lp1", "Josie", **concerns("partner_lead_professional"))
    discuss(york, iid, "lp1")
    partner_referral(york, iid)
    forbidden(york, only_task(york, iid, MASH_DECISION), "lp1", {"mash_decision": "other_next_steps"})
    mash_decides(york, iid, decision="other_next_steps")

    assert outcome(york, iid) == ("completed", Y7_E2)
    assert completed(york, case, MASH_DECISION).data["mash_decision"] == "other_next_steps"
    assert ready_sequence(york, iid) == [(DISCUSSION, PARTNER_LP), (REFERRAL_PARTNER, PARTNER_LP),
                                         (MASH_DECISION, MASH)]
    assert ends(york, iid) == [Y7_E2]
