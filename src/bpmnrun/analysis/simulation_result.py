"""What a simulation run did, and the "simulation run" event it leaves (contract 4 of issue 13)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..service.persist import audit
from ..service.runtime import Runtime
from .runtime import SIMULATION_RUN, SIMULATOR
from .simulation_profile import DEFAULT_NAME


@dataclass(frozen=True)
class Failure:
    """A case the simulation could not take on: which case, at which task, and why (never a traceback)."""

    case: str  # the family's name, "Simulated N"
    instance_id: int | None
    task: str | None  # the task's name, or None when starting the work (or between tasks) failed
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "instance_id": self.instance_id, "task": self.task, "reason": self.reason}

    def __str__(self) -> str:
        where = f" at {self.task!r}" if self.task else ""
        return f"{self.case}{where}: {self.reason}"


@dataclass
class SimulationResult:
    process_id: str
    started_at: datetime
    profile: str = DEFAULT_NAME
    seed: int | None = None
    instance_ids: list[int] = field(default_factory=list)
    completed: int = 0
    given_up: dict[int, str] = field(default_factory=dict)  # instance id -> why it was cancelled
    not_started: list[str] = field(default_factory=list)  # why a case's work could not be started
    failures: list[Failure] = field(default_factory=list)  # cases that failed (engine or step), run went on
    steps: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"simulated": True, "profile": self.profile, "process_id": self.process_id, "seed": self.seed,
                "cases": len(self.instance_ids), "completed": self.completed, "given_up": len(self.given_up),
                "not_started": len(self.not_started), "failed": len(self.failures),
                "failures": [f.to_json() for f in self.failures], "steps": self.steps, "seconds": self.seconds,
                "started_at": self.started_at.isoformat()}


def record_run(rt: Runtime, result: SimulationResult, count: int) -> None:
    """The run's event in the simulation database: what the analysis page names the simulated cases by."""
    with rt.transaction() as session:
        audit(session, rt.now(), SIMULATOR, SIMULATION_RUN, name=result.profile, process_id=result.process_id,
              profile=result.profile, cases=count, seed=result.seed, failed=len(result.failures),
              instance_ids=list(result.instance_ids), failures=[f.to_json() for f in result.failures])
