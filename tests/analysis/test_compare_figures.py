"""The comparison's figures for the seven default step-down variants, every one counted by hand from the .bpmn
files under bpmn/ (following the flows, the conditions and the forms' rules), never copied from the output.

How each was counted is in the comment above its entry. Conventions, as paths.py and structure.py define them:
- user tasks: every user task of the variant's diagram and of each process it calls (each process once);
  "reached": those some path reaches; a called process's tasks count only where the caller's data lets a case in;
- lanes: of the reached tasks; decisions: gateways the variant's cases leave more than one way, made by the lanes
  of the tasks whose answers the gateway tests (the last answer before it on each path);
- paths: a loop is gone round once more at most (each sequence flow taken at most twice in one run of a process);
- hand-offs: consecutive tasks in different lanes; an authorisation the requester may send to themself counts 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bpmnrun.analysis.compare import STEP_DOWN_SET, from_library
from tests.conftest import REPO

BPMN = REPO / "bpmn"
L1, L2, L3, L4 = ("lincs_step_out_internal_lp_existing_eh", "lincs_step_out_internal_lp_no_eh",
                  "lincs_step_out_external_lp_eh_involved", "lincs_step_out_external_lp_no_eh")
Y2, Y3, C1 = "york_step_down_single_assessment", "york_step_down_cin_cp", "authc_step_down_sc_to_eh"
SW, EHM, EHW, AUTH, TAC = "Social Worker", "Early Help Manager", "Early Help worker", "Manager (authoriser)", "TAC Admin"
FD, LOC, F4M, PS, SEHW = "Front Door", "Early Help locality team", "Future 4 Me", "Practice Supervisor", \
    "Senior Early Help worker"
WTM, PM = "weekly transfer meeting", "Practice Managers"


@dataclass(frozen=True)
class Counted:
    tasks: int  # in its diagrams
    reached: int
    own: int
    lanes: frozenset[str]
    decisions: int
    makers: frozenset[str]
    timers: int
    paths: int
    steps: tuple[float, float, float]  # min / median / max user tasks per path
    handoffs: tuple[float, float, float]


BY_HAND = {
    # L1: own tasks request (SW), supervision and decision (EHM), TAC plan (EH worker) = 4; S-CLOSE 3, of which
    # 'Cancel outstanding …' is never reached (L1 maps cancel_outstanding_visits_allowed to False); S-AUTH 1.
    # 8 tasks, 7 reached. One decision: S-CLOSE's 'Which social care workstep?' on the request's answer (SW);
    # its visits gateway only ever says No. Paths: the two closure tasks, in parallel with supervision →
    # decision → authorisation → TAC plan: 6 tasks each; hand-offs SW → EHM, EHM → EH worker (the decision
    # maker picks themself as authoriser: 0).
    L1: Counted(8, 7, 4, frozenset({SW, EHM, EHW, AUTH}), 1, frozenset({SW}), 0, 2, (6, 6, 6), (2, 2, 2)),
    # L2: own 5 + S-FD 1 + S-CLOSE 3 (cancelling visits allowed here) = 9, all reached; lanes SW, FD, locality,
    # F4M, Practice Supervisor. Decisions: screening outcome (S-FD), any child not accepted?, accepted?, passed
    # to, Case Status, outcome (on the Front Door's and the allocating team's answers), which workstep (S-CLOSE)
    # = 7. Paths: NFA at screening 1; accepted to the locality or to Future 4 Me (2) × all children or some (2)
    # × (NFA at allocation, or closure from 2 worksteps) (3) = 12; 13. Tasks 3 (NFA) … 6 (some children
    # declined, closure, visits cancelled), median 5; hand-offs 2 … 5, median 4.
    L2: Counted(9, 9, 5, frozenset({SW, FD, LOC, F4M, PS}), 7, frozenset({FD, LOC, F4M, SW}), 0, 13,
                (3, 5, 6), (2, 4, 5)),
    # L3: own 4 + S-CLOSE 3 (cancelling never reached) + S-AUTH 1 + S-TACMON 2 + L6 4 + L7 3 + S-FD 1 = 18, 17
    # reached, 9 lanes. Decisions: how monitoring ended, which workstep, S-TACMON's next action, L7's screening
    # outcome and result, S-FD's outcome = 6. S-TACMON has 16 paths: ended or LP changed at the first meeting
    # (2), or a next meeting, an other-information decision or one of L7's 5 outcomes first (7) then ended or
    # changed (2); × 2 closure tasks = 32. Tasks 7 … 16, median 12; hand-offs 2 … 9, median 7.
    L3: Counted(18, 17, 4, frozenset({SW, EHM, TAC, AUTH, SEHW, EHW, LOC, F4M, FD}), 6,
                frozenset({TAC, SW, FD, LOC, F4M}), 0, 32, (7, 12, 16), (2, 7, 9)),
    # L4: own 3 + S-CLOSE 3 + L5 7 + S-AUTH 1 + S-TACMON 2 + L6 4 + L7 3 + S-FD 1 = 24, 23 reached (L4 maps
    # cancelling to False). Decisions: set up?, outcome, which workstep; L5's Case Status, assessment already
    # completed, any child goes on, any to monitoring, any to a plan, consultant support, monitoring ended (7);
    # S-TACMON's, L7's two, S-FD's = 14. L5 from L4: NFA 1; assessment already completed → monitoring 16;
    # assessment: no child proceeds 1, TAC Plan (Internal LP) alone 1 or with consultant support 1 (the form
    # allows support only when a child goes on), monitoring alone / with consultant / with the plan / with both
    # 4 × 16; 84; × 2 closure tasks = 168. Tasks 7 … 21, median 15; hand-offs 1 … 11, median 6.
    L4: Counted(24, 23, 3, frozenset({SW, TAC, SEHW, EHW, "EH TAC Consultant", LOC, F4M, AUTH, FD}), 14,
                frozenset({TAC, SW, FD, LOC, F4M}), 0, 168, (7, 15, 21), (1, 6, 11)),
    # Y2: own 2 + Y4 8 + Y5 12 = 22. Reached: own 2; Y4 request, transfer meeting, joint handover, notify TAC,
    # not agreed (the assessment was seen and the plan agreed already, and the CiN/RCPC tasks need another
    # origin) = 5; Y5's single-assessment tasks: relationships, ending visit, signpost, Section 2 = 4, and the
    # Practice Managers' allocation via Y4 = 1: 12. Decisions: consent, which support, how the request ended
    # (Y2); appropriate?, how support continues, which support from where (Y4); which support (Y5) = 7. Timers:
    # weekly meeting, joint handover limit, signpost limit. Paths: no consent 1; partner-led 1; Y4 agreed 1; not
    # agreed: social care continues or partner-led 2 = 5 (how the request ended is read from the meeting's
    # answer and the ending visit: no Practice Managers' answer decides it). Tasks 1, 5, 6, 9, 11; hand-offs
    # 0, 0, 2, 2, 3.
    Y2: Counted(22, 12, 2, frozenset({SW, WTM, PM}), 7, frozenset({SW, WTM}), 3, 5, (1, 6, 11), (0, 2, 3)),
    # Y3: 22 tasks; reached: own 2, Y4's request, meeting, final meeting, hand over visit, notify, not agreed (6),
    # Y5's CiN/CP tasks relationships, ending visit, close case, Section 2 update, and the allocation (5) = 13.
    # Decisions: 5 in Y3, 6 in Y4 (appropriate?, origin, final meeting, hand over done, which support, how
    # support continues), Y5's which support = 12. Paths: partner-led: not agreed at the review 1, closure 1,
    # targeted after the review 3 (agreed, not agreed: social care continues or partner-led); targeted before
    # the review: agreed (review no, hand over at the meeting or a visit) 3, not agreed (social care continues;
    # partner-led then review no or yes) 3 = 11.
    Y3: Counted(22, 13, 2, frozenset({SW, WTM, PM}), 12, frozenset({SW, WTM}), 3, 11, (2, 6, 11), (0, 2, 3)),
    # C1: 13 own tasks (Step Four in two forms), all reached, 6 lanes; 9 gateways; 3 timers (duty morning, end of
    # the duty morning, CIN meeting date). Paths: no clear plan 1, LP not internal 1, then Graft or duty rota (2)
    # × (no consent, no plan, not agreed, TAF plan not agreed, stepped down to a tray or to the worker
    # involved) (6) = 14. Tasks 1,2,3,3,3,3,4,4,5,5,11,11,11,11; hand-offs 0,0,1,1,1,1,2,2,3,3,6,6,6,6.
    C1: Counted(13, 13, 13, frozenset({SW, "SC TM / ATM", "Duty EH TM", "TAF Team", "EH TM", "FFP/FSW"}), 9,
                frozenset({SW, "Duty EH TM", "TAF Team", "EH TM"}), 3, 14, (1, 4, 11), (0, 2, 6)),
}


@pytest.fixture(scope="module")
def step_down():
    return from_library([BPMN], list(STEP_DOWN_SET))


def variant(comparison, process_id):
    return next(v for v in comparison.variants if v.process_id == process_id)


@pytest.mark.parametrize("process_id", STEP_DOWN_SET)
def test_figures_are_those_counted_by_hand(step_down, process_id):
    v = variant(step_down, process_id)
    s, expected = v.structure, BY_HAND[process_id]
    figures = v.paths.figures()
    found = Counted(len(s.tasks), len(s.reachable_tasks), len(s.own_tasks), frozenset(s.lanes), len(s.decisions),
                    frozenset(s.decision_makers), len(s.timers), len(v.paths.paths),
                    tuple(figures["steps"][k] for k in ("min", "median", "max")),
                    tuple(figures["handoffs"][k] for k in ("min", "median", "max")))
    assert found == expected
    assert not v.paths.truncated and v.paths.approximated == 0


def test_main_paths_of_section_9_5(step_down):
    """process-catalogue §9.5's main paths, each found with its tasks, lanes, hand-offs and timers."""
    def path(process_id, outcome, *branches):
        """The shortest path to `outcome` taking `branches` (a loop gone round once more is longer)."""
        found = sorted((p for p in variant(step_down, process_id).paths.paths
                        if p.outcome.startswith(outcome) and all(b in p.choices for b in branches)),
                       key=lambda p: len(p.steps))
        return found[0], len([p for p in found if len(p.steps) == len(found[0].steps)])

    def size(p):
        return len(p.steps), len(p.lanes()), len(p.handoffs()), len(p.timers)

    l1, _ = path(L1, "Case closed to SC – TAC (Internal LP)")
    assert size(l1) == (6, 3, 2, 0) and len(l1.handoffs(line_manager=True)) == 3
    l2, _ = path(L2, "Step out accepted – allocated by a locality team", "Any child not accepted?: No")
    assert size(l2) == (5, 4, 4, 0)
    l3, _ = path(L3, "Case closed to SC – TAC Monitoring (External LP) ended", "Next action: TAC Monitoring ended")
    assert size(l3) == (7, 3, 2, 0)
    uploaded, _ = path(L4, "Case closed to SC – TAC Monitoring (External LP) ended",
                       "Any child to TAC Monitoring?: Yes", "Any child to a TAC Plan?: No",
                       "EH TAC Consultant support?: No", "Next action: TAC Monitoring ended")
    assert size(uploaded) == (9, 2, 1, 0)
    completed, _ = path(L4, "Case closed to SC – TAC Monitoring (External LP) ended",
                        "Assessment already completed?: Yes", "Next action: TAC Monitoring ended")
    assert size(completed) == (7, 2, 1, 0)
    y2, _ = path(Y2, "Assigned to 'Partner led EHA'", "Which support?: Partner-led")
    assert size(y2) == (6, 1, 0, 1)  # §9.5: "1 (+queue)": the queue is an answer in a form, not a lane
    y2_targeted, one = path(Y2, "Targeted Intervention Service", "Is the referral appropriate?: Yes")
    assert one == 1 and size(y2_targeted) == (11, 3, 3, 3)
    y3_targeted, one = path(Y3, "Targeted Intervention Service", "Hand over done at the step down meeting?: Yes")
    assert one == 1 and size(y3_targeted) == (10, 3, 3, 2)
    full = [p for p in variant(step_down, C1).paths.paths if p.outcome.startswith("Stepped down to Early Help")]
    assert sorted(size(p) for p in full) == [(11, 6, 6, 2), (11, 6, 6, 2), (11, 6, 6, 3), (11, 6, 6, 3)]


