"""Structural comparison of process variants: activities aligned by vocabulary, figures, paths and differences.

Where the variants come from: what is DEPLOYED (`from_deployed`, the newest version of each process with the
sub-process versions it pins), so the CLI and the web page compare what caseworkers actually run — `bpmnrun
deploy` first. `from_library` reads diagram files instead (`bpmnrun compare --library bpmn/`), for a process
owner checking an edit before deploying it.

Against process-catalogue §9.5 (user tasks / lanes / hand-offs / timers on the main path), the library gives:
- L1 7/3/2/0, L2 (accepted, locality, visits cancelled) 5/4/4/0, L3 7/3/2/0, C1 full 11/6/6: as §9.5.
  C1 counts 2 timers by the duty rota (the duty-morning wait and the end-of-morning limit on Step Two,
  which §9.5 leaves out) and 1 with the Graft TM, who needs no wait.
- L4 + L5, assessment uploaded: 11 tasks, not 10 — L5 records the per-child 'Outcome from Assessment' as a
  task of its own; 8 when the assessment was already completed, as §9.5. Lanes 2, hand-offs 1 (S-AUTH sent
  to yourself). L4 has 10 paths: its 'any child proceeds?' test reads `s.get(...)` where L5's reads
  `s[...]`, which `conditions` takes as the same test after L5 decided it; when the assessment was already
  completed L5 decides nothing, so both branches stay (2 of the 10 no case takes: `paths.PATHS_NOTE`).
- Y2 → Y4 targeted 13 tasks (§9.5: 12), Y2 partner-led 7 (6), Y3 partner-led 7 (6): the model adds York's
  'Initiate Case Closure process' (Y5.0, an assumption). Y2 and Y3 partner-led have 0 hand-offs (§9.5: 1,
  "+queue"): the hand-off to the 'Partner led EHA' queue is an assignment in a form, not a lane change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from lxml import etree

from ..library.bundles import load_bundles
from ..library.files import NS
from ..service.catalogue import deployed_sources
from ..service.errors import InvalidInput, NotFound
from ..service.runtime import Runtime
from ..library.graph import ProcessGraph, read_graphs
from .paths import Path as ProcessPath
from .paths import PATHS_NOTE, PathSet, enumerate_paths
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
    structure: VariantStructure
    paths: PathSet
    xml: bytes  # the top-level diagram, for its SVG
    version: int | None = None

    @property
    def process_id(self) -> str:
        return self.structure.process_id

    @property
    def label(self) -> str:
        return self.structure.label


def build_variant(graphs: Mapping[str, ProcessGraph], process_id: str, xml: bytes,
                  version: int | None = None) -> Variant:
    paths = enumerate_paths(graphs, process_id)
    reached = None if paths.truncated else paths.visited
    return Variant(read_structure(graphs, process_id, reached), paths, xml, version)


def from_deployed(rt: Runtime, process_ids: Sequence[str]) -> "Comparison":
    """Raises NotFound naming the first process that is not deployed."""
    variants = []
    for pid in _checked(process_ids):
        deployed = deployed_sources(rt, pid)
        variants.append(build_variant(read_graphs(deployed.sources), pid, deployed.sources[pid], deployed.version))
    return Comparison(variants)


def from_library(paths: Iterable[str | Path], process_ids: Sequence[str]) -> "Comparison":
    bundles = load_bundles(paths)
    variants = []
    for pid in _checked(process_ids):
        if pid not in bundles:
            raise NotFound(f"no process {pid!r} in the diagrams read")
        sources = bundles[pid].sources()
        variants.append(build_variant(read_graphs(sources), pid, sources[pid]))
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
        ids = {t.id for t in variant.structure.tasks
               if t.process_id == variant.process_id and absent & set(t.activities)}
        for task in variant.structure.tasks:
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
                        "activities": list(t.activities), "per_child": t.multi_instance, "within": t.within}
                       for t in s.tasks],
        "lanes": s.lanes,
        "decisions": [{"name": d.name, "process_id": d.process_id, "branches": list(d.branches),
                       "within": d.within} for d in s.decisions],
        "timers": [{"name": t.name, "kind": t.kind, "expression": t.expression, "limit": t.limit,
                    "on_task": t.on_task, "within": t.within} for t in s.timers],
        "authorisation_points": [{"name": t.name, "lane": t.lane, "may_be_self_authorised": t.self_authorisable,
                                  "within": t.within} for t in s.authorisations],
        "consent_gate": bool(s.consent_gates),
        "consent_gates": [{"decision": g.decision, "branch": g.branch, "end": g.end} for g in s.consent_gates],
        "decision_makers": s.decision_makers,
        "calls": s.calls,
        "at_start": [{"activity": m.activity, "text": m.text} for m in s.starts],
        "paths": [path_json(p) for p in v.paths.paths],
        "paths_cut_by_loop_bound": v.paths.cut,
        "paths_truncated": v.paths.truncated,
        "figures": v.paths.figures(),
        "paths_note": PATHS_NOTE,
    }


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
