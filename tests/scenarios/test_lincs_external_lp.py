"""Catalogue §10 scenarios 6, 7, 10 and 21: Lincolnshire's External Lead Professional routes — the step out with
no Early Help involvement (L4), TAC Admin's Request for TAC Monitoring (L5), the Early Help Manager's EH Decision
on Significant Information (L8) and TAC monitoring that recurs once per TAC meeting (S-TACMON) — the real
diagrams, driven through the service layer for Family Smith (Johnny, Josie, Joy), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from bpmnrun.service import instances, queries, tasks
from bpmnrun.service.errors import Forbidden, InvalidInput
from bpmnrun.service.recorded import recorded_so_far
from bpmnrun.store.models import Case
from tests.support import (LIBRARY, actions, add_users, deploy_paths, finish, instance_data, only_task, open_tasks,
                           ready_sequence, smith_family, start_with_status, subject_ids)

L4 = "lincs_step_out_external_lp_no_eh"
L5 = "lincs_tac_monitoring_request_external_lp"
L8 = "lincs_decision_on_significant_information"
S_AUTH = "lincs_manager_authorisation"
S_CLOSE = "lincs_sc_case_closure"
S_TACMON = "lincs_tac_monitoring"

NOTIFICATION = "CS TAC Admin: Social Care involvement ended, initiate TAC Monitoring (not allocated to EH/F4M)"
SEND = f"Send the Request – {NOTIFICATION}"
CLOSURE = "SC Social Care Case Closure"
CONTACT = "EH Early Help Contact"
RELATIONSHIP = "Add the External Lead Professional as a Worker relationship"
ALLOCATION = "EH Early Help Request and Allocation"
ASSESSMENT = "EH Child and Family Assessment"
AUTHORISE = "CS Manager: Please review and authorise"
MONITORING = "EH TAC Monitoring External Lead Professional"
ALLOCATE_PLAN = "Allocate EH TAC Plan and Review to an Internal Lead Professional"
PLAN_AND_REVIEW = "EH TAC Plan and Review"
CONSULTANT = "EH TAC Consultant support"
NOT_SET_UP = "TAC Monitoring not set up"
DECISION = "EH Decision on Significant Information"

PROCEED_MONITORING = "eh_assessment_uploaded_external_lp_proceed_to_tac_monitoring"
PROCEED_PLAN = "eh_assessment_completed_proceed_to_tac_plan_internal_lp"
CLOSED = "eh_closed_at_assessment_no_further_support_required"
REASSESSED_INTERNAL = "eh_reassessment_completed_internal_lp_tac_already_in_place"
REASSESSED_EXTERNAL = "eh_reassessment_completed_external_lp_tac_already_in_place"
ANNA = "Health Visitor Anna Lee, Boston Health Visiting Team, 01205 000000"

L4_E1 = "Case closed to SC – TAC Monitoring (External LP) ended"
L4_E2 = "Case closed to SC – no child proceeds to TAC"
L4_E3 = "Case closed to SC – TAC Admin recorded No Further Action"
L4_E4 = "Case closed to SC – TAC with an Internal Lead Professional"
L5_E1 = "TAC Monitoring (External LP) ended"
L5_E2 = "No child proceeds to TAC – outcomes recorded"
L5_E3 = "No Further Action recorded – TAC Monitoring not set up"
L5_E4 = "TAC with an Internal Lead Professional – EH TAC Plan and Review"
TACMON_E1 = "TAC Monitoring ended"
TACMON_E2 = "TAC passed to an Internal Lead Professional – EH TAC Plan and Review with the new Lead Professional"


# --- helpers ---------------------------------------------------------------------------------------------------

def setup(rt):
    """Lincolnshire's library (its processes and shared sub-processes), a worker for every lane these processes
    use, and Family Smith."""
    deploy_paths(rt, LIBRARY / "lincs", LIBRARY / "shared")
    add_users(rt, sam="Social Worker", paula="Practice Supervisor", tara="TAC Admin", tom="TAC Admin",
              sue="Senior Early Help worker", ella="Early Help worker", ed="Early Help worker",
              connie="EH TAC Consultant", mo="Early Help Manager", max="Early Help Manager")
    return smith_family(rt)


def start(rt, case, process_id, actor, *children, **data) -> int:
    return start_with_status(rt, process_id, case.id, actor, subject_ids(case, *children), data)


def ids(case, *names) -> list[str]:
    return [str(i) for i in subject_ids(case, *names)]


def per_child(case, **answers) -> dict[str, str]:
    """A per-child answer keyed by child id: per_child(case, Josie=..., Joy=...)."""
    return {str(subject_ids(case, name)[0]): answer for name, answer in answers.items()}


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


def form(rt, task, user: str) -> dict[str, dict]:
    """The task's form as its page shows it, by field id."""
    return {f["id"]: f for f in queries.get_task(rt, task.id, user).form}


def shown(rt, task, user: str) -> dict[str, str]:
    """What the task page shows as recorded so far: label → text (the latest answer of each label)."""
    return {label: text for step in recorded_so_far(rt, task.id, user) for label, text in step.answers}


def completed_data(rt, instance_id, name: str) -> list[dict]:
    info = queries.get_instance(rt, instance_id)
    return [t.data for t in queries.case_tasks(rt, info.case_id)
            if t.instance_id == instance_id and t.name == name and t.state == "completed"]


def task_names(rt, instance_id) -> list[str]:
    return [name for name, _ in ready_sequence(rt, instance_id)]


def case_status(rt, case) -> str | None:
    """The Case Status the case keeps between pieces of work (the last one its work recorded)."""
    with rt.reading() as session:
        return session.get(Case, case.id).case_status


