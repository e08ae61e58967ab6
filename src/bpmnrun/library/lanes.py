"""A lane's name is a team, spelt one way across the whole library.

The lane names the team whose inbox receives the lane's tasks: "social worker" in one diagram and
"Social Worker" in another are two teams to the engine, and half the tasks land in an inbox nobody has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .files import NS
from .problems import Problem


@dataclass(frozen=True)
class Lane:
    name: str
    path: str
    line: int
    element_id: str


def lanes_of(path: str, tree: etree._Element) -> list[Lane]:
    return [Lane(lane.get("name"), path, lane.sourceline or 0, lane.get("id") or "-")
            for lane in tree.iterfind("bpmn:process//bpmn:lane", NS) if lane.get("name")]


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).casefold()


def lane_problems(checked: list[Lane], others: list[Lane]) -> list[Problem]:
    """An error on each checked lane spelt otherwise than the rest of the library spells that team (capitals,
    spacing); when no spelling is the more common one, on every spelling."""
    spellings: dict[str, dict[str, set[str]]] = {}
    for lane in [*checked, *others]:
        spellings.setdefault(_key(lane.name), {}).setdefault(lane.name, set()).add(lane.path)
    problems = []
    for lane in checked:
        variants = spellings[_key(lane.name)]
        most = max(len(paths) for paths in variants.values())
        usual = [name for name, paths in variants.items() if len(paths) == most]
        if len(variants) < 2 or (lane.name in usual and len(usual) == 1):
            continue
        elsewhere = "; ".join(f"{name!r} in {_files(paths)}" for name, paths in sorted(variants.items())
                              if name != lane.name)
        problems.append(Problem(lane.path, lane.line, lane.element_id,
                                f"lane {lane.name!r} names the same team as {elsewhere}, spelt differently. A lane's "
                                f"name is the team whose inbox gets its tasks: spell it one way across the library"))
    return problems


def _files(paths: set[str]) -> str:
    listed = sorted(paths)
    return ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")
