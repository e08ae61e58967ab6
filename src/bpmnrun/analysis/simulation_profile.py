"""A simulation profile: how long tasks take, which options people choose, how often cases arrive.

JSON or TOML (by the file's suffix), every key optional:

    {
      "durations": {                      # per task id or task name
        "Step One – SC supervision or case discussion": {"distribution": "triangular",
                                                          "low": 0.5, "mode": 1, "high": 3, "unit": "days"},
        "L1_2": 2                          # a bare number: exactly that many working days
      },
      "default_duration": {"low": 0.1, "mode": 1, "high": 5},
      "waits": {"L1_2": {"low": 0, "mode": 1, "high": 3}},   # per task id or name: ready -> first opened
      "default_wait": {"low": 0, "mode": 0.5, "high": 2},
      "choices": {"clear_plan_from_completed_assessment": {"yes": 4, "no": 1},   # option id -> weight
                  "accepted_subjects": {"all": 3, "some": 1}},  # a children picker: all ticked, or some
      "values": {"assessment_document": "EH Child and Family Assessment 25/06/02"},  # a field's answer
      "message_delay": {"low": 1, "mode": 3, "high": 10},
      "arrival_every": {"distribution": "exponential", "mean": 4, "unit": "hours"},
      "children": {"1": 3, "2": 2, "3": 1},  # how many children a family has -> weight
      "max_steps_per_case": 300,
      "working_hours": {"start": "09:00", "end": "17:00"},  # or false: work round the clock
      "start_data": {"start_route": {"child_protection_concern_raised": 2,   # a start form field's answer,
                                     "advice_of_a_social_worker_is_required": 1}}   # or answer -> weight
    }

The start form (York step up's, say) is answered like any form unless `start_data` says otherwise.

A task's time is its wait (ready until a worker first opens it: `waits`, `default_wait`) then its work (opened
until completed: `durations`, `default_duration`). Task, field and option names are checked against the process's
diagrams before any case runs (simulation_checks.py); here only the settings' shape is.

People work in the working hours (09:00–17:00 on working days unless the profile says otherwise): a task
that becomes ready at night is started in the morning. Units: "days" (working days, the default: whole
days end at the same time of a later working day, a fraction is that share of the working hours) or
"hours" (hours of work in the working hours; round the clock, a working day counts 24). The
distributions are "fixed" (value), "uniform" (low, high), "triangular" (low, mode, high) and
"exponential" (mean). Choices not in the profile are uniform over the options.
"""

from __future__ import annotations

import difflib
import json
import random
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Mapping

from ..service.errors import ServiceError

UNITS = {"days": 1.0, "working_days": 1.0, "hours": 1 / 24, "working_hours": 1 / 24}
DISTRIBUTIONS = ("fixed", "uniform", "triangular", "exponential")


@dataclass(frozen=True)
class Duration:
    distribution: str = "triangular"
    low: float = 0.1
    mode: float = 1.0
    high: float = 5.0
    mean: float = 1.0
    value: float = 1.0
    unit: str = "days"

    def sample(self, rng: random.Random) -> float:
        """A duration in working days."""
        if self.distribution == "fixed":
            amount = self.value
        elif self.distribution == "uniform":
            amount = rng.uniform(self.low, self.high)
        elif self.distribution == "exponential":
            amount = rng.expovariate(1 / self.mean) if self.mean > 0 else 0.0
        else:
            amount = rng.triangular(self.low, self.high, self.mode)
        return max(0.0, amount) * UNITS[self.unit]

    def sample_days(self, rng: random.Random, day_hours: float) -> float:
        """A duration in working days when a working day has `day_hours` hours of work."""
        days = self.sample(rng)
        return days * 24 / day_hours if self.unit in ("hours", "working_hours") else days


DEFAULT_NAME = "default profile"


