"""The process editor's server side: drafts per process owner (saved, surviving sign-out, invisible to
caseworkers, discarded), the check on demand and on save with each problem on its element, the impact report
and the deploy of exactly the draft compared, "New process" from the template, and a 403 for everyone else."""

from __future__ import annotations

import re

import pytest

from bpmnrun.service import drafts, library_views, users
from tests.web.conftest import MEETING, WEB_DIAGRAMS, Browser, give_password

MEETING_XML = (WEB_DIAGRAMS / f"{MEETING}.bpmn").read_text(encoding="utf-8")
EDIT = f"/processes/{MEETING}/edit"
DOC = "Discuss the concern, then decide the next steps in a day."
CHANGED = MEETING_XML.replace(DOC, "Discuss the concern with the family, then decide the next steps in a day.", 1)
# The "no" flow now compares with an option the field does not have: nothing leaves the gateway on "no".
UNCOVERED = MEETING_XML.replace('discussed_with_family == "no"', 'discussed_with_family == "maybe"', 1)


def signed_in(app, name: str) -> Browser:
    client = Browser(app).sign_in(name)
    client.get("/processes")  # a page with the CSRF token the editor's page carries
    return client


def call(client: Browser, path: str, body: dict | None = None, csrf: bool = True):
    """What the editor's JavaScript sends: JSON, asking for JSON, the CSRF token in its header."""
    headers = {"Accept": "application/json", **({"X-CSRFToken": client.token} if csrf else {})}
    if body is None and not path.endswith(("/discard", "/diagram")):
        body = {}
    if path.endswith("/diagram"):
        return client.client.get(path, headers=headers)
    return client.client.post(path, json=body, headers=headers)


@pytest.fixture
def owner(app, diagrams):
    return signed_in(app, "owner")


def versions(rt) -> list[int]:
    return [v.version for p in library_views.list_processes(rt) if p.process_id == MEETING for v in p.versions]


def test_the_editor_opens_the_deployed_version_and_a_saved_draft_survives_sign_out(app, owner, rt):
    opened = call(owner, f"{EDIT}/diagram").get_json()
    assert (opened["source"], opened["deployed_version"]) == ("deployed", 1)
    assert opened["xml"] == opened["deployed_xml"] == MEETING_XML

    saved = call(owner, f"{EDIT}/draft", {"xml": CHANGED})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert [p for p in saved.get_json()["problems"] if p["severity"] == "error"] == []

    owner.post("/sign-out")
    again = call(signed_in(app, "owner"), f"{EDIT}/diagram").get_json()
    assert (again["source"], again["xml"], again["deployed_xml"]) == ("draft", CHANGED, MEETING_XML)
    # Not deployed: caseworkers' pages and new work still read version 1.
    assert versions(rt) == [1]
    assert "with the family, then decide" not in signed_in(app, "sam").get(f"/processes/{MEETING}").get_data(as_text=True)


def test_a_discarded_draft_is_gone_and_the_deployed_version_opens(owner, rt):
    call(owner, f"{EDIT}/draft", {"xml": CHANGED})
    assert call(owner, f"{EDIT}/draft/discard").get_json() == {"discarded": True}
    assert call(owner, f"{EDIT}/diagram").get_json()["source"] == "deployed"
    assert drafts.get(rt, "owner", MEETING) is None
    assert call(owner, f"{EDIT}/draft/discard").get_json() == {"discarded": False}


def test_drafts_are_each_owners_own(app, owner, rt):
    users.add_user(rt, "olive", [], roles=["process owner"])
    give_password(rt)
    call(owner, f"{EDIT}/draft", {"xml": CHANGED})
    assert call(signed_in(app, "olive"), f"{EDIT}/diagram").get_json()["source"] == "deployed"


def test_the_check_puts_a_gateway_that_misses_an_option_on_the_gateway(owner):
    found = call(owner, f"{EDIT}/check", {"xml": UNCOVERED}).get_json()
    errors = {p["element_id"]: p["message"] for p in found["problems"] if p["severity"] == "error"}
    assert set(errors) == {"Gw_discussed", "Flow_discussed_no"}
    assert 'when discussed_with_family is "no"' in errors["Gw_discussed"]
    assert found["summary"].startswith("2 errors")
    # On save too, and the draft is kept all the same: a draft may be unfinished.
    saved = call(owner, f"{EDIT}/draft", {"xml": UNCOVERED}).get_json()
    assert {p["element_id"] for p in saved["problems"] if p["severity"] == "error"} == {"Gw_discussed", "Flow_discussed_no"}
    assert call(owner, f"{EDIT}/check", {"xml": MEETING_XML}).get_json()["summary"].startswith("0 errors")


def test_the_run_time_check_warns_of_a_lane_whose_team_has_nobody(owner):
    renamed = MEETING_XML.replace('name="Front Door"', 'name="Front Doors"', 1)
    assert renamed != MEETING_XML
    found = call(owner, f"{EDIT}/check", {"xml": renamed}).get_json()["problems"]
    lanes = [p for p in found if "nobody is in the team 'Front Doors'" in p["message"]]
    assert len(lanes) == 1 and lanes[0]["severity"] == "warning" and lanes[0]["element_id"].startswith("Lane")


