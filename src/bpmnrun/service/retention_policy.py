"""The retention policy: how long a family's records are kept after its last piece of work ended, and whether they
are then deleted or anonymised. Read from a TOML file (README, "Retention"):

    [default]                    # work no rule names (optional: without it, such work is kept)
    years = 25
    action = "anonymise"         # or "delete"

    [[rule]]
    name = "York"                # recorded in the audit of every family it removes
    authority = "York"           # or: process = "york_step_up" (a process rule wins over an authority rule)
    years = 7
    days = 0                     # optional, added to years
    action = "delete"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import ServiceError

DEFAULT_POLICY = "retention.toml"
POLICY_ENV = "BPMNRUN_RETENTION_POLICY"
DELETE, ANONYMISE = "delete", "anonymise"
_ACTIONS = {"delete": DELETE, "anonymise": ANONYMISE, "anonymize": ANONYMISE}
_RULE_KEYS = {"name", "process", "authority", "years", "days", "action"}
_DEFAULT_KEYS = {"years", "days", "action"}


class PolicyError(ServiceError):
    """A policy file that cannot be read: the message names the file and what to write instead."""


@dataclass(frozen=True)
class Rule:
    name: str
    action: str  # delete | anonymise
    years: int = 0
    days: int = 0
    process: str | None = None
    authority: str | None = None

    @property
    def period(self) -> str:
        parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((self.years, "year"), (self.days, "day")) if n]
        return " ".join(parts) or "0 days"

    @property
    def describe(self) -> str:
        return f"{self.name} ({self.action} {self.period} after the last work ended)"

    def cutoff(self, now: datetime) -> datetime:
        """Work that ended before this moment has been kept longer than the rule's period."""
        return _years_before(now, self.years) - timedelta(days=self.days)

    def expires(self, ended_at: datetime) -> datetime:
        """When work that ended at `ended_at` stops being kept under this rule."""
        return _years_before(ended_at, -self.years) + timedelta(days=self.days)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "action": self.action, "years": self.years, "days": self.days,
                "process": self.process, "authority": self.authority}


@dataclass(frozen=True)
class Policy:
    source: str
    rules: tuple[Rule, ...]
    default: Rule | None

    def rule_for(self, process_id: str, authority: str | None) -> Rule | None:
        """A process's own rule, else its authority's, else the default (None: kept however long ago it ended)."""
        for rule in self.rules:
            if rule.process == process_id:
                return rule
        for rule in self.rules:
            if rule.authority is not None and rule.authority == authority:
                return rule
        return self.default

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        return self.rules + ((self.default,) if self.default else ())


def policy_path(given: str | os.PathLike | None = None) -> Path:
    """The policy file: the one given, else $BPMNRUN_RETENTION_POLICY, else retention.toml here."""
    return Path(given or os.environ.get(POLICY_ENV) or DEFAULT_POLICY)


def load_policy(path: str | os.PathLike | None = None) -> Policy:
    where = policy_path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{where}: no retention policy there; write one (README, \"Retention\") or name it "
                          f"with --policy or ${POLICY_ENV}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{where}: cannot be read ({exc})") from None
    return parse_policy(text, str(where))


def parse_policy(text: str, source: str = DEFAULT_POLICY) -> Policy:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not TOML: {exc}") from None
    strangers = sorted(set(raw) - {"default", "rule"})
    if strangers:
        raise PolicyError(f"{source}: unknown section {strangers[0]!r} (expected [default] and [[rule]] tables)")
    default = _default(raw.get("default"), source)
    rules = raw.get("rule", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise PolicyError(f"{source}: write each rule as a [[rule]] table")
    parsed = tuple(_rule(r, f"{source}: rule {n}") for n, r in enumerate(rules, 1))
    _check_unique(parsed, source)
    if default is None and not parsed:
        raise PolicyError(f"{source}: the policy has no rule: add a [default] table or a [[rule]]")
    return Policy(source, parsed, default)


def _default(raw: Any, source: str) -> Rule | None:
    if raw is None:
        return None
    where = f"{source}: [default]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: expected a table with years and action")
    _no_strangers(raw, _DEFAULT_KEYS, where)
    return Rule("default", _action(raw, where), *_period(raw, where))


def _rule(raw: dict, where: str) -> Rule:
    _no_strangers(raw, _RULE_KEYS, where)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{where}: give the rule a name (name = \"…\"): the audit records it")
    where = f"{where} ({name.strip()})"
    process, authority = raw.get("process"), raw.get("authority")
    if (process is None) == (authority is None):
        raise PolicyError(f"{where}: name either a process (process = \"york_step_up\") or an authority "
                          f"(authority = \"York\")")
    for key, value in (("process", process), ("authority", authority)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise PolicyError(f"{where}: {key} must be a non-empty string")
    return Rule(name.strip(), _action(raw, where), *_period(raw, where),
                process=process.strip() if process else None, authority=authority.strip() if authority else None)


def _action(raw: dict, where: str) -> str:
    action = raw.get("action")
    if action not in _ACTIONS:
        raise PolicyError(f"{where}: action must be \"delete\" or \"anonymise\", not {action!r}")
    return _ACTIONS[action]


def _period(raw: dict, where: str) -> tuple[int, int]:
    if "years" not in raw and "days" not in raw:
        raise PolicyError(f"{where}: say how long closed work is kept (years = 7, and/or days = 30)")
    values = []
    for key in ("years", "days"):
        value = raw.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PolicyError(f"{where}: {key} must be a whole number, 0 or more, not {value!r}")
        values.append(value)
    return values[0], values[1]


def _no_strangers(raw: dict, allowed: set[str], where: str) -> None:
    strangers = sorted(set(raw) - allowed)
    if strangers:
        raise PolicyError(f"{where}: unknown key {strangers[0]!r} (expected {', '.join(sorted(allowed))})")


def _check_unique(rules: tuple[Rule, ...], source: str) -> None:
    seen: dict[tuple[str, str | None], str] = {}
    for rule in rules:
        for key in (("name", rule.name.casefold()), ("process", rule.process), ("authority", rule.authority)):
            if key[1] is None:
                continue
            if key in seen:
                raise PolicyError(f"{source}: two rules with {key[0]} {key[1]!r} ({seen[key]} and {rule.name})")
            seen[key] = rule.name
    if any(r.name.casefold() == "default" for r in rules):
        raise PolicyError(f"{source}: \"default\" names the [default] table; give the rule another name")


def _years_before(moment: datetime, years: int) -> datetime:
    """`moment` moved back `years` calendar years (forward when negative); 29 February becomes the 28th."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)
