"""Every name an expression reads is set on every path that reaches it (else: "unknown name" at run time).

What counts as set at a site: what the process set on every path to it (data_flow.py), what it started with
however it starts (call_context.py), the engine's keys, and names local to the site (the task's input
parameters, the multi-instance element variable, the fields of the same form for required_if/valid_if).
A name read only through defined("x") / value("x", …) need not be set; if nothing in sight sets it at all,
that is probably a typo, and a warning says so.
"""

from __future__ import annotations

import difflib
from typing import Callable

from .call_context import Analysis, Context
from .data_flow import ENGINE_KEYS
from .expression_reads import reads_of
from .problems import ERROR, WARNING, Problem
from .sites import Site
from .timer_check import looks_like_unquoted_iso

Say = Callable[[Problem], None]


def suggestion(name: str, candidates: set[str] | frozenset[str], otherwise: str = "") -> str:
    """"; did you mean x?" for a near miss, else the advice given (what to write instead)."""
    close = difflib.get_close_matches(name, sorted(candidates), n=2, cutoff=0.75)
    return f"; did you mean {' or '.join(close)}?" if close else otherwise


class NamesCheck:
    def __init__(self, analysis: Analysis, checked: set[str], say: Say) -> None:
        self.analysis, self.checked, self.say = analysis, checked, say
        self._reported: set[tuple] = set()

    def process(self, pid: str, sites: list[Site]) -> None:
        flow = self.analysis.flow(pid)
        for site in sites:
            reads = reads_of(site.text)
            if reads is None or site.node not in flow.before:
                continue  # does not compile (reported as such), or on no path from a start
            seen = flow.after(site.node) if site.after else flow.before[site.node]
            available = ENGINE_KEYS | seen | site.local | site.form_fields
            for name in sorted(reads.names - available):
                if site.kind.startswith("time") and looks_like_unquoted_iso(site.text):
                    continue  # the timer rule says how to write it
                self._missing(pid, site, name)
            self._optional(pid, site, reads.optional - available)
            self._completed_by(pid, site, reads.completed_by)
        self._outs(pid)

    # --- a name read directly -----------------------------------------------------------------------

    def _missing(self, pid: str, site: Site, name: str) -> None:
        graph = self.analysis.graphs[pid]
        if name not in self.analysis.universe | self.analysis.start_form(pid):
            self._at_site(pid, site, f"{site.label} reads {name}, which nothing sets (no form field, start form "
                                     f"or mapping has that id)" + suggestion(
                                         name, self._known(pid, site),
                                         ": correct the name, or ask for it in a form field before here"))
            return
        for context in self.analysis.contexts(pid):
            if context.names is None or name in context.names:
                continue
            within = self._within(pid, site, name)
            if context.caller is None:
                self._at_site(pid, site, f"{site.label} reads {name}, which " + (
                    within or "is not set when this process is started on its own: nothing before here sets "
                    "it and its start form does not ask for it. Add it to the start form, or mark the process "
                    "camunda:isStartableInTasklist=\"false\" if only other processes call it") + _per_child(graph, name))
            else:
                self._from_caller(pid, site, name, context, within)

    def _within(self, pid: str, site: Site, name: str) -> str:
        """'is not set on every path …' when the process sets it on some paths only; else ''."""
        flow = self.analysis.flow(pid)
        if not flow.setters(name):
            return ""
        path = flow.witness(site.node, name, site.after)
        shown = " → ".join(path if len(path) <= 6 else [path[0], "…", *path[-4:]])
        return (f"is not set on every path to here: the path {shown} never sets it. Set it on that path, "
                f"or read it with value(\"{name}\", …)")

    def _from_caller(self, pid: str, site: Site, name: str, context: Context, within: str) -> None:
        caller = self.analysis.graphs[context.caller]
        call = context.call
        if context.caller in self.checked and (context.caller, call.id, name) not in self._reported:
            self._reported.add((context.caller, call.id, name))
            self.say(Problem(caller.path, call.line, call.id,
                             f"{pid} reads {name} ({site.label} at {site.element_id}), which is not set on every "
                             f"path to this call: set it before the call, or pass it with "
                             f"<camunda:in source=\"…\" target=\"{name}\" />"))
        elif context.caller not in self.checked:
            self._at_site(pid, site, f"{site.label} reads {name}, which " + (
                within or f"{context.caller} does not set before calling this process ({call.id} in "
                f"{caller.path})"))

    # --- defined("x") / value("x", …), completed_by("Task"), camunda:out ------------------------------

    def _optional(self, pid: str, site: Site, names: frozenset[str]) -> None:
        for name in sorted(names - self.analysis.universe - self.analysis.start_form(pid)):
            self._at_site(pid, site, f"{site.label} asks for {name} with defined()/value(), but nothing sets "
                                     f"{name}, so it is never there{suggestion(name, self._known(pid, site))}",
                          WARNING)

    def _completed_by(self, pid: str, site: Site, tasks: tuple[str, ...]) -> None:
        family = {pid} | {c for c, _ in self.analysis.callers.get(pid, [])}
        user_tasks = {n.id for p in family if p in self.analysis.graphs
                      for n in self.analysis.graphs[p].of_kind("userTask")}
        for task in tasks:
            if task not in user_tasks:
                self._at_site(pid, site, f"completed_by(\"{task}\") names no user task of this process or its "
                                         f"callers, so it always gives None" + suggestion(
                                             task, user_tasks, ": give the id of one of its user tasks"), WARNING)

    def _outs(self, pid: str) -> None:
        if pid not in self.checked:
            return
        flow = self.analysis.flow(pid)
        entry = self.analysis.entry(pid)
        for call in self.analysis.graphs[pid].of_kind("callActivity"):
            handed = self.analysis.handed_back(call.called) if call.called else None
            if handed is None or entry is None or not flow.reachable(call.id):
                continue
            at_end = ENGINE_KEYS | entry | flow.before[call.id] | {m.target for m in call.call_ins} | handed
            for mapping in call.call_outs:
                reads = None if mapping.source else reads_of(mapping.expression)
                wanted = {mapping.source} if mapping.source else (reads.names if reads else frozenset())
                for name in sorted(wanted - at_end):
                    self.say(Problem(self.analysis.graphs[pid].path, call.line, call.id,
                                     f"camunda:out to {mapping.target!r} reads {name}, which {call.called} does "
                                     f"not set on every path to its end" + suggestion(
                                         name, at_end, ": copy a value it sets on every path to its end")))

    # --- helpers -----------------------------------------------------------------------------------------

    def _at_site(self, pid: str, site: Site, message: str, severity: str = ERROR) -> None:
        if site.kind == "default":
            severity = WARNING  # a default that cannot be worked out prefills nothing; the case goes on
        key = (pid, site.line, site.element_id, message)
        if pid in self.checked and key not in self._reported:
            self._reported.add(key)
            self.say(Problem(self.analysis.graphs[pid].path, site.line, site.element_id, message, severity))

    def _known(self, pid: str, site: Site) -> set[str]:
        return set(self.analysis.universe) | self.analysis.start_form(pid) | site.local | site.form_fields


def _per_child(graph, name: str) -> str:
    for node in graph.nodes.values():
        if node.multi_instance and any(f.id == name for f in node.fields):
            return (f" ({node.name!r} asks it once per child and records each answer on that child in "
                    f"subjects, not as {name}: to route on it, ask it in one task with a per_child field and "
                    f"use children({name}, \"option\"))")
    return ""
