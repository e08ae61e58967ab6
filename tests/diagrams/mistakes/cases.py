"""The corpus of mistakes `bpmnrun check` must catch: each a small procedure a process owner could draw, with
ONE mistake, and the exact problems the check must report for it (element: [warning: ]message).

The first six are the process owners' table of mistakes that used to deploy and then break a real case.
"""

from __future__ import annotations

from build import Flow, Mistake, Node, Process

Q = '"'


# --- building blocks -----------------------------------------------------------------------------------------

def field(fid: str, label: str, ftype: str = "string", options: tuple = (), required: bool = True,
          props: dict | None = None, constraints: tuple = ()) -> str:
    checks = (["required"] if required else []) + list(constraints)
    validation = ""
    if checks:
        items = "".join(f'<camunda:constraint name="{c}" />' if isinstance(c, str) else
                        f'<camunda:constraint name="{c[0]}" config="{_attr(c[1])}" />' for c in checks)
        validation = f"<camunda:validation>{items}</camunda:validation>"
    properties = ""
    if props:
        items = "".join(f'<camunda:property id="{k}" value="{_attr(v)}" />' for k, v in props.items())
        properties = f"<camunda:properties>{items}</camunda:properties>"
    values = "".join(f'<camunda:value id="{o}" name="{_attr(n)}" />' for o, n in options)
    return (f'<camunda:formField id="{fid}" label="{_attr(label)}" type="{ftype}">'
            f"{properties}{validation}{values}</camunda:formField>")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


YES_NO = (("yes", "Yes"), ("no", "No"))


def task(tid: str, name: str, *fields: str, col: int = 1, lane: int = 0, attrs: str = "",
         activity: str = "record_decision", extensions: str = "", tail: str = "", doc: str = "") -> Node:
    head = f"<bpmn:documentation>{doc}</bpmn:documentation>" if doc else ""
    form = f"<camunda:formData>{''.join(fields)}</camunda:formData>" if fields else ""
    head += (f"<bpmn:extensionElements>{extensions}{form}<camunda:properties>"
             f'<camunda:property name="activity" value="{activity}" /></camunda:properties></bpmn:extensionElements>')
    return Node("userTask", tid, name, lane, col, attrs, head, tail)


def start(name: str = "Work started", *fields: str, sid: str = "Start_work") -> Node:
    head = f"<bpmn:extensionElements><camunda:formData>{''.join(fields)}</camunda:formData></bpmn:extensionElements>" \
        if fields else ""
    return Node("startEvent", sid, name, 0, 0, head=head)


def end(eid: str, name: str, col: int, lane: int = 0) -> Node:
    return Node("endEvent", eid, name, lane, col)


def gateway(gid: str, name: str, col: int, default: str | None = None, tag: str = "exclusiveGateway") -> Node:
    return Node(tag, gid, name, 0, col, f'default="{default}"' if default else "")


def timer(eid: str, name: str, kind: str, text: str, col: int = 0, attached: str | None = None,
          interrupting: bool = False) -> Node:
    definition = (f'<bpmn:timerEventDefinition id="TimerDef_{eid}"><bpmn:{kind} xsi:type="bpmn:tFormalExpression">'
                  f"{text.replace('&', '&amp;').replace(Q, '&quot;')}</bpmn:{kind}></bpmn:timerEventDefinition>")
    if attached:
        cancel = "" if interrupting else ' cancelActivity="false"'
        return Node("boundaryEvent", eid, name, 0, 0, f'attachedToRef="{attached}"{cancel}', tail=definition)
    return Node("intermediateCatchEvent", eid, name, 0, col, tail=definition)


def call(cid: str, name: str, called: str, col: int, mappings: str = "") -> Node:
    head = f"<bpmn:extensionElements>{mappings}</bpmn:extensionElements>" if mappings else ""
    return Node("callActivity", cid, name, 0, col, f'calledElement="{called}"', head)


def chain(*ids: str) -> list[Flow]:
    return [Flow(f"Flow_{a}_{b}", a, b) for a, b in zip(ids, ids[1:])]


CONSENT_FIELD = field("family_consent", "The family consent to early help support", "enum", YES_NO)


def consent_process(pid: str, condition: str, *, default: bool = True, consent: str = CONSENT_FIELD,
                    more_fields: tuple = (), plan: Node | None = None) -> Process:
    """Start → ask consent → gateway → (condition) plan → end; otherwise (the default, unless not) → end."""
    return Process(pid, "Step down to early help", ["Social Worker"], [
        start(),
        task("Task_consent", "Ask the family for consent", consent, *more_fields),
        gateway("Gw_consent", "Consent given?", 2, "Flow_no" if default else None),
        plan or task("Task_plan", "Agree the early help plan", field("plan_agreed", "Plan agreed", "boolean"), col=3,
                     activity="agree_plan"),
        end("End_plan", "Plan agreed", 4),
        Node("endEvent", "End_no", "No consent – no step down", 0, 3, row=1),
    ], [*chain("Start_work", "Task_consent", "Gw_consent"),
        Flow("Flow_yes", "Gw_consent", "Task_plan", condition, "Yes"),
        Flow("Flow_no", "Gw_consent", "End_no", None if default else 'family_consent == "no"', "No"),
        *chain("Task_plan", "End_plan")])


