"""Lincolnshire step out to TAC with an Internal Lead Professional (catalogue §10 scenarios 1–4), driven end to end
through the service layer on SQLite and PostgreSQL.

Processes: L1 lincs_step_out_internal_lp_existing_eh, L2 lincs_step_out_internal_lp_no_eh, and the shared
sub-processes lincs_sc_case_closure (S-CLOSE), lincs_front_door_screening (S-FD) and lincs_manager_authorisation
(S-AUTH).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bpmnrun.service import queries, tasks, users
from bpmnrun.service.errors import Forbidden, InvalidInput
from bpmnrun.service.recorded import recorded_so_far
from tests.support import LIBRARY, actions, deploy_paths, instance_data, only_task, open_tasks, ready_sequence, \
    smith_family, start_with_status, subject_ids

L1 = "lincs_step_out_internal_lp_existing_eh"
L2 = "lincs_step_out_internal_lp_no_eh"
S_CLOSE = "lincs_sc_case_closure"
S_FD = "lincs_front_door_screening"
S_AUTH = "lincs_manager_authorisation"
FILES = [LIBRARY / "lincs" / f"{L1}.bpmn", LIBRARY / "lincs" / f"{L2}.bpmn", LIBRARY / "shared" / f"{S_CLOSE}.bpmn",
         LIBRARY / "shared" / f"{S_FD}.bpmn", LIBRARY / "shared" / f"{S_AUTH}.bpmn"]

# Task names: the documents' worksteps and requests.
L1_REQUEST = "CS Early Help Manager: Social Care involvement ended, step out to TAC (Internal LP)"
SUPERVISION = "EH Early Help Case Supervision"
DECISION = "EH Decision on Significant Information"
AUTHORISE = "CS Manager: Please review and authorise"
TAC_PLAN = "EH TAC Plan and Review"
SC_CLOSURE = "SC Social Care Case Closure"
SC_NO_INTERVENTION = "SC No Social Care Intervention Required – Case to close"
CANCEL_VISITS = ("Cancel outstanding SC Child in Need Visit, SC Child Protection Visit and SC Core Group Meeting "
                 "worksteps")
CONTACT = "EH Early Help Contact"
SCREEN = "CS Front door: Please screen contact"
ALLOCATION = "EH Early Help Request and Allocation"
DECLINED = "Early Help have declined the request"

# End events.
L1_E1 = "Case closed to SC – TAC (Internal LP): EH TAC Plan and Review with the Internal Lead Professional"
L2_E1 = "Step out accepted – allocated by a locality team; case closed to SC"
L2_E2 = "Step out accepted – allocated by Future 4 Me; case closed to SC"
L2_E3 = "Step out declined – Social Care workflow continues"
CLOSED = "Social Care case closed"
AUTHORISED = "Authorised"
FD_EARLY_HELP = "Progress to Early Help"
FD_FUTURE_4_ME = "Progress to Future 4 Me"
FD_NFA = "Declined – NFA"

TRIGGER_8 = "step_down_from_social_care_to_tac_internal_lp_send_tac_plan_and_review_to_self"
MECHANICS = {"completed", "completed by", "screen by", "checked and completed by", "details of person making contact",
             "date/time of request", "send immediately?"}


# --- helpers ----------------------------------------------------------------------------------------


def setup(rt):
    """My processes and S-AUTH, one user per lane (Ella's line manager is Mona), and Family Smith."""
    deploy_paths(rt, *FILES)
    users.add_user(rt, "sam", ["Social Worker"])
    users.add_user(rt, "paula", ["Practice Supervisor"])
    users.add_user(rt, "mo", ["Early Help Manager", "EH Awaiting Allocation"])
    users.add_user(rt, "mona", ["Early Help Manager"])
    users.add_user(rt, "ella", ["Early Help worker"], line_manager="mona")
    users.add_user(rt, "fred", ["Front Door"])
    users.add_user(rt, "lola", ["Lincoln locality", "Early Help locality team"])
    users.add_user(rt, "bob", ["Boston locality"])
    users.add_user(rt, "finn", ["Future 4 Me"])
    return smith_family(rt)


def start(rt, process_id, case, *children, **data) -> int:
    return start_with_status(rt, process_id, case.id, "sam", subject_ids(case, *children), data)


def ids(case, *children) -> list[str]:
    return [str(i) for i in subject_ids(case, *children)]


def complete(rt, iid, name, actor, **values):
    task = only_task(rt, iid, name)
    tasks.complete_task(rt, task.id, actor, values)
    return task


def invalid(rt, task, actor, values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(rt, task.id, actor, values)
    return caught.value.errors


def field(task, field_id) -> dict:
    return next(f for f in task.form if f["id"] == field_id)


def labels(task) -> set[str]:
    return {f["label"].strip().lower() for f in task.form}


def names_ever(rt, case) -> list[str]:
    return [t.name for t in queries.case_tasks(rt, case.id)]


def completed(rt, case, name):
    rows = [t for t in queries.case_tasks(rt, case.id) if t.name == name and t.state == "completed"]
    assert len(rows) == 1, f"expected one completed {name!r}, found {len(rows)}"
    return rows[0]


def utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def ends(rt, iid) -> list[tuple[str, str]]:
    return [(e.name, e.detail["process"]) for e in queries.history(rt, instance_id=iid) if e.action == "end_event"]


def outcome(rt, iid) -> tuple[str, str | None]:
    info = queries.get_instance(rt, iid)
    return info.status, info.end_event


def shown(rt, task, actor) -> dict[str, dict[str, str]]:
    """What the task page shows as recorded so far: step name → {label: answer in words}."""
    return {step.name: dict(step.answers) for step in recorded_so_far(rt, task.id, actor)}


def send_l1_request(rt, iid, case, workstep, manager, **more):
    request = only_task(rt, iid, L1_REQUEST)
    assert (request.lane, request.process_id) == ("Social Worker", L1)
    tasks.complete_task(rt, request.id, "sam", {"originating_sc_workstep": workstep, "approving_eh_manager": manager,
                                                **more})
    return request


def screen(rt, iid, outcome_label, *accepted, allocate_to=None, locality=None, actor="fred"):
    values = {"screening_decision": "Family agree to Early Help support; Social Care involvement is ending.",
              "screening_outcome": outcome_label}
    if accepted:
        values["accepted_subjects"] = list(accepted)
    if allocate_to:
        values["allocate_to"] = allocate_to
    if locality:
        values["locality_inbox"] = locality
    return complete(rt, iid, SCREEN, actor, **values)


def send_contact(rt, iid, workstep="SC Child and Family Progress Meeting"):
    return complete(rt, iid, CONTACT, "sam", young_carer="No", originating_sc_workstep=workstep,
                    request_details="Social Care involvement is ending; the family would like Early Help support.")


def allocate(rt, iid, actor, team, status="Child and Family Assessment (Early Help)"):
    return complete(rt, iid, ALLOCATION, actor, case_status=status, allocated_team=team, request_approved=True,
                    manager_comments="Allocated at the locality allocation meeting.")


# --- scenario 1: L1 --------------------------------------------------------------------------------------


def test_l1_from_rcpc_self_authorised(rt, clock):
    case = setup(rt)
    iid = start(rt, L1, case, "Johnny", "Josie", "Joy")

    request = only_task(rt, iid, L1_REQUEST)
    assert field(request, "pass_to")["default"] == "the_early_help_manager_that_has_approved_the_step_out_to_tac"
    assert field(request, "approving_eh_manager")["picked_teams"] == ["Early Help Manager"]
    assert not labels(request) & MECHANICS
    clock.set(datetime(2025, 6, 2, 9, 30))
    sent_at = clock.now()
    send_l1_request(rt, iid, case, "SC Review Child Protection Conference", "mo")
    sent = completed(rt, case, L1_REQUEST).data
    assert (sent["originating_sc_workstep"], sent["approving_eh_manager"], sent["pass_to"]) == (
        "sc_review_child_protection_conference", "mo", "the_early_help_manager_that_has_approved_the_step_out_to_tac")

    # At once, before the Early Help Manager does anything: the Social Worker's only closure task, and the
    # notification in the approving manager's own list.
    closure = only_task(rt, iid, SC_CLOSURE)
    assert (closure.lane, closure.process_id, closure.children) == (
        "Social Worker", S_CLOSE, ("Johnny Smith", "Josie Smith", "Joy Smith"))
    assert closure.form == []
    supervision = only_task(rt, iid, SUPERVISION)
    assert (supervision.assignee, supervision.lane) == ("mo", "Early Help Manager")
    assert [t.id for t in queries.list_tasks(rt, "mo", mine=True)] == [supervision.id]
    assert queries.list_tasks(rt, "mona", mine=True) == []
    with pytest.raises(Forbidden):  # with Mo: another Early Help Manager cannot complete it
        tasks.complete_task(rt, supervision.id, "mona", {"decision_subjects": ids(case, "Josie")})
    assert [t.name for t in queries.list_tasks(rt, "sam")] == [SC_CLOSURE]

    complete(rt, iid, SUPERVISION, "mo", decision_subjects=ids(case, "Josie", "Joy"))
    decision = only_task(rt, iid, DECISION)
    assert (decision.assignee, decision.lane, decision.children) == ("mo", "Early Help Manager",
                                                                     ("Josie Smith", "Joy Smith"))
    trigger, status = field(decision, "decision_trigger"), field(decision, "case_status_new")
    assert (trigger["readonly"], trigger["default"]) == (True, TRIGGER_8)
    assert (status["readonly"], status["default"], status["label"]) == (
        True, "tac_internal_lp", "Case Status (following decision)")
    assert field(decision, "case_status_prior")["readonly"] is True
    assert tasks.form_values(rt, decision.id, "mo").get("case_status_prior") in (None, "")  # none recorded
    assert field(decision, "lead_professional")["picked_teams"] == ["Early Help worker"]
    assert field(decision, "authoriser")["picked_teams"] == ["Early Help Manager", "Senior Early Help worker"]
    assert not labels(decision) & MECHANICS
    with pytest.raises(Forbidden):  # assigned to Mo: another Early Help Manager cannot complete it
        tasks.complete_task(rt, decision.id, "mona", {})
    values = {"significant_information": "Social Care involvement ended at the Review Child Protection Conference; "
                                         "Ella will be the Internal Lead Professional.",
              "lead_professional": "ella", "authoriser": "ella"}
    assert set(invalid(rt, decision, "mo", values)) == {"authoriser"}  # not an Early Help Manager
    tasks.complete_task(rt, decision.id, "mo", {**values, "authoriser": "mo"})

    auth = only_task(rt, iid, AUTHORISE)
    assert (auth.assignee, auth.lane, auth.process_id) == ("mo", "Manager (authoriser)", S_AUTH)
    assert TAC_PLAN not in names_ever(rt, case)
    complete(rt, iid, AUTHORISE, "mo")

    plan = only_task(rt, iid, TAC_PLAN)
    assert (plan.assignee, plan.lane, plan.children) == ("ella", "Early Help worker", ("Josie Smith", "Joy Smith"))
    assert [t.name for t in queries.list_tasks(rt, "ella", mine=True)] == [TAC_PLAN]
    complete(rt, iid, SC_CLOSURE, "sam")
    assert outcome(rt, iid) == ("running", None)  # the Internal Lead Professional's step is still open
    complete(rt, iid, TAC_PLAN, "ella")

    assert outcome(rt, iid) == ("completed", L1_E1)
    assert instance_data(rt, iid)["case_status"] == "tac_internal_lp"
    assert ready_sequence(rt, iid) == [
        (L1_REQUEST, "Social Worker"),
        (SC_CLOSURE, "Social Worker"),
        (SUPERVISION, "Early Help Manager"),
        (DECISION, "Early Help Manager"),
        (AUTHORISE, "Manager (authoriser)"),
        (TAC_PLAN, "Early Help worker"),
    ]
    assert SC_NO_INTERVENTION not in names_ever(rt, case) and CANCEL_VISITS not in names_ever(rt, case)
    recorded = completed(rt, case, DECISION).data
    assert (recorded["decision_trigger"], recorded["case_status_changed"], recorded["case_status_new"]) == (
        TRIGGER_8, "yes_please_detail_below", "tac_internal_lp")
    assert recorded["next_action_subjects"] == ids(case, "Josie", "Joy")
    assert ends(rt, iid) == [(AUTHORISED, S_AUTH), (CLOSED, S_CLOSE), (L1_E1, L1)]
    # The audit: the request's name verbatim, and who completed each step, when.
    done = [(e.name, e.actor, e.at) for e in queries.history(rt, instance_id=iid) if e.action == "task_completed"]
    assert (L1_REQUEST, "sam", sent_at) in [(n, a, utc(at)) for n, a, at in done]
    assert [(n, a) for n, a, _ in done] == [(L1_REQUEST, "sam"), (SUPERVISION, "mo"), (DECISION, "mo"),
                                            (AUTHORISE, "mo"), (SC_CLOSURE, "sam"), (TAC_PLAN, "ella")]
    assert actions(rt, iid)[-1] == ("instance_completed", L1_E1)


def test_l1_from_assessment_authorised_by_the_workers_line_manager(rt):
    case = setup(rt)
    # The case's recorded Case Status, which the decision shows as it was before the decision.
    iid = start(rt, L1, case, "Josie", "Joy", case_status="open_to_social_care_early_help_support")
    send_l1_request(rt, iid, case, "SC Child and Family Assessment", "mona", pass_to="EH Awaiting Allocation")

    closure = only_task(rt, iid, SC_NO_INTERVENTION)
    assert (closure.lane, closure.process_id) == ("Social Worker", S_CLOSE)
    supervision = only_task(rt, iid, SUPERVISION)  # offered to the EH Awaiting Allocation virtual worker
    assert supervision.assignee is None and "EH Awaiting Allocation" in supervision.teams
    assert [t.id for t in queries.list_tasks(rt, "mo", team="EH Awaiting Allocation")] == [supervision.id]
    complete(rt, iid, SUPERVISION, "mo", decision_subjects=ids(case, "Josie", "Joy"))

    decision = only_task(rt, iid, DECISION)
    assert decision.assignee == "mo"
    assert tasks.form_values(rt, decision.id, "mo")["case_status_prior"] == "open_to_social_care_early_help_support"
    line_manager = users.get_user(rt, "ella").line_manager
    assert line_manager == "mona"  # Mo does not supervise Ella
    complete(rt, iid, DECISION, "mo", significant_information="Stepping out to TAC after the assessment.",
             lead_professional="ella", authoriser=line_manager)

    auth = only_task(rt, iid, AUTHORISE)
    assert auth.assignee == "mona"
    assert [t.id for t in queries.list_tasks(rt, "mona") if t.name == AUTHORISE] == [auth.id]
    assert AUTHORISE not in [t.name for t in queries.list_tasks(rt, "mo")]
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "mo", {})
    complete(rt, iid, SC_NO_INTERVENTION, "sam")
    assert TAC_PLAN not in names_ever(rt, case)  # nothing for the Lead Professional until it is authorised
    complete(rt, iid, AUTHORISE, "mona")
    assert only_task(rt, iid, TAC_PLAN).assignee == "ella"
    complete(rt, iid, TAC_PLAN, "ella")

    assert outcome(rt, iid) == ("completed", L1_E1)
    assert completed(rt, case, DECISION).data["case_status_prior"] == "open_to_social_care_early_help_support"
    assert completed(rt, case, AUTHORISE).completed_by == "mona"
    assert instance_data(rt, iid)["case_status"] == "tac_internal_lp"
    assert SC_CLOSURE not in names_ever(rt, case)
    assert ends(rt, iid) == [(CLOSED, S_CLOSE), (AUTHORISED, S_AUTH), (L1_E1, L1)]


# --- scenario 2: L1 bad input -------------------------------------------------------------------------------


def test_l1_decision_refuses_empty_detail_a_changed_prior_status_and_another_trigger(rt):
    case = setup(rt)
    iid = start(rt, L1, case, "Josie", "Joy", case_status="open_to_social_care_early_help_support")
    request = only_task(rt, iid, L1_REQUEST)
    errors = invalid(rt, request, "sam", {"originating_sc_workstep": "SC Review Child Protection Conference"})
    assert set(errors) == {"approving_eh_manager"}  # who agreed must be recorded
    send_l1_request(rt, iid, case, "SC Review Child Protection Conference", "mo")
    complete(rt, iid, SUPERVISION, "mo", decision_subjects=ids(case, "Josie", "Joy"))

    decision = only_task(rt, iid, DECISION)
    errors = invalid(rt, decision, "mo", {
        "significant_information": "", "case_status_prior": "TAC (External LP)",
        "decision_trigger": "Transfer TAC (Internal / External)", "lead_professional": "ella", "authoriser": "mo"})
    assert errors == {
        "significant_information": "Significant Information: Please add further detail",
        "case_status_prior": "Case Status (prior to decision) is filled in for you and cannot be changed",
        "decision_trigger": "What has triggered this decision? is filled in for you and cannot be changed",
    }
    assert only_task(rt, iid, DECISION).id == decision.id  # still READY
    assert AUTHORISE not in names_ever(rt, case)
    assert ("task_completed", DECISION) not in actions(rt, iid)

    # The Case Status following the decision is fixed by the trigger too.
    errors = invalid(rt, decision, "mo", {"significant_information": "Stepping out.", "case_status_new": "No",
                                          "lead_professional": "ella", "authoriser": "mo"})
    assert set(errors) == {"case_status_new"}
    complete(rt, iid, DECISION, "mo", significant_information="Stepping out to TAC with Ella.",
             lead_professional="ella", authoriser="mo")
    complete(rt, iid, AUTHORISE, "mo")
    complete(rt, iid, SC_CLOSURE, "sam")
    complete(rt, iid, TAC_PLAN, "ella")
    assert outcome(rt, iid) == ("completed", L1_E1)


# --- scenario 3: L2 accepted to a locality ---------------------------------------------------------------------


def test_l2_accepted_to_a_locality_with_visits_cancelled(rt, clock):
    case = setup(rt)
    iid = start(rt, L2, case, "Johnny", "Josie")

    contact = only_task(rt, iid, CONTACT)
    assert contact.children == ("Johnny Smith", "Josie Smith")
    service, step_down = field(contact, "service_requested"), field(contact, "step_down_from_sc")
    assert (service["readonly"], service["default"]) == (True, "early_help_f4m_support")
    assert (step_down["readonly"], step_down["default"]) == (
        True, "yes_please_open_to_early_help_to_step_down_to_internal_lp")
    assert not labels(contact) & MECHANICS
    errors = invalid(rt, contact, "sam", {"young_carer": "No"})
    assert set(errors) == {"originating_sc_workstep"}  # the social care workstep the case will close from
    assert [t.name for t in open_tasks(rt, iid)] == [CONTACT]
    assert SCREEN not in names_ever(rt, case)
    send_contact(rt, iid)
    sent = completed(rt, case, CONTACT).data
    assert (sent["service_requested"], sent["step_down_from_sc"], sent["source_of_contact"], sent["young_carer"]) == (
        "early_help_f4m_support", "yes_please_open_to_early_help_to_step_down_to_internal_lp",
        "la_services_lcc_social_care", "no")

    screening = only_task(rt, iid, SCREEN)
    assert (screening.lane, screening.process_id, screening.children) == (
        "Front Door", S_FD, ("Johnny Smith", "Josie Smith"))
    assert not labels(screening) & MECHANICS
    assert {f["id"] for f in screening.form} == {"screening_decision", "screening_outcome", "accepted_subjects",
                                                 "allocate_to", "locality_inbox"}
    seen = shown(rt, screening, "fred")[CONTACT]  # the Social Worker's Sections 1 and 2
    assert seen["Are any of the children / young people in the family a 'Young Carer'?"] == "No"
    assert seen["Service Requested"] == "Early Help / F4M Support"
    assert seen["Is this a 'step down' from Social Care?"] == \
        "Yes - Please open to Early Help to step down to Internal LP"
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, screening.id, "sam", {})
    errors = invalid(rt, screening, "fred", {"screening_decision": "Accept.",
                                             "screening_outcome": "Progress to Early Help / F4M",
                                             "allocate_to": "Early Help locality"})
    assert set(errors) == {"locality_inbox"}
    clock.set(datetime(2025, 6, 3, 11, 15))
    screened_at = clock.now()
    screen(rt, iid, "Progress to Early Help / F4M", *ids(case, "Johnny", "Josie"),
           allocate_to="Early Help locality", locality="Lincoln locality")

    allocation = only_task(rt, iid, ALLOCATION)
    assert (allocation.lane, allocation.process_id, allocation.children) == (
        "Early Help locality team", L2, ("Johnny Smith", "Josie Smith"))
    assert "Lincoln locality" in allocation.teams
    assert [t.id for t in queries.list_tasks(rt, "lola", team="Lincoln locality")] == [allocation.id]
    assert queries.list_tasks(rt, "bob") == [] and queries.list_tasks(rt, "finn") == []
    assert SC_CLOSURE not in names_ever(rt, case)  # nothing closes while Early Help has not accepted
    assert queries.list_tasks(rt, "sam") == []
    errors = invalid(rt, allocation, "lola", {"case_status": "Child and Family Assessment (Early Help)",
                                              "allocated_team": "Lincoln locality"})
    assert errors == {"request_approved": "Please tick to approve request"}
    allocate(rt, iid, "lola", "Lincoln locality")

    closure = only_task(rt, iid, SC_CLOSURE)
    assert (closure.lane, closure.process_id, closure.children) == (
        "Social Worker", S_CLOSE, ("Johnny Smith", "Josie Smith"))
    assert [t.name for t in queries.list_tasks(rt, "sam")] == [SC_CLOSURE]
    complete(rt, iid, SC_CLOSURE, "sam")
    cancel = only_task(rt, iid, CANCEL_VISITS)
    assert (cancel.lane, cancel.process_id) == ("Practice Supervisor", S_CLOSE)
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, cancel.id, "sam", {"visits_cancelled": ["SC Child in Need Visit"]})
    complete(rt, iid, CANCEL_VISITS, "paula", visits_cancelled=["SC Child in Need Visit"])

    assert outcome(rt, iid) == ("completed", L2_E1)
    assert ready_sequence(rt, iid) == [
        (CONTACT, "Social Worker"),
        (SCREEN, "Front Door"),
        (ALLOCATION, "Early Help locality team"),
        (SC_CLOSURE, "Social Worker"),
        (CANCEL_VISITS, "Practice Supervisor"),
    ]
    assert completed(rt, case, CANCEL_VISITS).data == {"visits_cancelled": ["sc_child_in_need_visit"]}
    assert (completed(rt, case, ALLOCATION).data["case_status"], instance_data(rt, iid)["case_status"]) == (
        "child_and_family_assessment_early_help", "child_and_family_assessment_early_help")
    assert DECLINED not in names_ever(rt, case)
    assert ends(rt, iid) == [(FD_EARLY_HELP, S_FD), (CLOSED, S_CLOSE), (L2_E1, L2)]
    screened = next(e for e in queries.history(rt, instance_id=iid)
                    if e.action == "task_completed" and e.name == SCREEN)
    assert (screened.actor, utc(screened.at)) == ("fred", screened_at)


