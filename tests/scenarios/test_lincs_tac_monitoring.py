"""Process catalogue §10 scenarios 5, 8, 9 and 21 (driven from L3), and S-TACMON's other decision (part of 10):
a Social Care step out to an External Lead Professional with Early Help involved (L3), TAC monitoring that recurs
one step per TAC meeting (S-TACMON), a change of Lead Professional from External to Internal (L6) and an External
LP's request for Early Help Support (L7) — the real diagrams, driven through the service layer, for Family Smith.
L6 and L7 are also started on their own."""

from __future__ import annotations

import pytest

from bpmnrun.service import instances, queries, tasks
from bpmnrun.service.errors import Forbidden, InvalidInput
from bpmnrun.service.recorded import recorded_so_far
from tests.support import (LIBRARY, actions, add_users, deploy_paths, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, start_with_status, subject_ids)

L3 = "lincs_step_out_external_lp_eh_involved"
L6 = "lincs_change_lp_external_to_internal"
L7 = "lincs_external_lp_requests_eh_support"
S_TACMON = "lincs_tac_monitoring"
S_AUTH = "lincs_manager_authorisation"
S_CLOSE = "lincs_sc_case_closure"
S_FD = "lincs_front_door_screening"
PATHS = [LIBRARY / "lincs" / f"{L3}.bpmn", LIBRARY / "lincs" / f"{L6}.bpmn", LIBRARY / "lincs" / f"{L7}.bpmn",
         LIBRARY / "shared" / f"{S_TACMON}.bpmn", LIBRARY / "shared" / f"{S_AUTH}.bpmn",
         LIBRARY / "shared" / f"{S_CLOSE}.bpmn", LIBRARY / "shared" / f"{S_FD}.bpmn"]

REQUEST = "CS Early Help Manager: Social Care involvement ended, step out to TAC Monitoring (External LP)"
SUPERVISION = "EH Early Help Case Supervision"
DECISION = "EH Decision on Significant Information"
AUTHORISE = "CS Manager: Please review and authorise"
RELATIONSHIP = "Add the External Lead Professional as a Worker relationship"
MONITORING = "EH TAC Monitoring External Lead Professional"
CLOSURE = "SC Social Care Case Closure"
SCREEN = "CS Front door: Please screen contact"
ALLOCATION = "EH Early Help Request and Allocation"
UPDATE_LP = "Update the Lead Professional role for the child(ren)"
PLAN = "EH TAC Plan and Review"

TRIGGER_9 = "step_down_from_social_care_to_tac_external_lp_send_tac_monitoring_to_tac_admin"
TAC_EXTERNAL, TAC_INTERNAL = "tac_external_lp", "tac_internal_lp"
OPEN_TO_SC = "open_to_social_care_early_help_support"
E1_L3 = "Case closed to SC – TAC Monitoring (External LP) ended"
E2_L3 = "Case closed to SC – TAC passed to an Internal Lead Professional"
E1_MON = "TAC Monitoring ended"
E2_MON = "TAC passed to an Internal Lead Professional – EH TAC Plan and Review with the new Lead Professional"
MECHANICS = {"Completed", "Completed by", "Screen by", "Checked and completed by", "Send Immediately?",
             "Details of person making contact", "Date/time of request"}


# --- helpers ---------------------------------------------------------------------------------------------------

def setup(rt):
    """The diagrams these processes use, the workers of their lanes, and Family Smith."""
    deploy_paths(rt, *PATHS)
    add_users(rt, sam="Social Worker", mo="Early Help Manager", max="Early Help Manager", tara="TAC Admin",
              tom="TAC Admin", sue="Senior Early Help worker", sid="Senior Early Help worker",
              ella="Early Help worker", fred="Front Door", lola=["Lincoln locality", "Early Help locality team"],
              finn="Future 4 Me")
    return smith_family(rt)


def ids(case, *names) -> list[str]:
    return [str(i) for i in subject_ids(case, *names)]


def ends(rt, instance_id) -> list[tuple[str, str]]:
    """(process, end event) of every end event reached, the called processes' included, in order."""
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


def page(rt, instance_id, name: str, user: str):
    """The task as its page shows it to `user` (form with the people pickers filled in)."""
    return queries.get_task(rt, only_task(rt, instance_id, name).id, user)


def field(task, field_id: str) -> dict:
    return next(f for f in task.form if f["id"] == field_id)


