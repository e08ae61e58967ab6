"""The retention policy file: which rule a piece of work falls under, its period by the calendar, and a clear
error naming the file and the rule for anything it cannot use."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bpmnrun.service.retention_policy import PolicyError, load_policy, parse_policy

REPO = Path(__file__).parent.parent.parent

POLICY = """
[default]
years = 25
action = "anonymise"

[[rule]]
name = "York"
authority = "York"
years = 7
action = "delete"

[[rule]]
name = "York step up"
process = "york_step_up"
years = 10
days = 30
action = "anonymize"
"""


def test_a_process_rule_wins_over_its_authority_rule_which_wins_over_the_default():
    policy = parse_policy(POLICY)
    assert policy.rule_for("york_step_up", "York").name == "York step up"
    assert policy.rule_for("york_step_down_mash", "York").name == "York"
    assert policy.rule_for("lincs_tac_monitoring", "Lincolnshire").name == "default"
    assert policy.rule_for("york_step_up", "York").action == "anonymise"  # either spelling
    assert [r.name for r in policy.all_rules] == ["York", "York step up", "default"]


def test_without_a_default_work_no_rule_names_is_kept():
    policy = parse_policy('[[rule]]\nname = "York"\nauthority = "York"\nyears = 7\naction = "delete"\n')
    assert policy.default is None and policy.rule_for("lincs_tac_monitoring", "Lincolnshire") is None


def test_periods_are_calendar_years_and_days_and_29_february_becomes_the_28th():
    rule = parse_policy(POLICY).rule_for("york_step_up", "York")
    assert rule.period == "10 years 30 days"
    now = datetime(2040, 2, 29, 12, tzinfo=timezone.utc)
    assert rule.cutoff(now) == datetime(2030, 1, 29, 12, tzinfo=timezone.utc)  # 28 Feb 2030, less 30 days
    assert parse_policy(POLICY).default.cutoff(now) == datetime(2015, 2, 28, 12, tzinfo=timezone.utc)
    assert rule.expires(datetime(2020, 2, 29, tzinfo=timezone.utc)) == datetime(2030, 3, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, message", [
    ("[default]\nyears = 7\n", "[default]: action must be \"delete\" or \"anonymise\", not None"),
    ("[default]\naction = \"delete\"\n", "[default]: say how long closed work is kept"),
    ("[default]\nyears = -1\naction = \"delete\"\n", "[default]: years must be a whole number, 0 or more, not -1"),
    ("[default]\nyears = 7.5\naction = \"delete\"\n", "years must be a whole number"),
    ("[default]\nyears = 7\naction = \"purge\"\n", "action must be \"delete\" or \"anonymise\", not 'purge'"),
    ("[defaults]\nyears = 7\n", "unknown section 'defaults'"),
    ("[default]\nyear = 7\naction = \"delete\"\n", "[default]: unknown key 'year'"),
    ("[[rule]]\nauthority = \"York\"\nyears = 7\naction = \"delete\"\n", "rule 1: give the rule a name"),
    ("[[rule]]\nname = \"Both\"\nauthority = \"York\"\nprocess = \"york_step_up\"\nyears = 7\naction = \"delete\"\n",
     "rule 1 (Both): name either a process"),
    ("[[rule]]\nname = \"A\"\nauthority = \"York\"\nyears = 7\naction = \"delete\"\n"
     "[[rule]]\nname = \"B\"\nauthority = \"York\"\nyears = 9\naction = \"delete\"\n",
     "two rules with authority 'York' (A and B)"),
    ("[[rule]]\nname = \"default\"\nauthority = \"York\"\nyears = 7\naction = \"delete\"\n", "give the rule another name"),
    ("", "the policy has no rule"),
    ("[default\n", "not TOML"),
])
def test_a_policy_it_cannot_use_is_refused_naming_the_file_and_what_to_write(text, message):
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, "council.toml")
    assert str(raised.value).startswith("council.toml: ") and message in str(raised.value)


def test_the_file_comes_from_the_option_else_the_environment_else_retention_toml_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError, match=r"^retention.toml: no retention policy there; .* --policy or "
                                          r"\$BPMNRUN_RETENTION_POLICY"):
        load_policy()
    (tmp_path / "retention.toml").write_text(POLICY)
    assert load_policy().source == "retention.toml"
    (tmp_path / "council.toml").write_text("[default]\nyears = 3\naction = \"delete\"\n")
    monkeypatch.setenv("BPMNRUN_RETENTION_POLICY", str(tmp_path / "council.toml"))
    assert load_policy().default.years == 3
    assert load_policy(tmp_path / "retention.toml").default.years == 25


def test_the_repository_policy_reads():
    policy = load_policy(REPO / "retention.toml")
    assert policy.default is not None and policy.rules