# --- L4: step out with no Early Help involvement, up to L5's first steps ----------------------------------------

def send_notification(rt, case, *children, workstep="SC Child and Family Progress Meeting") -> int:
    """L4.1: the Social Worker's request, with the new External Lead Professional in the Note."""
    instance_id = start(rt, case, L4, "sam", *children)
    request = only_task(rt, instance_id, SEND)
    assert (request.lane, request.process_id) == ("Social Worker", L4)
    assert list(form(rt, request, "sam")) == ["originating_sc_workstep", "external_lp"]
    finish(rt, instance_id, SEND, "sam", originating_sc_workstep=workstep, external_lp=ANNA)
    return instance_id


def acknowledge_and_contact(rt, instance_id) -> None:
    """L4.3 (no fields: completing it is the acknowledgement), then L5.1 and L5.2 for TAC Admin."""
    notification = only_task(rt, instance_id, NOTIFICATION)
    assert (notification.lane, notification.process_id, notification.form) == ("TAC Admin", L4, [])
    assert [t.name for t in queries.list_tasks(rt, "tara", team="TAC Admin")] == [NOTIFICATION]
    finish(rt, instance_id, NOTIFICATION, "tara")

    contact = only_task(rt, instance_id, CONTACT)
    assert (contact.lane, contact.process_id) == ("TAC Admin", L5)
    fields = form(rt, contact, "tara")
    assert fields["service_requested"]["readonly"] and fields["step_down_from_sc"]["readonly"]
    assert "completed" not in fields and "request_datetime" not in fields
    prefilled = tasks.form_values(rt, contact.id, "tara")
    assert (prefilled["service_requested"], prefilled["step_down_from_sc"], prefilled["external_lp"],
            prefilled["source_of_contact"]) == ("tac_monitoring_external_lp",
                                                "yes_step_down_to_external_lp_tac_monitoring", ANNA,
                                                "la_services_lcc_social_care")
    assert shown(rt, contact, "tara")["Note – who the new External Lead Professional will be"] == ANNA
    errors = refused(rt, instance_id, CONTACT, "tara", young_carer="No", service_requested="Homeless Support",
                     step_down_from_sc="No")
    assert set(errors) == {"service_requested", "step_down_from_sc"}
    finish(rt, instance_id, CONTACT, "tara", young_carer="No")

    relationship = only_task(rt, instance_id, RELATIONSHIP)
    assert (relationship.lane, relationship.form) == ("TAC Admin", [])
    finish(rt, instance_id, RELATIONSHIP, "tara")


def allocate_for_upload(rt, instance_id, actor="tara", **extra) -> None:
    finish(rt, instance_id, ALLOCATION, actor, case_status="Child and Family Assessment (Early Help)",
           allocated_team="Boston locality", request_approved=True, **extra)


def upload(rt, case, instance_id, consultant=False, **outcomes) -> None:
    """L5.4 by the TAC Admin worker who completed L5.3, then S-AUTH sent to themself."""
    assessment = only_task(rt, instance_id, ASSESSMENT)
    assert (assessment.lane, assessment.assignee) == ("TAC Admin", "tara")
    finish(rt, instance_id, ASSESSMENT, "tara", assessment_document="EH CFA Health Visitor 25/06/20",
           assessment_outcome=per_child(case, **outcomes), tac_consultant_support=consultant)
    auth = only_task(rt, instance_id, AUTHORISE)
    assert (auth.assignee, auth.lane, auth.process_id) == ("tara", "Manager (authoriser)", S_AUTH)
    finish(rt, instance_id, AUTHORISE, "tara")


def record_meeting(rt, instance_id, meeting: str | None, record: str | None, next_action: str,
                   actor="tara") -> None:
    values = {"monitoring_next_action": next_action}
    if meeting:
        values |= {"tac_meeting_date": meeting, "tac_meeting_record": record}
    finish(rt, instance_id, MONITORING, actor, **values)


# --- scenario 6: L4 External LP, no Early Help involvement ------------------------------------------------------

def test_l4_assessment_already_completed_goes_straight_to_monitoring(rt):
    case = setup(rt)
    instance_id = send_notification(rt, case, "Josie", "Joy")

    # The Social Worker's closure is READY at once, beside TAC Admin's notification: it does not wait.
    assert {(t.name, t.lane) for t in open_tasks(rt, instance_id)} == {
        (CLOSURE, "Social Worker"), (NOTIFICATION, "TAC Admin")}
    closure = only_task(rt, instance_id, CLOSURE)
    assert (closure.process_id, closure.children) == (S_CLOSE, ("Josie Smith", "Joy Smith"))
    finish(rt, instance_id, CLOSURE, "sam")

    acknowledge_and_contact(rt, instance_id)
    allocation = only_task(rt, instance_id, ALLOCATION)
    errors = refused(rt, instance_id, ALLOCATION, "tara", assessment_already_completed="Yes",
                     case_status="Child and Family Assessment (Early Help)", allocated_team="Boston locality",
                     request_approved=True)
    assert errors == {"case_status": "When an Assessment has already been completed, the Case Status is TAC "
                                     "(External LP)"}
    finish(rt, instance_id, ALLOCATION, "tara", assessment_already_completed="Yes", case_status="TAC (External LP)",
           allocated_team="Boston locality", request_approved=True)

    monitoring = only_task(rt, instance_id, MONITORING)
    assert (monitoring.lane, monitoring.process_id, monitoring.children) == (
        "TAC Admin", S_TACMON, ("Josie Smith", "Joy Smith"))
    record_meeting(rt, instance_id, "2025-07-03", "EH TAC minutes 25/07/03", "tac_monitoring_ended")

    assert_ended(rt, instance_id, L4_E1)
    assert case_status(rt, case) == "tac_external_lp"
    assert ASSESSMENT not in task_names(rt, instance_id) and AUTHORISE not in task_names(rt, instance_id)
    assert ends(rt, instance_id) == [(S_CLOSE, "Social Care case closed"), (S_TACMON, TACMON_E1), (L5, L5_E1),
                                     (L4, L4_E1)]
    assert ready_sequence(rt, instance_id)[:3] == [(SEND, "Social Worker"), (CLOSURE, "Social Worker"),
                                                   (NOTIFICATION, "TAC Admin")]
    # The audit names the request verbatim and who completed each step.
    completed = [(e.name, e.actor) for e in queries.history(rt, instance_id=instance_id)
                 if e.action == "task_completed"]
    assert completed == [(SEND, "sam"), (CLOSURE, "sam"), (NOTIFICATION, "tara"), (CONTACT, "tara"),
                         (RELATIONSHIP, "tara"), (ALLOCATION, "tara"), (MONITORING, "tara")]