def prefilled(rt, instance_id, name: str, user: str) -> dict:
    return tasks.form_values(rt, only_task(rt, instance_id, name).id, user)


def shown(rt, instance_id, name: str, user: str) -> dict:
    """What the task page shows in each field: the value the case data holds, else the field's default."""
    task = page(rt, instance_id, name, user)
    values = prefilled(rt, instance_id, name, user)
    return {f["id"]: values.get(f["id"]) if values.get(f["id"]) not in (None, "", []) else f["default"]
            for f in task.form}


def ready_data(rt, instance_id, name: str) -> dict:
    """The case data a READY task sees (tests may read state; the worklist never does)."""
    from bpmnrun.engine import engine
    from bpmnrun.service.deploy import parsed_spec
    from bpmnrun.store.models import Instance

    task = only_task(rt, instance_id, name)
    with rt.reading() as session:
        instance = session.get(Instance, instance_id)
        workflow = engine.restore(instance.state, parsed_spec(rt, session, instance.process_version_id))
        return engine.form_of(workflow, task.id)[1]


def completed(rt, instance_id, name: str) -> list:
    """The completed task rows of that name, in order."""
    info = queries.get_instance(rt, instance_id)
    return [t for t in queries.case_tasks(rt, info.case_id)
            if t.instance_id == instance_id and t.name == name and t.state == "completed"]


def no_mechanics(task) -> None:
    assert not {f["label"] for f in task.form} & MECHANICS


def start_l3(rt, case, *children, **data) -> int:
    return start_with_status(rt, L3, case.id, "sam", subject_ids(case, *children), data)


def l3_to_monitoring(rt, case, note="Health Visitor Anna Lee") -> int:
    """L3 for Josie and Joy up to the first monitoring step (the Social Worker's closure task left open)."""
    instance_id = start_l3(rt, case, "Josie", "Joy", case_status=OPEN_TO_SC)
    finish(rt, instance_id, REQUEST, "sam", originating_sc_workstep="SC Child and Family Progress Meeting",
           external_lp=note, pass_to="EH Awaiting Allocation")
    finish(rt, instance_id, SUPERVISION, "mo", decision_subjects=ids(case, "Josie", "Joy"))
    finish(rt, instance_id, DECISION, "mo", next_action_subjects=ids(case, "Josie", "Joy"))
    finish(rt, instance_id, AUTHORISE, "mo")
    finish(rt, instance_id, RELATIONSHIP, "tara")
    assert only_task(rt, instance_id, MONITORING).lane == "TAC Admin"
    return instance_id


def close_sc_and_end_monitoring(rt, instance_id) -> None:
    finish(rt, instance_id, CLOSURE, "sam")
    finish(rt, instance_id, MONITORING, "tom", monitoring_next_action="TAC Monitoring ended")


# --- scenario 5: L3 External LP, Early Help involved ---------------------------------------------------------------

