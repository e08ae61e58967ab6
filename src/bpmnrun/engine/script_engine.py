"""SpiffWorkflow's script engine, with every expression routed through bpmnrun's restricted evaluator."""

from __future__ import annotations

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from ..expressions import ExpressionError, evaluate


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Conditions, timers, multi-instance collections: all of them are evaluated here, none with eval()."""

    def evaluate(self, expression, context, external_context=None):
        return evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        raise ExpressionError(script[:60], "scripts are not run by bpmnrun")


SCRIPT_ENGINE = PythonScriptEngine(environment=RestrictedEnvironment())