def consent_two_lanes(process: Process) -> Process:
    process.lanes = ["Social Worker", "Early Help Manager"]
    return process


def timer_process(pid: str, kind: str, text: str, *fields: str, boundary: bool = True) -> Process:
    """Start → record (fields) → handover with a timer (boundary, non-interrupting, or intermediate) → end."""
    record = task("Task_record", "Record the request", *fields or (field("note", "Note", required=False),))
    if boundary:
        return Process(pid, "Handover within the time limit", ["Social Worker"], [
            start(), record,
            task("Task_handover", "Joint handover meeting", field("handover_on", "Handover date", "date"), col=2,
                 activity="handover_visit"),
            timer("Timer_late", "Time limit passed", kind, text, attached="Task_handover"),
            end("End_done", "Handover done", 3),
            Node("endEvent", "End_late", "Handover overdue – flagged to manager", 0, 3, row=1),
        ], [*chain("Start_work", "Task_record", "Task_handover", "End_done"), Flow("Flow_late", "Timer_late", "End_late")])
    return Process(pid, "Wait, then meet", ["Social Worker"], [
        start(), record,
        timer("Timer_wait", "Until the meeting", kind, text, col=2),
        task("Task_meet", "Discuss at the meeting", field("agreed", "Agreed", "boolean"), col=3,
             activity="step_down_decision"),
        end("End_done", "Discussed", 4),
    ], chain("Start_work", "Task_record", "Timer_wait", "Task_meet", "End_done"))


def callee(pid: str, reads: str, *, startable: bool = False, sets: str = "") -> Process:
    """A sub-process: one task whose assignee reads `reads`; its form sets `sets` (if any)."""
    fields = (field(sets, "Result", "enum", YES_NO),) if sets else (field("authorised", "Authorised", "boolean"),)
    return Process(pid, "Manager authorisation", ["Early Help Manager"], [
        start("Authorisation requested"),
        task("Task_authorise", "Please review and authorise", *fields, attrs=f'camunda:assignee="${{{reads}}}"',
             activity="manager_authorisation"),
        end("End_authorised", "Authorised", 2),
    ], chain("Start_work", "Task_authorise", "End_authorised"), startable=startable)


def caller(pid: str, called: str, *fields: str, mappings: str = "", after: Node | None = None) -> Process:
    nodes = [start(), task("Task_prepare", "Prepare the request", *fields),
             call("Call_authorise", "Manager authorisation", called, 2, mappings)]
    ids = ["Start_work", "Task_prepare", "Call_authorise"]
    if after is not None:
        nodes.append(after)
        ids.append(after.id)
    nodes.append(end("End_done", "Request authorised", len(ids)))
    return Process(pid, "Request needing authorisation", ["Early Help Manager"], nodes, chain(*ids, "End_done"))


PER_CHILD_OUTCOME = field("outcome", "Outcome for each child", "enum",
                          (("proceed", "Proceed to TAC Monitoring"), ("closed", "Closed at Assessment")),
                          props={"per_child": "true"})

MISTAKES: list[Mistake] = []


def mistake(path: str, what: str, expect: list[str], process: Process, **others: Process) -> None:
    MISTAKES.append(Mistake(path, what, expect, process, {f"{k}.bpmn": v for k, v in others.items()}))


# --- the process owners' table: these deployed, then broke a real case --------------------------------------

mistake("table_label_in_condition.bpmn",
        'a gateway condition compares with the option\'s label ("Yes") while its id is "yes", and there is no default',
        ['table_label_in_condition.bpmn: Gw_consent: no flow out of this gateway is taken when family_consent is "yes": the case would stop here for good. Add a flow for it, or make one flow the gateway\'s default',
         'table_label_in_condition.bpmn: Flow_yes: condition compares family_consent with "Yes", which is not one of its option ids ("yes", "no"): "Yes" is the name of option "yes"; the answer stored is the id, so write "yes"'],
        consent_process("table_label_in_condition", 'family_consent == "Yes"', default=False))

