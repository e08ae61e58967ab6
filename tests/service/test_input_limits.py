"""The limits every front end shares (service/input_limits.py), held by the service itself: what cannot be
stored is refused before the database sees it, naming the field; drafts and start data keep to their forms."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from bpmnrun.service import cases, input_limits, instances, queries, tasks
from bpmnrun.service.errors import InvalidInput, ServiceError
from bpmnrun.service.input_limits import MAX_ANSWERS_BYTES, MAX_JSON_DEPTH, InputTooLarge
from bpmnrun.store.models import Case, Instance
from tests.support import DIAGRAMS, add_users, deploy_paths, instance_data, only_task, smith_family, subject_ids

FAMILY = input_limits.FAMILY_NAME


@pytest.fixture
def family(rt):
    deploy_paths(rt, DIAGRAMS / "test_children.bpmn", DIAGRAMS / "test_children_callee.bpmn")
    add_users(rt, alice="Team A")
    return smith_family(rt)


@pytest.fixture
def pick(rt, family):
    """The first task of test_children (its fields: picked, worker), open for alice."""
    work = instances.start_work(rt, "test_children", family.id, "alice", subject_ids(family, "Josie"),
                                {"reason": "a review"})
    return only_task(rt, work, "Pick the children")


def _refused(call, *args) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    return caught.value.errors


# --- reading JSON -------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 990, 200_000])
def test_json_nested_too_deep_is_refused_however_deep(depth):
    with pytest.raises(ServiceError, match=f"nested more than {MAX_JSON_DEPTH} levels deep"):
        input_limits.parse_json("[" * depth + "]" * depth)
    assert input_limits.parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == _nested_list(MAX_JSON_DEPTH)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e400"])
def test_json_numbers_must_be_finite(text):
    with pytest.raises(ServiceError, match="which is not a number JSON allows"):
        input_limits.parse_json(text)


def _nested_list(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


# --- texts ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("family_name, children, field, says", [
    ("S" * (FAMILY + 1), ["Ada"], "family_name", f"must be {FAMILY} characters or less"),
    ("Smith", ["Ada", "B" * (input_limits.CHILD_NAME + 1)], "children[1].name",
     f"must be {input_limits.CHILD_NAME} characters or less"),
    ("Sm\x00ith", ["Ada"], "family_name", "must not contain a NUL character"),
    ("Smith", ["\ud83d"], "children[0].name", "must not contain half of a surrogate pair"),
])
def test_a_name_that_cannot_be_stored_is_refused_before_the_database(rt, family_name, children, field, says):
    errors = _refused(cases.create_case, rt, family_name, [cases.Child(c, None) for c in children], "alice")
    assert list(errors) == [field] and errors[field].startswith(says)
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_name_as_long_as_its_column_is_kept_whole(rt):
    made = cases.create_case(rt, "S" * FAMILY, [cases.Child("A" * input_limits.CHILD_NAME, None)], "alice")
    again = cases.get_case(rt, made.id)
    assert again.family_name == "S" * FAMILY and again.subjects[0].name == "A" * input_limits.CHILD_NAME


def test_every_text_at_any_depth_is_checked_and_named_by_its_path():
    values = {"ok": ["fine", {"deep": "x\x00y"}], "k\ud800ey": 1, "n": math.inf, "big": -(2**53)}
    with pytest.raises(InvalidInput) as caught:
        input_limits.check_values(values, "data")
    assert caught.value.errors == {
        "data.ok[1].deep": "must not contain a NUL character (\\u0000)",
        "data.k\\ud800ey": "must not contain half of a surrogate pair (\\ud800 to \\udfff on its own): it is not a "
                           "character",
        "data.n": "must be a number (not NaN or Infinity)",
        "data.big": f"must be a number between -{2**53 - 1} and {2**53 - 1}",
    }


# --- drafts ---------------------------------------------------------------------------------------------

def test_a_draft_keeps_only_the_forms_own_fields(rt, pick):
    errors = _refused(tasks.save_draft, rt, pick.id, "alice", {"worker": "bob", "case_id": 1, "colour": "red"})
    assert errors == {"case_id": "is not a field of this form", "colour": "is not a field of this form"}
    assert queries.get_task(rt, pick.id, "alice").draft == {}


def test_a_draft_holding_nan_or_infinity_is_refused(rt, pick):
    for number in (math.nan, math.inf, -math.inf):
        errors = _refused(tasks.save_draft, rt, pick.id, "alice", {"worker": number})
        assert errors == {"worker": "must be a number (not NaN or Infinity)"}
    assert queries.get_task(rt, pick.id, "alice").draft == {}


def test_a_draft_over_the_size_limit_is_refused_naming_the_largest_answer(rt, pick):
    kept = tasks.save_draft(rt, pick.id, "alice", {"worker": "w" * (MAX_ANSWERS_BYTES - 1000)})
    with pytest.raises(InputTooLarge) as caught:
        tasks.save_draft(rt, pick.id, "alice", {"picked": "p" * 2000})
    assert caught.value.status == 413
    assert list(caught.value.errors) == ["picked"]
    assert f"at most {MAX_ANSWERS_BYTES // 1024} kB" in caught.value.errors["picked"]
    assert queries.get_task(rt, pick.id, "alice").draft == kept  # the saved draft is as it was
    # Replacing the long answer with a short one makes room again.
    assert tasks.save_draft(rt, pick.id, "alice", {"worker": "bob", "picked": "p" * 2000})["worker"] == "bob"


def test_answers_holding_nan_are_refused_on_finish_and_not_kept(rt, pick):
    errors = _refused(tasks.complete_task, rt, pick.id, "alice", {"picked": [math.nan], "worker": "bob"})
    assert errors == {"picked[0]": "must be a number (not NaN or Infinity)"}
    shown = queries.get_task(rt, pick.id, "alice")
    assert (shown.state, shown.draft) == ("ready", {})


# --- start data -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, errors", [
    ({"subjects": [{"id": 999, "name": "A child not in the family"}]},
     {"subjects": "is set by bpmnrun, not by start data"}),
    ({"family": "Jones", "case_id": 7},
     {"case_id": "is set by bpmnrun, not by start data", "family": "is set by bpmnrun, not by start data"}),
    ({"colour": "red"}, {"colour": "is not a field of this procedure's start form"}),
    ({"reason": math.nan}, {"reason": "must be a number (not NaN or Infinity)"}),
    ({"reason": "why\x00now"}, {"reason": "must not contain a NUL character (\\u0000)"}),
])
def test_start_data_sets_only_start_form_fields(rt, family, data, errors):
    josie = subject_ids(family, "Josie")
    assert _refused(instances.start_work, rt, "test_children", family.id, "alice", josie,
                    {"reason": "a review", **data}) == errors
    with rt.reading() as session:
        assert session.scalar(select(func.count()).select_from(Instance)) == 0


def test_the_engine_keys_come_from_the_case(rt, family, pick):
    started = instance_data(rt, pick.instance_id)
    assert (started["family"], started["case_id"], started["reason"]) == ("Smith", family.id, "a review")
    assert [s["name"] for s in started["subjects"]] == ["Josie Smith"]


def test_a_user_name_longer_than_its_column_is_refused_naming_the_limit(rt):
    from bpmnrun.service import users
    from bpmnrun.service.errors import InvalidInput
    from bpmnrun.service.input_limits import USERNAME

    with pytest.raises(InvalidInput) as refused:
        users.add_user(rt, "a" * (USERNAME + 1), [])
    assert refused.value.errors == {"username": f"must be {USERNAME} characters or less"}
    with pytest.raises(InvalidInput) as refused:
        users.add_user(rt, "nul", [], display_name="Ann\x00")
    assert list(refused.value.errors) == ["display_name"]
