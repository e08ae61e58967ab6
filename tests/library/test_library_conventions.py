"""Scenario 22 of the process catalogue, over every diagram of the library: what caseworkers read is plain
instructions (the modelling notes hold the rest, as text annotations with DI), no form asks who or when or
"done", lanes are spelt one way, and every EH Decision on Significant Information is authorised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from bpmnrun.engine.forms import Form
from bpmnrun.library.bundles import load_bundles, parse_sources
from bpmnrun.library.files import NS
from bpmnrun.library.validation import Checker

LIBRARY = Path(__file__).parents[2] / "bpmn"
FILES = sorted(LIBRARY.rglob("*.bpmn"))
MECHANICS = {"completed", "completed by", "screen by", "checked and completed by", "details of person making contact",
             "date/time of request", "send immediately?"}
NOTE_WORDS = re.compile(r"\b(assumption|reconstruction|coined|placeholder|catalogue)\b|§|\b00[0-4]\b"
                        r"|\b[LY]\d(\.\d+)?\b|\bC1\.|\bS-[A-Z]+\b|\bF\d\b", re.I)
DECISION = "EH Decision on Significant Information"


def _tree(path: Path):
    return etree.parse(str(path)).getroot()


def _caseworker_texts(tree) -> list[tuple[str, str]]:
    """(element id, text) of everything a caseworker reads: documentation, field labels, hints, option names,
    end-event names."""
    found = [(d.getparent().get("id"), d.text or "") for d in tree.iter(f"{{{NS['bpmn']}}}documentation")]
    for field in tree.iter(f"{{{NS['camunda']}}}formField"):
        found.append((field.get("id"), field.get("label") or ""))
        found += [(field.get("id"), p.get("value") or "") for p in field.iterfind("camunda:properties/camunda:property", NS)
                  if p.get("id") == "hint"]
        found += [(field.get("id"), o.get("name") or "") for o in field.iterfind("camunda:value", NS)]
    found += [(e.get("id"), e.get("name") or "") for e in tree.iter(f"{{{NS['bpmn']}}}endEvent")]
    return found


def _field_ids(tree) -> set[str]:
    return {f.get("id") for f in tree.iter(f"{{{NS['camunda']}}}formField") if "_" in (f.get("id") or "")}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_caseworker_text_is_plain_instructions(path):
    tree = _tree(path)
    ids = _field_ids(tree)
    found = [(element, text) for element, text in _caseworker_texts(tree)
             if NOTE_WORDS.search(text) or any(re.search(rf"\b{re.escape(i)}\b", text) for i in ids)]
    assert found == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_modelling_notes_are_text_annotations_joined_to_their_element_and_drawn(path):
    tree = _tree(path)
    notes = {a.get("id"): (a.findtext("bpmn:text", namespaces=NS) or "") for a in tree.iter(f"{{{NS['bpmn']}}}textAnnotation")}
    assert notes, "every diagram of the library keeps its sources and readings in modelling notes"
    assert all(text.startswith("Modelling note:") for text in notes.values())
    joined = {a.get("targetRef") for a in tree.iter(f"{{{NS['bpmn']}}}association")}
    drawn = {s.get("bpmnElement") for s in tree.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    drawn |= {e.get("bpmnElement") for e in tree.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert set(notes) <= joined and set(notes) <= drawn
    assert {a.get("id") for a in tree.iter(f"{{{NS['bpmn']}}}association")} <= drawn


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_form_asks_who_or_when_or_done(path):
    labels = [(f.get("id"), (f.get("label") or "").strip().lower()) for f in _tree(path).iter(f"{{{NS['camunda']}}}formField")]
    assert [(i, label) for i, label in labels if label in MECHANICS] == []


def test_the_library_has_no_warning_and_no_error():
    report = Checker().report([LIBRARY])
    assert [str(p) for p in report.problems] == []


def test_lanes_are_spelt_one_way_across_the_library():
    names = {lane.get("name") for path in FILES for lane in _tree(path).iter(f"{{{NS['bpmn']}}}lane")}
    by_key: dict[str, set[str]] = {}
    for name in names:
        by_key.setdefault(re.sub(r"\s+", " ", name.strip().lower()), set()).add(name)
    assert [spellings for spellings in by_key.values() if len(spellings) > 1] == []


@pytest.mark.parametrize("path", [p for p in FILES if DECISION in p.read_text(encoding="utf-8")], ids=lambda p: p.stem)
def test_every_decision_on_significant_information_is_authorised_on_every_path(path):
    """After each EH Decision on Significant Information, every path meets the authorisation (the S-AUTH call, or
    L6's inline CS Manager: Please review and authorise) before it ends."""
    tree = _tree(path)
    for process in tree.iterfind("bpmn:process", NS):
        flows = {}
        for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
            flows.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        nodes = {el.get("id"): el for el in process.iter() if el.get("id")}
        for task in process.iter(f"{{{NS['bpmn']}}}userTask"):
            if task.get("name") == DECISION:
                assert _all_paths_authorised(task.get("id"), flows, nodes), (path.name, task.get("id"))


def _authorises(element) -> bool:
    local = etree.QName(element).localname
    return (local == "callActivity" and element.get("calledElement") == "lincs_manager_authorisation") or \
        (local == "userTask" and "review and authorise" in (element.get("name") or ""))


def _a_parallel_branch_authorises(element, flows: dict, nodes: dict) -> bool:
    if etree.QName(element).localname != "parallelGateway" or len(flows.get(element.get("id"), [])) < 2:
        return False
    return any(_authorises(nodes[branch]) for branch in flows[element.get("id")])


def _all_paths_authorised(start: str, flows: dict, nodes: dict) -> bool:
    """No path from `start` reaches an end event without passing an authorisation first. Branches of a parallel
    split all run: one branch's authorisation covers them all."""
    stack, seen = list(flows.get(start, [])), set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        element = nodes[node]
        if _authorises(element) or _a_parallel_branch_authorises(element, flows, nodes):
            continue
        if etree.QName(element).localname == "endEvent":
            return False
        stack.extend(flows.get(node, []))
    return True


ACTION_WORDS = re.compile(r"\b(select|enter|tick|choose|upload|record|say|find|add)\b", re.I)


def _library_fields():
    for pid, bundle in load_bundles([LIBRARY]).items():
        for spec in parse_sources(pid, bundle.sources()).spec.task_specs.values():
            if getattr(spec, "form", None) is not None:
                yield from ((pid, spec.bpmn_id, f) for f in Form.from_spec(spec.form).fields)


def test_a_field_left_empty_says_what_to_do_in_its_own_terms():
    """Issue 11: "Select the service requested", never "Service Requested is required" or "Please select service
    in Radio field" (the case system's words are kept where they say what to do, e.g. "Please tick to approve
    request")."""
    messages = {(pid, task, f.id): f.missing_message() for pid, task, f in _library_fields()
                if ("required" in f.constraints or "required_if" in f.constraints) and not f.readonly}
    assert len(messages) > 100
    assert {k: m for k, m in messages.items() if not ACTION_WORDS.search(m)} == {}
    assert {k: m for k, m in messages.items() if re.search(r"is required|radio field|^please select$|‘", m, re.I)} == {}