mistake("table_timer_working_days_duration.bpmn", 'a timer timeDuration of "P5WD" (there is no working-day duration)',
        ['table_timer_working_days_duration.bpmn: TimerDef_Timer_late: timer timeDuration gives "P5WD", which is not an ISO 8601 duration (working days are not a duration: use a timeDate with working_days(5, …)): write a quoted duration like "P5D" (5 days) or "PT3H" (3 hours); a date and time (an ISO date-time like "2025-06-02T09:00:00+01:00", or one of the functions working_days(5, …), start_of_day(…), add_days(…), weekly("Tuesday", "10:00"), duty_window(…)) goes in a timeDate, a cycle ("R3/PT1H") in a timeCycle'],
        timer_process("table_timer_working_days_duration", "timeDuration", '"P5WD"'))

mistake("table_timer_unquoted.bpmn", "an unquoted PT3H (a Camunda habit: here a timer is an expression)",
        ['table_timer_unquoted.bpmn: TimerDef_Timer_late: timer timeDuration PT3H must be in quotes: write "PT3H" (a timer here is an expression; it accepts a quoted ISO 8601 duration like "P5D" or "PT3H", an ISO date-time like "2025-06-02T09:00:00+01:00", a cycle like "R3/PT1H", or one of the functions working_days(5, …), start_of_day(…), add_days(…), weekly("Tuesday", "10:00"), duty_window(…))'],
        timer_process("table_timer_unquoted", "timeDuration", "PT3H"))

mistake("table_condition_typo.bpmn", "a condition with a typo in the field's id (family_concent)",
        ['table_condition_typo.bpmn: Flow_yes: condition reads family_concent, which nothing sets (no form field, start form or mapping has that id); did you mean family_consent?'],
        consent_process("table_condition_typo", 'family_concent == "yes"'))

mistake("table_field_id_with_space.bpmn", "a field id with spaces: no condition can ever read it",
        ["table_field_id_with_space.bpmn: joint visit date: form field id 'joint visit date' is not a name an expression can read: write it in snake_case (lower-case words joined by _), e.g. joint_visit_date"],
        consent_process("table_field_id_with_space", 'family_consent == "yes"',
                               more_fields=(field("joint visit date", "Joint visit date", "date"),)))

mistake("table_runaway_loop.bpmn", "a condition that loops 10^12 times (it hung a web worker)",
        ['table_runaway_loop.bpmn: Flow_yes: condition: a generator expression (… for … in …) is not allowed: its cost grows with the data it walks. Route on per-child answers with children(field, "option_id"), and test each answer by its name (e.g. family_consent == "no")'],
        consent_process("table_runaway_loop",
                               "sum(1 for a in range(10000) for b in range(10000) for c in range(10000)) > 0"))

mistake("table_bytes_bomb.bpmn", "a condition that builds 10 GB of bytes",
        ["table_bytes_bomb.bpmn: Flow_yes: condition: bytes (b'…') are not allowed: write text in plain quotes"],
        consent_process("table_bytes_bomb", "b'a' * 10**10 == family_consent"))

# --- 2. names set on every path -----------------------------------------------------------------------------

mistake("name_set_on_one_branch_only.bpmn",
        "the visit date is asked on one branch only, and the time limit after the merge reads it",
        ['name_set_on_one_branch_only.bpmn: Task_follow_up: camunda:dueDate reads visited_on, which is not set on every path to here: the path Work started → Decide whether to visit → Visit needed? → Visit done or not needed → Follow up never sets it. Set it on that path, or read it with value("visited_on", …)'],
        Process("name_set_on_one_branch_only", "Visit, then follow up", ["Social Worker"], [
            start(),
            task("Task_decide", "Decide whether to visit", field("visit_needed", "Visit needed", "enum", YES_NO)),
            gateway("Gw_visit", "Visit needed?", 2, "Flow_no_visit"),
            task("Task_visit", "Visit the family", field("visited_on", "Visited on", "date"), col=3,
                 activity="handover_visit"),
            gateway("Gw_merge", "Visit done or not needed", 4),
            task("Task_follow_up", "Follow up", field("followed_up", "Followed up", "boolean"), col=5,
                 attrs='camunda:dueDate="${working_days(5, visited_on)}"', activity="tac_monitoring"),
            end("End_done", "Followed up", 6),
        ], [*chain("Start_work", "Task_decide", "Gw_visit"),
            Flow("Flow_visit", "Gw_visit", "Task_visit", 'visit_needed == "yes"', "Yes"),
            Flow("Flow_no_visit", "Gw_visit", "Gw_merge", None, "No"),
            *chain("Task_visit", "Gw_merge", "Task_follow_up", "End_done")]))

