"""What a check compares with what (the library, a file outside it), timers on sample days, and which
caseworker text reads like a modelling note."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpmnrun.cli.main import cli
from bpmnrun.library.caseworker_text import markers
from bpmnrun.library.validation import Checker

from .diagrams import (
    Process, callee, caller, chain, consent_process, end, field, messages, start, task, timer_process, write,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A checkout: bpmn/ with a caller, the process it calls and a third process spelling a lane one way."""
    library = tmp_path / "bpmn"
    write(library, caller("repo_caller", "repo_callee", field("authoriser", "Authoriser")))
    write(library, callee("repo_callee", "authoriser"))
    write(library, consent_process("repo_consent", 'family_consent == "yes"'))  # lane "Social Worker"
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_file_outside_the_library_is_compared_with_its_own_bundle_only(repo):
    other = repo / "some" / "other" / "dir"
    shutil.copy(repo / "bpmn" / "repo_callee.bpmn", other.mkdir(parents=True) or other)  # same process id
    spelt = consent_process("other_consent", 'family_consent == "yes"')
    spelt.lanes = ["social worker"]
    write(other, spelt)

    result = CliRunner().invoke(cli, ["check", "some/other/dir/repo_callee.bpmn", "some/other/dir/other_consent.bpmn"])

    assert result.exit_code == 0, result.output
    assert "Duplicate process ID" not in result.output
    assert result.stdout == "" and result.stderr == "2 diagrams ok\n"


def test_a_file_outside_the_library_resolves_its_calls_there(repo):
    other = repo / "elsewhere"
    write(other, caller("outside_caller", "repo_callee", field("authoriser", "Authoriser")))
    result = CliRunner().invoke(cli, ["check", "elsewhere/outside_caller.bpmn"])
    assert (result.exit_code, result.stderr) == (0, "1 diagram ok\n"), result.output


def test_a_file_inside_the_library_is_compared_with_all_of_it(repo):
    spelt = consent_process("repo_consent_two", 'family_consent == "yes"')
    spelt.lanes = ["social  Worker"]
    write(repo / "bpmn", spelt)
    result = CliRunner().invoke(cli, ["check", "bpmn/repo_consent_two.bpmn"])
    assert result.exit_code == 1
    assert result.stdout.startswith("bpmn/repo_consent_two.bpmn:")
    assert ("lane 'social  Worker' names the same team as 'Social Worker' in bpmn/repo_consent.bpmn, spelt "
            "differently") in result.stdout
    assert result.stderr == "1 diagram checked: 1 error, 0 warnings\n"


def test_the_whole_library_reports_only_the_odd_spelling(repo):
    spelt = consent_process("repo_consent_two", 'family_consent == "yes"')
    spelt.lanes = ["social worker"]
    write(repo / "bpmn", spelt)
    write(repo / "bpmn", consent_process("repo_consent_three", 'family_consent == "yes"'))
    report = Checker().report(["bpmn"], library=["bpmn"])
    assert [(Path(p.path).name, p.element_id) for p in report.errors] == [
        ("repo_consent_two.bpmn", "Lane_repo_consent_two_0")]


# --- timers on sample days ----------------------------------------------------------------------------------

def test_a_timer_is_tried_on_a_weekend_a_bank_holiday_and_christmas(tmp_path):
    weekday_only = '"P5D" if is_working_day(today()) else "tomorrow"'
    [problem] = messages(Checker().report([write(tmp_path, timer_process("days", "timeDuration", weekday_only))]).problems)
    assert problem.startswith('TimerDef_Timer_late: timer timeDuration gives "tomorrow", which is not an ISO 8601 '
                              'duration: write a quoted duration like "P5D" (5 days) or "PT3H" (3 hours) (when it is '
                              'Saturday 2025-06-07 11:00); a date and time (')
    not_good_friday = '"P5D" if today() != "2025-04-18" else "later"'
    [problem] = messages(Checker().report([write(tmp_path, timer_process("friday", "timeDuration",
                                                                         not_good_friday))]).problems)
    assert "(when it is Friday 2025-04-18 09:00)" in problem


@pytest.mark.parametrize("kind, text", [
    ("timeDuration", '"P10D"'), ("timeDuration", '"PT3H"'), ("timeDate", "working_days(5)"),
    ("timeDate", "start_of_day(add_days(today(), 10))"), ("timeDate", 'weekly("Tuesday", "10:00")'),
    ("timeDate", 'duty_window(["Tuesday", "Wednesday", "Thursday"], "09:00", "12:00")'),
    ("timeDate", '"2025-06-02T09:00:00+01:00"'), ("timeCycle", '"R3/PT1H"'),
    ("timeDate", "working_days(1, value(\"met_on\", today()))"),
])
def test_the_accepted_timer_forms_pass(tmp_path, kind, text):
    met_on = field("met_on", "Met on", "date", required=False)  # tried with each sample day, and not set
    path = write(tmp_path, timer_process("fine", kind, text, met_on, boundary=kind != "timeCycle"))
    assert Checker().report([path]).problems == ()