def test_a_draft_must_still_define_its_process_and_be_xml(owner):
    other = call(owner, f"{EDIT}/draft", {"xml": MEETING_XML.replace(f'id="{MEETING}"', 'id="renamed"', 1)})
    assert other.status_code == 422 and "must define the process test_web_meeting" in other.get_json()["errors"]["xml"]
    broken = call(owner, f"{EDIT}/draft", {"xml": "<bpmn:definitions"})
    assert broken.status_code == 422 and "not well-formed" in broken.get_json()["errors"]["xml"]
    assert call(owner, f"{EDIT}/draft", {"nothing": 1}).status_code == 422


def test_compare_then_deploy_makes_exactly_the_compared_draft_the_next_version(owner, rt):
    sha256 = call(owner, f"{EDIT}/draft", {"xml": CHANGED}).get_json()["sha256"]
    impact = call(owner, f"{EDIT}/impact", {"sha256": sha256}).get_json()
    assert (impact["deployable"], impact["to_version"]) == (True, 2)
    assert "version 1 → version 2" in impact["html"]

    stale = call(owner, f"{EDIT}/deploy", {"sha256": "0" * 64})
    assert stale.status_code == 409 and "compare it again" in stale.get_json()["message"]
    done = call(owner, f"{EDIT}/deploy", {"sha256": sha256})
    assert done.status_code == 200 and done.get_json()["version"] == 2
    assert done.get_json()["message"].startswith("Version 2 of ")
    version2 = library_views.process_detail(rt, MEETING)
    assert (version2.shown.version, version2.shown.deployed_by, version2.xml) == (2, "owner", CHANGED)
    assert drafts.get(rt, "owner", MEETING) is None  # deployed: the draft's work is done


def test_a_draft_with_errors_is_not_deployable(owner, rt):
    sha256 = call(owner, f"{EDIT}/draft", {"xml": UNCOVERED}).get_json()["sha256"]
    impact = call(owner, f"{EDIT}/impact", {"sha256": sha256}).get_json()
    assert impact["deployable"] is False and "Not ready to deploy" in impact["html"]
    refused = call(owner, f"{EDIT}/deploy", {"sha256": sha256})
    assert refused.status_code == 422
    assert versions(rt) == [1]


def test_new_process_starts_a_checked_draft_from_the_template_and_deploys_as_version_1(owner, rt):
    response = owner.post("/processes/new", {"process_id": "authc_review", "name": "Early Help review",
                                             "lane": "Social Worker"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/processes/authc_review/edit")
    opened = call(owner, "/processes/authc_review/edit/diagram").get_json()
    assert (opened["source"], opened["deployed_version"]) == ("draft", None)
    assert 'name="Early Help review"' in opened["xml"] and '<bpmn:lane id="Lane_1" name="Social Worker">' in opened["xml"]
    assert call(owner, "/processes/authc_review/edit/check", {"xml": opened["xml"]}).get_json()["problems"] == []
    sha256 = call(owner, "/processes/authc_review/edit/draft", {"xml": opened["xml"]}).get_json()["sha256"]
    assert call(owner, "/processes/authc_review/edit/deploy", {"sha256": sha256}).get_json()["version"] == 1


def test_new_process_says_what_is_wrong_with_each_field(owner):
    response = owner.post("/processes/new", {"process_id": "1 bad", "name": "", "lane": "Social Worker"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a process id of letters, digits and underscores" in page and "Enter the process name" in page
    taken = owner.post("/processes/new", {"process_id": MEETING, "name": "x", "lane": "y"})
    assert taken.status_code == 422 and "already deployed" in taken.get_data(as_text=True)


def test_the_page_is_for_owners_and_the_process_page_links_to_it(app, owner):
    page = owner.get(EDIT).get_data(as_text=True)
    assert 'id="process-editor"' in page and 'name="csrf-token"' in page
    assert "Edit in the browser" in owner.get(f"/processes/{MEETING}").get_data(as_text=True)
    assert "Edit in the browser" not in signed_in(app, "sam").get(f"/processes/{MEETING}").get_data(as_text=True)
    assert owner.get("/processes/nothing_here/edit").status_code == 404


@pytest.mark.parametrize("path", ["", "/diagram", "/check", "/draft", "/draft/discard", "/impact", "/deploy"])
def test_a_caseworker_gets_403_on_the_editor_and_its_calls(app, diagrams, path):
    sam = signed_in(app, "sam")
    if path in ("", "/diagram"):
        response = sam.get(EDIT + path, headers={"Accept": "application/json"} if path else {})
    else:
        response = call(sam, EDIT + path, {"xml": CHANGED, "sha256": "0" * 64})
    assert response.status_code == 403
    assert sam.post("/processes/new", {"process_id": "x_y", "name": "x", "lane": "y"}).status_code == 403


def test_signed_out_the_editor_asks_to_sign_in_and_a_call_without_its_token_is_refused(app, owner):
    assert Browser(app).get(EDIT).status_code == 302
    assert call(owner, f"{EDIT}/draft", {"xml": CHANGED}, csrf=False).status_code == 400


def test_the_editor_says_so_when_its_files_are_not_built(owner, app, tmp_path, monkeypatch):
    web = tmp_path / "web"
    (web / "static").mkdir(parents=True)
    monkeypatch.setitem(app.extensions, "bpmnrun.web_dir", web)
    page = re.sub(r"\s+", " ", owner.get(EDIT).get_data(as_text=True))
    assert "The editor's files are not installed on this server" in page and 'id="process-editor"' not in page
