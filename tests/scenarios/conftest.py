"""Scenario tests drive the real process library; every end event they reach is recorded here so
that the coverage test can show each end event of each process is reached by some scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmnrun.service import queries
from bpmnrun.store.models import Instance

REACHED: set[tuple[str, str]] = set()
RAN_ALL = {"value": False}


def pytest_collection_modifyitems(session, config, items):
    here = Path(__file__).parent
    collected = {Path(str(item.fspath)).name for item in items if Path(str(item.fspath)).parent == here}
    wanted = {p.name for p in here.glob("test_*.py")}
    RAN_ALL["value"] = wanted <= collected


def pytest_sessionfinish(session):
    """Under pytest-xdist each worker runs some scenario files: it hands what they reached to the controller,
    which judges the coverage once every worker is done (tests/conftest.py)."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["end_events_reached"] = sorted(REACHED)
        session.config.workeroutput["all_scenarios_collected"] = RAN_ALL["value"]


@pytest.fixture(autouse=True)
def record_end_events(request):
    yield
    rt = request.node.funcargs.get("rt")
    if rt is None:
        return
    with rt.reading() as session:
        ids = [i for (i,) in session.query(Instance.id)]
    for instance_id in ids:
        for event in queries.history(rt, instance_id=instance_id):
            if event.action == "end_event":
                REACHED.add((event.detail.get("process"), event.name))