def test_l3_step_out_external_lp_eh_involved(rt):
    case = setup(rt)
    instance_id = start_l3(rt, case, "Josie", "Joy", case_status=OPEN_TO_SC)
    request = only_task(rt, instance_id)
    assert (request.name, request.lane, request.assignee) == (REQUEST, "Social Worker", None)
    no_mechanics(page(rt, instance_id, REQUEST, "sam"))
    errors = refused(rt, instance_id, REQUEST, "sam", originating_sc_workstep="SC Child and Family Progress Meeting",
                     pass_to="EH Awaiting Allocation")
    assert list(errors) == ["external_lp"]
    finish(rt, instance_id, REQUEST, "sam", originating_sc_workstep="SC Child and Family Progress Meeting",
           external_lp="Health Visitor Anna Lee", pass_to="EH Awaiting Allocation")

    # The closure does not wait for Early Help: both are READY at once.
    closure = only_task(rt, instance_id, CLOSURE)
    supervision = only_task(rt, instance_id, SUPERVISION)
    assert (closure.lane, closure.process_id) == ("Social Worker", S_CLOSE)
    assert supervision.lane == "Early Help Manager"
    assert {"EH Awaiting Allocation", "Senior Early Help worker"} <= set(supervision.teams)
    assert [t.name for t in queries.list_tasks(rt, "mo")] == [SUPERVISION]
    finish(rt, instance_id, SUPERVISION, "mo", decision_subjects=ids(case, "Josie", "Joy"))

    # L3.4 is assigned to the manager who completed L3.3: trigger 9 and TAC (External LP) read-only, the Case
    # Status prior to the decision from the case's record, Significant Information prefilled with the Note.
    decision = page(rt, instance_id, DECISION, "mo")
    assert (decision.assignee, decision.lane, sorted(decision.children)) == ("mo", "Early Help Manager",
                                                                              ["Josie Smith", "Joy Smith"])
    assert field(decision, "decision_trigger")["readonly"] and field(decision, "case_status_new")["readonly"]
    assert field(decision, "case_status_prior")["readonly"] and field(decision, "case_status_changed")["readonly"]
    no_mechanics(decision)
    assert "authoriser" not in {f["id"] for f in decision.form}
    values = prefilled(rt, instance_id, DECISION, "mo")
    assert values["case_status_prior"] == OPEN_TO_SC
    assert values["significant_information"] == "Health Visitor Anna Lee"
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, decision.id, "max", {})
    errors = refused(rt, instance_id, DECISION, "mo", decision_trigger="Transfer TAC (Internal / External)",
                     case_status_new="TAC (Internal LP)", significant_information="")
    assert set(errors) == {"decision_trigger", "case_status_new"}
    assert not any(t.process_id == S_AUTH for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, DECISION, "mo", next_action_subjects=ids(case, "Josie", "Joy"),
           significant_information="Health Visitor Anna Lee will lead the TAC from the next meeting")
    [row] = completed(rt, instance_id, DECISION)
    assert (row.data["decision_trigger"], row.data["case_status_changed"], row.data["case_status_new"]) == (
        TRIGGER_9, "yes_please_detail_below", TAC_EXTERNAL)

    # The authorisation is sent to the decision maker and comes before anything reaches TAC Admin.
    auth = only_task(rt, instance_id, AUTHORISE)
    assert (auth.assignee, auth.lane, auth.process_id) == ("mo", "Manager (authoriser)", S_AUTH)
    assert not any(t.lane == "TAC Admin" for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, AUTHORISE, "mo")

    relationship = page(rt, instance_id, RELATIONSHIP, "tara")
    assert (relationship.lane, sorted(relationship.children), relationship.form) == (
        "TAC Admin", ["Josie Smith", "Joy Smith"], [])
    assert "Worker relationship" in relationship.documentation
    steps = {s.name: s for s in recorded_so_far(rt, relationship.id, "tara")}
    assert ("Note", "Health Visitor Anna Lee") in steps[REQUEST].answers
    finish(rt, instance_id, RELATIONSHIP, "tara")

    monitoring = page(rt, instance_id, MONITORING, "tara")
    assert (monitoring.lane, monitoring.process_id, sorted(monitoring.children)) == (
        "TAC Admin", S_TACMON, ["Josie Smith", "Joy Smith"])
    assert ready_data(rt, instance_id, MONITORING)["case_status"] == TAC_EXTERNAL  # authorised: the case's now
    finish(rt, instance_id, MONITORING, "tara", tac_meeting_date="2025-07-03",
           tac_meeting_record="EH TAC minutes 25/07/03", monitoring_next_action="next_tac_meeting")
    finish(rt, instance_id, CLOSURE, "sam")
    assert queries.get_instance(rt, instance_id).status == "running"
    finish(rt, instance_id, MONITORING, "tom", monitoring_next_action="TAC Monitoring ended")

    assert_ended(rt, instance_id, E1_L3)
    sequence = ready_sequence(rt, instance_id)
    assert sequence[0] == (REQUEST, "Social Worker")
    assert set(sequence[1:3]) == {(CLOSURE, "Social Worker"), (SUPERVISION, "Early Help Manager")}
    assert sequence[3:] == [(DECISION, "Early Help Manager"), (AUTHORISE, "Manager (authoriser)"),
                            (RELATIONSHIP, "TAC Admin"), (MONITORING, "TAC Admin"), (MONITORING, "TAC Admin")]
    assert ends(rt, instance_id) == [(S_AUTH, "Authorised"), (S_CLOSE, "Social Care case closed"),
                                     (S_TACMON, E1_MON), (L3, E1_L3)]
    # The audit names the request verbatim and who completed each task.
    done = [(e.name, e.actor) for e in queries.history(rt, instance_id=instance_id) if e.action == "task_completed"]
    assert done == [(REQUEST, "sam"), (SUPERVISION, "mo"), (DECISION, "mo"), (AUTHORISE, "mo"),
                    (RELATIONSHIP, "tara"), (MONITORING, "tara"), (CLOSURE, "sam"), (MONITORING, "tom")]


