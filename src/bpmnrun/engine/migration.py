"""Moving a running case to another version of its process, with SpiffWorkflow's own migration support.

`SpiffWorkflow.bpmn.util.diff` aligns the old version's task specs with the new one's (by id, then by position),
and `migrate_workflow` points every task at its new spec and resets the READY and WAITING ones so they are
predicted again from the new diagram. bpmnrun adds what a council needs on top:

- a case may only move when every task it has passed or waits at exists in the new version. A task the new
  version no longer has needs the process owner's mapping (old id → new id); SpiffWorkflow's guess by position is
  only offered as a hint, because it cannot tell a renamed id from a different step in the same place;
- a reset task gets back its data and internal state (a multi-instance child's own child, a timer's due time),
  so moving a case never restarts a time limit or loses whom a task is for. Where the element itself changed
  (its timer or its input parameters), the new version's values win, since that is the fix being deployed;
- the spec objects are shared by every case of a version (library/bundles.py SpecCache), and bpmnrun stores no
  spec in a case's state, so a diff is computed once per pair of versions (VersionDiff) and reused per case.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Iterator, Mapping
from uuid import UUID

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ..library import multi_instance
from ..library.bundles import ParsedSpec
from .engine import EngineError, _step as run_step  # the engine's own step: settle, map errors, snapshot
from .serializer import _serializer
from .snapshot import Snapshot
from .waiting import live, label, waiting, WaitPoint

# What a reset must not take from a task even where its element changed: a multi-instance child's place.
_KEEP_ALWAYS = ("key_or_index", "item", "iteration")
# A comparison naming any of these means the element itself behaves differently in the new version.
_BEHAVIOUR = frozenset({"typename", "event_definition", "local_inputs", "cond_task_specs", "ins", "outs"})


@dataclass(frozen=True)
class Refusal:
    """Why a case cannot move: an element it waits at (or has passed) that the new version does not have."""

    element_id: str
    name: str
    process_id: str
    waiting: bool  # True: the case waits there now; False: its history passed through it
    in_its_place: str | None = None  # the new version's element at the same position, as a hint for a mapping

    def __str__(self) -> str:
        where = f"waits at {self.name!r} ({self.element_id})" if self.waiting else \
            f"has passed {self.name!r} ({self.element_id})"
        hint = f"; map it to the element in its place: {self.element_id}={self.in_its_place}" \
            if self.in_its_place else f"; map it to an element of the new version: {self.element_id}=NEW_ID"
        return f"it {where}, which the new version does not have{hint}"


@dataclass(frozen=True)
class MoveCheck:
    waits: tuple[WaitPoint, ...]
    refusals: tuple[Refusal, ...]

    @property
    def movable(self) -> bool:
        return not self.refusals


class MoveRefused(EngineError):
    def __init__(self, refusals: tuple[Refusal, ...]) -> None:
        super().__init__("; ".join(str(r) for r in refusals))
        self.refusals = refusals


class _SpecRegistry:
    """What SpecDiff asks of a serializer registry: a dict per task spec to compare.

    bpmnrun's own task specs (library/task_specs.py) subclass SpiffWorkflow's, and its state-only serializer
    never converts specs, so they are converted here by their nearest registered class, plus their own mappings.
    """

    def __init__(self, registry) -> None:
        self._registry = registry

    def convert(self, spec) -> dict:
        dct: dict = {}
        for cls in type(spec).__mro__:
            name = self._registry.typenames.get(cls)
            if name in self._registry.convert_to_dict:
                dct = self._registry.convert_to_dict[name](spec)
                break
        dct["typename"] = type(spec).__name__
        for attribute in ("local_inputs", "ins", "outs"):
            if hasattr(spec, attribute):
                dct[attribute] = repr(getattr(spec, attribute))
        return dct


REGISTRY = _SpecRegistry(_serializer.registry)


class VersionDiff:
    """One version's specs aligned with another's, with the process owner's mapping (old id → new id)."""

    def __init__(self, new: ParsedSpec, mapping: Mapping[str, str] | None = None) -> None:
        self.new = new
        self.mapping = dict(mapping or {})
        self._diffs: dict[int, tuple[object, SpecDiff | None]] = {}
        self._mapped: set = set()
        multi_instance.prime(_specs(new))  # a freshly parsed version may restore cases inside a multi-instance task

    def new_spec(self, process_id: str):
        return self.new.spec if process_id == self.new.spec.name else self.new.subprocess_specs.get(process_id)

    def spec_diff(self, old_spec) -> SpecDiff | None:
        """The alignment of `old_spec` with the new version's process of the same id (None: it has none)."""
        key = id(old_spec)
        if key not in self._diffs:
            new_spec = self.new_spec(old_spec.name)
            found = None if new_spec is None else self._mapped_diff(SpecDiff(REGISTRY, old_spec, new_spec), old_spec, new_spec)
            self._diffs[key] = (old_spec, found)  # the spec is kept so its id is never reused meanwhile
        return self._diffs[key][1]

    def is_mapped(self, spec) -> bool:
        return spec in self._mapped

    def _mapped_diff(self, diff: SpecDiff, old_spec, new_spec) -> SpecDiff:
        for old_id, new_id in self.mapping.items():
            for name, spec in old_spec.task_specs.items():
                target = _mapped_name(name, old_id, new_id)
                if target is not None and target in new_spec.task_specs:
                    diff.alignment[spec] = new_spec.task_specs[target]
                    diff.comparisons[spec] = ["mapped"]
                    self._mapped.add(spec)
        return diff


def element_ids(parsed: ParsedSpec) -> set[str]:
    """The ids of the diagram elements of a version (its own process and those it calls), for a mapping."""
    return {s.bpmn_id for p in _specs(parsed) for s in p.task_specs.values() if getattr(s, "bpmn_id", None)}


