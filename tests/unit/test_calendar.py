"""Working days, weekly meetings, duty windows and calendar arithmetic, with "now" set by a MovableClock."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bpmnrun import calendar
from bpmnrun.clock import LONDON, MovableClock, SystemClock, current_clock, using_clock
from bpmnrun.expressions import evaluate
from bpmnrun.expressions.time_functions import (
    add_days, add_months, add_years, duty_window, duty_window_end, is_working_day, now, start_of_day, today,
    weekly, working_days,
)

DUTY_DAYS = ["Tuesday", "Wednesday", "Thursday"]


def at(*args: int) -> MovableClock:
    """A clock standing at a Europe/London wall time."""
    return MovableClock(datetime(*args, tzinfo=LONDON))


# --- working days (process catalogue §3.7) ------------------------------------------------------------

@pytest.mark.parametrize("n, start, expected", [
    # Easter 2025: Good Friday 18 Apr and Easter Monday 21 Apr are bank holidays
    (5, "2025-04-17", "2025-04-28T23:59:59.999999+01:00"),
    # Christmas 2025: 25 and 26 Dec are bank holidays
    (5, "2025-12-19", "2025-12-30T23:59:59.999999+00:00"),
    (1, "2025-12-24", "2025-12-29T23:59:59.999999+00:00"),
    (1, "2025-04-17", "2025-04-22T23:59:59.999999+01:00"),
    (1, "2025-05-02", "2025-05-06T23:59:59.999999+01:00"),  # Early May bank holiday, Mon 5 May
    (1, "2025-03-28", "2025-03-31T23:59:59.999999+01:00"),  # over the clocks going forward (30 Mar)
    (0, "2025-04-18", "2025-04-18T23:59:59.999999+01:00"),  # n == 0: the day itself, even a holiday
    (1, "2026-12-24", "2026-12-29T23:59:59.999999+00:00"),  # 2026: Boxing Day substituted to Mon 28 Dec
    # a date-time counts from its Europe/London day: 23:30 UTC on 17 Apr is already Good Friday in London
    (1, "2025-04-17T23:30:00+00:00", "2025-04-22T23:59:59.999999+01:00"),
    (1, "2025-04-17T22:30:00+00:00", "2025-04-22T23:59:59.999999+01:00"),
    (1, "2025-04-16T22:59:59+00:00", "2025-04-17T23:59:59.999999+01:00"),
])
def test_working_days_from_a_date(n, start, expected):
    assert working_days(n, start) == expected


def test_working_days_from_now_does_not_count_today():
    with using_clock(at(2025, 12, 24, 10, 0)):  # Wed 24 Dec 2025
        assert working_days(1) == "2025-12-29T23:59:59.999999+00:00"  # Mon 29 Dec
        assert evaluate("working_days(1)", {}) == "2025-12-29T23:59:59.999999+00:00"


def test_working_days_ends_at_the_last_microsecond_of_the_day_in_london():
    end = datetime.fromisoformat(working_days(5, "2025-04-17"))
    assert end == datetime(2025, 4, 28, 23, 59, 59, 999999, tzinfo=LONDON)
    assert end.weekday() == 0  # Monday
    assert end.utcoffset().total_seconds() == 3600  # BST


def test_working_days_accepts_dates_and_datetimes():
    assert working_days(5, date(2025, 4, 17)) == "2025-04-28T23:59:59.999999+01:00"
    assert working_days(5, datetime(2025, 4, 17, 9, 0, tzinfo=LONDON)) == "2025-04-28T23:59:59.999999+01:00"


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError):
        working_days(-1, "2025-04-17")


@pytest.mark.parametrize("day, expected", [
    ("2025-04-17", True), ("2025-04-18", False), ("2025-04-19", False), ("2025-04-20", False),
    ("2025-04-21", False), ("2025-04-22", True), ("2025-12-25", False), ("2025-12-26", False),
    ("2025-08-25", False), ("2026-12-28", False), ("2025-12-29", True),
])
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected
    assert calendar.is_working_day(date.fromisoformat(day)) is expected


# --- weekly meetings ------------------------------------------------------------------------------

@pytest.mark.parametrize("clock, weekday, hhmm, expected", [
    (at(2025, 4, 17, 12, 0), "Tuesday", "10:00", "2025-04-22T10:00:00+01:00"),   # Thu → Tue, BST
    (at(2025, 4, 22, 9, 59), "Tuesday", "10:00", "2025-04-22T10:00:00+01:00"),   # same day, earlier
    (at(2025, 4, 22, 10, 0), "Tuesday", "10:00", "2025-04-29T10:00:00+01:00"),   # strictly after now
    (at(2025, 10, 23, 9, 0), "tuesday", "10:00", "2025-10-28T10:00:00+00:00"),   # over the clocks going back
    (at(2025, 12, 22, 9, 0), "Thursday", "14:30", "2025-12-29T14:30:00+00:00"),  # Christmas, Boxing Day: Monday
    (at(2025, 4, 21, 11, 0), "Monday", "10:00", "2025-04-22T10:00:00+01:00"),    # Easter Monday's meeting, Tuesday
    (at(2025, 4, 22, 10, 0), "Monday", "10:00", "2025-04-28T10:00:00+01:00"),    # once held, the next Monday
])
def test_weekly(clock, weekday, hhmm, expected):
    with using_clock(clock):
        assert weekly(weekday, hhmm) == expected


def test_weekly_refuses_a_day_that_is_not_a_weekday():
    with using_clock(at(2025, 4, 17, 12, 0)), pytest.raises(ValueError, match="not a weekday"):
        weekly("Funday", "10:00")


# --- duty windows ---------------------------------------------------------------------------------

@pytest.mark.parametrize("clock, start, end", [
    # Fri 5 Sep 2025 14:00 → next Tuesday's window
    (at(2025, 9, 5, 14, 0), "2025-09-09T09:00:00+01:00", "2025-09-09T12:00:00+01:00"),
    # Wed 24 Dec 2025 13:00, after that day's window; Thu 25 is Christmas Day → Tue 30 Dec
    (at(2025, 12, 24, 13, 0), "2025-12-30T09:00:00+00:00", "2025-12-30T12:00:00+00:00"),
    # inside a window: that window
    (at(2025, 9, 9, 10, 30), "2025-09-09T09:00:00+01:00", "2025-09-09T12:00:00+01:00"),
    (at(2025, 9, 9, 9, 0), "2025-09-09T09:00:00+01:00", "2025-09-09T12:00:00+01:00"),
    # before a window on a duty day: that day's window
    (at(2025, 9, 9, 7, 0), "2025-09-09T09:00:00+01:00", "2025-09-09T12:00:00+01:00"),
    # at the very end of a window: the next one
    (at(2025, 9, 9, 12, 0), "2025-09-10T09:00:00+01:00", "2025-09-10T12:00:00+01:00"),
    # Thu 17 Apr 2025 13:00: Tue 22 Apr (Easter Monday is not a duty day anyway)
    (at(2025, 4, 17, 13, 0), "2025-04-22T09:00:00+01:00", "2025-04-22T12:00:00+01:00"),
])
def test_duty_window(clock, start, end):
    with using_clock(clock):
        assert duty_window(DUTY_DAYS, "09:00", "12:00") == start
        assert duty_window_end(DUTY_DAYS, "09:00", "12:00") == end
        assert evaluate('duty_window(["Tuesday", "Wednesday", "Thursday"], "09:00", "12:00")', {}) == start


def test_duty_window_skips_a_bank_holiday_on_a_duty_day():
    with using_clock(at(2025, 5, 2, 12, 0)):  # Fri before the Early May bank holiday (Mon 5 May)
        assert duty_window(["Monday"], "09:00", "12:00") == "2025-05-12T09:00:00+01:00"


def test_duty_window_needs_a_weekday():
    with using_clock(at(2025, 9, 5, 14, 0)), pytest.raises(ValueError):
        duty_window([], "09:00", "12:00")


# --- calendar arithmetic --------------------------------------------------------------------------

@pytest.mark.parametrize("call, expected", [
    (lambda: add_months("2025-03-10", 3), "2025-06-10"),
    (lambda: add_months("2025-01-31", 1), "2025-02-28"),
    (lambda: add_months("2024-01-31", 1), "2024-02-29"),
    (lambda: add_months("2025-03-31", -1), "2025-02-28"),
    (lambda: add_months("2025-11-15", 2), "2026-01-15"),
    (lambda: add_months("2025-01-15", -1), "2024-12-15"),
    (lambda: add_years("2024-02-29", 1), "2025-02-28"),
    (lambda: add_years("2024-02-29", 4), "2028-02-29"),
    (lambda: add_years("2024-02-29", -1), "2023-02-28"),
    (lambda: add_years("2025-06-14", 18), "2043-06-14"),
    (lambda: add_days("2025-04-17", 10), "2025-04-27"),
    (lambda: add_days("2025-03-01", -1), "2025-02-28"),
    (lambda: add_months("2025-01-31T09:00:00+00:00", 1), "2025-02-28T09:00:00+00:00"),
    (lambda: add_months(date(2025, 1, 31), 1), date(2025, 2, 28)),
    (lambda: start_of_day("2025-04-17"), "2025-04-17T00:00:00+01:00"),
    (lambda: start_of_day("2025-01-17"), "2025-01-17T00:00:00+00:00"),
    (lambda: start_of_day("2025-04-17T23:30:00+00:00"), "2025-04-18T00:00:00+01:00"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_calendar_arithmetic_keeps_the_kind_of_its_argument(call, expected):
    assert call() == expected


def test_not_a_date_is_refused():
    with pytest.raises(ValueError):
        add_days("", 1)
    with pytest.raises(ValueError):
        add_months("17/04/2025", 1)


# --- the clock ------------------------------------------------------------------------------------

def test_today_and_now_are_london_time_from_the_injected_clock():
    with using_clock(MovableClock(datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc))):
        assert today() == "2025-07-01"
        assert now() == "2025-07-01T00:30:00+01:00"


def test_a_movable_clock_moves_only_when_told_and_using_clock_restores_the_previous_one():
    clock = at(2025, 4, 17, 9, 0)
    before = current_clock()
    with using_clock(clock):
        assert current_clock() is clock
        assert today() == "2025-04-17"
        clock.advance(days=1)
        assert today() == "2025-04-18"
        clock.set(datetime(2025, 12, 24, 10, 0))  # naive: Europe/London
        assert now() == "2025-12-24T10:00:00+00:00"
        assert clock.now().tzinfo is timezone.utc
    assert current_clock() is before
    assert isinstance(before, SystemClock)
