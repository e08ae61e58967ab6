"""Template filters: times are stored in UTC and shown in England's local time.

Lists use the short month ("3 Jun 2025 09:00"); a case's page and its history the long one ("3 June 2025 09:00").
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from ..clock import LONDON
from ..service import inbox


def local_datetime(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%-d %b %Y %H:%M") if value else ""


def local_date(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%-d %b %Y") if value else ""


def long_datetime(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%-d %B %Y %H:%M") if value else ""


def long_date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def sentence(text: str) -> str:
    """The first letter a capital, the rest as written (Jinja's `capitalize` lowercases names: "josie smith")."""
    return text[:1].upper() + text[1:]


def task_count(value: int) -> str:
    """A list's count: exact up to the bound a list counts to, "more than 1,000" beyond it."""
    return f"more than {inbox.COUNT_BOUND:,}" if value > inbox.COUNT_BOUND else f"{value:,}"


def init_app(app: Flask) -> None:
    for f in (local_datetime, local_date, long_datetime, long_date, sentence, task_count):
        app.add_template_filter(f)
