"""Template filters: times are stored in UTC and shown in England's local time."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ..clock import LONDON


def local_datetime(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%-d %b %Y %H:%M") if value else ""


def local_date(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%-d %b %Y") if value else ""


def init_app(app: Flask) -> None:
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_date)