mistake("name_read_before_it_is_asked.bpmn",
        "a condition reads an answer the process only asks for later, and no start form asks for it",
        ['name_read_before_it_is_asked.bpmn: Flow_partner: condition reads referral_source, which is not set on every path to here: the path Work started → Referral from a partner? never sets it. Set it on that path, or read it with value("referral_source", …)'],
        Process("name_read_before_it_is_asked", "Screen the referral", ["Front Door"], [
            start(),
            gateway("Gw_source", "Referral from a partner?", 1, "Flow_other"),
            task("Task_partner", "Contact the partner", field("referral_source", "Source of referral", "enum",
                                                               (("partner", "Partner agency"), ("family", "Family"))),
                 col=2, activity="screening"),
            task("Task_other", "Screen the contact", field("screened", "Screened", "boolean"), col=2,
                 activity="screening"),
            end("End_partner", "Partner contacted", 3),
            end("End_other", "Contact screened", 3),
        ], [Flow("Flow_start", "Start_work", "Gw_source"),
            Flow("Flow_partner", "Gw_source", "Task_partner", 'referral_source == "partner"', "Partner"),
            Flow("Flow_other", "Gw_source", "Task_other", None, "Other"),
            *chain("Task_partner", "End_partner"), *chain("Task_other", "End_other")]))
MISTAKES[-1].process.nodes[3].row = MISTAKES[-1].process.nodes[5].row = 1

mistake("name_from_multi_instance.bpmn",
        "a gateway reads an answer a multi-instance task records on each child, not as a variable",
        ['name_from_multi_instance.bpmn: Flow_open: condition reads closure_outcome, which is not set when this process is started on its own: nothing before here sets it and its start form does not ask for it. Add it to the start form, or mark the process camunda:isStartableInTasklist="false" if only other processes call it ("Close the child\'s record" asks it once per child and records each answer on that child in subjects, not as closure_outcome: to route on it, ask it in one task with a per_child field and use children(closure_outcome, "option"))'],
        Process("name_from_multi_instance", "Close each child's record", ["Social Worker"], [
            start(),
            task("Task_close", "Close the child's record",
                 field("closure_outcome", "Closure outcome", "enum", (("closed", "Closed"), ("open", "Kept open"))),
                 tail='<bpmn:multiInstanceLoopCharacteristics camunda:collection="subjects" '
                      'camunda:elementVariable="subject" />', activity="sc_case_closure"),
            gateway("Gw_open", "Any record kept open?", 2, "Flow_closed"),
            task("Task_review", "Review the open records", field("reviewed", "Reviewed", "boolean"), col=3,
                 activity="sc_case_closure"),
            end("End_reviewed", "Open records reviewed", 4),
            Node("endEvent", "End_closed", "All records closed", 0, 3, row=1),
        ], [*chain("Start_work", "Task_close", "Gw_open"),
            Flow("Flow_open", "Gw_open", "Task_review", 'closure_outcome == "open"', "Some kept open"),
            Flow("Flow_closed", "Gw_open", "End_closed", None, "All closed"),
            *chain("Task_review", "End_reviewed")]))

mistake("name_assignee_typo.bpmn", "the assignee names the field with a typo (lead_profesional)",
        ['name_assignee_typo.bpmn: Task_allocate: camunda:assignee reads lead_profesional, which nothing sets (no form field, start form or mapping has that id); did you mean lead_professional?'],
        caller("name_assignee_typo", "name_assignee_typo_never_called",
                      field("lead_professional", "Lead professional"),
                      after=task("Task_allocate", "Allocate the case", field("allocated", "Allocated", "boolean"),
                                 col=3, attrs='camunda:assignee="${lead_profesional}"', activity="allocation")))
MISTAKES[-1].process.nodes[2] = task("Task_review", "Review the request", field("reviewed", "Reviewed", "boolean"),
                                     col=2, activity="manager_authorisation")
MISTAKES[-1].process.flows = chain("Start_work", "Task_prepare", "Task_review", "Task_allocate", "End_done")

mistake("name_required_if_typo.bpmn", "a required_if rule reads a field id with a typo",
        ["name_required_if_typo.bpmn: reason: required_if of 'reason' reads family_consnt, which nothing sets (no form field, start form or mapping has that id); did you mean family_consent?"],
        consent_process("name_required_if_typo", 'family_consent == "yes"', more_fields=(
            field("reason", "Why the family do not consent", required=False,
                  constraints=(("required_if", 'family_consnt == "no"'),)),)))

mistake("name_collection_typo.bpmn", "a multi-instance collection names a list nothing sets",
        ['name_collection_typo.bpmn: Task_close: camunda:collection reads subject_list, which nothing sets (no form field, start form or mapping has that id); did you mean subjects?'],
        Process("name_collection_typo", "Close each child's record", ["Social Worker"], [
            start(),
            task("Task_close", "Close the child's record", field("closure_note", "Closure note"),
                 tail='<bpmn:multiInstanceLoopCharacteristics camunda:collection="subject_list" '
                      'camunda:elementVariable="subject" />', activity="sc_case_closure"),
            end("End_closed", "Records closed", 2),
        ], chain("Start_work", "Task_close", "End_closed")))

