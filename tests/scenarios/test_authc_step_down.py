"""Authority C — Step Down from Social Care (SC) to Early Help (EH): process-catalogue §7 C1, §10 scenario 19 (runs A–J).

Drives the real diagram bpmn/authc/authc_step_down_sc_to_eh.bpmn through the service layer for the Smith family.
Time is Europe/London and moves with the injected clock. The duty-morning wait is
duty_window(["Tuesday", "Wednesday", "Thursday"], "09:00", "12:00") with bank holidays skipped; a timer fires only
strictly after its due time.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bpmnrun.clock import LONDON
from bpmnrun.service import instances, queries, tasks, timers
from bpmnrun.service.errors import Forbidden, InvalidInput
from bpmnrun.store.models import Timer
from tests.support import (LIBRARY, actions, add_users, deploy_paths, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family)

PROCESS = "authc_step_down_sc_to_eh"

# Task names, word for word.
STEP_ONE = "Step One – SC supervision or case discussion"
LEAD_PROFESSIONAL = "Discuss Lead Professional with family and book next CIN meeting"
STEP_TWO = "Step Two – Step Down Discussion"
STEP_THREE = "Step Three – Decision"
NOTE_NOT_AGREED = "Case note on LCS – decision and recommended universal services"
NOTE_AGREED = "Case note on LCS – agreed work and allocated worker"
STEP_FOUR = "Step Four – Allocation"
STEP_FOUR_WORKER = "Step Four – Allocation to the FFP/FSW already involved"
JOINT_VISIT = "Share Step Down plan and arrange joint visit"
STEP_FIVE = "Step Five – CIN/TAF Meeting"
FIRST_TAF = "CIN review – 1st 'TAF' meeting"
NEXT_TAF = "Ensure next TAF meeting is booked"
CLOSURE = "Closure trajectory discussed in Supervision"

# Lanes (teams) as 004 names them; Graft TM is a candidate team; the four EHM trays are team queues.
SW, SC_TM, DUTY_EH_TM, TAF_TEAM, EH_TM, FFP_FSW, GRAFT_TM = (
    "Social Worker", "SC TM / ATM", "Duty EH TM", "TAF Team", "EH TM", "FFP/FSW", "Graft TM")
EARLY_YEARS, STRENGTHENING, VULNERABILITIES, HSB = (
    "Early Years", "Strengthening Families", "Vulnerabilities", "Harmful Sexual Behaviour")

# End events.
E1 = "Cannot be stepped down – no clear plan from a completed assessment"
E2 = "Lead Professional is not internal Early Help – outside this flow"
E3 = "Step down cannot progress – no consent from family for Early Help"
E4 = "Step down cannot continue – no clear step-down plan"
E5 = "Step Down to EH not agreed – decision and recommended universal services recorded in a case note on LCS"
E6 = "TAF Plan Not Agreed – decision and recommended universal services recorded in a case note on LCS"
E7 = "Stepped down to Early Help – closure trajectory discussed in Supervision"
STEP_TWO_OVERDUE = "Step Down Discussion not held in the duty morning – flagged to manager"
FIRST_TAF_OVERDUE = "CIN review not recorded on the booked date – flagged to manager"

DUTY_MORNING = "AM of Tuesday, Wednesday, and Thursday (Duty Rota)"
DUTY_END = "End of the duty morning"
CIN_DATE = "CIN meeting date"
NEXT_CIN = "2025-09-23"  # a Tuesday


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


FRI_5_SEP_1400 = local(2025, 9, 5, 14, 0)


@pytest.fixture
def smiths(rt):
    deploy_paths(rt, LIBRARY / "authc" / "authc_step_down_sc_to_eh.bpmn")
    add_users(rt, sw1=SW, sw2=SW, tm1=SC_TM, duty1=DUTY_EH_TM, duty2=DUTY_EH_TM, taf1=TAF_TEAM, ehtm=EH_TM,
              graft1=GRAFT_TM, fsw1=FFP_FSW, sam_fsw=FFP_FSW, ey1=EARLY_YEARS, sf1=STRENGTHENING,
              vul1=VULNERABILITIES, hsb1=HSB)
    return smith_family(rt)


def start(rt, case) -> int:
    return instances.start_work(rt, PROCESS, case.id, "sw1")


def step_one(rt, iid, clear_plan="yes", graft="no") -> None:
    finish(rt, iid, STEP_ONE, "sw1", clear_plan_from_completed_assessment=clear_plan, graft_involved=graft)


def lead_professional(rt, iid, internal="yes", involved="no", worker=None) -> None:
    values = dict(preferred_lead_professional="Fiona Green, Family Support Worker (Early Help)",
                  lp_is_internal_early_help=internal, next_cin_meeting_date=NEXT_CIN)
    if internal == "yes":
        values["ffp_fsw_already_involved"] = involved
    if worker:
        values["allocated_worker"] = worker
    finish(rt, iid, LEAD_PROFESSIONAL, "sw1", **values)


def step_two(rt, iid, actor="duty1", consent="yes", plan="yes", outcome="step_down_to_eh_agreed") -> None:
    values = dict(sc_tm_atm="tm1", family_consent=consent, clear_step_down_plan=plan)
    if outcome:
        values["step_down_outcome"] = outcome
    finish(rt, iid, STEP_TWO, actor, **values)


def at_step_two(rt, clock, case, graft="no", **lead) -> int:
    """Step One on Fri 5 Sep 2025 14:00; without Graft, Step Two opens on Tue 9 Sep 09:00 (the next duty morning)."""
    clock.set(FRI_5_SEP_1400)
    iid = start(rt, case)
    step_one(rt, iid, graft=graft)
    lead_professional(rt, iid, **lead)
    if graft == "no":
        clock.set(local(2025, 9, 9, 9, 0, 1))
        assert timers.fire_due_timers(rt) == 1
    clock.set(local(2025, 9, 9, 10, 0))
    return iid


def waiting_timers(rt, iid) -> list[tuple[str, datetime]]:
    with rt.reading() as session:
        rows = session.query(Timer).filter(Timer.instance_id == iid).order_by(Timer.due_at)
        return [(t.name, _aware(t.due_at).astimezone(LONDON)) for t in rows]


def _aware(when: datetime) -> datetime:  # SQLite hands back naive UTC
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def outcome(rt, iid) -> tuple[str, str | None]:
    info = queries.get_instance(rt, iid)
    return info.status, info.end_event


def ends(rt, iid) -> list[str]:
    return [name for action, name in actions(rt, iid) if action == "end_event"]


def overdue(rt, iid) -> list[tuple[str, str]]:
    return [(e.name, e.detail["timer"]) for e in queries.history(rt, instance_id=iid) if e.action == "overdue"]


def recorded(rt, iid, name) -> dict:
    [task] = [t for t in queries.case_tasks(rt, queries.get_instance(rt, iid).case_id)
              if t.instance_id == iid and t.name == name]
    assert task.state == "completed"
    return task.data


def refused(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        tasks.complete_task(rt, task.id, actor, values)
    assert only_task(rt, task.instance_id, task.name).id == task.id
    return raised.value.errors


FRONT = [(STEP_ONE, SW), (LEAD_PROFESSIONAL, SW), (STEP_TWO, DUTY_EH_TM)]


# --- Runs A and B: the duty morning ----------------------------------------------------------------------------------


@pytest.mark.parametrize("done_at, nothing_at, available_at", [
    pytest.param(FRI_5_SEP_1400, [local(2025, 9, 8, 23, 59)], local(2025, 9, 9, 9, 0), id="A-friday-afternoon"),
    pytest.param(local(2025, 12, 24, 13, 0),
                 [local(2025, 12, 25, 10, 0),   # Thursday, but Christmas Day
                  local(2025, 12, 26, 10, 0),   # Boxing Day, and Friday is no duty day
                  local(2025, 12, 29, 10, 0)],  # Monday is no duty day
                 local(2025, 12, 30, 9, 0), id="B-christmas-eve-afternoon"),
])
def test_c1_run_a_b_step_two_waits_for_the_next_duty_morning(rt, clock, smiths, done_at, nothing_at, available_at):
    clock.set(done_at)
    iid = start(rt, smiths)
    step_one(rt, iid)
    lead_professional(rt, iid)
    assert open_tasks(rt, iid) == []
    assert queries.list_tasks(rt, "duty1") == []
    assert waiting_timers(rt, iid) == [(DUTY_MORNING, available_at)]

    for moment in nothing_at:
        clock.set(moment)
        assert timers.fire_due_timers(rt) == 0
        assert open_tasks(rt, iid) == []
    clock.set(available_at)  # the duty morning's own minute: not yet past
    assert timers.fire_due_timers(rt) == 0
    clock.advance(seconds=1)
    assert timers.fire_due_timers(rt) == 1

    discussion = only_task(rt, iid, STEP_TWO)
    assert (discussion.lane, discussion.teams) == (DUTY_EH_TM, (DUTY_EH_TM,))  # no Graft: the duty rota only
    assert discussion.created_at == clock.now()
    assert [t.name for t in queries.list_tasks(rt, "duty1")] == [STEP_TWO]
    assert queries.list_tasks(rt, "graft1") == []

    clock.advance(hours=1)
    step_two(rt, iid, consent="no", plan="no", outcome=None)  # no outcome is asked once consent is refused
    assert outcome(rt, iid) == ("completed", E3)
    assert recorded(rt, iid, STEP_TWO) == {"sc_tm_atm": "tm1", "family_consent": "no", "clear_step_down_plan": "no"}
    assert ready_sequence(rt, iid) == FRONT
    assert ends(rt, iid) == [E3]
    assert overdue(rt, iid) == []


def test_c1_no_wait_inside_a_duty_morning(rt, clock, smiths):
    clock.set(local(2025, 9, 10, 10, 30))  # Wednesday morning
    iid = start(rt, smiths)
    step_one(rt, iid)
    lead_professional(rt, iid)
    assert only_task(rt, iid, STEP_TWO).created_at == clock.now()
    assert waiting_timers(rt, iid) == [(DUTY_END, local(2025, 9, 10, 12, 0))]


def test_c1_step_two_not_held_in_the_duty_morning_is_flagged_once(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths)
    assert waiting_timers(rt, iid) == [(DUTY_END, local(2025, 9, 9, 12, 0))]
    clock.set(local(2025, 9, 9, 12, 0, 1))
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0
    assert only_task(rt, iid, STEP_TWO).overdue
    assert overdue(rt, iid) == [(STEP_TWO, DUTY_END)]
    assert outcome(rt, iid) == ("running", None)
    step_two(rt, iid, plan="no")
    assert outcome(rt, iid) == ("completed", E4)
    assert ends(rt, iid) == [STEP_TWO_OVERDUE, E4]


# --- Run C: Graft involved ---------------------------------------------------------------------------------------------


def test_c1_run_c_graft_involved_discusses_at_once_with_the_graft_tm(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths, graft="yes")
    discussion = only_task(rt, iid, STEP_TWO)
    assert discussion.created_at == FRI_5_SEP_1400  # no duty-morning wait
    assert set(discussion.teams) == {DUTY_EH_TM, GRAFT_TM}
    assert [t.name for t in queries.list_tasks(rt, "graft1")] == [STEP_TWO]
    assert "timer_fired" not in [a for a, _ in actions(rt, iid)]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, discussion.id, "sw1", {})
    step_two(rt, iid, actor="graft1")
    finish(rt, iid, STEP_THREE, "taf1", taf_plan_outcome="taf_plan_agreed")
    note = only_task(rt, iid, NOTE_AGREED)
    assert GRAFT_TM in note.teams
    finish(rt, iid, NOTE_AGREED, "graft1", agreed_work="Parenting support and a school attendance plan",
           ffp_fsw_already_involved="no")
    allocation = only_task(rt, iid, STEP_FOUR)
    assert set(allocation.teams) == {SC_TM, GRAFT_TM}
    finish(rt, iid, STEP_FOUR, "graft1", tray="strengthening_families")
    assert [recorded(rt, iid, n) and t.completed_by for n in (STEP_TWO, NOTE_AGREED, STEP_FOUR)
            for t in queries.case_tasks(rt, smiths.id) if t.name == n] == ["graft1", "graft1", "graft1"]
    assert set(only_task(rt, iid, JOINT_VISIT).teams) == {SW}


# --- Run D: the full path to Early Help, a tray and no worker yet ----------------------------------------------------


def test_c1_run_d_agreed_to_a_tray_without_a_worker_then_the_first_taf_meeting(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths)
    step_two(rt, iid)
    assert waiting_timers(rt, iid) == []  # held in the morning: the overdue timer is gone
    decision = only_task(rt, iid, STEP_THREE)
    assert decision.lane == TAF_TEAM
    finish(rt, iid, STEP_THREE, "taf1", taf_plan_outcome="taf_plan_agreed")

    note = only_task(rt, iid, NOTE_AGREED)
    assert (note.lane, note.teams) == (EH_TM, (EH_TM,))
    assert tasks.form_values(rt, note.id, "ehtm") == {"ffp_fsw_already_involved": "no"}  # from Step One
    assert refused(rt, note, "ehtm", {"agreed_work": "HSB work with Josie", "ffp_fsw_already_involved": "yes"}) == {
        "allocated_worker": "Select the allocated worker (FFP/FSW)"}
    finish(rt, iid, NOTE_AGREED, "ehtm", agreed_work="Harmful sexual behaviour work with Josie; family support",
           ffp_fsw_already_involved="no")  # none can be allocated yet due to capacity

    allocation = only_task(rt, iid, STEP_FOUR)
    assert (allocation.lane, allocation.priority) == (SC_TM, "high")  # Step Downs allocated as a priority
    assert [f["id"] for f in allocation.form] == ["tray"]
    assert [o["label"] for o in allocation.form[0]["options"]] == [EARLY_YEARS, STRENGTHENING, VULNERABILITIES, HSB]
    assert refused(rt, allocation, "tm1", {}) == {"tray": "Select the EHM tray for the referral"}
    finish(rt, iid, STEP_FOUR, "tm1", tray="Harmful Sexual Behaviour")
    assert recorded(rt, iid, STEP_FOUR) == {"tray": "harmful_sexual_behaviour"}

    visit = only_task(rt, iid, JOINT_VISIT)
    assert (visit.lane, visit.assignee) == (SW, "sw1")  # the allocated social worker
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, visit.id, "sw2", {"joint_visit_date": "2025-09-16"})
    finish(rt, iid, JOINT_VISIT, "sw1", joint_visit_date="2025-09-16")

    meeting = only_task(rt, iid, STEP_FIVE)
    assert (meeting.lane, meeting.assignee, meeting.form) == (SW, "sw1", [])  # not asked again: no fields
    assert "EH Supervisor or Duty" in meeting.documentation
    finish(rt, iid, STEP_FIVE, "sw1")

    first = only_task(rt, iid, FIRST_TAF)
    assert first.due_at == local(2025, 9, 23, 23, 59, 59, 999999)  # the CIN meeting date booked at Step One
    assert waiting_timers(rt, iid) == [(CIN_DATE, local(2025, 9, 23, 23, 59, 59, 999999))]
    clock.set(local(2025, 9, 23, 23, 59, 59))
    assert timers.fire_due_timers(rt) == 0
    clock.set(local(2025, 9, 24, 0, 0))
    assert timers.fire_due_timers(rt) == 1
    assert timers.fire_due_timers(rt) == 0  # one notification
    assert overdue(rt, iid) == [(FIRST_TAF, CIN_DATE)]
    assert only_task(rt, iid, FIRST_TAF).overdue
    finish(rt, iid, FIRST_TAF, "sw1",
           continuing_actions="School attendance support and the parenting course continue; health visitor for Joy")

    booking = only_task(rt, iid, NEXT_TAF)
    assert (booking.lane, booking.assignee, booking.priority) == (FFP_FSW, None, "high")
    assert set(booking.teams) == {FFP_FSW, HSB}  # the tray's queue until a worker takes it
    assert [t.name for t in queries.list_tasks(rt, "hsb1")] == [NEXT_TAF]
    assert queries.list_tasks(rt, "ey1") == []
    finish(rt, iid, NEXT_TAF, "hsb1", next_taf_meeting_date="2025-11-04")
    trajectory = only_task(rt, iid, CLOSURE)
    assert (trajectory.assignee, trajectory.priority, set(trajectory.teams)) == (None, "high", {FFP_FSW, HSB})
    finish(rt, iid, CLOSURE, "hsb1",
           closure_trajectory="Work completed, no role for Early Help: close after the next TAF review")

    assert outcome(rt, iid) == ("completed", E7)
    assert ready_sequence(rt, iid) == FRONT + [
        (STEP_THREE, TAF_TEAM), (NOTE_AGREED, EH_TM), (STEP_FOUR, SC_TM), (JOINT_VISIT, SW), (STEP_FIVE, SW),
        (FIRST_TAF, SW), (NEXT_TAF, FFP_FSW), (CLOSURE, FFP_FSW)]
    assert STEP_FOUR_WORKER not in {t.name for t in queries.case_tasks(rt, smiths.id)}
    data = instance_data(rt, iid)
    assert {k: data.get(k) for k in ("step_down_outcome", "taf_plan_outcome", "tray", "allocated_worker",
                                     "next_cin_meeting_date", "next_taf_meeting_date")} == {
        "step_down_outcome": "step_down_to_eh_agreed", "taf_plan_outcome": "taf_plan_agreed",
        "tray": "harmful_sexual_behaviour", "allocated_worker": None, "next_cin_meeting_date": NEXT_CIN,
        "next_taf_meeting_date": "2025-11-04"}
    assert ends(rt, iid) == [FIRST_TAF_OVERDUE, E7]


def test_c1_a_worker_allocated_at_the_case_note_gets_the_ffp_fsw_steps(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths)
    step_two(rt, iid)
    finish(rt, iid, STEP_THREE, "taf1", taf_plan_outcome="taf_plan_agreed")
    finish(rt, iid, NOTE_AGREED, "ehtm", agreed_work="Early years support for Joy", ffp_fsw_already_involved="no",
           allocated_worker="fsw1")
    finish(rt, iid, STEP_FOUR, "tm1", tray="early_years")
    finish(rt, iid, JOINT_VISIT, "sw1", joint_visit_date="2025-09-16")
    finish(rt, iid, STEP_FIVE, "sw1")
    finish(rt, iid, FIRST_TAF, "sw1", continuing_actions="Nursery place for Joy continues")
    booking = only_task(rt, iid, NEXT_TAF)
    assert (booking.assignee, set(booking.teams)) == ("fsw1", {FFP_FSW, EARLY_YEARS})
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, booking.id, "ey1", {"next_taf_meeting_date": "2025-11-04"})


# --- Run E: TAF Plan Not Agreed ------------------------------------------------------------------------------------


def test_c1_run_e_taf_plan_not_agreed_is_recorded_in_a_case_note_on_lcs(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths)
    step_two(rt, iid)
    finish(rt, iid, STEP_THREE, "taf1", taf_plan_outcome="taf_plan_not_agreed")

    note = only_task(rt, iid, NOTE_NOT_AGREED)
    assert (note.lane, note.teams, note.assignee) == (EH_TM, (EH_TM,), None)
    assert refused(rt, note, "ehtm", {"case_note": "TAF plan not agreed at the TAF Team discussion"}) == {
        "universal_services_recommended": "Enter the recommended universal services"}
    finish(rt, iid, NOTE_NOT_AGREED, "ehtm", case_note="TAF plan not agreed at the TAF Team discussion",
           universal_services_recommended="Children's centre stay and play; school nurse drop-in")

    assert outcome(rt, iid) == ("completed", E6)
    assert ready_sequence(rt, iid) == FRONT + [(STEP_THREE, TAF_TEAM), (NOTE_NOT_AGREED, EH_TM)]
    assert ends(rt, iid) == [E6]


# --- Runs F, G, H: the gates ---------------------------------------------------------------------------------------


def test_c1_run_f_no_clear_plan_from_a_completed_assessment(rt, smiths):
    iid = start(rt, smiths)
    first = only_task(rt, iid, STEP_ONE)
    assert first.lane == SW
    assert refused(rt, first, "sw1", {}) == {
        "clear_plan_from_completed_assessment":
            "Select yes if there is a clear plan from a completed assessment by the social worker",
        "graft_involved": "Select yes if Graft is currently involved with the family"}
    step_one(rt, iid, clear_plan="no")
    assert outcome(rt, iid) == ("completed", E1)
    assert [t.name for t in queries.case_tasks(rt, smiths.id)] == [STEP_ONE]
    assert waiting_timers(rt, iid) == []
    assert ends(rt, iid) == [E1]


def test_c1_run_g_lead_professional_not_internal_early_help(rt, clock, smiths):
    clock.set(FRI_5_SEP_1400)
    iid = start(rt, smiths)
    step_one(rt, iid)
    discussion = only_task(rt, iid, LEAD_PROFESSIONAL)
    assert refused(rt, discussion, "sw1", {"preferred_lead_professional": "Health Visitor Anna Lee",
                                           "lp_is_internal_early_help": "yes",
                                           "next_cin_meeting_date": "next Tuesday"}) == {
        "next_cin_meeting_date": "Date of the next CIN meeting must be a real date, like 2025-04-17",
        "ffp_fsw_already_involved": "Select yes if an FFP/FSW is already involved with the family"}
    lead_professional(rt, iid, internal="no")
    assert outcome(rt, iid) == ("completed", E2)
    assert ready_sequence(rt, iid) == [(STEP_ONE, SW), (LEAD_PROFESSIONAL, SW)]
    assert waiting_timers(rt, iid) == []
    assert ends(rt, iid) == [E2]


def test_c1_run_h_consent_but_no_clear_step_down_plan(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths)
    discussion = only_task(rt, iid, STEP_TWO)
    assert refused(rt, discussion, "duty1", {"sc_tm_atm": "tm1", "family_consent": "yes",
                                             "clear_step_down_plan": "yes"}) == {
        "step_down_outcome": "Select the Step Down Discussion outcome"}
    step_two(rt, iid, consent="yes", plan="no", outcome=None)
    assert outcome(rt, iid) == ("completed", E4)
    assert ready_sequence(rt, iid) == FRONT
    assert ends(rt, iid) == [E4]


# --- Run I: Step Down to EH not agreed -----------------------------------------------------------------------------


def test_c1_run_i_not_agreed_at_step_two_is_documented_by_the_manager_who_decided(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths)
    step_two(rt, iid, actor="duty1", outcome="step_down_to_eh_not_agreed")

    note = only_task(rt, iid, NOTE_NOT_AGREED)
    assert (note.lane, note.assignee) == (EH_TM, "duty1")
    assert [t.name for t in queries.list_tasks(rt, "duty1", mine=True)] == [NOTE_NOT_AGREED]
    for other in ("ehtm", "duty2"):
        with pytest.raises(Forbidden):
            tasks.complete_task(rt, note.id, other, {"case_note": "x", "universal_services_recommended": "y"})
    assert refused(rt, note, "duty1", {}) == {
        "case_note": "Enter the decision and its reasons (case note on LCS)",
        "universal_services_recommended": "Enter the recommended universal services"}
    finish(rt, iid, NOTE_NOT_AGREED, "duty1", case_note="Step down not agreed: risks still need social care.",
           universal_services_recommended="Children's centre; school nurse")

    assert outcome(rt, iid) == ("completed", E5)
    assert ready_sequence(rt, iid) == FRONT + [(NOTE_NOT_AGREED, EH_TM)]
    assert STEP_THREE not in {t.name for t in queries.case_tasks(rt, smiths.id)}
    assert ends(rt, iid) == [E5]


# --- Run J: an FFP/FSW already involved ------------------------------------------------------------------------------


def test_c1_run_j_the_ffp_fsw_already_involved_gets_the_step_down(rt, clock, smiths):
    iid = at_step_two(rt, clock, smiths, involved="yes", worker="sam_fsw")
    step_two(rt, iid)
    finish(rt, iid, STEP_THREE, "taf1", taf_plan_outcome="taf_plan_agreed")

    note = only_task(rt, iid, NOTE_AGREED)
    assert tasks.form_values(rt, note.id, "ehtm") == {"ffp_fsw_already_involved": "yes", "allocated_worker": "sam_fsw"}
    finish(rt, iid, NOTE_AGREED, "ehtm", agreed_work="Sam continues the parenting work")  # Sam prefilled, kept

    allocation = only_task(rt, iid)
    assert (allocation.name, allocation.lane, allocation.priority) == (STEP_FOUR_WORKER, SC_TM, "high")
    assert allocation.form == []  # no tray asked
    finish(rt, iid, STEP_FOUR_WORKER, "tm1")
    finish(rt, iid, JOINT_VISIT, "sw1", joint_visit_date="2025-09-16")
    finish(rt, iid, STEP_FIVE, "sw1")
    clock.set(local(2025, 9, 23, 17, 0))
    finish(rt, iid, FIRST_TAF, "sw1", continuing_actions="Parenting work with Sam continues")

    booking = only_task(rt, iid, NEXT_TAF)
    assert (booking.assignee, booking.teams) == ("sam_fsw", (FFP_FSW,))
    assert [t.name for t in queries.list_tasks(rt, "sam_fsw", mine=True)] == [NEXT_TAF]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, booking.id, "fsw1", {"next_taf_meeting_date": "2025-11-04"})
    finish(rt, iid, NEXT_TAF, "sam_fsw", next_taf_meeting_date="2025-11-04")
    assert only_task(rt, iid, CLOSURE).assignee == "sam_fsw"
    finish(rt, iid, CLOSURE, "sam_fsw", closure_trajectory="Close after the next TAF review")

    assert outcome(rt, iid) == ("completed", E7)
    assert STEP_FOUR not in {t.name for t in queries.case_tasks(rt, smiths.id)}
    assert "tray" not in instance_data(rt, iid)
    assert recorded(rt, iid, NOTE_AGREED)["allocated_worker"] == "sam_fsw"
    assert overdue(rt, iid) == []
    assert ends(rt, iid) == [E7]
