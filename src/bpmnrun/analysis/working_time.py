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


def add_office_time(start: datetime, days: float, opens: time, closes: time) -> datetime:
    """The moment `days` working days of work after `start`, the work done in office hours only.

    Work begun outside office hours begins at the next opening. Whole days land at the same time of
    day on a later working day (so a 1-day task still measures 1 working day); a fraction of a day is
    that share of the office hours, running on into the next working day's if today's are too few.
    """
    if days < 0:
        raise ValueError("a duration cannot be negative")
    moment = _next_office_moment(start, opens, closes)
    whole, fraction = divmod(days, 1.0)
    for _ in range(int(whole)):
        local = moment.astimezone(LONDON)
        moment = datetime.combine(_next_working_day(local.date()), local.time(), LONDON)
    left = fraction * _office_seconds(opens, closes)
    while True:
        local = moment.astimezone(LONDON)
        room = (_utc(datetime.combine(local.date(), closes, LONDON)) - _utc(moment)).total_seconds()
        if left <= room:
            return _utc(moment) + timedelta(seconds=left)
        left -= max(room, 0.0)
        moment = datetime.combine(_next_working_day(local.date()), opens, LONDON)


def _office_seconds(opens: time, closes: time) -> float:
    return (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).total_seconds()


def _next_office_moment(when: datetime, opens: time, closes: time) -> datetime:
    local = when.astimezone(LONDON)
    day = local.date()
    if is_working_day(day) and local.time() < closes:
        return max(local, datetime.combine(day, opens, LONDON))
    return datetime.combine(_next_working_day(day), opens, LONDON)


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _local_day(when: datetime) -> date:
    return when.astimezone(LONDON).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, LONDON)


def _utc(when: datetime) -> datetime:
    # Aware datetimes that share a tzinfo subtract as wall-clock times; UTC makes clock changes count.
    return when.astimezone(timezone.utc)
