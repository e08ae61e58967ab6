"""Names a diagram gives data, and the processes it calls, are names an expression and the engine can use.

A field id is the variable its answer is stored in: `joint visit date` can never be read by a condition, and
`subjects` or `done_by` would overwrite the engine's own keys. A call activity names a process by id; a typo
there deploys nothing useful.
"""

from __future__ import annotations

import difflib
import keyword
import re

from .data_flow import ENGINE_KEYS
from .expression_reads import FUNCTION_NAMES
from .problems import ERROR, WARNING

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def snake_case(text: str) -> str:
    """`Joint visit date` → `joint_visit_date`: what to write instead."""
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text))
    name = "_".join(w.lower() for w in words)
    return name if name and not name[0].isdigit() else f"field_{name}"


def data_name_problem(name: str, what: str, *, field: bool = False) -> tuple[str, str] | None:
    """(severity, message) when `name` cannot serve as a data name; what = "form field id", "camunda:in target", …"""
    if not SNAKE_CASE.match(name) or keyword.iskeyword(name):
        return ERROR, (f"{what} {name!r} is not a name an expression can read: write it in snake_case "
                       f"(lower-case words joined by _), e.g. {snake_case(name)}")
    if field and name in ENGINE_KEYS:
        return ERROR, (f"{what} {name!r} is one of the engine's own keys ({', '.join(sorted(ENGINE_KEYS))}): "
                       f"a form never sets it; choose another id")
    if field and name in FUNCTION_NAMES:
        return WARNING, (f"{what} {name!r} is also the name of the function {name}(): an expression reading "
                         f"{name} gets the function, never this answer; choose another id")
    return None


def called_process_problem(called: str | None, known: set[str]) -> str | None:
    if not called:
        return "call activity names no calledElement"
    if called in known:
        return None
    close = difflib.get_close_matches(called, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ": deploy that process, or correct the calledElement"
    return f"call activity calls process {called!r}, which is not in the library{hint}"