def test_l4_no_child_proceeds_tells_the_social_worker(rt):
    case = setup(rt)
    instance_id = send_notification(rt, case, "Josie", "Joy", workstep="SC Child and Family Assessment")
    finish(rt, instance_id, "SC No Social Care Intervention Required – Case to close", "sam")
    acknowledge_and_contact(rt, instance_id)
    allocate_for_upload(rt, instance_id, assessment_already_completed="No")
    errors = refused(rt, instance_id, ASSESSMENT, "tara", assessment_document="EH CFA Health Visitor 25/06/20",
                     assessment_outcome=per_child(case, Josie=CLOSED, Joy=REASSESSED_INTERNAL),
                     tac_consultant_support=True)
    assert errors == {"tac_consultant_support": "EH TAC Consultant support is added for children who proceed to "
                                                "TAC Monitoring or a TAC Plan"}
    upload(rt, case, instance_id, Josie=CLOSED, Joy=REASSESSED_INTERNAL)

    told = only_task(rt, instance_id, NOT_SET_UP)
    assert (told.lane, told.process_id, told.form, told.children) == (
        "Social Worker", L4, [], ("Josie Smith", "Joy Smith"))
    page = shown(rt, told, "sam")
    assert page["Outcome from Assessment"] == ("Josie Smith: EH Closed at Assessment - no further support required; "
                                               "Joy Smith: EH Reassessment completed (Internal LP) - TAC already "
                                               "in place")
    finish(rt, instance_id, NOT_SET_UP, "sam")
    assert_ended(rt, instance_id, L4_E2)
    assert ends(rt, instance_id)[-3:] == [(S_AUTH, "Authorised"), (L5, L5_E2), (L4, L4_E2)]
    assert MONITORING not in task_names(rt, instance_id)


def test_l4_no_further_action_shows_the_managers_comments(rt):
    case = setup(rt)
    instance_id = send_notification(rt, case, "Johnny", "Josie", "Joy")
    acknowledge_and_contact(rt, instance_id)
    comments = "Health Visitor confirms the family have moved out of county; no TAC to monitor here"
    errors = refused(rt, instance_id, ALLOCATION, "tara", case_status="No Further Action", request_approved=True)
    assert errors == {
        "manager_comments": "Please record the Manager's Comments / Consultation Discussion for No Further Action",
        "request_approved": "A request with No Further Action is not approved"}
    finish(rt, instance_id, ALLOCATION, "tara", case_status="No Further Action", manager_comments=comments)

    told = only_task(rt, instance_id, NOT_SET_UP)
    page = shown(rt, told, "sam")
    assert (page["Case Status"], page["Manager's Comments / Consultation Discussion"]) == (
        "No Further Action", comments)
    finish(rt, instance_id, NOT_SET_UP, "sam")
    assert queries.get_instance(rt, instance_id).status == "running"  # the closure is still the Social Worker's
    finish(rt, instance_id, CLOSURE, "sam")
    assert_ended(rt, instance_id, L4_E3)
    assert case_status(rt, case) == "no_further_action"
    assert (L5, L5_E3) in ends(rt, instance_id)
    assert ASSESSMENT not in task_names(rt, instance_id) and AUTHORISE not in task_names(rt, instance_id)


def test_l4_tac_plan_with_an_internal_lead_professional(rt):
    case = setup(rt)
    instance_id = send_notification(rt, case, "Josie", "Joy")
    finish(rt, instance_id, CLOSURE, "sam")
    acknowledge_and_contact(rt, instance_id)
    allocate_for_upload(rt, instance_id, assessment_already_completed="No")
    upload(rt, case, instance_id, Josie=PROCEED_PLAN, Joy=CLOSED)

    allocate = only_task(rt, instance_id, ALLOCATE_PLAN)
    assert (allocate.lane, allocate.children) == ("Senior Early Help worker", ("Josie Smith",))
    assert [o["id"] for o in form(rt, allocate, "sue")["lead_professional"]["options"]] == ["ed", "ella"]
    assert "lead_professional" in refused(rt, instance_id, ALLOCATE_PLAN, "sue", lead_professional="tom")
    finish(rt, instance_id, ALLOCATE_PLAN, "sue", lead_professional="ella")
    plan = only_task(rt, instance_id, PLAN_AND_REVIEW)
    assert (plan.lane, plan.assignee, plan.children, plan.form) == ("Early Help worker", "ella", ("Josie Smith",), [])
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, plan.id, "ed", {})
    finish(rt, instance_id, PLAN_AND_REVIEW, "ella")

    assert_ended(rt, instance_id, L4_E4)
    assert case_status(rt, case) == "tac_internal_lp"  # set by the outcomes once the assessment was authorised
    assert ends(rt, instance_id)[-2:] == [(L5, L5_E4), (L4, L4_E4)]
    assert MONITORING not in task_names(rt, instance_id) and NOT_SET_UP not in task_names(rt, instance_id)


