"""The data rules of `bpmnrun check` on small diagrams: what counts as set where (merges, joins, loops, guards,
input parameters, call activities), and no problem for what is right."""

from __future__ import annotations

from bpmnrun.library.validation import Checker

from .diagrams import (
    YES_NO, Flow, Node, Process, call, callee, caller, chain, consent_process, end, field, gateway, messages, start,
    task, write,
)


def _check(*paths, library=()):
    return messages(Checker().report(list(paths), library=list(library)).problems)


def test_a_parallel_join_sees_what_every_branch_set(tmp_path):
    process = Process("parallel_join", "Two visits at once", ["Social Worker"], [
        start(),
        Node("parallelGateway", "Gw_split", "Both visits", 0, 1),
        task("Task_school", "Visit the school", field("school_seen", "School seen", "enum", YES_NO), col=2),
        task("Task_home", "Visit the family", field("home_seen", "Family seen", "enum", YES_NO), col=2, lane=0),
        Node("parallelGateway", "Gw_join", "Both visited", 0, 3),
        gateway("Gw_both", "Both seen?", 4, "Flow_not"),
        end("End_seen", "Both seen", 5),
        Node("endEvent", "End_not", "Not both seen", 0, 5, row=1),
    ], [*chain("Start_work", "Gw_split"), Flow("F_a", "Gw_split", "Task_school"), Flow("F_b", "Gw_split", "Task_home"),
        Flow("F_c", "Task_school", "Gw_join"), Flow("F_d", "Task_home", "Gw_join"), *chain("Gw_join", "Gw_both"),
        Flow("Flow_seen", "Gw_both", "End_seen", 'school_seen == "yes" and home_seen == "yes"'),
        Flow("Flow_not", "Gw_both", "End_not")])
    process.nodes[3].row = 1
    assert _check(write(tmp_path, process)) == []


def test_a_loop_reads_only_what_its_first_pass_has_set(tmp_path):
    process = Process("loop_first_pass", "Chase until received", ["Social Worker"], [
        start(),
        gateway("Gw_again", "Chase again", 1),
        gateway("Gw_received", "Received?", 2, "Flow_chase"),
        task("Task_chase", "Chase the information", field("received", "Received", "enum", YES_NO), col=3),
        end("End_received", "Information received", 3),
    ], [*chain("Start_work", "Gw_again", "Gw_received"),
        Flow("Flow_done", "Gw_received", "End_received", 'received == "yes"', "Yes"),
        Flow("Flow_chase", "Gw_received", "Task_chase", None, "No"),
        Flow("Flow_back", "Task_chase", "Gw_again")])
    process.nodes[3].row = 1
    [problem] = _check(write(tmp_path, process))
    assert problem.startswith("Flow_done: condition reads received, which is not set on every path to here: the path "
                              "Work started → Chase again → Received? never sets it")


def test_a_name_tested_with_defined_first_need_not_be_set(tmp_path):
    plan = task("Task_plan", "Agree the early help plan", field("plan_date", "Plan date", "date"), col=3)
    guarded = 'family_consent == "yes" and (not defined("plan_date") or plan_date > "2025-01-01")'
    assert _check(write(tmp_path, consent_process("guarded", guarded, plan=plan))) == []
    unguarded = 'family_consent == "yes" and plan_date > "2025-01-01"'
    [problem] = _check(write(tmp_path, consent_process("unguarded", unguarded, plan=plan)))
    assert problem.startswith("Flow_yes: condition reads plan_date, which is not set on every path to here")


def test_input_parameters_are_local_to_their_task(tmp_path):
    inputs = ('<camunda:inputOutput><camunda:inputParameter name="lead">${completed_by(&quot;Task_consent&quot;)}'
              "</camunda:inputParameter></camunda:inputOutput>")
    process = consent_process("local_inputs", 'family_consent == "yes"', plan=task(
        "Task_plan", "Agree the early help plan", field("plan_agreed", "Plan agreed", "boolean"), col=3,
        attrs='camunda:assignee="${lead}"', extensions=inputs))
    assert _check(write(tmp_path, process)) == []

    process.flows[-1] = Flow("Flow_plan_end", "Task_plan", "End_plan", None)
    process.nodes[4] = Node("endEvent", "End_plan", "Plan agreed", 0, 4)
    later = consent_process("local_inputs_after", 'family_consent == "yes"', plan=process.nodes[3])
    later.flows.append(Flow("Flow_extra", "Gw_consent", "End_plan", 'lead == "sam"'))
    assert any(m.startswith("Flow_extra: condition reads lead, which") for m in _check(write(tmp_path, later)))


