"""The comparison's alignment, highlights and differences, and its front ends: the CLI (text, JSON, HTML) and the
/compare page. The figures themselves, counted by hand, are in test_compare_figures.py."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from bpmnrun.analysis.compare import STEP_DOWN_SET, from_deployed, from_library
from bpmnrun.cli.main import cli
from bpmnrun.service.errors import InvalidInput, NotFound
from tests.conftest import REPO
from tests.support import deploy_library, deploy_paths
from tests.web.conftest import app, browser, library  # noqa: F401  (the web fixtures, for the /compare page)

BPMN = REPO / "bpmn"
L1 = "lincs_step_out_internal_lp_existing_eh"
L2 = "lincs_step_out_internal_lp_no_eh"
Y2 = "york_step_down_single_assessment"
C1 = "authc_step_down_sc_to_eh"
GRAFT, DUTY_ROTA = "Graft currently involved?: Yes: discuss with the Graft TM", "Graft currently involved?: No: Duty Rota"


@pytest.fixture(scope="module")
def step_down():
    return from_library([BPMN], list(STEP_DOWN_SET))


@pytest.fixture(scope="module")
def pair():
    return from_library([BPMN], [L1, C1])


def variant(comparison, process_id):
    return next(v for v in comparison.variants if v.process_id == process_id)


def test_alignment_highlights_and_differences(step_down):
    cells = dict(zip([v.process_id for v in step_down.variants], step_down.cells("obtain_consent")))
    assert cells[Y2] == ["Ensure informed consent to early help support (Social Worker)"]
    assert cells[C1] == ["Step Two – Step Down Discussion (Duty EH TM)"]
    assert cells[L1] == []
    # Screening is L2's alone of the Lincolnshire internal routes, but L3 and L4 screen too (a request for
    # Early Help support during TAC monitoring goes to the Front Door): four of L2's six others lack it.
    assert step_down.absent_elsewhere(variant(step_down, L2)) == {"screening"}
    assert "Call_screening" in step_down.highlight(variant(step_down, L2))
    # Manager authorisation: L2, Y2, Y3 and C1 lack it; the call into S-AUTH is highlighted in L1.
    assert step_down.absent_elsewhere(variant(step_down, L1)) == {"manager_authorisation"}
    assert step_down.highlight(variant(step_down, L1)) == {"Call_authorise"}
    text = " ".join(step_down.to_json()["differences"])
    assert "Consent is an explicit gate (a 'no' ends the procedure) in Y2, Y3, C1; not in L1, L2, L3, L4." in text
    assert "The decisions turn on the answers of: L1 — Social Worker;" in text


def test_the_start_event_counts_for_identifying_the_step_down(step_down):
    # §9.2: "start" for L1-L4, Y2, Y3 (the work begins with the step down considered); C1.1 is a task.
    cells = dict(zip([v.process_id for v in step_down.variants], step_down.cells("identify_step_down")))
    assert cells[L1] == ["start (Early Help Manager has agreed the case can step out to TAC)"]
    assert cells[Y2] == ["start (Single Assessment completed – recommendation is Early Help)"]
    assert cells[C1] == ["Step One – SC supervision or case discussion (Social Worker)"]
    assert all(cells[pid] for pid in STEP_DOWN_SET)
    assert "(identify_step_down)" not in " ".join(step_down.to_json()["differences"])
    assert "Task_step_one" not in step_down.highlight(variant(step_down, C1))


def test_with_two_variants_whatever_the_other_lacks_is_highlighted(pair):
    assert "sc_case_closure" in pair.absent_elsewhere(variant(pair, L1))
    assert "absent from the other variant" in pair.highlight_meaning()


def test_paths_that_share_their_tasks_say_which_branch_they_took(pair):
    """C1's paths with the Graft TM and by the duty rota pass the same tasks: the branch tells them apart."""
    paths = variant(pair, C1).paths.paths
    graft = [p for p in paths if GRAFT in p.choices]
    rota = [p for p in paths if DUTY_ROTA in p.choices]
    assert len(graft) == len(rota) == 6
    assert sorted((p.outcome, [s.name for s in p.steps]) for p in graft) == \
        sorted((p.outcome, [s.name for s in p.steps]) for p in rota)
    from bpmnrun.analysis.compare_text import render_text

    text = render_text(pair, 120)
    shown = text[text.index("Paths of C1 (14)"):].split("\n")
    numbered = [i for i, line in enumerate(shown) if re.match(r"\d+\. ", line)]
    blocks = [" ".join(shown[i:j]) for i, j in zip(numbered, numbered[1:] + [len(shown)])]
    assert len(blocks) == 14 and len(set(blocks)) == 14  # no two paths read the same
    assert sum("No: Duty Rota" in b for b in blocks) == sum("discuss with the Graft TM" in b for b in blocks) == 6