mistake("name_input_parameter_typo.bpmn", "an input parameter picks the children from a picker with a typo",
        ["name_input_parameter_typo.bpmn: Task_next: input parameter 'subjects' reads next_action_chlidren, which nothing sets (no form field, start form or mapping has that id); did you mean next_action_children?"],
        Process("name_input_parameter_typo", "Next action for some children", ["Social Worker"], [
            start(),
            task("Task_choose", "Choose the children for the next action",
                 field("next_action_children", "Children for the next action", "enum",
                       props={"choose_from": "subjects", "multiple": "true"})),
            task("Task_next", "Carry out the next action", field("done_note", "What was done"), col=2,
                 extensions='<camunda:inputOutput><camunda:inputParameter name="subjects">'
                            "${children(next_action_chlidren)}</camunda:inputParameter></camunda:inputOutput>",
                 activity="tac_monitoring"),
            end("End_done", "Next action done", 3),
        ], chain("Start_work", "Task_choose", "Task_next", "End_done")))

mistake("name_defined_typo.bpmn", "defined() asks for a name nothing sets (a typo): the test is always false",
        ['name_defined_typo.bpmn: Flow_yes: warning: condition asks for consent_withdrawm with defined()/value(), but nothing sets consent_withdrawm, so it is never there; did you mean consent_withdrawn?'],
        consent_process("name_defined_typo", 'family_consent == "yes" and not defined("consent_withdrawm")',
                               more_fields=(field("consent_withdrawn", "Consent withdrawn since", "date",
                                                  required=False),)))

mistake("name_completed_by_unknown_task.bpmn", "completed_by() names a task that is not in the process",
        ['name_completed_by_unknown_task.bpmn: Task_decision: warning: completed_by("Task_supervison") names no user task of this process or its callers, so it always gives None; did you mean Task_supervision?'],
        Process("name_completed_by_unknown_task", "Supervision, then the decision", ["Early Help Manager"], [
            start(),
            task("Task_supervision", "Case supervision", field("supervision_note", "Supervision notes"),
                 activity="agree_plan"),
            task("Task_decision", "Record the decision", field("decision_note", "Decision"), col=2,
                 attrs='camunda:assignee="${completed_by(&quot;Task_supervison&quot;)}"', activity="record_decision"),
            end("End_done", "Decision recorded", 3),
        ], chain("Start_work", "Task_supervision", "Task_decision", "End_done")))

mistake("call_caller_does_not_set_input/caller.bpmn",
        "a process only ever called reads `authoriser`, and its caller asks for it only after the call",
        ['caller.bpmn: Call_authorise: call_caller_missing_callee reads authoriser (camunda:assignee at Task_authorise), which is not set on every path to this call: set it before the call, or pass it with <camunda:in source="…" target="authoriser" />'],
        caller("call_caller_missing_caller", "call_caller_missing_callee", field("note", "Note"),
                      after=task("Task_record", "Record who authorised", field("authoriser", "Authoriser"), col=3)),
        callee=callee("call_caller_missing_callee", "authoriser"))

mistake("call_unknown_process/caller.bpmn", "a call activity names a process with a typo",
        ["caller.bpmn: Call_authorise: call activity calls process 'call_unknown_calee', which is not in the library; did you mean call_unknown_callee?"],
        caller("call_unknown_caller", "call_unknown_calee", field("authoriser", "Authoriser")),
        callee=callee("call_unknown_callee", "authoriser"))

mistake("call_in_source_typo/caller.bpmn", "a camunda:in mapping reads a name with a typo",
        ["caller.bpmn: Call_authorise: camunda:in 'authoriser' reads manger, which nothing sets (no form field, start form or mapping has that id); did you mean manager?"],
        caller("call_in_typo_caller", "call_in_typo_callee", field("manager", "Manager"),
                      mappings='<camunda:in source="manger" target="authoriser" />'),
        callee=callee("call_in_typo_callee", "authoriser"))

mistake("call_out_source_missing/caller.bpmn",
        "a camunda:out mapping copies a result the called process does not set on every path",
        ["caller.bpmn: Call_authorise: camunda:out to 'decision' reads authorisation_decison, which call_out_missing_callee does not set on every path to its end; did you mean authorisation_decision?"],
        caller("call_out_missing_caller", "call_out_missing_callee", field("authoriser", "Authoriser"),
                      mappings='<camunda:out source="authorisation_decison" target="decision" />'),
        callee=callee("call_out_missing_callee", "authoriser", sets="authorisation_decision"))

