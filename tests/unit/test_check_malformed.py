"""`bpmnrun check` on broken diagrams: each case copies a valid test diagram and makes ONE textual change.

Every case must give exactly one problem, `PATH:LINE: ELEMENT_ID: message`, naming the copied file, the
line of the element at fault (given in the table as an "anchor": text whose first line in the broken
file is the expected line) and that element's id. The same cases are run through the CLI, which must
print the same lines and exit 1; nothing may raise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpmnrun.cli.main import cli
from bpmnrun.library.validation import Checker

DIAGRAMS = Path(__file__).resolve().parents[1] / "diagrams"
WHOLE_FILE = None  # `old` of a case that replaces the whole file
# Diagrams that must be checked together with the mutated one: a call activity's callee, and the caller of a
# process only ever called (what it reads at its start comes from its callers).
COMPANIONS = {"test_call_parent": ["test_call_child"], "test_children": ["test_children_callee"],
              "test_children_callee": ["test_children"],
              "test_call_child": ["test_call_parent"]}
# Warnings a clean test diagram keeps: test_gateway's `children` field is named in service tests' answers.
KNOWN_WARNINGS = {"test_gateway": ["form field id 'children' is also the name of the function children()"]}

AMP = "&quot;"
SCRIPT_OLD = """<bpmn:endEvent id="EndEvt" name="Assessment work step started">
      <bpmn:incoming>F3</bpmn:incoming>
    </bpmn:endEvent>"""
SCRIPT_NEW = """<bpmn:scriptTask id="EndEvt" name="Assessment work step started" scriptFormat="python">
      <bpmn:incoming>F3</bpmn:incoming>
      <bpmn:script>started_twice = True</bpmn:script>
    </bpmn:scriptTask>"""
MI_OLD = '<bpmn:multiInstanceLoopCharacteristics camunda:collection="subjects" camunda:elementVariable="subject" />'
NOTE_FIELD = '<camunda:formField id="note" label="Note" type="string" />'


def _note_with(constraint: str, config: str) -> str:
    return (f'<camunda:formField id="note" label="Note" type="string"><camunda:validation>'
            f'<camunda:constraint name="{constraint}" config="{config}" /></camunda:validation></camunda:formField>')


def case(case_id, source, old, new, element_id, fragment, anchor, *, xfail=None):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(source, old, new, element_id, fragment, anchor, id=case_id, marks=marks)


# id, source diagram, old text, new text, expected element id, expected message fragment, line anchor
CASES = [
    # --- 1. XML well-formedness: the line is libxml2's line of the error ---------------------------------
    case("xml_unescaped_ampersand", "test_gateway", 'name="Approved?"', 'name="Approved & ready?"',
         "-", "not well-formed XML", 'name="Approved & ready?"'),
    case("xml_mismatched_end_tag", "test_gateway", "</bpmn:exclusiveGateway>", "</bpmn:exclusiveGatway>",
         "-", "not well-formed XML: Opening and ending tag mismatch", "</bpmn:exclusiveGatway>"),
    case("empty_file", "test_message", WHOLE_FILE, "", "-", "not well-formed XML", None),
    case("not_xml_at_all", "test_message", WHOLE_FILE, "this is not XML at all\nid: test_message\n",
         "-", "not well-formed XML", None),
    # --- 2. BPMN 2.0 XSD -----------------------------------------------------------------------------
    case("xsd_unknown_bpmn_element", "test_gateway",
         '<bpmn:endEvent id="EndApproved" name="Request approved">',
         '<bpmn:endEvent id="EndApproved" name="Request approved"><bpmn:frobnicate />',
         "EndApproved", "BPMN schema: Element '{http://www.omg.org/spec/BPMN/20100524/MODEL}frobnicate'",
         "<bpmn:frobnicate />"),
    case("xsd_missing_required_attribute", "test_gateway",
         '<bpmn:sequenceFlow id="F3" sourceRef="Authorise" targetRef="EndApproved" />',
         '<bpmn:sequenceFlow id="F3" sourceRef="Authorise" />',
         "F3", "The attribute 'targetRef' is required but missing", '<bpmn:sequenceFlow id="F3"'),
    case("xsd_duplicate_id", "test_gateway", '<bpmn:endEvent id="EndApproved"', '<bpmn:endEvent id="EndDeclined"',
         "EndDeclined", "is not a valid value of the atomic type 'xs:ID'",
         '<bpmn:endEvent id="EndDeclined" name="Request declined">'),  # the later of the two in the file
    # --- 3. SpiffWorkflow's parse ------------------------------------------------------------------
    # SpiffWorkflow's message for a missing target is misleading ("we found two items") but names the
    # missing id; the element named is the flow's source, whose outgoing flow leads nowhere.
    case("dangling_sequence_flow_target", "test_gateway",
         'sourceRef="Authorise" targetRef="EndApproved"', 'sourceRef="Authorise" targetRef="Nowhere"',
         "F3", "targetRef 'Nowhere' names no element", '<bpmn:sequenceFlow id="F3"'),
    case("dangling_sequence_flow_source", "test_gateway",
         'id="F3" sourceRef="Authorise"', 'id="F3" sourceRef="Nowhere"',
         "F3", "Nowhere", '<bpmn:sequenceFlow id="F3"'),
    # --- 4. bpmnrun's rules --------------------------------------------------------------------------
    case("executable_process_without_id", "test_gateway", '<bpmn:process id="test_gateway"', "<bpmn:process",
         "-", "an executable process has no id: give it the file's name as its id", "<bpmn:process "),
    case("no_executable_process", "test_gateway", 'isExecutable="true"', 'isExecutable="false"',
         "Defs_test_gateway", "no executable process in this file", "<bpmn:definitions"),
    case("reserved_id_start", "test_call_child", 'id="LaneSet_test_call_child"', 'id="Start"',
         "Start", "the id 'Start' is reserved by the engine", '<bpmn:laneSet id="Start">'),
    case("reserved_id_end", "test_gateway", '<bpmn:conditionExpression xsi:type',
         '<bpmn:conditionExpression id="End" xsi:type',
         "End", "the id 'End' is reserved by the engine", '<bpmn:conditionExpression id="End"'),
    case("user_task_in_no_lane", "test_gateway", "<bpmn:flowNodeRef>Authorise</bpmn:flowNodeRef>", "",
         "Authorise", "user task 'Authorise request' is in no lane", '<bpmn:userTask id="Authorise"'),
    case("gateway_flow_without_condition_or_default", "test_gateway",
         '<bpmn:exclusiveGateway id="Gw" name="Approved?" default="F_decline">',
         '<bpmn:exclusiveGateway id="Gw" name="Approved?">',
         "F_decline", "flow out of exclusive gateway Gw has no condition and is not its default",
         '<bpmn:sequenceFlow id="F_decline"'),
    case("condition_syntax_error", "test_gateway", f"decision == {AMP}approve{AMP}",
         f"decision = = {AMP}approve{AMP}", "F_approve", "condition: syntax error", "<bpmn:conditionExpression"),
    case("condition_juel", "test_gateway", f"decision == {AMP}approve{AMP}",
         f"${{decision == {AMP}approve{AMP}}}", "F_approve", "condition: syntax error", "<bpmn:conditionExpression"),
    case("condition_dunder_import", "test_gateway", f"decision == {AMP}approve{AMP}",
         f"__import__({AMP}os{AMP}).system({AMP}id{AMP}) == 0",
         "F_approve", "condition: attribute 'system' is not allowed", "<bpmn:conditionExpression"),
    case("condition_import_statement", "test_gateway", f"decision == {AMP}approve{AMP}", "import os",
         "F_approve", "condition: syntax error", "<bpmn:conditionExpression"),
    case("condition_dunder_attribute", "test_gateway", f"decision == {AMP}approve{AMP}",
         "().__class__.__base__.__subclasses__()",
         "F_approve", "condition: attribute '__", "<bpmn:conditionExpression"),
    case("timer_calls_open", "test_timers", f"weekly({AMP}Tuesday{AMP}, {AMP}10:00{AMP})",
         f"open({AMP}/etc/passwd{AMP})", "TED_69878", "open() is not a function expressions may call", "<bpmn:timerEventDefinition id=\"TED_69878\""),
    case("timer_dunder_attribute", "test_timers", "working_days(5, completed_on)</bpmn:timeDate>",
         "working_days(5, completed_on.__class__)</bpmn:timeDate>",
         "TED_72048", "timer timeDate: attribute '__class__' is not allowed", '<bpmn:timerEventDefinition id="TED_72048"'),
    case("timer_empty", "test_timers", f"weekly({AMP}Tuesday{AMP}, {AMP}10:00{AMP})", "",
         "TED_69878", "timer timeDate is empty", '<bpmn:timerEventDefinition id="TED_69878"'),
    case("assignee_bad_expression", "test_call_child", 'camunda:assignee="${authoriser}"',
         'camunda:assignee="${authoriser.__class__}"',
         "Auth", "camunda:assignee: attribute '__class__' is not allowed", '<bpmn:userTask id="Auth"'),
    case("assignee_syntax_error", "test_call_child", 'camunda:assignee="${authoriser}"',
         'camunda:assignee="${authoriser +}"', "Auth", "camunda:assignee: syntax error", '<bpmn:userTask id="Auth"'),
    case("due_date_syntax_error", "test_timers", 'camunda:dueDate="${working_days(5, completed_on)}"',
         'camunda:dueDate="${working_days(5 completed_on)}"',
         "Handover", "camunda:dueDate: syntax error", '<bpmn:userTask id="Handover"'),
    case("call_activity_to_missing_process", "test_call_parent", 'calledElement="test_call_child"',
         'calledElement="no_such_process"',
         "Call", "call activity calls process 'no_such_process', which is not in the library",
         '<bpmn:callActivity id="Call"'),
    case("call_activity_without_called_element", "test_call_parent", ' calledElement="test_call_child"', "",
         "Call", "call activity names no calledElement", '<bpmn:callActivity id="Call"'),
    case("script_task", "test_message", SCRIPT_OLD, SCRIPT_NEW,
         "EndEvt", "script tasks are not allowed", '<bpmn:scriptTask id="EndEvt"'),
    case("task_without_bpmn_shape", "test_gateway",
         '<bpmndi:BPMNShape id="Authorise_di" bpmnElement="Authorise"><dc:Bounds x="710" y="280" width="100" '
         'height="80" /></bpmndi:BPMNShape>', "",
         "Authorise", "userTask has no diagram shape (BPMN DI)", '<bpmn:userTask id="Authorise"'),
    case("flow_without_bpmn_edge", "test_gateway",
         '<bpmndi:BPMNEdge id="F3_di" bpmnElement="F3"><di:waypoint x="810" y="320" /><di:waypoint x="912" '
         'y="320" /></bpmndi:BPMNEdge>', "",
         "F3", "sequenceFlow has no diagram shape (BPMN DI)", '<bpmn:sequenceFlow id="F3"'),
    case("multi_instance_without_collection", "test_per_child", MI_OLD,
         '<bpmn:multiInstanceLoopCharacteristics camunda:elementVariable="subject" />',
         "Outcome", "multi-instance needs camunda:collection", "<bpmn:multiInstanceLoopCharacteristics"),
    case("multi_instance_loop_cardinality", "test_per_child", MI_OLD,
         '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3'
         '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>',
         "Outcome", "multi-instance by loopCardinality is not supported", "<bpmn:multiInstanceLoopCharacteristics"),
    case("multi_instance_bad_collection", "test_per_child", 'camunda:collection="subjects"',
         'camunda:collection="subjects.__len__"',
         "Outcome", "camunda:collection: attribute '__len__' is not allowed", "<bpmn:multiInstanceLoopCharacteristics"),
    case("enum_field_without_options", "test_per_child",
         '<camunda:value id="proceed" name="Proceed to TAC Monitoring" /><camunda:value id="closed" '
         'name="Closed at Assessment" />', "",
         "assessment_outcome", "enum field 'assessment_outcome' has no options",
         '<camunda:formField id="assessment_outcome"'),
    case("unknown_form_field_type", "test_gateway", NOTE_FIELD,
         '<camunda:formField id="note" label="Note" type="text" />',
         "note", "form field 'note' has type 'text'; allowed: boolean, date, enum, long, string",
         '<camunda:formField id="note"'),
    case("duplicate_form_field_id", "test_gateway", NOTE_FIELD,
         NOTE_FIELD + '<camunda:formField id="note" label="Note again" type="string" />',
         "note", "form field id 'note' is used twice in this form", '<camunda:formField id="note"'),
    case("form_field_without_id", "test_gateway", NOTE_FIELD, '<camunda:formField label="Note" type="string" />',
         "Record", "form field has no id", '<camunda:formField label="Note"'),
    case("invalid_pattern_regex", "test_gateway", NOTE_FIELD, _note_with("pattern", r"^EH (.+ \d{2}$"),
         "note", "pattern of 'note' is not a regular expression", '<camunda:formField id="note"'),
    case("required_if_syntax_error", "test_gateway", NOTE_FIELD, _note_with("required_if", "decision =="),
         "note", "required_if of 'note': syntax error", '<camunda:formField id="note"'),
]


def _line_of(text: str, anchor: str | None) -> int:
    if anchor is None:
        return 1
    assert anchor in text, f"anchor {anchor!r} is not in the broken diagram"
    return text[: text.index(anchor)].count("\n") + 1


def _break(tmp_path: Path, source: str, old: str | None, new: str) -> tuple[Path, list[Path], str]:
    """Copy `source` (and its companions) into tmp_path with ONE textual change; the paths to check."""
    folder = tmp_path / "diagrams"
    folder.mkdir()
    text = (DIAGRAMS / f"{source}.bpmn").read_text(encoding="utf-8")
    if old is WHOLE_FILE:
        text = new
    else:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in {source}.bpmn"
        text = text.replace(old, new)
    broken = folder / f"{source}.bpmn"
    broken.write_text(text, encoding="utf-8")
    companions = [Path(shutil.copy(DIAGRAMS / f"{c}.bpmn", folder)) for c in COMPANIONS.get(source, [])]
    return broken, [broken, *companions], text


@pytest.mark.parametrize("source, old, new, element_id, fragment, anchor", CASES)
def test_one_problem_names_file_line_and_element(tmp_path, source, old, new, element_id, fragment, anchor):
    broken, paths, text = _break(tmp_path, source, old, new)

    problems = Checker().check(paths)

    assert len(problems) == 1, "\n".join(map(str, problems)) or "no problem found"
    (problem,) = problems
    assert problem.path == str(broken)
    assert problem.line == _line_of(text, anchor) > 0
    assert problem.element_id == element_id
    assert fragment in problem.message
    assert str(problem) == f"{broken}:{problem.line}: {element_id}: {problem.message}"


@pytest.mark.parametrize("source, old, new, element_id, fragment, anchor", CASES)
def test_cli_prints_the_problem_lines_and_exits_1(tmp_path, monkeypatch, source, old, new, element_id, fragment,
                                                  anchor):
    broken, paths, _ = _break(tmp_path, source, old, new)
    monkeypatch.chdir(tmp_path)  # no ./bpmn library folder: only the files named are checked
    report = Checker().report(paths)
    expected = [str(p) for p in report.problems]

    result = CliRunner().invoke(cli, ["check", *map(str, paths)])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # an exit, never a traceback
    assert "Traceback" not in result.output
    assert result.stdout.splitlines() == expected
    assert any(line.startswith(f"{broken}:") and f": {element_id}: " in line for line in expected)
    warnings = len(report.warnings)
    assert result.stderr.strip() == (f"{len(paths)} diagram{'s' if len(paths) > 1 else ''} checked: 1 error, "
                                     f"{warnings} warning{'' if warnings == 1 else 's'}")


def test_script_task_is_accepted_with_allow_scripts(tmp_path, monkeypatch):
    broken, paths, _ = _break(tmp_path, "test_message", SCRIPT_OLD, SCRIPT_NEW)
    assert [p.message for p in Checker().check(paths)] == [
        "script tasks are not allowed (run check with --allow-scripts to permit them)"]

    assert Checker(allow_scripts=True).check(paths) == []

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "--allow-scripts", str(broken)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == "1 diagram ok"


@pytest.mark.parametrize("source", sorted(p.stem for p in DIAGRAMS.glob("*.bpmn")))
def test_clean_diagram_passes_and_cli_exits_0(tmp_path, monkeypatch, source):
    folder = tmp_path / "diagrams"
    folder.mkdir()
    paths = [Path(shutil.copy(DIAGRAMS / f"{name}.bpmn", folder)) for name in [source, *COMPANIONS.get(source, [])]]
    assert Checker().check(paths) == []
    warnings = [p.message for p in Checker().report(paths).problems]
    known = [w for name in [source, *COMPANIONS.get(source, [])] for w in KNOWN_WARNINGS.get(name, [])]
    assert [w[:len(k)] for w, k in zip(warnings, known)] == known and len(warnings) == len(known)

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert [line.split(": warning: ", 1)[1] for line in result.stdout.splitlines()] == warnings
    files = f"{len(paths)} diagram{'s' if len(paths) > 1 else ''}"
    assert result.stderr.strip() == (f"{files} checked: 0 errors, 1 warning" if warnings else f"{files} ok")


def test_unreadable_path_is_a_problem_not_an_exception(tmp_path):
    missing = tmp_path / "nowhere.bpmn"
    (problem,) = Checker().check([missing])
    assert (problem.path, problem.element_id) == (str(missing), "-")
    assert problem.message.startswith("cannot read file")


def test_every_file_of_a_folder_is_checked(tmp_path):
    folder = tmp_path / "diagrams"
    folder.mkdir()
    (folder / "empty.bpmn").write_text("")
    shutil.copy(DIAGRAMS / "test_gateway.bpmn", folder)
    (problem,) = Checker().check([folder])
    assert problem.path == str(folder / "empty.bpmn")


@pytest.mark.parametrize("spelling", [
    pytest.param("relative", id="relative"),
    pytest.param("absolute", id="absolute"),
])
def test_cli_check_of_a_library_file_by_any_spelling_of_its_path(tmp_path, monkeypatch, spelling):
    """`bpmnrun check` adds ./bpmn as the library; checking one of its own files must still pass."""
    (tmp_path / "bpmn").mkdir()
    shutil.copy(DIAGRAMS / "test_gateway.bpmn", tmp_path / "bpmn")
    monkeypatch.chdir(tmp_path)
    path = "bpmn/test_gateway.bpmn" if spelling == "relative" else str(tmp_path / "bpmn" / "test_gateway.bpmn")

    result = CliRunner().invoke(cli, ["check", path])

    assert result.exit_code == 0, result.output
