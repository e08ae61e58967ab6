"""The answers a simulated worker gives a form (a task's, or the start form), valid for the engine's form rules.

Every field a worker must answer is answered: an option (weighted by the profile's `choices`, else uniformly)
that the field does not refuse; for a children picker the children it offers (all of them, or some); for a
per-child field an answer per child; for a person picker a member of one of its teams (made as needed); today
on the virtual clock for a date; text that matches the field's pattern. Optional options and tick boxes are
drawn too, so the branches they steer are taken; optional text and dates are left empty, unless the form's
`required_if` holds for the answers drawn (asked here, not learnt from a refusal: each refusal costs a round
trip through the engine). When the form refuses
the answers (a field required only with another answer, a rule across fields), only the fields it names are
drawn again, an option refused once not drawn again while others are left.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Any, Callable, Mapping

from ..engine.forms import Form, FormInvalid
from ..expressions import ExpressionError, evaluate
from .simulation_people import People
from .simulation_profile import Profile

TEXT = "Simulated answer"


class Answers:
    def __init__(self, rng: random.Random, profile: Profile, people: People, now: Callable[[], datetime]) -> None:
        self.rng, self.profile, self.people, self.now = rng, profile, people, now

    def draw(self, form: list[dict[str, Any]], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """First answers: the fields a worker must or may choose; `given` (start data) where it says."""
        values: dict[str, Any] = {}
        for spec in form:
            if spec["readonly"] or spec["properties"].get("row_of"):
                continue
            if given and spec["id"] in given:
                values[spec["id"]] = self._given(given[spec["id"]])
            elif spec["required"] or spec["type"] in ("enum", "boolean"):
                answer = self.answer(spec)
                if answer is not None:
                    values[spec["id"]] = answer
        for spec in form:  # then what the answers drawn make required
            if spec["id"] not in values and not spec["readonly"] and _required_by(spec, values):
                answer = self.answer(spec)
                if answer is not None:
                    values[spec["id"]] = answer
        return values

    def redraw(self, form: list[dict[str, Any]], values: dict[str, Any], errors: Mapping[str, str],
               tried: dict[str, list[Any]]) -> dict[str, Any]:
        """New answers for the fields `errors` names (all fields when it names none of them)."""
        named = [spec for spec in form if spec["id"] in errors and not spec["readonly"]]
        if not named:
            return self.draw(form)
        values = dict(values)
        for spec in named:
            refused = tried.setdefault(spec["id"], [])
            refused.append(values.get(spec["id"]))
            values[spec["id"]] = self.answer(spec, avoid=refused)
        return values

    def settle(self, form: list[dict[str, Any]], values: dict[str, Any], tried: dict[str, list[Any]],
               tries: int) -> dict[str, Any]:
        """The answers, drawn again here while the form's own rules refuse them (at most `tries` times), so that
        the engine is asked only with answers those rules take: a refusal there costs a whole round trip."""
        for _ in range(tries):
            errors = refusals(form, values)
            if not errors:
                break
            values = self.redraw(form, values, errors, tried)
        return values

    # --- one field ---------------------------------------------------------------------------------------------

    def answer(self, spec: dict[str, Any], avoid: list[Any] = ()) -> Any:
        fid = spec["id"]
        if fid in self.profile.values:
            return self.profile.values[fid]
        if spec.get("per_child"):
            return {child["id"]: self._one(spec, avoid) for child in spec.get("children", [])} or None
        if spec.get("picks_children"):
            return self._children(spec, avoid)
        if spec.get("picked_teams"):
            return self.people.member_of(self.rng.choice(spec["picked_teams"]))
        return self._one(spec, avoid)

    def _one(self, spec: dict[str, Any], avoid: list[Any]) -> Any:
        kind = spec["type"]
        if kind == "enum":
            options = self._untried(spec, avoid)
            if not options:
                return None
            choice = self._weighted(spec["id"], options)
            return [choice] if spec["multiple"] else choice
        if kind == "boolean":
            if spec["required"]:
                return True  # a required tick box must be ticked
            weights = self.profile.choices.get(spec["id"])
            if weights:
                return self._pick({True: weights.get("true", 0.0), False: weights.get("false", 0.0)})
            return self.rng.random() < 0.5 if not avoid else not avoid[-1]
        if kind == "date":
            return self.now().date().isoformat()
        if kind == "long":
            return 1
        return self._text(spec)

    def _untried(self, spec: dict[str, Any], avoid: list[Any]) -> list[str]:
        """The options not refused at this task yet; all of them again when those left are ones the profile
        never chooses (a choice the profile pins is kept: another field is then drawn again instead)."""
        allowed = allowed_options(spec)
        left = [o for o in allowed if o not in avoid and [o] not in avoid]
        weights = self.profile.choices.get(spec["id"])
        if weights and not any(weights.get(o, 0.0) for o in left):
            return allowed
        return left or allowed

    def _children(self, spec: dict[str, Any], avoid: list[Any]) -> list[str]:
        """Every child offered, or (as often) a few of them: the branches for the children left out are walked."""
        offered = [o["id"] for o in spec["options"]]
        weights = self.profile.choices.get(spec["id"]) or {"all": 1.0, "some": 1.0}
        if len(offered) < 2 or self._pick({"all": weights.get("all", 0.0), "some": weights.get("some", 0.0)}) == "all":
            picked = offered
        else:
            picked = sorted(self.rng.sample(offered, self.rng.randint(1, len(offered) - 1)), key=offered.index)
        return offered if picked in avoid else picked

    def _text(self, spec: dict[str, Any]) -> str:
        """Text that fits the field's pattern, if it has one (the documents' naming: "EH [name] YY/MM/DD")."""
        pattern = spec["constraints"].get("pattern")
        stamp = self.now().strftime("%y/%m/%d")
        candidates = [TEXT, f"EH Simulated record {stamp}", *pattern_choices(pattern)]
        return next((c for c in candidates if not pattern or re.fullmatch(pattern, c)), TEXT)

    def _weighted(self, field_id: str, options: list[str]) -> str:
        weights = self.profile.choices.get(field_id)
        if not weights:
            return self.rng.choice(options)
        return self._pick({o: weights.get(o, 0.0) for o in options})

    def _pick(self, weights: dict) -> Any:
        keys = list(weights)
        if not any(weights.values()):
            return self.rng.choice(keys)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def _given(self, setting: Any) -> Any:
        """A start value from the profile: the value itself, or value → weight."""
        return self._pick({k: float(w) for k, w in setting.items()}) if isinstance(setting, Mapping) else setting


def refusals(form: list[dict[str, Any]], values: Mapping[str, Any]) -> dict[str, str]:
    """What the form's own rules refuse in these answers, read without the case's data: a rule that reads case
    data cannot be told and does not refuse (the engine, which has the data, is the judge). Person pickers
    (whose options are the members when the form was read) and read-only fields (prefilled from the case) are
    left to the engine too."""
    try:
        Form.from_json(form).validate(values, {})
    except FormInvalid as exc:
        judged = {spec["id"] for spec in form if not spec["readonly"] and not spec.get("picked_teams")}
        return {k: v for k, v in exc.errors.items() if k in judged}
    return {}


def _required_by(spec: dict[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether the field's `required_if` holds for these answers (one reading case data it cannot tell: no)."""
    condition = spec["constraints"].get("required_if")
    if not condition or spec["properties"].get("row_of"):
        return False
    try:
        return bool(evaluate(condition, dict(values)))
    except ExpressionError:
        return False


def allowed_options(spec: dict[str, Any]) -> list[str]:
    """The options a field accepts by itself: not refused, and matching its pattern if it has one."""
    constraints = spec["constraints"]
    pattern = constraints.get("pattern")
    return [o["id"] for o in spec["options"] if o["id"] != constraints.get("refuse")
            and (not pattern or re.fullmatch(pattern, o["id"]))]


def pattern_choices(pattern: str | None) -> list[str]:
    """The answers of a pattern that is a plain list (`a|b|c`)."""
    text = (pattern or "").strip().removeprefix("^").removesuffix("$")
    return text.split("|") if re.fullmatch(r"[\w\- ]+(\|[\w\- ]+)+", text) else []