mistake("start_form_missing/process.bpmn",
        "a startable process reads a name its caller gives, but started on its own nothing gives it",
        ['process.bpmn: Task_authorise: camunda:assignee reads authoriser, which is not set when this process is started on its own: nothing before here sets it and its start form does not ask for it. Add it to the start form, or mark the process camunda:isStartableInTasklist="false" if only other processes call it'],
        callee("start_form_missing", "authoriser", startable=True),
        caller=caller("start_form_missing_caller", "start_form_missing", field("authoriser", "Authoriser")))

# --- 3. enum comparisons use option ids ---------------------------------------------------------------------

DECISION = field("decision", "Decision", "enum", (("approve", "Approve"), ("decline", "Decline")))

mistake("enum_literal_typo.bpmn", "a condition compares with an option id that does not exist (a typo)",
        ['enum_literal_typo.bpmn: Flow_yes: condition compares decision with "aprove", which is not one of its option ids ("approve", "decline"): did you mean "approve"?'],
        consent_process("enum_literal_typo", 'decision == "aprove"', more_fields=(DECISION,)))

mistake("enum_label_in_list.bpmn", "a condition tests `in` a list holding an option's name",
        ['enum_label_in_list.bpmn: Flow_yes: condition compares decision with "Approve", which is not one of its option ids ("approve", "decline"): "Approve" is the name of option "approve"; the answer stored is the id, so write "approve"'],
        consent_process("enum_label_in_list", 'decision in ("Approve", "decline")', more_fields=(DECISION,)))

mistake("enum_children_label.bpmn", "children(field, option) given the option's name, not its id",
        ['enum_children_label.bpmn: Flow_yes: condition calls children(outcome, …) with "Proceed to TAC Monitoring", which is not one of outcome\'s option ids ("proceed", "closed"): "Proceed to TAC Monitoring" is the name of option "proceed"; the answer stored is the id, so write "proceed"'],
        consent_process("enum_children_label", 'children(outcome, "Proceed to TAC Monitoring")',
                               more_fields=(PER_CHILD_OUTCOME,)))

mistake("enum_children_of_single_answer.bpmn", "children(field, option) on a field with one answer for the family",
        ['enum_children_of_single_answer.bpmn: Flow_yes: condition calls children(family_consent, …), but family_consent is not a per-child field (per_child = true): it has one answer; compare it directly, e.g. family_consent == "yes"'],
        consent_process("enum_children_of_single_answer", 'children(family_consent, "yes")'))

mistake("enum_per_child_compared_directly.bpmn", "a per-child field compared with == (it holds a map child → answer)",
        ['enum_per_child_compared_directly.bpmn: Flow_yes: condition compares outcome with "proceed", but outcome holds one answer per child: write children(outcome, "proceed") (the children who answered so)'],
        consent_process("enum_per_child_compared_directly", 'outcome == "proceed"',
                               more_fields=(PER_CHILD_OUTCOME,)))

mistake("enum_boolean_compared_with_text.bpmn", 'a yes/no tick box compared with "yes"',
        ['enum_boolean_compared_with_text.bpmn: Flow_yes: condition compares urgent with "yes", but urgent is a yes/no tick box (True or False): write urgent == True, or just urgent'],
        consent_process("enum_boolean_compared_with_text", 'family_consent == "yes" and urgent == "yes"',
                               more_fields=(field("urgent", "Urgent", "boolean", required=False),)))

mistake("enum_multiple_compared_with_eq.bpmn", "a multiple choice compared with == (it holds a list of ids)",
        ['enum_multiple_compared_with_eq.bpmn: Flow_yes: condition compares services with "early_help", but services holds the list of ticked options: write "early_help" in services'],
        consent_process("enum_multiple_compared_with_eq", 'services == "early_help"', more_fields=(
            field("services", "Services requested", "enum",
                  (("early_help", "Early Help / F4M Support"), ("homeless", "Homeless Support")),
                  props={"multiple": "true"}),)))

# --- 4. gateways without a default cover every answer ------------------------------------------------------

mistake("gateway_misses_an_option.bpmn", "three options, conditions for two, no default",
        ['gateway_misses_an_option.bpmn: Gw_outcome: no flow out of this gateway is taken when screening_outcome is "social_care": the case would stop here for good. Add a flow for it, or make one flow the gateway\'s default'],
        Process("gateway_misses_an_option", "Screening outcome", ["Front Door"], [
            start(),
            task("Task_screen", "Screen the contact", field("screening_outcome", "Screening Outcome", "enum", (
                ("progress", "Progress to Early Help / F4M"), ("advice", "Advice and guidance"),
                ("social_care", "Refer to Social Care"))), activity="screening"),
            gateway("Gw_outcome", "Screening outcome?", 2),
            end("End_progress", "Progressed to Early Help", 3),
            Node("endEvent", "End_advice", "Advice and guidance given", 0, 3, row=1),
        ], [*chain("Start_work", "Task_screen", "Gw_outcome"),
            Flow("Flow_progress", "Gw_outcome", "End_progress", 'screening_outcome == "progress"', "Progress"),
            Flow("Flow_advice", "Gw_outcome", "End_advice", 'screening_outcome == "advice"', "Advice")]))