# --- scenario 7: L5 on its own ---------------------------------------------------------------------------------

def start_l5(rt, case, *children) -> int:
    """L5 top level: TAC Admin received a Child and Family Assessment from an External Lead Professional."""
    instance_id = start(rt, case, L5, "tara", *children)
    contact = form(rt, only_task(rt, instance_id, CONTACT), "tara")
    assert [(contact[f]["default"], contact[f]["readonly"]) for f in ("service_requested", "step_down_from_sc")] == [
        ("tac_monitoring_external_lp", True), ("no", True)]
    finish(rt, instance_id, CONTACT, "tara", young_carer="No", source_of_contact="Other",
           external_lp="School nurse Priya Shah, St Marys Primary")
    [recorded] = completed_data(rt, instance_id, CONTACT)
    assert (recorded["service_requested"], recorded["step_down_from_sc"]) == ("tac_monitoring_external_lp", "no")
    finish(rt, instance_id, RELATIONSHIP, "tara")
    return instance_id


def test_l5_cannot_start_for_another_service(rt):
    case = setup(rt)
    with pytest.raises(InvalidInput) as caught:
        start(rt, case, L5, "tara", "Josie", service_requested="Homeless Support")
    assert caught.value.errors == {"service_requested": "This workflow is for the service TAC Monitoring (External LP)"}
    start_form = {f.id: f for f in instances.start_form(rt, L5).fields}
    assert start_form["service_requested"].readonly and start_form["service_requested"].default == \
        "tac_monitoring_external_lp"
    with pytest.raises(InvalidInput):
        start(rt, case, L5, "tara", "Josie", step_down_from_sc="yes_step_down_to_external_lp_tac_monitoring")
    assert queries.case_tasks(rt, case.id) == []


def test_l5_chasing_upload_per_child_outcomes_and_consultant_support(rt, clock):
    case = setup(rt)
    instance_id = start_l5(rt, case, "Josie", "Joy")

    allocation = only_task(rt, instance_id, ALLOCATION)
    fields = form(rt, allocation, "tara")
    assert [o["label"] for o in fields["case_status"]["options"]] == [
        "Open to Social Care (Early Help Support)", "Child and Family Assessment (Early Help)", "No Further Action",
        "TAC (Internal LP)", "TAC (External LP)"]
    tasks.save_draft(rt, allocation.id, "tara", {"contact_date": "2025-06-02", "persons_contacted": "Priya Shah",
                                                 "contact_details": "Chased the completed Assessment by phone"})
    clock.set(datetime(2025, 6, 9, 10, 0))
    draft = tasks.save_draft(rt, allocation.id, "tara", {"contact_date": "2025-06-09", "persons_contacted": "Priya Shah",
                                                         "contact_details": "Assessment promised by email"})
    assert [r["contact_date"] for r in draft["_rows"]["record_of_contacts"]] == ["2025-06-02", "2025-06-09"]
    assert only_task(rt, instance_id).name == ALLOCATION  # a draft moves nothing
    # Not a step down from Social Care: the Assessment must be uploaded.
    errors = refused(rt, instance_id, ALLOCATION, "tara", assessment_already_completed="Yes",
                     case_status="TAC (External LP)", allocated_team="Boston locality", request_approved=True)
    assert errors == {"assessment_already_completed": "Only a case stepped down from Social Care can go to TAC "
                                                      "Monitoring without uploading the Assessment"}
    assert refused(rt, instance_id, ALLOCATION, "tara", case_status="Child and Family Assessment (Early Help)") == {
        "allocated_team": "Select the allocated team", "request_approved": "Please tick to approve request"}
    clock.set(datetime(2025, 6, 12, 11, 0))
    allocate_for_upload(rt, instance_id, assessment_subjects=ids(case, "Josie", "Joy"))

    assessment = only_task(rt, instance_id, ASSESSMENT)
    assert (assessment.assignee, assessment.children) == ("tara", ("Josie Smith", "Joy Smith"))
    fields = form(rt, assessment, "tara")
    assert list(fields) == ["assessment_document", "assessment_type", "assessment_outcome", "tac_consultant_support"]
    assert fields["assessment_type"]["readonly"] and fields["assessment_outcome"]["per_child"]
    assert fields["assessment_type"]["default"] == "tac_external_lp_cfa_uploaded"
    with pytest.raises(Forbidden):  # assigned to the TAC Admin worker who completed the allocation
        tasks.complete_task(rt, assessment.id, "tom", {})
    outcomes = per_child(case, Josie=PROCEED_MONITORING, Joy=PROCEED_PLAN)
    errors = refused(rt, instance_id, ASSESSMENT, "tara", assessment_document="CFA.pdf", assessment_outcome=outcomes,
                     tac_consultant_support=True)
    assert errors == {"assessment_document": "The correct naming convention EH [name of document] YY/MM/DD should "
                                             "be used"}
    errors = refused(rt, instance_id, ASSESSMENT, "tara", assessment_document="EH CFA St Marys 25/06/12",
                     assessment_outcome=per_child(case, Josie=PROCEED_MONITORING))
    assert errors == {"assessment_outcome": "Select the outcome from assessment for Joy Smith"}
    finish(rt, instance_id, ASSESSMENT, "tara", assessment_document="EH CFA St Marys 25/06/12",
           assessment_outcome=outcomes, tac_consultant_support=True)

    auth = only_task(rt, instance_id, AUTHORISE)
    assert (auth.assignee, auth.lane) == ("tara", "Manager (authoriser)")
    assert not any(t.name in (MONITORING, ALLOCATE_PLAN, CONSULTANT) for t in open_tasks(rt, instance_id))
    with pytest.raises(Forbidden):
        tasks.complete_task(rt, auth.id, "tom", {})
    finish(rt, instance_id, AUTHORISE, "tara")

    # Each group of children goes on its own branch.
    branches = {t.name: (t.lane, t.children) for t in open_tasks(rt, instance_id)}
    assert branches == {MONITORING: ("TAC Admin", ("Josie Smith",)),
                        ALLOCATE_PLAN: ("Senior Early Help worker", ("Joy Smith",)),
                        CONSULTANT: ("EH TAC Consultant", ("Josie Smith", "Joy Smith"))}
    assert [t.name for t in queries.list_tasks(rt, "connie")] == [CONSULTANT]
    finish(rt, instance_id, ALLOCATE_PLAN, "sue", lead_professional="ed")
    plan = only_task(rt, instance_id, PLAN_AND_REVIEW)
    assert (plan.assignee, plan.children) == ("ed", ("Joy Smith",))
    finish(rt, instance_id, PLAN_AND_REVIEW, "ed")
    finish(rt, instance_id, CONSULTANT, "connie")
    assert queries.get_instance(rt, instance_id).status == "running"  # monitoring goes on
    record_meeting(rt, instance_id, "2025-07-03", "EH TAC minutes 25/07/03", "tac_monitoring_ended", actor="tom")

    assert_ended(rt, instance_id, L5_E1)
    assert case_status(rt, case) == "tac_external_lp"  # a child is monitored with the External LP
    [recorded] = completed_data(rt, instance_id, ALLOCATION)
    assert recorded["record_of_contacts"] == [
        {"contact_date": "2025-06-02", "persons_contacted": "Priya Shah",
         "contact_details": "Chased the completed Assessment by phone"},
        {"contact_date": "2025-06-09", "persons_contacted": "Priya Shah", "contact_details": "Assessment promised by email"}]
    [uploaded] = [e for e in queries.history(rt, instance_id=instance_id)
                  if e.action == "task_completed" and e.name == ASSESSMENT]
    assert uploaded.detail["data"]["assessment_outcome"] == outcomes
    assert uploaded.detail["data"]["assessment_type"] == "tac_external_lp_cfa_uploaded"
    assert (uploaded.actor, uploaded.at) == ("tara", rt.now())  # who uploaded it, and when (the clock stood still)


