"""The simulated workers: one user per team ("simulator: <team>"), made the first time a task of that team is
done or a person picker names someone of it, and whoever a task is assigned to."""

from __future__ import annotations

import re
from typing import Iterable

from ..service import users
from ..service.errors import NotFound
from ..service.runtime import Runtime
from .runtime import SIMULATOR


def worker_name(team: str) -> str:
    """The simulated member of `team`, e.g. "simulator: early-help-manager"."""
    return f"{SIMULATOR}: {re.sub(r'[^a-z0-9]+', '-', team.lower()).strip('-')}"


class People:
    """Users made as the simulation needs them (each made once, in its own transaction)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.known: set[str] = set()

    def ensure(self, name: str, teams: Iterable[str], roles: Iterable[str] = ()) -> str:
        if name not in self.known:
            try:
                users.get_user(self.rt, name)
            except NotFound:
                users.add_user(self.rt, name, list(teams), display_name=f"{name} (simulated)", roles=list(roles),
                               actor=SIMULATOR)
            self.known.add(name)
        return name

    def member_of(self, team: str) -> str:
        """A member of `team` (a person picker's answer, or who works a team's inbox)."""
        return self.ensure(worker_name(team), [team])

    def actor_for(self, assignee: str | None, teams: tuple[str, ...], lane: str | None) -> str:
        """Who completes a task: its assignee, else the simulated member of its first team."""
        if assignee:
            return self.ensure(assignee, list(teams) or [lane or "Simulated team"])
        return self.member_of(teams[0] if teams else lane or "Simulated team")