mistake("gateway_misses_a_combination.bpmn", "two answers tested together; one combination takes no flow",
        ['gateway_misses_a_combination.bpmn: Gw_consent: no flow out of this gateway is taken when family_consent is "yes" and plan_shared is "no": the case would stop here for good. Add a flow for it, or make one flow the gateway\'s default'],
        consent_process("gateway_misses_a_combination", 'family_consent == "yes" and plan_shared == "yes"',
                               default=False, more_fields=(field("plan_shared", "Plan shared with the family",
                                                                 "enum", YES_NO),)))

# --- 1. timers -------------------------------------------------------------------------------------------------

mistake("timer_date_gives_duration.bpmn", "a timeDate that gives a duration",
        ['timer_date_gives_duration.bpmn: TimerDef_Timer_late: timer timeDate gives "P5D", which is a duration, not a date and time: put a duration in a timeDuration, or give an ISO date-time like "2025-06-02T09:00:00+01:00", or one of the functions working_days(5, …), start_of_day(…), add_days(…), weekly("Tuesday", "10:00"), duty_window(…)'],
        timer_process("timer_date_gives_duration", "timeDate", '"P5D"'))

mistake("timer_cycle_not_iso.bpmn", "a timeCycle written in words",
        ['timer_cycle_not_iso.bpmn: TimerDef_Timer_wait: timer timeCycle gives "every week", which is not an ISO 8601 cycle: write one like "R3/PT1H" (3 times, an hour apart); a duration ("P5D") goes in a timeDuration, a date and time (an ISO date-time like "2025-06-02T09:00:00+01:00", or one of the functions working_days(5, …), start_of_day(…), add_days(…), weekly("Tuesday", "10:00"), duty_window(…)) in a timeDate'],
        timer_process("timer_cycle_not_iso", "timeCycle", '"every week"', boundary=False))

mistake("timer_reads_text_as_date.bpmn", "a time limit counted from a free-text field (not a date field)",
        ['timer_reads_text_as_date.bpmn: TimerDef_Timer_late: timer timeDate fails: ValueError: Invalid isoformat string: \'some text\' (when it is Wednesday 2025-06-04 10:00 and completed_note is "some text"); the case would wait at this step for good. Check that what it reads holds what its functions need (a date from a date field, days as a number)'],
        timer_process("timer_reads_text_as_date", "timeDate", "working_days(5, completed_note)",
                             field("completed_note", "When the assessment was completed")))

mistake("timer_adds_text_days.bpmn", "add_days given the number of days as text",
        ['timer_adds_text_days.bpmn: TimerDef_Timer_wait: timer timeDate fails: TypeError: unsupported type for timedelta days component: str (when allocated_on is "2025-06-04"); the case would wait at this step for good. Check that what it reads holds what its functions need (a date from a date field, days as a number)'],
        timer_process("timer_adds_text_days", "timeDate", 'start_of_day(add_days(allocated_on, "10"))',
                             field("allocated_on", "Allocated on", "date"), boundary=False))

# --- 6. bounded cost -----------------------------------------------------------------------------------------

mistake("cost_comprehension.bpmn", "a comprehension over per-child answers instead of children()",
        ['cost_comprehension.bpmn: Flow_yes: condition: a generator expression (… for … in …) is not allowed: its cost grows with the data it walks. Route on per-child answers with children(field, "option_id"), and test each answer by its name (e.g. family_consent == "no")'],
        consent_process("cost_comprehension", 'any(a == "proceed" for a in outcome.values())',
                               more_fields=(PER_CHILD_OUTCOME,)))

mistake("cost_range.bpmn", "a condition with range()",
        ['cost_range.bpmn: Flow_yes: condition: range() is not allowed: compare numbers directly, e.g. 1 <= number_of_visits <= 10'],
        consent_process("cost_range", "visits in range(1, 10)",
                               more_fields=(field("visits", "Number of visits", "long"),)))

mistake("cost_repetition.bpmn", "text repeated by a number from the case data",
        ['cost_repetition.bpmn: Flow_yes: condition: repeating text or a list (… * n) is not allowed past 100 times, nor by a number from the case data: write the value itself'],
        consent_process("cost_repetition", 'len("x" * visits) > 3',
                               more_fields=(field("visits", "Number of visits", "long"),)))