def test_l3_case_status_prior_is_blank_when_the_case_has_none_and_closure_from_an_assessment(rt):
    case = setup(rt)
    instance_id = start_l3(rt, case, "Josie")
    finish(rt, instance_id, REQUEST, "sam", originating_sc_workstep="SC Child and Family Assessment",
           external_lp="School nurse Priya Shah", pass_to="CS Future 4 Me – inbox")
    assert only_task(rt, instance_id, "SC No Social Care Intervention Required – Case to close").lane == \
        "Social Worker"
    assert "CS Future 4 Me – inbox" in only_task(rt, instance_id, SUPERVISION).teams
    finish(rt, instance_id, SUPERVISION, "mo", decision_subjects=ids(case, "Josie"))
    assert prefilled(rt, instance_id, DECISION, "mo").get("case_status_prior") is None  # never a fixed default
    finish(rt, instance_id, DECISION, "mo", next_action_subjects=ids(case, "Josie"))
    [row] = completed(rt, instance_id, DECISION)
    assert "case_status_prior" not in row.data and row.data["significant_information"] == "School nurse Priya Shah"


# --- scenario 21: TAC monitoring recurs -----------------------------------------------------------------------------

def test_tac_monitoring_recurs_one_step_per_meeting(rt):
    case = setup(rt)
    instance_id = l3_to_monitoring(rt, case)

    # A next TAC meeting needs the meeting's date and record (named by the convention).
    errors = refused(rt, instance_id, MONITORING, "tara", monitoring_next_action="next_tac_meeting")
    assert set(errors) == {"tac_meeting_date", "tac_meeting_record"}
    errors = refused(rt, instance_id, MONITORING, "tara", tac_meeting_date="2025-07-03",
                     tac_meeting_record="minutes.pdf", monitoring_next_action="next_tac_meeting")
    assert errors == {"tac_meeting_record": "The correct naming convention EH [name of document] YY/MM/DD should "
                                            "be used"}
    first = only_task(rt, instance_id, MONITORING)
    finish(rt, instance_id, MONITORING, "tara", tac_meeting_date="2025-07-03",
           tac_meeting_record="EH TAC minutes 25/07/03", monitoring_next_action="next_tac_meeting")
    second = only_task(rt, instance_id, MONITORING)
    assert second.id != first.id and second.lane == "TAC Admin"
    # The new step starts blank: the last meeting is in the history, not in the form.
    values = prefilled(rt, instance_id, MONITORING, "tom")
    assert not values.get("tac_meeting_date") and not values.get("tac_meeting_record")
    errors = refused(rt, instance_id, MONITORING, "tom", monitoring_next_action="next_tac_meeting")
    assert set(errors) == {"tac_meeting_date", "tac_meeting_record"}
    finish(rt, instance_id, MONITORING, "tom", tac_meeting_date="2025-10-02",
           tac_meeting_record="EH TAC minutes 25/10/02", monitoring_next_action="next_tac_meeting")
    finish(rt, instance_id, MONITORING, "tara", monitoring_next_action="TAC Monitoring ended")
    finish(rt, instance_id, CLOSURE, "sam")

    assert_ended(rt, instance_id, E1_L3)
    rows = completed(rt, instance_id, MONITORING)
    assert [(r.completed_by, r.data.get("tac_meeting_date"), r.data.get("tac_meeting_record"),
             r.data["monitoring_next_action"]) for r in rows] == [
        ("tara", "2025-07-03", "EH TAC minutes 25/07/03", "next_tac_meeting"),
        ("tom", "2025-10-02", "EH TAC minutes 25/10/02", "next_tac_meeting"),
        ("tara", None, None, "tac_monitoring_ended")]
    history = [e for e in queries.history(rt, instance_id=instance_id)
               if e.action == "task_completed" and e.name == MONITORING]
    assert len(history) == 3 and sum(1 for e in history if e.detail["data"].get("tac_meeting_record")) == 2
    assert (S_TACMON, E1_MON) in ends(rt, instance_id)


# --- scenario 8: L6 change of Lead Professional, from monitoring ----------------------------------------------------

