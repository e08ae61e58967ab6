"""Simulation: synthetic cases driven through the real engine and service layer on a virtual clock.

Each case is a family "Simulated N" started by the actor "simulator"; its tasks are completed by one
user per lane ("simulator: <lane>"), made on the fly. One event queue orders everything: case arrivals,
task completions (each task's finish time drawn from the profile when it becomes ready), awaited
messages and the diagrams' own timers, which fire as the clock passes them. Forms are filled with valid
values (service.demo's plausible answers, with options drawn by the profile's weights or uniformly).
Every step is an ordinary use case in its own transaction, exactly as a caseworker's would be.
"""

from __future__ import annotations

import ast
import heapq
import itertools
import random
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..clock import MovableClock, using_clock
from ..service import cases, instances, tasks, timers, users
from ..service.catalogue import deployed_sources
from ..service.demo import plausible_values, username_for
from ..service.errors import Conflict, InvalidInput, NotFound, ServiceError
from ..service.runtime import Runtime
from ..store.models import Instance, ProcessVersion, Task, Timer
from ..library.graph import read_graphs
from .runtime import SIMULATOR
from .simulation_profile import Profile
from .working_time import add_office_time, add_working_days

REFILLS = 12  # tries at a form whose drawn answers do not fit together before the case is given up


@dataclass
class SimulationResult:
    process_id: str
    started_at: datetime
    instance_ids: list[int] = field(default_factory=list)
    completed: int = 0
    given_up: dict[int, str] = field(default_factory=dict)  # instance id -> why it was cancelled
    steps: int = 0
    seconds: float = 0.0


@dataclass(order=True)
class _Step:
    when: datetime
    seq: int
    kind: str = field(compare=False)  # arrive | complete | message
    instance_id: int = field(compare=False, default=0)
    payload: Any = field(compare=False, default=None)