# --- 5. field ids ------------------------------------------------------------------------------------------

mistake("field_id_engine_key.bpmn", "a field named `subjects`, the engine's own list of children",
        ["field_id_engine_key.bpmn: subjects: form field id 'subjects' is one of the engine's own keys (case_id, done_by, family, started_by, subjects): a form never sets it; choose another id"],
        consent_process("field_id_engine_key", 'family_consent == "yes"',
                               more_fields=(field("subjects", "Children", "string"),)))

mistake("field_id_camel_case.bpmn", "a field id in camelCase",
        ["field_id_camel_case.bpmn: visitDate: form field id 'visitDate' is not a name an expression can read: write it in snake_case (lower-case words joined by _), e.g. visit_date"],
        consent_process("field_id_camel_case", 'family_consent == "yes"',
                               more_fields=(field("visitDate", "Visit date", "date"),)))

mistake("field_id_is_a_function.bpmn", "a field named like a function (today): no expression can read it",
        ["field_id_is_a_function.bpmn: today: warning: form field id 'today' is also the name of the function today(): an expression reading today gets the function, never this answer; choose another id"],
        consent_process("field_id_is_a_function", 'family_consent == "yes"',
                               more_fields=(field("today", "Today's visit", "boolean", required=False),)))

# --- 7. lanes ----------------------------------------------------------------------------------------------

mistake("lanes_spelt_two_ways/step_down.bpmn", "a lane spelt 'social worker' here and 'Social Worker' next door",
        ["step_down.bpmn: Lane_lanes_step_down_0: lane 'Social Worker' names the same team as 'social worker' in step_up.bpmn, spelt differently. A lane's name is the team whose inbox gets its tasks: spell it one way across the library",
         "step_up.bpmn: Lane_lanes_step_up_0: lane 'social worker' names the same team as 'Social Worker' in step_down.bpmn, spelt differently. A lane's name is the team whose inbox gets its tasks: spell it one way across the library"],
        consent_process("lanes_step_down", 'family_consent == "yes"'),
        step_up=Process("lanes_step_up", "Step up to social care", ["social worker"], [
            start(), task("Task_refer", "Refer to social care", field("reason", "Reason")),
            end("End_referred", "Referred", 2)], chain("Start_work", "Task_refer", "End_referred")))

# --- 8. caseworker text (warnings) -------------------------------------------------------------------------

mistake("text_documentation_modelling_note.bpmn", "documentation with a step id, a section sign and an assumption",
        ['text_documentation_modelling_note.bpmn: Task_plan: warning: documentation reads like a modelling note (step id \'Y2.1\', section sign \'§\', file number \'003\', the word \'assumption\'): caseworkers read it, so keep it to plain instructions and move sources, step ids and remarks into a text annotation starting "Modelling note:"'],
        consent_process("text_documentation_modelling_note", 'family_consent == "yes"', plan=task(
            "Task_plan", "Agree the early help plan", field("plan_agreed", "Plan agreed", "boolean"), col=3,
            activity="agree_plan", doc="Y2.1. Agree the plan with the family (003 §2; assumption: the plan is agreed "
                                       "at the visit).")))

mistake("text_hint_variable_id.bpmn", "a hint that names a variable id and the catalogue",
        ['text_hint_variable_id.bpmn: family_consent: warning: hint of field \'family_consent\' reads like a modelling note (step id \'G1\', the word \'catalogue\', the id \'family_consent\'): caseworkers read it, so keep it to plain instructions and move sources, step ids and remarks into a text annotation starting "Modelling note:"'],
        consent_process("text_hint_variable_id", 'family_consent == "yes"', consent=field(
            "family_consent", "The family consent to early help support", "enum", YES_NO,
            props={"hint": "Sets family_consent, read by the gateway (catalogue G1)."})))

mistake("text_option_and_end_name.bpmn", "an option name with a form id, an end event named as a placeholder",
        ['text_option_and_end_name.bpmn: family_consent: warning: name of option \'yes\' reads like a modelling note (form id \'F3\'): caseworkers read it, so keep it to plain instructions and move sources, step ids and remarks into a text annotation starting "Modelling note:"',
         'text_option_and_end_name.bpmn: End_no: warning: end event name reads like a modelling note (the word \'placeholder\'): caseworkers read it, so keep it to plain instructions and move sources, step ids and remarks into a text annotation starting "Modelling note:"'],
        consent_process("text_option_and_end_name", 'family_consent == "yes"', consent=field(
            "family_consent", "The family consent to early help support", "enum",
            (("yes", "Yes (see F3)"), ("no", "No")))))
MISTAKES[-1].process.nodes[5].name = "No consent (placeholder end)"
