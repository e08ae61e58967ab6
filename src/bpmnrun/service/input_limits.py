"""Limits on what users send, checked before the database sees any of it.

A text is refused when it is longer than the column it goes to (the lengths are read from the tables in
store/models.py, the one place they are written), or when it holds a character no text may hold: NUL, which
PostgreSQL refuses in text, or half of a surrogate pair, which is not a character at all and which no database
encoding can store. JSON from a client (the API's bodies, the CLI's --json-data) may nest only so deep, its
numbers must be finite and its whole numbers within what any JSON client holds exactly. Every front end calls
these, so the API, the web forms and the CLI refuse the same input with the same words, naming the field and
the limit.
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterator, Mapping

from ..store.models import Case, ProcessVersion, Subject, Task, TaskTeam, User
from .errors import InvalidInput, ServiceError


def column_length(attribute: Any) -> int:
    """The length of a String column, e.g. column_length(Case.family_name) == 300."""
    return attribute.property.columns[0].type.length


FAMILY_NAME = column_length(Case.family_name)
CHILD_NAME = column_length(Subject.name)
USERNAME = column_length(User.username)
DISPLAY_NAME = column_length(User.display_name)
PROCESS_ID = column_length(ProcessVersion.process_id)
TEAM = column_length(TaskTeam.team)
TASK_ID = column_length(Task.id)
CURSOR = column_length(TaskTeam.sort_key)  # a list's `next`: a task's inbox place

MAX_JSON_DEPTH = 32  # a task's answers nest four deep (data, field, child, options); 32 is room to spare
MAX_JSON_INT = 2**53 - 1  # numbers within the whole numbers a JavaScript client (and many others) hold exactly
MAX_ANSWERS_BYTES = 64 * 1024  # a task's saved answers (a draft), as JSON


class InputTooLarge(InvalidInput):
    """What was sent is over a size limit (HTTP 413): `errors` names the field and the limit."""

    status = 413


def text_problem(value: str, limit: int | None = None) -> str | None:
    """Why `value` cannot be stored as text (a reason to follow the field's name), or None."""
    if "\x00" in value:
        return "must not contain a NUL character (\\u0000)"
    if _has_lone_surrogate(value):
        return "must not contain half of a surrogate pair (\\ud800 to \\udfff on its own): it is not a character"
    if limit is not None and len(value) > limit:
        return f"must be {limit} characters or less"
    return None


def check_text(field: str, value: str, limit: int | None = None) -> str:
    """`value`, or InvalidInput naming `field` and why it cannot be stored."""
    problem = text_problem(value, limit)
    if problem:
        raise InvalidInput({field: problem}, "what was sent cannot be stored")
    return value


def check_values(values: Mapping[str, Any], where: str = "", numbers: bool = True) -> None:
    """Every text in `values` (keys too, at any depth) can be stored, and (unless `numbers` is false: the caller
    checks them against narrower ranges) every number is finite and within ±MAX_JSON_INT; InvalidInput names each
    field that fails."""
    errors: dict[str, str] = {}
    for path, value in _leaves(values, where, 1):
        problem = _value_problem(value) if numbers or isinstance(value, str) else None
        if problem:
            errors.setdefault(path, problem)
    if errors:
        raise InvalidInput(errors, "what was sent cannot be stored")


def parse_json(raw: bytes | str, what: str = "the request body") -> Any:
    """JSON text as Python values, with no NaN or Infinity, nested at most MAX_JSON_DEPTH deep; ServiceError
    (400) saying what is wrong. Texts and numbers are checked by check_values, which names the field."""
    try:
        parsed = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotANumber as exc:
        raise ServiceError(f"{what} holds {exc.args[0]}, which is not a number JSON allows") from None
    except RecursionError:
        raise _too_deep(what) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ServiceError(f"{what} is not valid JSON: {exc}") from None
    if _depth_over(parsed, MAX_JSON_DEPTH):
        raise _too_deep(what)
    return parsed


def answers_size(values: Mapping[str, Any]) -> int:
    """The size of saved answers as stored (JSON, UTF-8)."""
    return len(json.dumps(values, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass"))


# --- the checks -------------------------------------------------------------------------------------------

class _NotANumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotANumber(name)


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 parses as infinity
        raise _NotANumber(text)
    return number


def _too_deep(what: str) -> ServiceError:
    return ServiceError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep, the most bpmnrun reads")


def _depth_over(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _leaves(value: Any, path: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > MAX_JSON_DEPTH:
        raise _too_deep(path or "the value")
    if isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{_printable(key)}" if path else _printable(key)
            yield inner, key
            yield from _leaves(item, inner, depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]", depth + 1)
    else:
        yield path, value


def _value_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a number (not NaN or Infinity)"
    if isinstance(value, (int, float)) and abs(value) > MAX_JSON_INT:
        return f"must be a number between -{MAX_JSON_INT} and {MAX_JSON_INT}"
    return None


def _printable(key: Any) -> str:
    """A key as it can be shown in a message or on a terminal, whatever it holds."""
    return str(key).replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