def test_a_timer_reading_a_date_field_is_tried_with_each_sample_day(tmp_path):
    path = write(tmp_path, timer_process("from_field", "timeDate", "working_days(5, completed_on)",
                                         field("completed_on", "Completed on", "date")))
    assert Checker().report([path]).problems == ()


# --- caseworker text ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, found", [
    ("Y2.1. Ask the family.", ["step id 'Y2.1'"]),
    ("See S-AUTH and G1, E3 and P1.", ["step id 'S-AUTH'", "step id 'G1'", "step id 'E3'", "step id 'P1'"]),
    ("As in F4, 003 §2.", ["form id 'F4'", "section sign '§'", "file number '003'"]),
    ("seeds/000_3eb8c6d54633c534.txt", ["file number '000'"]),
    ("An assumption, an alias, a placeholder: not described in the catalogue.",
     ["the word 'assumption'", "the word 'alias'", "the word 'placeholder'", "the word 'not described'",
      "the word 'catalogue'"]),
    ("Sets family_consent.", ["the id 'family_consent'"]),
])
def test_modelling_note_language_is_found(text, found):
    assert markers(text, {"family_consent"}) == found


@pytest.mark.parametrize("text", [
    "Visit the family within 5 working days and record what was agreed.",
    "CS F4M: Please screen contact", "Step One – SC supervision or case discussion", "Meet at 10:00 on 2025-06-03.",
    "Level 2 early help; the 1st TAF meeting; section 17.", "Record the family's consent (yes or no).",
])
def test_plain_instructions_are_not_flagged(text):
    assert markers(text, {"family_consent"}) == []


def test_modelling_notes_and_source_properties_are_not_caseworker_text(tmp_path):
    process = consent_process("notes", 'family_consent == "yes"')
    process.nodes[1] = task("Task_consent", "Ask the family for consent",
                            field("family_consent", "The family consent to early help support", "enum",
                                  (("yes", "Yes"), ("no", "No"))),
                            extensions='<camunda:properties><camunda:property name="source" value="003 §2 (Y2.1, '
                                       'assumption)" /></camunda:properties>')
    process.extra_xml = ""
    path = write(tmp_path, process)
    text = path.read_text(encoding="utf-8").replace(
        "</bpmn:process>",
        '  <bpmn:textAnnotation id="Note_1"><bpmn:text>Modelling note: Y2.1 (003 §2); an assumption.</bpmn:text>'
        '</bpmn:textAnnotation>\n    <bpmn:association id="Assoc_1" sourceRef="Task_consent" targetRef="Note_1" />\n'
        "  </bpmn:process>").replace(
        "</bpmndi:BPMNPlane>",
        '  <bpmndi:BPMNShape id="Note_1_di" bpmnElement="Note_1"><dc:Bounds x="330" y="280" width="200" '
        'height="40" /></bpmndi:BPMNShape>\n      <bpmndi:BPMNEdge id="Assoc_1_di" bpmnElement="Assoc_1">'
        '<di:waypoint x="370" y="195" /><di:waypoint x="370" y="280" /></bpmndi:BPMNEdge>\n    </bpmndi:BPMNPlane>')
    path.write_text(text, encoding="utf-8")
    assert Checker().report([path]).problems == ()


def test_a_warning_does_not_stop_a_check_or_a_deploy(tmp_path, monkeypatch, rt):
    process = Process("warned", "Step down", ["Social Worker"], [
        start(), task("Task_record", "Record (see F3)", field("note", "Note (assumption)")), end("End_done", "Done", 2),
    ], chain("Start_work", "Task_record", "End_done"))
    write(tmp_path, process)
    monkeypatch.chdir(tmp_path)
    checked = CliRunner().invoke(cli, ["check", "warned.bpmn"])
    assert checked.exit_code == 0
    assert checked.stdout.startswith("warned.bpmn:") and ": note: warning: label of field 'note'" in checked.stdout
    assert checked.stderr == "1 diagram checked: 0 errors, 1 warning\n"
    deployed = CliRunner().invoke(cli, ["--db", str(rt.db.engine.url), "deploy", "warned.bpmn"])
    assert deployed.exit_code == 0, deployed.output
    assert deployed.stdout == "warned\tversion 1\tnew\n"
    assert ": warning: label of field 'note' reads like a modelling note" in deployed.stderr


def test_a_changed_file_is_checked_again(tmp_path):
    path = write(tmp_path, consent_process("changing", 'family_consent == "yes"'))
    assert Checker().report([path]).problems == ()
    path.write_text(path.read_text(encoding="utf-8").replace("family_consent == &quot;yes&quot;",
                                                              "family_consent == &quot;Yes&quot;"), encoding="utf-8")
    assert len(Checker().report([path]).errors) == 1
