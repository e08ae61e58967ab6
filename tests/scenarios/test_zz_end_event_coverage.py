"""Every end event of every process in the library is reached by some scenario test.

Runs last in this folder (pytest orders files by name) and reads what the scenario tests recorded
(tests/scenarios/conftest.py). When only some scenario files were selected it has nothing to judge. Under
pytest-xdist the scenario files run on several workers, so the controller makes the same judgement once they
are all done (`missing_end_events`, called from tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from bpmnrun.library.files import DiagramFile, find_diagrams
from bpmnrun.library.summary import summarise
from tests.scenarios.conftest import RAN_ALL, REACHED
from tests.support import LIBRARY


def all_end_events() -> set[tuple[str, str]]:
    ends = set()
    for path in find_diagrams([LIBRARY]):
        diagram = DiagramFile.parse(str(path), path.read_bytes())
        for pid in diagram.process_ids:
            ends |= {(pid, name) for name in summarise(diagram.tree, pid, pid).end_events}
    return ends


def missing_end_events(reached: set[tuple[str, str]]) -> str:
    """What no scenario reaches, as a message; empty when every end event is reached."""
    missing = sorted(all_end_events() - reached)
    return "end events no scenario reaches:\n" + "\n".join(f"  {p}: {n}" for p, n in missing) if missing else ""


def test_every_end_event_is_reached_by_a_scenario():
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("run by several workers: judged by the controller when they are all done")
    if not RAN_ALL["value"]:
        pytest.skip("only part of tests/scenarios was selected")
    missing = missing_end_events(REACHED)
    assert missing == "", missing
