"""Safe change on the web: a caseworker whose step the diagram cannot take gets a page (or a 409) saying the
case needs attention; process owners see the incidents, preview an upload's impact and deploy it with a second
click, move running cases to the fixed version, and retry. Modelling notes are for owners and analysts only."""

from __future__ import annotations

import io
import re

import pytest

from bpmnrun.service import incidents, instances, library_views, queries, timers, users
from tests.service.change_support import PROCESS, V1, V2, Library, stuck_at_timer, waiting_at_timer
from tests.support import only_task, smith_family
from tests.web.conftest import give_password


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def library(rt, tmp_path):
    """Version 1 of test_change deployed; sam (Social Worker), tina (Team Manager), owner (process owner), ann
    (analyst); the Smith family."""
    folder = Library(rt, tmp_path / "bpmn")
    folder.deploy(V1)
    users.add_user(rt, "sam", ["Social Worker"])
    users.add_user(rt, "tina", ["Team Manager"])
    users.add_user(rt, "owner", [], roles=["process owner"])
    users.add_user(rt, "ann", [], roles=["analyst"])
    give_password(rt)
    folder.case = smith_family(rt)
    return folder


def _upload(client, content: bytes, filename: str = "test_change.bpmn"):
    return client.post("/processes/upload", {"diagram": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _sha(response) -> str:
    return re.search(r'name="sha256" value="([0-9a-f]{64})"', response.get_data(as_text=True)).group(1)


def test_the_caseworker_gets_a_needs_attention_page_and_the_api_a_409(rt, browser, library):
    first = instances.start_work(rt, PROCESS, library.case.id, "sam")
    task = only_task(rt, first)
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    response = sam.post(f"/tasks/{task.id}", {"family_size": "1", "_action": "finish"})
    assert response.status_code == 409
    page = text_of(response)
    assert "<h1 class=\"govuk-heading-l\">This case needs attention</h1>" in page
    assert "A process owner has been told (incident 1)" in page and "Your answers are saved" in page
    assert "Traceback" not in page and "review_on" not in page and "Error evaluating" not in page

    api = sam.client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"family_size": 1}},
                          headers={"X-CSRFToken": sam.token})
    assert api.status_code == 409
    body = api.get_json()
    assert body["error"] == "This case needs attention" and body["incident"] == 1
    assert body["message"].startswith("This case needs attention: the procedure's diagram has a problem at")
    assert incidents.get_incident(rt, 1).attempts == 2
    # The task stays open with the answers kept, and both it and the case page say the work needs attention.
    assert "This case needs attention" in text_of(sam.get(f"/tasks/{task.id}"))
    case_page = text_of(sam.get(f"/cases/{library.case.id}"))
    assert "This work needs attention" in case_page and "Needs attention: the procedure could not go on" in case_page


def test_owners_list_incidents_and_retry_after_moving_the_case_from_the_process_page(rt, browser, clock, library):
    at_timer = stuck_at_timer(rt, clock, library.case.id)
    assert browser().sign_in("sam").get("/incidents").status_code == 403
    owner = browser().sign_in("owner")
    listing = text_of(owner.get("/processes"))
    assert 'href="/incidents"' in listing and "1 open" in listing
    page = text_of(owner.get("/incidents"))
    assert "Firing a timer</strong> at How many children?" in page and "Smith" in page
    assert "no condition on the gateway&#39;s outgoing flows is true" in page

    library.deploy(V2)
    process_page = text_of(owner.get(f"/processes/{PROCESS}"))
    assert f'href="/processes/{PROCESS}/move"' in process_page and "1 open incident" in process_page
    preview = owner.get(f"/processes/{PROCESS}/move")
    assert preview.status_code == 200
    assert "1 of 1 can move to version 2" in text_of(preview) and "Review date (timer" in text_of(preview)
    moved = owner.post(f"/processes/{PROCESS}/move", {"to": "2"})
    assert moved.status_code == 200
    assert "1 case moved to version 2" in text_of(moved)
    assert queries.get_instance(rt, at_timer).version == 2
    assert only_task(rt, at_timer).name == "Review the family's request"
    assert incidents.list_incidents(rt) == []  # its timer fired on the fixed version
    history = [e.action for e in queries.history(rt, instance_id=at_timer)]
    assert history.index("incident_raised") < history.index("moved_to_version")


def test_the_retry_button_completes_the_caseworkers_step_with_their_answers(rt, browser, library):
    first = instances.start_work(rt, PROCESS, library.case.id, "sam")
    task = only_task(rt, first)
    sam = browser().sign_in("sam")
    sam.get(f"/tasks/{task.id}")
    assert sam.post(f"/tasks/{task.id}", {"family_size": "1", "_action": "finish"}).status_code == 409
    library.deploy(V2)
    owner = browser().sign_in("owner")
    owner.get(f"/processes/{PROCESS}/move")
    owner.post(f"/processes/{PROCESS}/move", {"to": "2"})
    owner.get("/incidents")
    response = owner.post("/incidents/1/retry", {}, follow_redirects=True)
    assert "Incident 1: the task was completed as sam" in text_of(response)
    assert queries.get_task(rt, task.id, "sam").state == "completed"
    assert "No open incidents" in text_of(owner.get("/incidents"))
    assert "retried by owner" in text_of(owner.get("/incidents?all=1"))


