"""gunicorn settings for the benchmark only (`-c benchmarks/gunicorn_ready.py`): each worker leaves a file
once it has loaded the app, so that a timed run starts with every worker serving, not one of two still
booting."""

import os
from pathlib import Path


def post_worker_init(worker) -> None:
    Path(os.environ["BPMNRUN_BENCH_READY_DIR"], str(worker.pid)).touch()