def test_l6_change_of_lead_professional_from_monitoring(rt):
    case = setup(rt)
    instance_id = l3_to_monitoring(rt, case)
    finish(rt, instance_id, CLOSURE, "sam")
    finish(rt, instance_id, MONITORING, "tara", tac_meeting_date="2025-07-03",
           tac_meeting_record="EH TAC minutes 25/07/03", monitoring_next_action="change_of_lead_professional")

    decision = page(rt, instance_id, DECISION, "tara")
    assert (decision.assignee, decision.lane, decision.process_id) == ("tara", "TAC Admin", L6)
    assert field(decision, "decision_trigger")["readonly"] and field(decision, "case_status_prior")["readonly"]
    assert not {"case_status_changed", "case_status_new"} & {f["id"] for f in decision.form}
    no_mechanics(decision)
    values = shown(rt, instance_id, DECISION, "tara")
    assert (values["decision_trigger"], values["case_status_prior"]) == (
        "transfer_tac_internal_external", TAC_EXTERNAL)
    assert not values.get("significant_information") and not values.get("authoriser")  # starts blank
    assert {o["id"] for o in field(decision, "authoriser")["options"]} == {"sue", "sid"}
    errors = refused(rt, instance_id, DECISION, "tara", significant_information="Notified by the Health Visitor",
                     authoriser="tom")
    assert list(errors) == ["authoriser"]
    errors = refused(rt, instance_id, DECISION, "tara", authoriser="sue")
    assert list(errors) == ["significant_information"]
    finish(rt, instance_id, DECISION, "tara",
           significant_information="Notified by Health Visitor Anna Lee that Early Help will lead the TAC")

    # Unnamed authoriser: the Senior Early Help worker team; a TAC Admin user cannot complete it.
    review = page(rt, instance_id, AUTHORISE, "sue")
    assert (review.lane, review.assignee, review.process_id) == ("Senior Early Help worker", None, L6)
    assert [t.name for t in queries.list_tasks(rt, "sid")] == [AUTHORISE]
    assert queries.list_tasks(rt, "tara") == []
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, review.id, "tara", {})
    assert field(review, "case_status_new")["readonly"] and field(review, "case_status_changed")["readonly"]
    assert prefilled(rt, instance_id, AUTHORISE, "sue").get("case_status_new") is None  # L3's value cleared
    errors = refused(rt, instance_id, AUTHORISE, "sue", case_status_new="TAC (External LP)", lead_professional="tom")
    assert set(errors) == {"case_status_new", "lead_professional"}
    finish(rt, instance_id, AUTHORISE, "sue", lead_professional="ella")
    [row] = completed(rt, instance_id, AUTHORISE)[-1:]
    assert (row.data["case_status_changed"], row.data["case_status_new"]) == ("yes_please_detail_below", TAC_INTERNAL)

    update = only_task(rt, instance_id, UPDATE_LP)
    assert (update.lane, update.assignee, update.form) == ("Senior Early Help worker", "sue", [])
    assert not any(t.name == PLAN for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, UPDATE_LP, "sue")
    plan = only_task(rt, instance_id, PLAN)
    assert (plan.lane, plan.assignee, sorted(plan.children)) == ("Early Help worker", "ella",
                                                                 ["Josie Smith", "Joy Smith"])
    finish(rt, instance_id, PLAN, "ella")

    assert_ended(rt, instance_id, E2_L3)
    assert ends(rt, instance_id)[-3:] == [
        (L6, "Lead Professional changed to Internal – EH TAC Plan and Review with the new Lead Professional"),
        (S_TACMON, E2_MON), (L3, E2_L3)]
    data = instance_data(rt, instance_id)
    assert (data["case_status"], data["lead_professional"], data["monitoring_next_action"]) == (
        TAC_INTERNAL, "ella", "change_of_lead_professional")


# --- scenario 9: L7 the External LP asks for support, three outcomes ------------------------------------------------

