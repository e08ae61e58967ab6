"""Answers in words a caseworker reads: the form's own labels and option names, children and people by name,
Yes/No, dates in full ("3 June 2025") and times in England's local time. Used wherever recorded answers are
shown: the case history and a task's "what has been recorded so far"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterator, Mapping

from ..clock import LONDON

DATE_FORMAT = "%-d %B %Y"
DATETIME_FORMAT = "%-d %B %Y %H:%M"


def answers(data: Mapping[str, Any], fields: Mapping[str, dict], people: Mapping[str, str] | None = None
            ) -> Iterator[tuple[str, str]]:
    """(label, readable value) per answer; each row of a repeatable table on a line of its own."""
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for row in value:
                yield words(key), "; ".join(f"{label(k, fields)}: {value_text(v, fields.get(k), people)}"
                                            for k, v in row.items())
            continue
        yield label(key, fields), value_text(value, fields.get(key), people)


def label(key: str, fields: Mapping[str, dict]) -> str:
    return (fields.get(key) or {}).get("label") or words(key)


def value_text(value: Any, field: dict | None, people: Mapping[str, str] | None = None) -> str:
    """One answer in words, by its field: option names, a child's name per child, a person's name."""
    field = field or {}
    if field.get("per_child") and isinstance(value, Mapping):
        names = {c["id"]: c["label"] for c in field.get("children", [])}
        return "; ".join(f"{names.get(str(child), child)}: {value_text(answer, {**field, 'per_child': False}, people)}"
                         for child, answer in value.items())
    if field.get("picked_teams") and isinstance(value, str):
        return (people or {}).get(value, value)
    options = {o["id"]: o["label"] for o in field.get("options", [])}
    if isinstance(value, list):
        return ", ".join(value_text(v, field, people) for v in value)
    if isinstance(value, str) and value in options:
        return options[value]
    return text(value)


def text(value: Any) -> str:
    """A stored value as a person writes it: Yes/No, dates in full, lists with commas."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, str):
        return date_text(value)
    return str(value)


def date_text(value: str) -> str:
    try:
        if len(value) == 10:
            return date.fromisoformat(value).strftime(DATE_FORMAT)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(LONDON).strftime(DATETIME_FORMAT)


def words(key: str) -> str:
    spaced = key.replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]
