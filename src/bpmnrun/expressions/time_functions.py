"""The date and time functions diagrams may call in expressions (see bpmn/README.md).

Dates travel through case data as ISO strings ("YYYY-MM-DD"), date-times as ISO strings with an
offset: that is what forms submit, what JSON stores, and what SpiffWorkflow's timers parse.
"""

from __future__ import annotations

import calendar as _month_calendar
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from .. import calendar, clock

DateLike = str | date | datetime


def _parse(value: DateLike) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    if value is None or value == "":
        raise ValueError("no date was given (the field it comes from was left empty)")
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def _day(value: DateLike | None) -> date:
    if value is None:
        return clock.now().astimezone(clock.LONDON).date()
    parsed = _parse(value)
    if isinstance(parsed, datetime):
        return parsed.astimezone(clock.LONDON).date() if parsed.tzinfo else parsed.date()
    return parsed


def _same_kind(original: DateLike, moved: date | datetime) -> DateLike:
    if isinstance(original, str):
        return moved.isoformat()
    return moved


def _shift_months(value: date | datetime, months: int) -> date | datetime:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_calendar.monthrange(year, month + 1)[1]
    return value.replace(year=year, month=month + 1, day=min(value.day, last))


def today() -> str:
    return _day(None).isoformat()


def now() -> str:
    return clock.now().astimezone(clock.LONDON).isoformat()


def add_days(value: DateLike, n: int) -> DateLike:
    return _same_kind(value, _parse(value) + timedelta(days=n))


def add_months(value: DateLike, n: int) -> DateLike:
    return _same_kind(value, _shift_months(_parse(value), n))


def add_years(value: DateLike, n: int) -> DateLike:
    return add_months(value, 12 * n)


MAX_WORKING_DAYS = 1000


def working_days(n: int, start: DateLike | None = None) -> str:
    if not 0 <= int(n) <= MAX_WORKING_DAYS:
        raise ValueError(f"working_days takes 0 to {MAX_WORKING_DAYS} days")
    return calendar.end_of_day(calendar.add_working_days(_day(start), int(n))).isoformat()


def start_of_day(value: DateLike) -> str:
    return calendar.start_of_day(_day(value)).isoformat()


def weekly(weekday: str, at: str) -> str:
    return calendar.next_weekly(clock.now(), weekday, at).isoformat()


def duty_window(weekdays: Iterable[str], start: str, end: str) -> str:
    return calendar.duty_window(clock.now(), weekdays, start, end)[0].isoformat()


def duty_window_end(weekdays: Iterable[str], start: str, end: str) -> str:
    return calendar.duty_window(clock.now(), weekdays, start, end)[1].isoformat()


def is_working_day(value: DateLike) -> bool:
    return calendar.is_working_day(_day(value))


FUNCTIONS: dict[str, Any] = {
    f.__name__: f
    for f in (today, now, add_days, add_months, add_years, working_days, start_of_day, weekly,
              duty_window, duty_window_end, is_working_day)
}
