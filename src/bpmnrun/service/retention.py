"""Retention: a family whose work has all ended, and ended longer ago than the policy keeps it, is deleted or
anonymised (service/retention_policy.py reads the policy; retention_rows.py does the deleting and anonymising).

Which rule governs a family: each piece of its work falls under its process's rule, else its authority's, else
the default; the family goes only when every piece has been kept its own rule's period, and the rule that keeps
it longest decides what happens to it (at a tie, anonymising wins over deleting). A family with running work,
or with an open incident (work somebody is trying to start), is never touched; a family with no work at all
falls under the default rule from when it was added. An anonymised family is not anonymised again unless new
work was started on it after.

`preview` changes nothing. `apply` works in batches of families, each in its own transaction: the batch's rows
are deleted or updated with set-based statements, and each family gets an audit event (case number, rule,
action, counts; nothing personal) in the same transaction. A crash loses at most the batch under way, and a
second run carries on, since a family is chosen by what the database holds now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import (ColumnElement, Select, String, Table, case, cast, false, func, literal, null, or_, select,
                        text)
from sqlalchemy.orm import Session

from ..store.models import Incident, ProcessVersion, UTCDateTime
from .persist import audit
from .retention_policy import ANONYMISE, DELETE, Policy, Rule
from .retention_rows import CASE, EVENT, INSTANCE, SUBJECT, TASK, anonymise_families, delete_families
from .runtime import Runtime

BATCH = 500  # families per transaction
ENDED = ("completed", "cancelled")
DELETED, ANONYMISED = "case_deleted", "case_anonymised"
INCIDENT = Incident.__table__
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)  # before anything a family holds


@dataclass(frozen=True)
class Family:
    """A family that is due: the rule that governs it, when its last work ended, and how much it holds."""

    case_id: int
    rule: Rule
    last_ended: datetime  # when the family was added, for one with no work
    children: int = 0
    work: int = 0
    tasks: int = 0
    events: int = 0

    def to_json(self) -> dict:
        return {"case": self.case_id, "rule": self.rule.name, "action": self.rule.action,
                "last_ended": self.last_ended.isoformat(), "children": self.children, "work": self.work,
                "tasks": self.tasks, "events": self.events}


@dataclass
class Tally:
    rule: Rule
    families: int = 0
    children: int = 0
    work: int = 0
    tasks: int = 0
    events: int = 0

    def add(self, family: Family) -> None:
        self.families += 1
        self.children += family.children
        self.work += family.work
        self.tasks += family.tasks
        self.events += family.events

    def to_json(self) -> dict:
        return {**self.rule.to_json(), "families": self.families, "children": self.children, "work": self.work,
                "tasks": self.tasks, "events": self.events}


@dataclass
class RetentionRun:
    policy: Policy
    at: datetime
    dry_run: bool
    tallies: dict[str, Tally]
    warnings: tuple[str, ...] = ()
    batches: int = 0

    @property
    def families(self) -> int:
        return sum(t.families for t in self.tallies.values())

    def count(self, family: Family) -> None:
        self.tallies[family.rule.name].add(family)

    def to_json(self) -> dict:
        return {"policy": self.policy.source, "at": self.at.isoformat(), "dry_run": self.dry_run,
                "families": self.families, "batches": self.batches, "warnings": list(self.warnings),
                "rules": [t.to_json() for t in self.tallies.values()]}


def preview(rt: Runtime, policy: Policy, batch_size: int = BATCH,
            on_family: Callable[[Family], None] | None = None) -> RetentionRun:
    """What `apply` would do now, per rule, with counts; nothing is changed. Reads in batches, so its memory
    does not grow with the number of families."""
    with rt.reading() as session:
        run, chooser = _start(session, policy, rt.now(), dry_run=True)
        after = 0
        while ids := chooser.next_ids(session, after, batch_size):
            after = ids[-1]
            for family in chooser.families(session, ids):
                run.count(family)
                if on_family:
                    on_family(family)
            run.batches += 1
    return run


def apply(rt: Runtime, policy: Policy, actor: str, batch_size: int = BATCH,
          on_batch: Callable[[int, list[Family]], None] | None = None) -> RetentionRun:
    """Delete or anonymise every family that is due, a batch of families per transaction."""
    with rt.reading() as session:
        run, chooser = _start(session, policy, rt.now(), dry_run=False)
    after = 0
    while True:
        with rt.transaction() as session:
            ids = chooser.next_ids(session, after, batch_size)
            if not ids:
                break
            after = ids[-1]
            done = _retire(session, chooser, ids, actor, rt.now())
        run.batches += 1
        for family in done:
            run.count(family)
        if on_batch:
            on_batch(run.batches, done)
    return run


def _retire(session: Session, chooser: "_Chooser", ids: list[int], actor: str, now: datetime) -> list[Family]:
    # Lock the families, then look again: work started on one meanwhile (committed while we waited) keeps it.
    session.execute(select(CASE.c.id).where(CASE.c.id.in_(ids)).with_for_update())
    families = chooser.families(session, chooser.still_due(session, ids))
    delete_families(session, [f.case_id for f in families if f.rule.action == DELETE])
    anonymise_families(session, [f.case_id for f in families if f.rule.action == ANONYMISE])
    for family in families:  # after the anonymising, which empties the family's events' details
        deleted = family.rule.action == DELETE
        audit(session, now, actor, DELETED if deleted else ANONYMISED, case_id=None if deleted else family.case_id,
              name=f"case {family.case_id}", case=family.case_id, rule=family.rule.name, period=family.rule.period,
              children=family.children, work=family.work, tasks=family.tasks, events=family.events)
    return families


def _start(session: Session, policy: Policy, now: datetime, dry_run: bool) -> tuple[RetentionRun, "_Chooser"]:
    versions = session.execute(select(ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.authority)).all()
    chooser = _Chooser(policy, now, {vid: policy.rule_for(pid, authority) for vid, pid, authority in versions})
    tallies = {rule.name: Tally(rule) for rule in policy.all_rules}
    return RetentionRun(policy, now, dry_run, tallies, _warnings(policy, versions)), chooser


def _warnings(policy: Policy, versions) -> tuple[str, ...]:
    """A rule that matches nothing deployed is most likely misspelt: its work would fall under another rule."""
    processes = {pid for _, pid, _ in versions}
    authorities = {authority for _, _, authority in versions}
    return tuple(
        f"rule {rule.name}: no process {rule.process!r} is deployed" if rule.process else
        f"rule {rule.name}: no deployed process is of the authority {rule.authority!r} "
        f"(known: {', '.join(sorted(authorities)) or 'none'})"
        for rule in policy.rules
        if (rule.process and rule.process not in processes) or (rule.authority and rule.authority not in authorities))


@dataclass
class _Chooser:
    """Finds the families that are due, and the rule that governs each."""

    policy: Policy
    now: datetime
    rule_of_version: dict[int, Rule | None]
    _due: Select = field(init=False)

    def __post_init__(self) -> None:
        self._due = self._due_query()

    def next_ids(self, session: Session, after: int, size: int) -> list[int]:
        _without_jit(session)
        return list(session.scalars(self._due.where(CASE.c.id > after).order_by(CASE.c.id).limit(size)))

    def still_due(self, session: Session, ids: list[int]) -> list[int]:
        return list(session.scalars(self._due.where(CASE.c.id.in_(ids)).order_by(CASE.c.id)))

    def families(self, session: Session, ids: list[int]) -> list[Family]:
        if not ids:
            return []
        governing: dict[int, tuple[tuple[datetime, bool], Rule, datetime]] = {}
        for cid, vid, ended in session.execute(select(INSTANCE.c.case_id, INSTANCE.c.process_version_id,
                                                      INSTANCE.c.ended_at).where(INSTANCE.c.case_id.in_(ids))):
            rule = self.rule_of_version.get(vid, self.policy.default)  # deployed since the run began
            key = (rule.expires(ended), rule.action == ANONYMISE)
            if cid not in governing or key > governing[cid][0]:
                governing[cid] = (key, rule, ended)
        if len(governing) < len(ids):  # families without work: the default rule, from when they were added
            for cid, created in session.execute(select(CASE.c.id, CASE.c.created_at).where(
                    CASE.c.id.in_([i for i in ids if i not in governing]))):
                governing[cid] = ((created, False), self.policy.default, created)
        counts = _counts(session, ids)
        return [Family(cid, governing[cid][1], governing[cid][2], **counts.get(cid, {})) for cid in ids]

    def _due_query(self) -> Select:
        cutoff = self._cutoff()
        blocking = _one_of(INSTANCE, INSTANCE.c.case_id == CASE.c.id, or_(
            INSTANCE.c.status.not_in(ENDED), INSTANCE.c.ended_at.is_(None), cutoff.is_(None),
            INSTANCE.c.ended_at >= cutoff))
        open_incident = _one_of(INCIDENT, INCIDENT.c.case_id == CASE.c.id, INCIDENT.c.resolved.is_(False))
        has_work = _one_of(INSTANCE, INSTANCE.c.case_id == CASE.c.id)
        default = self.policy.default
        added_long_ago = CASE.c.created_at < _at(default.cutoff(self.now)) if default else false()
        # Already anonymised, and no work started since: only a family that bears its anonymised label is looked
        # up in the audit (as NOT EXISTS over the events, PostgreSQL read every event of every family per batch).
        last_start = select(func.max(INSTANCE.c.started_at)).where(INSTANCE.c.case_id == CASE.c.id).scalar_subquery()
        anonymised = select(func.max(EVENT.c.at)).where(EVENT.c.case_id == CASE.c.id,
                                                        EVENT.c.action == ANONYMISED).scalar_subquery()
        labelled = CASE.c.family_name == (  # retention_rows.family_label, in SQL
            literal("Family ") + cast(CASE.c.id, String) + literal(" (anonymised)"))
        earliest = _at(EARLIEST)
        not_since = or_(~labelled, func.coalesce(anonymised, earliest) <= func.coalesce(last_start, earliest))
        return select(CASE.c.id).where(blocking.is_(None), open_incident.is_(None),
                                       or_(has_work.is_not(None), added_long_ago), not_since)

    def _cutoff(self) -> ColumnElement:
        """Per piece of work, the moment before which its end must lie (NULL: kept however long ago it ended),
        as a CASE over process versions, so that the whole choice is made in the database."""
        by_rule: dict[Rule, list[int]] = {}
        for vid, rule in self.rule_of_version.items():
            if rule is not None and rule is not self.policy.default:
                by_rule.setdefault(rule, []).append(vid)
        default = _at(self.policy.default.cutoff(self.now)) if self.policy.default else null()
        if not by_rule:
            return default
        return case(*[(INSTANCE.c.process_version_id.in_(vids), _at(rule.cutoff(self.now)))
                      for rule, vids in by_rule.items()], else_=default)


def _one_of(table: Table, *where: ColumnElement) -> ColumnElement:
    """The id of one row of `table` that is the family's (NULL: none), looked up by the family's id. Not EXISTS:
    PostgreSQL makes that a join that reads the table from its start (or whole) for every batch, so that a run
    took time in the square of the number of families."""
    return select(table.c.id).where(*where).limit(1).scalar_subquery()


def _without_jit(session: Session) -> None:
    """PostgreSQL cannot tell that the lookups pass over few families before a batch is full: it costs the query as
    a scan of every family and compiles it (JIT), which took 350 ms a batch where running it takes 5. For the
    transaction under way only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _at(moment: datetime) -> ColumnElement:
    return literal(moment, UTCDateTime())


def _counts(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    """Children, pieces of work, tasks and events per family, counted in the database."""
    counts: dict[int, dict[str, int]] = {cid: {"children": 0, "work": 0, "tasks": 0, "events": 0} for cid in ids}
    for key, table in (("children", SUBJECT), ("work", INSTANCE), ("tasks", TASK), ("events", EVENT)):
        for cid, n in session.execute(select(table.c.case_id, func.count()).where(table.c.case_id.in_(ids))
                                      .group_by(table.c.case_id)):
            counts[cid][key] += n
    # Events that name only the work (no case) go with it too.
    for cid, n in session.execute(select(INSTANCE.c.case_id, func.count())
                                  .select_from(EVENT.join(INSTANCE, EVENT.c.instance_id == INSTANCE.c.id))
                                  .where(EVENT.c.case_id.is_(None), INSTANCE.c.case_id.in_(ids))
                                  .group_by(INSTANCE.c.case_id)):
        counts[cid]["events"] += n
    return counts