def test_decisions_are_made_by_the_lanes_whose_answers_they_test(step_down):
    c1 = {d.name: d.makers for d in variant(step_down, C1).structure.decisions}
    assert c1["Graft currently involved?"] == (SW,)  # asked at Step One
    assert c1["Step Down to EH agreed?"] == ("Duty EH TM",)
    assert c1["TAF Plan Agreed?"] == ("TAF Team",)
    assert c1["FFP/FSW already involved?"] == ("EH TM",)  # asked at Step One too; the case note's answer counts
    y2 = {d.name: set(d.makers) for d in variant(step_down, Y2).structure.decisions}
    assert y2["How did the request end?"] == {SW, WTM}  # the meeting's answer, and the ending visit
    assert y2["Is the referral appropriate?"] == {WTM}
    l2 = {d.name: set(d.makers) for d in variant(step_down, L2).structure.decisions}
    assert l2["Case Status"] == {LOC, F4M} and l2["Screening Outcome"] == {FD}


def test_a_callee_counts_only_where_the_caller_reaches_it(step_down):
    y2 = variant(step_down, Y2).structure
    reached = {t.name for t in y2.reachable_tasks}
    assert "Close the early help recording form following manager oversight" not in reached  # Y5's MASH route
    assert "Close Case to Children's Social Work Services" not in reached  # Y5's CiN/CP route
    assert "Share the assessment and agree a proposed plan" not in reached  # Y2 recorded both as yes already
    assert "Allocate from 'advice team duty worker'" in reached  # through Y4's targeted route only
    assert {t.name for t in y2.timers} == {"Next weekly transfer meeting",
                                           "5 working days after the completion of the assessment",
                                           "Time frame for transfer reached"}
    assert "Early Help Recording Form – Section 2 (Social Worker)" in y2.cell("allocation")
    l1 = variant(step_down, L1).structure
    assert "Cancel outstanding SC Child in Need Visit, SC Child Protection Visit and SC Core Group Meeting " \
           "worksteps" not in {t.name for t in l1.reachable_tasks}
    assert PS not in l1.lanes