def test_a_called_process_hands_its_data_back_but_not_its_inputs(tmp_path):
    reads_result = task("Task_after", "Act on the decision", field("acted", "Acted", "boolean"), col=3,
                        attrs='camunda:assignee="${approver if result == &quot;yes&quot; else authoriser}"')
    folder = tmp_path / "calls"
    write(folder, callee("hands_back_callee", "authoriser", sets="result"))
    write(folder, caller("hands_back_caller", "hands_back_callee", field("authoriser", "Authoriser"),
                         mappings='<camunda:in source="authoriser" target="approver" />', after=reads_result))
    [problem] = _check(folder)
    assert problem.startswith("Task_after: camunda:assignee reads approver, which is not set when this process is "
                              "started on its own")  # `result` came back; `approver`, the callee's input, did not


def test_a_camunda_out_target_is_set_after_the_call(tmp_path):
    folder = tmp_path / "calls"
    write(folder, callee("out_callee", "authoriser", sets="result"))
    write(folder, caller("out_caller", "out_callee", field("authoriser", "Authoriser"),
                         mappings='<camunda:out source="result" target="decision" />',
                         after=task("Task_after", "Act", field("acted", "Acted", "boolean"), col=3,
                                    attrs='camunda:assignee="${decision}"')))
    assert _check(folder) == []


def test_a_called_only_process_with_no_caller_in_sight(tmp_path):
    """Policy: it starts with every name anything in sight could set (no false errors for its callers' data);
    a name nothing sets is still an error, with did-you-mean."""
    library = tmp_path / "bpmn"
    write(library, caller("sight_caller", "sight_callee", field("authoriser", "Authoriser")))
    elsewhere = tmp_path / "other"
    alone = write(elsewhere, callee("sight_callee", "authoriser"))
    assert _check(alone, library=[library]) == []
    assert _check(alone) == ["Task_authorise: camunda:assignee reads authoriser, which nothing sets (no form field, "
                             "start form or mapping has that id); did you mean authorised?"]
    typo = write(elsewhere, callee("sight_callee_typo", "authorizer"))
    assert _check(typo, library=[library]) == [
        "Task_authorise: camunda:assignee reads authorizer, which nothing sets (no form field, start form or mapping "
        "has that id); did you mean authoriser or authorised?"]


def test_a_library_file_checked_alone_is_checked_against_its_callers(tmp_path):
    library = tmp_path / "bpmn"
    write(library, caller("lib_caller", "lib_callee", field("note", "Note"),
                          after=task("Task_record", "Record", field("authoriser", "Authoriser"), col=3)))
    called = write(library, callee("lib_callee", "authoriser"))
    assert _check(called, library=[library]) == [
        "Task_authorise: camunda:assignee reads authoriser, which lib_caller does not set before calling this "
        f"process (Call_authorise in {library / 'lib_caller.bpmn'})"]


def test_a_gateway_after_a_decided_branch_need_not_cover_what_the_branch_ruled_out(tmp_path):
    both = field("plan_shared", "Plan shared", "enum", YES_NO)
    process = consent_process("facts", 'family_consent == "yes"', more_fields=(both,), plan=gateway(
        "Task_plan", "Plan shared?", 3))
    process.nodes[4] = end("End_plan", "Plan shared", 4)
    process.nodes.append(Node("endEvent", "End_not_shared", "Plan not shared", 0, 4, row=1))
    process.flows[-1] = Flow("Flow_shared", "Task_plan", "End_plan", 'family_consent == "yes" and plan_shared == "yes"')
    process.flows.append(Flow("Flow_not_shared", "Task_plan", "End_not_shared",
                              'family_consent == "yes" and plan_shared == "no"'))
    assert _check(write(tmp_path, process)) == []  # family_consent is "yes" on every path to the second gateway


