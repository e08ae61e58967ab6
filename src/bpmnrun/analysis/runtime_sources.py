"""Real and simulated cases side by side: real ones from the live database, simulated ones from the simulation
database (store.database.simulation_url(), filled by `bpmnrun simulate`), paired per process and version.

A simulation database deploys the library afresh, so its version numbers need not be the live ones: a simulated
version is paired with the live version of the same contents (sha256), or said to be one not deployed live. Only
the cases of each process's latest simulation run are shown, named by its profile; the date range chooses real
cases only (simulated cases live on a virtual clock).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from ..service.runtime import Runtime
from ..store.database import Database
from ..store.models import ProcessVersion
from .runtime import Filters, SimulationRun, VariantRuntime, compare_runtime, latest_runs

HOW_TO_SIMULATE = "bpmnrun simulate PROCESS"


@dataclass(frozen=True)
class Pair:
    """One process version: its real cases' figures and its simulated cases' (either may be missing)."""

    process_id: str
    title: str
    authority: str
    version: int | None  # the live version number; None: simulated with contents not deployed live
    real: VariantRuntime | None
    simulated: VariantRuntime | None
    run: SimulationRun | None = None

    @property
    def key(self) -> str:
        return f"{self.process_id}-v{self.version}" if self.version is not None else f"{self.process_id}-simulated"


@dataclass(frozen=True)
class Simulation:
    """The simulation database as the page found it: its figures, or why there are none."""

    url: str
    problem: str | None
    variants: tuple[VariantRuntime, ...] = ()
    runs: dict[str, SimulationRun] = dataclasses.field(default_factory=dict)


def simulation_runtime(url: str) -> tuple[Runtime | None, str | None]:
    """A runtime on the simulation database, or why there is none (it is never created here: only read)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path in ("", ":memory:") or not Path(path).is_file():
            return None, f"There is no simulation database yet (looked for {path or url})."
    try:
        database = Database(url, migrate=False)
        if not inspect(database.engine).has_table("instance"):
            database.dispose()
            return None, "The simulation database has no cases yet."
        database.migrate()  # one made by an older bpmnrun is brought up to date, as the live one is
    except SQLAlchemyError as exc:
        return None, f"The simulation database cannot be read: {type(exc).__name__}."
    return Runtime(database), None


def simulated_figures(sim: Runtime, live: Runtime, filters: Filters) -> Simulation:
    """The figures of each process's latest simulation run, versions renumbered as the live database has them."""
    with sim.reading() as session:
        runs = latest_runs(session)
    wanted = Filters(authority=filters.authority, process_ids=filters.process_ids,
                     sha256=_live_shas(live, filters) if filters.version is not None else None)
    variants: list[VariantRuntime] = []
    if runs:
        for pid, run in sorted(runs.items()):
            if not filters.process_ids or pid in filters.process_ids:
                variants += compare_runtime(sim, instance_ids=run.instance_ids, simulated=True,
                                            filters=_only(wanted, pid), by_version=True)
    else:  # runs from before runs were recorded: every simulated case, its profile not known
        variants = compare_runtime(sim, simulated=True, filters=wanted, by_version=True)
    numbers = _live_numbers(live)
    renumbered = tuple(dataclasses.replace(v, version=numbers.get((v.process_id, v.sha256))) for v in variants)
    return Simulation(str(sim.db.url), None, renumbered, runs)


def side_by_side(real: list[VariantRuntime], simulation: Simulation) -> list[Pair]:
    """One pair per process version with real or simulated cases, by authority, process and version."""
    pairs: dict[tuple[str, int | None], Pair] = {}
    for v in real:
        pairs[(v.process_id, v.version)] = Pair(v.process_id, v.title, v.authority, v.version, v, None)
    for v in simulation.variants:
        key = (v.process_id, v.version)
        found = pairs.get(key) or Pair(v.process_id, v.title, v.authority, v.version, None, None)
        pairs[key] = dataclasses.replace(found, simulated=v, run=simulation.runs.get(v.process_id))
    return sorted(pairs.values(), key=lambda p: (p.authority, p.title, p.process_id, p.version is None,
                                                 p.version or 0))


def _only(filters: Filters, process_id: str) -> Filters:
    return dataclasses.replace(filters, process_ids=(process_id,))


def _live_shas(live: Runtime, filters: Filters) -> frozenset[str]:
    with live.reading() as session:
        return frozenset(session.scalars(select(ProcessVersion.sha256).where(ProcessVersion.version == filters.version)))


def _live_numbers(live: Runtime) -> dict[tuple[str, str], int]:
    with live.reading() as session:
        rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.sha256, ProcessVersion.version))
        return {(pid, sha): version for pid, sha, version in rows}
