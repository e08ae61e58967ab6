"""Demo data: the library deployed, a user for every lane, a few families with work under way.

Idempotent: running it again adds nothing that is already there, so `make run` can call it every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..expressions.time_functions import today
from ..store.models import Case
from . import cases, catalogue, deploy, instances, queries, tasks, users
from .errors import NotFound
from .runtime import Runtime

PASSWORD = "demo"
# The case-data names an assignee expression reads: ${lead_professional}, ${value("approving_eh_manager")}.
_ASSIGNEE_NAMES = re.compile(r'\$\{\s*(\w+)\s*\}|value\(\s*["\'](\w+)["\']')
PROCESS_OWNER = "process-owner"
FAMILIES = {
    # The family in the Lincolnshire guide's screenshot (process catalogue §10).
    "Smith": [("Johnny Smith", date(2020, 9, 3)), ("Josie Smith", date(2015, 6, 14)), ("Joy Smith", date(2022, 10, 3))],
    "Khan": [("Aisha Khan", date(2012, 2, 11)), ("Omar Khan", date(2016, 7, 29))],
    "Taylor": [("Mia Taylor", date(2009, 11, 20))],
}
# (family, process, children or None for all, how many first steps to complete)
WORK = [
    ("Smith", "lincs_step_out_internal_lp_existing_eh", ["Josie Smith", "Joy Smith"], 1),
    ("Smith", "lincs_step_out_internal_lp_no_eh", ["Johnny Smith"], 0),
    ("Khan", "york_step_down_cin_cp", None, 1),
    ("Khan", "york_request_additional_services", None, 0),
    ("Taylor", "authc_step_down_sc_to_eh", None, 2),
]


@dataclass(frozen=True)
class DemoResult:
    deployed: list[deploy.Deployed]
    users: list[users.UserView]
    created_cases: int


def username_for(team: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-")


def seed(rt: Runtime, library: Path | str = "bpmn") -> DemoResult:
    deployed = deploy.deploy(rt, [library], PROCESS_OWNER)
    teams = sorted({lane for entry in catalogue.catalogue(rt) for lane in entry.summary.lanes}
                   | {g for entry in catalogue.catalogue(rt) for t in entry.summary.user_tasks
                      for g in t.candidate_groups})
    # Lanes that differ only in case or punctuation ("Social Worker", "social worker") share one demo user.
    by_name: dict[str, list[str]] = {}
    for team in teams:
        by_name.setdefault(username_for(team), []).append(team)
    made = [_user(rt, name, members) for name, members in by_name.items()]
    made.append(_user(rt, PROCESS_OWNER, [], roles=["process owner"]))
    created = 0
    if not _has_cases(rt):
        created = _families_with_work(rt)
    return DemoResult(deployed, [u for u in made if u], created)


def _user(rt: Runtime, name: str, teams: list[str], roles: list[str] = ()) -> users.UserView | None:
    try:
        return users.get_user(rt, name)
    except NotFound:
        return users.add_user(rt, name, teams, display_name=f"{(teams or roles)[0]} (demo)", roles=list(roles),
                              password=PASSWORD, actor="demo")


def _has_cases(rt: Runtime) -> bool:
    with rt.reading() as session:
        return session.scalars(select(Case.id).limit(1)).first() is not None


def _families_with_work(rt: Runtime) -> int:
    made = {name: cases.create_case(rt, name, [cases.Child(n, born) for n, born in children], "demo")
            for name, children in FAMILIES.items()}
    available = {entry.process_id for entry in catalogue.catalogue(rt)}
    people = assignee_fields(rt)
    for family, process_id, children, steps in WORK:
        if process_id not in available:
            continue
        case = made[family]
        chosen = [s.id for s in case.subjects if children is None or s.name in children]
        starter = _starter(rt, process_id)
        instance_id = instances.start_work(rt, process_id, case.id, starter, chosen)
        for _ in range(steps):
            _complete_first_open_task(rt, instance_id, people)
    return len(made)


def _starter(rt: Runtime, process_id: str) -> str:
    entry = next(e for e in catalogue.catalogue(rt) if e.process_id == process_id)
    return username_for(entry.summary.lanes[0]) if entry.summary.lanes else PROCESS_OWNER


def _complete_first_open_task(rt: Runtime, instance_id: int, people: dict[str, str]) -> None:
    info = queries.get_instance(rt, instance_id)
    open_tasks = [t for t in queries.case_tasks(rt, info.case_id) if t.instance_id == instance_id and t.state == "ready"]
    if not open_tasks:
        return
    task = open_tasks[0]
    actor = task.assignee or username_for(task.teams[0])
    tasks.complete_task(rt, task.id, actor, plausible_values(task.form, actor, people))


def assignee_fields(rt: Runtime) -> dict[str, str]:
    """Form fields that name who a later task is assigned to (`${lead_professional}`), each with the demo
    user of that task's lane: a demo answer there must be someone who can open the task."""
    found = {}
    for entry in catalogue.catalogue(rt):
        for task in entry.summary.user_tasks:
            if task.assignee and task.lane:
                for name in _ASSIGNEE_NAMES.findall(task.assignee):
                    found[next(n for n in name if n)] = username_for(task.lane)
    return found


def plausible_values(form: list[dict], actor: str, people: dict[str, str] | None = None) -> dict:
    """Plausible answers for a demo: yes where asked, the first option otherwise, today for dates; a field
    that names an assignee gets the user in `people` (the acting user when none is given)."""
    people = people or {}
    values = {}
    for field in form:
        if field["readonly"] or field.get("default") is not None or field["properties"].get("row_of"):
            continue
        kind, options = field["type"], [o["id"] for o in field["options"]]
        if kind == "enum":
            choice = "yes" if "yes" in options else options[0]
            values[field["id"]] = [choice] if field["multiple"] else choice
        elif kind == "boolean":
            values[field["id"]] = True
        elif kind == "date":
            values[field["id"]] = today()
        elif kind == "long":
            values[field["id"]] = 1
        else:
            named = people.get(field["id"]) or (actor if field["id"] in ("authoriser", "completed_by") else None)
            values[field["id"]] = named or "Recorded for the demo"
    return values
