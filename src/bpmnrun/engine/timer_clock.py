"""Make SpiffWorkflow's timers read bpmnrun's injected clock.

SpiffWorkflow 3.2.0 computes due times with `datetime.now(timezone.utc)` inside its timer module
and offers no clock parameter, so the module's `datetime` name is pointed at a subclass whose
`now()` asks the current bpmnrun clock (a context variable: each thread or request has its own).
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from .. import clock


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install() -> None:
    spiff_timer.datetime = _ClockedDatetime


install()
