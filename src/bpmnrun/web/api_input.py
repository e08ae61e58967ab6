"""Reading the API's input: a JSON object body and query parameters, with a 400 naming what is wrong.

The shape is checked here (JSON, an object, the right types), and the limits every value must keep before the
database sees it (service/input_limits: how big and how deep a body is, texts that can be stored, numbers JSON
allows; a 413 or 422 naming the field and the limit). What the values mean — a form's rules, whether a child is
in the family — is the service layer's to decide.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from ..service import input_limits

SCALARS = (str, int, float, bool, type(None))
# Ids are 32-bit integer columns: a larger number cannot name anything, and the database would refuse it.
MAX_ID = 2**31 - 1
# How far a list may be paged: no list is longer, and SQLite and PostgreSQL refuse an OFFSET beyond 64 bits.
MAX_OFFSET = 2**31 - 1
# A body holds a task's answers (at most 64 kB saved) with room for JSON's escapes; the app reads no more.
MAX_BODY_BYTES = 512 * 1024


def json_body(allowed: set[str], required: set[str] = frozenset(), optional_body: bool = False) -> dict[str, Any]:
    """The request's JSON object, with no key outside `allowed` and every key of `required`, every text in it
    one that can be stored and every number one JSON allows."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _too_large()
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    if not raw.strip():
        if optional_body and not required:
            return {}
        raise BadRequest("send a JSON object in the request body")
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON, with Content-Type: application/json")
    body = input_limits.parse_json(raw)
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}; expected {', '.join(sorted(allowed))}")
    missing = sorted(required - set(body))
    if missing:
        raise BadRequest(f"{missing[0]} is required")
    input_limits.check_values(body, numbers=False)  # ids have their own range (record_id); answers: object_field
    return body


def _too_large() -> RequestEntityTooLarge:
    return RequestEntityTooLarge(f"The request body must be at most {MAX_BODY_BYTES // 1024} kB")


def text(body: dict[str, Any], key: str, limit: int | None = None) -> str:
    """A string field, refused (422 naming it and the limit) when longer than the column it goes to."""
    value = body[key]
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return input_limits.check_text(key, value, limit)


def record_id(value: Any, name: str) -> int:
    # bool is an int in Python, but true is not a case number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be a whole number")
    if not 1 <= value <= MAX_ID:
        raise BadRequest(f"{name} must be between 1 and {MAX_ID}")
    return value


def iso_date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a date like 2015-06-14")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a real date like 2015-06-14, not {value!r}") from None


def object_field(body: dict[str, Any], key: str) -> dict[str, Any]:
    """A JSON object of answers, its numbers finite and within what JSON clients hold (422 naming the field)."""
    value = body.get(key, {})
    if not isinstance(value, dict):
        raise BadRequest(f"{key} must be a JSON object")
    input_limits.check_values(value, key)
    return value


def form_values(body: dict[str, Any]) -> dict[str, Any]:
    """`data`: form field id -> a value or a list of values (ticked options); nothing nested deeper."""
    values = object_field(body, "data")
    for field, value in values.items():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, SCALARS) for v in items):
            raise BadRequest(f"data.{field} must be a string, number, true/false, null or a list of those")
    return values


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:  # also a number of more than 4300 digits, which Python will not read
        raise BadRequest(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def text_arg(name: str, limit: int) -> str | None:
    """A text query parameter (None when absent or empty), at most `limit` characters: no longer one names
    anything."""
    raw = request.args.get(name) or None
    if raw is not None and len(raw) > limit:
        raise BadRequest(f"{name} must be {limit} characters or less")
    return raw


def flag_arg(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in ("", "0", "false"):
        return False
    if raw in ("1", "true"):
        return True
    raise BadRequest(f"{name} must be 1 or 0, not {raw!r}")
