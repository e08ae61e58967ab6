"""The council's group mapping: which bpmnrun teams and roles each group of the identity provider gives.

A TOML file (BPMNRUN_OIDC_GROUPS_FILE): Python reads TOML without another library (tomllib), its strings
are always strings (YAML reads `no`, `on` or `1e3` as something else, and a group or team name can be any of
those), and the simulation profiles are TOML already.

    [groups."CSC Social Workers"]          # the group as the provider's groups claim sends it
    teams = ["Social Worker"]              # bpmnrun teams: the lane names of the process library, exactly

    [groups."bpmnrun-process-owners"]
    roles = ["process owner"]              # roles: "process owner", "analyst"

A person gets the teams and roles of every group of theirs the file names; groups it does not name give nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..service.provider_accounts import KNOWN_ROLES
from ..service.users import team_key


class MappingError(ValueError):
    """The file cannot be used: the message names the file and what to change."""


@dataclass(frozen=True)
class GroupMapping:
    groups: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # group -> (teams, roles)

    def teams_and_roles(self, groups: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The teams and roles the given groups give, each once, in the file's order."""
        mine = set(groups)
        teams = [t for group, (ts, _) in self.groups.items() if group in mine for t in ts]
        roles = [r for group, (_, rs) in self.groups.items() if group in mine for r in rs]
        return tuple(dict.fromkeys(teams)), tuple(dict.fromkeys(roles))


def load_mapping(path: str | Path) -> GroupMapping:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the group mapping file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not a TOML file: {exc}") from None
    return parse_mapping(data, str(path))


def parse_mapping(data: dict[str, Any], where: str = "the group mapping") -> GroupMapping:
    unknown = sorted(set(data) - {"groups"})
    if unknown or not isinstance(data.get("groups"), dict) or not data["groups"]:
        raise MappingError(f"{where}: write one [groups.\"GROUP\"] table per group of the identity provider "
                           f"(found {', '.join(unknown) or 'no groups'})")
    groups = {group: _entry(group, entry, where) for group, entry in data["groups"].items()}
    _one_spelling_per_team(groups, where)
    return GroupMapping(groups)


def _entry(group: str, entry: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(entry, dict) or set(entry) - {"teams", "roles"}:
        raise MappingError(f"{where}: group {group!r}: give `teams` and `roles` only")
    teams, roles = (_names(group, key, entry.get(key, []), where) for key in ("teams", "roles"))
    for role in roles:
        if role not in KNOWN_ROLES:
            raise MappingError(f"{where}: group {group!r}: no role {role!r} (roles: {', '.join(KNOWN_ROLES)})")
    if not teams and not roles:
        raise MappingError(f"{where}: group {group!r} gives no team and no role")
    return teams, roles


def _names(group: str, key: str, value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise MappingError(f"{where}: group {group!r}: {key} is a list of names, e.g. {key} = [\"…\"]")
    for name in value:
        if name != " ".join(name.split()):
            raise MappingError(f"{where}: group {group!r}: {name!r} has extra spaces")
    return tuple(value)


def _one_spelling_per_team(groups: dict[str, tuple[tuple[str, ...], tuple[str, ...]]], where: str) -> None:
    """Two spellings of one team would make two inboxes (service/users.py refuses them too)."""
    seen: dict[str, str] = {}
    for group, (teams, _) in groups.items():
        for team in teams:
            first = seen.setdefault(team_key(team), team)
            if first != team:
                raise MappingError(f"{where}: group {group!r}: team {team!r} is spelt {first!r} elsewhere in "
                                   f"the file: use one spelling, the process library's")
