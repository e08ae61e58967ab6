"""Where the value of a name can come from, as seen by one process: which form fields, which fixed values.

`decision == "aprove"` is a mistake only if every value `decision` can hold is known: the options of the form
fields that set it, and the fixed values mappings give it (`<camunda:in sourceExpression="${&quot;mash&quot;}"
target="route" />`). The value of a name in a process comes from the process itself (its forms, its output
parameters, the processes it calls: what they hand back or `camunda:out` copies) and, at its start, from its
callers (what they hold under that name, or what a `camunda:in` mapping gives it). A `camunda:in` target is the
called process's own: it never changes the caller's value. Anything computed from other data is opaque, and
then nothing is claimed about the name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .call_context import Analysis
from .data_flow import ENGINE_KEYS
from .expression_reads import FUNCTION_NAMES, called, literal_argument, parse
from .graph import FormField

@dataclass
class Sources:
    fields: list[FormField] = field(default_factory=list)
    constants: list = field(default_factory=list)  # fixed values given by mappings and output parameters
    opaque: bool = False  # some value is computed: nothing certain can be said
    partial: bool = False  # some values come from callers, and callers out of sight may give others

    def add(self, other: "Sources") -> None:
        self.fields += [f for f in other.fields if f not in self.fields]
        self.constants += [c for c in other.constants if c not in self.constants]
        self.opaque = self.opaque or other.opaque
        self.partial = self.partial or other.partial



class ValueSources:
    def __init__(self, analysis: Analysis, callers_complete: bool) -> None:
        self.analysis = analysis
        # True when every caller there is, is in sight (the whole library is compared): what the callers give
        # is then all a called process can get.
        self.callers_complete = callers_complete
        # (kind, process, name) → sources; a lookup under way counts as nothing (calls that call back)
        self._memo: dict[tuple[str, str, str], Sources] = {}

    def of(self, pid: str, name: str, own_only: bool = False) -> Sources | None:
        """Every source of `name` in `pid`, or None when some of its values cannot be known. `own_only`: the
        process itself has set the name on every path to the point asked about, so its callers' values are gone."""
        if name in ENGINE_KEYS:
            return None
        found = self._own(pid, name) if own_only else self._all(pid, name)
        return None if found.opaque or not (found.fields or found.constants) else found

    def _remembered(self, kind: str, pid: str, name: str, work) -> Sources:
        key = (kind, pid, name)
        if key not in self._memo:
            self._memo[key] = Sources()  # while it is worked out
            self._memo[key] = work()
        known = self._memo[key]
        return Sources(list(known.fields), list(known.constants), known.opaque, known.partial)

    def _all(self, pid: str, name: str) -> Sources:
        if pid not in self.analysis.graphs:
            return Sources()

        def work() -> Sources:
            found = self._own(pid, name)
            found.add(self._from_callers(pid, name, own=bool(found.fields or found.constants)))
            return found

        return self._remembered("all", pid, name, work)

    def _own(self, pid: str, name: str) -> Sources:
        """What the process itself sets `name` to: its forms, output parameters and what its calls give back."""
        if pid not in self.analysis.graphs:
            return Sources()

        def work() -> Sources:
            found = Sources()
            for node in self.analysis.graphs[pid].nodes.values():
                if not node.multi_instance:
                    found.fields += [f for f in node.fields if f.id == name and not f.row_of]
                    if any(f.row_of == name for f in node.fields):
                        found.opaque = True  # a table of rows
                for output, expression in node.outputs:
                    if output == name:
                        found.add(self._expression(pid, _unwrapped(expression)))
                if any(param == name for param, _ in node.inputs):
                    found.opaque = True  # a task's own value: only that task sees it
                if node.kind == "callActivity" and node.called:
                    found.add(self._from_call(node, name))
            return found

        return self._remembered("own", pid, name, work)

    def _from_call(self, call, name: str) -> Sources:
        found = Sources()
        for mapping in call.call_outs:
            if mapping.target == name:
                if mapping.source:
                    found.add(self._all(call.called, mapping.source))
                else:
                    found.add(self._expression(call.called, mapping.expression))
        if name not in {m.target for m in call.call_ins}:
            found.add(self._own(call.called, name))
        return found

    def _from_callers(self, pid: str, name: str, own: bool) -> Sources:
        found = Sources()
        callers = self.analysis.callers.get(pid, [])
        if not callers and not self.analysis.graphs[pid].startable and not own:
            found.opaque = True  # only callers set it, and none is in sight
        found.partial = bool(callers) and not self.callers_complete
        for caller, call in callers:
            mappings = [m for m in call.call_ins if m.target == name]
            for mapping in mappings:
                if mapping.source:
                    found.add(self._all(caller, mapping.source))
                else:
                    found.add(self._expression(caller, mapping.expression))
            if not mappings:
                found.add(self._all(caller, name))
        return found

    def _expression(self, pid: str, expression: str | None) -> Sources:
        """What an expression evaluated in `pid` can give: a literal, a name's own sources, either branch of
        `a if … else b`, value("x", default); anything else is computed (opaque)."""
        tree = parse(expression)
        return self._node(pid, tree) if tree is not None else Sources(opaque=True)

    def _node(self, pid: str, node: ast.AST) -> Sources:
        if isinstance(node, ast.Constant):
            return Sources(constants=[node.value])
        if isinstance(node, ast.IfExp):
            found = self._node(pid, node.body)
            found.add(self._node(pid, node.orelse))
            return found
        if isinstance(node, ast.Name) and node.id not in FUNCTION_NAMES and node.id not in ENGINE_KEYS:
            return self._all(pid, node.id)
        if called(node, "value") and literal_argument(node) is not None:
            found = self._all(pid, literal_argument(node))
            found.add(self._node(pid, node.args[1]) if len(node.args) > 1 else Sources(constants=[None]))
            return found
        return Sources(opaque=True)


def _unwrapped(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[2:-1].strip() if text.startswith("${") and text.endswith("}") else None
