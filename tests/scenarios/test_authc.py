"""Authority C — Step Down from Social Care (SC) to Early Help (EH): catalogue §7 C1, §10 scenario 19.

Every run drives the real diagram bpmn/authc/authc_step_down_sc_to_eh.bpmn through the service layer for the
Smith family (Johnny, Josie, Joy). Time is Europe/London and moves with the injected clock; the duty-morning
wait is duty_window(["Tuesday", "Wednesday", "Thursday"], "09:00", "12:00") with bank holidays skipped, and a
timer fires only strictly after its due time (bpmnrun.service.timers.fire_due_timers).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import instances, queries, tasks, timers
from bpmnrun.service.errors import Forbidden, InvalidInput
from bpmnrun.store.models import Timer
from tests.support import (actions, add_users, deploy_library, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, subject_ids)

PROCESS = "authc_step_down_sc_to_eh"

# Task names (the diagram's, word for word).
STEP_ONE = "Step One – SC supervision or case discussion"
LEAD_PROFESSIONAL = "Discuss Lead Professional with family"
STEP_TWO = "Step Two – Step Down Discussion"
STEP_THREE = "Step Three – Decision"
NOTE_NOT_AGREED = "Case note on LCS – TAF Plan Not Agreed"
NOTE_AGREED = "Case note on LCS – TAF Plan Agreed"
STEP_FOUR = "Step Four – Allocation"
JOINT_VISIT = "Share Step Down plan and arrange joint visit"
STEP_FIVE = "Step Five – CIN/TAF Meeting"
FIRST_TAF = "CIN review – 1st 'TAF' meeting"
NEXT_TAF = "Ensure next TAF meeting is booked"
CLOSURE = "Closure trajectory discussed in Supervision"

# Lanes (teams).
SW, SC_TM, DUTY_EH_TM, TAF_TEAM, EH_TM, FFP_FSW, GRAFT_TM = (
    "Social Worker", "SC TM / ATM", "Duty EH TM", "TAF Team", "EH TM", "FFP/FSW", "Graft TM")

# End events.
E1 = "Cannot be stepped down – no clear plan from a completed assessment"
E2 = "Lead Professional is not internal Early Help – outside this flow"
E3 = "Step down cannot progress – no consent from family for Early Help"
E4 = "Step down cannot continue – no clear step-down plan"
E5 = "Step Down to EH not agreed"
E6 = "TAF Plan Not Agreed – decision and recommended universal services recorded in a case note on LCS"
E7 = "Stepped down to Early Help – closure trajectory discussed in Supervision"
OVERDUE_END = "Step Down Discussion not held in the duty morning – flagged to manager"

DUTY_MORNING = "AM of Tuesday, Wednesday, and Thursday (Duty Rota)"
DUTY_END = "End of the duty morning"

# Workers (test data): one per lane.
SARAH, TOM, DINA, GARY, TINA, ELLEN, FIONA = "sarah", "tom", "dina", "gary", "tina", "ellen", "fiona"

FRI_5_SEP_1400 = datetime(2025, 9, 5, 14, 0, tzinfo=LONDON)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def smiths(rt):
    deploy_library(rt)
    add_users(rt, sarah=SW, tom=SC_TM, dina=DUTY_EH_TM, gary=GRAFT_TM, tina=TAF_TEAM, ellen=EH_TM, fiona=FFP_FSW)
    return smith_family(rt)


def start(rt, case) -> int:
    return instances.start_work(rt, PROCESS, case.id, SARAH, subject_ids(case, "Johnny", "Josie", "Joy"))


def step_one(rt, instance_id, clear_plan="yes", graft="no") -> None:
    finish(rt, instance_id, STEP_ONE, SARAH, clear_plan_from_completed_assessment=clear_plan, graft_involved=graft)


def discuss_lead_professional(rt, instance_id, internal="yes") -> None:
    finish(rt, instance_id, LEAD_PROFESSIONAL, SARAH,
           preferred_lead_professional="Fiona Green, Family Support Worker (Early Help)",
           lp_is_internal_early_help=internal, next_cin_meeting_date="2025-09-23")


def step_two(rt, instance_id, actor=DINA, consent="yes", plan="yes", outcome="step_down_to_eh_agreed") -> None:
    finish(rt, instance_id, STEP_TWO, actor, sc_tm_atm="Tom Baker (SC ATM)", family_consent=consent,
           clear_step_down_plan=plan, step_down_outcome=outcome)


def reach_step_two_on_a_duty_morning(rt, clock, case) -> int:
    """Step One and the Lead Professional discussion on Fri 5 Sep 2025 14:00; Step Two on Tue 9 Sep 09:01."""
    clock.set(FRI_5_SEP_1400)
    instance_id = start(rt, case)
    step_one(rt, instance_id)
    discuss_lead_professional(rt, instance_id)
    clock.set(local(2025, 9, 9, 9, 1))
    assert timers.fire_due_timers(rt) == 1
    return instance_id


def waiting_timers(rt, instance_id) -> list[tuple[str, datetime]]:
    """(name, due time in London) of the timers the worker will fire for this case work."""
    with rt.reading() as session:
        rows = session.query(Timer).filter(Timer.instance_id == instance_id).order_by(Timer.due_at)
        return [(t.name, _aware(t.due_at).astimezone(LONDON)) for t in rows]


def _aware(when: datetime) -> datetime:  # SQLite hands back naive UTC
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def ended(rt, instance_id) -> tuple[str, str | None]:
    info = queries.get_instance(rt, instance_id)
    return info.status, info.end_event


def end_events(rt, instance_id) -> list[str]:
    return [name for action, name in actions(rt, instance_id) if action == "end_event"]


def recorded(rt, instance_id, name) -> dict:
    [task] = [t for t in queries.case_tasks(rt, queries.get_instance(rt, instance_id).case_id)
              if t.instance_id == instance_id and t.name == name]
    assert task.state == "completed"
    return task.data


# --- Runs A and B: the duty-morning wait ---------------------------------------------------------------------


@pytest.mark.parametrize("done_at, nothing_at, available_at", [
    pytest.param(FRI_5_SEP_1400, [local(2025, 9, 8, 23, 59)], local(2025, 9, 9, 9, 0), id="A-friday-afternoon"),
    pytest.param(local(2025, 12, 24, 13, 0),
                 [local(2025, 12, 25, 10, 0),   # Thursday, but Christmas Day
                  local(2025, 12, 26, 10, 0),   # Boxing Day, and Friday is no duty day
                  local(2025, 12, 29, 10, 0)],  # Monday is no duty day
                 local(2025, 12, 30, 9, 0), id="B-christmas-eve-afternoon"),
])
def test_c1_run_a_b_step_two_waits_for_the_next_duty_morning_and_no_consent_ends(rt, clock, smiths, done_at,
                                                                                 nothing_at, available_at):
    clock.set(done_at)
    instance_id = start(rt, smiths)
    step_one(rt, instance_id)
    discuss_lead_professional(rt, instance_id)
    assert open_tasks(rt, instance_id) == []
    assert queries.list_tasks(rt, DINA) == []

    for moment in nothing_at:
        clock.set(moment)
        assert timers.fire_due_timers(rt) == 0
        assert open_tasks(rt, instance_id) == []
    clock.set(available_at)  # the duty morning's own minute: not yet past
    assert timers.fire_due_timers(rt) == 0
    assert open_tasks(rt, instance_id) == []
    clock.advance(seconds=1)
    assert timers.fire_due_timers(rt) == 1

    discussion = only_task(rt, instance_id, STEP_TWO)
    assert (discussion.lane, set(discussion.teams)) == (DUTY_EH_TM, {DUTY_EH_TM, GRAFT_TM})
    assert discussion.created_at == clock.now()
    assert [t.name for t in queries.list_tasks(rt, DINA)] == [STEP_TWO]
    [fired] = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "timer_fired"]
    assert (fired.name, fired.actor, fired.at) == (DUTY_MORNING, "timer", clock.now())

    clock.advance(hours=1)
    step_two(rt, instance_id, consent="no", plan="no", outcome="step_down_to_eh_not_agreed")
    assert ended(rt, instance_id) == ("completed", E3)
    assert recorded(rt, instance_id, STEP_TWO) == {
        "sc_tm_atm": "Tom Baker (SC ATM)", "family_consent": "no", "clear_step_down_plan": "no",
        "step_down_outcome": "step_down_to_eh_not_agreed"}
    assert ready_sequence(rt, instance_id) == [(STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM)]
    assert end_events(rt, instance_id) == [E3]  # done within the morning: no overdue flag
    assert "overdue" not in [a for a, _ in actions(rt, instance_id)]
    assert open_tasks(rt, instance_id) == []


def test_c1_step_one_done_inside_a_duty_morning_opens_step_two_at_once(rt, clock, smiths):
    clock.set(local(2025, 9, 10, 10, 30))  # Wednesday, in the duty morning: no wait
    instance_id = start(rt, smiths)
    step_one(rt, instance_id)
    discuss_lead_professional(rt, instance_id)

    assert only_task(rt, instance_id, STEP_TWO).created_at == clock.now()
    assert ("timer_fired", DUTY_MORNING) in actions(rt, instance_id)
    assert waiting_timers(rt, instance_id) == [(DUTY_END, local(2025, 9, 10, 12, 0))]
    step_two(rt, instance_id, consent="no")
    assert ended(rt, instance_id) == ("completed", E3)


# --- The overdue flag: Step Two not held in the duty morning -----------------------------------------------


def test_c1_step_two_not_held_in_the_duty_morning_is_flagged_to_manager(rt, clock, smiths):
    instance_id = reach_step_two_on_a_duty_morning(rt, clock, smiths)
    assert waiting_timers(rt, instance_id) == [(DUTY_END, local(2025, 9, 9, 12, 0))]

    clock.set(local(2025, 9, 9, 12, 0))  # the end of the morning itself: not yet past
    assert timers.fire_due_timers(rt) == 0
    assert not only_task(rt, instance_id, STEP_TWO).overdue
    clock.advance(seconds=1)
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0  # flagged once

    discussion = only_task(rt, instance_id, STEP_TWO)
    assert (discussion.state, discussion.overdue) == ("ready", True)  # the discussion itself goes on
    assert [(t.name, t.overdue) for t in queries.list_tasks(rt, DINA)] == [(STEP_TWO, True)]
    overdue = [e for e in queries.history(rt, instance_id=instance_id) if e.action == "overdue"]
    assert [(e.name, e.actor, e.task_id, e.detail["timer"]) for e in overdue] == [
        (STEP_TWO, "timer", discussion.id, DUTY_END)]
    assert end_events(rt, instance_id) == [OVERDUE_END]
    assert ended(rt, instance_id) == ("running", None)
    assert waiting_timers(rt, instance_id) == []

    clock.set(local(2025, 9, 9, 15, 0))
    step_two(rt, instance_id, outcome="step_down_to_eh_not_agreed")
    assert ended(rt, instance_id) == ("completed", E5)  # the case's outcome is the main path's end
    assert end_events(rt, instance_id) == [OVERDUE_END, E5]
    assert ready_sequence(rt, instance_id) == [(STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM)]


# --- Run C: Graft involved ------------------------------------------------------------------------------------


def complete_the_step_down(rt, instance_id, ffp_fsw_allocated="no", attendee="eh_supervisor_or_duty") -> None:
    """From the joint visit to the closure trajectory (C1.8 – C1.12)."""
    finish(rt, instance_id, JOINT_VISIT, SARAH, family_informed=True, professionals_informed=True,
           joint_visit_date="2025-09-16")
    finish(rt, instance_id, STEP_FIVE, SARAH, ffp_fsw_allocated=ffp_fsw_allocated, attendee=attendee)
    finish(rt, instance_id, FIRST_TAF, SARAH,
           continuing_actions="School attendance support and parenting course continue; health visitor for Joy")
    finish(rt, instance_id, NEXT_TAF, FIONA, next_taf_meeting_date="2025-11-04")
    finish(rt, instance_id, CLOSURE, FIONA,
           closure_trajectory="Work completed, no role for Early Help: close after the next TAF review")


MAIN_PATH_TAIL = [(JOINT_VISIT, SW), (STEP_FIVE, SW), (FIRST_TAF, SW), (NEXT_TAF, FFP_FSW), (CLOSURE, FFP_FSW)]


def test_c1_run_c_graft_involved_discusses_at_once_with_the_graft_tm(rt, clock, smiths):
    clock.set(FRI_5_SEP_1400)  # no duty morning: Graft TM does not wait for the rota
    instance_id = start(rt, smiths)
    step_one(rt, instance_id, graft="yes")
    discuss_lead_professional(rt, instance_id)

    discussion = only_task(rt, instance_id, STEP_TWO)
    assert discussion.created_at == clock.now()
    assert GRAFT_TM in discussion.teams
    assert [t.name for t in queries.list_tasks(rt, GARY)] == [STEP_TWO]
    assert queries.get_task(rt, discussion.id, GARY).name == STEP_TWO
    assert "timer_fired" not in [a for a, _ in actions(rt, instance_id)]
    # The boundary timer is on the task whichever way it was reached: the Graft TM gets the end of the next
    # duty morning as its deadline too, although the rota is not theirs.
    assert waiting_timers(rt, instance_id) == [(DUTY_END, local(2025, 9, 9, 12, 0))]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, discussion.id, SARAH, {"sc_tm_atm": "Tom Baker (SC ATM)"})

    step_two(rt, instance_id, actor=GARY)
    assert recorded(rt, instance_id, STEP_TWO)["step_down_outcome"] == "step_down_to_eh_agreed"
    assert only_task(rt, instance_id).name == STEP_THREE
    with pytest.raises(Forbidden):  # the TAF Team's decision is not Graft's
        tasks.complete_task(rt, only_task(rt, instance_id).id, GARY, {"taf_plan_outcome": "taf_plan_agreed"})
    finish(rt, instance_id, STEP_THREE, TINA, taf_plan_outcome="taf_plan_agreed")

    assert GRAFT_TM in only_task(rt, instance_id, NOTE_AGREED).teams
    finish(rt, instance_id, NOTE_AGREED, GARY, agreed_work="Parenting support and school attendance plan",
           allocated_worker="Fiona Green", ffp_fsw_already_involved="yes")
    assert GRAFT_TM in only_task(rt, instance_id, STEP_FOUR).teams
    finish(rt, instance_id, STEP_FOUR, GARY, tray="strengthening_families")
    complete_the_step_down(rt, instance_id, ffp_fsw_allocated="yes", attendee="allocated_ffp_fsw")

    assert ended(rt, instance_id) == ("completed", E7)
    completed_by = {t.name: t.completed_by for t in queries.case_tasks(rt, smiths.id)}
    assert [completed_by[n] for n in (STEP_TWO, NOTE_AGREED, STEP_FOUR)] == [GARY, GARY, GARY]
    assert ready_sequence(rt, instance_id) == [
        (STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM), (STEP_THREE, TAF_TEAM),
        (NOTE_AGREED, EH_TM), (STEP_FOUR, SC_TM), *MAIN_PATH_TAIL]
    data = instance_data(rt, instance_id)
    assert (data["graft_involved"], data["tray"], data["attendee"]) == ("yes", "strengthening_families",
                                                                        "allocated_ffp_fsw")
    assert end_events(rt, instance_id) == [E7]


# --- Run D: the full path to Early Help --------------------------------------------------------------------


def test_c1_run_d_step_down_agreed_taf_plan_agreed_allocated_to_harmful_sexual_behaviour(rt, clock, smiths):
    instance_id = reach_step_two_on_a_duty_morning(rt, clock, smiths)
    discussion = only_task(rt, instance_id, STEP_TWO)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, discussion.id, SARAH, {})
    step_two(rt, instance_id)
    assert waiting_timers(rt, instance_id) == []  # held in the morning: the overdue timer is gone

    assert only_task(rt, instance_id).lane == TAF_TEAM
    finish(rt, instance_id, STEP_THREE, TINA, taf_plan_outcome="taf_plan_agreed")
    finish(rt, instance_id, NOTE_AGREED, ELLEN, agreed_work="Harmful sexual behaviour work with Josie; family support",
           allocated_worker="Fiona Green", ffp_fsw_already_involved="no")

    allocation = only_task(rt, instance_id, STEP_FOUR)
    assert (allocation.lane, allocation.priority) == (SC_TM, "high")  # "Step Downs allocated as a priority"
    assert [(t.name, t.priority) for t in queries.list_tasks(rt, TOM)] == [(STEP_FOUR, "high")]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, allocation.id, SARAH, {"tray": "harmful_sexual_behaviour"})
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, allocation.id, TOM, {})
    assert raised.value.errors == {"tray": "Referral to EHM on LCS – tray is required"}
    finish(rt, instance_id, STEP_FOUR, TOM, tray="harmful_sexual_behaviour")
    assert recorded(rt, instance_id, STEP_FOUR) == {"tray": "harmful_sexual_behaviour"}

    finish(rt, instance_id, JOINT_VISIT, SARAH, family_informed=True, professionals_informed=True,
           joint_visit_date="2025-09-16")
    meeting = only_task(rt, instance_id, STEP_FIVE)
    with pytest.raises(InvalidInput) as raised:  # FFP/FSW not allocated: who attends is required
        tasks.complete_task(rt, meeting.id, SARAH, {"ffp_fsw_allocated": "no"})
    assert raised.value.errors == {"attendee": "Who will attend the CIN review initially? is required"}
    assert only_task(rt, instance_id).id == meeting.id
    assert FIRST_TAF not in [n for n, _ in ready_sequence(rt, instance_id)]
    finish(rt, instance_id, STEP_FIVE, SARAH, ffp_fsw_allocated="no", attendee="eh_supervisor_or_duty")
    assert recorded(rt, instance_id, STEP_FIVE) == {"ffp_fsw_allocated": "no", "attendee": "eh_supervisor_or_duty"}
    finish(rt, instance_id, FIRST_TAF, SARAH,
           continuing_actions="School attendance support and parenting course continue; health visitor for Joy")
    finish(rt, instance_id, NEXT_TAF, FIONA, next_taf_meeting_date="2025-11-04")
    finish(rt, instance_id, CLOSURE, FIONA,
           closure_trajectory="Work completed, no role for Early Help: close after the next TAF review")

    assert ended(rt, instance_id) == ("completed", E7)
    assert ready_sequence(rt, instance_id) == [
        (STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM), (STEP_THREE, TAF_TEAM),
        (NOTE_AGREED, EH_TM), (STEP_FOUR, SC_TM), *MAIN_PATH_TAIL]
    data = instance_data(rt, instance_id)
    assert {k: data[k] for k in ("step_down_outcome", "taf_plan_outcome", "tray", "ffp_fsw_allocated", "attendee",
                                 "next_cin_meeting_date", "next_taf_meeting_date")} == {
        "step_down_outcome": "step_down_to_eh_agreed", "taf_plan_outcome": "taf_plan_agreed",
        "tray": "harmful_sexual_behaviour", "ffp_fsw_allocated": "no", "attendee": "eh_supervisor_or_duty",
        "next_cin_meeting_date": "2025-09-23", "next_taf_meeting_date": "2025-11-04"}
    assert [s["name"] for s in data["subjects"]] == ["Johnny Smith", "Josie Smith", "Joy Smith"]
    assert end_events(rt, instance_id) == [E7]
    assert actions(rt, instance_id)[-2:] == [("end_event", E7), ("instance_completed", E7)]
    assert open_tasks(rt, instance_id) == []


# --- Run E: TAF Plan Not Agreed ----------------------------------------------------------------------------


def test_c1_run_e_taf_plan_not_agreed_is_recorded_in_a_case_note_on_lcs(rt, clock, smiths):
    instance_id = reach_step_two_on_a_duty_morning(rt, clock, smiths)
    step_two(rt, instance_id)
    finish(rt, instance_id, STEP_THREE, TINA, taf_plan_outcome="taf_plan_not_agreed")

    note = only_task(rt, instance_id, NOTE_NOT_AGREED)
    assert (note.lane, note.teams) == (EH_TM, (EH_TM,))
    with pytest.raises(Forbidden):  # only the EH TM documents this decision
        tasks.complete_task(rt, note.id, GARY, {})
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, note.id, ELLEN, {"case_note": "TAF plan not agreed at the TAF Team discussion"})
    assert raised.value.errors == {"universal_services_recommended": "Recommended universal services is required"}
    finish(rt, instance_id, NOTE_NOT_AGREED, ELLEN, case_note="TAF plan not agreed at the TAF Team discussion",
           universal_services_recommended="Children's centre stay and play; school nurse drop-in")

    assert ended(rt, instance_id) == ("completed", E6)
    assert recorded(rt, instance_id, NOTE_NOT_AGREED) == {
        "case_note": "TAF plan not agreed at the TAF Team discussion",
        "universal_services_recommended": "Children's centre stay and play; school nurse drop-in"}
    assert ready_sequence(rt, instance_id) == [
        (STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM), (STEP_THREE, TAF_TEAM),
        (NOTE_NOT_AGREED, EH_TM)]
    assert end_events(rt, instance_id) == [E6]


# --- Runs F and G: the gates of Step One -----------------------------------------------------------------------


def test_c1_run_f_no_clear_plan_from_a_completed_assessment_cannot_be_stepped_down(rt, smiths):
    instance_id = start(rt, smiths)
    first = only_task(rt, instance_id, STEP_ONE)
    assert first.lane == SW
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, first.id, SARAH, {})
    assert raised.value.errors == {
        "clear_plan_from_completed_assessment":
            "Is there a clear plan from a completed assessment by the social worker? is required",
        "graft_involved": "Is Graft currently involved with the family? is required"}
    assert [t.id for t in open_tasks(rt, instance_id)] == [first.id]

    step_one(rt, instance_id, clear_plan="no")
    assert ended(rt, instance_id) == ("completed", E1)
    assert ready_sequence(rt, instance_id) == [(STEP_ONE, SW)]
    assert [t.name for t in queries.case_tasks(rt, smiths.id)] == [STEP_ONE]
    assert waiting_timers(rt, instance_id) == []
    assert end_events(rt, instance_id) == [E1]
    assert recorded(rt, instance_id, STEP_ONE) == {"clear_plan_from_completed_assessment": "no",
                                                   "graft_involved": "no"}


def test_c1_run_g_lead_professional_not_internal_early_help_is_outside_this_flow(rt, clock, smiths):
    clock.set(FRI_5_SEP_1400)
    instance_id = start(rt, smiths)
    step_one(rt, instance_id)
    discussion = only_task(rt, instance_id, LEAD_PROFESSIONAL)
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, discussion.id, SARAH, {"preferred_lead_professional": "Health Visitor Anna Lee",
                                                       "next_cin_meeting_date": "next Tuesday"})
    assert raised.value.errors == {
        "lp_is_internal_early_help": "Is the Lead Professional internal Early Help? is required",
        "next_cin_meeting_date": "Next CIN meeting must be a real date, like 2025-04-17"}
    assert [t.id for t in open_tasks(rt, instance_id)] == [discussion.id]

    finish(rt, instance_id, LEAD_PROFESSIONAL, SARAH, preferred_lead_professional="Health Visitor Anna Lee",
           lp_is_internal_early_help="no", next_cin_meeting_date="2025-09-23")
    assert ended(rt, instance_id) == ("completed", E2)
    assert ready_sequence(rt, instance_id) == [(STEP_ONE, SW), (LEAD_PROFESSIONAL, SW)]
    assert waiting_timers(rt, instance_id) == []  # no duty-morning wait was set up
    assert end_events(rt, instance_id) == [E2]
    assert recorded(rt, instance_id, LEAD_PROFESSIONAL) == {
        "preferred_lead_professional": "Health Visitor Anna Lee", "lp_is_internal_early_help": "no",
        "next_cin_meeting_date": "2025-09-23"}


# --- Runs H and I: the gates of Step Two -----------------------------------------------------------------------


@pytest.mark.parametrize("consent, plan, outcome, end", [
    pytest.param("yes", "no", "step_down_to_eh_agreed", E4, id="H-no-clear-step-down-plan"),
    pytest.param("yes", "yes", "step_down_to_eh_not_agreed", E5, id="I-step-down-not-agreed"),
])
def test_c1_run_h_i_step_two_gates_end_the_step_down(rt, clock, smiths, consent, plan, outcome, end):
    instance_id = reach_step_two_on_a_duty_morning(rt, clock, smiths)
    step_two(rt, instance_id, consent=consent, plan=plan, outcome=outcome)

    assert ended(rt, instance_id) == ("completed", end)
    assert recorded(rt, instance_id, STEP_TWO) == {
        "sc_tm_atm": "Tom Baker (SC ATM)", "family_consent": consent, "clear_step_down_plan": plan,
        "step_down_outcome": outcome}
    assert ready_sequence(rt, instance_id) == [(STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM)]
    assert end_events(rt, instance_id) == [end]
    assert waiting_timers(rt, instance_id) == []
    assert open_tasks(rt, instance_id) == []
