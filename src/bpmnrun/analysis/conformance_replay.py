"""Token replay of a case's steps on a Petri net, and the deviations it shows named in the users' words.

Token-based replay (Berti and van der Aalst, "Reviving token-based replay", 2019), as process-mining tools
run it, so the figures agree: each step fires its transition; a step that is not enabled first tries silent
transitions (along the shortest silent paths from marked places) to enable it, and otherwise is fired anyway
with the tokens it lacked counted as missing; at the end silent transitions are tried towards the final place,
and tokens left over are counted as remaining. Fitness = ½(1 − missing/consumed) + ½(1 − remaining/produced).
"""

from __future__ import annotations

from dataclasses import dataclass

from .conformance_net import Net

MAX_PATH_DEPTH = 50  # how far the silent paths between places are searched
MAX_HIDDEN_DEPTH = 2  # how deeply a silent transition is itself enabled through others
FINAL_ATTEMPTS = 5
LOOKAHEAD = 4  # steps looked ahead to choose between tasks that share a name


@dataclass(frozen=True)
class Deviation:
    kind: str  # skipped | out of order | not in the model | not finished
    step: str
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.step}"

    def __str__(self) -> str:
        return f"{self.label} ({self.detail})" if self.detail else self.label


@dataclass(frozen=True)
class Replayed:
    missing: int
    consumed: int
    remaining: int
    produced: int
    deviations: tuple[Deviation, ...]

    @property
    def fitness(self) -> float:
        if self.consumed <= 0 or self.produced <= 0:
            return 1.0
        return 0.5 * (1 - self.missing / self.consumed) + 0.5 * (1 - self.remaining / self.produced)


