"""Caseworker text reads as instructions, not as a modeller's notes (a warning, never an error).

Documentation, form labels, hints, option names and end-event names are shown to caseworkers. Step ids of
the process catalogue (L1.4, Y5.2, S-AUTH, G1, E3), form ids (F1…F8), section signs, source file numbers,
variable ids and words such as "assumption" or "alias" belong in a modelling note: a `bpmn:textAnnotation`
starting "Modelling note:" (not checked here), shown to process owners only. `camunda:properties` `source`
and `activity` are not caseworker text either.
"""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from .files import NS
from .problems import WARNING, Problem

MARKERS = [
    ("step id", re.compile(r"\b(?:[LYC][1-9]\d?(?:\.\d+)*|S-[A-Z]{2,}|[GEP]\d{1,2})\b")),
    ("form id", re.compile(r"\bF[1-8]\b")),
    ("section sign", re.compile(r"§")),
    ("file number", re.compile(r"(?<![\w.])00[0-4](?!\d)")),
    ("word", re.compile(r"\b(?:assumptions?|reconstruct\w*|coined|placeholders?|alias(?:es)?|catalogue"
                        r"|not described)\b", re.I)),
]
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
SHOWN = 4


def diagram_ids(tree: etree._Element) -> set[str]:
    """The snake_case field and variable ids a diagram uses (and the processes it is or calls)."""
    camunda = f"{{{NS['camunda']}}}"
    ids = {f.get("id") for f in tree.iterfind(".//camunda:formField", NS)}
    ids |= {p.get("name") for p in tree.iterfind(".//camunda:inputParameter", NS)}
    ids |= {p.get("name") for p in tree.iterfind(".//camunda:outputParameter", NS)}
    for tag in ("in", "out"):
        for m in tree.iterfind(f".//camunda:{tag}", NS):
            ids |= {m.get("source"), m.get("target")}
    for loop in tree.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
        ids |= {loop.get(f"{camunda}collection"), loop.get(f"{camunda}elementVariable")}
    ids |= {p.get("value") for p in tree.iterfind(".//camunda:formField/camunda:properties/camunda:property", NS)
            if (p.get("id") or p.get("name")) == "row_of"}
    ids |= {p.get("id") for p in tree.iterfind("bpmn:process", NS)}
    ids |= {c.get("calledElement") for c in tree.iterfind(".//bpmn:callActivity", NS)}
    return {i for i in ids if i and "_" in i}


def _texts(tree: etree._Element) -> Iterator[tuple[str, str, int, str]]:
    """(what, text, line, element id) for each piece of caseworker text."""
    for doc in tree.iterfind(".//bpmn:documentation", NS):
        owner = doc.getparent()
        if etree.QName(owner).localname != "textAnnotation":
            yield "documentation", doc.text or "", doc.sourceline or 0, owner.get("id") or "-"
    for field in tree.iterfind(".//camunda:formField", NS):
        fid = field.get("id") or "-"
        yield f"label of field {fid!r}", field.get("label") or "", field.sourceline or 0, fid
        for prop in field.iterfind("camunda:properties/camunda:property", NS):
            if (prop.get("id") or prop.get("name")) == "hint":
                yield f"hint of field {fid!r}", prop.get("value") or "", prop.sourceline or 0, fid
        for option in field.iterfind("camunda:value", NS):
            yield f"name of option {option.get('id')!r}", option.get("name") or "", option.sourceline or 0, fid
    for end in tree.iterfind(".//bpmn:endEvent", NS):
        yield "end event name", end.get("name") or "", end.sourceline or 0, end.get("id") or "-"


def markers(text: str, ids: set[str]) -> list[str]:
    found: list[str] = []
    for what, pattern in MARKERS:
        for match in pattern.finditer(text):
            shown = match.group(0) if what != "section sign" else "§"
            entry = f"{what} {shown!r}" if what != "word" else f"the word {shown.lower()!r}"
            if entry not in found:
                found.append(entry)
    found += [f"the id {name!r}" for name in dict.fromkeys(SNAKE.findall(text)) if name in ids]
    return found


def text_warnings(path: str, tree: etree._Element) -> list[Problem]:
    ids = diagram_ids(tree)
    problems = []
    for what, text, line, element_id in _texts(tree):
        found = markers(text, ids)
        if found:
            listed = ", ".join(found[:SHOWN]) + (", …" if len(found) > SHOWN else "")
            problems.append(Problem(
                path, line, element_id,
                f"{what} reads like a modelling note ({listed}): caseworkers read it, so keep it to plain "
                f"instructions and move sources, step ids and remarks into a text annotation starting "
                f"\"Modelling note:\"", WARNING))
    return problems