def test_cli_prints_a_table_within_120_columns_and_json_and_html(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["compare", "--library", str(BPMN), L1, C1, "--html", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert any(line.startswith("obtain consent") and "absent" in line for line in lines)
    assert "Paths of C1 (14)" in result.stdout and "Decisions of C1 (9)" in result.stdout
    assert "user tasks reached | 7 of 8" in result.stdout
    assert "9. FFP/FSW already involved?: Yes / No — made by EH TM" in result.stdout
    html = (tmp_path / "c.html").read_text()
    assert html.count("<svg") == 2 and "bpmn-highlighted" in html
    as_json = json.loads(runner.invoke(cli, ["compare", "--library", str(BPMN), L1, C1, "--json"]).stdout)
    l1 = as_json["variants"][0]
    assert l1["process_id"] == L1 and len(l1["paths"]) == 2 and l1["consent_gate"] is False
    assert l1["figures"]["user_tasks"] == 8 and l1["figures"]["reachable_user_tasks"] == 7
    assert l1["decisions"] == [{"name": "Which social care workstep?", "process_id": "lincs_sc_case_closure",
                                "branches": ["SC Child and Family Assessment",
                                             "Progress Meeting or Review Child Protection Conference"],
                                "made_by": ["Social Worker"], "within": "Social Care Case Closure"}]
    assert l1["paths"][0]["handoffs_if_authorised_by_line_manager"] == 3
    assert l1["paths"][0]["choices"] == ["Which social care workstep?: SC Child and Family Assessment"]


def test_html_diagrams_are_full_width_zoomable_without_script_and_have_no_state_key(pair):
    from bpmnrun.analysis.compare_html import render_html

    html = render_html(pair)
    assert "an activity absent from the other variant." in html
    assert "<script" not in html
    assert html.count('class="zoom-full"') == 2 and ".zoom-full:checked ~ .diagram svg { max-width: none; }" in html
    assert "bpmnrun-legend" not in html and "bpmn-legend" not in html and "In progress" not in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two diagrams on one page keep their element ids apart
    assert "flex" not in html.split("</style>")[0]  # one diagram per row, at the page's width


def test_cli_bad_input_gets_one_clear_line():
    runner = CliRunner()
    one = runner.invoke(cli, ["compare", "--library", str(BPMN), L1])
    assert one.exit_code == 1 and "error: process: Choose at least two processes to compare" in one.stderr
    unknown = runner.invoke(cli, ["compare", "--library", str(BPMN), L1, "no_such_process"])
    assert unknown.exit_code == 1 and "no_such_process" in unknown.stderr and "Traceback" not in unknown.output


def test_compares_what_is_deployed(rt):
    with pytest.raises(NotFound):
        from_deployed(rt, [L1, C1])
    deploy_library(rt)
    comparison = from_deployed(rt, [L1, C1])
    assert [v.version for v in comparison.variants] == [1, 1]
    assert [len(v.paths.paths) for v in comparison.variants] == [2, 14]
    assert [len(v.structure.reachable_tasks) for v in comparison.variants] == [7, 13]
    with pytest.raises(InvalidInput):
        from_deployed(rt, [L1])


def test_a_deployed_variant_is_built_once_until_a_deploy_changes_what_it_reads(rt, tmp_path):
    deploy_library(rt)
    first = from_deployed(rt, [L1, C1]).variants
    again = from_deployed(rt, [L1, C1]).variants
    assert [a is b for a, b in zip(first, again)] == [True, True]
    diagram = BPMN / "authc" / f"{C1}.bpmn"
    edited = tmp_path / diagram.name
    edited.write_text(diagram.read_text().replace('name="Step One – SC supervision or case discussion"',
                                                  'name="Step One – SC supervision or case discussion (edited)"'))
    deploy_paths(rt, edited)
    l1, c1 = from_deployed(rt, [L1, C1]).variants
    assert l1 is first[0] and c1 is not first[1] and c1.version == 2
    assert c1.structure.tasks[0].name == "Step One – SC supervision or case discussion (edited)"


def test_compare_page(browser, library):
    b = browser().sign_in("sam")
    page = b.get("/compare")
    assert page.status_code == 200
    body = page.data.decode()
    for pid in STEP_DOWN_SET:
        assert re.search(rf'value="{pid}" checked', body), pid
    assert body.count("<svg") == len(STEP_DOWN_SET)
    assert 'id="aligned"' in body and "Consent is an explicit gate" in body
    assert "more than half of the other 6 variants compared lack" in body
    assert "bpmnrun-legend" not in body and "bpmnrun-compare-figures" not in body
    assert 'id="decisions-C1"' in body and "made by EH TM" in body
    two = b.get(f"/compare?process={L1}&process={Y2}").data.decode()
    assert two.count("<svg") == 2 and f'value="{C1}" checked' not in two
    zoomed = b.get(f"/compare?process={L1}&process={Y2}&zoom=200").data.decode()
    assert "<strong>200%</strong>" in zoomed and 'class="bpmnrun-compare-figure"' not in zoomed
    alone = b.get(f"/compare/diagram.svg?process={L1}&process={Y2}&show={Y2}")
    assert alone.status_code == 200 and alone.mimetype == "image/svg+xml" and b"bpmn-highlighted" in alone.data
    assert b.get(f"/compare/diagram.svg?process={L1}&process={Y2}&show={C1}").status_code == 404
    for odd in ("/compare/diagram.svg?process=%00", f"/compare/diagram.svg?process={L1}&process=nope&show={L1}",
                f"/compare?process={L1}&process={Y2}&zoom=%00"):
        answer = b.get(odd)
        assert answer.status_code < 500 and b"Traceback" not in answer.data, odd
    one = b.get(f"/compare?process={L1}")
    assert one.status_code == 422 and b"govuk-error-summary" in one.data
    assert b"Choose at least two processes to compare" in one.data
    assert b.get(f"/compare?process={L1}&process=nope").status_code == 404


def test_paths_come_with_the_note_on_what_they_assume():
    result = CliRunner().invoke(cli, ["compare", "--library", str(BPMN), L1, C1])
    assert "A loop is gone round once more at most" in " ".join(result.stdout.split())


def test_seven_variants_print_readably_in_a_terminal(step_down):
    from bpmnrun.analysis.compare_text import render_text

    text = render_text(step_down, 120)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    words = set(text.split())
    # Every word of every cell is printed whole: no name is cut into stubs across lines.
    for activity in step_down.activities():
        for cell in step_down.cells(activity):
            for word in " ".join(cell).split():
                assert word in words or any(word in w for w in words), (activity, word)
    at = lines.index("obtain consent")
    assert lines[at + 1].startswith("  Y2  Ensure informed consent to early help support (Social Worker)")
    assert "  absent: L1, L2, L3, L4" in lines[at + 1:at + 6]
    assert "  L1 1   L2 7   L3 6   L4 14   Y2 7   Y3 12   C1 9" in lines  # decisions