class _Simulation:
    def __init__(self, rt: Runtime, process_id: str, count: int, rng: random.Random, profile: Profile,
                 on_case_done: Callable[[int], None] | None) -> None:
        if not isinstance(rt.clock, MovableClock):
            raise ServiceError("a simulation needs a virtual (movable) clock")
        self.rt, self.process_id, self.count, self.rng, self.profile = rt, process_id, count, rng, profile
        self.clock: MovableClock = rt.clock
        self.on_case_done = on_case_done or (lambda _n: None)
        self.queue: list[_Step] = []
        self.seq = itertools.count()
        self.arrived = 0
        self.scheduled: set[str] = set()  # task ids and (instance, message) keys already in the queue
        self.steps_of: dict[int, int] = {}
        self.running: set[int] = set()
        self.timer_at: dict[int, datetime] = {}  # running instance -> its earliest waiting timer
        self.users: set[str] = set()
        self.result = SimulationResult(process_id, self.clock.now())
        self.start_options = start_options(rt, process_id)

    # --- the loop -----------------------------------------------------------------------------

    def start_data(self) -> dict[str, Any]:
        """One case's start data: each variable the diagram decides on before any task, drawn."""
        data = {}
        for name, options in self.start_options.items():
            weights = self.profile.start_data.get(name)
            if isinstance(weights, Mapping):
                data[name] = self._weighted({o: float(w) for o, w in weights.items()})
            elif weights is not None:
                data[name] = weights
            else:
                data[name] = self.rng.choice(options)
        return data

    def run(self) -> SimulationResult:
        began = time.perf_counter()
        self._ensure_user(SIMULATOR, [])
        self._push(self.clock.now(), "arrive")
        while True:
            step = self.queue[0] if self.queue else None
            timer_due = self._next_timer()
            if step is None and timer_due is None:
                break
            if timer_due is not None and (step is None or timer_due < step.when):
                self._fire_timers(timer_due)
            else:
                heapq.heappop(self.queue)
                self.clock.set(max(step.when, self.clock.now()))
                self._do(step)
        for instance_id in sorted(self.running):  # nothing left to move them: say so rather than hide it
            self._give_up(instance_id, "waits for something the simulation cannot supply")
        self.result.seconds = time.perf_counter() - began
        return self.result

    def _push(self, when: datetime, kind: str, instance_id: int = 0, payload: Any = None) -> None:
        heapq.heappush(self.queue, _Step(when, next(self.seq), kind, instance_id, payload))

    def _do(self, step: _Step) -> None:
        self.result.steps += 1
        if step.kind == "arrive":
            self._arrive()
        elif step.kind == "complete":
            self._complete(step.instance_id, step.payload)
        else:
            self._deliver(step.instance_id, step.payload)

    def _next_timer(self) -> datetime | None:
        return min(self.timer_at.values(), default=None)

    def _fire_timers(self, due: datetime) -> None:
        # SpiffWorkflow fires a timer strictly after its due time.
        self.clock.set(max(due + timedelta(seconds=1), self.clock.now()))
        moving = sorted(i for i, at in self.timer_at.items() if at < self.clock.now())
        self.result.steps += 1
        timers.fire_due_timers(self.rt, limit=max(100, len(moving)))
        for instance_id in moving:
            self._look(instance_id)

    # --- the steps ----------------------------------------------------------------------------

    def _arrive(self) -> None:
        self.arrived += 1
        number = self.arrived
        children = [cases.Child(f"Simulated child {number}.{i}", self._birthday())
                    for i in range(1, self._weighted(self.profile.children) + 1)]
        case = cases.create_case(self.rt, f"Simulated {number}", children, SIMULATOR)
        instance_id = instances.start_work(self.rt, self.process_id, case.id, SIMULATOR, data=self.start_data())
        self.result.instance_ids.append(instance_id)
        self.running.add(instance_id)
        self._look(instance_id)
        if self.arrived < self.count:
            self._push(self._after(self.profile.arrival_every), "arrive")

    def _complete(self, instance_id: int, task: _OpenTask) -> None:
        if instance_id not in self.running:
            return
        actor = self._actor(task)
        plausible = self._plausible(task, actor)
        values = self._answers(task, plausible)
        tried: dict[str, list[Any]] = {}
        for _ in range(REFILLS):
            try:
                completed = tasks.complete_task(self.rt, task.id, actor, values)
                if completed.status != "running":  # ended: nothing left to read of it
                    self._done(instance_id, completed=completed.status == "completed")
                    return
                break
            except InvalidInput as exc:
                # Drawn answers that break a rule across fields (valid_if): draw again only those the
                # form named, so the answers that fitted stay (and one redraw usually fits).
                values = self._redraw(task, plausible, values, exc.errors, tried)
            except Conflict:
                break  # a timer or a message closed the task first
        else:
            self._give_up(instance_id, f"no valid answers found for {task.name!r}")
            return
        self._look(instance_id)

    def _deliver(self, instance_id: int, message: str) -> None:
        self.scheduled.discard(f"{instance_id}:{message}")
        if instance_id not in self.running:
            return
        try:
            instances.deliver_message(self.rt, instance_id, message, SIMULATOR)
        except ServiceError:
            pass  # no longer waited for: the case moved on another way
        self._look(instance_id)

    def _look(self, instance_id: int) -> None:
        """Schedule what the case now waits for: its open tasks, awaited messages and next timer."""
        self.steps_of[instance_id] = self.steps_of.get(instance_id, 0) + 1
        state = _waiting(self.rt, instance_id)
        self.timer_at.pop(instance_id, None)
        if state.status != "running":
            self._done(instance_id, completed=state.status == "completed")
            return
        if self.steps_of[instance_id] > self.profile.max_steps_per_case:
            self._give_up(instance_id, f"still running after {self.profile.max_steps_per_case} steps")
            return
        if state.next_timer is not None:
            self.timer_at[instance_id] = state.next_timer
        for task in state.tasks:
            if task.id not in self.scheduled:
                self.scheduled.add(task.id)
                duration = self.profile.duration_of(task.id, task.bpmn_id, task.name)
                self._push(self._after(duration), "complete", instance_id, task)
        for message in state.messages:
            key = f"{instance_id}:{message}"
            if key not in self.scheduled:
                self.scheduled.add(key)
                self._push(self._after(self.profile.message_delay), "message", instance_id, message)

    def _done(self, instance_id: int, completed: bool) -> None:
        if instance_id in self.running:
            self.running.discard(instance_id)
            self.result.completed += int(completed)
            self.on_case_done(1)

    def _give_up(self, instance_id: int, reason: str) -> None:
        try:
            instances.cancel(self.rt, instance_id, SIMULATOR, f"simulation: {reason}")
        except ServiceError:
            pass
        self.result.given_up[instance_id] = reason
        self._done(instance_id, completed=False)

    # --- answers, people and time ---------------------------------------------------------------

    def _plausible(self, task: _OpenTask, actor: str) -> dict[str, Any]:
        with using_clock(self.clock):  # demo dates are "today" on the virtual clock
            return plausible_values(task.form, actor)

    def _answers(self, task: _OpenTask, plausible: dict[str, Any]) -> dict[str, Any]:
        values = dict(plausible)
        for spec in task.form:
            if spec["id"] in values:
                values[spec["id"]] = self._answer(spec, values[spec["id"]])
        return values

    def _redraw(self, task: _OpenTask, plausible: dict[str, Any], values: dict[str, Any],
                errors: dict[str, str], tried: dict[str, list[Any]] | None = None) -> dict[str, Any]:
        """New answers for the fields `errors` names; an option refused already is not drawn again while
        others are left (`tried` remembers them across the tries at one task)."""
        failing = [spec for spec in task.form if spec["id"] in errors and spec["id"] in plausible]
        if not failing:  # the errors name no field drawn here: draw the whole form again
            return self._answers(task, plausible)
        tried = {} if tried is None else tried
        values = dict(values)
        for spec in failing:
            refused = tried.setdefault(spec["id"], [])
            refused.append(values.get(spec["id"]))
            left = [o for o in _allowed_options(spec) if o not in refused and [o] not in refused] \
                if spec["type"] == "enum" else []
            if left and not self.profile.values.get(spec["id"]):
                choice = self.rng.choice(left)
                values[spec["id"]] = [choice] if spec["multiple"] else choice
            else:
                values[spec["id"]] = self._answer(spec, plausible[spec["id"]])
        return values

    def _answer(self, spec: dict, plausible: Any) -> Any:
        fid = spec["id"]
        if fid in self.profile.values:
            return self.profile.values[fid]
        weights = self.profile.choices.get(fid)
        if spec["type"] == "enum":
            options = _allowed_options(spec)
            if not options:
                return plausible
            choice = self._weighted({o: (weights or {}).get(o, 0.0) for o in options}) if weights \
                else self.rng.choice(options)
            return [choice] if spec["multiple"] else choice
        if spec["type"] == "boolean" and not spec["required"]:
            if weights:
                return self._weighted({True: weights.get("true", 0.0), False: weights.get("false", 0.0)})
            return self.rng.random() < 0.5
        return plausible

    def _actor(self, task: _OpenTask) -> str:
        if task.assignee:
            self._ensure_user(task.assignee, list(task.teams))
            return task.assignee
        team = task.teams[0] if task.teams else "Simulated team"
        name = f"{SIMULATOR}: {username_for(team)}"
        self._ensure_user(name, list(task.teams) or [team])
        return name

    def _ensure_user(self, name: str, teams: list[str]) -> None:
        if name in self.users:
            return
        try:
            users.get_user(self.rt, name)
        except NotFound:
            users.add_user(self.rt, name, teams, display_name=f"{name} (simulated)", actor=SIMULATOR)
        self.users.add(name)

    def _after(self, duration) -> datetime:
        """When something taking `duration` from now is done: in the profile's working hours, if any."""
        hours = self.profile.working_hours
        if hours is None:
            return add_working_days(self.clock.now(), duration.sample(self.rng))
        return add_office_time(self.clock.now(), duration.sample_days(self.rng, self.profile.day_hours), *hours)

    def _weighted(self, weights: dict) -> Any:
        keys = list(weights)
        if not any(weights.values()):
            return self.rng.choice(keys)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def _birthday(self) -> date:
        return self.clock.now().date() - timedelta(days=self.rng.randint(365, 17 * 365))