def request_support(rt, case, authoriser: str | None = None) -> int:
    """L3 to monitoring; a monitoring step records the request; L7.2 is completed. Both requests are then open."""
    instance_id = l3_to_monitoring(rt, case)
    finish(rt, instance_id, MONITORING, "tara", tac_meeting_date="2025-07-03",
           tac_meeting_record="EH TAC minutes 25/07/03",
           monitoring_next_action="external_lp_requesting_early_help_support")
    decision = page(rt, instance_id, DECISION, "tara")
    assert (decision.assignee, decision.lane, decision.process_id) == ("tara", "TAC Admin", L7)
    trigger = field(decision, "decision_trigger")
    assert trigger["readonly"] and trigger["properties"]["hint"] == "Request has been sent to Front Door for screening"
    assert field(decision, "case_status_prior")["readonly"]
    values = shown(rt, instance_id, DECISION, "tara")
    assert (values["decision_trigger"], values["case_status_prior"]) == (
        "external_lp_requesting_early_help_support", TAC_EXTERNAL)
    assert not values.get("significant_information")
    no_mechanics(decision)
    answers = {"significant_information": "Anna Lee reports the family needs parenting support"}
    if authoriser:
        answers["authoriser"] = authoriser
    finish(rt, instance_id, DECISION, "tara", **answers)

    # At once both requests: the authorisation and the Front Door screening.
    auth = only_task(rt, instance_id, AUTHORISE)
    screen = only_task(rt, instance_id, SCREEN)
    assert (auth.lane, auth.assignee, auth.process_id) == ("Manager (authoriser)", authoriser, S_AUTH)
    assert "Senior Early Help worker" in auth.teams
    assert (screen.lane, screen.process_id, sorted(screen.children)) == ("Front Door", S_FD,
                                                                         ["Josie Smith", "Joy Smith"])
    return instance_id


def assert_monitoring_again(rt, instance_id) -> None:
    step = only_task(rt, instance_id, MONITORING)
    assert step.lane == "TAC Admin"
    values = prefilled(rt, instance_id, MONITORING, "tara")
    assert not values.get("monitoring_next_action") and not values.get("tac_meeting_date")
    assert ready_data(rt, instance_id, MONITORING)["case_status"] == TAC_EXTERNAL  # the External LP still leads


def test_l7_progressed_to_early_help(rt):
    case = setup(rt)
    instance_id = request_support(rt, case)
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Parenting support needed", screening_outcome="Progress to Early Help / F4M",
           accepted_subjects=ids(case, "Joy"), allocate_to="Early Help locality", locality_inbox="Lincoln locality")
    allocation = page(rt, instance_id, ALLOCATION, "lola")
    assert (allocation.lane, list(allocation.children)) == ("Early Help locality team", ["Joy Smith"])
    assert "Lincoln locality" in allocation.teams
    errors = refused(rt, instance_id, ALLOCATION, "lola", allocation_case_status="Child and Family Assessment (Early Help)")
    assert errors == {"allocated_team": "Select the allocated team", "request_approved": "Please tick to approve request"}
    finish(rt, instance_id, ALLOCATION, "lola", allocation_case_status="Child and Family Assessment (Early Help)",
           allocated_team="Lincoln locality", request_approved=True)
    assert not any(t.name == MONITORING for t in open_tasks(rt, instance_id))  # waits for the authorisation
    auth = only_task(rt, instance_id, AUTHORISE)
    assert {t.name for t in queries.list_tasks(rt, "sue")} == {AUTHORISE}
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "tara", {})
    finish(rt, instance_id, AUTHORISE, "sid")
    assert (L7, "Progressed to Early Help") in ends(rt, instance_id)
    assert_monitoring_again(rt, instance_id)
    close_sc_and_end_monitoring(rt, instance_id)
    assert_ended(rt, instance_id, E1_L3)


def test_l7_progressed_to_future_4_me_named_authoriser(rt):
    case = setup(rt)
    instance_id = request_support(rt, case, authoriser="sue")
    assert queries.list_tasks(rt, "sid", mine=True) == []
    finish(rt, instance_id, AUTHORISE, "sue")
    assert not any(t.name == MONITORING for t in open_tasks(rt, instance_id))  # waits for Front Door
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Future 4 Me support", screening_outcome="Progress to Early Help / F4M",
           accepted_subjects=ids(case, "Josie", "Joy"), allocate_to="Future 4 Me")
    allocation = only_task(rt, instance_id, ALLOCATION)
    assert allocation.lane == "Future 4 Me"
    finish(rt, instance_id, ALLOCATION, "finn", allocation_case_status="Child and Family Assessment (Early Help)",
           allocated_team="Future 4 Me", request_approved=True)
    assert (L7, "Progressed to Future for Me") in ends(rt, instance_id)
    assert_monitoring_again(rt, instance_id)
    close_sc_and_end_monitoring(rt, instance_id)
    assert_ended(rt, instance_id, E1_L3)


