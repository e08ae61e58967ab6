"""Small diagrams for the rule tests, drawn with the mistakes corpus' builder (valid BPMN with DI)."""

from __future__ import annotations

import sys
from pathlib import Path

MISTAKES = Path(__file__).resolve().parents[1] / "diagrams" / "mistakes"
sys.path.insert(0, str(MISTAKES))

from build import Flow, Node, Process, render  # noqa: E402
from cases import (  # noqa: E402
    YES_NO, call, callee, caller, chain, consent_process, end, field, gateway, start, task, timer, timer_process,
)

__all__ = ["Flow", "Node", "Process", "YES_NO", "call", "callee", "caller", "chain", "consent_process", "end",
           "field", "gateway", "start", "task", "timer", "timer_process", "write", "messages"]


def write(folder: Path, process: Process, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or process.id}.bpmn"
    path.write_text(render(process), encoding="utf-8")
    return path


def messages(problems) -> list[str]:
    return [f"{p.element_id}: {'warning: ' if p.severity == 'warning' else ''}{p.message}" for p in problems]
