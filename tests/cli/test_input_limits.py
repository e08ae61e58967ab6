"""The `bpmnrun` command refuses hostile input as the web app does, with one clear line and never a traceback:
a diagram declaring a DOCTYPE or an external entity (check, deploy, impact, compare), names longer than their
column, and --json-data the API would refuse."""

from __future__ import annotations

import functools
import re

import pytest

from bpmnrun.service import input_limits
from tests.support import DIAGRAMS

GATEWAY = DIAGRAMS / "test_gateway.bpmn"
REFUSED = "a diagram must not declare a DOCTYPE or entities"
DECLARATIONS = {
    "internal entity": b'<!DOCTYPE d [<!ENTITY e "x">]>\n',
    # Read, it would put the machine's password file into a task's name.
    "external entity": b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n',
    "billion laughs": b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n',
}


@pytest.fixture
def bpmnrun(bpmnrun):
    """Here every command is expected to be refused: the Result, whatever the exit code."""
    return functools.partial(bpmnrun, ok=False)


@pytest.fixture(params=sorted(DECLARATIONS))
def declared(request, tmp_path):
    """test_gateway with a DOCTYPE after its XML declaration, and the entity used in a task's name."""
    xml = GATEWAY.read_bytes()
    declaration_ends = xml.index(b"?>") + 2
    xml = xml[:declaration_ends] + b"\n" + DECLARATIONS[request.param] + xml[declaration_ends:].lstrip()
    entity = b"&e;" if b"ENTITY e" in DECLARATIONS[request.param] else b"&b;"
    xml = re.sub(rb'(<bpmn:userTask id="[^"]+" name=")', rb"\1" + entity, xml, count=1)
    path = tmp_path / "test_gateway.bpmn"
    path.write_bytes(xml)
    return path


def _one_line_saying(result, reason: str, exit_code: int = 1) -> str:
    """The one line of the output that gives the reason (a check's count of problems may follow it)."""
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    saying = [line for line in result.output.splitlines() if reason in line]
    assert len(saying) == 1, result.output
    return saying[0]


@pytest.mark.parametrize("command", [("check",), ("deploy",), ("impact",), ("deploy", "--dry-run")])
def test_a_diagram_with_a_doctype_is_refused_in_one_line(bpmnrun, declared, command):
    result = bpmnrun(*command, declared)
    assert _one_line_saying(result, REFUSED) == f"{declared}:2: -: {REFUSED}"
    if command == ("deploy",):
        assert bpmnrun("catalogue", "--json").output.strip() == "[]"  # nothing deployed


def test_comparing_a_diagram_with_a_doctype_is_refused_in_one_line(bpmnrun, declared):
    result = bpmnrun("compare", "--library", declared, "test_gateway", "test_gateway")
    assert _one_line_saying(result, REFUSED) == f"error: {declared}:2: -: {REFUSED}"


def test_a_diagram_that_is_not_xml_is_refused_in_one_line_when_compared(bpmnrun, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(GATEWAY.read_bytes().replace(b"</bpmn:definitions>", b""))
    result = bpmnrun("compare", "--library", broken, "test_gateway", "test_gateway")
    assert _one_line_saying(result, "not well-formed XML").startswith(f"error: {broken}:")


@pytest.mark.parametrize("family, child, says", [
    ("S" * (input_limits.FAMILY_NAME + 1), "Ada Smith", f"error: family_name: must be {input_limits.FAMILY_NAME}"
                                                        " characters or less"),
    ("Smith", "A" * (input_limits.CHILD_NAME + 1) + ":2015-06-14",
     f"error: children[0].name: must be {input_limits.CHILD_NAME} characters or less"),
    # A name that is not UTF-8 on the command line arrives as half a surrogate pair (Python's surrogateescape).
    ("Sm\udcffith", "Ada Smith", "error: family_name: must not contain half of a surrogate pair"),
])
def test_case_add_refuses_names_that_cannot_be_stored_in_one_line(bpmnrun, family, child, says):
    result = bpmnrun("case", "add", "--family", family, "--child", child)
    assert _one_line_saying(result, "error:").startswith(says)
    assert result.stdout == ""  # no family was added


@pytest.mark.parametrize("sent, says", [
    ('{"note": NaN}', "NaN, which is not a number JSON allows"),
    ('{"note": 1e999}', "1e999, which is not a number JSON allows"),
    ('{"note": ' + "[" * 1000 + "]" * 1000 + "}", "nested more than 32 levels deep"),
])
def test_json_data_the_api_would_refuse_is_refused_in_one_line(bpmnrun, tmp_path, sent, says):
    values = tmp_path / "values.json"
    values.write_text(sent)
    result = bpmnrun("complete", "00000000-0000-0000-0000-000000000000", "--as", "sam", "--json-data", values)
    assert "--json-data" in _one_line_saying(result, says, exit_code=2)