def _allowed_options(spec: dict) -> list[str]:
    """The options a field accepts by itself: not refused, and matching its pattern if it has one."""
    constraints = spec["constraints"]
    pattern = constraints.get("pattern")
    return [o["id"] for o in spec["options"] if o["id"] != constraints.get("refuse")
            and (not pattern or re.fullmatch(pattern, o["id"]))]


@dataclass(frozen=True)
class _OpenTask:
    id: str
    bpmn_id: str
    name: str
    teams: tuple[str, ...]
    assignee: str | None
    form: list[dict[str, Any]]


@dataclass(frozen=True)
class _Waiting:
    status: str
    messages: tuple[str, ...]
    tasks: tuple[_OpenTask, ...]
    next_timer: datetime | None


def _waiting(rt: Runtime, instance_id: int) -> _Waiting:
    """What one case waits for, from its instance, task and timer rows (never its workflow state)."""
    with rt.reading() as session:
        status, messages, timer_count = session.execute(
            select(Instance.status, Instance.waiting_messages, Instance.timer_count)
            .where(Instance.id == instance_id)).one()
        if status != "running":
            return _Waiting(status, (), (), None)
        rows = session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
                               .options(selectinload(Task.teams)).order_by(Task.position))
        open_tasks = tuple(_OpenTask(t.id, t.bpmn_id, t.name, tuple(team.team for team in t.teams), t.assignee,
                                     list(t.form or [])) for t in rows)
        due = session.scalar(select(func.min(Timer.due_at)).where(Timer.instance_id == instance_id)) \
            if timer_count else None
        return _Waiting(status, tuple(messages or ()), open_tasks, due)


