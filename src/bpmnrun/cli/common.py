"""What every `bpmnrun` command shares: the database context, turning service errors into one clear line,
and reading FIELD=VALUE pairs."""

from __future__ import annotations

import functools
import json
import sys

import click

from ..service.errors import InvalidInput, ServiceError
from ..service.runtime import Runtime
from ..store.database import Database

DEFAULT_LIBRARY = "bpmn"


class Context:
    def __init__(self, url: str | None) -> None:
        self.url = url
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(Database(self.url))
        return self._runtime


def friendly(command):
    """Service errors become one clear line on stderr and a non-zero exit: never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            for field, reason in exc.errors.items():
                click.echo(f"error: {field}: {reason}", err=True)
            sys.exit(1)
        except ServiceError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def as_actor(f):
    return click.option("--as", "actor", required=True, metavar="USER", help="who is doing this")(f)


def field_pairs(pairs) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: expected FIELD=VALUE", param_hint="--data")
        values[key.strip()] = value
    return values


def json_object(handle) -> dict:
    try:
        data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--json-data") from None
    if not isinstance(data, dict):
        raise click.BadParameter("expected a JSON object of field values", param_hint="--json-data")
    return data