# --- scenario 4: L2 to Future 4 Me, declined, and per child -----------------------------------------------------


def test_l2_passed_to_future_4_me(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "Josie", "Joy")
    send_contact(rt, iid)
    screen(rt, iid, "Progress to Early Help / F4M", *ids(case, "Josie", "Joy"), allocate_to="Future 4 Me")

    allocation = only_task(rt, iid, ALLOCATION)
    assert (allocation.lane, allocation.children) == ("Future 4 Me", ("Josie Smith", "Joy Smith"))
    assert [t.id for t in queries.list_tasks(rt, "finn")] == [allocation.id]
    assert queries.list_tasks(rt, "lola") == []
    assert SC_CLOSURE not in names_ever(rt, case)
    allocate(rt, iid, "finn", "Future 4 Me", status="TAC (Internal LP)")
    complete(rt, iid, SC_CLOSURE, "sam")
    complete(rt, iid, CANCEL_VISITS, "paula", visits_cancelled=[])  # none outstanding

    assert outcome(rt, iid) == ("completed", L2_E2)
    assert ends(rt, iid) == [(FD_FUTURE_4_ME, S_FD), (CLOSED, S_CLOSE), (L2_E2, L2)]
    assert completed(rt, case, CANCEL_VISITS).data == {"visits_cancelled": []}


