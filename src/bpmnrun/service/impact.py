"""The impact report before deploying: per changed process, what changes in the diagram, where each running case
waits and whether it could move to the new version (and why not), and a warning for each lane nobody is in.

Read only: nothing is deployed and no case changes. The new versions are parsed from the diagrams about to be
deployed, so the report says exactly what `moves` would do once they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from sqlalchemy import select

from ..engine import migration
from ..library.bundles import ProcessBundle, parse_sources
from ..library.diff import ProcessDiff, diff_process, lane_names
from ..library.validation import Checker
from ..store.models import User
from . import moves
from .deploy import checked_bundles, latest_version, plan_upload
from .moves import CaseMove
from .runtime import Runtime


@dataclass(frozen=True)
class ProcessImpact:
    process_id: str
    title: str
    from_version: int | None  # the newest deployed version (None: a new process)
    to_version: int
    diff: ProcessDiff
    calls_changed: tuple[str, ...]  # called processes that change with it (a new version even with no diff)
    cases: tuple[CaseMove, ...]  # running cases of every version, each with whether it could move
    warnings: tuple[str, ...]

    @property
    def movable(self) -> tuple[CaseMove, ...]:
        return tuple(c for c in self.cases if c.movable)

    @property
    def unmovable(self) -> tuple[CaseMove, ...]:
        return tuple(c for c in self.cases if not c.movable)

    def to_json(self) -> dict:
        return {"process": self.process_id, "title": self.title, "from_version": self.from_version,
                "to_version": self.to_version, "diff": self.diff.to_json(), "calls_changed": list(self.calls_changed),
                "cases": [c.to_json() for c in self.cases], "warnings": list(self.warnings)}


@dataclass(frozen=True)
class ImpactReport:
    processes: tuple[ProcessImpact, ...]  # those that would get a new version
    unchanged: tuple[str, ...]
    check_warnings: tuple[str, ...] = ()  # `bpmnrun check` warnings: printed, not stopping the deploy

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for p in self.processes for w in p.warnings) + self.check_warnings

    def to_json(self) -> dict:
        return {"processes": [p.to_json() for p in self.processes], "unchanged": list(self.unchanged),
                "warnings": list(self.warnings)}


def impact_of_paths(rt: Runtime, paths: Iterable[str | Path], allow_scripts: bool = False) -> ImpactReport:
    """What `bpmnrun deploy PATHS` would change (DiagramInvalid when a diagram has an error)."""
    paths = list(paths)
    report = impact_of_bundles(rt, checked_bundles(paths, allow_scripts))
    warnings = Checker(allow_scripts=allow_scripts).report(paths).warnings  # the check deploy made, remembered
    return ImpactReport(report.processes, report.unchanged, tuple(str(w) for w in warnings))


def impact_of_upload(rt: Runtime, filename: str, content: bytes) -> ImpactReport:
    """What deploying an uploaded file would change: its processes and the callers that get a new version."""
    plan = plan_upload(rt, filename, content)
    report = impact_of_bundles(rt, plan.bundles, [*plan.uploaded, *plan.callers])
    return ImpactReport(report.processes, report.unchanged, tuple(str(p) for p in plan.warnings))


def impact_of_bundles(rt: Runtime, bundles: Mapping[str, ProcessBundle],
                      only: Iterable[str] | None = None) -> ImpactReport:
    wanted = list(only) if only is not None else list(bundles)
    latest = _latest(rt, wanted)
    changed = {pid for pid in wanted if latest.get(pid) is None or latest[pid][1] != bundles[pid].sha256}
    teams = _teams_with_users(rt)
    impacts = tuple(_impact(rt, bundles[pid], latest.get(pid), changed, teams) for pid in wanted if pid in changed)
    return ImpactReport(impacts, tuple(pid for pid in wanted if pid not in changed))


def _impact(rt: Runtime, bundle: ProcessBundle, latest: tuple | None, changed: set[str],
            teams: set[str]) -> ProcessImpact:
    pid = bundle.process_id
    version, _, old_xml = latest or (0, "", None)
    to_version = version + 1
    diff = diff_process(pid, old_xml.encode("utf-8") if old_xml is not None else None, bundle.xml)
    target = moves.Target(pid, bundle.title, 0, to_version,
                          migration.VersionDiff(parse_sources(pid, bundle.sources())))
    cases = moves.check_cases(rt, target, moves.running_cases(rt, pid))
    lanes = lane_names(bundle.xml, pid)
    warnings = tuple(f"{pid} version {to_version}: nobody is in the team {lane!r} of its lane, so its tasks "
                     f"would reach no inbox: add users to that team" for lane in lanes if lane not in teams)
    calls = tuple(c for c in _callees(bundle) if c in changed)
    return ProcessImpact(pid, bundle.title, version or None, to_version, diff, calls, cases, warnings)


def _callees(bundle: ProcessBundle) -> list[str]:
    found = []
    for pid, callee in bundle.calls.items():
        found += [pid, *_callees(callee)]
    return list(dict.fromkeys(found))


def _latest(rt: Runtime, process_ids: list[str]) -> dict[str, tuple[int, str, str]]:
    """process id → (newest version, its sha256, its XML)."""
    found = {}
    with rt.reading() as session:
        for pid in process_ids:
            version = latest_version(session, pid, required=False)
            if version is not None:
                found[pid] = (version.version, version.sha256, version.xml)
    return found


def _teams_with_users(rt: Runtime) -> set[str]:
    with rt.reading() as session:
        return {team for teams in session.scalars(select(User.teams)) for team in teams or []}