def test_every_activity_term_of_a_task_counts(step_down):
    # Y3's 'Final review CiN meeting / RCPC' is step_down_decision, obtain_consent, (activity3) agree_plan and
    # (activity4) first_tac_meeting: the lead practitioner is at the final meeting (§9.2).
    y3 = variant(step_down, Y3).structure
    final = next(t for t in y3.tasks if t.process_id == Y3 and t.name == "Final review CiN meeting / RCPC")
    assert final.activities == ("step_down_decision", "obtain_consent", "agree_plan", "first_tac_meeting")
    assert "Final review CiN meeting / RCPC (Social Worker)" in y3.cell("first_tac_meeting")
    y4_final = next(t for t in y3.tasks if t.process_id == "york_request_additional_services"
                    and t.name == "Final review CiN meeting / RCPC")
    assert y4_final.activities == ("step_down_decision", "obtain_consent", "handover_visit")


# process-catalogue §9.2, column by column: every activity a cell gives a step (not "—"). A variant may do more
# through a sub-process it calls (L3 reaches the Front Door's screening through TAC monitoring), never less.
SECTION_9_2 = {
    L1: {"identify_step_down", "identify_lead_professional", "step_down_decision", "send_request", "record_decision",
         "manager_authorisation", "allocation", "first_tac_meeting", "sc_case_closure"},
    L2: {"identify_step_down", "identify_lead_professional", "step_down_decision", "screening", "send_request",
         "allocation", "sc_case_closure"},
    L3: {"identify_step_down", "identify_lead_professional", "step_down_decision", "send_request", "record_decision",
         "manager_authorisation", "allocation", "record_relationships", "tac_monitoring", "sc_case_closure"},
    L4: {"identify_step_down", "identify_lead_professional", "send_request", "manager_authorisation", "allocation",
         "record_relationships", "assessment", "chase_information", "first_tac_meeting", "tac_monitoring",
         "sc_case_closure"},
    Y2: {"identify_step_down", "obtain_consent", "identify_lead_professional", "agree_plan", "step_down_decision",
         "send_request", "allocation", "record_relationships", "sc_case_closure", "ending_visit"},
    Y3: {"identify_step_down", "obtain_consent", "identify_lead_professional", "agree_plan", "step_down_decision",
         "send_request", "allocation", "record_relationships", "first_tac_meeting", "sc_case_closure", "ending_visit"},
    C1: {"identify_step_down", "obtain_consent", "identify_lead_professional", "agree_plan", "step_down_decision",
         "send_request", "record_decision", "allocation", "handover_visit", "notify_professionals", "first_tac_meeting",
         "book_meeting", "eh_closure"},
}


