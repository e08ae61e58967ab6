"""Elapsed working time: the clock time between two moments with weekends and England and Wales bank
holidays taken out, in days of 24 hours.

Friday 09:00 to Monday 09:00 is one working day; a case that waits over Christmas is not charged for
the bank holidays. Days are Europe/London days, so a clock change does not move a day's boundary.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from ..calendar import is_working_day
from ..clock import LONDON

DAY_SECONDS = 86400.0


def working_days_between(start: datetime, end: datetime) -> float:
    """Working time from `start` to `end` in (24-hour) working days; 0 if `end` is not after `start`."""
    if end <= start:
        return 0.0
    seconds = 0.0
    day = _local_day(start)
    while _midnight(day) < end:
        if is_working_day(day):
            opens, closes = max(start, _midnight(day)), min(end, _midnight(day + timedelta(days=1)))
            seconds += max(0.0, (_utc(closes) - _utc(opens)).total_seconds())
        day += timedelta(days=1)
    return seconds / DAY_SECONDS


def add_working_days(start: datetime, days: float) -> datetime:
    """The moment `days` working days after `start` (fractions allowed; non-working days are skipped)."""
    if days < 0:
        raise ValueError("a duration cannot be negative")
    left = days * DAY_SECONDS
    moment = _utc(start)
    day = _local_day(start)
    while True:
        next_midnight = _utc(_midnight(day + timedelta(days=1)))
        if is_working_day(day):
            room = (next_midnight - moment).total_seconds()
            if left <= room:
                return moment + timedelta(seconds=left)
            left -= room
        moment, day = next_midnight, day + timedelta(days=1)


def _local_day(when: datetime) -> date:
    return when.astimezone(LONDON).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LONDON)


def _utc(when: datetime) -> datetime:
    # Aware datetimes that share a tzinfo subtract as wall-clock times; UTC makes clock changes count.
    return when.astimezone(timezone.utc)
