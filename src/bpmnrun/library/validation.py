"""`bpmnrun check`: every problem in a set of diagrams, each as PATH:LINE: ELEMENT_ID: message.

Passes, each on what the previous ones left readable: XML well-formedness, the BPMN 2.0 XSD (shipped inside
SpiffWorkflow), bpmnrun's rules on each diagram (diagram_rules.py), bpmnrun's rules on expressions and the
data they read across steps and processes (expression_rules.py), lane spelling across the library, and
SpiffWorkflow's own parse. A broken file never raises: it yields problems. Errors refuse a deploy; warnings
are printed and deploy anyway.

What is compared with what: the checked files always with each other. The library (bpmn/) only resolves the
processes they call, unless a checked file is itself in the library: then the whole library is their peer
(lanes spelt one way, callers of a called-only process). A library file defining a process the checked set
defines is left out, never reported as a duplicate.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from .call_context import Analysis
from .diagram_rules import structure_problems
from .expression_rules import ExpressionRules
from .files import NS, DiagramFile, UnreadableDiagram, find_diagrams
from .graph import ProcessGraph, read_graph
from .lanes import lane_problems, lanes_of
from .parser import BpmnrunParser
from .problems import ERROR, WARNING, Problem
from .sites import element_id, sites_of

_schema: etree.XMLSchema | None = None
# The last few reports, by the content checked: `bpmnrun deploy` prints the check's warnings, then deploy()
# checks the same files again, and that second check costs nothing.
_REPORTS: OrderedDict[tuple, "Report"] = OrderedDict()
_REPORTS_LOCK = threading.Lock()


def _xsd() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        _schema = etree.XMLSchema(etree.parse(XSD_PATH))
    return _schema


@dataclass(frozen=True)
class Report:
    problems: tuple[Problem, ...]
    diagrams: int  # files checked (not the library files they were compared with)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def summary(self) -> str:
        files = f"{self.diagrams} diagram{'' if self.diagrams == 1 else 's'}"
        if not self.problems:
            return f"{files} ok"
        e, w = len(self.errors), len(self.warnings)
        return f"{files} checked: {e} error{'' if e == 1 else 's'}, {w} warning{'' if w == 1 else 's'}"


class Checker:
    def __init__(self, allow_scripts: bool = False) -> None:
        self.allow_scripts = allow_scripts

    def check(self, paths: Iterable[str | Path], library: Iterable[str | Path] = ()) -> list[Problem]:
        """The errors of the diagrams in `paths` (what refuses a deploy); warnings are in `report`."""
        return self.report(paths, library).errors

    def report(self, paths: Iterable[str | Path], library: Iterable[str | Path] = ()) -> Report:
        """Every problem of the diagrams in `paths`; call activities may also resolve into `library`."""
        targets = find_diagrams(paths)
        folders = [Path(p) for p in library if Path(p).exists()]
        library_files = [p for p in find_diagrams(folders)]
        key = (self.allow_scripts, _fingerprint(targets), _fingerprint(library_files), tuple(map(str, folders)))
        with _REPORTS_LOCK:
            known = _REPORTS.get(key)
        if known is not None:
            return known
        report = self._report(targets, library_files, folders)
        with _REPORTS_LOCK:
            _REPORTS[key] = report
            while len(_REPORTS) > 8:
                _REPORTS.popitem(last=False)
        return report

    def _report(self, targets: list[Path], library_files: list[Path], folders: list[Path]) -> Report:
        problems: list[Problem] = []
        readable = []
        for path in targets:
            diagram, found = read_diagram(str(path))
            problems.extend(found)
            if diagram is not None and None in diagram.process_ids:
                process = next(p for p in diagram.tree.iterfind("bpmn:process", NS) if p.get("id") is None)
                problems.append(Problem(diagram.path, process.sourceline or 0, "-",
                                        "an executable process has no id: give it the file's name as its id"))
            elif diagram is not None:
                readable.append(diagram)
        checked_paths = {str(Path(d.path).resolve()) for d in readable}
        defined = {pid for d in readable for pid in d.process_ids}
        library = [d for d in _library(library_files, checked_paths) if not set(d.process_ids) & defined]
        compared = _inside(targets, folders)
        peers = library if compared else _callees(readable, library)
        known = defined | {pid for d in library for pid in d.process_ids}
        for diagram in readable:
            problems.extend(structure_problems(diagram, known, self.allow_scripts))
        problems.extend(lane_problems([lane for d in readable for lane in lanes_of(d.path, d.tree)],
                                      [lane for d in peers for lane in lanes_of(d.path, d.tree)] if compared else []))
        problems.extend(_expression_problems(readable, peers, library, compared))
        if not any(p.is_error for p in problems):
            problems.extend(spiff_parse(readable, _callees(readable, library)))
        return Report(tuple(sorted(set(problems))), len(targets))


def _fingerprint(paths: list[Path]) -> tuple:
    found = []
    for path in paths:
        try:
            found.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        except OSError:
            found.append((str(path), None))
    return tuple(found)


def _library(paths: list[Path], checked: set[str]) -> list[DiagramFile]:
    found = []
    for path in paths:
        if str(path.resolve()) in checked:
            continue
        diagram, problems = read_diagram(str(path))
        if diagram is not None and not problems and None not in diagram.process_ids:
            found.append(diagram)
    return found


def _inside(targets: list[Path], folders: list[Path]) -> bool:
    """True when a checked file is part of the library (so the whole library is its peer)."""
    roots = [f.resolve() for f in folders]
    return any(root == t.resolve() or root in t.resolve().parents for t in targets for root in roots)


def _callees(diagrams: list[DiagramFile], library: list[DiagramFile]) -> list[DiagramFile]:
    """The library files defining what `diagrams` call, transitively: their bundles, nothing more."""
    by_process = {pid: d for d in library for pid in d.process_ids}
    wanted, found, queue = set(), [], list(diagrams)
    while queue:
        diagram = queue.pop()
        for pid in diagram.process_ids:
            for callee in diagram.called_elements(pid):
                if callee in by_process and callee not in wanted:
                    wanted.add(callee)
                    if by_process[callee] not in found:
                        found.append(by_process[callee])
                        queue.append(by_process[callee])
    return found


def _expression_problems(checked: list[DiagramFile], peers: list[DiagramFile], library: list[DiagramFile],
                         compared: bool) -> list[Problem]:
    """The data rules, for the processes of the checked files, with their peers and callees in sight."""
    problems: list[Problem] = []
    graphs: dict[str, ProcessGraph] = {}
    elements = {}
    for diagram in [*_callees(checked, library), *peers, *checked]:  # checked last: they win an id
        for pid in diagram.process_ids:
            try:
                graphs[pid] = read_graph(diagram, pid)
                elements[pid] = diagram.process(pid)
            except Exception as exc:  # noqa: BLE001 - a diagram this odd is reported, never raised
                problems.append(Problem(diagram.path, 0, pid, f"cannot be analysed: {type(exc).__name__}: {exc}"))
    own = {pid for d in checked for pid in d.process_ids if pid in graphs}
    analysis = Analysis(graphs, own | ({pid for d in peers for pid in d.process_ids} if compared else set()),
                        extra_names=_names_in(library))
    rules = ExpressionRules(analysis, own, problems.append, callers_complete=compared)
    for pid in sorted(own):
        try:
            rules.process(pid, sites_of(elements[pid]))
        except Exception as exc:  # noqa: BLE001 - a diagram bpmnrun cannot follow is reported, never raised
            problems.append(Problem(graphs[pid].path, elements[pid].sourceline or 0, pid,
                                    f"bpmnrun could not finish checking this process ({type(exc).__name__}: {exc}): "
                                    f"correct the problems above, and report this one if it stays"))
    return problems


def _names_in(diagrams: list[DiagramFile]) -> frozenset[str]:
    """Names the library's forms and mappings set: a called-only process out of its callers' sight may read them."""
    names: set[str] = set()
    for diagram in diagrams:
        for field in diagram.tree.iterfind(".//camunda:formField", NS):
            rows = [p.get("value") for p in field.iterfind("camunda:properties/camunda:property", NS)
                    if (p.get("id") or p.get("name")) == "row_of"]
            names.add(rows[0] if rows else field.get("id"))
        for tag in ("in", "out"):
            names |= {m.get("target") for m in diagram.tree.iterfind(f".//camunda:{tag}", NS)}
        names |= {p.get("name") for p in diagram.tree.iterfind(".//camunda:outputParameter", NS)}
    return frozenset(n for n in names if n)


def read_diagram(path: str) -> tuple[DiagramFile | None, list[Problem]]:
    """Parse and schema-validate one file; never raises for a bad file."""
    try:
        xml = Path(path).read_bytes()
    except OSError as exc:
        return None, [Problem(path, 0, "-", f"cannot read file: {exc.strerror}")]
    try:
        diagram = DiagramFile.parse(path, xml)
    except UnreadableDiagram as exc:  # its reason says why: not well-formed, or a DOCTYPE
        return None, [Problem(path, exc.line, "-", exc.reason)]
    schema = _xsd()
    if schema.validate(etree.ElementTree(diagram.tree)):
        return diagram, []
    problems = []
    for error in schema.error_log:
        element = _element_at_line(diagram.tree, error.line)
        problems.append(Problem(path, error.line, element_id(element), f"BPMN schema: {error.message}"))
    return None, problems


def _element_at_line(tree, line: int):
    for el in tree.iter():
        if el.sourceline == line:
            return el
    return None


def spiff_parse(diagrams: list[DiagramFile], extra: Iterable[DiagramFile] = ()) -> list[Problem]:
    """What SpiffWorkflow itself refuses, located by line (its exceptions carry none)."""
    parser = BpmnrunParser()
    by_process: dict[str, DiagramFile] = {}
    for diagram in [*diagrams, *extra]:
        try:
            parser.add_bpmn_xml(etree.fromstring(diagram.xml), filename=diagram.path)
        except ValidationException as exc:
            return [_from_spiff(diagram, exc)]
        for pid in diagram.process_ids:
            by_process[pid] = diagram
    problems = []
    for diagram in diagrams:
        for pid in diagram.process_ids:
            try:
                parser.get_spec(pid)
                parser.get_subprocess_specs(pid)
            except ValidationException as exc:
                problems.append(_from_spiff(by_process.get(pid, diagram), exc))
            except Exception as exc:  # SpiffWorkflow raises plain errors for some broken models
                problems.append(Problem(diagram.path, diagram.process(pid).sourceline or 0, pid,
                                        f"cannot be parsed: {type(exc).__name__}: {exc}"))
    return problems


def _from_spiff(diagram: DiagramFile, exc: ValidationException) -> Problem:
    element = getattr(exc, "id", None) or "-"
    line = getattr(exc, "line_number", None) or 0
    if element != "-" and not line:
        node = diagram.tree.find(f".//*[@id='{element}']")
        line = node.sourceline if node is not None else 0
    path = getattr(exc, "file_name", None) or diagram.path
    message = getattr(exc, "msg", None) or str(exc).splitlines()[0]
    return Problem(os.fspath(path), int(line), element, message.strip())
