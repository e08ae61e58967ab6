"""Working days and meeting slots, in England and Wales local time.

A working day is a weekday that is not an England and Wales bank holiday (the `holidays` package,
offline). "Within N working days of X" ends at the end of the N-th working day after the day of X,
the day of X not counted (process catalogue §3.7).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterable

import holidays

from .clock import LONDON

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
END_OF_DAY = time.max


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (n >= 0; n == 0 gives `day` itself)."""
    if n < 0:
        raise ValueError("a number of working days cannot be negative")
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, LONDON)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, LONDON)


def weekday_number(name: str) -> int:
    try:
        return WEEKDAYS.index(name.strip().lower())
    except ValueError:
        raise ValueError(f"not a weekday: {name!r}") from None


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


def next_weekly(after: datetime, weekday: str, at: str) -> datetime:
    """The next weekly meeting on `weekday` at `at` (local time) strictly after `after`. A meeting whose day is a
    bank holiday is held on the next working day, at the same time (Easter Monday's meeting on Tuesday)."""
    local = after.astimezone(LONDON)
    target, when = weekday_number(weekday), parse_hhmm(at)
    held = []
    for offset in range(-14, 15):  # a meeting moved past holidays may still be ahead of `after`
        day = local.date() + timedelta(days=offset)
        if day.weekday() != target:
            continue
        while not is_working_day(day):
            day += timedelta(days=1)
        moment = datetime.combine(day, when, LONDON)
        if moment > local:
            held.append(moment)
    return min(held)


def duty_window(after: datetime, weekdays: Iterable[str], start: str, end: str) -> tuple[datetime, datetime]:
    """The duty window containing `after`, else the next one; windows fall on working days only."""
    local = after.astimezone(LONDON)
    days = {weekday_number(d) for d in weekdays}
    if not days:
        raise ValueError("a duty window needs at least one weekday")
    opens, closes = parse_hhmm(start), parse_hhmm(end)
    day = local.date()
    for _ in range(400):
        if day.weekday() in days and is_working_day(day):
            window = datetime.combine(day, opens, LONDON), datetime.combine(day, closes, LONDON)
            if local < window[1]:
                return window
        day += timedelta(days=1)
    raise ValueError("no duty window within a year")
