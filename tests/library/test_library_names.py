"""The process library speaks the documents' words: every name of the catalogue's Appendix A is in a diagram,
and every user task carries an activity term of the shared vocabulary."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from lxml import etree

from bpmnrun.library.files import NS
from bpmnrun.library.validation import Checker

LIBRARY = Path(__file__).parents[2] / "bpmn"

# Process catalogue, Appendix A: the exact-name checklist (lists split into their items, aliases listed too).
APPENDIX_A = [
    # Lincolnshire worksteps / next actions
    "SC Child and Family Assessment", "SC Child and Family Progress Meeting", "SC Review Child Protection Conference",
    "SC Social Care Case Closure", "SC No Social Care Intervention Required – Case to close", "SC Child in Need Visit",
    "SC Child Protection Visit", "SC Core Group Meeting", "EH Early Help Case Supervision",
    "EH Decision on Significant Information", "EH TAC Plan and Review", "EH Early Help Contact",
    "EH Early Help Request and Allocation", "EH Child and Family Assessment Required", "EH Child and Family Assessment",
    "EH TAC Monitoring External Lead Professional", "EH TAC Consultant support", "NFA",
    # Lincolnshire requests
    "CS Early Help Manager: Social Care involvement ended, step out to TAC (Internal LP)",
    "CS Early Help Manager: Social Care involvement ended, step out to TAC Monitoring (External LP)",
    "step down to TAC Monitoring (External LP)",
    "CS TAC Admin: Social Care involvement ended, initiate TAC Monitoring (not allocated to EH/F4M)",
    "CS Front door: Please screen contact", "CS Front Door: Please screen contact",
    "REQUIRED CS Manager: Please review and authorise", "Required CS Manager: Please review and authorise",
    "CS Manager: Please review and authorise", "CS F4M: Please screen contact", "CS Notification of allocation",
    "CS Notification of Youth Homeless Request", "CS Please action", "CS TAC Admin: Please transfer TAC to External LP",
    # Lincolnshire inboxes and roles
    "EH Awaiting Allocation", "CS Future 4 Me – inbox", "CS Early Help – Front Door Inbox", "TAC Admin Virtual Worker",
    "Social Worker", "Practice Supervisor", "Early Help Manager", "Senior Early Help worker", "Early Help worker",
    "Front Door", "TAC Admin", "Future 4 Me", "Lead Professional",
    # Lincolnshire labels and options
    "Are any of the children / young people in the family a 'Young Carer'?", "Service Requested",
    "Early Help / F4M Support", "Homeless Support", "Future 4 Me Consultation", "TAC Monitoring (External LP)",
    "Please select service in Radio field", "Is this a 'step down' from Social Care?",
    "Is this a 'step out' from Social Care?", "Yes - Step down to External LP (TAC Monitoring)",
    "Yes - Please open to Early Help to step down to Internal LP",
    "Yes – Please open to Early Help to step out to Internal LP", "Source of Contact", "LA Services – LCC Social Care",
    "Date/time of request", "Details of person making contact", "Screening Decision and Required Actions",
    "Screening Outcome", "Progress to Early Help / F4M", "Screen by", "Case Status (prior to decision)",
    "What has triggered this decision?", "Request has been sent to Front Door for screening",
    "Significant Information", "Please add further detail", "Has there been a change to the Case Status",
    "Yes, please detail below", "Case Status", "Open to Social Care (Early Help Support)",
    "Child and Family Assessment (Early Help)", "No Further Action", "TAC (Internal LP)", "TAC (External LP)",
    "Completed by", "Send Immediately?", "Record of contacts", "Person(s) contacted", "Details",
    "Manager's Comments / Consultation Discussion", "Allocated Team", "Please tick to approve request",
    "EH [name of document] YY/MM/DD", "Checked and completed by", "Assessment Type", "Social Care", "Early Help",
    "TAC External LP (CFA Uploaded)", "Outcome from Assessment",
    "EH Assessment completed - proceed to TAC Plan (Internal LP)",
    "EH Closed at Assessment - no further support required",
    "EH Reassessment completed (Internal LP) - TAC already in place",
    "EH Reassessment completed (External LP) - TAC already in place",
    "EH Assessment uploaded (External LP) - proceed to TAC Monitoring", "Note", "Pass to Worker", "Pass to team",
    "Assign to Me",
    # York
    "MASH", "level 2", "early help recording form", "early help co-ordinator", "lead professional",
    "lead practitioner", "Single Assessment", "section 17", "informed consent", "review Child In Need (CiN) meeting",
    "Review Child Protection Conference (RCPC)", "SMART, multi-agency plan", "Targeted Intervention Service",
    "weekly transfer meeting", "Child and Family Support Practitioner", "joint handover meeting", "hand over visit",
    "5 working days", "team around the child", "ending visit", "endings letter", "Professional Relationships",
    "person summary screen", "manager oversight", "early help assessment work step", "Supporting Families Team",
    "supportingfamilies@york.gov.uk", "Team Around the Child and Family meeting records", "TAC&F",
    "'advice team duty worker'", "Practice Managers", "'Signpost to Children's Advice Team'", "'Assign to me'",
    "'Partner led EHA'", "'Close Case to Children's Social Work Services'", "Child in Need Meeting Record",
    "RCPC record of meeting", "Summary of CiN interventions", "'Partner-led EH'", "Pathways", "21",
    "duty service until 25", "partner lead professional", "targeted Early Help", "assessment service manager on duty",
    "1 working day", "10 days", "three months", "previous social worker", "line manager",
    "Early Help Child and Family Support Practitioner",
    # Authority C
    "Step One", "Step Two", "Step Three", "Step Four", "Step Five", "SC supervision or case discussion",
    "Step Down to Early Help (EH)", "Next CIN meeting", "1st TAF meeting", "internal Early Help", "SC TM / ATM",
    "SW TM / ATM", "Duty EH TM", "AM of Tuesday, Wednesday, and Thursday", "Duty Rota", "Graft TM",
    "Step Down Discussion", "Step Down to EH agreed", "Step Down to EH not agreed", "Decision",
    "Discussion with TAF Team around possibility of a TAF plan", "TAF Plan Agreed", "TAF Plan Not Agreed", "EH TM",
    "recommended universal services", "case note on LCS", "FFP/FSW", "Allocation", "Referral to EHM", "Early Years",
    "Strengthening Families", "Vulnerabilities", "Harmful Sexual Behaviour", "Step Downs allocated as a priority",
    "joint visit", "CIN review", "CIN/TAF Meeting", "EH Supervisor or Duty", "closure trajectory", "Supervision",
]

# Process catalogue §9.1.
VOCABULARY = {
    "identify_step_down", "obtain_consent", "identify_lead_professional", "agree_plan", "step_down_decision",
    "screening", "send_request", "record_decision", "manager_authorisation", "allocation", "record_relationships",
    "assessment", "chase_information", "handover_visit", "notify_professionals", "first_tac_meeting", "book_meeting",
    "tac_monitoring", "sc_case_closure", "ending_visit", "eh_closure", "escalation_discussion", "referral_to_sc",
    "reassessment",
}


def _normalise(text: str) -> str:
    """En dash and hyphen, curly and straight quotes, and runs of white space count the same."""
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def library_text() -> str:
    return _normalise(" ".join(html.unescape(p.read_text(encoding="utf-8")) for p in LIBRARY.rglob("*.bpmn")))


@pytest.mark.parametrize("name", APPENDIX_A)
def test_every_appendix_a_name_is_in_a_diagram(library_text, name):
    assert _normalise(name) in library_text


def test_every_user_task_has_vocabulary_activities_and_a_source():
    """Analysts line variants up by these terms (§9.1); a step that is only an instruction has no form (§3 rule 12),
    but every step says where in the documents it comes from."""
    missing = []
    for path in LIBRARY.rglob("*.bpmn"):
        for task in etree.parse(str(path)).iterfind(".//bpmn:userTask", NS):
            props = {p.get("name"): p.get("value")
                     for p in task.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS)}
            terms = [props.get(k) for k in ("activity", "activity2", "activity3") if k in props]
            if props.get("activity") is None or any(t not in VOCABULARY for t in terms):
                missing.append(f"{path.name}: {task.get('name')}: activities {terms!r}")
            if not (props.get("source") or "").strip():
                missing.append(f"{path.name}: {task.get('name')}: no source")
    assert missing == []


def test_the_library_passes_bpmnrun_check():
    assert [str(p) for p in Checker().check([LIBRARY])] == []


def test_every_process_of_the_catalogue_is_in_the_library():
    found = {p.stem for p in LIBRARY.rglob("*.bpmn")}
    assert found == {
        "lincs_step_out_internal_lp_existing_eh", "lincs_step_out_internal_lp_no_eh",
        "lincs_step_out_external_lp_eh_involved", "lincs_step_out_external_lp_no_eh",
        "lincs_tac_monitoring_request_external_lp", "lincs_change_lp_external_to_internal",
        "lincs_external_lp_requests_eh_support", "lincs_decision_on_significant_information",
        "lincs_sc_case_closure", "lincs_front_door_screening", "lincs_manager_authorisation", "lincs_tac_monitoring",
        "york_step_down_mash", "york_step_down_single_assessment", "york_step_down_cin_cp",
        "york_request_additional_services", "york_case_closure", "york_pathways_step_down", "york_step_up",
        "authc_step_down_sc_to_eh",
    }