def test_l2_declined_at_screening_goes_back_to_the_social_worker(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "Johnny", "Josie")
    send_contact(rt, iid)
    screening = only_task(rt, iid, SCREEN)
    assert tasks.form_values(rt, screening.id, "fred").get("accepted_subjects") in (None, [])
    # NFA with the children picker left as it starts (every child ticked): the outcome decides, every child is declined.
    complete(rt, iid, SCREEN, "fred", screening_outcome="NFA",
             screening_decision="Needs are met by universal services; no Early Help support required.")

    assert completed(rt, case, SCREEN).data["accepted_subjects"] == ids(case, "Johnny", "Josie")
    declined = only_task(rt, iid, DECLINED)
    assert (declined.lane, declined.process_id, declined.children) == (
        "Social Worker", L2, ("Johnny Smith", "Josie Smith"))
    assert declined.form == []
    assert shown(rt, declined, "sam")[SCREEN]["Screening Decision and Required Actions"] == \
        "Needs are met by universal services; no Early Help support required."
    complete(rt, iid, DECLINED, "sam")

    assert outcome(rt, iid) == ("completed", L2_E3)
    assert ends(rt, iid) == [(FD_NFA, S_FD), (L2_E3, L2)]
    ever = names_ever(rt, case)
    assert not {SC_CLOSURE, SC_NO_INTERVENTION, CANCEL_VISITS, ALLOCATION} & set(ever)


