"""Benchmark (a): one task completion through the service layer (SQLite commit and audit) against the
naive SpiffWorkflow round trip of the same diagram (deserialize with embedded spec → complete → serialize).

Prints medians and their ratio, measured in one run (machines are noisy); the goal is a ratio ≤ 0.6.
Run: .venv/bin/python benchmarks/bench_completion.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

sys.path.insert(0, str(Path(__file__).parent))
import synthetic  # noqa: E402

from bpmnrun.library.bundles import load_bundles, parse_sources  # noqa: E402
from bpmnrun.service import cases, deploy, instances, queries, tasks, users  # noqa: E402
from bpmnrun.service.runtime import Runtime  # noqa: E402
from bpmnrun.store.database import Database  # noqa: E402

ROUNDS = 40


def naive_round_trip(folder: Path, process_id: str, advance: int) -> list[float]:
    """What an application without a spec store does per completion."""
    parsed = parse_sources(process_id, load_bundles([folder])[process_id].sources())
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
    workflow.do_engine_steps()
    for _ in range(advance):
        _complete_one(workflow)
    state = serializer.serialize_json(workflow)
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        _complete_one(workflow)
        state_after = serializer.serialize_json(workflow)
        times.append(time.perf_counter() - t0)
        del state_after
    return times


def _complete_one(workflow: BpmnWorkflow) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(note="done")
    task.run()
    workflow.do_engine_steps()


def service_completion(folder: Path, process_id: str, advance: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(Database(f"sqlite:///{tmp}/bench.sqlite"))
        deploy.deploy(rt, [folder], "bench")
        users.add_user(rt, "u", ["Team A", "Team B"])
        case = cases.create_case(rt, "Bench", [cases.Child("C")], "u")
        ids = [instances.start_work(rt, process_id, case.id, "u") for _ in range(ROUNDS)]
        for instance_id in ids:
            for _ in range(advance):
                _service_complete(rt, instance_id)
        times = []
        for instance_id in ids:
            t0 = time.perf_counter()
            _service_complete(rt, instance_id)
            times.append(time.perf_counter() - t0)
        rt.db.dispose()
        return times


def _service_complete(rt: Runtime, instance_id: int) -> None:
    with rt.reading() as session:
        from bpmnrun.store.models import Task
        task_id = session.query(Task.id).filter_by(instance_id=instance_id, state="ready").first()[0]
    tasks.complete_task(rt, task_id, "u", {"note": "done"})


def main() -> None:
    print(f"{'diagram':<28}{'naive round trip':>18}{'bpmnrun service':>18}{'ratio':>8}")
    for size in (10, 52, 200):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            pid = f"bench_{size}"
            synthetic.write(folder / f"{pid}.bpmn", pid, size)
            advance = size // 2  # measure mid-way through the case, with history behind it
            naive = statistics.median(naive_round_trip(folder, pid, advance))
            ours = statistics.median(service_completion(folder, pid, advance))
            print(f"{size:>3} user tasks, at task {advance:<5}{naive * 1000:>15.2f} ms{ours * 1000:>15.2f} ms{ours / naive:>8.2f}")
    print("goal: ratio <= 0.6 (service completion includes the SQLite commit, task rows, timers and audit)")


if __name__ == "__main__":
    main()
