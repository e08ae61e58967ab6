"""What every `bpmnrun` command shares: the database context, turning service errors into one clear line,
and reading FIELD=VALUE pairs."""

from __future__ import annotations

import functools
import getpass
import sys

import click

from ..library.files import UnreadableDiagram
from ..service import input_limits
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
    """Service errors, and a diagram that cannot be read, become one clear line on stderr and a non-zero exit:
    never a traceback."""

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
        except UnreadableDiagram as exc:  # a diagram read outside the check (compare --library, say)
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def as_actor(f):
    return click.option("--as", "actor", required=True, metavar="USER", help="who is doing this")(f)


def as_reader(f):
    """Who is reading a family's records here, for the family's access log (default: the command line's user)."""
    return click.option("--as", "reader", default=lambda: f"command line ({getpass.getuser()})",
                        show_default="command line (your login)", metavar="USER",
                        help="who is reading, for the family's access log")(f)


def field_pairs(pairs) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: expected FIELD=VALUE", param_hint="--data")
        values[key.strip()] = value
    return values


def json_object(handle) -> dict:
    # Read as the API reads a body: no NaN or Infinity, nested no deeper than any form's answers.
    try:
        data = input_limits.parse_json(handle.read(), "the file")
    except ServiceError as exc:
        raise click.BadParameter(str(exc), param_hint="--json-data") from None
    if not isinstance(data, dict):
        raise click.BadParameter("expected a JSON object of field values", param_hint="--json-data")
    return data
