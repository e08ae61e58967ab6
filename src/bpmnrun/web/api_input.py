"""Reading the API's input: a JSON object body and query parameters, with a 400 naming what is wrong.

Only the shape is checked here (JSON, an object, the right types); what the values mean — a form's
rules, whether a child is in the family — is the service layer's to decide.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

SCALARS = (str, int, float, bool, type(None))
# Ids are 32-bit integer columns: a larger number cannot name anything, and the database would refuse it.
MAX_ID = 2**31 - 1


def json_body(allowed: set[str], required: set[str] = frozenset(), optional_body: bool = False) -> dict[str, Any]:
    """The request's JSON object, with no key outside `allowed` and every key of `required`."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional_body and not required:
            return {}
        raise BadRequest("send a JSON object in the request body")
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON, with Content-Type: application/json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}; expected {', '.join(sorted(allowed))}")
    missing = sorted(required - set(body))
    if missing:
        raise BadRequest(f"{missing[0]} is required")
    return body


def text(body: dict[str, Any], key: str) -> str:
    value = body[key]
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return value


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
    value = body.get(key, {})
    if not isinstance(value, dict):
        raise BadRequest(f"{key} must be a JSON object")
    return value


def form_values(body: dict[str, Any]) -> dict[str, Any]:
    """`data`: form field id -> a value or a list of values (ticked options); nothing nested deeper."""
    values = object_field(body, "data")
    for field, value in values.items():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, SCALARS) for v in items):
            raise BadRequest(f"data.{field} must be a string, number, true/false, null or a list of those")
    return values


def int_arg(name: str, default: int | None, low: int = 0, high: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise BadRequest(f"{name} must be between {low} and {high}" if high is not None
                         else f"{name} must be at least {low}")
    return value


def flag_arg(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in ("", "0", "false"):
        return False
    if raw in ("1", "true"):
        return True
    raise BadRequest(f"{name} must be 1 or 0, not {raw!r}")
