"""Every timer evaluates to something SpiffWorkflow can wait for, on any day and with any answers.

A timer that does not (`"P5WD"`, an unquoted `PT3H`, a date field read as text) deploys, and then the step
before it fails for the caseworker and the case never moves on. So each timer is evaluated with the real
evaluator and time functions, on sample days (a weekday, a weekend day, Good Friday, Christmas) and with
sample values of the fields it reads, and its result goes through SpiffWorkflow's own timer parsing, exactly
as the engine does when the timer starts waiting.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime
from itertools import islice, product
from typing import Any, Callable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..clock import LONDON, MovableClock, using_clock
from ..expressions import ExpressionError, evaluate
from .expression_reads import called, parse
from .samples import ENGINE_SAMPLES, SAMPLE_DAYS, UNSET, shown
from .sites import Site

ACCEPTED = ('a quoted ISO 8601 duration like "P5D" or "PT3H", an ISO date-time like "2025-06-02T09:00:00+01:00", '
            'a cycle like "R3/PT1H", or one of the functions working_days(5, …), start_of_day(…), add_days(…), '
            'weekly("Tuesday", "10:00"), duty_window(…)')
SAMPLE_TIMES = [datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=LONDON)
                for day, hour in zip(SAMPLE_DAYS, ("10:00", "11:00", "09:00", "08:00"))]
ACCEPTED_DATES = ('an ISO date-time like "2025-06-02T09:00:00+01:00", or one of the functions working_days(5, …), '
                  'start_of_day(…), add_days(…), weekly("Tuesday", "10:00"), duty_window(…)')
# Where each kind of timer text goes, named in every message about a timer's result.
ELSEWHERE = {
    "timeDuration": f'; a date and time ({ACCEPTED_DATES}) goes in a timeDate, a cycle ("R3/PT1H") in a timeCycle',
    "timeDate": '; a duration ("P5D") goes in a timeDuration, a cycle ("R3/PT1H") in a timeCycle',
    "timeCycle": f'; a duration ("P5D") goes in a timeDuration, a date and time ({ACCEPTED_DATES}) in a timeDate',
}
MAX_COMBINATIONS = 32
# Functions whose result depends on the moment the timer starts (those without an explicit start date too).
CLOCK_FUNCTIONS = ("today", "now", "working_days", "weekly", "duty_window", "duty_window_end")
_UNQUOTED = re.compile(r"^(R\d*/)?P(\d|T\d)[0-9YMWDTHS.,]*$|^\d{4}-\d{2}-\d{2}(T[0-9:.+\-Z]*)?$")

Samples = Callable[[str], "list[Any] | None"]


def looks_like_unquoted_iso(text: str | None) -> bool:
    """`PT3H`, `P5D`, `R3/PT1H`, `2025-06-02T09:00`: written as Camunda takes them, not as an expression."""
    return bool(_UNQUOTED.match((text or "").strip()))


def unquoted_message(site: Site) -> str:
    text = (site.text or "").strip()
    return (f"{site.label} {text} must be in quotes: write \"{text}\" (a timer here is an expression; "
            f"it accepts {ACCEPTED})")


def check_timer(site: Site, names: list[str], values_of: Samples) -> str | None:
    """The first way the timer fails on the sample days and answers, as a message; None when it never does."""
    choices = []
    for name in names:
        values = values_of(name)
        if not values:
            return None  # a name whose values cannot be guessed: the names rule speaks for it
        choices.append(values)
    for combination in islice(product(*choices), MAX_COMBINATIONS):
        data = {n: v for n, v in zip(names, combination) if v is not UNSET}
        for now in SAMPLE_TIMES:
            failure = _try(site, data, now)
            if failure:
                return _with_when(failure, _when(site, now, names, combination))
    return None


def _try(site: Site, data: dict[str, Any], now: datetime) -> str | None:
    with using_clock(MovableClock(now)):
        try:
            result = evaluate(site.text or "", data)
        except ExpressionError as exc:
            return (f"{site.label} fails: {exc.reason}; the case would wait at this step for good. Check that "
                    f"what it reads holds what its functions need (a date from a date field, days as a number)")
    return _spiff_refuses(site.kind, result, now)


def _spiff_refuses(kind: str, result: Any, now: datetime) -> str | None:
    """What SpiffWorkflow would make of the result (timer.py), as a message; None when it takes it."""
    given = f"{kind} gives {shown(result)}"
    if not isinstance(result, str):
        return f"timer {given}, which is not text: a timer must give {ACCEPTED}"
    try:
        if kind == "timeDuration":
            parsed = TimerEventDefinition.parse_iso_duration(result)
            now + TimerEventDefinition.get_timedelta_from_start(dict(parsed), now)
        elif kind == "timeCycle":
            TimerEventDefinition.parse_iso_recurring_interval(result)
        elif not isinstance(TimerEventDefinition.parse_time_or_duration(result), datetime):
            return (f"timer {given}, which is a duration, not a date and time: put a duration in a "
                    f"timeDuration, or give {ACCEPTED_DATES}")
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises plain exceptions for a bad timer text
        return f"timer {given}, which {_what_is_wrong(kind, result)}{ELSEWHERE[kind]}"
    return None


def _what_is_wrong(kind: str, result: str) -> str:
    if kind == "timeDuration":
        hint = (' (working days are not a duration: use a timeDate with working_days(5, …))'
                if "W" in result.upper() and "D" in result.upper() else "")
        return f'is not an ISO 8601 duration{hint}: write a quoted duration like "P5D" (5 days) or "PT3H" (3 hours)'
    if kind == "timeCycle":
        return 'is not an ISO 8601 cycle: write one like "R3/PT1H" (3 times, an hour apart)'
    return f"is not a date and time: a timeDate must give {ACCEPTED_DATES}"


def _with_when(failure: str, when: str) -> str:
    """The sample goes right after what failed: "… fails: X (when …); the case would …"."""
    head, sep, tail = failure.partition("; ")
    return f"{head}{when}{sep}{tail}"


def _when(site: Site, now: datetime, names: list[str], combination: tuple) -> str:
    """The sample that failed: the day (if the timer reads the clock) and the answers it read."""
    answers = [f"{n} is {shown(v)}" for n, v in zip(names, combination) if n not in ENGINE_SAMPLES]
    tree = parse(site.text)
    reads_clock = tree is not None and any(called(n, *CLOCK_FUNCTIONS) for n in ast.walk(tree))
    parts = ([f"it is {now:%A %Y-%m-%d %H:%M}"] if reads_clock else []) + answers
    return f" (when {' and '.join(parts)})" if parts else ""
