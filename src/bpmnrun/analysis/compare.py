"""Structural comparison of process variants: activities aligned by vocabulary, figures, paths and differences.

Where the variants come from: what is DEPLOYED (`from_deployed`, the newest version of each process with the
sub-process versions it pins), so the CLI and the web page compare what caseworkers actually run — `bpmnrun
deploy` first. `from_library` reads diagram files instead (`bpmnrun compare --library bpmn/`), for a process
owner checking an edit before deploying it.

A variant is its own diagram and the sub-processes it calls, as far as its paths reach into them (paths.py,
structure.py); the figures count what some path reaches. tests/analysis/test_compare.py holds the figures of
the step-down variants counted by hand from the diagrams.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from lxml import etree

from ..library.bundles import load_bundles
from ..library.files import NS
from ..service.catalogue import deployed_sources
from ..service.errors import InvalidInput, NotFound
from ..service.runtime import Runtime
from .diagrams import Diagrams, read_diagrams
from .explorer import enumerate_paths
from .paths import Path as ProcessPath
from .paths import PATHS_NOTE, PathSet
from .structure import VOCABULARY, VariantStructure, read_structure

# The step-down variants of the issue: Lincolnshire internal LP with and without Early Help, external LP
# (with Early Help, and without: L4 with its L5), York single assessment and CiN/CP, Authority C.
STEP_DOWN_SET = (
    "lincs_step_out_internal_lp_existing_eh", "lincs_step_out_internal_lp_no_eh",
    "lincs_step_out_external_lp_eh_involved", "lincs_step_out_external_lp_no_eh",
    "york_step_down_single_assessment", "york_step_down_cin_cp", "authc_step_down_sc_to_eh",
)


@dataclass
class Variant:
    structure: VariantStructure = field(repr=False)
    paths: PathSet = field(repr=False)
    xml: bytes = field(repr=False)  # the top-level diagram, for its SVG
    version: int | None = None

    def __repr__(self) -> str:
        return f"<Variant {self.label} ({self.process_id}) v{self.version}>"

    @property
    def process_id(self) -> str:
        return self.structure.process_id

    @property
    def label(self) -> str:
        return self.structure.label


def build_variant(diagrams: Diagrams, process_id: str, xml: bytes, version: int | None = None) -> Variant:
    paths = enumerate_paths(diagrams, process_id)
    return Variant(read_structure(diagrams, process_id, paths), paths, xml, version)


def from_deployed(rt: Runtime, process_ids: Sequence[str]) -> "Comparison":
    """Raises NotFound naming the first process that is not deployed.

    A variant is built once per set of deployed diagrams (its paths take seconds to enumerate) and reused until
    a deploy changes the process or a process it calls.
    """
    variants = []
    for pid in _checked(process_ids):
        deployed = deployed_sources(rt, pid)
        variants.append(_deployed_variant(pid, deployed.version, deployed.sources))
    return Comparison(variants)


# Variants built from deployed diagrams, by (process, version, hash of every source it reads): newest last.
_BUILT: OrderedDict[tuple[str, int, str], Variant] = OrderedDict()
_BUILT_MAX = 64


def _deployed_variant(process_id: str, version: int, sources: dict[str, bytes]) -> Variant:
    key = (process_id, version, _sources_key(sources))
    if key not in _BUILT:
        _BUILT[key] = build_variant(read_diagrams(sources), process_id, sources[process_id], version)
        while len(_BUILT) > _BUILT_MAX:
            _BUILT.popitem(last=False)
    return _BUILT[key]


def _sources_key(sources: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name] + b"\0")
    return digest.hexdigest()


def from_library(paths: Iterable[str | Path], process_ids: Sequence[str]) -> "Comparison":
    bundles = load_bundles(paths)
    variants = []
    for pid in _checked(process_ids):
        if pid not in bundles:
            raise NotFound(f"no process {pid!r} in the diagrams read")
        sources = bundles[pid].sources()
        variants.append(build_variant(read_diagrams(sources), pid, sources[pid]))
    return Comparison(variants)


def _checked(process_ids: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(p.strip() for p in process_ids if p.strip()))
    if len(wanted) < 2:
        raise InvalidInput({"process": "Choose at least two processes to compare"})
    return wanted


@dataclass
class Comparison:
    variants: list[Variant]

    def activities(self) -> list[str]:
        """The vocabulary's terms any variant uses, in the vocabulary's order; unknown terms last."""
        used = {a for v in self.variants for a in v.structure.activities()}
        return [a for a in VOCABULARY if a in used] + sorted(used - set(VOCABULARY))

    def cells(self, activity: str) -> list[list[str]]:
        """Per variant, "start (…)" and the tasks doing `activity` as "name (lane)"; empty where it is absent."""
        return [v.structure.cell(activity) for v in self.variants]

    def absent_elsewhere(self, variant: Variant) -> set[str]:
        """Activities of `variant` that more than half of the other variants compared lack.

        With two variants: absent from the other. With many, an activity one other variant happens to lack
        is not highlighted, or most tasks would be: only what sets this variant apart is.
        """
        others = [v.structure.activities() for v in self.variants if v is not variant]
        return {a for a in variant.structure.activities()
                if 2 * sum(a not in theirs for theirs in others) > len(others)}

    def highlight_meaning(self) -> str:
        """What a highlighted task means, for the key under the diagrams."""
        others = len(self.variants) - 1
        if others <= 1:
            return "a task, or a call into a sub-process, doing an activity absent from the other variant"
        return (f"a task, or a call into a sub-process, doing an activity that more than half of the other "
                f"{others} variants compared lack")

    def highlight(self, variant: Variant) -> set[str]:
        """Element ids of `variant`'s own diagram doing an activity absent from another variant.

        A call activity is highlighted when a task of its sub-process (at any depth) is.
        """
        absent = self.absent_elsewhere(variant)
        ids = {t.id for t in variant.structure.reachable_tasks
               if t.process_id == variant.process_id and absent & set(t.activities)}
        for task in variant.structure.reachable_tasks:
            if task.process_id != variant.process_id and absent & set(task.activities) and task.within:
                ids.update(_call_ids(variant, task.within))
        return ids

    def to_json(self) -> dict:
        from .differences import differences

        return {
            "variants": [variant_json(v) for v in self.variants],
            "activities": [{"activity": a, "cells": {v.process_id: cell or None
                                                     for v, cell in zip(self.variants, self.cells(a))}}
                           for a in self.activities()],
            "differences": differences(self),
        }


def _call_ids(variant: Variant, call_name: str) -> set[str]:
    tree = etree.fromstring(variant.xml)
    process = tree.find(f"bpmn:process[@id='{variant.process_id}']", NS)
    return {c.get("id") for c in process.iterfind(".//bpmn:callActivity", NS)
            if (c.get("name") or c.get("id")).strip() == call_name}


def variant_json(v: Variant) -> dict:
    s = v.structure
    return {
        "process_id": s.process_id, "label": s.label, "title": s.title, "version": v.version,
        "user_tasks": [{"id": t.id, "process_id": t.process_id, "name": t.name, "lane": t.lane,
                        "activities": list(t.activities), "per_child": t.multi_instance, "within": t.within,
                        "reachable": t.reachable}
                       for t in s.tasks],
        "lanes": s.lanes,
        "decisions": [{"name": d.name, "process_id": d.process_id, "branches": list(d.branches),
                       "made_by": list(d.makers), "within": d.within} for d in s.decisions],
        "timers": [{"name": t.name, "kind": t.kind, "expression": t.expression, "limit": t.limit,
                    "on_task": t.on_task, "within": t.within} for t in s.timers],
        "authorisation_points": [{"name": t.name, "lane": t.lane, "may_be_self_authorised": t.self_authorisable,
                                  "within": t.within} for t in s.authorisations],
        "consent_gate": bool(s.consent_gates),
        "consent_gates": [{"decision": g.decision, "branch": g.branch, "end": g.end} for g in s.consent_gates],
        "decision_makers": s.decision_makers,
        "calls": s.calls,
        "at_start": [{"activity": m.activity, "text": m.text} for m in s.starts],
        "figures": figures_json(v),
        "paths": [path_json(p) for p in v.paths.paths],
        "paths_cut_by_loop_bound": v.paths.cut,
        "paths_truncated": v.paths.truncated,
        "paths_note": PATHS_NOTE,
    }


def figures_json(v: Variant) -> dict:
    s = v.structure
    return {"user_tasks": len(s.tasks), "reachable_user_tasks": len(s.reachable_tasks),
            "own_user_tasks": len(s.own_tasks), "lanes": len(s.lanes), "decisions": len(s.decisions),
            "timers": len(s.timers), "paths": len(v.paths.paths), **v.paths.figures()}


def path_json(p: ProcessPath) -> dict:
    return {
        "outcome": p.outcome, "ends": p.ends, "choices": p.choices,
        "steps": [{"name": s.name, "lane": s.lane, "activities": list(s.activities), "process_id": s.process_id,
                   "within": list(s.within), "per_child": s.multi_instance, "interrupted": s.interrupted}
                  for s in p.steps],
        "lanes": p.lanes(),
        "handoffs": [{"from": h.source.name, "from_lane": h.source_lane, "to": h.target.name,
                      "to_lane": h.target_lane} for h in p.handoffs()],
        "handoffs_if_authorised_by_line_manager": len(p.handoffs(line_manager=True)),
        "timers": [{"name": t.name, "kind": t.kind, "expression": t.expression} for t in p.timers],
    }
