"""`bpmnrun retention` (a dry run: per rule, with counts, changing nothing) and `bpmnrun retention apply` end to
end, on SQLite and PostgreSQL, with the policy from --policy or $BPMNRUN_RETENTION_POLICY; a policy it cannot
use is one clear line."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bpmnrun.clock import MovableClock, SystemClock
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from bpmnrun.store.models import Event

from tests.service.retention_support import count_rows, every_row, family, gateway_work, set_up

POLICY = """
[default]
years = 7
action = "delete"

[[rule]]
name = "Outcomes"
process = "test_per_child"
years = 10
action = "anonymise"
"""


@pytest.fixture
def families(database_url, tmp_path):
    """Two families whose work ended in 2005 and one whose work ended today (the command runs on the real
    clock); the policy file in tmp_path."""
    old_days = Runtime(Database(database_url), MovableClock(datetime(2005, 3, 1, 10)))
    set_up(old_days)
    old = [family(old_days, name, (f"Kid {name}", date(2001, 1, 1))) for name in ("Abbot", "Baker")]
    for case_id in old:
        gateway_work(old_days, case_id, "closed long ago")
    old_days.db.dispose()
    today = Runtime(Database(database_url), SystemClock())
    recent = family(today, "Carter", ("Kid Carter", date(2020, 1, 1)))
    gateway_work(today, recent, "closed today")
    policy = tmp_path / "council.toml"
    policy.write_text(POLICY)
    yield today, old, recent, policy
    today.db.dispose()


def test_the_dry_run_lists_per_rule_with_counts_and_changes_nothing(bpmnrun, families):
    rt, old, recent, policy = families
    before = every_row(rt)
    out = bpmnrun("retention", "--dry-run", "--policy", str(policy), "--cases").stdout
    assert every_row(rt) == before
    events = sum(count_rows(rt, c)["event"] for c in old)
    assert f"  default (work no other rule names; delete 7 years after the last work ended): 2 families, " \
           f"2 children, 2 pieces of work, 2 tasks, {events} events" in out
    assert "  Outcomes (process test_per_child; anonymise 10 years after the last work ended): nothing due" in out
    assert f"  case {old[0]}: default (delete), last work ended 2005-03-01; 1 child, 1 piece of work, 1 task" in out
    assert f"case {recent}:" not in out
    assert out.rstrip().endswith("2 families due. Dry run: nothing was changed; `bpmnrun retention apply` does it.")
    # Without a command it is the same dry run; the policy may come from the environment.
    again = bpmnrun("retention", env={"BPMNRUN_RETENTION_POLICY": str(policy)}).stdout
    assert "2 families due. Dry run" in again and every_row(rt) == before
    report = json.loads(bpmnrun("retention", "--policy", str(policy), "--json").stdout)
    assert report["dry_run"] and report["families"] == 2
    assert [(r["name"], r["families"]) for r in report["rules"]] == [("Outcomes", 0), ("default", 2)]


def test_apply_removes_the_families_due_in_batches_and_records_who_did_it(bpmnrun, families):
    rt, old, recent, policy = families
    kept = count_rows(rt, recent)
    out = bpmnrun("retention", "apply", "--policy", str(policy), "--batch", "1", "--as", "dpo").stdout
    assert out.startswith("batch 1: 1 deleted, 0 anonymised\nbatch 2: 1 deleted, 0 anonymised\n")
    assert "default (work no other rule names; delete 7 years after the last work ended): 2 families deleted" in out
    assert out.rstrip().endswith("2 families removed in 2 batches; each has an audit event (case_deleted or "
                                 "case_anonymised).")
    assert [set(count_rows(rt, c).values()) for c in old] == [{0}, {0}]
    assert count_rows(rt, recent) == kept
    with rt.reading() as session:  # the audit of it is kept
        rows = session.execute(select(Event.actor, Event.name, Event.detail).where(Event.action == "case_deleted")
                               .order_by(Event.id)).all()
    assert [(a, n, d["rule"]) for a, n, d in rows] == [("dpo", f"case {c}", "default") for c in old]
    assert "0 families due" in bpmnrun("retention", "--policy", str(policy)).stdout


def test_a_policy_it_cannot_use_is_one_clear_line_and_nothing_changes(bpmnrun, families, tmp_path):
    rt, old, recent, policy = families
    before = every_row(rt)
    bad = tmp_path / "bad.toml"
    bad.write_text("[default]\nyears = 7\naction = \"purge\"\n")
    for args in (("retention", "--policy", str(bad)), ("retention", "apply", "--policy", str(bad)),
                 ("retention", "apply", "--policy", str(tmp_path / "missing.toml"))):
        result = bpmnrun(*args, ok=False)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "action must be \"delete\" or \"anonymise\", not 'purge'" in bpmnrun(
        "retention", "--policy", str(bad), ok=False).stderr
    assert "no retention policy there" in bpmnrun("retention", "apply", "--policy", str(tmp_path / "x.toml"),
                                                   ok=False).stderr
    assert bpmnrun("retention", "--dry-run", "apply", "--policy", str(policy), ok=False).exit_code == 2
    assert every_row(rt) == before


def test_a_rule_for_nothing_deployed_is_warned_about(bpmnrun, families, tmp_path):
    rt, old, recent, policy = families
    typo = tmp_path / "typo.toml"
    typo.write_text(POLICY + '\n[[rule]]\nname = "York"\nauthority = "Yrok"\nyears = 3\naction = "delete"\n')
    result = bpmnrun("retention", "--policy", str(typo))
    assert "warning: rule York: no deployed process is of the authority 'Yrok' (known: Other)" in result.stderr