def test_a_gateway_on_a_date_is_not_judged(tmp_path):
    process = consent_process("dates", 'family_consent == "yes" and plan_date > "2025-01-01"', default=False,
                              more_fields=(field("plan_date", "Plan date", "date"),))
    assert _check(write(tmp_path, process)) == []


def test_a_gateway_on_yes_no_ticks_is_judged(tmp_path):
    process = consent_process("ticks", "urgent", default=False, consent=field("urgent", "Urgent", "boolean"))
    process.flows[-2] = Flow("Flow_no", "Gw_consent", "End_no", "urgent == False")
    assert _check(write(tmp_path, process)) == []
    process.flows[-2] = Flow("Flow_no", "Gw_consent", "End_no", "urgent and False")
    assert _check(write(tmp_path, process)) == [
        "Gw_consent: no flow out of this gateway is taken when urgent is False: the case would stop here for good. "
        "Add a flow for it, or make one flow the gateway's default"]


def test_the_rules_read_per_child_answers_and_pickers(tmp_path):
    outcome = field("outcome", "Outcome for each child", "enum", (("proceed", "Proceed"), ("closed", "Closed")),
                    props={"per_child": "true"})
    picker = field("chosen", "Children", "enum", props={"choose_from": "subjects", "multiple": "true"})
    process = consent_process("per_child_ok", 'children(outcome, "proceed") and len(children(chosen)) > 0',
                              more_fields=(outcome, picker))
    assert _check(write(tmp_path, process)) == []


def test_a_gateway_on_the_children_ticked_is_judged(tmp_path):
    picker = field("accepted", "Children accepted", "enum", props={"choose_from": "subjects", "multiple": "true"})
    process = consent_process("picked", 'family_consent == "yes" and len(children(accepted)) == len(subjects)',
                              default=False, more_fields=(picker,))
    [problem] = _check(write(tmp_path, process))
    assert problem.startswith('Gw_consent: no flow out of this gateway is taken when accepted is ticked for 1 of 4 '
                              'children and family_consent is "yes"; or when accepted is ticked for 1 of 4 children '
                              'and family_consent is "yes"; or when')  # required: never nothing ticked


def test_a_text_field_whose_pattern_lists_its_answers_is_checked_as_a_choice(tmp_path):
    route = field("start_route", "How does this work start?", constraints=(("pattern", "partner_led|targeted"),))
    typo = consent_process("routes", 'start_route == "partner_lead"', more_fields=(route,))
    assert _check(write(tmp_path, typo)) == [
        "Flow_yes: condition compares start_route with \"partner_lead\", which its pattern never accepts (its values "
        "are 'partner_led', 'targeted'): did you mean \"partner_led\"?"]
    uncovered = consent_process("routes_gw", 'start_route == "partner_led"', default=False, more_fields=(route,))
    uncovered.flows[-2] = Flow("Flow_no", "Gw_consent", "End_no", 'start_route == "targeted" and family_consent == "no"')
    assert _check(write(tmp_path, uncovered)) == [
        'Gw_consent: no flow out of this gateway is taken when family_consent is "yes" and start_route is "targeted": '
        "the case would stop here for good. Add a flow for it, or make one flow the gateway's default"]


def test_an_output_parameter_is_kept_after_its_task_and_reads_the_answers(tmp_path):
    outputs = ('<camunda:inputOutput><camunda:outputParameter name="consented">${family_consent == &quot;yes&quot;}'
               "</camunda:outputParameter></camunda:inputOutput>")
    consent = task("Task_consent", "Ask the family for consent",
                   field("family_consent", "The family consent", "enum", YES_NO), extensions=outputs)
    process = consent_process("outputs", "consented")
    process.nodes[1] = consent
    assert _check(write(tmp_path, process)) == []
    typo = consent_process("outputs_typo", "consented")
    typo.nodes[1] = task("Task_consent", "Ask the family for consent",
                         field("family_consent", "The family consent", "enum", YES_NO),
                         extensions=outputs.replace("family_consent ==", "family_consnt =="))
    assert _check(write(tmp_path, typo)) == [
        "Task_consent: output parameter 'consented' reads family_consnt, which nothing sets (no form field, start "
        "form or mapping has that id); did you mean family_consent?"]