def check(workflow: BpmnWorkflow, diff: VersionDiff) -> MoveCheck:
    """Where the case waits, and whatever stops it moving to `diff`'s new version (nothing is changed)."""
    return MoveCheck(waiting(workflow), tuple(_refusals(workflow, diff)))


def migrate(workflow: BpmnWorkflow, diff: VersionDiff) -> Snapshot:
    """Move the case to the new version and run it on (a timer already due fires). Raises MoveRefused."""
    refusals = tuple(_refusals(workflow, diff))
    if refusals:
        raise MoveRefused(refusals)

    def move() -> None:
        last = workflow.last_task.id if workflow.last_task is not None else None
        kept = _kept_state(workflow, diff)
        _drop_finished_calls(workflow, diff)
        moves = [(wf, WorkflowDiff(wf, diff.spec_diff(wf.spec)), diff.new_spec(wf.spec.name))
                 for wf in _workflows(workflow)]
        workflow.subprocess_specs = diff.new.subprocess_specs
        for wf, workflow_diff, new_spec in moves:
            migrate_workflow(workflow_diff, wf, new_spec)
            _drop_stale_predictions(wf)
        _restore(workflow, kept)
        # migrate_workflow forgets the last task (it looks a task up among task ids); the case data is read there.
        workflow.last_task = workflow.get_task_from_id(last) if last is not None else None

    return run_step(workflow, move)


# --- checking ---------------------------------------------------------------------------------------------

def _refusals(workflow: BpmnWorkflow, diff: VersionDiff) -> Iterator[Refusal]:
    for wf in _workflows(workflow):
        if wf is not workflow and wf.is_completed():
            continue  # a called process that has ended: its data went back to the caller (see _drop_finished_calls)
        spec_diff = diff.spec_diff(wf.spec)
        if spec_diff is None:
            yield Refusal(wf.spec.name, wf.spec.name, wf.spec.name, True)
            continue
        yield from _task_refusals(wf, spec_diff, diff)


def _task_refusals(wf, spec_diff: SpecDiff, diff: VersionDiff) -> Iterator[Refusal]:
    for task in wf.get_tasks(skip_subprocesses=True):
        if task.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE):
            continue  # not reached yet: predicted again from the new version
        refusal = _refusal(task, spec_diff, diff)
        if refusal is not None:
            yield refusal


def _refusal(task, spec_diff: SpecDiff, diff: VersionDiff) -> Refusal | None:
    spec = task.task_spec
    new = spec_diff.alignment.get(spec)
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    process_id = task.workflow.spec.name
    if new is None:
        return Refusal(bpmn_id, label(spec), process_id, live(task))
    if live(task) and new.name != spec.name and not diff.is_mapped(spec):
        # SpiffWorkflow matched it by position only: a different step may stand there now.
        return Refusal(bpmn_id, label(spec), process_id, True, getattr(new, "bpmn_id", None) or new.name)
    return None


def _mapped_name(name: str, old_id: str, new_id: str) -> str | None:
    """A spec's name under the mapping: the element itself, its boundary split/join, its multi-instance child."""
    if name == old_id:
        return new_id
    if name.startswith(old_id + "."):
        return new_id + name[len(old_id):]
    if name == f"{old_id} [child]":
        return f"{new_id} [child]"
    return None


def _workflows(workflow: BpmnWorkflow) -> list:
    return [workflow, *workflow.subprocesses.values()]


def _specs(parsed: ParsedSpec) -> list:
    return [parsed.spec, *parsed.subprocess_specs.values()]


# --- moving -----------------------------------------------------------------------------------------------

@dataclass
class _Kept:
    data: dict
    internal: dict
    changed: bool  # the element itself behaves differently in the new version


def _kept_state(workflow: BpmnWorkflow, diff: VersionDiff) -> dict[UUID, _Kept]:
    """The data and internal state of every task the migration will reset."""
    kept = {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        spec_diff = diff.spec_diff(task.workflow.spec)
        changes = set(spec_diff.comparisons.get(task.task_spec) or ()) if spec_diff is not None else set()
        changed = bool(changes & _BEHAVIOUR) or diff.is_mapped(task.task_spec)
        kept[task.id] = _Kept(deepcopy(task.data), deepcopy(task.internal_data), changed)
    return kept


def _restore(workflow: BpmnWorkflow, kept: dict[UUID, _Kept]) -> None:
    for task_id, old in kept.items():
        task = workflow.get_task_from_id(task_id)
        if task is None:
            continue
        if old.changed:
            # The element itself changed: keep what the new version computed, fill in what it cannot know.
            task.data = {**old.data, **task.data}
            task.internal_data = {**{k: old.internal[k] for k in _KEEP_ALWAYS if k in old.internal},
                                  **task.internal_data}
        else:
            task.data = old.data
            task.internal_data = old.internal


def _drop_finished_calls(workflow: BpmnWorkflow, diff: VersionDiff) -> None:
    """A called process that has ended handed its data back long ago; where the new version cannot hold it (its
    process or one of its steps is gone), it is dropped rather than stopping the move. The audit keeps its history."""
    for sp_id, sp in list(workflow.subprocesses.items()):
        if sp.is_completed():
            spec_diff = diff.spec_diff(sp.spec)
            if spec_diff is None or any(True for _ in _task_refusals(sp, spec_diff, diff)):
                del workflow.subprocesses[sp_id]


def _drop_stale_predictions(wf) -> None:
    """Predicted tasks whose element the new version lacks (after a started call, say) are predicted again."""
    for task in list(wf.tasks.values()):
        if task.id in wf.tasks and task.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) \
                and wf.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
            wf._remove_task(task.id)