def test_l2_no_further_action_at_allocation_is_a_decline(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "Johnny", "Josie")
    send_contact(rt, iid)
    screen(rt, iid, "Progress to Early Help / F4M", *ids(case, "Johnny", "Josie"),
           allocate_to="Early Help locality", locality="Lincoln locality")

    allocation = only_task(rt, iid, ALLOCATION)
    errors = invalid(rt, allocation, "lola", {"case_status": "No Further Action"})
    assert set(errors) == {"manager_comments"}  # a decline needs its reason; no approval tick required
    errors = invalid(rt, allocation, "lola", {"case_status": "No Further Action", "request_approved": True,
                                              "manager_comments": "Family declined support."})
    assert set(errors) == {"request_approved"}  # a request with No Further Action is not approved
    complete(rt, iid, ALLOCATION, "lola", case_status="No Further Action",
             manager_comments="Family have declined Early Help support at the allocation consultation.")

    declined = only_task(rt, iid, DECLINED)
    assert (declined.lane, declined.children) == ("Social Worker", ("Johnny Smith", "Josie Smith"))
    assert shown(rt, declined, "sam")[ALLOCATION]["Manager's Comments / Consultation Discussion"] == \
        "Family have declined Early Help support at the allocation consultation."
    complete(rt, iid, DECLINED, "sam")

    assert outcome(rt, iid) == ("completed", L2_E3)
    assert ends(rt, iid) == [(FD_EARLY_HELP, S_FD), (L2_E3, L2)]
    assert not {SC_CLOSURE, SC_NO_INTERVENTION, CANCEL_VISITS} & set(names_ever(rt, case))
    assert completed(rt, case, ALLOCATION).data.get("request_approved") in (None, False)