@pytest.mark.parametrize("josie, joy, end", [
    pytest.param(CLOSED, CLOSED, L5_E2, id="both-closed-at-assessment"),
    pytest.param(REASSESSED_EXTERNAL, PROCEED_PLAN, L5_E4, id="only-joy-tac-plan"),
])
def test_l5_outcome_variants(rt, josie, joy, end):
    case = setup(rt)
    instance_id = start_l5(rt, case, "Josie", "Joy")
    allocate_for_upload(rt, instance_id)
    upload(rt, case, instance_id, Josie=josie, Joy=joy)
    if joy == PROCEED_PLAN:
        assert only_task(rt, instance_id).children == ("Joy Smith",)
        finish(rt, instance_id, ALLOCATE_PLAN, "sue", lead_professional="ella")
        finish(rt, instance_id, PLAN_AND_REVIEW, "ella")
    assert_ended(rt, instance_id, end)
    assert MONITORING not in task_names(rt, instance_id)


def test_l5_no_further_action_needs_comments_not_approval(rt):
    case = setup(rt)
    instance_id = start_l5(rt, case, "Josie", "Joy")
    assert refused(rt, instance_id, ALLOCATION, "tara", case_status="No Further Action") == {
        "manager_comments": "Please record the Manager's Comments / Consultation Discussion for No Further Action"}
    finish(rt, instance_id, ALLOCATION, "tara", case_status="No Further Action",
           manager_comments="The school will lead; TAC Monitoring not needed")
    assert_ended(rt, instance_id, L5_E3)
    assert task_names(rt, instance_id) == [CONTACT, RELATIONSHIP, ALLOCATION]


def test_l5_assessment_for_the_children_selected_only(rt):
    case = setup(rt)
    instance_id = start_l5(rt, case, "Johnny", "Josie", "Joy")
    allocate_for_upload(rt, instance_id, assessment_subjects=ids(case, "Josie"))
    assessment = only_task(rt, instance_id, ASSESSMENT)
    assert assessment.children == ("Josie Smith",)
    assert [c["label"] for c in form(rt, assessment, "tara")["assessment_outcome"]["children"]] == ["Josie Smith"]
    upload(rt, case, instance_id, Josie=PROCEED_MONITORING)
    assert only_task(rt, instance_id, MONITORING).children == ("Josie Smith",)
    record_meeting(rt, instance_id, None, None, "tac_monitoring_ended")
    assert_ended(rt, instance_id, L5_E1)


# --- scenario 21: TAC monitoring recurs ------------------------------------------------------------------------