def test_l7_declined_nfa_then_monitoring_continues(rt):
    case = setup(rt)
    instance_id = request_support(rt, case)
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Universal services are enough", screening_outcome="NFA")
    assert not any(t.name == ALLOCATION for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, AUTHORISE, "sue")
    assert (L7, "Request declined – NFA (TAC Monitoring continues)") in ends(rt, instance_id)
    assert_monitoring_again(rt, instance_id)
    assert ALLOCATION not in {e.name for e in queries.history(rt, instance_id=instance_id) if e.action == "task_ready"}

    # A second request later starts blank: the earlier request's answers stay with it.
    finish(rt, instance_id, MONITORING, "tom", monitoring_next_action="external_lp_requesting_early_help_support")
    assert only_task(rt, instance_id, DECISION).assignee == "tom"
    values = prefilled(rt, instance_id, DECISION, "tom")
    assert not values.get("significant_information") and values["case_status_prior"] == TAC_EXTERNAL
    finish(rt, instance_id, DECISION, "tom", significant_information="Concerns about school attendance")
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Refer to Early Help", screening_outcome="Progress to Early Help / F4M",
           accepted_subjects=ids(case, "Josie"), allocate_to="Early Help locality", locality_inbox="Lincoln locality")
    finish(rt, instance_id, ALLOCATION, "lola", allocation_case_status="No Further Action",
           manager_comments="The school's support is enough")
    finish(rt, instance_id, AUTHORISE, "sid")
    assert [e for e in ends(rt, instance_id) if e[0] == L7] == [
        (L7, "Request declined – NFA (TAC Monitoring continues)")] * 2
    assert_monitoring_again(rt, instance_id)
    close_sc_and_end_monitoring(rt, instance_id)
    assert_ended(rt, instance_id, E1_L3)


# --- S-TACMON's own decision: other significant information (part of scenario 10) ---------------------------------

def test_other_significant_information_is_authorised_then_monitoring_continues(rt):
    case = setup(rt)
    instance_id = l3_to_monitoring(rt, case)
    finish(rt, instance_id, MONITORING, "tara", monitoring_next_action="other_significant_information")
    decision = page(rt, instance_id, DECISION, "tara")
    assert (decision.assignee, decision.lane, decision.process_id) == ("tara", "TAC Admin", S_TACMON)
    assert [o["label"] for o in field(decision, "decision_trigger")["options"]] == [
        "Escalation to Social Care - amend case status", "Youth Homeless Intervention required",
        "External LP requesting Future 4 Me Support"]
    values = prefilled(rt, instance_id, DECISION, "tara")
    assert values["case_status_prior"] == TAC_EXTERNAL
    assert not values.get("case_status_changed") and not values.get("case_status_new")  # not L3's decision
    errors = refused(rt, instance_id, DECISION, "tara", decision_trigger="Escalation to Social Care - amend case status",
                     significant_information="Safeguarding concern raised at school", case_status_changed="No")
    assert list(errors) == ["case_status_changed"]
    errors = refused(rt, instance_id, DECISION, "tara", decision_trigger="Add Case Status (Set up only)",
                     significant_information="x", case_status_changed="No")
    assert list(errors) == ["decision_trigger"]
    finish(rt, instance_id, DECISION, "tara", decision_trigger="Escalation to Social Care - amend case status",
           significant_information="Safeguarding concern raised at school",
           case_status_changed="Yes, please detail below", case_status_new="Open to Social Care (Early Help Support)")
    auth = only_task(rt, instance_id, AUTHORISE)
    assert (auth.lane, auth.assignee, auth.process_id) == ("Manager (authoriser)", None, S_AUTH)
    assert not any(t.name == MONITORING for t in open_tasks(rt, instance_id))
    finish(rt, instance_id, AUTHORISE, "sue")
    assert ready_data(rt, instance_id, MONITORING)["case_status"] == OPEN_TO_SC  # authorised: the case's status

    # A later decision starts blank and shows the amended status as the one prior to it.
    finish(rt, instance_id, MONITORING, "tom", monitoring_next_action="other_significant_information")
    values = prefilled(rt, instance_id, DECISION, "tom")
    assert values["case_status_prior"] == OPEN_TO_SC
    assert not values.get("decision_trigger") and not values.get("case_status_changed")
    finish(rt, instance_id, DECISION, "tom", decision_trigger="Youth Homeless Intervention required",
           significant_information="Joy's older sibling is homeless", case_status_changed="No")
    finish(rt, instance_id, AUTHORISE, "sid")
    assert ready_data(rt, instance_id, MONITORING)["case_status"] == OPEN_TO_SC
    close_sc_and_end_monitoring(rt, instance_id)
    assert_ended(rt, instance_id, E1_L3)
    assert [e for e in ends(rt, instance_id) if e[0] == S_AUTH] == [(S_AUTH, "Authorised")] * 3


