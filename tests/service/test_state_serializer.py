"""bpmnrun writes a workflow's tasks with its own task converter (engine/serializer._TaskConverter, quicker than
SpiffWorkflow's): at every step of every demo walk, driven to its end, it writes what SpiffWorkflow's own would,
and what it writes reads back to the same workflow."""

from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

from bpmnrun.engine import serializer
from bpmnrun.library.bundles import ParsedSpec
from bpmnrun.service import demo
from bpmnrun.service.runtime import Runtime
from bpmnrun.store.database import Database
from tests.support import LIBRARY


def test_each_step_of_each_demo_walk_is_written_as_spiffworkflow_writes_it(tmp_path, clock, monkeypatch):
    rt = Runtime(Database(f"sqlite:///{tmp_path / 'walks.sqlite'}"), clock)  # the state is the same on any database
    stock = BpmnWorkflowSerializer(serializer._registry(fast=False))
    written = []
    dumps = serializer.dumps

    def compared(workflow):
        ours = serializer._serializer.to_dict(workflow)
        assert ours == stock.to_dict(workflow)
        text = dumps(workflow)
        restored = serializer.loads(text, ParsedSpec(workflow.spec, workflow.subprocess_specs))
        assert serializer._serializer.to_dict(restored) == ours
        written.append(len(ours["subprocesses"]))
        return text

    monkeypatch.setattr(serializer, "dumps", compared)
    demo.seed_users_and_library(rt, LIBRARY)
    for walk in demo.WALKS:
        instance_id = demo.start_walk(rt, walk, demo.family(rt, walk.family, demo.starter(rt, walk.process_id)))
        demo.walk_on(rt, walk, instance_id, None, clock=clock)
    rt.db.dispose()
    assert len(written) > 100 and max(written) > 0  # every step of them, sub-processes' tasks too

