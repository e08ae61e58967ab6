"""A bounded fuzz run of the JSON API from its own OpenAPI document.

Schemathesis reads /api/v1/openapi.json and generates requests for every operation, valid and invalid (wrong
types, values beyond the limits the document gives, odd characters), and sends them to the Flask app
in-process (WSGI) with a signed-in caseworker's token. Path ids and the ids in a body are sometimes swapped for
real ones (the Smith family, a piece of work, its open task, a deployed procedure), so the requests reach the
service layer and the database, not only the 404s; and one value of a body, query or path is sometimes swapped
for one of the kinds that once made the API fail (NUL, half a surrogate pair, a text longer than any column,
NaN, Infinity, integers beyond 64 bits, JSON nested too deep). No answer may be a 5xx, and every answer must be
one the document lists for its operation, in the shape and content type it gives.

Every request is checked and the run goes on after a failure, so that the figure counts them all; the test
fails at its end, listing the first failures with their requests.

The suite's run is small: BPMNRUN_FUZZ_EXAMPLES (default 12) examples per operation and generation mode, about
220 requests in all (an operation without input has fewer). A full run of about 10,000 requests:

    BPMNRUN_FUZZ_EXAMPLES=560 .venv/bin/python -m pytest -q -s tests/web/test_api_fuzz.py

prints how many requests were sent, by status, and how many failed.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from bpmnrun.service import cases, instances, users
from tests.support import SMITH_CHILDREN, only_task, subject_ids
from tests.web.conftest import MEETING, REQUEST

EXAMPLES = int(os.environ.get("BPMNRUN_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SHOWN = 10  # failures listed when the run fails


@dataclass
class Tally:
    """What the run sent and what came back."""

    headers: dict[str, str]
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        by_status = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (f"fuzz: {self.sent} requests ({by_status}); {self.server_errors} answered 5xx; "
                f"{len(self.failures)} failed a check")


@dataclass(frozen=True)
class RealIds:
    case_id: int
    instance_id: int
    task_id: str
    process_ids: tuple[str, ...] = (REQUEST, MEETING)


@pytest.fixture
def tally(rt, diagrams):
    found = Tally({"Authorization": f"Bearer {users.issue_token(rt, 'sam')}"})
    yield found
    print("\n" + found.summary())
    if found.failures:
        shown = "\n\n".join(found.failures[:SHOWN])
        pytest.fail(f"{found.summary()}\n\n{shown}", pytrace=False)


@pytest.fixture
def api_schema(app, rt, diagrams):
    family = cases.create_case(rt, "Smith", SMITH_CHILDREN, "sam")  # sam's own: sam may start work on it
    work = instances.start_work(rt, REQUEST, family.id, "sam", subject_ids(family, "Josie", "Joy"))
    real = RealIds(family.id, work, only_task(rt, work).id)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    _with_real_ids(schema, real)
    _with_hostile_values(schema)
    return schema


def _with_real_ids(schema, real: RealIds) -> None:
    """Generated ids, or sometimes the real ones: a request for a task that exists goes further in."""

    @schema.hook
    def flatmap_path_parameters(context, parameters):
        if not isinstance(parameters, dict):
            return st.just(parameters)
        swapped = dict(parameters)
        for name, value in (("task_id", real.task_id), ("case_id", real.case_id),
                            ("instance_id", real.instance_id)):
            if name in swapped:
                swapped[name] = value
        return st.sampled_from([parameters, swapped])

    @schema.hook
    def flatmap_body(context, body):
        if not isinstance(body, dict) or context.operation.path != "/api/v1/instances":
            return st.just(body)
        return st.sampled_from(real.process_ids).map(
            lambda process_id: {**body, "process_id": process_id, "case_id": real.case_id}) | st.just(body)


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


# Values that once made the API answer 500, one of which may stand in for any value sent. An address takes
# only texts it can carry (a URL cannot hold half a surrogate pair); a JSON body takes them all.
IN_ADDRESS = ("A\x00B", "x" * 400, "9223372036854775808", "-9223372036854775809", "NaN", "1e999", "")
IN_BODY = (*IN_ADDRESS, "\ud800", "a\udfffb", "x" * 5000, math.nan, math.inf, -math.inf, 2**63, -(2**64),
           _nested(100))


def _with_hostile_values(schema) -> None:
    @schema.hook
    def flatmap_path_parameters(context, parameters):
        # Not an empty one: /tasks//claim is another address (werkzeug reads it as /tasks/claim).
        return _one_swapped(parameters, tuple(value for value in IN_ADDRESS if value))

    @schema.hook
    def flatmap_query(context, query):
        return _one_swapped(query, IN_ADDRESS)

    @schema.hook
    def flatmap_body(context, body):
        return _one_swapped(body, IN_BODY)


def _one_swapped(value, hostile: tuple):
    """The value as generated, or with one of its leaves (or a new key of one of its objects) hostile."""
    places = list(_places(value, ()))
    if not places:
        return st.just(value)
    return st.just(value) | st.tuples(st.sampled_from(places), st.sampled_from(hostile)).map(
        lambda chosen: _swapped(value, *chosen))


def _places(value, path: tuple):
    """Where a value can go: each leaf, and (as path + (None,)) a new key of each object."""
    if isinstance(value, dict):
        yield path + (None,)
        for key, item in value.items():
            yield from _places(item, path + (key,))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _places(item, path + (index,))
    elif path:
        yield path


def _swapped(value, path: tuple, hostile):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head is None:  # a new key, named by the hostile value when it is a text
        return {**value, (hostile if isinstance(hostile, str) else "extra"): hostile}
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _swapped(value[head], rest, hostile) if rest else hostile
    return copy


@schemathesis.serializer("application/json")
def _json_as_python_writes_it(context, value) -> bytes:
    """A body as schemathesis writes JSON, but with NaN and Infinity as Python writes them (requests refuses
    to), as a careless client sends them."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_no_request_makes_the_api_fail(api_schema, tally):
    """Each operation in turn, with data that fits its schema and with data that does not."""
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:
            _fuzz(operation, mode, tally)


def _fuzz(operation, mode: GenerationMode, tally: Tally) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(case=operation.as_strategy(mode))
    def send(case) -> None:
        response = case.call(headers=tally.headers)
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:
            tally.failures.append(f"{case.method} {case.formatted_path} {case.query or ''} body={case.body!r:.300}"
                                  f"\n  -> {response.status_code} {response.text[:300]}\n  {exc.exceptions[0]}")

    try:
        send()
    except Unsatisfiable:
        pass  # an operation without input has no invalid form of it