def test_l4_monitoring_recurs_once_per_tac_meeting(rt):
    case = setup(rt)
    instance_id = send_notification(rt, case, "Josie")
    finish(rt, instance_id, CLOSURE, "sam")
    acknowledge_and_contact(rt, instance_id)
    finish(rt, instance_id, ALLOCATION, "tara", assessment_already_completed="Yes", case_status="TAC (External LP)",
           allocated_team="Boston locality", request_approved=True)

    first = only_task(rt, instance_id, MONITORING)
    assert (first.lane, first.children) == ("TAC Admin", ("Josie Smith",))
    assert "tac_meeting_date" in refused(rt, instance_id, MONITORING, "tara", monitoring_next_action="next_tac_meeting")
    record_meeting(rt, instance_id, "2025-07-03", "EH TAC minutes 25/07/03", "next_tac_meeting")
    second = only_task(rt, instance_id, MONITORING)
    assert second.id != first.id
    assert [t.state for t in queries.case_tasks(rt, case.id) if t.id == first.id] == ["completed"]
    record_meeting(rt, instance_id, "2025-10-02", "EH TAC minutes 25/10/02", "next_tac_meeting", actor="tom")
    record_meeting(rt, instance_id, None, None, "tac_monitoring_ended")

    assert_ended(rt, instance_id, L4_E1)
    assert ends(rt, instance_id)[-3:] == [(S_TACMON, TACMON_E1), (L5, L5_E1), (L4, L4_E1)]
    steps = completed_data(rt, instance_id, MONITORING)
    assert [s.get("tac_meeting_record") for s in steps] == ["EH TAC minutes 25/07/03", "EH TAC minutes 25/10/02", None]
    assert [s["monitoring_next_action"] for s in steps] == ["next_tac_meeting", "next_tac_meeting",
                                                            "tac_monitoring_ended"]


# --- scenario 10: L8, the Early Help Manager's triggers, all authorised -------------------------------------------

OFFERED = ["transfer_tac_internal_external", "transfer_eh_work_steps_to_another_team",
           "escalation_to_social_care_amend_case_status", "youth_homeless_intervention_required",
           "internal_lp_requesting_future_4_me_support",
           "step_down_from_social_care_to_tac_internal_lp_send_tac_plan_and_review_to_self",
           "step_down_from_social_care_to_tac_external_lp_send_tac_monitoring_to_tac_admin",
           "add_case_status_set_up_only"]
T8 = OFFERED[5]
T9 = OFFERED[6]


def decide(rt, case, trigger: str, prior="tac_internal_lp", **values) -> int:
    """Start L8 on a case whose recorded Case Status is `prior`; the Early Help Manager records the decision,
    authorised by themself; the authorisation comes before anything else."""
    instance_id = start(rt, case, L8, "mo", "Josie", "Joy", case_status=prior)
    decision = only_task(rt, instance_id, DECISION)
    assert (decision.lane, decision.process_id) == ("Early Help Manager", L8)
    finish(rt, instance_id, DECISION, "mo", decision_trigger=trigger,
           significant_information="Discussed at EH Early Help Case Supervision", authoriser="mo", **values)
    auth = only_task(rt, instance_id)
    assert (auth.name, auth.assignee, auth.lane, auth.process_id) == (AUTHORISE, "mo", "Manager (authoriser)", S_AUTH)
    finish(rt, instance_id, AUTHORISE, "mo")
    return instance_id


def test_l8_offers_the_early_help_managers_triggers_and_the_recorded_case_status(rt):
    case = setup(rt)
    instance_id = start(rt, case, L8, "mo", "Josie", "Joy", case_status="tac_external_lp")
    decision = only_task(rt, instance_id, DECISION)
    fields = form(rt, decision, "mo")
    assert [o["id"] for o in fields["decision_trigger"]["options"]] == OFFERED  # not 5 or 6
    assert fields["case_status_prior"]["readonly"] and "completed_by" not in fields
    assert tasks.form_values(rt, decision.id, "mo")["case_status_prior"] == "tac_external_lp"
    assert [o["id"] for o in fields["authoriser"]["options"]] == ["max", "mo", "sue"]
    errors = refused(rt, instance_id, DECISION, "mo", case_status_prior="tac_internal_lp",
                     decision_trigger="external_lp_requesting_early_help_support")
    assert set(errors) == {"case_status_prior", "decision_trigger", "significant_information",
                           "case_status_changed", "authoriser"}



def test_l8_case_status_prior_is_the_one_the_case_recorded(rt):
    """Nothing recorded yet: Case Status (prior to decision) is blank and the set-up trigger records one; the
    next decision on the case starts with it, and its own change becomes the case's once authorised."""
    case = setup(rt)
    first = start(rt, case, L8, "mo", "Josie", "Joy")
    assert tasks.form_values(rt, only_task(rt, first, DECISION).id, "mo").get("case_status_prior") is None
    finish(rt, first, DECISION, "mo", decision_trigger="Add Case Status (Set up only)",
           significant_information="Case Status set up", case_status_changed="Yes, please detail below",
           case_status_new="TAC (External LP)", authoriser="mo")
    assert case_status(rt, case) is None  # not before it is authorised
    finish(rt, first, AUTHORISE, "mo")
    assert_ended(rt, first, "Decision recorded")
    assert case_status(rt, case) == "tac_external_lp"

    second = start(rt, case, L8, "max", "Josie")
    decision = only_task(rt, second, DECISION)
    assert tasks.form_values(rt, decision.id, "max")["case_status_prior"] == "tac_external_lp"
    finish(rt, second, DECISION, "max", decision_trigger="Escalation to Social Care - amend case status",
           significant_information="New safeguarding concerns", case_status_changed="Yes, please detail below",
           case_status_new="Open to Social Care (Early Help Support)", authoriser="max")
    finish(rt, second, AUTHORISE, "max")
    [recorded] = completed_data(rt, second, DECISION)
    assert recorded["case_status_prior"] == "tac_external_lp"
    assert case_status(rt, case) == "open_to_social_care_early_help_support"


