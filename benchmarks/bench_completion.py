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
from bpmnrun.service import cases, deploy, instances, tasks, users  # noqa: E402
from bpmnrun.service.runtime import Runtime  # noqa: E402
from bpmnrun.store.database import Database  # noqa: E402
from bpmnrun.store.models import Task  # noqa: E402
from sqlalchemy import select  # noqa: E402

ROUNDS = 40


class NaiveRoundTrip:
    """What an application without a spec store does per completion: the whole instance, spec included,
    is deserialized, one task completed, and the whole instance serialized again."""

    def __init__(self, folder: Path, process_id: str, advance: int) -> None:
        parsed = parse_sources(process_id, load_bundles([folder])[process_id].sources())
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
        workflow.do_engine_steps()
        for _ in range(advance):
            _complete_one(workflow)
        self.state = self.serializer.serialize_json(workflow)

    def once(self) -> float:
        t0 = time.perf_counter()
        workflow = self.serializer.deserialize_json(self.state)
        _complete_one(workflow)
        self.serializer.serialize_json(workflow)
        return time.perf_counter() - t0


def _complete_one(workflow: BpmnWorkflow) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(note="done")
    task.run()
    workflow.do_engine_steps()


class ServiceCompletion:
    """bpmnrun's completion: one use case, one SQLite transaction with task rows, timers and audit."""

    def __init__(self, folder: Path, process_id: str, advance: int, tmp: str) -> None:
        self.rt = Runtime(Database(f"sqlite:///{tmp}/{process_id}.sqlite"))
        deploy.deploy(self.rt, [folder], "bench")
        users.add_user(self.rt, "u", ["Team A", "Team B"])
        case = cases.create_case(self.rt, "Bench", [cases.Child("C")], "u")
        self.instances = [instances.start_work(self.rt, process_id, case.id, "u") for _ in range(ROUNDS)]
        for instance_id in self.instances:
            for _ in range(advance):
                self._complete(instance_id)

    def once(self, round_number: int) -> float:
        instance_id = self.instances[round_number]
        task_id = self._ready_task(instance_id)
        t0 = time.perf_counter()
        tasks.complete_task(self.rt, task_id, "u", {"note": "done"})
        return time.perf_counter() - t0

    def _complete(self, instance_id: int) -> None:
        tasks.complete_task(self.rt, self._ready_task(instance_id), "u", {"note": "done"})

    def _ready_task(self, instance_id: int) -> str:
        with self.rt.reading() as session:
            return session.scalars(select(Task.id).where(Task.instance_id == instance_id, Task.state == "ready")).first()


def main() -> None:
    print(f"{'diagram':<28}{'naive round trip':>18}{'bpmnrun service':>18}{'ratio':>8}")
    for size in (10, 52, 200):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            pid = f"bench_{size}"
            synthetic.write(folder / f"{pid}.bpmn", pid, size)
            advance = size // 2  # measure mid-way through the case, with history behind it
            naive, service = NaiveRoundTrip(folder, pid, advance), ServiceCompletion(folder, pid, advance, tmp)
            times = {"naive": [], "service": []}
            for n in range(ROUNDS):  # alternate, so machine noise hits both alike
                times["naive"].append(naive.once())
                times["service"].append(service.once(n))
            service.rt.db.dispose()
            a, b = statistics.median(times["naive"]), statistics.median(times["service"])
            print(f"{size:>3} user tasks, at task {advance:<5}{a * 1000:>15.2f} ms{b * 1000:>15.2f} ms{b / a:>8.2f}")
    print("goal: ratio <= 0.6 (service completion includes the SQLite commit, task rows, timers and audit)")


if __name__ == "__main__":
    main()