def test_a_default_worked_out_from_the_case_data_that_cannot_be_is_a_warning(tmp_path):
    planned = field("planned_on", "Planned meeting date", "date")
    met = '<camunda:formField id="met_on" label="Meeting date" type="date" defaultValue="${planned_on}" />'
    process = consent_process("defaults", 'family_consent == "yes"', plan=task(
        "Task_plan", "Hold the meeting", met, col=3))
    process.nodes[1] = task("Task_consent", "Ask the family for consent", field(
        "family_consent", "The family consent", "enum", YES_NO), planned)
    assert _check(write(tmp_path, process)) == []
    typo = consent_process("defaults_typo", 'family_consent == "yes"', plan=task(
        "Task_plan", "Hold the meeting", met.replace("${planned_on}", "${planed_on}"), col=3))
    assert _check(write(tmp_path, typo)) == [
        "met_on: warning: defaultValue of 'met_on' reads planed_on, which nothing sets (no form field, start form or "
        "mapping has that id): correct the name, or ask for it in a form field before here"]


def test_a_name_given_fixed_values_by_its_callers_is_checked_against_them(tmp_path):
    """`route` is set only by the callers' camunda:in mappings ("mash", "cin_cp"): a condition comparing it with
    another value is never true, and a gateway without a default must take a flow for each value given."""
    folder = tmp_path / "routes"
    closure = callee("routes_closure", "authoriser")
    closure.nodes.insert(1, gateway("Gw_route", "Which route?", 1))
    closure.nodes.append(Node("endEvent", "End_mash", "Closed from MASH", 0, 2, row=1))
    closure.flows = [Flow("F_start", "Start_work", "Gw_route"),
                     Flow("F_cin", "Gw_route", "Task_authorise", 'route == "cin_cp"'),
                     Flow("F_mash", "Gw_route", "End_mash", 'route == "mash_typo"'),
                     *chain("Task_authorise", "End_authorised")]
    closure.nodes[2].column = 2
    closure.nodes[3].column = 3
    write(folder, closure)
    for pid, route in (("routes_from_mash", "mash"), ("routes_from_cin", "cin_cp")):
        write(folder, caller(pid, "routes_closure", field("authoriser", "Authoriser"),
                             mappings=f'<camunda:in sourceExpression="${{&quot;{route}&quot;}}" target="route" />'))
    assert _check(folder, library=[folder]) == [  # the folder is the library: every caller is in sight
        "Gw_route: no flow out of this gateway is taken when route is \"mash\": the case would stop here for good. "
        "Add a flow for it, or make one flow the gateway's default",
        "F_mash: condition compares route with \"mash_typo\", which it is never given (its values are 'cin_cp', "
        "'mash'): did you mean \"mash\"?"]


def test_what_a_caller_gave_is_gone_once_the_process_asks_for_it_again(tmp_path):
    folder = tmp_path / "asked_again"
    called = consent_process("asked_again_callee", 'family_consent == "yes"', default=False)
    called.startable = False
    write(folder, called)
    write(folder, caller("asked_again_caller", "asked_again_callee", field("note", "Note"),
                         mappings='<camunda:in sourceExpression="${&quot;maybe&quot;}" target="family_consent" />'))
    assert _check(folder) == []  # "maybe" is asked again (yes or no) before the gateway on every path


def test_fixed_values_from_callers_are_all_its_values_only_when_the_whole_library_is_in_sight(tmp_path):
    library = tmp_path / "bpmn"
    closure = consent_process("sight_closure", 'route == "cin_cp"')
    closure.startable = False
    write(library, closure)
    write(library, caller("sight_from_mash", "sight_closure", field("note", "Note"),
                          mappings='<camunda:in sourceExpression="${&quot;mash&quot;}" target="route" />'))
    # a deploy of these two files alone: another caller may give "cin_cp"
    assert _check(library / "sight_closure.bpmn", library / "sight_from_mash.bpmn") == []
    # the whole library: no caller gives "cin_cp", so the condition is never true
    assert _check(library, library=[library]) == [
        "Flow_yes: condition compares route with \"cin_cp\", which it is never given (its values are 'mash')"]