# --- L6 and L7 started on their own --------------------------------------------------------------------------------

def test_l6_started_on_its_own(rt):
    case = setup(rt)
    with pytest.raises(InvalidInput) as caught:
        instances.start_work(rt, L6, case.id, "tara", subject_ids(case, "Johnny"), {})
    assert list(caught.value.errors) == ["external_lp"]
    instance_id = instances.start_work(rt, L6, case.id, "tara", subject_ids(case, "Johnny"),
                                       {"external_lp": "Health Visitor Anna Lee"})
    decision = only_task(rt, instance_id, DECISION)
    assert (decision.lane, decision.assignee) == ("TAC Admin", None)  # no monitoring step: the TAC Admin team
    assert prefilled(rt, instance_id, DECISION, "tom").get("case_status_prior") is None
    finish(rt, instance_id, DECISION, "tom", significant_information="Change of Lead Professional agreed at the TAC",
           authoriser="sid")
    review = only_task(rt, instance_id, AUTHORISE)
    assert review.assignee == "sid"
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, review.id, "sue", {})
    finish(rt, instance_id, AUTHORISE, "sid", lead_professional="ella")
    finish(rt, instance_id, UPDATE_LP, "sid")
    finish(rt, instance_id, PLAN, "ella")
    assert_ended(rt, instance_id, "Lead Professional changed to Internal – EH TAC Plan and Review with the new "
                                  "Lead Professional")


def test_l7_started_on_its_own(rt):
    case = setup(rt)
    instance_id = instances.start_work(rt, L7, case.id, "tara", subject_ids(case, "Johnny"),
                                       {"external_lp": "Health Visitor Anna Lee"})
    assert only_task(rt, instance_id, DECISION).assignee is None
    finish(rt, instance_id, DECISION, "tara", significant_information="Support with routines requested",
           front_door_note="Please screen today")
    screen = page(rt, instance_id, SCREEN, "fred")
    said = {label: text for step in recorded_so_far(rt, screen.id, "fred") for label, text in step.answers}
    assert said["What has triggered this decision?"] == "External LP requesting Early Help Support"
    assert said["Note"] == "Please screen today" and said["External Lead Professional"] == "Health Visitor Anna Lee"
    finish(rt, instance_id, SCREEN, "fred", screening_decision="No role for Early Help", screening_outcome="NFA")
    finish(rt, instance_id, AUTHORISE, "sue")
    assert_ended(rt, instance_id, "Request declined – NFA (TAC Monitoring continues)")


# --- joins keep what each branch changed, whichever branch finishes last ------------------------------------------

def test_the_join_keeps_case_status_when_the_social_worker_closes_last(rt):
    case = setup(rt)
    instance_id = l3_to_monitoring(rt, case)
    finish(rt, instance_id, MONITORING, "tara", monitoring_next_action="change_of_lead_professional")
    finish(rt, instance_id, DECISION, "tara", significant_information="Notified of a change in Lead Professional")
    finish(rt, instance_id, AUTHORISE, "sue", lead_professional="ella")
    finish(rt, instance_id, UPDATE_LP, "sue")
    finish(rt, instance_id, PLAN, "ella")
    finish(rt, instance_id, CLOSURE, "sam")
    assert_ended(rt, instance_id, E2_L3)
    assert instance_data(rt, instance_id)["case_status"] == TAC_INTERNAL


def test_a_second_request_declined_after_an_accepted_one_ends_declined(rt):
    case = setup(rt)
    instance_id = request_support(rt, case)
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Parenting support", screening_outcome="Progress to Early Help / F4M",
           accepted_subjects=ids(case, "Joy"), allocate_to="Early Help locality", locality_inbox="Lincoln locality")
    finish(rt, instance_id, ALLOCATION, "lola", allocation_case_status="Child and Family Assessment (Early Help)",
           allocated_team="Lincoln locality", request_approved=True)
    finish(rt, instance_id, AUTHORISE, "sue")
    finish(rt, instance_id, MONITORING, "tara", monitoring_next_action="external_lp_requesting_early_help_support")
    finish(rt, instance_id, DECISION, "tara", significant_information="A second request")
    finish(rt, instance_id, SCREEN, "fred", screening_decision="Not needed", screening_outcome="NFA")
    finish(rt, instance_id, AUTHORISE, "sue")
    assert [e for e in ends(rt, instance_id) if e[0] == L7][-1] == (
        L7, "Request declined – NFA (TAC Monitoring continues)")
