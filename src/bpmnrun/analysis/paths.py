"""Every start-to-end path of a process, with its steps (user tasks), the branches it took and its hand-offs.

A path is one run of the token game with one choice at every decision (explorer.py walks them all):
- exclusive and event-based gateways fork the path per branch some case can take, an inclusive gateway per set
  of branches some case can take together; what a case can take follows from the path's own data (worlds.py),
  so York's closure called from a single assessment is not walked down its MASH route;
- parallel branches all run: they are one path, their steps listed branch after branch, joins waited for;
- a call activity runs its callee inside the path (its steps, lanes and hand-offs count), down to `MAX_DEPTH`;
  the callee sees the caller's data with its `camunda:in` mappings, and hands back all its data but those;
- interrupting boundary events start an alternate path: the task was open (its step is marked interrupted)
  and the work leaves by the boundary event. Non-interrupting boundary timers are time limits: the work goes
  on, so they start no path; the path records them as its timers (their side branch only flags overdue);
- loops are bounded: within one run of a process a path takes each sequence flow at most `MAX_FLOW_USES` times,
  so a loop is gone round once more at most (a second TAC meeting recorded); a run that would take a flow once
  more is cut and counted in `PathSet.cut`.

Hand-offs: work passing from one user task to the next (across gateways, events and call-activity boundaries)
whose lanes differ. An authorisation the requester may send to themself (S-AUTH with the decision maker as
authoriser) counts 0, as process-catalogue §9.5 does: that step takes the lane of the step before it.
`line_manager=True` counts it as its own lane (a line manager authorises).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from .worlds import Knowledge

# Shown with every list of paths: what the enumeration assumes.
PATHS_NOTE = ("Paths follow every branch some case can take on the path's own data (the answers recorded so far "
              "and the forms' rules); free text is taken to be any answer. A loop is gone round once more at "
              "most: a path shows one repetition (a second TAC meeting recorded), not every number of them.")
MAX_DEPTH = 5
MAX_FLOW_USES = 2
MAX_PATHS = 5000


@dataclass(frozen=True)
class Step:
    process_id: str
    node_id: str
    name: str
    lane: str | None
    activities: tuple[str, ...]
    multi_instance: bool = False
    self_authorisable: bool = False
    within: tuple[str, ...] = ()  # names of the call activities it runs inside, outermost first
    interrupted: bool = False


@dataclass(frozen=True)
class TimerOnPath:
    name: str
    expression: str
    kind: str  # "wait" (intermediate or start timer), "time limit" (non-interrupting boundary), "interrupting"


@dataclass(frozen=True)
class Handoff:
    """Work passing from one lane to another; lanes as counted (a self-authorisation takes its requester's)."""

    source: Step
    source_lane: str | None
    target: Step
    target_lane: str | None


@dataclass
class Path:
    steps: list[Step] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)  # work passed from step i to step j
    ends: list[str] = field(default_factory=list)  # end events reached, the callee's before the caller's
    timers: list[TimerOnPath] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # "Gateway: branch" where the path had a choice
    knowledge: Knowledge | None = field(default=None, repr=False)
    uses: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)  # (run, flow id) → times taken
    calls: int = 0  # call activities run so far: each run of a callee counts its flows afresh

    def fork(self) -> "Path":
        return Path(list(self.steps), list(self.edges), list(self.ends), list(self.timers), list(self.choices),
                    self.knowledge.copy() if self.knowledge else None, dict(self.uses), self.calls)

    @property
    def outcome(self) -> str:
        return self.ends[-1] if self.ends else "(no end reached)"

    def lanes_of_steps(self, line_manager: bool = False) -> list[str | None]:
        """Each step's lane for counting; a self-authorisable step takes its predecessor's unless line_manager."""
        lanes: list[str | None] = []
        before = {j: i for i, j in reversed(self.edges)}
        for j, step in enumerate(self.steps):
            if step.self_authorisable and not line_manager and j in before:
                lanes.append(lanes[before[j]])
            else:
                lanes.append(step.lane)
        return lanes

    def lanes(self, line_manager: bool = False) -> list[str]:
        return list(dict.fromkeys(lane for lane in self.lanes_of_steps(line_manager) if lane))

    def handoffs(self, line_manager: bool = False) -> list[Handoff]:
        lanes = self.lanes_of_steps(line_manager)
        return [Handoff(self.steps[i], lanes[i], self.steps[j], lanes[j]) for i, j in self.edges if lanes[i] != lanes[j]]


@dataclass
class GatewayRecord:
    """What the paths did at one diverging gateway: the sets of flows taken, and whose answers it tested."""

    outcomes: set[tuple[str, ...]] = field(default_factory=set)
    makers: dict[str, None] = field(default_factory=dict)  # lanes, in the order first met

    @property
    def decides(self) -> bool:
        """A real decision: cases go on from it more than one way."""
        return len(self.outcomes) > 1


@dataclass
class PathSet:
    process_id: str
    paths: list[Path]
    cut: int = 0  # runs cut by the loop bound
    truncated: bool = False  # MAX_PATHS reached
    visited: set[tuple[str, str]] = field(default_factory=set)  # (process id, node id) some run reaches
    gateways: dict[tuple[str, str], GatewayRecord] = field(default_factory=dict)
    approximated: int = 0  # gateways with too many combinations to work out: every branch taken as possible

    def figures(self) -> dict[str, dict[str, float]]:
        """min / median / max of steps and of hand-offs over the paths."""
        def spread(values: list[int]) -> dict[str, float]:
            if not values:
                return {"min": 0, "median": 0, "max": 0}
            return {"min": min(values), "median": statistics.median(values), "max": max(values)}
        return {"steps": spread([len(p.steps) for p in self.paths]),
                "handoffs": spread([len(p.handoffs()) for p in self.paths])}

