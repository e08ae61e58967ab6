"""A step runs the engine on until only people's tasks and waits are left: when a round leaves an automatic task
ready (a timer the closing refresh made ready), the engine runs another, and a step never spins for ever."""

from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from bpmnrun.engine import engine
from bpmnrun.library.bundles import parse_sources
from tests.support import DIAGRAMS


def _fresh_workflow() -> BpmnWorkflow:
    parsed = parse_sources("test_gateway", {"test_gateway.bpmn": (DIAGRAMS / "test_gateway.bpmn").read_bytes()})
    return BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine.SCRIPT_ENGINE)


def test_work_a_round_leaves_is_run_by_another(monkeypatch):
    workflow = _fresh_workflow()  # its start event is ready: automatic work
    rounds = []
    real = workflow.do_engine_steps
    monkeypatch.setattr(workflow, "do_engine_steps", lambda: rounds.append(1) if len(rounds) == 0 else real())
    snapshot = engine._step(workflow, lambda: None)
    assert len(rounds) == 1 and [t.name for t in snapshot.ready_tasks]  # the first round did nothing; the next ran
    assert engine._scan(workflow, 0).engine_work_left is False


def test_work_no_round_can_run_stops_after_a_bound(monkeypatch):
    workflow = _fresh_workflow()
    rounds = []
    monkeypatch.setattr(workflow, "do_engine_steps", lambda: rounds.append(1))
    snapshot = engine._step(workflow, lambda: None)
    assert len(rounds) == 1 + engine._MORE_ROUNDS and snapshot.ready_tasks == ()