class Replayer:
    """Replays label sequences on one net; build once, replay each distinct sequence once."""

    def __init__(self, net: Net, lookahead: bool = True) -> None:
        """`lookahead`: where tasks share a name, choose the one the case's next step fits (the usual replay,
        without, takes the last by name and may count a fitting case as deviating)."""
        self.net = net
        self.lookahead = lookahead
        self.pre = [t.inputs for t in net.transitions]
        self.post = [t.outputs for t in net.transitions]
        self.silent = [t.label is None for t in net.transitions]
        self.taking = [[] for _ in net.places]  # place → transitions that consume from it
        self.feeding = [[] for _ in net.places]
        for i, t in enumerate(net.transitions):
            for p in t.inputs:
                self.taking[p].append(i)
            for p in t.outputs:
                self.feeding[p].append(i)
        self.by_label: dict[str, list[int]] = {}
        for i, t in enumerate(net.transitions):
            if t.label is not None:
                self.by_label.setdefault(t.label, []).append(i)
        self.paths = self._silent_paths()

    # --- the replay ---------------------------------------------------------------------------------------

    def replay(self, labels: tuple[str, ...], finished: bool = True) -> Replayed:
        marking = {self.net.source: 1}
        counts = [0, 0, 1]  # missing, consumed, produced (the initial token was produced)
        gaps: list[tuple[int, int, list[int]]] = []  # (position in the trace, transition, places it lacked)
        unknown: list[str] = []
        for position, label in enumerate(labels):
            candidates = self.by_label.get(label)
            if candidates is None:
                unknown.append(label)
                continue
            t, marking, fired = self._choose(labels, position, marking)
            self._count(fired, counts)
            if not self._enabled(t, marking):
                lacking = [p for p in self.pre[t] if marking.get(p, 0) < 1]
                for p in lacking:
                    marking[p] = marking.get(p, 0) + 1
                counts[0] += len(lacking)
                gaps.append((position, t, lacking))
            self._fire(t, marking)
            self._count([t], counts)
        self._towards_the_end(marking, counts)
        sink = self.net.sink
        remaining = sum(n for p, n in marking.items() if p != sink) + max(0, marking.get(sink, 0) - 1)
        missing = counts[0] + (0 if marking.get(sink, 0) >= 1 else 1)
        deviations = self._named(labels, gaps, unknown, marking, finished)
        return Replayed(missing, counts[1] + 1, remaining, counts[2], deviations)

    def _choose(self, labels: tuple[str, ...], position: int,
                marking: dict[int, int]) -> tuple[int, dict[int, int], list[int]]:
        """The transition for the step at `position`, with the marking once the silent transitions that enable
        it have fired.

        Without lookahead, as the usual replay: an enabled one, else the last by name (forced if it must be).
        With it, where several tasks share the name (the same step on two branches, a called process called
        twice), the one after which most of the case's next steps replay without a missing token."""
        candidates = self.by_label[labels[position]]
        if not self.lookahead or len(candidates) == 1:
            enabled = next((c for c in candidates if self._enabled(c, marking)), None)
            if enabled is not None:
                return enabled, marking, []
            return self._forced(candidates[-1], marking)
        options = self._viable(candidates, marking)
        if not options:
            return self._forced(candidates[-1], marking)
        if len(options) == 1:
            return options[0]
        best, best_score = options[0], -1
        for option in options:
            after = dict(option[1])
            self._fire(option[0], after)
            score = self._score(after, labels, position + 1, LOOKAHEAD)
            if score > best_score:
                best, best_score = option, score
            if score == LOOKAHEAD:
                break
        return best

    def _forced(self, t: int, marking: dict[int, int]) -> tuple[int, dict[int, int], list[int]]:
        trial, fired = dict(marking), []
        self._enable_silently(t, trial, 0, set(), fired)
        return t, trial, fired

    def _viable(self, candidates: list[int], marking: dict[int, int]) -> list[tuple[int, dict[int, int], list[int]]]:
        """The candidates enabled now (first), then those silent transitions can enable (last by name first)."""
        options = [(c, marking, []) for c in candidates if self._enabled(c, marking)]
        for c in reversed(candidates):
            if not self._enabled(c, marking):
                t, trial, fired = self._forced(c, marking)
                if self._enabled(t, trial):
                    options.append((t, trial, fired))
        return options

    def _score(self, marking: dict[int, int], labels: tuple[str, ...], position: int, budget: int) -> int:
        """How many of the next `budget` steps replay from `marking` without a missing token (reaching the
        end with nothing left over counts as one)."""
        while position < len(labels) and labels[position] not in self.by_label:
            position += 1
        if budget == 0:
            return 0
        if position == len(labels):
            trial = dict(marking)
            self._towards_the_end(trial, [0, 0, 0])
            return 1 if trial == {self.net.sink: 1} else 0
        best = 0
        for t, trial, _ in self._viable(self.by_label[labels[position]], marking):
            after = dict(trial)
            self._fire(t, after)
            best = max(best, 1 + self._score(after, labels, position + 1, budget - 1))
            if best == budget:
                break
        return best

    def _enabled(self, t: int, marking: dict[int, int]) -> bool:
        return all(marking.get(p, 0) >= 1 for p in self.pre[t])

    def _fire(self, t: int, marking: dict[int, int]) -> None:
        for p in self.pre[t]:
            left = marking[p] - 1
            if left:
                marking[p] = left
            else:
                del marking[p]
        for p in self.post[t]:
            marking[p] = marking.get(p, 0) + 1

    def _count(self, fired: list[int], counts: list[int]) -> None:
        for t in fired:
            counts[1] += len(self.pre[t])
            counts[2] += len(self.post[t])

    def _paths_to(self, marking: dict[int, int], targets: list[int]) -> list[tuple[int, ...]]:
        found = [self.paths[p][q] for p in sorted(marking) for q in targets if q in self.paths[p]]
        return sorted(found, key=len)

    def _enable_silently(self, t: int, marking: dict[int, int], depth: int, visited: set[int],
                         fired: list[int]) -> None:
        """Fire silent transitions on the shortest silent paths from marked places to what `t` lacks."""
        if depth >= MAX_HIDDEN_DEPTH or t in visited:
            return
        visited.add(t)
        lacking = sorted(p for p in self.pre[t] if marking.get(p, 0) < 1)
        groups = self._paths_to(marking, lacking)
        if not groups:
            return
        self._walk(t, marking, groups, visited, fired)
        if self._enabled(t, marking):
            return
        for group in self._paths_to(marking, lacking):
            for step in group:
                if step == t or step in visited:
                    continue
                if not self._enabled(step, marking):
                    self._enable_silently(step, marking, depth + 1, visited, fired)
                if self._enabled(step, marking):
                    self._fire(step, marking)
                    fired.append(step)
                    visited.add(step)

    def _walk(self, t: int, marking: dict[int, int], groups, visited: set[int], fired: list[int]) -> None:
        # The paths are taken in turn, each as far as it can go; a turn that fires nothing ends the walk.
        done = [0] * len(groups)
        turn = 0
        while True:
            g = turn % len(groups)
            changed = False
            while done[g] < len(groups[g]):
                step = groups[g][done[g]]
                if step != t and step not in visited and self._enabled(step, marking):
                    self._fire(step, marking)
                    fired.append(step)
                    visited.add(step)
                    changed = True
                done[g] += 1
                if self._enabled(t, marking):
                    break
            if self._enabled(t, marking) or not changed:
                return
            turn += 1

    def _towards_the_end(self, marking: dict[int, int], counts: list[int]) -> None:
        sink = self.net.sink
        for _ in range(FINAL_ATTEMPTS):
            if sink in marking:
                return
            for group in self._paths_to(marking, [sink]):
                for step in group:
                    if self._enabled(step, marking):
                        self._fire(step, marking)
                        self._count([step], counts)
                if sink in marking:
                    break
        if sink in marking:
            return
        routes = sorted((self.paths[p][sink] for p in marking if sink in self.paths[p]), key=len)
        for _ in range(FINAL_ATTEMPTS):
            for route in routes:
                for step in route:
                    if not self._enabled(step, marking):
                        break
                    self._fire(step, marking)
                    self._count([step], counts)

    def _silent_paths(self) -> list[dict[int, tuple[int, ...]]]:
        """For each place, the shortest run of silent transitions that puts a token in each other place."""
        paths: list[dict[int, tuple[int, ...]]] = [{} for _ in self.net.places]
        for root in range(len(self.net.places)):
            found = paths[root]
            stack = [(root, (), 0)]
            while stack:
                place, path, depth = stack.pop()
                if depth > MAX_PATH_DEPTH:
                    continue
                for t in self.taking[place]:
                    if not self.silent[t]:
                        continue
                    for nxt in self.post[t]:
                        if nxt not in found or len(path) + 1 < len(found[nxt]):
                            found[nxt] = path + (t,)
                            stack.append((nxt, found[nxt], depth + 1))
        return paths

    # --- naming what went wrong -----------------------------------------------------------------------------

    def _named(self, labels, gaps, unknown, marking, finished: bool) -> tuple[Deviation, ...]:
        named: dict[Deviation, None] = {}
        for label in unknown:
            named[Deviation("not in the model", label)] = None
        for position, t, lacking in gaps:
            step = self.net.transitions[t].label
            for place in lacking:
                before = self._nearest(place, backwards=True)
                later = [b for b in before if b in labels[position + 1:]]
                absent = [b for b in before if b not in labels[:position]]
                if later:
                    named[Deviation("out of order", step, f"done before {' or '.join(later)}")] = None
                elif absent:
                    named[Deviation("skipped", " or ".join(absent), f"before {step}")] = None
                else:
                    named[Deviation("out of order", step, "done again")] = None
        for place in sorted(p for p in marking if p != self.net.sink):
            never = [a for a in self._nearest(place, backwards=False) if a not in labels]
            if never:
                kind = "skipped" if finished else "not finished"
                named[Deviation(kind, " or ".join(never), "" if finished else "waiting")] = None
        # One of each: a step skipped mid-way also leaves its token behind at the end.
        unique: dict[str, Deviation] = {}
        for deviation in named:
            unique.setdefault(deviation.label, deviation)
        return tuple(unique.values())

    def _nearest(self, place: int, backwards: bool) -> list[str]:
        """The steps next to `place` through silent transitions: the ones that put a token there (backwards),
        or the ones that would take it (forwards)."""
        found: dict[str, None] = {}
        seen, todo = {place}, [place]
        while todo:
            p = todo.pop()
            for t in (self.feeding[p] if backwards else self.taking[p]):
                label = self.net.transitions[t].label
                if label is not None:
                    found[label] = None
                    continue
                for q in (self.pre[t] if backwards else self.post[t]):
                    if q not in seen:
                        seen.add(q)
                        todo.append(q)
        return list(found)
