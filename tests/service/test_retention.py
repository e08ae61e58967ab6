"""Retention through the service layer, on SQLite and PostgreSQL: exactly the families the policy says go (closed
long enough ago under their own rule, none with running work), deleted with every row of theirs or anonymised
with no name, date of birth or answer left anywhere; the audit of it is kept; a dry run changes nothing; a run
interrupted in a batch is finished by the next."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bpmnrun.service import instances, queries, retention, tasks
from bpmnrun.service.retention_policy import parse_policy
from bpmnrun.store.models import Base, Case, Event, Instance, Subject, Task

from tests.service.retention_support import (
    approved_work, at, count_rows, every_row, family, gateway_work, per_child_work, set_up, side_rows, where_found)
from tests.support import instance_data, only_task

POLICY = parse_policy("""
[default]
years = 7
action = "delete"

[[rule]]
name = "Outcomes kept longer"
process = "test_per_child"
years = 10
action = "delete"
""")

ANONYMISE = parse_policy("""
[default]
years = 7
action = "anonymise"
""")


def audit_of(rt, action: str) -> list:
    with rt.reading() as session:
        return session.execute(select(Event.name, Event.case_id, Event.actor, Event.at, Event.detail)
                               .where(Event.action == action).order_by(Event.id)).all()


def test_retention_deletes_exactly_the_families_closed_longer_ago_than_their_rule(rt, clock):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    old = family(rt, "Oldfield", ("Ann Oldfield", date(2012, 3, 4)))
    side_rows(rt, old, gateway_work(rt, old, "note"), "Oldfield")
    gateway_work(rt, old, "second piece of work")
    running = family(rt, "Runner")
    gateway_work(rt, running, close=False)
    longer = family(rt, "Longkeep", ("Bea Longkeep", None), ("Cal Longkeep", None))
    per_child_work(rt, longer)
    gateway_work(rt, longer, "closed under the default rule")
    idle = family(rt, "Idle")  # no work at all: the default rule, from when it was added
    clock.set(at(2030, 1, 1))
    recent = family(rt, "Recent")
    gateway_work(rt, recent, "closed recently")
    kept_rows = {cid: count_rows(rt, cid) for cid in (running, longer, recent)}

    clock.set(at(2033, 1, 1))  # 7½ years after 2025, 3 after 2030
    run = retention.apply(rt, POLICY, "dpo")

    assert run.families == 2 and run.tallies["default"].families == 2
    assert run.tallies["Outcomes kept longer"].families == 0
    for gone in (old, idle):
        assert set(count_rows(rt, gone).values()) == {0}
        with rt.reading() as session:
            assert session.get(Case, gone) is None
    assert {cid: count_rows(rt, cid) for cid in kept_rows} == kept_rows  # nothing of theirs touched
    deleted = audit_of(rt, retention.DELETED)
    assert [(e.name, e.case_id, e.actor, e.at, e.detail["rule"]) for e in deleted] == [
        (f"case {old}", None, "dpo", clock.now(), "default"), (f"case {idle}", None, "dpo", clock.now(), "default")]
    assert deleted[0].detail["work"] == 2 and deleted[0].detail["children"] == 1
    assert not where_found(rt, "Oldfield", "Ann", "2012-03-04", "Idle")

    clock.set(at(2036, 1, 1))  # 10½ years after 2025: the longer rule's families go, the recent one stays
    run = retention.apply(rt, POLICY, "dpo")
    assert run.tallies["Outcomes kept longer"].families == 1 and run.families == 1
    assert set(count_rows(rt, longer).values()) == {0}
    assert count_rows(rt, recent) == kept_rows[recent] and count_rows(rt, running) == kept_rows[running]
    assert [e.detail["rule"] for e in audit_of(rt, retention.DELETED)][-1] == "Outcomes kept longer"


def test_running_work_or_an_open_incident_keeps_a_family_however_old_its_other_work(rt, clock):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    busy = family(rt, "Busy")
    gateway_work(rt, busy, "long closed")
    gateway_work(rt, busy, close=False)
    stuck = family(rt, "Stuck")
    side_rows(rt, stuck, gateway_work(rt, stuck, "closed"), "Stuck")
    from bpmnrun.store.models import Incident
    with rt.transaction() as session:
        session.add(Incident(case_id=stuck, process_id="test_gateway", action="start_work", message="failed",
                             raised_at=clock.now(), raised_by="sam", last_at=clock.now(), resolved=False))
    clock.set(at(2060, 1, 1))
    assert retention.preview(rt, POLICY).families == 0
    assert retention.apply(rt, POLICY, "dpo").families == 0
    assert count_rows(rt, busy)["instance"] == 2 and count_rows(rt, stuck)["instance"] == 1


def test_anonymising_leaves_no_name_date_of_birth_or_answer_anywhere_and_keeps_the_shape(rt, clock):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    case_id = family(rt, "Quenneville", ("Ottoline Quenneville", date(2013, 7, 19)),
                     ("Barnaby Quenneville", date(2016, 2, 29)))
    approved = approved_work(rt, case_id, "Zanzibar umbrella", "2024-11-23")
    per_child_work(rt, case_id)
    cancelled = gateway_work(rt, case_id, close=False)
    tasks.save_draft(rt, only_task(rt, cancelled).id, "sam", {"note": "Marmalade draft"})
    instances.cancel(rt, cancelled, "sam", reason="Xylophone reason")
    side_rows(rt, case_id, approved, "Ottoline Quenneville")
    secrets = ("Quenneville", "Ottoline", "Barnaby", "2013-07-19", "2016-02-29", "Zanzibar", "2024-11-23",
               "Marmalade", "Xylophone")
    assert len(where_found(rt, *secrets)) > 20  # they are everywhere before
    events_before = count_rows(rt, case_id)["event"]
    task_names = [(t.name, t.state) for t in queries.case_tasks(rt, case_id)]

    clock.set(at(2033, 1, 1))
    run = retention.apply(rt, ANONYMISE, "dpo")

    assert run.families == 1 and run.tallies["default"].families == 1
    assert where_found(rt, *secrets) == []
    with rt.reading() as session:
        case = session.get(Case, case_id)
        assert case.family_name == f"Family {case_id} (anonymised)"
        assert [(s.name, s.date_of_birth) for s in case.subjects] == [("Child 1", None), ("Child 2", None)]
        labels = {s.id: s.name for s in case.subjects}
        per_child = session.scalars(select(Task).where(Task.case_id == case_id, Task.process_id == "test_per_child"))
        assert sorted(c["name"] for t in per_child for c in t.children) == ["Child 1", "Child 2"]
        work = session.scalars(select(Instance).where(Instance.case_id == case_id).order_by(Instance.id)).all()
        assert [w.status for w in work] == ["completed", "completed", "cancelled"]
    # The shape of the work stays: its steps, their order and states, every event (without its details).
    assert [(t.name, t.state) for t in queries.case_tasks(rt, case_id)] == task_names
    rows = count_rows(rt, case_id)
    assert rows["event"] == events_before + 1 and rows["subject"] == 2 and rows["incident"] == 1
    assert instance_data(rt, approved) == {}  # the state still loads, with no data
    [done] = audit_of(rt, retention.ANONYMISED)
    assert (done.case_id, done.name, done.actor, done.at) == (case_id, f"case {case_id}", "dpo", clock.now())
    assert done.detail["rule"] == "default" and done.detail["work"] == 3
    assert labels  # the children keep their rows, under labels
    assert retention.apply(rt, ANONYMISE, "dpo").families == 0  # done once, not again


def test_new_work_on_an_anonymised_family_is_anonymised_in_its_turn(rt, clock):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    case_id = family(rt, "Again", ("Dora Again", date(2019, 1, 2)))
    gateway_work(rt, case_id, "first")
    clock.set(at(2033, 1, 1))
    assert retention.apply(rt, ANONYMISE, "dpo").families == 1
    gateway_work(rt, case_id, "Periwinkle second")
    assert retention.preview(rt, ANONYMISE).families == 0  # just closed
    clock.set(at(2041, 1, 1))
    assert retention.apply(rt, ANONYMISE, "dpo").families == 1
    assert where_found(rt, "Periwinkle") == [] and len(audit_of(rt, retention.ANONYMISED)) == 2


def test_an_anonymised_family_is_not_anonymised_again_when_work_starts_on_another_family(rt, clock):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    done = family(rt, "Done", ("Ivy Done", None))
    gateway_work(rt, done, "closed")
    clock.set(at(2033, 1, 1))
    assert retention.apply(rt, ANONYMISE, "dpo").families == 1
    clock.set(at(2034, 1, 1))
    gateway_work(rt, family(rt, "Other"), close=False)  # started after the anonymising, on another family
    clock.set(at(2041, 1, 1))
    assert retention.preview(rt, ANONYMISE).families == 0
    assert retention.apply(rt, ANONYMISE, "dpo").families == 0
    assert [e.case_id for e in audit_of(rt, retention.ANONYMISED)] == [done]


def test_the_rule_that_keeps_a_family_longest_decides_what_happens_to_it(rt, clock):
    policy = parse_policy("""
        [default]
        years = 7
        action = "delete"
        [[rule]]
        name = "Anonymise outcomes"
        process = "test_per_child"
        years = 8
        action = "anonymise"
    """)
    clock.set(at(2025, 6, 2))
    set_up(rt)
    both = family(rt, "Both", ("Eve Both", None))
    per_child_work(rt, both)  # ended June 2025: kept till June 2033 under its rule
    clock.set(at(2026, 9, 1))
    gateway_work(rt, both, "ended later")  # ended September 2026: kept till September 2033 under the default
    clock.set(at(2033, 7, 1))
    assert retention.preview(rt, policy).families == 0  # its own rule is over, the default's not yet
    clock.set(at(2033, 10, 1))
    run = retention.apply(rt, policy, "dpo")
    assert run.tallies["default"].families == 1 and run.tallies["Anonymise outcomes"].families == 0
    assert count_rows(rt, both)["subject"] == 0
    clock.set(at(2025, 6, 2))  # and the other way round: the anonymising rule keeps the family longest
    other = family(rt, "Other", ("Fay Other", None))
    gateway_work(rt, other, "ended first")
    per_child_work(rt, other)
    clock.set(at(2033, 10, 1))
    run = retention.apply(rt, policy, "dpo")
    assert run.tallies["Anonymise outcomes"].families == 1 and run.tallies["default"].families == 0
    with rt.reading() as session:
        assert session.get(Case, other).family_name == f"Family {other} (anonymised)"


def test_a_dry_run_counts_per_rule_and_changes_nothing(rt, clock):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    first = family(rt, "First", ("Gus First", None), ("Hal First", None))
    gateway_work(rt, first, "one")
    gateway_work(rt, first, "two")
    second = family(rt, "Second", ("Ida Second", None))
    per_child_work(rt, second)
    family(rt, "Third")
    ended = clock.now()
    clock.set(at(2040, 1, 1))
    before = every_row(rt)
    listed = []

    run = retention.preview(rt, POLICY, batch_size=1, on_family=listed.append)

    assert every_row(rt) == before
    assert run.dry_run and run.batches == 3 and [f.case_id for f in listed] == [first, second, first + 2]
    default, longer = run.tallies["default"], run.tallies["Outcomes kept longer"]
    expected_first, expected_second = count_rows(rt, first), count_rows(rt, second)
    assert (default.families, default.children, default.work, default.tasks) == (2, 3, 2, expected_first["task"])
    assert default.events == expected_first["event"] + count_rows(rt, first + 2)["event"]
    assert (longer.families, longer.children, longer.work, longer.events) == (
        1, 1, 1, expected_second["event"])
    assert listed[0].last_ended == ended and listed[2].last_ended == ended  # the third: when it was added


def test_a_run_interrupted_in_a_batch_loses_only_that_batch_and_the_next_run_finishes(rt, clock, monkeypatch):
    clock.set(at(2025, 6, 2))
    set_up(rt)
    ids = [family(rt, f"Family{n}", (f"Child{n} Family{n}", date(2015, 1, n + 1))) for n in range(5)]
    for case_id in ids:
        gateway_work(rt, case_id, "closed")
    clock.set(at(2040, 1, 1))
    real, calls = retention.delete_families, []

    def crash_in_the_second_batch(session, case_ids):
        calls.append(case_ids)
        real(session, case_ids)  # the rows are gone inside the transaction …
        if len(calls) == 2:
            raise RuntimeError("the machine went down")  # … and come back when it rolls back

    monkeypatch.setattr(retention, "delete_families", crash_in_the_second_batch)
    with pytest.raises(RuntimeError):
        retention.apply(rt, POLICY, "dpo", batch_size=2)
    assert [count_rows(rt, c)["subject"] for c in ids] == [0, 0, 1, 1, 1]
    assert [e.detail["case"] for e in audit_of(rt, retention.DELETED)] == ids[:2]

    monkeypatch.setattr(retention, "delete_families", real)
    run = retention.apply(rt, POLICY, "dpo", batch_size=2)
    assert run.families == 3 and run.batches == 2
    assert [count_rows(rt, c)["subject"] for c in ids] == [0] * 5
    assert [e.detail["case"] for e in audit_of(rt, retention.DELETED)] == ids  # once each


def test_every_table_that_points_at_a_family_is_handled_by_retention():
    """A table added later with a reference to a family's rows must be deleted (and anonymised) with it."""
    from bpmnrun.service.retention_rows import FAMILY_TABLES

    family_tables = {"case", "subject", "instance", "task"}
    pointing = {table.name for table in Base.metadata.sorted_tables
                for fk in table.foreign_keys if fk.column.table.name in family_tables}
    assert pointing | {"case"} <= set(FAMILY_TABLES), sorted(pointing - set(FAMILY_TABLES))
    assert Subject.__tablename__ in FAMILY_TABLES
