"""Simulation: synthetic cases driven through the real engine and service layer on a virtual clock.

Each case is a family "Simulated N" started by the actor "simulator" with answers to the process's start form;
its tasks are completed by simulated workers (simulation_people.py). One event queue orders everything: case
arrivals, task completions (each task's finish time drawn from the profile when it becomes ready), awaited
messages and the diagrams' own timers, which fire as the clock passes them. Forms get valid answers
(simulation_answers.py). Every step is an ordinary use case in its own transaction, exactly as a caseworker's
would be. A task waits (the profile's `waits`) until its worker first opens it (record_opened: the analysts'
waiting time), then takes its working time (`durations`) until completed. A case that cannot go on (no answers
the form takes, nothing left to move it) is cancelled and given up, with the reason; a case that fails (the
diagram failing, an unexpected error in a step) is cancelled and recorded as a failure, and the run goes on.
The profile is checked against the diagrams before any case runs (simulation_checks.py); the run ends with its
"simulation run" event (simulation_result.py).
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select

from ..clock import MovableClock
from ..service import cases, instances, task_opened, tasks, timers
from ..service.access import PROCESS_OWNER
from ..service.errors import Conflict, InvalidInput, NotFound, ServiceError
from ..service.runtime import Runtime
from ..store.models import ProcessVersion
from .runtime import SIMULATOR
from .simulation_answers import Answers
from .simulation_checks import Vocabulary, check_profile, vocabulary_of
from .simulation_people import People
from .simulation_profile import Profile
from .simulation_result import Failure, SimulationResult, record_run
from .simulation_state import OpenTask, Start, start_of, waiting
from .working_time import add_office_time, add_working_days

REFILLS = 12  # tries at a form whose drawn answers do not fit together before the case is given up


@dataclass(order=True)
class _Step:
    when: datetime
    seq: int
    kind: str = field(compare=False)  # arrive | open | complete | message
    instance_id: int = field(compare=False, default=0)
    payload: Any = field(compare=False, default=None)


class _Simulation:
    def __init__(self, rt: Runtime, process_id: str, count: int, seed: int, profile: Profile,
                 on_case_done: Callable[[int], None] | None) -> None:
        if not isinstance(rt.clock, MovableClock):
            raise ServiceError("a simulation needs a virtual (movable) clock")
        self.rt, self.process_id, self.count, self.profile = rt, process_id, count, profile
        self.rng = rng = random.Random(seed)
        self.clock: MovableClock = rt.clock
        self.on_case_done = on_case_done or (lambda _n: None)
        self.queue: list[_Step] = []
        self.seq = itertools.count()
        self.arrived = 0
        self.scheduled: set[str] = set()  # task ids and (instance, message) keys already in the queue
        self.steps_of: dict[int, int] = {}
        self.running: set[int] = set()
        self.case_of: dict[int, str] = {}  # instance id -> the family's name, to say which case failed
        self.arriving: tuple[int, int | None] | None = None  # the arrival being made: (number, instance id)
        self.timer_at: dict[int, datetime] = {}  # running instance -> its earliest waiting timer
        self.people = People(rt)
        self.answers = Answers(rng, profile, self.people, self.clock.now)
        self.result = SimulationResult(process_id, self.clock.now(), profile.name, seed)
        self.start: Start = start_of(rt, process_id)
        self.vocabulary: Vocabulary = vocabulary_of(self.start.sources, self.start.form)
        check_profile(profile, self.vocabulary)  # before any case: a misspelt name would be silently ignored

    # --- the loop ----------------------------------------------------------------------------------------------

    def run(self) -> SimulationResult:
        began = time.perf_counter()
        self.people.ensure(SIMULATOR, [], roles=[PROCESS_OWNER])  # it starts work on test families
        self._push(self.clock.now(), "arrive")
        while True:
            step = self.queue[0] if self.queue else None
            timer_due = min(self.timer_at.values(), default=None)
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
        self.arriving = None
        try:
            if step.kind == "arrive":
                self._arrive()
            elif step.kind == "open":
                self._open(step.instance_id, step.payload)
            elif step.kind == "complete":
                self._complete(step.instance_id, *step.payload)
            else:
                self._deliver(step.instance_id, step.payload)
        except Exception as exc:  # one case's failure is recorded and the run goes on: never a traceback
            task = step.payload[0] if isinstance(step.payload, tuple) else step.payload
            name = task.name if isinstance(task, OpenTask) else None
            if step.kind == "arrive":
                self._arrival_failed(name, _reason(exc))
            else:
                self._fail(step.instance_id, name, _reason(exc))

    def _fire_timers(self, due: datetime) -> None:
        # SpiffWorkflow fires a timer strictly after its due time.
        self.clock.set(max(due + timedelta(seconds=1), self.clock.now()))
        moving = sorted(i for i, at in self.timer_at.items() if at < self.clock.now())
        self.result.steps += 1
        try:
            timers.fire_due_timers(self.rt, limit=max(100, len(moving)))
        except Exception as exc:  # the timers would stay due for ever: the cases waiting on them fail
            for instance_id in moving:
                self._fail(instance_id, None, f"a timer could not fire: {_reason(exc)}")
            return
        for instance_id in moving:
            try:
                self._look(instance_id)
            except Exception as exc:
                self._fail(instance_id, None, _reason(exc))

    # --- the steps ---------------------------------------------------------------------------------------------

    def _arrive(self) -> None:
        self.arrived += 1
        number = self.arrived
        self.arriving = (number, None)
        if self.arrived < self.count:  # first: a case that fails does not stop the arrivals after it
            self._push(self._after(self.profile.arrival_every), "arrive")
        children = [cases.Child(f"Simulated child {number}.{i}", self._birthday())
                    for i in range(1, self._weighted(self.profile.children) + 1)]
        case = cases.create_case(self.rt, f"Simulated {number}", children, SIMULATOR, is_test=True)
        chosen = list(case.subjects)[:self.start.most_children or len(case.subjects)]
        instance_id = self._start_work(case.id, chosen, number)
        if instance_id is not None:
            self.arriving = (number, instance_id)
            self.result.instance_ids.append(instance_id)
            self.running.add(instance_id)
            self.case_of[instance_id] = f"Simulated {number}"
            self._look(instance_id)

    def _start_work(self, case_id: int, chosen: list, number: int) -> int | None:
        """Start the work with answers to the start form (drawn again where it refuses them)."""
        form = [_offering(spec, chosen) for spec in self.start.form]
        tried: dict[str, list[Any]] = {}
        data = self.answers.settle(form, self.answers.draw(form, self.profile.start_data), tried, REFILLS)
        for _ in range(REFILLS):
            try:
                return instances.start_work(self.rt, self.process_id, case_id, SIMULATOR,
                                            [s.id for s in chosen], data)
            except InvalidInput as exc:
                data = self.answers.redraw(form, data, exc.errors, tried)
            except ServiceError as exc:  # the diagram failed at its first steps (an incident was recorded)
                self.result.failures.append(Failure(f"Simulated {number}", None, None, str(exc)))
                self.on_case_done(1)
                return None
        self.result.not_started.append("no start data the start form takes")
        self.on_case_done(1)
        return None

    def _open(self, instance_id: int, task: OpenTask) -> None:
        """A worker first opens the task: its waiting ends and its working time begins."""
        if instance_id not in self.running:
            return
        actor = self.people.actor_for(task.assignee, task.teams, task.lane)
        task_opened.record_opened(self.rt, task.id, actor)  # nothing, if a timer or a message closed it first
        duration = self.profile.duration_of(task.id, task.bpmn_id, task.name)
        self._push(self._after(duration), "complete", instance_id, (task, actor))

    def _complete(self, instance_id: int, task: OpenTask, actor: str) -> None:
        if instance_id not in self.running:
            return
        tried: dict[str, list[Any]] = {}
        values = self.answers.settle(task.form, self.answers.draw(task.form), tried, REFILLS)
        for _ in range(REFILLS):
            try:
                completed = tasks.complete_task(self.rt, task.id, actor, values)
                if completed.status != "running":  # ended: nothing left to read of it
                    self._done(instance_id, completed=completed.status == "completed")
                    return
                break
            except InvalidInput as exc:
                values = self.answers.redraw(task.form, values, exc.errors, tried)
            except Conflict:
                break  # a timer or a message closed the task first
            except ServiceError as exc:  # the diagram failed after the task (an incident was recorded)
                self._fail(instance_id, task.name, str(exc))
                return
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
        state = waiting(self.rt, instance_id)
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
                wait = self.profile.wait_of(task.id, task.bpmn_id, task.name)
                self._push(self._after(wait), "open", instance_id, task)
        for message in state.messages:
            key = f"{instance_id}:{message}"
            if key not in self.scheduled:
                self.scheduled.add(key)
                self._push(self._after(self.profile.message_delay), "message", instance_id, message)

    def _done(self, instance_id: int, completed: bool) -> None:
        if instance_id in self.running:
            self.running.discard(instance_id)
            self.timer_at.pop(instance_id, None)
            self.result.completed += int(completed)
            self.on_case_done(1)

    def _give_up(self, instance_id: int, reason: str) -> None:
        self._cancel(instance_id, reason)
        self.result.given_up[instance_id] = reason
        self._done(instance_id, completed=False)

    def _fail(self, instance_id: int, task: str | None, reason: str) -> None:
        """The case failed: recorded with its task and reason, cancelled, and the run goes on."""
        if instance_id not in self.running:
            return
        self.result.failures.append(Failure(self.case_of.get(instance_id, "?"), instance_id, task, reason))
        self._cancel(instance_id, f"failed: {reason}")
        self._done(instance_id, completed=False)

    def _arrival_failed(self, task: str | None, reason: str) -> None:
        number, instance_id = self.arriving or (self.arrived, None)
        if instance_id is not None:
            self._fail(instance_id, task, reason)
            return
        self.result.failures.append(Failure(f"Simulated {number}", None, task, reason))
        self.on_case_done(1)

    def _cancel(self, instance_id: int, reason: str) -> None:
        try:
            instances.cancel(self.rt, instance_id, SIMULATOR, f"simulation: {reason}"[:500])
        except Exception:  # already ended, or the store refuses: the result says what happened either way
            pass

    # --- time --------------------------------------------------------------------------------------------------

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


def _offering(spec: dict[str, Any], chosen: list) -> dict[str, Any]:
    """A start form field as the Start work page offers it for the `chosen` children (as engine forms do)."""
    children = [{"id": str(s.id), "label": s.name} for s in chosen]
    if spec.get("picks_children"):
        return {**spec, "options": children}
    if spec.get("per_child"):
        return {**spec, "children": children}
    return spec


def simulate(rt: Runtime, process_id: str, count: int, seed: int, profile: Profile | None = None,
             on_case_done: Callable[[int], None] | None = None) -> SimulationResult:
    """Drive `count` synthetic cases of a deployed process to their end on `rt`'s virtual clock.

    The same seed, profile, start time and diagrams give the same cases. The profile is checked against the
    diagrams first (ServiceError naming each mistake). `on_case_done(1)` is called as each case ends (a progress
    bar). The run ends with its "simulation run" event.
    """
    if count < 1:
        raise ServiceError("a simulation needs at least one case")
    require_deployed(rt, process_id)
    result = _Simulation(rt, process_id, count, seed, profile or Profile(), on_case_done).run()
    record_run(rt, result, count)
    return result


def require_deployed(rt: Runtime, process_id: str) -> None:
    with rt.reading() as session:
        if session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id).limit(1)) is None:
            raise NotFound(f"no process {process_id!r} is deployed")


def profile_vocabulary(rt: Runtime, process_id: str) -> Vocabulary:
    """The tasks and fields a profile for this deployed process may name."""
    require_deployed(rt, process_id)
    start = start_of(rt, process_id)
    return vocabulary_of(start.sources, start.form)


def _reason(exc: Exception) -> str:
    """An error as one line for the report: its message, with its kind when it is not a service's own."""
    text = " ".join(str(exc).split()) or "no message"
    return text if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {text}"
