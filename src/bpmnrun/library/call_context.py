"""The processes a check looks at together, and what each has at its start: alone, or as its callers call it.

A process marked `camunda:isStartableInTasklist="false"` is only ever called: what it reads at its start comes
from its callers (each call site gives everything the caller has set before the call, plus the call's
`camunda:in` targets). A startable process must also work when started on its own (engine keys and its start
form). Callers count only among the diagrams the check compares (the checked set, and the library when a
checked file is part of it).

A called-only process with no caller in sight (checked on its own, or outside the library) starts, for this
check, with every name that anything in sight could set: no false "not set" errors for what its callers give,
yet a name that nothing anywhere sets (a typo) is still an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .data_flow import ENGINE_KEYS, DataFlow, data_flow
from .graph import Node, ProcessGraph


@dataclass(frozen=True)
class Context:
    """One way a process starts: on its own (caller None) or from one call activity of a caller."""

    names: frozenset[str] | None  # None: anything in sight (a caller that itself has no caller in sight)
    caller: str | None = None
    call: Node | None = None


class Analysis:
    def __init__(self, graphs: dict[str, ProcessGraph], peers: set[str],
                 extra_names: frozenset[str] = frozenset()) -> None:
        self.graphs = graphs  # every process in sight: the checked ones, their peers, the callees they need
        self.peers = peers  # the processes whose calls count as callers (checked set, and library if compared)
        self.extra_names = extra_names  # names the rest of the library sets (only ever makes the check kinder)
        self._flows: dict[str, DataFlow] = {}
        self._busy: set[str] = set()
        self._entries: dict[str, frozenset[str] | None] = {}

    # --- data flow per process ------------------------------------------------------------------------

    def flow(self, pid: str) -> DataFlow:
        if pid not in self._flows:
            self._busy.add(pid)
            try:
                self._flows[pid] = data_flow(self.graphs[pid], self.handed_back)
            finally:
                self._busy.discard(pid)
        return self._flows[pid]

    def handed_back(self, pid: str) -> frozenset[str] | None:
        """What a called process has set when it ends (None: not in sight, or calling itself)."""
        if pid not in self.graphs or pid in self._busy:
            return None
        return self.flow(pid).at_end()

    # --- who calls whom ---------------------------------------------------------------------------------

    @cached_property
    def callers(self) -> dict[str, list[tuple[str, Node]]]:
        found: dict[str, list[tuple[str, Node]]] = {}
        for pid in sorted(self.peers):
            for node in self.graphs[pid].of_kind("callActivity"):
                if node.called:
                    found.setdefault(node.called, []).append((pid, node))
        return found

    @cached_property
    def components(self) -> dict[str, frozenset[str]]:
        """Processes linked by calls either way share their data, so they share their field definitions."""
        parent = {pid: pid for pid in self.graphs}

        def root(pid: str) -> str:
            while parent[pid] != pid:
                parent[pid] = parent[parent[pid]]
                pid = parent[pid]
            return pid

        for pid, graph in self.graphs.items():
            for node in graph.of_kind("callActivity"):
                if node.called in parent:
                    parent[root(node.called)] = root(pid)
        groups: dict[str, set[str]] = {}
        for pid in self.graphs:
            groups.setdefault(root(pid), set()).add(pid)
        return {pid: frozenset(groups[root(pid)]) for pid in self.graphs}

    # --- what a process starts with -------------------------------------------------------------------

    def start_form(self, pid: str) -> frozenset[str]:
        return frozenset(f.id for n in self.graphs[pid].starts() if not n.event for f in n.fields if f.id)

    def contexts(self, pid: str) -> list[Context]:
        """Every way the process starts that the check can see; none for a called-only process out of sight."""
        found = []
        if self.graphs[pid].startable:
            found.append(Context(self.start_form(pid)))
        for caller, call in self.callers.get(pid, []):
            flow = self.flow(caller)
            if not flow.reachable(call.id):
                continue
            entry = self.entry(caller)
            given = flow.before[call.id] | {m.target for m in call.call_ins}
            found.append(Context(None if entry is None else entry | given, caller, call))
        return found

    def entry(self, pid: str) -> frozenset[str] | None:
        """What the process has at its start however it starts (None: anything in sight)."""
        if pid not in self._entries:
            self._entries[pid] = None  # a process that calls itself back: assume anything in sight
            contexts = self.contexts(pid)
            names = [c.names for c in contexts]
            self._entries[pid] = None if not names or None in names else frozenset.intersection(*names)
        return self._entries[pid]

    # --- every name in sight --------------------------------------------------------------------------

    @cached_property
    def universe(self) -> frozenset[str]:
        """Every name something in sight could set (a name outside it is set by nothing: a typo)."""
        names = set(ENGINE_KEYS) | self.extra_names
        for graph in self.graphs.values():
            for node in graph.nodes.values():
                names |= {f.row_of or f.id for f in node.fields if f.id}
                names |= {m.target for m in (*node.call_ins, *node.call_outs)} | {n for n, _ in node.outputs}
        return frozenset(names)
