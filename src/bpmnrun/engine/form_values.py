"""A submitted answer as the type its field stores, and the checks a single answer must pass.

Web forms and the command line send strings; the API may send typed JSON. Each failure is a ValueError whose
text is what the caseworker reads (form_messages words it, unless the diagram gives its own).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Mapping

from . import form_messages as say

if TYPE_CHECKING:
    from .forms import Field

TRUE_WORDS = {"true", "yes", "y", "on", "1"}
FALSE_WORDS = {"false", "no", "n", "off", "0", ""}


def coerce(f: Field, raw: Any) -> Any:
    if f.type == "long":
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(say.not_a_number(f)) from None
    if f.type == "boolean":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValueError(say.not_yes_or_no(f))
    if f.type == "date":
        return _date(f, raw)
    if f.type == "enum":
        if not f.multiple:
            if isinstance(raw, (list, tuple)):
                raise ValueError(say.more_than_one(f))
            return _option_id(f, raw)
        return [_option_id(f, v) for v in _choices(f, raw)]
    return str(raw).strip()


def coerce_or_raw(f: Field, raw: Any) -> Any:
    try:
        return coerce(f, raw)
    except ValueError:
        return raw


def _choices(f: Field, raw: Any) -> list[Any]:
    """Ticked options: a list, or one option (an option label may hold a comma), or a comma list."""
    if isinstance(raw, (list, tuple)):
        return list(raw)
    text = str(raw).strip()
    if any(text in (o.id, o.label) for o in f.options):
        return [text]
    return [part.strip() for part in text.split(",") if part.strip()]


def _date(f: Field, raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        raise ValueError(say.not_a_date(f)) from None


def _option_id(f: Field, value: Any) -> str:
    text = str(value).strip()
    for option in f.options:
        if text in (option.id, option.label):
            return option.id
    raise ValueError(f.message("enum", say.not_an_option(f)))


def check_value(f: Field, value: Any) -> None:
    if f.per_child and isinstance(value, Mapping):
        names = {c.id: c.label for c in f.children}
        for child, answer in value.items():
            try:
                _check_one(f, answer)
            except ValueError as exc:
                raise ValueError(f"{exc} (for {names.get(child, child)})") from None
        return
    _check_one(f, value)


def _check_one(f: Field, value: Any) -> None:
    c = f.constraints
    if "pattern" in c and c["pattern"] and not re.fullmatch(c["pattern"], str(value)):
        raise ValueError(f.message("pattern", say.bad_format(f)))
    if "refuse" in c and c["refuse"] and (value == c["refuse"] or (f.multiple and c["refuse"] in value)):
        raise ValueError(f.message("refuse", say.refused_option(f, f.option_label(c["refuse"]))))
    if "minlength" in c and len(str(value)) < int(c["minlength"]):
        raise ValueError(say.too_short(f, c["minlength"]))
    if "maxlength" in c and len(str(value)) > int(c["maxlength"]):
        raise ValueError(say.too_long(f, c["maxlength"]))
    if "min" in c and f.type == "long" and value < int(c["min"]):
        raise ValueError(say.too_small(f, c["min"]))
    if "max" in c and f.type == "long" and value > int(c["max"]):
        raise ValueError(say.too_large(f, c["max"]))
