"""Conformance checking: how far the cases of an event log followed a process model.

The model is the process's newest deployed version, or its diagram in a library folder, flattened (every call
activity replaced by what it calls) and turned into a Petri net; each distinct sequence of steps is replayed
once (cases share them). Steps are matched to the model by task name, or with `by_activity` by the activity
vocabulary's terms (process-catalogue §9.1), so one authority's cases can be replayed on another's model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from ..library.bundles import load_bundles
from ..library.flatten import FlattenError, flatten
from ..service.catalogue import deployed_sources
from ..service.errors import NotFound, ServiceError
from ..service.runtime import Runtime
from .conformance_log import LogCase, read_log
from .conformance_net import ModelError, Net, build_net
from .conformance_replay import Replayed, Replayer

TOP_DEVIATIONS = 10


@dataclass(frozen=True)
class Model:
    process_id: str
    version: int | None  # None: read from a library folder
    xml: bytes  # one process, call activities flattened


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    steps: int
    fitness: float
    deviations: tuple[str, ...]

    def to_json(self) -> dict:
        return {"case": self.case_id, "steps": self.steps, "fitness": round(self.fitness, 4),
                "deviations": list(self.deviations)}


@dataclass
class Report:
    process_id: str
    version: int | None
    log: str
    by: str  # "task name" | "activity"
    cases: list[CaseResult]
    fitness: float  # the whole log's: from the token counts of every case
    variants: int
    frequent: list[tuple[str, int]] = field(default_factory=list)  # deviation → cases that show it
    log_processes: dict[str, int] = field(default_factory=dict)  # the log's own process ids, when it says

    @property
    def fitting(self) -> int:
        return sum(1 for c in self.cases if not c.deviations and c.fitness >= 1.0)

    def to_json(self) -> dict:
        return {"process": self.process_id, "version": self.version, "log": self.log, "matched_by": self.by,
                "cases": len(self.cases), "variants": self.variants, "fitting_cases": self.fitting,
                "fitness": round(self.fitness, 4), "log_processes": self.log_processes,
                "most_frequent_deviations": [{"deviation": d, "cases": n} for d, n in self.frequent],
                "per_case": [c.to_json() for c in self.cases]}


# --- the model ------------------------------------------------------------------------------------------------

def deployed_model(rt: Runtime, process_id: str) -> Model:
    """The newest deployed version, flattened; NotFound if the process is not deployed."""
    deployed = deployed_sources(rt, process_id)
    return Model(process_id, deployed.version, flattened(deployed.sources, process_id))


def library_model(paths: Iterable[str | Path], process_id: str) -> Model:
    bundles = load_bundles(paths)
    if process_id not in bundles:
        raise NotFound(f"no process {process_id!r} in the diagrams read")
    return Model(process_id, None, flattened(bundles[process_id].sources(), process_id))


def flattened(sources: Mapping[str, bytes], process_id: str) -> bytes:
    """One document with one process, every call inlined and rewritten for mining (intermediate events,
    boundary events and per-child tasks told with gateways), as a process-mining tool would be given it."""
    try:
        return flatten(sources, process_id, for_mining=True)
    except FlattenError as exc:
        raise ServiceError(f"{process_id}: {exc}") from None


# --- checking -------------------------------------------------------------------------------------------------

def check(model: Model, log_path: str | Path, by_activity: bool = False) -> Report:
    """Replay every case of the log on the model; LogError for a log that cannot be read."""
    cases = read_log(log_path)
    try:
        net = build_net(model.xml, model.process_id, by_activity)
    except ModelError as exc:
        raise ServiceError(f"{model.process_id}: {exc}") from None
    report = replay_cases(net, cases, by_activity)
    report.process_id, report.version, report.log = model.process_id, model.version, str(log_path)
    return report


def replay_cases(net: Net, cases: list[LogCase], by_activity: bool = False) -> Report:
    replayer = Replayer(net)
    done: dict[tuple, Replayed] = {}
    results = []
    totals = [0, 0, 0, 0]
    frequent: Counter[str] = Counter()
    for case in cases:
        labels = _labels(case, by_activity)
        key = (labels, _finished(case))
        outcome = done.get(key)
        if outcome is None:
            outcome = done[key] = replayer.replay(labels, key[1])
        for i, n in enumerate((outcome.missing, outcome.consumed, outcome.remaining, outcome.produced)):
            totals[i] += n
        frequent.update(d.label for d in outcome.deviations)
        results.append(CaseResult(case.case_id, len(labels), outcome.fitness, tuple(map(str, outcome.deviations))))
    missing, consumed, remaining, produced = totals
    fitness = 0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced) if consumed and produced else 1.0
    processes = Counter(c.process for c in cases if c.process)
    return Report("", None, "", "activity" if by_activity else "task name", results, fitness,
                  len({k[0] for k in done}), frequent.most_common(TOP_DEVIATIONS), dict(processes))


def _labels(case: LogCase, by_activity: bool) -> tuple[str, ...]:
    if not by_activity:
        return tuple(step.name for step in case.steps)
    # A step covering several terms counts as each of them, in order; a step without terms by its name.
    return tuple(label for step in case.steps for label in (step.terms or (step.name,)))


def _finished(case: LogCase) -> bool:
    """A case the log says is still running (or was stopped) did not reach the end: that is not a skip."""
    return case.status is None or case.status.strip().lower() in ("completed", "complete", "closed", "ended")


# --- text -----------------------------------------------------------------------------------------------------

def render_text(report: Report, case_limit: int | None = None) -> str:
    version = f" version {report.version}" if report.version else ""
    lines = [f"Conformance of {report.log} to {report.process_id}{version} (steps matched by {report.by})",
             f"Cases: {len(report.cases)} ({report.variants} distinct sequences of steps); "
             f"fitting the model: {report.fitting}",
             f"Fitness of the whole log: {report.fitness:.3f}"]
    if report.log_processes:
        lines.append("The log's processes: " + ", ".join(f"{p} ({n} cases)" for p, n in
                                                          sorted(report.log_processes.items())))
    lines += ["", "Most frequent deviations"]
    lines += [f"  {n:>6} case{'' if n == 1 else 's'}  {d}" for d, n in report.frequent] or ["  none: every case follows the model"]
    lines += ["", "Cases (fitness, deviations)"]
    shown = report.cases if case_limit is None else report.cases[:case_limit]
    for case in shown:
        lines.append(f"  {case.case_id}: {case.fitness:.3f}" + (f" — {'; '.join(case.deviations)}"
                                                               if case.deviations else ""))
    if len(shown) < len(report.cases):
        lines.append(f"  … and {len(report.cases) - len(shown)} more (--json lists every case)")
    return "\n".join(lines) + "\n"
