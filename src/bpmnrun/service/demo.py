"""Demo data: the library deployed, a user for every team, and families with every procedure under way.

Each procedure is walked part way (service/demo_walks.py), so `make run` shows every procedure in the middle:
tasks waiting in the teams' inboxes, answers already recorded, a timer or a message awaited. Idempotent: running
it again adds nothing that is already there, so `make run` can call it every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable
from pathlib import Path

from sqlalchemy import select

from ..clock import MovableClock
from ..expressions.time_functions import today
from ..store.models import Case, Timer
from . import access_log, cases, catalogue, deploy, instances, queries, tasks, timers, users
from .demo_walks import WALKS, Walk, answers_for, plausible_answers
from .errors import NotFound
from .runtime import Runtime

PASSWORD = "demo"
PROCESS_OWNER = "process-owner"
ANALYST = "analyst"
MANAGER = "service-manager"  # every team user's line manager: sees their families, reads access logs
DATA_PROTECTION_OFFICER = "data-protection-officer"
FAMILIES = {
    # The family in the Lincolnshire guide's screenshot (process catalogue §10).
    "Smith": [("Johnny Smith", date(2020, 9, 3)), ("Josie Smith", date(2015, 6, 14)), ("Joy Smith", date(2022, 10, 3))],
    "Khan": [("Aisha Khan", date(2012, 2, 11)), ("Omar Khan", date(2016, 7, 29))],
    "Taylor": [("Mia Taylor", date(2009, 11, 20))],
    "Okafor": [("Daniel Okafor", date(2013, 5, 2)), ("Grace Okafor", date(2018, 1, 23))],
    "Nowak": [("Lena Nowak", date(2014, 9, 9))],
    "Evans": [("Ruby Evans", date(2017, 3, 15)), ("Alfie Evans", date(2019, 12, 1))],
    "Hughes": [("Jordan Hughes", date(2005, 4, 18))],
    "Ahmed": [("Zara Ahmed", date(2014, 4, 6)), ("Yusuf Ahmed", date(2017, 8, 21))],
    "Wilson": [("Ella Wilson", date(2011, 10, 30)), ("Noah Wilson", date(2016, 2, 14))],
    "Brown": [("Lily Brown", date(2013, 6, 8))],
    "Green": [("Arjun Green", date(2010, 1, 27))],
}


@dataclass(frozen=True)
class DemoResult:
    deployed: list[deploy.Deployed]
    users: list[users.UserView]
    created_cases: int


def username_for(team: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-")


def seed(rt: Runtime, library: Path | str = "bpmn") -> DemoResult:
    deployed, made = seed_users_and_library(rt, library)
    created = 0
    if not _has_cases(rt):
        created = _families_with_work(rt)
    return DemoResult(deployed, made, created)


def seed_users_and_library(rt: Runtime, library: Path | str) -> tuple[list[deploy.Deployed], list[users.UserView]]:
    """The library deployed; one demo user per team (a lane or a candidate team), their line manager, a process
    owner, an analyst and a data protection officer."""
    deployed = deploy.deploy(rt, [library], PROCESS_OWNER)
    entries = catalogue.catalogue(rt)
    teams = sorted({lane for e in entries for lane in e.summary.lanes}
                   | {g for e in entries for t in e.summary.user_tasks for g in t.candidate_groups})
    made = [_user(rt, MANAGER, [], roles=["service manager"], display_name="Service manager (demo)")]
    made += [_user(rt, username_for(team), [team], line_manager=MANAGER) for team in teams]
    made.append(_user(rt, PROCESS_OWNER, [], roles=["process owner"]))
    made.append(_user(rt, ANALYST, [], roles=["analyst"]))
    made.append(_user(rt, DATA_PROTECTION_OFFICER, [], roles=[access_log.DATA_PROTECTION_OFFICER],
                      display_name="Data protection officer (demo)"))
    return deployed, [u for u in made if u]


def demo_users(rt: Runtime) -> list[users.UserView]:
    """The demo's users as they are, changing nothing."""
    with rt.reading() as session:
        from ..store.models import User
        names = list(session.scalars(select(User.username).order_by(User.username)))
    return [users.get_user(rt, n) for n in names]