@pytest.mark.parametrize("trigger, values, end", [
    pytest.param("escalation_to_social_care_amend_case_status",
                 {"case_status_changed": "Yes, please detail below",
                  "case_status_new": "Open to Social Care (Early Help Support)"},
                 "Escalated to Social Care – case status amended", id="escalation"),
    pytest.param("youth_homeless_intervention_required", {"case_status_changed": "No"}, "Decision recorded",
                 id="youth-homeless"),
    pytest.param("transfer_tac_internal_external",
                 {"case_status_changed": "Yes, please detail below", "case_status_new": "TAC (External LP)"},
                 "Decision recorded", id="transfer-internal-to-external"),
])
def test_l8_decisions_that_end_once_authorised(rt, trigger, values, end):
    case = setup(rt)
    instance_id = decide(rt, case, trigger, **values)
    assert_ended(rt, instance_id, end)
    assert ends(rt, instance_id) == [(S_AUTH, "Authorised"), (L8, end)]
    assert task_names(rt, instance_id) == [DECISION, AUTHORISE]


def test_l8_escalation_proposes_open_to_social_care(rt):
    case = setup(rt)
    instance_id = start(rt, case, L8, "mo", "Josie", case_status="tac_internal_lp")
    base = {"decision_trigger": "Escalation to Social Care - amend case status", "authoriser": "mo",
            "significant_information": "New safeguarding concerns raised at the TAC meeting"}
    assert refused(rt, instance_id, DECISION, "mo", case_status_changed="No", **base) == {
        "case_status_changed": "This trigger changes the Case Status: tick Yes, please detail below"}
    assert set(refused(rt, instance_id, DECISION, "mo", case_status_changed="Yes, please detail below",
                       case_status_new="TAC (Internal LP)", **base)) == {"case_status_new"}


def test_l8_step_down_to_internal_lp_allocates_tac_plan_and_review(rt):
    case = setup(rt)
    instance_id = start(rt, case, L8, "mo", "Josie", "Joy", case_status="open_to_social_care_early_help_support")
    base = {"decision_trigger": T8, "significant_information": "Social Care involvement ended",
            "case_status_changed": "Yes, please detail below", "authoriser": "mo"}
    # "send TAC Plan and Review to self": the Early Help worker, or the manager recording the decision.
    offered = form(rt, only_task(rt, instance_id, DECISION), "mo")["lead_professional"]["options"]
    assert [o["id"] for o in offered] == ["ed", "ella", "max", "mo", "sue"]
    errors = refused(rt, instance_id, DECISION, "mo", case_status_new="TAC (External LP)", **base)
    assert set(errors) == {"case_status_new", "lead_professional"}
    finish(rt, instance_id, DECISION, "mo", case_status_new="TAC (Internal LP)", lead_professional="ella",
           next_action_subjects=ids(case, "Joy"), **base)
    assert [t.name for t in open_tasks(rt, instance_id)] == [AUTHORISE]  # nothing reaches Ella before it
    finish(rt, instance_id, AUTHORISE, "mo")
    plan = only_task(rt, instance_id, PLAN_AND_REVIEW)
    assert (plan.lane, plan.assignee, plan.children) == ("Early Help worker", "ella", ("Joy Smith",))
    finish(rt, instance_id, PLAN_AND_REVIEW, "ella")
    assert_ended(rt, instance_id, "TAC (Internal LP) – EH TAC Plan and Review allocated")
    assert instance_data(rt, instance_id)["case_status_new"] == "tac_internal_lp"
    assert case_status(rt, case) == "tac_internal_lp"


def test_l8_step_down_to_external_lp_goes_to_tac_admin_monitoring(rt):
    case = setup(rt)
    instance_id = decide(rt, case, T9, prior="child_and_family_assessment_early_help",
                         case_status_changed="Yes, please detail below", case_status_new="TAC (External LP)",
                         next_action_subjects=ids(case, "Josie"), external_lp=ANNA)
    relationship = only_task(rt, instance_id, RELATIONSHIP)
    assert (relationship.lane, relationship.children, relationship.form) == ("TAC Admin", ("Josie Smith",), [])
    assert shown(rt, relationship, "tara")[
        "EH TAC Monitoring External Lead Professional – who the External Lead Professional is"] == ANNA
    finish(rt, instance_id, RELATIONSHIP, "tara")
    monitoring = only_task(rt, instance_id, MONITORING)
    assert (monitoring.process_id, monitoring.children) == (S_TACMON, ("Josie Smith",))
    record_meeting(rt, instance_id, "2025-07-03", "EH TAC minutes 25/07/03", "tac_monitoring_ended")
    assert_ended(rt, instance_id, "TAC (External LP) – TAC Monitoring ended")
    assert case_status(rt, case) == "tac_external_lp"
    assert ends(rt, instance_id) == [(S_AUTH, "Authorised"), (S_TACMON, TACMON_E1),
                                     (L8, "TAC (External LP) – TAC Monitoring ended")]