def test_an_upload_shows_its_impact_and_deploys_only_on_the_confirming_click(rt, browser, clock, library):
    waiting_at_timer(rt, library.case.id, 3)
    clock.advance(days=1, hours=1)
    timers.fire_due_timers(rt)  # a case waiting at Plan for a large family, which version 2 lacks
    owner = browser().sign_in("owner")
    owner.get("/processes")
    preview = _upload(owner, V2.read_bytes())
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Check what deploying it changes" in page
    assert "version 1 → version 2" in page
    assert "Plan for a large family" in page and "Agree the plan" in page
    assert "Review the request → Review the family&#39;s request" in page
    assert "options + referred" in page and "Lane added: Senior Manager" in page
    assert "0 of 1 could move to version 2" in page and "map it to the element in its place: Plan=Agree" in page
    assert "nobody is in the team &#39;Senior Manager&#39;" in page
    assert [v.version for v in library_views.process_detail(rt, PROCESS).listing.versions] == [1]  # not yet
    sha = _sha(preview)

    assert owner.post("/processes/upload/confirm", {"sha256": "0" * 64}).status_code == 404
    assert owner.post("/processes/upload/confirm", {"sha256": "not a hash"}).status_code == 400
    other = browser().sign_in("ann")
    assert other.post("/processes/upload/confirm", {"sha256": sha}).status_code == 403
    users.add_user(rt, "owner2", [], roles=["process owner"])
    give_password(rt)
    assert browser().sign_in("owner2").post("/processes/upload/confirm", {"sha256": sha}).status_code == 404

    done = owner.post("/processes/upload/confirm", {"sha256": sha, "_action": "deploy"})
    assert done.status_code == 200
    assert f"Process {PROCESS} version 2 deployed" in text_of(done)
    assert f"{PROCESS}: 1 running case" in text_of(done) and f'href="/processes/{PROCESS}/move"' in text_of(done)
    assert owner.post("/processes/upload/confirm", {"sha256": sha}).status_code == 404  # used once


def test_cancel_deploys_nothing_and_unchanged_content_needs_no_confirmation(rt, browser, library):
    owner = browser().sign_in("owner")
    owner.get("/processes")
    preview = _upload(owner, V2.read_bytes())
    cancelled = owner.post("/processes/upload/confirm", {"sha256": _sha(preview), "_action": "cancel"},
                           follow_redirects=True)
    assert "Nothing was deployed." in text_of(cancelled)
    same = _upload(owner, V1.read_bytes())
    assert f"Process {PROCESS} version 1 unchanged" in text_of(same)


def test_the_move_page_maps_a_step_the_new_version_lacks(rt, browser, clock, library):
    at_plan = waiting_at_timer(rt, library.case.id, 3)
    clock.advance(days=1, hours=1)
    timers.fire_due_timers(rt)
    library.deploy(V2)
    owner = browser().sign_in("owner")
    preview = text_of(owner.get(f"/processes/{PROCESS}/move?to=2"))
    assert "0 of 1 can move to version 2" in preview
    assert 'name="map-Plan"' in preview and "In its place in version 2: Agree the plan (Agree)" in preview
    assert "Move 1 case" not in preview

    mapped = text_of(owner.get(f"/processes/{PROCESS}/move?to=2&map-Plan=Agree"))
    assert "1 of 1 can move to version 2" in mapped and "Move 1 case to version 2" in mapped
    assert "move to: <code class=\"bpmnrun-code\">Plan</code> → Agree the plan" in mapped
    bad = owner.get(f"/processes/{PROCESS}/move?to=2&map-Plan=Nowhere")
    assert bad.status_code == 422 and "version 2 has no element &#39;Nowhere&#39;" in text_of(bad)
    assert owner.get(f"/processes/{PROCESS}/move?to=x").status_code == 400
    assert owner.get(f"/processes/{PROCESS}/move?to=9").status_code == 404
    assert browser().sign_in("sam").get(f"/processes/{PROCESS}/move").status_code == 403
    assert browser().sign_in("sam").post(f"/processes/{PROCESS}/move", {"to": "2"}).status_code == 403

    done = owner.post(f"/processes/{PROCESS}/move", {"to": "2", "map-Plan": "Agree"})
    assert "1 case moved to version 2" in text_of(done)
    assert only_task(rt, at_plan).name == "Agree the plan"


def test_modelling_notes_show_to_owners_and_analysts_only(browser, library):
    note = "Modelling note:"  # the SVG breaks the note into lines
    assert note not in text_of(browser().sign_in("sam").get(f"/processes/{PROCESS}"))
    assert note in text_of(browser().sign_in("owner").get(f"/processes/{PROCESS}"))
    assert note in text_of(browser().sign_in("ann").get(f"/processes/{PROCESS}"))
