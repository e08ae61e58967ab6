"""Moving running cases to another version of their process: a preview, then one transaction per case.

Each move runs under the same optimistic locking as a completion (the instance's revision): a completion that
commits first makes the move of that case a conflict, and a move that commits first makes the completion one,
so neither overwrites the other. A case that waits at a step the new version lacks is refused, unless the
process owner maps that step to one of the new version (`mapping`, old id → new id). Every moved case gets an
audit event (who, from which version, to which) and its task rows, inboxes and timers follow the new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..engine import engine, failures, migration
from ..engine.engine import EngineError
from ..engine.waiting import WaitPoint, waiting
from ..store.models import Case, Instance, ProcessVersion
from . import incidents, workflows
from .deploy import parsed_spec
from .errors import InvalidInput, NotFound
from .moved_rows import open_task_ids, rename_timers, resync_open_tasks
from .persist import apply_snapshot, audit
from .runtime import Runtime

BATCH = 50  # cases read per batch; each one still moves in its own transaction


@dataclass(frozen=True)
class CaseMove:
    """One running case: where it waits, and whether it can move (or what happened when it was moved)."""

    instance_id: int
    case_id: int
    family_name: str
    from_version: int
    waits: tuple[WaitPoint, ...]
    reasons: tuple[str, ...] = ()  # why it cannot move (empty: it can)
    blocked_at: tuple[tuple[str, str, str | None], ...] = ()  # (element id, name, the element in its place)
    outcome: str = "preview"  # preview | moved | refused | conflict | failed
    message: str = ""

    @property
    def movable(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict:
        return {"instance": self.instance_id, "case": self.case_id, "family": self.family_name,
                "from_version": self.from_version, "waits": [w.to_json() for w in self.waits],
                "movable": self.movable, "reasons": list(self.reasons), "outcome": self.outcome,
                "message": self.message}


@dataclass(frozen=True)
class MoveRun:
    process_id: str
    title: str
    to_version: int
    cases: tuple[CaseMove, ...]
    remaining: int = 0  # cases left for another batch (a web request moves a batch at a time)
    mapping: Mapping[str, str] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def movable(self) -> int:
        return sum(1 for c in self.cases if c.movable)

    @property
    def blocked_at(self) -> list[tuple[str, str, str | None]]:
        """Each element some case waits at that the new version lacks, once: what a mapping may name."""
        return list({b[0]: b for c in self.cases for b in c.blocked_at}.values())

    def to_json(self) -> dict:
        return {"process": self.process_id, "to_version": self.to_version, "mapping": dict(self.mapping),
                "cases": [c.to_json() for c in self.cases], "remaining": self.remaining}


@dataclass(frozen=True)
class Target:
    """The version cases move to, and its alignment with theirs (version_id 0: a version not deployed yet)."""

    process_id: str
    title: str
    version_id: int
    version: int
    diff: migration.VersionDiff


def preview(rt: Runtime, process_id: str, to_version: int, from_version: int | None = None,
            instance_ids: Iterable[int] = (), mapping: Mapping[str, str] | None = None) -> MoveRun:
    """Every running case that would move, where it waits, and whether it can (nothing is changed)."""
    target = _target(rt, process_id, to_version, mapping or {})
    ids = _candidates(rt, target, from_version, instance_ids)
    with rt.reading() as session:
        _check_mapping(rt, session, target, ids)
    return MoveRun(process_id, target.title, to_version, check_cases(rt, target, ids), mapping=dict(target.diff.mapping))


def check_cases(rt: Runtime, target: Target, instance_ids: Iterable[int]) -> tuple[CaseMove, ...]:
    """Where each case waits and whether it could move to `target` (read only: nothing is changed)."""
    with rt.reading() as session:
        return tuple(_checked(rt, session, instance_id, target) for instance_id in instance_ids)


def running_cases(rt: Runtime, process_id: str) -> list[int]:
    """The running cases of a process, on any version, oldest first."""
    with rt.reading() as session:
        return list(session.scalars(select(Instance.id).where(
            Instance.process_id == process_id, Instance.status == "running").order_by(Instance.id)))


def move_cases(rt: Runtime, process_id: str, to_version: int, actor: str, from_version: int | None = None,
               instance_ids: Iterable[int] = (), mapping: Mapping[str, str] | None = None,
               limit: int | None = None, progress: Callable[[CaseMove], None] | None = None) -> MoveRun:
    """Move the running cases (all of the process, or those named) to `to_version`, each in its own transaction.

    With `limit`, at most that many cases are tried and `remaining` says how many are left for the next call.
    """
    target = _target(rt, process_id, to_version, mapping or {})
    ids = _candidates(rt, target, from_version, instance_ids)
    with rt.reading() as session:
        _check_mapping(rt, session, target, ids)
    todo = ids if limit is None else ids[:limit]
    done = []
    for instance_id in todo:
        moved = move_case(rt, instance_id, target, actor)
        if moved is not None:
            done.append(moved)
            if progress is not None:
                progress(moved)
    return MoveRun(process_id, target.title, to_version, tuple(done), len(ids) - len(todo), dict(target.diff.mapping))


def move_case(rt: Runtime, instance_id: int, target: Target, actor: str) -> CaseMove | None:
    """One case, one transaction: None when it is no longer running (or already on the version)."""
    try:
        with rt.transaction() as session:
            instance = session.get(Instance, instance_id)
            if instance is None or instance.status != "running" or instance.process_version_id == target.version_id:
                return None
            before = _view(session, instance)
            workflow = workflows.load(rt, session, instance)
            waits = waiting(workflow)  # where it waited before the move, for the report
            snapshot = migration.migrate(workflow, target.diff)
            _record_move(rt, session, instance, snapshot, target, actor, before)
        workflows.remember(rt, instance, workflow, len(instance.state))
        return replace(before, waits=waits, outcome="moved")
    except migration.MoveRefused as exc:
        return replace(_fresh_view(rt, instance_id), outcome="refused", **_refused(exc.refusals, target))
    except StaleDataError:
        return replace(_fresh_view(rt, instance_id), outcome="conflict",
                       message="the case changed at the same moment (a task was completed); move it again")
    except EngineError as exc:
        return replace(_fresh_view(rt, instance_id), outcome="failed", message=failures.describe(exc).message)


# --- internals ----------------------------------------------------------------------------------------------

def _target(rt: Runtime, process_id: str, to_version: int, mapping: Mapping[str, str]) -> Target:
    with rt.reading() as session:
        version = session.scalars(select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == to_version)).first()
        if version is None:
            raise NotFound(f"process {process_id!r} has no version {to_version}")
        parsed = parsed_spec(rt, session, version.id)
        return Target(process_id, version.title, version.id, version.version,
                       migration.VersionDiff(parsed, mapping))


def _candidates(rt: Runtime, target: Target, from_version: int | None, instance_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(instance_ids))
    with rt.reading() as session:
        query = (select(Instance.id).join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
                 .where(Instance.process_id == target.process_id, Instance.status == "running",
                        Instance.process_version_id != target.version_id).order_by(Instance.id))
        if from_version is not None:
            query = query.where(ProcessVersion.version == from_version)
        if wanted:
            query = query.where(Instance.id.in_(wanted))
        found = list(session.scalars(query))
    missing = [i for i in wanted if i not in set(found)]
    if missing:
        raise InvalidInput({"case": f"case work {', '.join(map(str, missing))} is not running on another version "
                                    f"of {target.process_id}" + (f" (version {from_version})" if from_version else "")})
    return found


def _check_mapping(rt: Runtime, session: Session, target: Target, ids: list[int]) -> None:
    """Each OLD=NEW names an element of a version being moved from, and one of the version moved to."""
    if not target.diff.mapping:
        return
    version_ids = set(session.scalars(select(Instance.process_version_id).where(Instance.id.in_(ids))))
    old_ids = set().union(*(migration.element_ids(parsed_spec(rt, session, v)) for v in version_ids))
    new_ids = migration.element_ids(target.diff.new)
    problems = [f"{old}: no case being moved is on a version with an element {old!r}"
                for old in target.diff.mapping if version_ids and old not in old_ids]
    problems += [f"{old}={new}: version {target.version} has no element {new!r}"
                 for old, new in target.diff.mapping.items() if new not in new_ids]
    if problems:
        raise InvalidInput({"map": "; ".join(problems)})


def _checked(rt: Runtime, session: Session, instance_id: int, target: Target) -> CaseMove:
    instance = session.get(Instance, instance_id)
    view = _view(session, instance)
    workflow = engine.restore(instance.state, parsed_spec(rt, session, instance.process_version_id))
    found = migration.check(workflow, target.diff)
    return replace(view, waits=found.waits, **_refused(found.refusals, target))


def _refused(refusals, target: Target) -> dict:
    return {"reasons": tuple(_why(r, target) for r in refusals),
            "blocked_at": tuple((r.element_id, r.name, r.in_its_place) for r in refusals)}


def _why(refusal: migration.Refusal, target: Target) -> str:
    return str(refusal).replace("the new version", f"version {target.version}")


def _view(session: Session, instance: Instance) -> CaseMove:
    family = session.scalar(select(Case.family_name).where(Case.id == instance.case_id))
    version = session.scalar(select(ProcessVersion.version).where(ProcessVersion.id == instance.process_version_id))
    return CaseMove(instance.id, instance.case_id, family or "", version, ())


def _fresh_view(rt: Runtime, instance_id: int) -> CaseMove:
    with rt.reading() as session:
        return _view(session, session.get(Instance, instance_id))


def _record_move(rt: Runtime, session: Session, instance: Instance, snapshot, target: Target, actor: str,
                 before: CaseMove) -> None:
    now = rt.now()
    was_open = open_task_ids(session, instance.id)
    audit(session, now, actor, "moved_to_version", case_id=instance.case_id, instance_id=instance.id,
          name=f"{target.title}: version {before.from_version} to version {target.version}",
          from_version=before.from_version, to_version=target.version, version=target.version,
          revision=instance.revision, mapping=dict(target.diff.mapping))
    apply_snapshot(session, instance, snapshot, actor, now, moved_to=target.version_id)
    resync_open_tasks(session, instance, snapshot, was_open)
    rename_timers(session, instance, snapshot)
    if any(e.kind == "timer_fired" for e in snapshot.events):
        incidents.resolve(session, incidents.Attempt(incidents.TIMER, actor, instance_id=instance.id), now,
                          f"moved to version {target.version}; the timer fired")
    else:
        incidents.retry_now(session, instance.id)