@dataclass(frozen=True)
class Profile:
    durations: Mapping[str, Duration] = field(default_factory=dict)  # working time: opened -> completed
    default_duration: Duration = Duration()
    waits: Mapping[str, Duration] = field(default_factory=dict)  # waiting time: ready -> first opened
    default_wait: Duration = Duration(low=0.0, mode=0.5, high=2.0)
    choices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)
    message_delay: Duration = Duration(low=1, mode=3, high=10)
    arrival_every: Duration = Duration(distribution="exponential", mean=4, unit="hours")
    children: Mapping[int, float] = field(default_factory=lambda: {1: 3, 2: 2, 3: 1})
    max_steps_per_case: int = 300
    working_hours: tuple[time, time] | None = (time(9), time(17))  # None: round the clock
    start_data: Mapping[str, Any] = field(default_factory=dict)
    name: str = DEFAULT_NAME  # the file's stem: how the output and the "simulation run" event name it

    @property
    def day_hours(self) -> float:
        if self.working_hours is None:
            return 24.0
        opens, closes = self.working_hours
        return (closes.hour * 60 + closes.minute - opens.hour * 60 - opens.minute) / 60

    def duration_of(self, task_id: str, bpmn_id: str, name: str) -> Duration:
        """How long a worker works on the task once opened."""
        return _per_task(self.durations, self.default_duration, bpmn_id, name, task_id)

    def wait_of(self, task_id: str, bpmn_id: str, name: str) -> Duration:
        """How long the task waits, once ready, until a worker first opens it."""
        return _per_task(self.waits, self.default_wait, bpmn_id, name, task_id)


SETTINGS = tuple(k for k in Profile.__dataclass_fields__ if k != "name")


def _per_task(table: Mapping[str, Duration], default: Duration, *keys: str) -> Duration:
    return next((table[k] for k in keys if k in table), default)


def did_you_mean(key: str, known: "list[str] | set[str] | tuple[str, ...]") -> str:
    """" (did you mean 'x'?)" for the closest known name, else nothing."""
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_profile(path: Path | str) -> Profile:
    """Read a profile file; a mistake in it gives one clear message naming the key. Named by the file's stem."""
    return profile_from(read_profile(path), name=Path(path).stem)


