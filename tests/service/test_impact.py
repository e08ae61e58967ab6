"""The impact report before deploying: the pure diff of two versions (elements, form fields, lanes), and the
report over the running cases (where each waits, which could move and why not) with a warning for a lane
nobody is in."""

from __future__ import annotations

from bpmnrun.library.diff import diff_process, diff_sources
from bpmnrun.service import impact, timers, users
from tests.service.change_support import PROCESS, V1, V2, Library, stuck_at_completion, team_of_v1, waiting_at_timer
from tests.support import DIAGRAMS


def test_the_diff_names_added_removed_renamed_and_changed_elements_fields_and_lanes():
    d = diff_process(PROCESS, V1.read_bytes(), V2.read_bytes())
    assert [(e.id, e.name) for e in d.added] == [("Agree", "Agree the plan")]
    assert [(e.id, e.name) for e in d.removed] == [("Plan", "Plan for a large family")]
    assert [(e.id, e.old_name, e.name) for e in d.renamed] == [
        ("Review", "Review the request", "Review the family's request")]
    changed = {e.id: e.what for e in d.changed}
    assert set(changed) == {"Wait", "Gw", "EndPlan"}
    assert 'timer: start_of_day(add_days(review_on, 1)) ⇒ start_of_day(add_days(value("review_on"' in changed["Wait"]
    assert "→ Review if family_size < 2 ⇒ → Review if family_size <= 2" in changed["Gw"]
    assert changed["EndPlan"] == "lane Team Manager → Senior Manager"
    assert [(f.task_id, f.field_id, f.what) for f in d.fields] == [
        ("Record", "note", "added"), ("Review", "outcome", "options + referred")]
    assert (d.lanes_added, d.lanes_removed) == (("Senior Manager",), ("Team Manager",))
    assert not d.is_empty


def test_the_diff_of_field_types_required_and_removed_fields_and_of_a_new_process():
    v1 = V1.read_text()
    v2 = v1.replace('id="family_size" label="Number of children" type="long"',
                    'id="family_size" label="Number of children" type="string"')
    v2 = v2.replace('<camunda:formField id="review_on" label="Review on" type="date"/>', "")
    v2 = v2.replace('<camunda:formField id="plan" label="Plan" type="string">\n'
                    '            <camunda:validation>\n              <camunda:constraint name="required"/>\n'
                    '            </camunda:validation>', '<camunda:formField id="plan" label="Plan" type="string">')
    assert v2.count("camunda:formField") == v1.count("camunda:formField") - 1
    fields = {(f.task_id, f.field_id): f.what for f in diff_process(PROCESS, v1.encode(), v2.encode()).fields}
    assert fields == {("Record", "family_size"): "type long → string", ("Record", "review_on"): "removed",
                      ("Plan", "plan"): "no longer required"}
    new = diff_process(PROCESS, None, V1.read_bytes())
    assert new.new_process and new.lanes_added == ("Social Worker", "Team Manager")
    layout_only = V1.read_bytes().replace(b'x="', b'x="1', 1)
    assert diff_process(PROCESS, V1.read_bytes(), layout_only).is_empty
    assert diff_sources({PROCESS: V1.read_bytes()}, {PROCESS: V1.read_bytes()}) == []


def test_the_report_lists_each_running_case_where_it_waits_and_whether_it_could_move(rt, clock, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.deploy(V1)
    case = team_of_v1(rt)
    stuck, _ = stuck_at_completion(rt, case.id)
    at_timer = waiting_at_timer(rt, case.id, 1)
    at_plan = waiting_at_timer(rt, case.id, 3)
    clock.advance(days=1, hours=1)
    timers.fire_due_timers(rt)  # at_timer → Review, at_plan → Plan
    library.put(V2)

    report = impact.impact_of_paths(rt, [library.folder])
    [process] = report.processes
    assert (process.process_id, process.from_version, process.to_version) == (PROCESS, 1, 2)
    assert [e.id for e in process.diff.removed] == ["Plan"]
    waits = {c.instance_id: [(w.element_id, w.kind) for w in c.waits] for c in process.cases}
    assert waits == {stuck: [("Record", "task")], at_timer: [("Review", "task"), ("Late", "timer")],
                     at_plan: [("Plan", "task")]}
    assert [c.instance_id for c in process.movable] == [stuck, at_timer]
    [unmovable] = process.unmovable
    assert unmovable.instance_id == at_plan
    assert unmovable.reasons == ("it waits at 'Plan for a large family' (Plan), which version 2 does not have; "
                                 "map it to the element in its place: Plan=Agree",)
    assert process.warnings == (f"{PROCESS} version 2: nobody is in the team 'Senior Manager' of its lane, so its "
                                f"tasks would reach no inbox: add users to that team",)
    assert report.warnings == process.warnings

    users.add_user(rt, "sue", ["Senior Manager"])
    assert impact.impact_of_paths(rt, [library.folder]).warnings == ()


def test_the_report_names_unchanged_processes_and_callers_of_a_changed_one(rt, tmp_path):
    library = Library(rt, tmp_path / "bpmn")
    library.put(DIAGRAMS / "test_call_child.bpmn")
    library.deploy(DIAGRAMS / "test_call_parent.bpmn")
    assert impact.impact_of_paths(rt, [library.folder]).processes == ()

    library.put(DIAGRAMS / "test_call_child.bpmn", replace=('name="Authorised"', 'name="Authorised by manager"'))
    report = impact.impact_of_paths(rt, [library.folder])
    by_id = {p.process_id: p for p in report.processes}
    assert set(by_id) == {"test_call_child", "test_call_parent"}
    assert [(e.id, e.old_name, e.name) for e in by_id["test_call_child"].diff.renamed] == [
        ("EndEvt", "Authorised", "Authorised by manager")]
    assert by_id["test_call_parent"].calls_changed == ("test_call_child",)
    assert by_id["test_call_parent"].diff.is_empty