def start_options(rt: Runtime, process_id: str) -> dict[str, list[Any]]:
    """Start data the deployed diagram needs: variables its gateways test (`name == "value"`) before any
    task could have set them (York step up's `start_route`), with the values tested."""
    sources = deployed_sources(rt, process_id).sources
    graph = read_graphs(sources)[process_id]
    found: dict[str, list[Any]] = {}
    todo = [n.id for n in graph.starts()]
    seen = set(todo)
    while todo:
        for flow in graph.outgoing.get(todo.pop(), []):
            for name, value in _equalities(flow.condition):
                found.setdefault(name, [])
                if value not in found[name]:
                    found[name].append(value)
            node = graph.nodes.get(flow.target)
            if node is not None and node.id not in seen and node.kind.endswith("Gateway"):
                seen.add(node.id)
                todo.append(node.id)
    return found


def _equalities(condition: str | None):
    try:
        tree = ast.parse(condition or "", mode="eval")
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            left, right = node.left, node.comparators[0]
            if isinstance(right, ast.Name):
                left, right = right, left
            if isinstance(left, ast.Name) and isinstance(right, ast.Constant):
                yield left.id, right.value


def simulate(rt: Runtime, process_id: str, count: int, seed: int, profile: Profile | None = None,
             on_case_done: Callable[[int], None] | None = None) -> SimulationResult:
    """Drive `count` synthetic cases of a deployed process to their end on `rt`'s virtual clock.

    The same seed, profile, start time and diagrams give the same cases. `on_case_done(1)` is called
    as each case ends (a progress bar).
    """
    if count < 1:
        raise ServiceError("a simulation needs at least one case")
    with rt.reading() as session:
        if session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id).limit(1)) is None:
            raise NotFound(f"no process {process_id!r} is deployed")
    sim = _Simulation(rt, process_id, count, random.Random(seed), profile or Profile(), on_case_done)
    return sim.run()

