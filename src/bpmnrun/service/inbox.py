"""Which tasks a page of open tasks shows, read from the inbox index (task_team: team, ready, sort_key), so
that a page costs the same in an inbox of 100 tasks or of 100,000.

A page after the first is found from the place of the last task before it (keyset: `after`) or of the first
task after it (`before`), never by skipping rows; only a numbered page within the first COUNT_BOUND tasks
is reached by an offset, and that offset is bounded. Counts are exact up to COUNT_BOUND: beyond it a list
says "more than 1,000", which reads no more than that many index entries. "Mine and my teams'" is merged
from a read of each team's inbox and of the tasks the worker holds.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from sqlalchemy import Integer, String, bindparam, func, select, union_all
from sqlalchemy.orm import Session

from ..store.models import INBOX_PLACE, Task, TaskTeam

COUNT_BOUND = 1000


@dataclass(frozen=True)
class PageAt:
    """Where a page starts: its number (1 for the first), and the place of the task just before it (after) or
    just after it (before) when it was reached by Next or Previous."""

    number: int = 1
    after: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class Slice:
    """The task ids of one page, in list order, with the places of its first and last task and whether there
    are tasks before and after it."""

    ids: list[str]
    first: str | None
    last: str | None
    more_before: bool
    more_after: bool


def is_place(text: str) -> bool:
    """Whether a text is an inbox place (a task's sort key), as a page's `after` or `before` gives one."""
    return INBOX_PLACE.fullmatch(text) is not None


def bounded(count_query, bound: int = COUNT_BOUND) -> object:
    """How many rows a query gives, counting no further than bound + 1."""
    return select(func.count()).select_from(count_query.limit(bound + 1).subquery())


def team_counts(session: Session, teams: Iterable[str]) -> dict[str, int]:
    """Each team's open tasks (COUNT_BOUND + 1: more than COUNT_BOUND), in one statement of index-only reads."""
    teams = list(teams)
    if not teams:
        return {}
    found = session.connection().execute(_team_counts(len(teams), COUNT_BOUND),
                                         {f"team_{n}": team for n, team in enumerate(teams)})
    return {team: n for team, n in found}


@lru_cache(maxsize=64)
def _team_counts(teams: int, bound: int):
    """The statement counting `teams` inboxes (bound parameters team_0, team_1, ...), built once per size."""
    parts = [select(bindparam(f"team_{n}", type_=String).label("team"),
                    bounded(_open_in(bindparam(f"team_{n}")), bound).scalar_subquery().label("n"))
             for n in range(teams)]
    return union_all(*parts) if len(parts) > 1 else parts[0]


def held_count(session: Session, holder: str) -> int:
    """The open tasks a worker holds (COUNT_BOUND + 1: more than COUNT_BOUND)."""
    return session.connection().execute(_held_count(COUNT_BOUND), {"holder": holder}).scalar_one()


@lru_cache(maxsize=4)
def _held_count(bound: int):
    return bounded(select(Task.id).where(Task.state == "ready", Task.assignee == bindparam("holder")), bound)


def _open_in(team):
    # The index's own column: counted from the index alone, never the table.
    return select(TaskTeam.sort_key).where(TaskTeam.team == team, TaskTeam.ready.is_(True))


def page(session: Session, teams: list[str], holder: str | None, narrow, at: PageAt, size: int) -> Slice:
    """A page of the open tasks of `teams` and (when `holder` is given) of the tasks that worker holds;
    `narrow(query)`, if any, adds the list's filters to a query that has task and task_team joined."""
    backwards = at.before is not None and at.after is None
    offset = 0 if at.after or at.before else min((at.number - 1) * size, COUNT_BOUND)
    values = {"place": at.after or at.before, "limit": offset + size + 1}  # one more than shown: a next page?
    reads = [(_places(narrow, "team", bool(values["place"]), backwards), {**values, "team": team}) for team in teams]
    if holder is not None:
        reads.append((_places(narrow, "holder", bool(values["place"]), backwards), {**values, "holder": holder}))
    connection = session.connection()
    merged = _merge([connection.execute(query, given).all() for query, given in reads], backwards)
    shown = merged[offset:offset + size]
    more = len(merged) > offset + size
    if backwards:
        shown.reverse()
    ids = [task_id for task_id, _ in shown]
    first, last = (shown[0][1], shown[-1][1]) if shown else (None, None)
    more_before = more if backwards else bool(offset or at.after)
    more_after = bool(at.before) if backwards else more
    return Slice(ids, first, last, more_before, more_after)


def _places(narrow, whose: str, from_place: bool, backwards: bool):
    """The statement reading one source of a page (a team's inbox, or a worker's held tasks) from its place
    on; built once unless the list's filters make it a one-off."""
    if narrow is None:
        return _plain_places(whose, from_place, backwards)
    return _SOURCES[whose](narrow, from_place, backwards)


@lru_cache(maxsize=8)
def _plain_places(whose: str, from_place: bool, backwards: bool):
    return _SOURCES[whose](None, from_place, backwards)


def _team_places(narrow, from_place: bool, backwards: bool):
    """A team's inbox (parameter `team`) in its index's order; the task rows are joined only when a filter
    needs them."""
    query = select(TaskTeam.task_id, TaskTeam.sort_key).where(TaskTeam.team == bindparam("team"),
                                                              TaskTeam.ready.is_(True))
    if narrow is not None:
        query = narrow(query.join(Task, Task.id == TaskTeam.task_id))
    return _in_order(query, TaskTeam.sort_key, from_place, backwards)


def _held_places(narrow, from_place: bool, backwards: bool):
    """The tasks a worker (parameter `holder`) holds, at the place their inbox gives them (every inbox row of a
    task has the same)."""
    place = func.min(TaskTeam.sort_key)
    query = (select(TaskTeam.task_id, place.label("sort_key")).join(Task, Task.id == TaskTeam.task_id)
             .where(Task.state == "ready", Task.assignee == bindparam("holder")).group_by(TaskTeam.task_id))
    return _in_order(narrow(query) if narrow is not None else query, place, from_place, backwards, having=True)


def _in_order(query, key, from_place: bool, backwards: bool, having: bool = False):
    """The query in list order (or backwards) from the place given as parameter `place`, at most `limit` rows."""
    if from_place:
        condition = key < bindparam("place") if backwards else key > bindparam("place")
        query = query.having(condition) if having else query.where(condition)
    return query.order_by(key.desc() if backwards else key).limit(bindparam("limit", type_=Integer))


_SOURCES = {"team": _team_places, "holder": _held_places}


def _merge(sources: list[list], backwards: bool) -> list[tuple[str, str]]:
    """The sources' rows in one order, each task once (a task in two of the worker's teams, or held by them)."""
    seen: set[str] = set()
    merged = []
    for task_id, key in heapq.merge(*sources, key=lambda row: row[1], reverse=backwards):
        if task_id not in seen:
            seen.add(task_id)
            merged.append((task_id, key))
    return merged
