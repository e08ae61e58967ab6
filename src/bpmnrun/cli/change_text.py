"""Impact reports, case moves and incidents as the terminal shows them: plain lines, one fact each."""

from __future__ import annotations

from typing import Iterable, Iterator

from ..service.impact import ImpactReport, ProcessImpact
from ..service.incidents import IncidentView
from ..service.moves import CaseMove, MoveRun

INDENT = "  "


def impact_lines(report: ImpactReport) -> Iterator[str]:
    if not report.processes:
        yield "nothing would change: every process is the same as its newest deployed version"
    for impact in report.processes:
        yield from _process_lines(impact)
        yield ""
    if report.unchanged:
        yield f"unchanged: {', '.join(report.unchanged)}"
    for warning in report.check_warnings:
        yield f"warning: {warning}"


def _process_lines(impact: ProcessImpact) -> Iterator[str]:
    d = impact.diff
    if impact.from_version is None:
        yield f"{impact.process_id} — {impact.title}: new process, version {impact.to_version}"
    else:
        yield f"{impact.process_id} — {impact.title}: version {impact.from_version} → version {impact.to_version}"
    if impact.calls_changed:
        yield f"{INDENT}calls a process that changes: {', '.join(impact.calls_changed)}"
    yield from _listed("elements added", (f"{e.id} {e.name!r} ({e.kind})" for e in d.added))
    yield from _listed("elements removed", (f"{e.id} {e.name!r} ({e.kind})" for e in d.removed))
    yield from _listed("elements renamed", (f"{e.id} {e.old_name!r} → {e.name!r}" for e in d.renamed))
    yield from _listed("elements changed", (f"{e.id} {e.name!r}: {e.what}" for e in d.changed))
    yield from _listed("form fields", (f"{f.task_name} ({f.task_id}): {f.field_id} {f.label!r} {f.what}"
                                       for f in d.fields))
    yield from _listed("lanes added", d.lanes_added)
    yield from _listed("lanes removed", d.lanes_removed)
    if impact.from_version is not None and d.is_empty and not impact.calls_changed:
        yield f"{INDENT}no change a caseworker would notice (layout or documentation only)"
    yield (f"{INDENT}running cases: {len(impact.cases)} ({len(impact.movable)} could move to version "
           f"{impact.to_version}, {len(impact.unmovable)} could not)")
    for version in sorted({c.from_version for c in impact.cases}):
        yield f"{INDENT * 2}on version {version}:"
        for case in (c for c in impact.cases if c.from_version == version):
            yield INDENT * 3 + case_line(case)
    for warning in impact.warnings:
        yield f"{INDENT}warning: {warning}"


def _listed(title: str, items: Iterable[str]) -> Iterator[str]:
    items = list(items)
    for n, item in enumerate(items):
        yield f"{INDENT}{title + ':' if n == 0 else '':<18} {item}"


def case_line(case: CaseMove) -> str:
    where = "; ".join(str(w) for w in case.waits) or "nothing open"
    head = f"case work {case.instance_id} ({case.family_name} family, case {case.case_id}) waits at {where}"
    if case.outcome == "preview":
        return f"{head} — can move" if case.movable else f"{head} — cannot move: {'; '.join(case.reasons)}"
    return f"case work {case.instance_id} ({case.family_name} family): {outcome_text(case)}"


def outcome_text(case: CaseMove) -> str:
    if case.outcome == "moved":
        return f"moved from version {case.from_version}"
    if case.outcome == "refused":
        return f"not moved: {'; '.join(case.reasons)}"
    return f"not moved ({case.outcome}): {case.message}"


def move_summary(run: MoveRun, dry_run: bool) -> str:
    if dry_run:
        return (f"{len(run.cases)} running case(s) of {run.process_id} on other versions: {run.movable} could move "
                f"to version {run.to_version}, {len(run.cases) - run.movable} could not (nothing was changed)")
    return (f"{run.count('moved')} case(s) moved to version {run.to_version} of {run.process_id}; "
            f"{run.count('refused')} refused, {run.count('conflict')} changed meanwhile, {run.count('failed')} failed")


def incident_line(incident: IncidentView) -> str:
    where = f"case work {incident.instance_id}" if incident.instance_id else f"case {incident.case_id} (not started)"
    family = f" ({incident.family_name} family)" if incident.family_name else ""
    version = f" version {incident.version}" if incident.version else ""
    element = incident.element_name or incident.element_id or "-"
    state = f"resolved: {incident.resolution}" if incident.resolved else _open_state(incident)
    return (f"{incident.id}  {incident.raised_at:%Y-%m-%d %H:%M}  {where}{family}  {incident.process_id}{version}  "
            f"{incident.doing} at {element}: {incident.message}  [{state}]")


def _open_state(incident: IncidentView) -> str:
    tries = f"{incident.attempts} attempt{'s' if incident.attempts != 1 else ''}"
    later = f", next try {incident.next_try_at:%Y-%m-%d %H:%M}" if incident.next_try_at else ""
    return f"open, {tries}{later}, by {incident.raised_by}"