def test_l8_step_down_to_external_lp_then_other_information_and_a_change_of_lead_professional(rt):
    case = setup(rt)
    instance_id = decide(rt, case, T9, prior="child_and_family_assessment_early_help",
                         case_status_changed="Yes, please detail below", case_status_new="TAC (External LP)",
                         next_action_subjects=ids(case, "Josie", "Joy"), external_lp=ANNA)
    finish(rt, instance_id, RELATIONSHIP, "tara")
    record_meeting(rt, instance_id, "2025-07-03", "EH TAC minutes 25/07/03", "other_significant_information")

    # From monitoring, TAC Admin's own decision: only the triggers TAC Admin raises, nothing carried over from
    # the Early Help Manager's decision, authorised by the Senior Early Help worker, then monitoring goes on.
    other = only_task(rt, instance_id, DECISION)
    assert (other.lane, other.assignee, other.process_id) == ("TAC Admin", "tara", S_TACMON)
    fields = form(rt, other, "tara")
    assert [o["id"] for o in fields["decision_trigger"]["options"]] == [
        "escalation_to_social_care_amend_case_status", "youth_homeless_intervention_required",
        "external_lp_requesting_future_4_me_support"]
    prefilled = tasks.form_values(rt, other.id, "tara")
    assert not any(prefilled.get(f) for f in ("decision_trigger", "significant_information", "case_status_changed",
                                               "case_status_new", "authoriser"))
    finish(rt, instance_id, DECISION, "tara", decision_trigger="Youth Homeless Intervention required",
           significant_information="Josie has left home; the Health Visitor asks for a Youth Homeless Intervention",
           case_status_changed="No", authoriser="sue")
    auth = only_task(rt, instance_id, AUTHORISE)
    assert (auth.assignee, auth.process_id) == ("sue", S_AUTH)
    finish(rt, instance_id, AUTHORISE, "sue")

    # The final monitoring step hands the TAC to an Internal Lead Professional.
    record_meeting(rt, instance_id, "2025-10-02", "EH TAC minutes 25/10/02", "change_of_lead_professional")
    finish(rt, instance_id, DECISION, "tara", significant_information="The school nurse has left; Early Help "
                                                                      "takes over as Lead Professional",
           authoriser="sue")
    finish(rt, instance_id, AUTHORISE, "sue", next_action_subjects=ids(case, "Josie", "Joy"),
           lead_professional="ella")
    finish(rt, instance_id, "Update the Lead Professional role for the child(ren)", "sue")
    plan = only_task(rt, instance_id, PLAN_AND_REVIEW)
    assert (plan.assignee, plan.children) == ("ella", ("Josie Smith", "Joy Smith"))
    finish(rt, instance_id, PLAN_AND_REVIEW, "ella")

    e9 = "TAC (External LP) – TAC passed to an Internal Lead Professional"
    assert_ended(rt, instance_id, e9)
    assert case_status(rt, case) == "tac_internal_lp"
    assert [(p, e) for p, e in ends(rt, instance_id) if p in (S_TACMON, L8)] == [(S_TACMON, TACMON_E2), (L8, e9)]
    assert [p for p, _ in ends(rt, instance_id)].count(S_AUTH) == 2


@pytest.mark.parametrize("route", ["no-further-action", "tac-plan"])
def test_l4_closure_finished_last_keeps_what_tac_admin_recorded(rt, route):
    """The case was open to Social Care with a Case Status recorded; the Social Worker finishes the closure only
    after TAC Admin's side has ended: the join keeps TAC Admin's Case Status and the right end."""
    case = setup(rt)
    with rt.transaction() as session:
        session.get(Case, case.id).case_status = "open_to_social_care_early_help_support"
    instance_id = send_notification(rt, case, "Josie")
    assert instance_data(rt, instance_id)["case_status"] == "open_to_social_care_early_help_support"
    acknowledge_and_contact(rt, instance_id)
    if route == "no-further-action":
        finish(rt, instance_id, ALLOCATION, "tara", case_status="No Further Action",
               manager_comments="The school will lead")
        finish(rt, instance_id, NOT_SET_UP, "sam")
        end, status = L4_E3, "no_further_action"
    else:
        allocate_for_upload(rt, instance_id, assessment_already_completed="No")
        upload(rt, case, instance_id, Josie=PROCEED_PLAN)
        finish(rt, instance_id, ALLOCATE_PLAN, "sue", lead_professional="ella")
        finish(rt, instance_id, PLAN_AND_REVIEW, "ella")
        end, status = L4_E4, "tac_internal_lp"
    assert [t.name for t in open_tasks(rt, instance_id)] == [CLOSURE]
    finish(rt, instance_id, CLOSURE, "sam")
    assert_ended(rt, instance_id, end)
    assert case_status(rt, case) == status


def test_l5_monitoring_passed_to_an_internal_lead_professional_ends_with_a_tac_plan(rt):
    """Josie is monitored and Joy goes to a TAC Plan; Josie's TAC then passes to an Internal Lead Professional
    (through the change of Lead Professional) before Joy's branch finishes: E4, and the case is TAC (Internal LP)."""
    case = setup(rt)
    instance_id = start_l5(rt, case, "Josie", "Joy")
    allocate_for_upload(rt, instance_id)
    upload(rt, case, instance_id, Josie=PROCEED_MONITORING, Joy=PROCEED_PLAN)
    assert case_status(rt, case) == "tac_external_lp"
    record_meeting(rt, instance_id, "2025-07-03", "EH TAC minutes 25/07/03", "change_of_lead_professional")
    finish(rt, instance_id, DECISION, "tara", significant_information="The school nurse hands the TAC to Early Help",
           authoriser="sue")
    finish(rt, instance_id, AUTHORISE, "sue", next_action_subjects=ids(case, "Josie"), lead_professional="ed")
    finish(rt, instance_id, "Update the Lead Professional role for the child(ren)", "sue")
    finish(rt, instance_id, PLAN_AND_REVIEW, "ed")
    assert case_status(rt, case) == "tac_internal_lp"
    finish(rt, instance_id, ALLOCATE_PLAN, "sue", lead_professional="ella")
    finish(rt, instance_id, PLAN_AND_REVIEW, "ella")
    assert_ended(rt, instance_id, L5_E4)
    assert (S_TACMON, TACMON_E2) in ends(rt, instance_id)
    assert case_status(rt, case) == "tac_internal_lp"
