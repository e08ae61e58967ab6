"""Form.validate and Form.take_rows on forms built directly from Field / Option / Form."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bpmnrun.engine.forms import Field, Form, FormInvalid, Option

REQUIRED = {"required": None}
YES_NO = (Option("yes_please_detail_below", "Yes, please detail below"), Option("no", "No"))
SERVICES = (Option("early_help", "Early Help"), Option("social_care", "Children's Social Care"),
            Option("no_service", "No service"))


def form(*fields: Field) -> Form:
    return Form(tuple(fields))


def errors_of(f: Form, submitted: dict, current: dict | None = None) -> dict[str, str]:
    with pytest.raises(FormInvalid) as caught:
        f.validate(submitted, current or {})
    assert str(caught.value) == "; ".join(f"{k}: {v}" for k, v in caught.value.errors.items())
    return caught.value.errors


# --- required ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("submitted", [{}, {"note": ""}, {"note": None}])
def test_required_field_missing(submitted):
    f = form(Field("note", "Case note", "string", constraints=REQUIRED))
    assert errors_of(f, submitted) == {"note": "Enter the case note"}


def test_required_message_from_the_diagram():
    f = form(Field("service", "Service", "enum", options=SERVICES, constraints=REQUIRED,
                   properties={"message_required": "Please select service in Radio field"}))
    assert errors_of(f, {}) == {"service": "Please select service in Radio field"}


@pytest.mark.parametrize("value", [False, "false", "no", "0", "off"])
def test_required_boolean_must_be_ticked(value):
    f = form(Field("completed", "Completed", "boolean", constraints=REQUIRED))
    assert errors_of(f, {"completed": value}) == {"completed": "Tick to confirm: completed"}


@pytest.mark.parametrize("value", [True, "true", "Yes", "y", "on", "1", 1])
def test_required_boolean_ticked(value):
    f = form(Field("completed", "Completed", "boolean", constraints=REQUIRED))
    assert f.validate({"completed": value}, {}) == {"completed": True}


def test_unticked_optional_boolean_is_false():
    f = form(Field("urgent", "Urgent", "boolean"))
    assert f.validate({"urgent": "no"}, {}) == {"urgent": False}


def test_required_is_met_by_the_case_data():
    """A form is prefilled: a field the case data already holds need not be sent again."""
    f = form(Field("note", "Case note", "string", constraints=REQUIRED))
    assert f.validate({}, {"note": "Seen"}) == {"note": "Seen"}


# --- enums -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("submitted, stored", [
    ("social_care", "social_care"),
    ("Children's Social Care", "social_care"),
    ("  Early Help ", "early_help"),
    ("no_service", "no_service"),
])
def test_enum_by_id_or_by_label_stores_the_id(submitted, stored):
    f = form(Field("service", "Service", "enum", options=SERVICES))
    assert f.validate({"service": submitted}, {}) == {"service": stored}


def test_bad_enum_value_lists_the_options_by_label():
    f = form(Field("service", "Service", "enum", options=SERVICES))
    assert errors_of(f, {"service": "Youth Justice"}) == {
        "service": "Select the service from the options: Early Help, Children's Social Care, No service"}


@pytest.mark.parametrize("submitted", [
    ["early_help", "social_care"],
    ["Early Help", "Children's Social Care"],
    "early_help, social_care",
    "Early Help,social_care",
])
def test_multiple_enum_stores_a_list_of_ids(submitted):
    f = form(Field("services", "Services", "enum", options=SERVICES, properties={"multiple": "true"}))
    assert f.validate({"services": submitted}, {}) == {"services": ["early_help", "social_care"]}


def test_multiple_enum_unticked_on_purpose_clears_the_earlier_answer():
    f = form(Field("services", "Services", "enum", options=SERVICES, properties={"multiple": "true"}))
    assert f.validate({"services": []}, {"services": ["early_help"]}) == {"services": []}
    assert f.validate({}, {"services": ["early_help"]}) == {"services": ["early_help"]}  # not sent: kept


def test_multiple_enum_with_one_bad_option():
    f = form(Field("services", "Services", "enum", options=SERVICES, properties={"multiple": "true"}))
    assert errors_of(f, {"services": ["early_help", "Youth Justice"]}) == {
        "services": "Select the services from the options: Early Help, Children's Social Care, No service"}


def test_required_multiple_enum_with_nothing_ticked():
    f = form(Field("services", "Services", "enum", options=SERVICES, constraints=REQUIRED,
                   properties={"multiple": "true"}))
    assert errors_of(f, {"services": []}) == {"services": "Select the services"}


def test_multiple_enum_by_a_label_containing_a_comma():
    f = form(Field("changes", "Changes", "enum", options=YES_NO, properties={"multiple": "true"}))
    assert f.validate({"changes": "Yes, please detail below"}, {}) == {"changes": ["yes_please_detail_below"]}


def test_single_enum_refuses_several_options():
    f = form(Field("service", "Service", "enum", options=SERVICES))
    errors_of(f, {"service": ["early_help", "social_care"]})


def test_refuse_with_the_diagram_message():
    f = form(Field("service", "Service", "enum", options=SERVICES, constraints={"refuse": "no_service", **REQUIRED},
                   properties={"message_refuse": "Please select service in Radio field"}))
    assert errors_of(f, {"service": "no_service"}) == {"service": "Please select service in Radio field"}
    assert errors_of(f, {"service": "No service"}) == {"service": "Please select service in Radio field"}
    assert f.validate({"service": "early_help"}, {}) == {"service": "early_help"}


def test_refuse_without_a_message_names_the_option():
    f = form(Field("services", "Services", "enum", options=SERVICES, constraints={"refuse": "no_service"},
                   properties={"multiple": "true"}))
    assert errors_of(f, {"services": "early_help, no_service"}) == {"services": "No service cannot be chosen here: select another option"}


# --- coercion of long, date, boolean -------------------------------------------------------------------

@pytest.mark.parametrize("ftype, submitted, stored", [
    ("long", "3", 3),
    ("long", " 12 ", 12),
    ("long", 4, 4),
    ("long", "-2", -2),
    ("date", "2025-04-17", "2025-04-17"),
    ("date", date(2025, 4, 17), "2025-04-17"),
    ("date", datetime(2025, 4, 17, 9, 30), "2025-04-17"),
    ("boolean", "yes", True),
    ("boolean", False, False),
    ("string", "  Seen at school  ", "Seen at school"),
    ("string", 42, "42"),
])
def test_coercion_to_the_stored_type(ftype, submitted, stored):
    f = form(Field("value", "Value", ftype))
    assert f.validate({"value": submitted}, {}) == {"value": stored}


@pytest.mark.parametrize("ftype, label, submitted, message", [
    ("long", "Number of children", "three", "Number of children must be a whole number, like 3"),
    ("long", "Number of children", "2.5", "Number of children must be a whole number, like 3"),
    ("long", "Number of children", 2.5, "Number of children must be a whole number, like 3"),
    ("date", "Reviewed on", "17/04/2025", "Reviewed on must be a real date, like 2025-04-17"),
    ("date", "Reviewed on", "2025-02-30", "Reviewed on must be a real date, like 2025-04-17"),
    ("date", "Reviewed on", "tomorrow", "Reviewed on must be a real date, like 2025-04-17"),
    ("boolean", "Urgent", "maybe", "Urgent must be yes or no"),
])
def test_coercion_errors_name_the_label(ftype, label, submitted, message):
    f = form(Field("value", label, ftype))
    assert errors_of(f, {"value": submitted}) == {"value": message}


@pytest.mark.parametrize("constraints, submitted, message", [
    ({"min": "1"}, "0", "Children must be 1 or more"),
    ({"max": "5"}, "6", "Children must be 5 or less"),
    ({"min": "1", "max": "5"}, "5", None),
])
def test_min_and_max_of_a_long(constraints, submitted, message):
    f = form(Field("children", "Children", "long", constraints=constraints))
    if message is None:
        assert f.validate({"children": submitted}, {}) == {"children": int(submitted)}
    else:
        assert errors_of(f, {"children": submitted}) == {"children": message}


@pytest.mark.parametrize("constraints, submitted, message", [
    ({"minlength": "3"}, "ab", "Initials must be 3 characters or more"),
    ({"maxlength": "3"}, "abcd", "Initials must be 3 characters or fewer"),
])
def test_minlength_and_maxlength(constraints, submitted, message):
    f = form(Field("initials", "Initials", "string", constraints=constraints))
    assert errors_of(f, {"initials": submitted}) == {"initials": message}


# --- readonly ------------------------------------------------------------------------------------------

def test_readonly_field_changed_is_refused():
    f = form(Field("family", "Family", "string", constraints={"readonly": None}))
    assert errors_of(f, {"family": "Jones"}, {"family": "Smith"}) == {
        "family": "Family is filled in for you and cannot be changed"}


@pytest.mark.parametrize("submitted", [{"family": "Smith"}, {"family": " Smith "}, {}, {"family": ""}])
def test_readonly_field_unchanged_or_not_sent_keeps_the_case_value(submitted):
    f = form(Field("family", "Family", "string", constraints={"readonly": None}))
    assert f.validate(submitted, {"family": "Smith"}) == {"family": "Smith"}


def test_readonly_long_compares_the_typed_value():
    f = form(Field("case_id", "Case number", "long", constraints={"readonly": None}))
    assert f.validate({"case_id": "1234"}, {"case_id": 1234}) == {"case_id": 1234}


def test_readonly_field_with_a_default_keeps_the_default():
    f = form(Field("team", "Team", "string", default="Early Help", constraints={"readonly": None}))
    assert f.validate({}, {}) == {"team": "Early Help"}
    assert f.validate({"team": "Early Help"}, {}) == {"team": "Early Help"}
    assert errors_of(f, {"team": "Social Care"}) == {"team": "Team is filled in for you and cannot be changed"}


def test_readonly_field_without_a_value_cannot_be_filled_in():
    f = form(Field("team", "Team", "string", constraints={"readonly": None}))
    assert f.validate({}, {}) == {}
    assert errors_of(f, {"team": "Social Care"}) == {"team": "Team is filled in for you and cannot be changed"}


def test_readonly_message_from_the_diagram():
    f = form(Field("family", "Family", "string", constraints={"readonly": None},
                   properties={"message_readonly": "The family name comes from Mosaic"}))
    assert errors_of(f, {"family": "Jones"}, {"family": "Smith"}) == {"family": "The family name comes from Mosaic"}


# --- required_if ---------------------------------------------------------------------------------------

REQUIRED_IF = form(
    Field("case_status_changed", "Has the case status changed?", "enum", options=YES_NO, constraints=REQUIRED),
    Field("details", "Details", "string",
          constraints={"required_if": 'case_status_changed == "yes_please_detail_below"'}),
)


@pytest.mark.parametrize("submitted, current, result", [
    ({"case_status_changed": "no"}, {}, {"case_status_changed": "no"}),
    ({"case_status_changed": "yes_please_detail_below", "details": "Moved"}, {},
     {"case_status_changed": "yes_please_detail_below", "details": "Moved"}),
    ({"details": "Moved"}, {"case_status_changed": "yes_please_detail_below"},
     {"case_status_changed": "yes_please_detail_below", "details": "Moved"}),
])
def test_required_if_met(submitted, current, result):
    assert REQUIRED_IF.validate(submitted, current) == result


@pytest.mark.parametrize("submitted, current", [
    ({"case_status_changed": "yes_please_detail_below"}, {}),
    ({"case_status_changed": "Yes, please detail below", "details": ""}, {}),
    ({}, {"case_status_changed": "yes_please_detail_below"}),
])
def test_required_if_not_met(submitted, current):
    assert errors_of(REQUIRED_IF, submitted, current) == {"details": "Enter the details"}


def test_required_if_reading_an_unanswered_field_requires_nothing():
    f = form(Field("details", "Details", "string", constraints={"required_if": 'not_asked_yet == "yes"'}))
    assert f.validate({}, {}) == {}


# --- pattern ---------------------------------------------------------------------------------------------

FILE_NAME = form(Field(
    "file_name", "File name", "string", constraints={"pattern": r"^EH .+ \d{2}/\d{2}/\d{2}$"},
    properties={"message_pattern": "Please name the file EH <form> <school> YY/MM/DD"}))


@pytest.mark.parametrize("value", ["CFA.pdf", "EH CFA St Marys 25/6/12", "EH 25/06/12", "eh CFA St Marys 25/06/12",
                                   "EH CFA St Marys 25/06/12 copy"])
def test_pattern_refused_with_the_diagram_message(value):
    assert errors_of(FILE_NAME, {"file_name": value}) == {
        "file_name": "Please name the file EH <form> <school> YY/MM/DD"}


@pytest.mark.parametrize("value", ["EH CFA St Marys 25/06/12", "  EH CFA St Marys 25/06/12 "])
def test_pattern_accepted(value):
    assert FILE_NAME.validate({"file_name": value}, {}) == {"file_name": "EH CFA St Marys 25/06/12"}


def test_pattern_must_match_the_whole_value_and_has_a_default_message():
    f = form(Field("ref", "Reference", "string", constraints={"pattern": r"\d{4}"}))
    assert errors_of(f, {"ref": "12345"}) == {"ref": "Check the reference: it is not in the format expected"}
    assert f.validate({"ref": "1234"}, {}) == {"ref": "1234"}


# --- defaults, unknown fields, several errors ---------------------------------------------------------

@pytest.mark.parametrize("field, submitted, current, result", [
    (Field("priority", "Priority", "string", default="normal"), {}, {}, {"priority": "normal"}),
    (Field("priority", "Priority", "string", default="normal"), {"priority": ""}, {}, {"priority": "normal"}),
    (Field("children", "Children", "long", default="2"), {}, {}, {"children": 2}),
    (Field("urgent", "Urgent", "boolean", default="false"), {}, {}, {"urgent": False}),
    (Field("priority", "Priority", "string", default="normal"), {"priority": "high"}, {}, {"priority": "high"}),
    # a value already in the case data (an earlier draft) wins over the default
    (Field("priority", "Priority", "string", default="normal"), {}, {"priority": "high"}, {"priority": "high"}),
    (Field("priority", "Priority", "string", default="normal"), {}, {"priority": ""}, {"priority": "normal"}),
])
def test_default_applied(field, submitted, current, result):
    assert form(field).validate(submitted, current) == result


def test_default_satisfies_required():
    f = form(Field("service", "Service", "enum", default="early_help", options=SERVICES, constraints=REQUIRED))
    assert f.validate({}, {}) == {"service": "early_help"}


def test_unknown_field_refused():
    f = form(Field("note", "Note", "string"))
    assert errors_of(f, {"note": "x", "nute": "y"}) == {"nute": "is not a field of this form"}


def test_several_errors_at_once_each_field_named():
    f = form(
        Field("service", "Service", "enum", options=SERVICES, constraints=REQUIRED),
        Field("children", "Number of children", "long"),
        Field("reviewed_on", "Reviewed on", "date"),
        Field("completed", "Completed", "boolean", constraints=REQUIRED),
        Field("note", "Note", "string"),
    )
    errors = errors_of(f, {"children": "two", "reviewed_on": "yesterday", "completed": "no", "note": "ok",
                           "extra": 1})
    assert errors == {
        "extra": "is not a field of this form",
        "children": "Number of children must be a whole number, like 3",
        "reviewed_on": "Reviewed on must be a real date, like 2025-04-17",
        "service": "Select the service",
        "completed": "Tick to confirm: completed",
    }


@pytest.mark.parametrize("submitted", [{}, {"note": ""}, {"note": None}])
def test_a_field_left_empty_keeps_the_case_value(submitted):
    f = form(Field("note", "Note", "string"), Field("other", "Other", "string"))
    assert f.validate(submitted, {"note": "old"}) == {"note": "old"}


def test_an_empty_field_without_case_value_is_returned_only_when_sent():
    f = form(Field("note", "Note", "string"), Field("other", "Other", "string"))
    assert f.validate({"note": ""}, {}) == {"note": None}


def test_form_round_trips_through_json():
    f = form(Field("service", "Service", "enum", default="early_help", options=SERVICES,
                   constraints={"required": None, "refuse": "no_service"}, properties={"hint": "Pick one"}))
    again = Form.from_json(f.to_json())
    assert again == f
    assert again.to_json()[0]["required"] is True


# --- take_rows ---------------------------------------------------------------------------------------

CONTACTS = form(
    Field("contact_date", "Date of contact", "date", properties={"row_of": "record_of_contacts"}),
    Field("contact_with", "Contact with", "string", properties={"row_of": "record_of_contacts"}),
    Field("contact_count", "Number of contacts", "long", properties={"row_of": "record_of_contacts"}),
    Field("visit_date", "Date of visit", "date", properties={"row_of": "visits"}),
    Field("note", "Note", "string"),
)


def test_take_rows_appends_one_row_and_leaves_other_fields():
    rows = {"record_of_contacts": [{"contact_with": "Dad"}]}
    values, new_rows = CONTACTS.take_rows(
        {"contact_date": "2025-04-17", "contact_with": " Mum ", "contact_count": "2", "note": "n"}, rows)
    assert values == {"note": "n"}
    assert new_rows == {"record_of_contacts": [
        {"contact_with": "Dad"},
        {"contact_date": "2025-04-17", "contact_with": "Mum", "contact_count": 2},
    ]}
    assert rows == {"record_of_contacts": [{"contact_with": "Dad"}]}  # the caller's rows are not changed


def test_take_rows_with_empty_columns_adds_no_row_but_removes_them():
    values, rows = CONTACTS.take_rows({"contact_date": "", "contact_with": None, "note": "n"}, {})
    assert (values, rows) == ({"note": "n"}, {})


def test_take_rows_fills_each_table_separately():
    values, rows = CONTACTS.take_rows({"contact_with": "Gran", "visit_date": "2025-04-22"}, {})
    assert values == {}
    assert rows == {"record_of_contacts": [{"contact_with": "Gran"}], "visits": [{"visit_date": "2025-04-22"}]}


def test_take_rows_keeps_a_value_it_cannot_type_as_sent():
    _, rows = CONTACTS.take_rows({"contact_date": "last Tuesday"}, {})
    assert rows == {"record_of_contacts": [{"contact_date": "last Tuesday"}]}


def test_validate_rows_names_a_cell_kept_as_typed():
    _, rows = CONTACTS.take_rows({"contact_date": "2025-02-31", "contact_count": "two"}, {})
    with pytest.raises(FormInvalid) as caught:
        CONTACTS.validate_rows(rows)
    assert caught.value.errors == {"contact_date": "Date of contact must be a real date, like 2025-04-17",
                                   "contact_count": "Number of contacts must be a whole number, like 3"}


def test_validate_rows_accepts_typed_rows_and_no_rows():
    _, rows = CONTACTS.take_rows({"contact_date": "2025-04-17", "contact_with": "Mum", "contact_count": "2"}, {})
    CONTACTS.validate_rows(rows)
    CONTACTS.validate_rows({})


def test_row_fields_are_not_validated_as_ordinary_fields():
    f = form(Field("contact_with", "Contact with", "string", constraints=REQUIRED,
                   properties={"row_of": "record_of_contacts"}))
    assert f.validate({}, {}) == {}


def test_valid_if_relates_an_answer_to_the_case_data():
    f = form(Field("assign_to", "Assigned to", "enum", options=(Option("queue", "Queue"), Option("duty", "Duty")),
                   constraints={"valid_if": '(assign_to == "duty") == (support_type == "targeted")'},
                   properties={"message_valid_if": "Targeted support goes to the duty worker"}))
    assert f.validate({"assign_to": "duty"}, {"support_type": "targeted"}) == {"assign_to": "duty"}
    assert errors_of(f, {"assign_to": "queue"}, {"support_type": "targeted"}) == {
        "assign_to": "Targeted support goes to the duty worker"}
    assert f.validate({}, {"support_type": "targeted"}) == {}  # not answered: nothing to check
