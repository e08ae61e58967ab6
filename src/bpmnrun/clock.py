"""The injected clock: every "now" in bpmnrun comes from here, so tests move time instead of sleeping."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Iterator, Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class MovableClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _aware(when)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=LONDON)
    return when.astimezone(timezone.utc)


_current: ContextVar[Clock] = ContextVar("bpmnrun_clock", default=SystemClock())


def current_clock() -> Clock:
    return _current.get()


def now() -> datetime:
    return _current.get().now()


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    """Make `clock` the current one for the code inside the block (this thread/context only)."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)
