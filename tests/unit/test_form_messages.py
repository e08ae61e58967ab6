"""The wording a form's field gets when it has no message of its own: what to do, in the field's own terms."""

from __future__ import annotations

import pytest

from bpmnrun.engine import form_messages as say
from bpmnrun.engine.forms import Field, Option

YES_NO = (Option("yes", "Yes"), Option("no", "No"))


def _field(label: str, kind: str = "string", options=(), **properties) -> Field:
    return Field("f", label, kind, options=options, properties=properties)


@pytest.mark.parametrize("field, message", [
    (_field("Service Requested", "enum", (Option("eh", "Early Help"),)), "Select the service requested"),
    (_field("Source of Contact", "enum", (Option("sw", "Social Worker"),)), "Select the source of contact"),
    (_field("Date of the joint visit", "date"), "Enter the date of the joint visit"),
    (_field("Allocated social worker", "enum", choose_from="team:Social Worker"), "Select the allocated social worker"),
    (_field("Early Help worker (Lead Professional)", "enum"), "Select the Early Help worker (Lead Professional)"),
    (_field("Child and Family Support Practitioner allocated"), "Enter the Child and Family Support Practitioner allocated"),
    (_field("SC TM / ATM discussing the step down", "enum"), "Select the SC TM / ATM discussing the step down"),
    (_field("The SMART, multi-agency plan to address these"), "Enter the SMART, multi-agency plan to address these"),
    (_field("What the outstanding areas of need are"), "Enter what the outstanding areas of need are"),
    (_field("Why the referral is not appropriate"), "Enter why the referral is not appropriate"),
    (_field("The family have seen the assessment", "enum", YES_NO), "Select yes if the family have seen the assessment"),
    (_field("Is the referral appropriate?", "enum", YES_NO), "Select an answer to ‘Is the referral appropriate?’"),
    (_field("What are the concerns?"), "Enter an answer to ‘What are the concerns?’"),
    (_field("Which children does this apply to?", "enum", multiple="true", choose_from="subjects"),
     "Tick the children this applies to"),
    (_field("Completed", "boolean"), "Tick to confirm: completed"),
])
def test_an_empty_field_asks_for_its_answer_with_the_verb_of_its_control(field, message):
    assert say.required(field) == message


def test_a_per_child_row_left_empty_names_the_child():
    assert say.unanswered_child(_field("Outcome", "enum"), "Joy Smith") == "Select the outcome for Joy Smith"
    assert say.unanswered_child(_field("Date the endings letter was provided", "date"), "Josie Smith") == (
        "Enter the date the endings letter was provided for Josie Smith")


def test_a_wrong_answer_says_what_a_right_one_looks_like():
    assert say.not_a_date(_field("Date of the joint visit", "date")) == (
        "Date of the joint visit must be a real date, like 2025-04-17")
    assert say.not_a_number(_field("Number of children", "long")) == "Number of children must be a whole number, like 3"
    service = _field("Service", "enum", (Option("eh", "Early Help"), Option("sc", "Social Care")))
    assert say.not_an_option(service) == "Select the service from the options: Early Help, Social Care"
    person = _field("New Lead Professional", "enum", choose_from="team:Early Help worker, Senior Early Help worker")
    assert say.not_an_option(person) == (
        "Select the new lead professional from the list: a member of Early Help worker or Senior Early Help worker")


def test_a_format_rule_points_at_the_hint_only_when_there_is_one():
    assert say.bad_format(_field("Reference", hint="EH [name of document] YY/MM/DD")) == (
        "Enter the reference in the format the hint shows")
    assert say.bad_format(_field("Reference")) == "Check the reference: it is not in the format expected"
