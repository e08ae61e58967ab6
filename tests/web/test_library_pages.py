"""The process library pages: the list, a process's page with its diagram, and a process owner's upload."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from lxml import etree

from bpmnrun.library.files import NS
from bpmnrun.service import instances, library_views, queries
from bpmnrun.service.catalogue import SOURCE_DOCUMENTS
from tests.support import subject_ids
from tests.web.conftest import AUTHORISATION, CLOSURE, MEETING, REQUEST, WEB_DIAGRAMS

L1 = "lincs_step_out_internal_lp_existing_eh"
REQUEST_FILE = WEB_DIAGRAMS / f"{REQUEST}.bpmn"
MEETING_FILE = WEB_DIAGRAMS / f"{MEETING}.bpmn"


def upload(client, filename: str, content: bytes, **kwargs):
    return client.post("/processes/upload", {"diagram": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", **kwargs)


def upload_and_confirm(client, filename: str, content: bytes):
    """Upload, see the impact preview, then deploy the previewed file with the confirming click."""
    preview = upload(client, filename, content)
    assert preview.status_code == 200 and "Check what deploying it changes" in text_of(preview), text_of(preview)
    sha256 = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.get_data(as_text=True)).group(1)
    return client.post("/processes/upload/confirm", {"sha256": sha256})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_list_groups_every_process_by_authority_with_versions_and_running_cases(browser, library, rt):
    instances.start_work(rt, L1, library.id, "sam", subject_ids(library, "Josie"))
    response = browser().sign_in("sam").get("/processes")
    assert response.status_code == 200
    page = text_of(response)
    for listing in library_views.list_processes(rt):
        assert f'href="/processes/{listing.process_id}"' in page
        assert listing.title in page
    headings = re.findall(r'<h2 class="govuk-heading-m">([^<]+)</h2>', page)
    assert headings == ["Authority C", "Lincolnshire", "York"]
    row = re.search(rf'<tr class="govuk-table__row" data-process-id="{L1}">(.*?)</tr>', page).group(1)
    assert re.findall(r"--numeric\">(\d+)<", row) == ["1", "1", "1"]  # latest, versions, running
    assert 'name="diagram"' not in page  # only process owners see the upload


def test_a_process_page_shows_summary_versions_callees_and_the_diagram(browser, diagrams, rt):
    response = browser().sign_in("sam").get(f"/processes/{REQUEST}")
    assert response.status_code == 200
    page = text_of(response)
    assert "<svg" in page and 'class="bpmn-element bpmn-activity bpmn-userTask' in page
    detail = library_views.process_detail(rt, REQUEST)
    for task in detail.summary.user_tasks:
        assert task.name in page and (task.lane or "–") in page
    for end in detail.summary.end_events:
        assert end in page
    assert detail.shown.sha_prefix in page and detail.shown.sha256 in page
    assert '<span class="govuk-caption-l">Other</span>' in page  # a test diagram's authority
    assert {pid for pid, _ in detail.called} == {CLOSURE, AUTHORISATION}
    for pid, title in detail.called:
        assert f'href="/processes/{pid}">{title}</a>' in page
    assert "&lt;code" not in page


def test_a_process_page_lists_the_documents_its_source_property_names(browser, diagrams):
    page = browser().sign_in("sam").get(f"/processes/{REQUEST}").get_data(as_text=True)
    heading = page.index("Source documents</h2>")
    sources = unescape(page[heading:page.index("<h2", heading)])
    assert SOURCE_DOCUMENTS["000"] in sources and SOURCE_DOCUMENTS["003"] in sources  # its source: "000 §1; 003 §4.2"
    assert "cites no source document" not in sources


def test_unknown_process_or_version_is_not_found_and_a_bad_version_is_refused(browser, diagrams):
    sam = browser().sign_in("sam")
    assert sam.get("/processes/no_such_process").status_code == 404
    assert sam.get(f"/processes/{REQUEST}?version=7").status_code == 404
    response = sam.get(f"/processes/{REQUEST}?version=two")
    assert response.status_code == 400 and b"whole number" in response.data


def test_a_version_downloads_as_the_bpmn_the_owner_deployed(browser, diagrams):
    response = browser().sign_in("sam").get(f"/processes/{REQUEST}/versions/1/diagram.bpmn")
    assert response.status_code == 200
    assert response.data == REQUEST_FILE.read_bytes()
    assert "attachment" in response.headers["Content-Disposition"]


def test_owner_sees_the_upload_form(browser, diagrams):
    page = text_of(browser().sign_in("owner").get("/processes"))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and 'name="diagram"' in page


def test_a_diagram_with_a_gateway_flow_without_condition_is_reported_by_file_line_and_element(browser, diagrams, rt):
    tree = etree.fromstring(MEETING_FILE.read_bytes())
    flow = tree.find(".//bpmn:sequenceFlow/bpmn:conditionExpression/..", NS)
    flow.remove(flow.find("bpmn:conditionExpression", NS))
    broken = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    line = etree.fromstring(broken).find(f".//bpmn:sequenceFlow[@id='{flow.get('id')}']", NS).sourceline

    response = upload(browser().sign_in("owner"), "my-meeting.bpmn", broken)
    assert response.status_code == 422
    page = text_of(response)
    assert f"my-meeting.bpmn:{line}: {flow.get('id')}: flow out of exclusive gateway" in page
    assert "/tmp" not in page and "upload.bpmn" not in page
    assert [v.version for v in library_views.process_detail(rt, MEETING).listing.versions] == [1]


def test_unparseable_xml_is_reported_with_its_line(browser, diagrams):
    response = upload(browser().sign_in("owner"), "broken.bpmn", b"<?xml version='1.0'?>\n<bpmn:definitions\n<oops")
    assert response.status_code == 422
    assert re.search(r"broken\.bpmn:\d+: -: not well-formed XML", text_of(response))


def test_a_call_activity_must_resolve_in_the_deployed_library(browser, diagrams):
    content = REQUEST_FILE.read_bytes().replace(f'calledElement="{CLOSURE}"'.encode(),
                                                b'calledElement="no_such_closure"')
    response = upload(browser().sign_in("owner"), f"{REQUEST}.bpmn", content)
    assert response.status_code == 422
    assert "calls process &#39;no_such_closure&#39;, which is not in the library" in text_of(response)


def test_a_changed_diagram_is_a_new_version_and_running_cases_stay_on_theirs(browser, diagrams, rt):
    before = instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Josie"))
    changed = REQUEST_FILE.read_bytes().replace(b"<bpmn:documentation>", b"<bpmn:documentation>Reviewed. ", 1)

    response = upload_and_confirm(browser().sign_in("owner"), f"{REQUEST}.bpmn", changed)
    assert response.status_code == 200
    assert f"Process {REQUEST} version 2 deployed" in text_of(response)
    assert "running stay on the version they started with" in text_of(response)

    after = instances.start_work(rt, REQUEST, diagrams.id, "sam", subject_ids(diagrams, "Joy"))
    assert queries.get_instance(rt, before).version == 1
    assert queries.get_instance(rt, after).version == 2
    versions = library_views.process_detail(rt, REQUEST).listing.versions
    assert [(v.version, v.running, v.deployed_by) for v in versions] == [(2, 1, "owner"), (1, 1, "process owner")]
    assert versions[0].source_path == versions[1].source_path  # the same diagram file, a new version
    older = text_of(browser().sign_in("sam").get(f"/processes/{REQUEST}?version=1"))
    assert "This is version 1, not the newest (version 2)" in older and "Reviewed." not in older
    assert "Reviewed." in text_of(browser().sign_in("sam").get(f"/processes/{REQUEST}"))


def test_the_same_content_again_is_unchanged(browser, diagrams, rt):
    response = upload(browser().sign_in("owner"), f"{REQUEST}.bpmn", REQUEST_FILE.read_bytes())
    assert response.status_code == 200
    assert f"Process {REQUEST} version 1 unchanged" in text_of(response)
    assert len(library_views.process_detail(rt, REQUEST).listing.versions) == 1


def test_a_changed_sub_process_gives_its_callers_new_versions(browser, diagrams, rt):
    path = WEB_DIAGRAMS / f"{CLOSURE}.bpmn"
    changed = path.read_bytes().replace(b"<bpmn:documentation>", b"<bpmn:documentation>Reviewed. ", 1)
    response = upload_and_confirm(browser().sign_in("owner"), path.name, changed)
    assert response.status_code == 200
    callers = {p.process_id for p in library_views.list_processes(rt)
               if CLOSURE in library_views.process_detail(rt, p.process_id).summary.calls}
    assert REQUEST in callers
    listed = set(re.findall(r"\((\w+)\): version 2 deployed", text_of(response)))
    assert listed == callers | {CLOSURE}


def test_only_process_owners_can_upload(browser, diagrams, rt):
    changed = REQUEST_FILE.read_bytes().replace(b"<bpmn:documentation>", b"<bpmn:documentation>Reviewed. ", 1)
    response = upload(browser().sign_in("sam"), f"{REQUEST}.bpmn", changed)
    assert response.status_code == 403
    assert len(library_views.process_detail(rt, REQUEST).listing.versions) == 1


def test_a_doctype_is_refused(browser, diagrams, rt):
    doctype = b'<!DOCTYPE d [<!ENTITY e "x">]>\n<bpmn:definitions'
    content = REQUEST_FILE.read_bytes().replace(b"<bpmn:definitions", doctype, 1)
    response = upload(browser().sign_in("owner"), f"{REQUEST}.bpmn", content)
    assert response.status_code == 422
    assert f"{REQUEST}.bpmn:2: -: a diagram must not declare a DOCTYPE" in text_of(response)  # its line


def test_a_file_that_is_not_bpmn_or_is_empty_or_too_big_is_refused_with_a_reason(browser, diagrams, rt):
    owner = browser().sign_in("owner")
    cases = {"notes.txt": (b"hello", "must be a .bpmn file"), "empty.bpmn": (b"", "The selected file is empty"),
             "big.bpmn": (b" " * 10 + b"x" * (1024 * 1024), "smaller than 1 MB")}
    for filename, (content, reason) in cases.items():
        response = upload(owner, filename, content)
        assert response.status_code == 422, filename
        page = text_of(response)
        assert reason in page and "govuk-error-summary" in page and 'href="#diagram"' in page, filename
    response = owner.post("/processes/upload", {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Select a .bpmn file" in text_of(response)
    response = upload(owner, "huge.bpmn", b"x" * (3 * 1024 * 1024))  # beyond what the app reads at all
    assert response.status_code == 413 and "The file is too big" in text_of(response)
    assert len(library_views.process_detail(rt, REQUEST).listing.versions) == 1


def test_an_upload_without_the_csrf_token_is_refused(browser, diagrams, rt):
    response = upload(browser().sign_in("owner"), f"{REQUEST}.bpmn", REQUEST_FILE.read_bytes(), csrf=False)
    assert response.status_code == 400