def read_profile(path: Path | str) -> Mapping[str, Any]:
    """The settings of a profile file (JSON, or TOML by suffix), unchecked."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except OSError as exc:
        raise ServiceError(f"cannot read the profile {path}: {exc.strerror}") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ServiceError(f"the profile {path} is not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}") from None
    return raw


def profile_from(raw: Mapping[str, Any], name: str = DEFAULT_NAME,
                 fields: "set[str] | frozenset[str]" = frozenset()) -> Profile:
    """The profile of these settings; `fields` (the form fields of the process, when known) lets a field's id
    written as a setting be pointed to `choices` or `values`."""
    if not isinstance(raw, Mapping):
        raise ServiceError("a profile is an object of settings")
    unknown = sorted(set(raw) - set(SETTINGS))
    if unknown:
        raise ServiceError(_unknown_setting(str(unknown[0]), fields))
    base = Profile()
    return Profile(
        durations={str(k): _duration(v, f"durations.{k}") for k, v in _mapping(raw, "durations").items()},
        default_duration=_duration(raw.get("default_duration", {}), "default_duration", base.default_duration),
        waits={str(k): _duration(v, f"waits.{k}") for k, v in _mapping(raw, "waits").items()},
        default_wait=_duration(raw.get("default_wait", {}), "default_wait", base.default_wait),
        choices={str(k): _weights(v, f"choices.{k}") for k, v in _mapping(raw, "choices").items()},
        values=dict(_mapping(raw, "values")),
        message_delay=_duration(raw.get("message_delay", {}), "message_delay", base.message_delay),
        arrival_every=_duration(raw.get("arrival_every", {}), "arrival_every", base.arrival_every),
        children=_children(raw.get("children"), base.children),
        max_steps_per_case=_positive_int(raw.get("max_steps_per_case", base.max_steps_per_case)),
        working_hours=_working_hours(raw.get("working_hours", True), base.working_hours),
        start_data={str(k): _weights(v, f"start_data.{k}") if isinstance(v, Mapping) else v
                    for k, v in _mapping(raw, "start_data").items()},
        name=name,
    )


def _unknown_setting(key: str, fields: "set[str] | frozenset[str]") -> str:
    hint = did_you_mean(key, SETTINGS)
    if not hint and fields:
        close = difflib.get_close_matches(key, sorted(fields), n=1, cutoff=0.6)
        if close:
            hint = (f" (did you mean the form field {close[0]!r}? its answers go under \"choices\" or"
                    f" \"values\")")
    return f"profile: unknown setting {key!r}{hint or ' (the settings are: ' + ', '.join(SETTINGS) + ')'}"


def _working_hours(raw: Any, base: tuple[time, time] | None) -> tuple[time, time] | None:
    if raw is False or raw is None:
        return None
    if raw is True:
        return base
    if not isinstance(raw, Mapping) or set(raw) - {"start", "end"}:
        raise ServiceError('profile: working_hours is {"start": "09:00", "end": "17:00"}, or false for round the clock')
    try:
        opens, closes = (time.fromisoformat(str(raw.get(k, d))) for k, d in (("start", "09:00"), ("end", "17:00")))
    except ValueError:
        raise ServiceError("profile: working_hours: times are HH:MM") from None
    if opens >= closes:
        raise ServiceError("profile: working_hours: start must be before end")
    return opens, closes


def _mapping(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ServiceError(f"profile: {key} must be an object")
    return value


def _duration(raw: Any, where: str, base: Duration = Duration()) -> Duration:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Duration(distribution="fixed", value=float(raw))
    if not isinstance(raw, Mapping):
        raise ServiceError(f"profile: {where} must be a number of working days or an object")
    unknown = sorted(set(raw) - set(Duration.__dataclass_fields__))
    if unknown:
        raise ServiceError(f"profile: {where}: unknown key {unknown[0]!r}")
    settings = {**base.__dict__, **raw}
    if settings["distribution"] not in DISTRIBUTIONS:
        raise ServiceError(f"profile: {where}: distribution must be one of {', '.join(DISTRIBUTIONS)}")
    if settings["unit"] not in UNITS:
        raise ServiceError(f"profile: {where}: unit must be days or hours")
    try:
        numbers = {k: float(settings[k]) for k in ("low", "mode", "high", "mean", "value")}
    except (TypeError, ValueError):
        raise ServiceError(f"profile: {where}: durations are numbers") from None
    if any(v < 0 for v in numbers.values()):
        raise ServiceError(f"profile: {where}: durations cannot be negative")
    if settings["distribution"] == "triangular" and not numbers["low"] <= numbers["mode"] <= numbers["high"]:
        raise ServiceError(f"profile: {where}: needs low <= mode <= high")
    return Duration(settings["distribution"], unit=settings["unit"], **numbers)


def _weights(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise ServiceError(f"profile: {where} must map option ids to weights")
    try:
        weights = {str(k): float(v) for k, v in raw.items()}
    except (TypeError, ValueError):
        raise ServiceError(f"profile: {where}: weights are numbers") from None
    if any(w < 0 for w in weights.values()) or not any(weights.values()):
        raise ServiceError(f"profile: {where}: weights are not negative and not all zero")
    return weights


def _children(raw: Any, base: Mapping[int, float]) -> Mapping[int, float]:
    if raw is None:
        return base
    weights = _weights(raw, "children")
    try:
        counts = {int(k): w for k, w in weights.items()}
    except ValueError:
        raise ServiceError("profile: children maps a number of children to a weight") from None
    if any(k < 1 for k in counts):
        raise ServiceError("profile: a family has at least one child")
    return counts


def _positive_int(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise ServiceError("profile: max_steps_per_case must be a whole number above 0")
    return raw