def _user(rt: Runtime, name: str, teams: list[str], roles: list[str] = (), display_name: str | None = None,
          line_manager: str | None = None) -> users.UserView | None:
    try:
        return users.get_user(rt, name)
    except NotFound:
        label = teams[0] if teams else roles[0].capitalize()
        return users.add_user(rt, name, teams, display_name=display_name or f"{label} (demo)", roles=list(roles),
                              password=PASSWORD, actor="demo", line_manager=line_manager)


def _has_cases(rt: Runtime) -> bool:
    with rt.reading() as session:
        return session.scalars(select(Case.id).limit(1)).first() is not None


def _families_with_work(rt: Runtime) -> int:
    available = {e.process_id for e in catalogue.catalogue(rt)}
    made = set()
    for walk in WALKS:
        if walk.process_id in available:
            walk_on(rt, walk, start_walk(rt, walk, family(rt, walk.family, starter(rt, walk.process_id))), walk.middle)
            made.add(walk.family)
    return len(made)


def family(rt: Runtime, name: str, added_by: str) -> cases.CaseView:
    """The demo family of that name, added by the worker who starts its first walk (the family's work is theirs
    and their team's to see: every walk of a demo family starts in the same team)."""
    with rt.reading() as session:
        found = session.scalars(select(Case.id).where(Case.family_name == name).limit(1)).first()
    if found is not None:
        return cases.get_case(rt, found)
    return cases.create_case(rt, name, [cases.Child(n, born) for n, born in FAMILIES[name]], added_by)


def start_walk(rt: Runtime, walk: Walk, case: cases.CaseView) -> int:
    chosen = [s.id for s in case.subjects if walk.children is None or s.name.split()[0] in walk.children]
    return instances.start_work(rt, walk.process_id, case.id, starter(rt, walk.process_id), chosen, dict(walk.start))


def starter(rt: Runtime, process_id: str) -> str:
    """The demo user of the lane the procedure starts in."""
    entry = next(e for e in catalogue.catalogue(rt) if e.process_id == process_id)
    lanes = entry.summary.start_lanes or entry.summary.lanes
    return username_for(lanes[0]) if lanes else PROCESS_OWNER


MOST_STEPS = 60  # a walk that goes round for longer is looping: its script must say how to leave


def walk_on(rt: Runtime, walk: Walk, instance_id: int, steps: int | None, clock: MovableClock | None = None,
            finish: Callable[[Runtime, Walk, Any, int], None] | None = None) -> int:
    """Complete up to `steps` tasks (to an end, when None) with the walk's answers; `finish(rt, walk, task,
    visit)` completes one (by default through the service; the browser suite does it on the pages). A message
    the work waits for is delivered; a timer is waited for only when a movable clock is given. Returns the
    tasks done."""
    finish = finish or complete_step
    done, visits, rounds = 0, {}, 0
    while (steps is None or done < steps) and rounds < MOST_STEPS:
        rounds += 1
        info = queries.get_instance(rt, instance_id)
        if info.status != "running":
            break
        open_now = queries.instance_tasks(rt, instance_id)
        if open_now:
            task = open_now[0]
            visit = visits.get(task.name, 0)
            visits[task.name] = visit + 1
            finish(rt, walk, task, visit)
            done += 1
        elif info.waiting_messages:
            instances.deliver_message(rt, instance_id, info.waiting_messages[0], starter(rt, walk.process_id))
        elif clock is not None and next_timer(rt, instance_id) is not None:
            clock.set(next_timer(rt, instance_id) + timedelta(seconds=1))  # a timer fires once past due
            timers.fire_due_timers(rt)
        else:
            break
    return done


def actor_for(task) -> str:
    """Who does a step in the demo: its assignee, else the demo user of its lane."""
    return task.assignee or username_for(task.lane or task.teams[0])


def complete_step(rt: Runtime, walk: Walk, task, visit: int) -> None:
    actor = actor_for(task)
    form = queries.get_task(rt, task.id, actor).form
    tasks.complete_task(rt, task.id, actor, plausible_answers(form, today(), answers_for(walk, task.name, visit)))


def next_timer(rt: Runtime, instance_id: int) -> datetime | None:
    with rt.reading() as session:
        return session.scalars(select(Timer.due_at).where(Timer.instance_id == instance_id)
                               .order_by(Timer.due_at).limit(1)).first()