def test_l2_from_an_assessment_closes_with_no_social_care_intervention_required(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "Joy")
    send_contact(rt, iid, workstep="SC Child and Family Assessment")
    screen(rt, iid, "Progress to Early Help / F4M", *ids(case, "Joy"), allocate_to="Early Help locality",
           locality="Lincoln locality")
    allocate(rt, iid, "lola", "Lincoln locality")

    closure = only_task(rt, iid, SC_NO_INTERVENTION)
    assert (closure.lane, closure.process_id, closure.children) == ("Social Worker", S_CLOSE, ("Joy Smith",))
    complete(rt, iid, SC_NO_INTERVENTION, "sam")
    complete(rt, iid, CANCEL_VISITS, "paula", visits_cancelled=["SC Child Protection Visit", "SC Core Group Meeting"])
    assert outcome(rt, iid) == ("completed", L2_E1)
    assert SC_CLOSURE not in names_ever(rt, case)


def test_l2_front_door_accepts_one_child_and_declines_the_other(rt):
    case = setup(rt)
    iid = start(rt, L2, case, "Johnny", "Josie")
    send_contact(rt, iid)
    screen(rt, iid, "Progress to Early Help / F4M", *ids(case, "Johnny"), allocate_to="Early Help locality",
           locality="Lincoln locality")

    allocation = only_task(rt, iid, ALLOCATION)
    declined = only_task(rt, iid, DECLINED)
    assert allocation.children == ("Johnny Smith",)
    assert (declined.lane, declined.children) == ("Social Worker", ("Josie Smith",))
    assert SC_CLOSURE not in names_ever(rt, case)
    complete(rt, iid, DECLINED, "sam")
    assert outcome(rt, iid) == ("running", None)
    allocate(rt, iid, "lola", "Lincoln locality")

    closure = only_task(rt, iid, SC_CLOSURE)
    assert closure.children == ("Johnny Smith",)
    complete(rt, iid, SC_CLOSURE, "sam")
    cancel = only_task(rt, iid, CANCEL_VISITS)
    assert cancel.children == ("Johnny Smith",)
    complete(rt, iid, CANCEL_VISITS, "paula", visits_cancelled=[])

    assert outcome(rt, iid) == ("completed", L2_E1)
    assert ends(rt, iid) == [(FD_EARLY_HELP, S_FD), (CLOSED, S_CLOSE), (L2_E1, L2)]
    assert [s["name"] for s in instance_data(rt, iid)["subjects"]] == ["Johnny Smith", "Josie Smith"]
