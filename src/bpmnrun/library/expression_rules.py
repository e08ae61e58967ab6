"""bpmnrun's rules on the expressions of the checked processes, across steps and processes.

For each expression site (sites.py): it compiles in the restricted evaluator; its cost is bounded; every
name it reads is set on every path to it (names_check.py); it compares fields with what they store
(field_use.py); a timer gives something SpiffWorkflow can wait for (timer_check.py). For each gateway without
a default: some flow is taken whatever its enum and yes/no fields hold (gateway_coverage.py).
"""

from __future__ import annotations

from typing import Any, Callable

from ..expressions import ExpressionError, compile_expression
from .call_context import Analysis
from .expression_cost import cost_problem
from .expression_reads import reads_of
from .field_use import check_field_use
from .gateway_coverage import SPLITS, check_gateway
from .names_check import NamesCheck
from .problems import Problem
from .samples import ENGINE_SAMPLES, UNSET, domain, samples
from .sites import Site
from .timer_check import check_timer, looks_like_unquoted_iso, unquoted_message
from .value_sources import ValueSources

Say = Callable[[Problem], None]


class ExpressionRules:
    def __init__(self, analysis: Analysis, checked: set[str], say: Say, callers_complete: bool = False) -> None:
        self.analysis, self.say = analysis, say
        self.names = NamesCheck(analysis, checked, say)
        self.sources = ValueSources(analysis, callers_complete)

    def process(self, pid: str, sites: list[Site]) -> None:
        path = self.analysis.graphs[pid].path
        report = lambda site, message: self.say(Problem(path, site.line, site.element_id, message))  # noqa: E731
        usable = [s for s in sites if self._compiles(s, report)]
        for site in usable:
            problem = cost_problem(site.text)
            if problem:
                report(site, f"{site.label}: {problem}")
            for message in check_field_use(site.text, site.label, lambda name: self._sources(pid, site, name)):
                report(site, message)
            if site.kind.startswith("time"):
                failure = check_timer(site, self._timer_names(site), lambda name: self._samples(pid, site, name))
                if failure:
                    report(site, failure)
        self.names.process(pid, usable)
        self._gateways(pid, path)

    @staticmethod
    def _compiles(site: Site, report: Callable[[Site, str], None]) -> bool:
        if site.text is None or not site.text.strip():
            report(site, f"{site.label} is empty")
            return False
        if site.kind.startswith("time") and looks_like_unquoted_iso(site.text):
            report(site, unquoted_message(site))
            return False
        if site.plain:
            report(site, f"{site.label} must be an expression written ${{…}}, e.g. ${{children(chosen_children)}} "
                         f"or ${{plan_agreed == \"yes\"}}")
            return False
        try:
            compile_expression(site.text.strip())
        except ExpressionError as exc:
            report(site, f"{site.label}: {exc.reason}")
            return False
        return True

    # --- what a name holds ----------------------------------------------------------------------------

    def _timer_names(self, site: Site) -> list[str]:
        reads = reads_of(site.text)
        return sorted(reads.names | reads.optional) if reads else []

    def _samples(self, pid: str, site: Site, name: str) -> list[Any] | None:
        if name in ENGINE_SAMPLES:
            return ENGINE_SAMPLES[name]
        sources = self._sources(pid, site, name)
        found = samples(sources.fields) + sources.constants if sources else []
        reads = reads_of(site.text)
        optional = reads is not None and name in reads.optional and name not in reads.names
        return (found + [UNSET]) if optional else (found or None)

    def _gateways(self, pid: str, path: str) -> None:
        flow = self.analysis.flow(pid)
        graph = flow.graph
        rules = [c for n in graph.nodes.values() for f in n.fields for k, c in f.constraints
                 if k == "valid_if" and c and reads_of(c) is not None]
        for gateway in graph.of_kind(*SPLITS):
            if not flow.reachable(gateway.id):
                continue
            message = check_gateway(flow, gateway.id, lambda name: self._domain(pid, gateway.id, name), rules)
            if message:
                self.say(Problem(path, gateway.line, gateway.id, message))

    def _sources(self, pid: str, site: Site, name: str):
        """Where the values of `name` read at `site` come from (only the process's own steps when they set it
        on every path to the site: then what callers gave is gone)."""
        flow = self.analysis.flow(pid)
        seen = flow.before.get(site.node, frozenset()) | (flow.sets.get(site.node, frozenset()) if site.after else set())
        return self.sources.of(pid, name, own_only=name in seen)

    def _domain(self, pid: str, node: str, name: str) -> list[Any] | None:
        if name in ENGINE_SAMPLES:  # one family of sample children: an uncovered case there is a real case
            return ENGINE_SAMPLES[name][:1]
        sources = self.sources.of(pid, name, own_only=name in self.analysis.flow(pid).before.get(node, ()))
        if sources is None:
            return None
        values = domain(sources.fields) if sources.fields else []
        return None if values is None else values + [c for c in sources.constants if c not in values]