@pytest.mark.parametrize("process_id", list(SECTION_9_2))
def test_every_activity_of_section_9_2_is_found(step_down, process_id):
    found = variant(step_down, process_id).structure.activities()
    assert SECTION_9_2[process_id] - found == set()


def test_lincolnshire_decides_and_allocates_where_section_9_2_says(step_down):
    def doing(process_id, activity):
        return variant(step_down, process_id).structure.cell(activity)

    decision = "EH Decision on Significant Information (Early Help Manager)"
    assert {decision} <= set(doing(L1, "step_down_decision")) & set(doing(L1, "identify_lead_professional")) \
        & set(doing(L1, "allocation"))
    assert "EH Early Help Request and Allocation (Future 4 Me)" in doing(L2, "step_down_decision")
    assert doing(L3, "identify_lead_professional")[0].startswith("CS Early Help Manager: Social Care involvement ended")
    assert decision in doing(L3, "step_down_decision")
    assert doing(L4, "step_down_decision") == []  # "— (SW alone)"


def test_authorisation_sent_to_oneself_is_no_hand_off(step_down):
    l3 = variant(step_down, L3)
    decided = next(p for p in l3.paths.paths if p.outcome.startswith("Case closed to SC – TAC Monitoring")
                   and len(p.steps) == 7)
    authorise = next(s for s in decided.steps if s.name == "CS Manager: Please review and authorise")
    assert authorise.self_authorisable  # the decision maker is mapped in as authoriser
    changed = next(p for p in l3.paths.paths if "Next action: Change of Lead Professional" in p.choices
                   and len(p.steps) == 11)
    senior = next(s for s in changed.steps if s.lane == SEHW and "manager_authorisation" in s.activities)
    assert not senior.self_authorisable  # TAC Admin sends it to the Senior Early Help worker
    assert (TAC, SEHW) in [(h.source_lane, h.target_lane) for h in changed.handoffs()]
